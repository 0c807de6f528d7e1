"""Populations in the interchange format: finding, reading in chunks, validating, rejecting.

A population is a folder with `groups.csv` and `members.csv` (or the same columns in
`groups.parquet` / `members.parquet`):

- groups:  group_id, country (MX | PA, empty = MX), territory (INEGI 5-digit municipality or
  PA province code, read as text), locality (rural | periurban | urban), organisation
  (osse | informal | none);
- members: group_id, age (0 to 120), sex (F | M), prospera, poverty (true | false in any
  letter case, or 1 | 0), producer_stratum (E1..E6, or none for not a producer),
  entrepreneurial_potential (very_low | low | medium | high | very_high).

An empty cell is "not known". Members of a group need not be contiguous, so a population
larger than memory is split by a hash of group_id into partitions on disk (one streaming pass
per file); every partition then holds whole groups with all their members, and is screened on
its own. Small populations are read in one piece.

Bad rows never stop the run: each becomes a reject with its file, line number (the header is
line 1; for Parquet, the 1-based row) and reason, and the group it would corrupt is left out:
an unknown territory, an invalid value, a repeated group_id, a member of no group, and a group
with a rejected member (screening it without that member could make it look eligible).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Any, Literal

import polars as pl

from engine.errors import InputError
from engine.facts import GROUP_FACTS
from engine.territory import PROVIDERS

GROUP_COLUMNS = ("group_id", "country", "territory", "locality", "organisation")
MEMBER_COLUMNS = (
    "group_id",
    "age",
    "sex",
    "prospera",
    "poverty",
    "producer_stratum",
    "entrepreneurial_potential",
)
REQUIRED = {"groups": ("group_id", "territory"), "members": ("group_id",)}
LINE = "__line"
KEY = "__key"  # a 64-bit hash of group_id: the join and group-by key
CHECK = "__check"  # a second, independent 64-bit hash of group_id that confirms KEY
HASH_SEED = 20261123
REJECT_SCHEMA = {"file": pl.String, "line": pl.Int64, "group_id": pl.String, "reason": pl.String}

AGE_RANGE = (0, 120)  # engine/schema.py Member.age
CHOICES: dict[str, tuple[str, ...]] = {
    "locality": ("rural", "periurban", "urban"),
    "organisation": ("osse", "informal", "none"),
    "sex": ("F", "M"),
    "producer_stratum": ("E1", "E2", "E3", "E4", "E5", "E6", "none"),
    "entrepreneurial_potential": ("very_low", "low", "medium", "high", "very_high"),
}


def truth(text: str) -> bool | None:
    """A `prospera` / `poverty` cell: true or false in any letter case (as polars reads a
    Boolean column), or 1 / 0; None when it is none of these."""
    return {"true": True, "1": True, "false": False, "0": False}.get(text.lower()) if text.isascii() else None


def _spellings(word: str) -> list[str]:
    """Every letter-case spelling of `word` ("true", "True", "tRuE", ...)."""
    spelled = [""]
    for ch in word:
        spelled = [s + c for s in spelled for c in dict.fromkeys((ch.lower(), ch.upper()))]
    return spelled


#: every cell `truth` accepts, for a strict Enum read
TRUTH_WORDS = (*_spellings("true"), *_spellings("false"), "1", "0")


@dataclass(frozen=True)
class Population:
    """Where a population's two files are and in which format."""

    directory: Path
    groups: Path
    members: Path
    format: Literal["csv", "parquet"]

    @classmethod
    def find(cls, directory: Path | str) -> Population:
        directory = Path(directory)
        if not directory.is_dir():
            raise InputError(
                f"population folder not found: {directory}",
                hint="give a folder holding groups.csv and members.csv "
                "(or groups.parquet and members.parquet); `vincula synth` writes one",
            )
        for fmt in ("csv", "parquet"):
            g, m = directory / f"groups.{fmt}", directory / f"members.{fmt}"
            if g.is_file() and m.is_file():
                return cls(directory, g, m, fmt)  # type: ignore[arg-type]
        raise InputError(
            f"no groups.csv + members.csv (or .parquet pair) in {directory}",
            hint="the interchange format is described in engine/population.py and the README",
        )

    @property
    def size_bytes(self) -> int:
        return self.groups.stat().st_size + self.members.stat().st_size

    def scan(self, which: Literal["groups", "members"]) -> pl.LazyFrame:
        """The raw rows of one file with their line numbers; every value column is text,
        read as Categorical (few distinct values) except group_id."""
        path = self.groups if which == "groups" else self.members
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        columns = _header(path, self.format)
        missing = [c for c in REQUIRED[which] if c not in columns]
        if missing:
            raise InputError(
                f"{path}: no column {', '.join(missing)}",
                where=f"{path}:1",
                hint=f"the header must name the columns {', '.join(expected)}",
            )
        if self.format == "csv":
            schema = {
                c: (pl.String if c == "group_id" else pl.Categorical) if c in expected else pl.String
                for c in columns
            }
            lf = pl.scan_csv(path, schema=schema, row_index_name=LINE, row_index_offset=2)
        else:
            lf = pl.scan_parquet(path, row_index_name=LINE, row_index_offset=1)
            lf = lf.with_columns(
                pl.col(c).cast(pl.String).cast(pl.Categorical)
                for c in expected
                if c in columns and c != "group_id"
            )
            lf = lf.with_columns(pl.col("group_id").cast(pl.String))
        present = [c for c in expected if c in columns]
        absent = [pl.lit(None, pl.Categorical).alias(c) for c in expected if c not in columns]
        return lf.select(pl.col(LINE).cast(pl.Int64), *present, *absent)


def _header(path: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        return list(pl.read_parquet_schema(path))
    with open(path, encoding="utf-8", newline="") as f:
        line = f.readline().strip("\r\n")
    if not line:
        raise InputError(f"{path} is empty", where=f"{path}:1", hint="the first line is the header")
    return [c.strip().strip('"') for c in line.split(",")]


# --------------------------------------------------------------------------- writing


class FrameWriter:
    """Frames appended to a CSV or Parquet file (by the target's suffix) through a temporary file
    beside the target, renamed when the `with` block ends without an error and deleted when it
    ends with one: a failed or interrupted run never leaves a half-written file under the target
    name. `schema` is what an empty file holds. Screening results and synthetic populations."""

    def __init__(self, target: Path, schema: pl.Schema | dict[str, Any]) -> None:
        self.target = target
        self.schema = schema
        self.tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        self.parquet = target.suffix.lower() in (".parquet", ".pq")
        self._pq: Any = None
        self._fh: Any = None
        self.rows = 0

    def write(self, df: pl.DataFrame, plain: bool = False) -> None:
        """Append `df`; `plain` promises that no text in it needs CSV quoting, which spares
        the writer its check of every cell."""
        quoting: Literal["necessary", "never"] = "never" if plain else "necessary"
        if self.parquet:
            import pyarrow.parquet as pq

            table = df.to_arrow()
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, table.schema)
            self._pq.write_table(table)
        else:
            if self._fh is None:
                self._fh = open(self.tmp, "wb")
                df.write_csv(self._fh, include_header=True, quote_style=quoting)
            else:
                df.write_csv(self._fh, include_header=False, quote_style=quoting)
        self.rows += df.height

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is None:
            self._commit()
        else:
            self._abort()

    def _commit(self) -> None:
        if self._pq is None and self._fh is None:
            self.write(pl.DataFrame(schema=self.schema))  # header / schema only
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()
        os.replace(self.tmp, self.target)

    def _abort(self) -> None:
        for h in (self._pq, self._fh):
            try:
                if h is not None:
                    h.close()
            except Exception:  # noqa: BLE001 - cleaning up after the real error
                pass
        self.tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- territories


@cache
def territory_frame() -> pl.DataFrame:
    """Every territory of every country as one row: country, territory, and its attributes as
    `territory.<name>` columns typed as the per-group lookup types them (engine/territory.py),
    text as Categorical (a few thousand distinct values: gathered per group and compared far
    faster than strings, with the same lexical order)."""
    frames = []
    for country, provider in PROVIDERS.items():
        table = provider.frame()
        facts = [c for c in table.columns if f"territory.{c}" in GROUP_FACTS]
        frames.append(
            table.select(
                pl.lit(country).alias("country"),
                pl.col("code").alias("territory"),
                *[
                    (pl.col(c).cast(pl.Categorical) if table.schema[c] == pl.String else pl.col(c)).alias(
                        f"territory.{c}"
                    )
                    for c in facts
                ],
            )
        )
    return pl.concat(frames, how="diagonal").with_columns(pl.lit(True).alias("__known"))


def territory_facts(country: pl.Series, territory: pl.Series) -> pl.DataFrame:
    """The territory facts of each row (all null, `__known` null, for an unknown code):
    looked up per distinct code and gathered, which is much cheaper than a join."""
    terr = territory_frame()
    index: pl.Expr = pl.lit(None, pl.UInt32)
    frame = pl.DataFrame({"c": country, "t": territory.cast(pl.Categorical)})
    for name in PROVIDERS:
        rows = terr.with_row_index("__i").filter(pl.col("country") == name)
        mapping = dict(
            zip(rows.get_column("territory").to_list(), rows.get_column("__i").to_list(), strict=True)
        )
        index = (
            pl.when(pl.col("c") == name)
            .then(pl.col("t").replace_strict(mapping, default=None, return_dtype=pl.UInt32))
            .otherwise(index)
        )
    idx = frame.select(index.alias("i")).get_column("i")
    return terr.drop("country", "territory").select(pl.all().gather(idx))


# --------------------------------------------------------------------------- validation


def _reason(parts: list[pl.Expr]) -> pl.Expr:
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def _not_allowed(col: str) -> pl.Expr:
    return pl.col(col).is_not_null() & ~pl.col(col).is_in(list(CHOICES[col]))


def _choice_reason(col: str) -> pl.Expr:
    return pl.when(_not_allowed(col)).then(
        pl.format(f"{col} `{{}}` is not one of {' | '.join(CHOICES[col])}", pl.col(col))
    )


_INT = re.compile(r"^[+-]?\d+$")


def _categories(frame: pl.DataFrame, col: str) -> list[str]:
    return [v for v in frame.get_column(col).unique().cast(pl.String).to_list() if v is not None]


def _reject_rows(frame: pl.DataFrame, file: str, reason: pl.Expr) -> pl.DataFrame:
    return frame.select(
        pl.lit(file).alias("file"), pl.col(LINE).alias("line"), "group_id", reason.alias("reason")
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


class KeyCollision(Exception):
    """Two different group_ids share a 64-bit hash in this chunk (about one chance in 10^7 for
    ten million groups): the chunk is redone keyed by the text of group_id. Members are
    matched to groups on KEY and confirmed on CHECK (min = max = the group's CHECK), so a wrong
    match would need both 64-bit hashes to collide at once."""


def check_groups(raw: pl.DataFrame, file: str, key: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Valid groups (with `KEY`, typed, territory facts joined) and the rejected rows; raises
    KeyCollision when two different group_ids share a KEY."""
    g = raw.with_columns(pl.col("country").fill_null("MX"), key.alias(KEY))
    g = pl.concat([g, territory_facts(g.get_column("country"), g.get_column("territory"))], how="horizontal")
    # a repeated group_id: found on the hash, confirmed on the text (first line wins)
    dup = pl.col(KEY).is_duplicated()
    if g.get_column(KEY).n_unique() != g.height:  # far cheaper than dup.any() when none repeat
        firsts = (
            g.filter(dup)
            .sort(LINE)
            .filter(~pl.col("group_id").is_first_distinct())
            .select(LINE, pl.lit(True).alias("__repeat"))
        )
        g = g.join(firsts, on=LINE, how="left")
        kept = g.filter(pl.col("__repeat").is_null()).get_column(KEY)
        if kept.n_unique() != kept.len():
            raise KeyCollision
    else:
        g = g.with_columns(pl.lit(None, pl.Boolean).alias("__repeat"))
    empty_id = pl.col("group_id").is_null() | (pl.col("group_id").str.len_bytes() == 0)
    bad_country = ~pl.col("country").is_in(list(PROVIDERS))
    unknown_terr = ~bad_country & pl.col("__known").is_null()
    bad = (
        empty_id
        | pl.col("__repeat").fill_null(False)
        | bad_country
        | unknown_terr
        | _not_allowed("locality")
        | _not_allowed("organisation")
    )
    g = g.with_columns(bad.alias("__bad"))
    countries = " | ".join(PROVIDERS)
    reason = _reason(
        [
            pl.when(empty_id).then(pl.lit("group_id is empty")),
            pl.when(pl.col("__repeat")).then(pl.lit("group_id repeated (an earlier line has it)")),
            pl.when(bad_country).then(
                pl.format(f"country `{{}}` is not one of {countries}", pl.col("country"))
            ),
            pl.when(unknown_terr).then(
                pl.format(
                    "unknown territory `{}` for {}", pl.col("territory").fill_null(""), pl.col("country")
                )
            ),
            _choice_reason("locality"),
            _choice_reason("organisation"),
        ]
    )
    rejects = _reject_rows(g.filter(pl.col("__bad")), file, reason)
    if rejects.height:  # (filtering copies every column, so only when something goes)
        g = g.filter(~pl.col("__bad"))
    valid = g.drop("__bad", "__known", "__repeat")
    return valid, rejects


def _truth_column(raw: pl.DataFrame, col: str) -> pl.Expr:
    words = {t: truth(t) for t in _categories(raw, col)}
    return (
        pl.col(col).replace_strict(words, default=None, return_dtype=pl.Boolean)
        if words
        else pl.lit(None, pl.Boolean)
    )


def check_members(raw: pl.DataFrame) -> pl.DataFrame:
    """Members with typed facts and `__bad` marking the rows that are not valid."""
    ages: dict[str, int | None] = {}
    for text in _categories(raw, "age"):
        ages[text] = int(text) if _INT.match(text.strip()) else None
    low, high = AGE_RANGE
    age = (
        pl.col("age").replace_strict(ages, default=None, return_dtype=pl.Int64)
        if ages
        else pl.lit(None, pl.Int64)
    )
    typed = raw.with_columns(
        age.alias("__age"), *[_truth_column(raw, c).alias(f"__{c}") for c in ("prospera", "poverty")]
    )
    bad = (
        (pl.col("age").is_not_null() & pl.col("__age").is_null())
        | ~pl.col("__age").is_between(low, high).fill_null(True)
        | pl.col("group_id").is_null()
    )
    for col in ("prospera", "poverty"):
        bad = bad | (pl.col(col).is_not_null() & pl.col(f"__{col}").is_null())
    for col in ("sex", "producer_stratum", "entrepreneurial_potential"):
        bad = bad | _not_allowed(col)
    return (
        typed.with_columns(bad.alias("__bad"))
        .drop("age", "prospera", "poverty")
        .rename({"__age": "age", "__prospera": "prospera", "__poverty": "poverty"})
    )


def member_reasons(raw: pl.DataFrame, file: str) -> pl.DataFrame:
    """The rejects for raw member rows already known to be bad, with their reasons."""
    low, high = AGE_RANGE
    ages = {t: int(t) for t in _categories(raw, "age") if _INT.match(t.strip())}
    age = (
        pl.col("age").replace_strict(ages, default=None, return_dtype=pl.Int64)
        if ages
        else pl.lit(None, pl.Int64)
    )
    reason = _reason(
        [
            pl.when(pl.col("group_id").is_null()).then(pl.lit("group_id is empty")),
            pl.when(pl.col("age").is_not_null() & age.is_null()).then(
                pl.format("age `{}` is not a whole number", pl.col("age"))
            ),
            pl.when((age < low) | (age > high)).then(
                pl.format(f"age {{}} out of range ({low} to {high})", age)
            ),
            *[
                pl.when(pl.col(c).is_not_null() & ~pl.col(c).is_in(list(TRUTH_WORDS))).then(
                    pl.format(f"{c} `{{}}` is not true or false", pl.col(c))
                )
                for c in ("prospera", "poverty")
            ],
            *[_choice_reason(c) for c in ("sex", "producer_stratum", "entrepreneurial_potential")],
        ]
    )
    return _reject_rows(raw, file, reason)


@dataclass
class Chunk:
    """Whole groups, validated, one row each with their members aggregated; and the rows
    rejected on the way."""

    groups: pl.DataFrame  # group facts, territory facts, N_MEMBERS and the member aggregates
    rejects: pl.DataFrame


N_MEMBERS = "__n"


def validate(
    raw_groups: pl.DataFrame,
    raw_members: pl.DataFrame,
    groups_file: str,
    members_file: str,
    member_cols: list[pl.Expr] | None = None,
    member_aggs: list[pl.Expr] | None = None,
) -> Chunk:
    """Check the rows of whole groups and their members, and aggregate each group's members
    with `member_aggs` (over columns added by `member_cols`) in the same pass. What cannot be
    screened is left out and reported."""
    try:
        return _validate(
            raw_groups,
            raw_members,
            groups_file,
            members_file,
            member_cols or [],
            member_aggs or [],
            pl.col("group_id").hash(HASH_SEED),
        )
    # KeyCollision: fall through to the exact (slower) key
    except KeyCollision:
        return _validate(
            raw_groups,
            raw_members,
            groups_file,
            members_file,
            member_cols or [],
            member_aggs or [],
            pl.col("group_id"),
        )


def _validate(
    raw_groups: pl.DataFrame,
    raw_members: pl.DataFrame,
    groups_file: str,
    members_file: str,
    member_cols: list[pl.Expr],
    member_aggs: list[pl.Expr],
    key: pl.Expr,
) -> Chunk:
    check = pl.col("group_id").hash(HASH_SEED + 7)
    groups, g_rejects = check_groups(raw_groups, groups_file, key)
    groups = groups.with_columns(check.alias(CHECK))
    members = check_members(raw_members).with_columns(key.alias(KEY), check.alias(CHECK))
    bad = pl.col("__bad")
    agg = (
        members.lazy()
        .with_columns(member_cols)
        .group_by(KEY)
        .agg(
            pl.len().alias(N_MEMBERS),
            bad.sum().alias("__bad"),
            pl.col(LINE).filter(bad).min().alias("__first_bad"),
            pl.col(CHECK).min().alias("__gmin"),
            pl.col(CHECK).max().alias("__gmax"),
            *member_aggs,
        )
        .collect()
    )
    groups = groups.join(agg, on=KEY, how="left")
    if groups.filter(
        pl.col("__gmin").is_not_null()
        & ((pl.col("__gmin") != pl.col(CHECK)) | (pl.col("__gmax") != pl.col(CHECK)))
    ).height:
        raise KeyCollision
    rejects = [g_rejects]
    if agg.select(pl.col("__bad").sum()).item():
        lines = members.filter(bad).get_column(LINE).implode()
        rejects.append(member_reasons(raw_members.filter(pl.col(LINE).is_in(lines)), members_file))
    # a member whose group_id names no row of the groups file
    matched = groups.select(pl.col(N_MEMBERS).is_not_null().sum()).item()
    orphans = agg.select(KEY).head(0)
    rejected_keys = g_rejects.select(key.alias(KEY)).unique().join(groups.select(KEY), on=KEY, how="anti")
    of_rejected = agg.select(KEY).join(rejected_keys, on=KEY, how="semi").height
    if matched + of_rejected < agg.height:  # some member keys match no group row at all
        orphans = agg.select(KEY).join(raw_groups.select(key.alias(KEY)), on=KEY, how="anti")
    if orphans.height:
        rejects.append(
            _reject_rows(
                members.join(orphans, on=KEY, how="semi").filter(~bad),
                members_file,
                pl.lit("member of no group (its group_id is not in the groups file)"),
            )
        )
    # a group with a rejected member is left out whole
    spoilt = pl.col("__bad").fill_null(0) > 0
    if groups.filter(spoilt).height:
        rejects.append(
            _reject_rows(
                groups.filter(spoilt),
                groups_file,
                pl.format(
                    f"group left out: {{}} of its members rejected (first at {members_file} line {{}})",
                    pl.col("__bad"),
                    pl.col("__first_bad"),
                ),
            )
        )
        groups = groups.filter(~spoilt)
    groups = groups.drop("__bad", "__first_bad", "__gmin", "__gmax", CHECK)
    return Chunk(groups=groups, rejects=pl.concat(rejects).sort("file", "line"))


# --------------------------------------------------------------------------- the clean case


def _clean_chunk(pop: Population, member_cols: list[pl.Expr], member_aggs: list[pl.Expr]) -> Chunk | None:
    """The chunk `validate` would make of a whole CSV population in which nothing is rejected,
    made in one streaming pass over the members (never holding their rows); None when that
    cannot be shown cheaply (something may be rejected), so that the caller validates exactly."""
    members = strict_members(pop)
    if members is None:
        return None
    return _aggregated_chunk(
        members, lambda: pop.scan("groups").collect(), pop.groups.name, member_cols, member_aggs
    )


def strict_members(pop: Population, lines: bool = False) -> pl.LazyFrame | None:
    """`members.csv` read strictly into typed columns (with `LINE` if `lines`), or None for a
    population this read does not cover (Parquet, other columns).

    `sex` and the other choices are Enums of the allowed values, `age` an integer, `prospera` /
    `poverty` Booleans (true / false in any letter case: the faster read) or, when the first
    rows write 1 / 0, an Enum of every word `truth` accepts. Any other value fails the read
    (and the exact path then reports it); a value it accepts means what `check_members`
    makes of it."""
    if pop.format != "csv" or _header(pop.members, "csv") != list(MEMBER_COLUMNS):
        return None
    schema: dict[str, pl.DataType] = {"group_id": pl.String(), "age": pl.Int64()}
    for col in ("sex", "producer_stratum", "entrepreneurial_potential"):
        schema[col] = pl.Enum(list(CHOICES[col]))
    as_bool: list[pl.Expr] = []
    words = pl.Series([truth(w) for w in TRUTH_WORDS], dtype=pl.Boolean)
    digits = _writes_digits(pop.members)
    for col in ("prospera", "poverty"):
        schema[col] = pl.Enum(list(TRUTH_WORDS)) if digits else pl.Boolean()
        if digits:
            as_bool.append(pl.lit(words).gather(pl.col(col).to_physical()).alias(col))
    # `LINE` stays the reader's own 32-bit row index here (1.3 s less than Int64 on 75 M rows)
    scan = pl.scan_csv(
        pop.members,
        schema={c: schema[c] for c in MEMBER_COLUMNS},
        row_index_name=LINE if lines else None,
        row_index_offset=2,
    )
    return scan.with_columns(*as_bool) if as_bool else scan


def _aggregated_chunk(
    members: pl.LazyFrame,
    read_groups: Callable[[], pl.DataFrame],
    groups_file: str,
    member_cols: list[pl.Expr],
    member_aggs: list[pl.Expr],
) -> Chunk | None:
    """The chunk of typed `members` (from `strict_members`) and the raw groups `read_groups`
    returns, when nothing in them is rejected: the members aggregated in one streaming pass
    while the groups are checked on a second thread. None when something may be rejected (a
    value the strict read refuses, an empty group_id, an age out of range, a rejected group, a
    member of no group) or KEY / CHECK are not confirmed, as in `_validate`."""
    key, check = pl.col("group_id").hash(HASH_SEED), pl.col("group_id").hash(HASH_SEED + 7)
    low, high = AGE_RANGE
    bad = pl.col("group_id").is_null() | ~pl.col("age").is_between(low, high).fill_null(True)
    aggregated = (
        members.with_columns(key.alias(KEY), check.alias(CHECK))
        .with_columns(member_cols)
        .group_by(KEY)
        .agg(
            pl.len().alias(N_MEMBERS),
            bad.sum().alias("__bad"),
            pl.col(CHECK).min().alias("__gmin"),
            pl.col(CHECK).max().alias("__gmax"),
            *member_aggs,
        )
    )

    def checked_groups() -> tuple[pl.DataFrame, pl.DataFrame]:
        groups, rejects = check_groups(read_groups(), groups_file, key)
        return groups.with_columns(check.alias(CHECK)), rejects

    # the groups are checked on a second thread meanwhile (polars lets go of the GIL)
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(checked_groups)
        try:
            agg = aggregated.collect(engine="streaming")
        except pl.exceptions.PolarsError:  # a value the strict read refuses: validate exactly
            return None
        try:
            groups, g_rejects = checked.result()
        except KeyCollision:
            return None
    if agg.select(pl.col("__bad").sum()).item() or g_rejects.height:
        return None
    groups = groups.join(agg, on=KEY, how="left")
    confirmed = groups.select(
        pl.col(N_MEMBERS).is_not_null().sum().alias("matched"),
        (
            pl.col("__gmin").is_not_null()
            & ((pl.col("__gmin") != pl.col(CHECK)) | (pl.col("__gmax") != pl.col(CHECK)))
        )
        .sum()
        .alias("wrong"),
    )
    matched, wrong = confirmed.row(0)
    if matched != agg.height or wrong:
        return None
    return Chunk(
        groups=groups.drop("__bad", "__gmin", "__gmax", CHECK), rejects=pl.DataFrame(schema=REJECT_SCHEMA)
    )


def _as_read(typed: pl.DataFrame) -> pl.DataFrame:
    """Typed member rows (from `strict_members`) as `Population.scan` reads them, for the exact
    path: every value written out again as text (`true`, `30`, ...), Categorical."""
    return typed.with_columns(
        pl.col(LINE).cast(pl.Int64),
        *[pl.col(c).cast(pl.String).cast(pl.Categorical) for c in MEMBER_COLUMNS[1:]],
    )


def _writes_digits(members: Path) -> bool:
    """Whether the first rows of a members CSV write `prospera` or `poverty` as 1 / 0."""
    size = 64 * 1024
    with open(members, encoding="utf-8", errors="replace", newline="") as f:
        text = f.read(size)
    lines = text.splitlines()[:1000]
    if len(text) == size:
        lines = lines[:-1]  # may be cut short
    rows = csv.reader(lines[1:])
    at = [MEMBER_COLUMNS.index(c) for c in ("prospera", "poverty")]
    return any(len(row) > max(at) and any(row[i] in ("1", "0") for i in at) for row in rows)


# --------------------------------------------------------------------------- chunking


#: a population up to this size (bytes on disk) is screened in one piece: in the clean case its
#: members are streamed and never held, so it takes about 2.7 times its CSV size in memory
WHOLE_BYTES = 320 * 2**20
#: a larger one is split into partitions of about this size, each taking up to 8 to 9 times
#: its size in memory while it is screened (its member rows are held; typed by the strict read,
#: as in a clean population, they take less: 580 MB in all for 100 MB parts of a 3 GB one)
PART_BYTES = 100 * 2**20


def partitions_for(pop: Population, chunk_bytes: int | None = None) -> int:
    """How many parts to screen `pop` in: `chunk_bytes` of input each, or by default one
    piece up to WHOLE_BYTES and parts of PART_BYTES above it."""
    if chunk_bytes is None:
        if pop.size_bytes <= WHOLE_BYTES:
            return 1
        chunk_bytes = PART_BYTES
    return max(1, -(-pop.size_bytes // max(1, chunk_bytes)))


def chunks(
    pop: Population,
    n_parts: int,
    workdir: Path | None = None,
    member_cols: list[pl.Expr] | None = None,
    member_aggs: list[pl.Expr] | None = None,
) -> Iterator[Chunk]:
    """The population as validated chunks of whole groups. With one part the files are read
    whole; otherwise each file is streamed once into `n_parts` partitions on disk (by a hash
    of group_id, so a group and all its members land in the same one), read back one by one.
    Members that all pass the strict read are split typed, and a partition in which nothing is
    rejected is screened without the exact validation, as a clean whole population is."""
    gname, mname = pop.groups.name, pop.members.name
    if n_parts <= 1:
        fast = _clean_chunk(pop, member_cols or [], member_aggs or [])
        if fast is not None:
            yield fast
            return
        yield validate(
            pop.scan("groups").collect(),
            pop.scan("members").collect(),
            gname,
            mname,
            member_cols,
            member_aggs,
        )
        return
    tmp = Path(tempfile.mkdtemp(prefix="vincula-screen-", dir=workdir))
    part = (pl.col("group_id").str.strip_chars().hash(HASH_SEED + 1) % n_parts).alias("__part")

    def split(frame: pl.LazyFrame, folder: Path) -> None:
        frame.with_columns(part).sink_ipc(  # type: ignore[arg-type]
            pl.PartitionBy(folder, key="__part", include_key=False), mkdir=True
        )

    try:
        split(pop.scan("groups"), tmp / "groups")
        # members typed by the strict read when every value passes it (far cheaper to split and
        # to screen); otherwise as text, for the exact path
        typed = strict_members(pop, lines=True)
        if typed is not None:
            try:
                split(typed, tmp / "members")
            except pl.exceptions.PolarsError:
                shutil.rmtree(tmp / "members", ignore_errors=True)
                typed = None
        if typed is None:
            split(pop.scan("members"), tmp / "members")
        like = typed if typed is not None else pop.scan("members")
        groups_like = pop.scan("groups")
        for i in range(n_parts):
            groups = tmp / "groups" / f"__part={i}"
            members = _read_part(tmp / "members" / f"__part={i}", like)
            chunk = None
            if typed is not None:
                chunk = _aggregated_chunk(
                    members.lazy(),
                    partial(_read_part, groups, groups_like),
                    gname,
                    member_cols or [],
                    member_aggs or [],
                )
                if chunk is None:
                    members = _as_read(members)
            yield (
                chunk
                if chunk is not None
                else validate(
                    _read_part(groups, groups_like), members, gname, mname, member_cols, member_aggs
                )
            )
            for which in ("groups", "members"):  # free the disk as we go
                shutil.rmtree(tmp / which / f"__part={i}", ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_part(folder: Path, like: pl.LazyFrame) -> pl.DataFrame:
    files = sorted(folder.glob("*.ipc")) if folder.is_dir() else []
    if not files:
        return like.limit(0).collect()
    return pl.concat([pl.read_ipc(f) for f in files])
