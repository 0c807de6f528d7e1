"""Populations in the interchange format: where the files are, which columns they hold, how
they are read (as text, or strictly typed) and how frames are written.

A population is a folder with `groups.csv` and `members.csv` (or the same columns in
`groups.parquet` / `members.parquet`). The columns are the fact vocabulary's (engine/facts.py),
named as rules name the facts, so a fact added to the group document is a column here too:

- groups: group_id, then every fact a group states: country (MX | PA, empty = MX), territory
  (INEGI 5-digit municipality or PA province code, read as text), locality, organisation,
  urban_zap_pct, social_bank_office, project.proposer, project.proposer_country,
  project.sector, project.federal, project.state, project.municipal, project.migrant;
- members: group_id, then every member fact: age, sex, prospera, poverty, producer_stratum,
  entrepreneurial_potential, indigenous; and `person_id`, a stable person key (CURP-like; a
  person may belong to several groups), which no rule tests: optional, any text, empty = not
  known (engine/coverage.py follows people by it and requires it).

Only group_id and territory (groups) and group_id (members) must be there: a column left out,
like an empty cell, is "not known". Choices are written as in a group file (`rural`, `E2`,
`migrant_club`; a country code in any letter case); yes/no facts as true / false in any letter
case, or 1 / 0; numbers as numbers. A project's contributions, given at all, count a level
left empty as 0, as a group file does. Members of a group need not be contiguous.

What a cell may hold is decided by engine/validation.py, from the same columns.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import polars as pl

from engine.errors import InputError
from engine.facts import GROUP_INPUT, MEMBER_FACTS, MEMBER_KEYS
from engine.schema import Group
from engine.vocabulary import Fact, Key

LINE = "__line"  # the line of the file a row comes from (the header is line 1)


@dataclass(frozen=True)
class Column:
    """One column of the interchange format: `group_id`, a fact a group or member states, or an
    identifier (`key`, such as a member's person_id: text, read and written but never tested)."""

    name: str
    fact: Fact | None = None
    key: Key | None = None

    @property
    def path(self) -> tuple[str, ...] | None:
        """Where the value sits in the group document (in a member, for a member column)."""
        return self.fact.path if self.fact is not None else self.key.path if self.key is not None else None

    @property
    def type(self) -> str:
        """The fact's type (number, text, bool, date), or `id` for group_id."""
        return self.fact.type if self.fact is not None else "id"

    @property
    def real(self) -> bool:
        """A number that need not be whole: read as text and parsed (many distinct values)."""
        return self.fact is not None and self.fact.type == "number" and not self.fact.integer

    @property
    def raw_dtype(self) -> pl.DataType:
        """How the column is read as text: Categorical where values repeat (choices, yes/no,
        ages: validated once per distinct value), String for ids and real numbers."""
        return pl.String() if self.fact is None or self.real else pl.Categorical()

    def strict_dtype(self, digits: bool = False) -> pl.DataType:
        """How a strict read types the column: a value it refuses sends the file to the exact
        validation. Yes/no as Boolean (true / false in any letter case), or, where `digits`
        (1 / 0 were seen), an Enum of every accepted word."""
        spec = self.fact
        if spec is None:
            return pl.String()
        if spec.type == "bool":
            return pl.Enum(list(TRUTH_WORDS)) if digits else pl.Boolean()
        if spec.type == "number":
            return pl.Int64() if spec.integer else pl.Float64()
        if spec.values is not None:
            return pl.Enum(spec.values)
        return pl.String()

    @property
    def typed_dtype(self) -> pl.DataType:
        """The column's type once validated."""
        spec = self.fact
        if spec is None:
            return pl.String()
        if spec.type == "bool":
            return pl.Boolean()
        if spec.type == "number":
            return pl.Int64() if spec.integer else pl.Float64()
        return pl.String()


def _columns(facts: dict[str, Fact], keys: dict[str, Key] | None = None) -> dict[str, Column]:
    return {
        "group_id": Column("group_id"),
        **{name: Column(name, key=key) for name, key in (keys or {}).items()},
        **{name: Column(name, spec) for name, spec in facts.items()},
    }


GROUP_COLUMNS: dict[str, Column] = _columns(GROUP_INPUT)
MEMBER_COLUMNS: dict[str, Column] = _columns(MEMBER_FACTS, MEMBER_KEYS)
REQUIRED = {
    "groups": (
        "group_id",
        *(
            n
            for n, c in GROUP_COLUMNS.items()
            if n in Group.model_fields and Group.model_fields[n].is_required()
        ),
    ),
    "members": ("group_id",),
}


def truth(text: str) -> bool | None:
    """A yes/no cell: true or false in any letter case (as polars reads a Boolean column), or
    1 / 0; None when it is none of these."""
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

    def path(self, which: Literal["groups", "members"]) -> Path:
        return self.groups if which == "groups" else self.members

    @cached_property
    def headers(self) -> dict[str, list[str]]:
        return {which: _header(self.path(which), self.format) for which in ("groups", "members")}

    def columns(self, which: Literal["groups", "members"]) -> dict[str, Column]:
        """The interchange columns the file holds (a column of another name is ignored)."""
        known = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        return {n: known[n] for n in known if n in self.headers[which]}

    def scan(self, which: Literal["groups", "members"]) -> pl.LazyFrame:
        """The rows of one file as text, with their line numbers, every interchange column
        present (null where the file has none): Categorical where values repeat, String for
        group_id and real numbers (`Column.raw_dtype`)."""
        path = self.path(which)
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        header = self.headers[which]
        missing = [c for c in REQUIRED[which] if c not in header]
        if missing:
            raise InputError(
                f"{path}: no column {', '.join(missing)}",
                where=f"{path}:1",
                hint=f"the header must name the columns {', '.join(REQUIRED[which])} "
                f"(and may name {', '.join(c for c in expected if c not in REQUIRED[which])})",
            )
        if self.format == "csv":
            schema = {c: expected[c].raw_dtype if c in expected else pl.String() for c in header}
            lf = pl.scan_csv(path, schema=schema, row_index_name=LINE, row_index_offset=2)
        else:
            lf = pl.scan_parquet(path, row_index_name=LINE, row_index_offset=1)
            lf = lf.with_columns(
                pl.col(c).cast(pl.String).cast(expected[c].raw_dtype) for c in expected if c in header
            )
        present = [c for c in expected if c in header]
        absent = [pl.lit(None, expected[c].raw_dtype).alias(c) for c in expected if c not in header]
        return lf.select(pl.col(LINE).cast(pl.Int64), *present, *absent)

    def strict_scan(self, which: Literal["groups", "members"], lines: bool = False) -> pl.LazyFrame | None:
        """The file read strictly into typed columns (`Column.strict_dtype`; with `LINE` if
        `lines`), every interchange column present; None for a file this read does not cover
        (Parquet, a required column missing). A value it refuses fails the query, and the
        exact validation then reports it; a value it accepts means what the exact validation
        makes of it (engine/validation.py checks ranges and ids afterwards)."""
        header = self.headers[which]
        if self.format != "csv" or any(c not in header for c in REQUIRED[which]):
            return None
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        bools = [c for c in header if c in expected and expected[c].type == "bool"]
        digits = _writes_digits(self.path(which), [header.index(c) for c in bools])
        schema = {c: expected[c].strict_dtype(digits) if c in expected else pl.String() for c in header}
        # `LINE` stays the reader's own 32-bit row index here (1.3 s less than Int64 on 75 M rows)
        scan = pl.scan_csv(
            self.path(which), schema=schema, row_index_name=LINE if lines else None, row_index_offset=2
        )
        words = pl.Series([truth(w) for w in TRUTH_WORDS], dtype=pl.Boolean)
        as_bool = [pl.lit(words).gather(pl.col(c).to_physical()).alias(c) for c in bools] if digits else []
        absent = [pl.lit(None, expected[c].typed_dtype).alias(c) for c in expected if c not in header]
        keep = [LINE] if lines else []
        scan = scan.with_columns(*as_bool, *absent) if as_bool or absent else scan
        return scan.select(*keep, *expected)


def _header(path: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        return list(pl.read_parquet_schema(path))
    with open(path, encoding="utf-8", newline="") as f:
        line = f.readline().strip("\r\n")
    if not line:
        raise InputError(f"{path} is empty", where=f"{path}:1", hint="the first line is the header")
    return [c.strip().strip('"') for c in line.split(",")]


def _writes_digits(path: Path, at: list[int]) -> bool:
    """Whether the first rows of a CSV write a yes/no column (at positions `at`) as 1 / 0."""
    if not at:
        return False
    size = 64 * 1024
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        text = f.read(size)
    lines = text.splitlines()[:1000]
    if len(text) == size:
        lines = lines[:-1]  # may be cut short
    rows = csv.reader(lines[1:])
    return any(len(row) > max(at) and any(row[i] in ("1", "0") for i in at) for row in rows)


def as_read(typed: pl.DataFrame) -> pl.DataFrame:
    """Typed member rows (from `strict_scan`) as `Population.scan` reads them, for the exact
    validation: every value written out again as text (`true`, `30`, ...)."""
    return typed.with_columns(
        pl.col(LINE).cast(pl.Int64),
        *[
            pl.col(c).cast(pl.String).cast(col.raw_dtype)
            for c, col in MEMBER_COLUMNS.items()
            if c != "group_id"
        ],
    )


# --------------------------------------------------------------------------- groups as rows


def frames_of(groups: list[Group]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Groups as the interchange format's two frames (every column, typed), for writing: each
    fact from its place in the group document."""

    def cell(doc: Any, col: Column) -> Any:
        value: Any = doc
        for part in col.path or ():
            value = getattr(value, part, None)
            if value is None:
                return None
        return getattr(value, "value", value)  # an Enum by its value

    group_rows = [
        {"group_id": g.id, **{n: cell(g, c) for n, c in GROUP_COLUMNS.items() if c.path}} for g in groups
    ]
    member_rows = [
        {"group_id": g.id, **{n: cell(m, c) for n, c in MEMBER_COLUMNS.items() if c.path}}
        for g in groups
        for m in g.members
    ]
    return (
        pl.DataFrame(group_rows, schema={n: c.typed_dtype for n, c in GROUP_COLUMNS.items()}),
        pl.DataFrame(member_rows, schema={n: c.typed_dtype for n, c in MEMBER_COLUMNS.items()}),
    )


def groups_of(groups: pl.DataFrame, members: pl.DataFrame) -> list[Group]:
    """The group documents that the interchange format's two frames (typed as `frames_of`
    makes them) describe: the inverse of `frames_of`, up to what a document leaves out."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for row in members.iter_rows(named=True):
        doc: dict[str, Any] = {}
        for name, col in MEMBER_COLUMNS.items():
            if col.path is not None and row.get(name) is not None:
                set_path(doc, col.path, row[name])
        by_group.setdefault(row["group_id"], []).append(doc)
    out = []
    for row in groups.iter_rows(named=True):
        doc = {"id": row["group_id"], "members": by_group.get(row["group_id"], [])}
        for name, col in GROUP_COLUMNS.items():
            if col.fact is not None and row.get(name) is not None:
                set_path(doc, col.fact.path or (), row[name])
        out.append(Group.model_validate(doc))
    return out


def set_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Put `value` at `path` in a group document (a dict), making the parts on the way."""
    for part in path[:-1]:
        doc = doc.setdefault(part, {})
    doc[path[-1]] = value


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
