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

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from engine.errors import InputError
from engine.messages import Lang, t
from engine.population import REJECT_SCHEMA
from engine.rules import RuleSet

PADRON_COLUMNS = ("program", "fiscal_year", "group_id")
SUFFIXES: dict[str, Literal["csv", "parquet"]] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
LINE = "__line"
FORCE_KINDS = ("padron.reject.no_rules_in_year", "padron.reject.not_in_force_on_date")


@dataclass(frozen=True)
class Padron:
    """Where a padrón is and in which format; `open` checks both before any work."""

    path: Path
    format: Literal["csv", "parquet"]

    @classmethod
    def open(cls, path: Path | str) -> Padron:
        path = Path(path)
        if not path.is_file():
            raise InputError(
                f"padrón not found: {path}",
                hint="give a CSV or Parquet file with the columns program, fiscal_year, group_id",
            )
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise InputError(
                f"{path}: a padrón must be CSV (.csv) or Parquet (.parquet), not `{path.suffix or 'no suffix'}`",
                where=str(path),
                hint="save it as .csv (columns program, fiscal_year, group_id) or .parquet",
            )
        padron = cls(path, fmt)
        missing = [c for c in PADRON_COLUMNS if c not in padron.columns()]
        if missing:
            raise InputError(
                f"no column {', '.join(missing)} in the padrón",
                where=f"{path}:1",
                hint=f"the header must name the columns {', '.join(PADRON_COLUMNS)}",
            )
        return padron

    def columns(self) -> list[str]:
        if self.format == "parquet":
            try:
                return list(pl.read_parquet_schema(self.path))
            except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
                raise InputError(
                    f"not a readable Parquet file ({type(exc).__name__}: {exc})",
                    where=str(self.path),
                    hint="write the padrón again, or give it as CSV",
                ) from None
        with open(self.path, encoding="utf-8", errors="replace", newline="") as f:
            header = f.readline().strip("\r\n\ufeff")
        if not header:
            raise InputError(
                "the padrón is empty", where=f"{self.path}:1", hint="the first line is the header"
            )
        return [c.strip().strip('"') for c in header.split(",")]

    def read(self) -> pl.DataFrame:
        """Every row as text (`LINE`, program, fiscal_year, group_id); empty cells are null."""
        if self.format == "csv":
            schema = {c: pl.String for c in self.columns()}
            try:
                frame = pl.read_csv(
                    self.path,
                    schema=schema,
                    columns=list(PADRON_COLUMNS),
                    row_index_name=LINE,
                    row_index_offset=2,
                )
            except pl.exceptions.PolarsError as exc:
                raise InputError(
                    f"the padrón cannot be read as CSV: {exc}",
                    where=str(self.path),
                    hint="every line must have as many comma-separated cells as the header",
                ) from None
        else:
            frame = pl.read_parquet(
                self.path, columns=list(PADRON_COLUMNS), row_index_name=LINE, row_index_offset=1
            )
            frame = frame.with_columns(pl.col(c).cast(pl.String) for c in PADRON_COLUMNS)
        empty = [pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)).alias(c) for c in PADRON_COLUMNS]
        return frame.select(pl.col(LINE).cast(pl.Int64), *empty)


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


def check(
    padron: Padron,
    raw: pl.DataFrame,
    rules: RuleSet,
    as_of: dt.date,
    programs: list[str] | None = None,
    lang: Lang = "es",
) -> CheckedPadron:
    """Check every row of `raw` (from `Padron.read`). Rows of other fiscal years are checked for
    form and repeats but not measured, nor are rows of programmes left out by `programs`."""
    year = as_of.year
    frame = raw.with_columns(
        pl.col("fiscal_year").str.strip_chars().cast(pl.Int64, strict=False).alias("__year")
    )
    known = set(rules.slugs)
    slugs = [s for s in frame.get_column("program").drop_nulls().unique().to_list()]
    unknown = sorted(s for s in slugs if s not in known)
    reasons: list[pl.Expr] = []
    kind_of: list[tuple[pl.Expr, str]] = []

    def add(kind: str, when: pl.Expr, text: pl.Expr) -> None:
        reasons.append(pl.when(when).then(text))
        kind_of.append((when, kind))

    for col in PADRON_COLUMNS:
        add("padron.reject.empty", pl.col(col).is_null(), pl.lit(t("padron.reject.empty", lang, column=col)))
    add(
        "padron.reject.bad_year",
        pl.col("fiscal_year").is_not_null()
        & (pl.col("__year").is_null() | ~pl.col("__year").is_between(1900, 2999)),
        pl.format(t("padron.reject.bad_year", lang, value="{}"), pl.col("fiscal_year")),
    )
    for slug in unknown:
        close = difflib.get_close_matches(slug, rules.slugs, n=1, cutoff=0.5)
        text = (
            t("padron.reject.unknown_program_close", lang, program=slug, close=close[0])
            if close
            else t("padron.reject.unknown_program", lang, program=slug, known=", ".join(rules.slugs))
        )
        add("padron.reject.unknown_program", pl.col("program") == slug, pl.lit(text))
    # a repeat of an earlier row (same programme, year and group): the first line is kept
    key = ["program", "__year", "group_id"]
    first_line = pl.col(LINE).min().over(key)
    add(
        "padron.reject.duplicate",
        pl.col("group_id").is_not_null() & pl.col("__year").is_not_null() & (pl.col(LINE) != first_line),
        pl.format(t("padron.reject.duplicate", lang, line="{}"), first_line),
    )
    this_year = pl.col("__year") == year
    not_in_force = [
        s
        for s in rules.slugs
        if s in slugs and (programs is None or s in programs) and not in_force(rules, s, as_of)
    ]
    for slug in not_in_force:
        kind, text = _not_in_force_reason(rules, slug, as_of, lang)
        add(kind, this_year & (pl.col("program") == slug), pl.lit(text))
    frame = frame.with_columns(
        pl.concat_str(reasons, separator="; ", ignore_nulls=True).alias("__reason"),
        pl.coalesce([pl.when(cond).then(pl.lit(kind)) for cond, kind in kind_of]).alias("__kind"),
    ).with_columns(pl.when(pl.col("__reason") != "").then(pl.col("__reason")).alias("__reason"))
    bad = frame.filter(pl.col("__reason").is_not_null())
    good = frame.filter(pl.col("__reason").is_null())
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
    return CheckedPadron(
        rows=measured.select("program", "group_id", pl.col(LINE).alias("line")),
        total_rows=raw.height,
        other_years=good.filter(~this_year).height,
        not_measured=good.filter(this_year).height - measured.height,
        rejects=rejects.sort("line"),
        kinds={str(k): int(v) for k, v in kinds.items()},
        not_in_force=[
            s
            for s in not_in_force
            if bad.filter((pl.col("program") == s) & pl.col("__kind").is_in(FORCE_KINDS)).height
        ],
        years=sorted(good.get_column("__year").unique().to_list()),
    )
