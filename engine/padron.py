"""Programme registries (padrones de beneficiarios): which groups each programme supported in
which fiscal year, read and checked row by row.

A padrón is one file, CSV or Parquet (by its suffix), with the columns `program` (a rule
file's slug), `fiscal_year` (a whole year, e.g. 2017) and `group_id` (a group of the population):
one row per group a programme supported in a fiscal year. Other columns are ignored. The fiscal
year is the calendar year, as in Mexico's and Panama's federal budgets.

A file that is neither CSV nor Parquet, or that lacks a column, is an error before any work.
A bad row never stops the run: it becomes a reject (file, line, group_id, reason; the header is
line 1, a Parquet row is numbered from 1) and is left out: an empty cell, a fiscal year that is
not a year, a programme no rule file defines, a row repeating an earlier one, and, in the year
measured, a programme whose rules are not in force. Whether the group is in the population is
checked by engine/coverage.py, which reads the population.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from engine.errors import InputError
from engine.messages import DEFAULT_LANG, Lang, t
from engine.rules import RuleSet
from engine.validation import REJECT_SCHEMA

PADRON_COLUMNS = ("program", "fiscal_year", "group_id")
SUFFIXES: dict[str, Literal["csv", "parquet"]] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
LINE = "__line"
ROW_SEED = 20261128
FORCE_KINDS = ("padron.reject.no_rules_in_year", "padron.reject.not_in_force_on_date")


@dataclass(frozen=True)
class Padron:
    """Where a padrón is and in which format, and the language its errors are worded in; `open`
    checks the file before any work."""

    path: Path
    format: Literal["csv", "parquet"]
    lang: Lang = DEFAULT_LANG

    @classmethod
    def open(cls, path: Path | str, lang: Lang = DEFAULT_LANG) -> Padron:
        path = Path(path)
        if not path.is_file():
            raise InputError(
                t("padron.error.not_found", lang, path=path), hint=t("padron.error.not_found.hint", lang)
            )
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise InputError(
                t("padron.error.suffix", lang, suffix=path.suffix or t("padron.error.no_suffix", lang)),
                where=str(path),
                hint=t("padron.error.suffix.hint", lang),
            )
        padron = cls(path, fmt, lang)
        missing = [c for c in PADRON_COLUMNS if c not in padron.columns()]
        if missing:
            raise InputError(
                t("padron.error.no_column", lang, columns=", ".join(missing), count=len(missing)),
                where=f"{path}:1",
                hint=t("padron.error.no_column.hint", lang, columns=", ".join(PADRON_COLUMNS)),
            )
        return padron

    def columns(self) -> list[str]:
        if self.format == "parquet":
            try:
                return list(pl.read_parquet_schema(self.path))
            except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
                raise InputError(
                    t("padron.error.not_parquet", self.lang, reason=f"{type(exc).__name__}: {exc}"),
                    where=str(self.path),
                    hint=t("padron.error.not_parquet.hint", self.lang),
                ) from None
        with open(self.path, encoding="utf-8", errors="replace", newline="") as f:
            header = f.readline().strip("\r\n\ufeff")
        if not header:
            raise InputError(
                t("padron.error.empty", self.lang),
                where=f"{self.path}:1",
                hint=t("pop.empty.hint", self.lang),
            )
        return [c.strip().strip('"') for c in header.split(",")]

    def read(self) -> pl.DataFrame:
        """Every row (`LINE`, program, fiscal_year, group_id); program and fiscal_year as
        Categorical (a padrón names few), group_id as text; empty or blank cells are null."""
        if self.format == "csv":
            schema: dict[str, pl.DataType] = {c: pl.String() for c in self.columns()}
            schema.update(program=pl.Categorical(), fiscal_year=pl.Categorical())
            try:
                frame = pl.read_csv(
                    self.path,
                    schema=schema,
                    columns=list(PADRON_COLUMNS),
                    row_index_name=LINE,
                    row_index_offset=2,
                )
            except pl.exceptions.PolarsError as exc:
                raise self._malformed(exc) from None
        else:
            frame = pl.read_parquet(
                self.path, columns=list(PADRON_COLUMNS), row_index_name=LINE, row_index_offset=1
            ).with_columns(
                pl.col("program", "fiscal_year").cast(pl.String).cast(pl.Categorical),
                pl.col("group_id").cast(pl.String),
            )
        blank = {c: [v for v in distinct(frame, c) if not v.strip()] for c in ("program", "fiscal_year")}
        frame = frame.with_columns(
            pl.when(~pl.col(c).is_in(words)).then(pl.col(c)).alias(c) for c, words in blank.items() if words
        )
        if frame.select((pl.col("group_id").str.strip_chars() == "").any()).item():
            frame = frame.with_columns(
                pl.when(pl.col("group_id").str.strip_chars() != "").then(pl.col("group_id"))
            )
        return frame.with_columns(pl.col(LINE).cast(pl.Int64))

    def _malformed(self, exc: Exception) -> InputError:
        """The error for a CSV file polars cannot read, at its first line whose cells do not
        match the header (found with the csv module, which says where)."""
        with open(self.path, encoding="utf-8", errors="replace", newline="") as f:
            rows = csv.reader(f)
            width = len(next(rows, []))
            for number, row in enumerate(rows, start=2):
                if len(row) != width:
                    return InputError(
                        t("padron.error.ragged", self.lang, line=number, cells=len(row), width=width),
                        where=f"{self.path}:{number}",
                        hint=t("padron.error.ragged.hint", self.lang),
                    )
        return InputError(
            t("padron.error.not_csv", self.lang, reason=str(exc).splitlines()[0]),
            where=str(self.path),
            hint=t("padron.error.not_csv.hint", self.lang),
        )


@dataclass
class CheckedPadron:
    """The rows of the fiscal year measured that passed every check (program, group_id, line;
    one per programme and group), how the other rows went, and the rejects."""

    rows: pl.DataFrame
    total_rows: int
    other_years: int
    not_measured: int
    rejects: pl.DataFrame
    #: rejects by kind (the message id of their reason)
    kinds: dict[str, int]
    #: programmes whose rows of the year were rejected because their rules are not in force
    not_in_force: list[str]
    #: the fiscal years of the rows that passed the checks
    years: list[int]


def in_force(rules: RuleSet, slug: str, day: dt.date) -> bool:
    p = rules.get(slug)
    return p.valid_from <= day and (p.valid_to is None or day <= p.valid_to)


def _not_in_force_reason(rules: RuleSet, slug: str, as_of: dt.date, lang: Lang) -> tuple[str, str]:
    """(kind, reason) for rows of `slug` in the fiscal year of `as_of` when its rules are not in
    force on that date: none in force that year at all, or only on other days of it."""
    p = rules.get(slug)
    year = as_of.year
    until = p.valid_to.isoformat() if p.valid_to else "…"
    overlaps = p.valid_from <= dt.date(year, 12, 31) and (
        p.valid_to is None or p.valid_to >= dt.date(year, 1, 1)
    )
    kind = "padron.reject.not_in_force_on_date" if overlaps else "padron.reject.no_rules_in_year"
    return kind, t(kind, lang, program=slug, year=year, day=as_of.isoformat(), start=p.valid_from, end=until)


def distinct(frame: pl.DataFrame, col: str) -> list[str]:
    """The values a column takes (nulls left out), as text."""
    return [str(v) for v in frame.get_column(col).unique().drop_nulls().cast(pl.String).to_list()]


def _years(frame: pl.DataFrame) -> dict[str, int | None]:
    """Each fiscal_year text as a year (None when it is not a whole year from 1900 to 2999)."""
    out: dict[str, int | None] = {}
    for text in distinct(frame, "fiscal_year"):
        try:
            year = int(text.strip())
        except ValueError:
            year = None
        out[text] = year if year is not None and 1900 <= year <= 2999 else None
    return out


def check(
    padron: Padron,
    raw: pl.DataFrame,
    rules: RuleSet,
    as_of: dt.date,
    programs: list[str] | None = None,
    lang: Lang = DEFAULT_LANG,
) -> CheckedPadron:
    """Check every row of `raw` (from `Padron.read`). Rows of other fiscal years are checked for
    form and repeats but not measured, nor are rows of programmes left out by `programs`. The
    reasons are written for the rejected rows only (a padrón may have millions of rows)."""
    year = as_of.year
    frame = raw.with_columns(
        pl.col("fiscal_year").replace_strict(_years(raw), default=None, return_dtype=pl.Int32).alias("__year")
    )
    slugs = distinct(frame, "program")
    known = set(rules.slugs)
    not_in_force = [
        s
        for s in rules.slugs
        if s in slugs and (programs is None or s in programs) and not in_force(rules, s, as_of)
    ]
    key = ["program", "__year", "group_id"]
    complete = pl.all_horizontal(pl.col(c).is_not_null() for c in key)
    # the kind of each check, in the order their reasons are written
    checks: list[tuple[str, pl.Expr]] = [
        ("padron.reject.empty", pl.any_horizontal(pl.col(c).is_null() for c in PADRON_COLUMNS)),
        ("padron.reject.bad_year", pl.col("fiscal_year").is_not_null() & pl.col("__year").is_null()),
        (
            "padron.reject.unknown_program",
            pl.col("program").is_not_null() & ~pl.col("program").is_in(list(known)),
        ),
        # a repeat found on a hash of the row, confirmed on its values below
        ("padron.reject.duplicate", complete & ~pl.struct(key).hash(ROW_SEED).is_first_distinct()),
    ]
    for slug in not_in_force:
        kind, _ = _not_in_force_reason(rules, slug, as_of, lang)
        checks.append((kind, (pl.col("__year") == year) & (pl.col("program") == slug)))
    # flags made on the whole frame (whether a row repeats depends on the rows before it)
    flags = [f"__k{i}" for i in range(len(checks))]
    marked = frame.with_columns(c.alias(flag) for flag, (_, c) in zip(flags, checks, strict=True))
    candidates = marked.filter(pl.col("__k3")).select(key).unique()
    if candidates.height:
        # rows that share a hash but not their values are no repeat: only the exact ones stay
        exact = (
            marked.join(candidates, on=key, how="semi")
            .sort(LINE)
            .select(LINE, (~pl.struct(key).is_first_distinct()).alias("__exact"))
        )
        marked = marked.join(exact, on=LINE, how="left").with_columns(
            (pl.col("__k3") & pl.col("__exact").fill_null(False)).alias("__k3")
        )
    marked = marked.with_columns(pl.any_horizontal(flags).alias("__bad"))
    good = marked.filter(~pl.col("__bad")).select(frame.columns)
    bad = marked.filter(pl.col("__bad"))
    # the first line of each repeated row, for the reason of its repeats
    repeated = bad.filter(pl.col(f"__k{3}")).select(key).unique()
    first = frame.join(repeated, on=key, how="semi").group_by(key).agg(pl.col(LINE).min().alias("__first"))
    bad = bad.join(first, on=key, how="left", nulls_equal=False)
    reasons: list[pl.Expr] = []
    for i, (kind, _) in enumerate(checks):
        flag = pl.col(f"__k{i}")
        if kind == "padron.reject.empty":
            for col in PADRON_COLUMNS:
                text = pl.lit(t(kind, lang, column=col))
                reasons.append(pl.when(flag & pl.col(col).is_null()).then(text))
        elif kind == "padron.reject.bad_year":
            reasons.append(pl.when(flag).then(pl.format(t(kind, lang, value="{}"), pl.col("fiscal_year"))))
        elif kind == "padron.reject.unknown_program":
            for slug in sorted(s for s in slugs if s not in known):
                close = difflib.get_close_matches(slug, rules.slugs, n=1, cutoff=0.5)
                words = (
                    t("padron.reject.unknown_program_close", lang, program=slug, close=close[0])
                    if close
                    else t(kind, lang, program=slug, known=", ".join(rules.slugs))
                )
                reasons.append(pl.when(flag & (pl.col("program") == slug)).then(pl.lit(words)))
        elif kind == "padron.reject.duplicate":
            reasons.append(pl.when(flag).then(pl.format(t(kind, lang, line="{}"), pl.col("__first"))))
        else:
            slug = not_in_force[i - 4]
            reasons.append(pl.when(flag).then(pl.lit(_not_in_force_reason(rules, slug, as_of, lang)[1])))
    kinds_of = pl.coalesce(
        [pl.when(pl.col(f"__k{i}")).then(pl.lit(kind)) for i, (kind, _) in enumerate(checks)]
    )
    bad = bad.with_columns(
        pl.concat_str(reasons, separator="; ", ignore_nulls=True).alias("__reason"), kinds_of.alias("__kind")
    ).sort(LINE)
    this_year = pl.col("__year") == year
    measured = good.filter(this_year)
    if programs is not None:
        measured = measured.filter(pl.col("program").is_in(programs))
    rejects = bad.select(
        pl.lit(padron.path.name).alias("file"),
        pl.col(LINE).alias("line"),
        "group_id",
        pl.col("__reason").alias("reason"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    kinds = dict(bad.get_column("__kind").value_counts().iter_rows())
    forced = bad.filter(pl.col("__kind").is_in(FORCE_KINDS)).get_column("program").cast(pl.String).unique()
    return CheckedPadron(
        rows=measured.select(pl.col("program").cast(pl.String), "group_id", pl.col(LINE).alias("line")),
        total_rows=raw.height,
        other_years=good.filter(~this_year).height,
        not_measured=good.filter(this_year).height - measured.height,
        rejects=rejects,
        kinds={str(k): int(v) for k, v in kinds.items()},
        not_in_force=[s for s in not_in_force if s in set(forced.to_list())],
        years=sorted(y for y in good.get_column("__year").unique().to_list() if y is not None),
    )
