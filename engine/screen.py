"""Screening a population: read, validate, partition and evaluate, in one place.

`screen(population, rules, as_of)` is the one way a population is judged, by the command line
(`vincula screen`), by the rule-change impact (engine/impact.py) and by any engine code that
joins results with other data: it yields, part by part, one row per valid group (group_id,
territory, state, and per programme `eligible` and the `failed` criteria; each criterion's
outcome too when asked) and the rows rejected on the way. `write_screening` writes them (one
row per group and programme, CSV or Parquet, atomically) with a summary per programme and
state.

Per part (engine/partition.py), the members are read in one pass that validates them and
counts, per group, what the rules need: the validation's sums (engine/validation.py) and the
evaluator's (engine/vectorised.py) in the same group-by, so the members are never held when the
population is clean. Then the groups are judged (`group_stage`) and their failures named.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from engine import partition, validation
from engine.population import FrameWriter, Population
from engine.rules import RuleSet
from engine.vectorised import Plan, compile_plan, group_stage, member_stage, name_failures, outcome_columns

RESULT_SCHEMA = {"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean, "failed": pl.String}


@dataclass
class Screened:
    """One part's results: `groups` has one row per valid group (group_id, territory, state,
    `eligible_<i>` and `failed_<i>` for the i-th programme of `plan.slugs`, and, when asked,
    each criterion's outcome in the columns of `outcomes`); `rejects` the rows left out."""

    plan: Plan
    groups: pl.DataFrame
    rejects: pl.DataFrame

    def long(self, program_type: pl.DataType | None = None) -> pl.DataFrame:
        """One row per group and programme: group_id, program, eligible, failed (the part's
        groups for the first programme, then for the next...)."""
        return pl.concat(self.by_programme(program_type))

    def by_programme(self, program_type: pl.DataType | None = None) -> list[pl.DataFrame]:
        return [
            self.groups.select(
                pl.col("group_id"),
                pl.lit(slug, program_type or pl.String).alias("program"),
                pl.col(f"eligible_{i}").alias("eligible"),
                pl.col(f"failed_{i}").alias("failed"),
            )
            for i, slug in enumerate(self.plan.slugs)
        ]

    @property
    def outcomes(self) -> dict[str, tuple[str, str]]:
        """column -> (programme, criterion) of the criterion outcomes, when asked for."""
        return {c: pc for c, pc in outcome_columns(self.plan).items() if c in self.groups.columns}


@dataclass
class Screening:
    """A population about to be screened on one date (made by `screen`): its plan and how many
    parts it is read in; iterate to screen it, part by part."""

    population: Population
    plan: Plan
    partitions: int
    workdir: Path | None = None
    outcomes: bool = False
    started: float = 0.0

    def __iter__(self) -> Iterator[Screened]:
        cols, aggs = member_stage(self.plan)
        keep = list(outcome_columns(self.plan)) if self.outcomes else []
        state = pl.coalesce(pl.col("territory.state_name"), pl.col("territory.name"))
        for part in partition.parts(self.population, self.partitions, self.workdir):
            chunk = self._validated(part, cols, aggs)
            wide = (
                group_stage(self.plan, chunk.groups.lazy())
                .select(
                    "group_id",
                    "territory",
                    state.alias("state"),
                    *[f"{k}_{i}" for i in range(len(self.plan.programmes)) for k in ("eligible", "failed")],
                    *keep,
                )
                .collect()
            )
            yield Screened(self.plan, name_failures(self.plan, wide), chunk.rejects)

    def _validated(self, part: partition.Part, cols: list[pl.Expr], aggs: list[pl.Expr]) -> validation.Chunk:
        """The part's valid groups with their members' sums (the validation's and the
        evaluator's, in one pass), and its rejects."""
        gfile, mfile = self.population.groups.name, self.population.members.name
        if part.typed is not None:
            chunk = self._clean(part, cols, aggs)
            if chunk is not None:
                return chunk
        raw_groups, raw_members = part.groups(), part.members()
        for exact in (False, True):
            key, check = validation.keys(exact)
            try:
                groups, g_rejects = validation.check_groups(raw_groups, gfile, key)
                members = validation.type_members(raw_members).with_columns(key, check)
                agg = (
                    members.lazy()
                    .with_columns(cols)
                    .group_by(validation.KEY)
                    .agg(*validation.member_aggregates(exact=True), *aggs)
                    .collect()
                )
                return validation.settle(
                    groups.with_columns(check),
                    g_rejects,
                    members,
                    raw_members,
                    agg,
                    key,
                    raw_groups,
                    gfile,
                    mfile,
                )
            except validation.KeyCollision:
                continue  # redo keyed by the text of group_id
        raise AssertionError("unreachable: the text of group_id cannot collide")

    def _clean(
        self, part: partition.Part, cols: list[pl.Expr], aggs: list[pl.Expr]
    ) -> validation.Chunk | None:
        """The chunk of a part in which nothing is rejected: the typed members aggregated in one
        streaming pass while the groups are checked on a second thread. None when something
        may be rejected (then the part is validated exactly)."""
        assert part.typed is not None
        key, check = validation.keys()
        aggregated = (
            part.typed.with_columns(key, check, validation.clean_bad().alias(validation.BAD))
            .with_columns(cols)
            .group_by(validation.KEY)
            .agg(*validation.member_aggregates(exact=False), *aggs)
        )

        def checked_groups() -> tuple[pl.DataFrame, pl.DataFrame]:
            groups, rejects = validation.check_groups(part.groups(), self.population.groups.name, key)
            return groups.with_columns(check), rejects

        # the groups are checked on a second thread meanwhile (polars lets go of the GIL)
        with ThreadPoolExecutor(max_workers=1) as pool:
            checked = pool.submit(checked_groups)
            try:
                agg = aggregated.collect(engine="streaming")
            except pl.exceptions.PolarsError:  # a value the strict read refuses
                return None
            try:
                groups, g_rejects = checked.result()
            except validation.KeyCollision:
                return None
        return validation.settle_clean(groups, g_rejects, agg)


def screen(
    population: Path | str,
    rules: RuleSet,
    as_of: dt.date,
    programs: list[str] | None = None,
    chunk_bytes: int | None = None,
    workdir: Path | None = None,
    outcomes: bool = False,
) -> Screening:
    """Screen every group of a population for every programme (or `programs`) on `as_of`;
    iterate over the result for each part's `Screened` rows. `outcomes` adds each criterion's
    outcome per group; `chunk_bytes` sets the size of the parts (engine/partition.py), kept
    in `workdir` (default: the system's temporary folder)."""
    started = time.perf_counter()
    pop = Population.find(population)
    plan = compile_plan(
        rules,
        as_of,
        group_columns={*pop.columns("groups"), *validation.territory_frame().columns},
        member_columns=set(pop.columns("members")) - {"group_id"},
        programs=programs,
    )
    return Screening(pop, plan, partition.partitions_for(pop, chunk_bytes), workdir, outcomes, started)


# --------------------------------------------------------------------------- writing


@dataclass
class ScreenReport:
    """What a screening run did: counts, where the results went, and eligible counts per
    programme and state (columns program, state, eligible, not_eligible, cannot_tell)."""

    out: Path
    rejects: Path
    groups: int
    rejected_rows: int
    partitions: int
    seconds: float
    summary: pl.DataFrame


def _need_quoting(ids: pl.Series) -> bool:
    """Whether any group id needs CSV quoting (slugs and criterion ids never do: their
    patterns in engine/schema.py)."""
    return bool(ids.str.contains(r'[,"\r\n]').any())


def _summary(plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """Counts per programme and state (long: program, state, eligible, not_eligible, cannot_tell)."""
    aggs = []
    for i in range(len(plan.programmes)):
        e = pl.col(f"eligible_{i}")
        aggs += [
            (e == True).sum().alias(f"y{i}"),  # noqa: E712 - a polars expression
            (e == False).sum().alias(f"n{i}"),  # noqa: E712
            e.is_null().sum().alias(f"u{i}"),
        ]
    if frame.height == 0:
        frame = pl.DataFrame(
            schema={"state": pl.String, **{f"eligible_{i}": pl.Boolean for i in range(len(plan.programmes))}}
        )
    wide = frame.group_by("state").agg(aggs).with_columns(pl.col("state").cast(pl.String))
    return pl.concat(
        [
            wide.select(
                pl.lit(slug).alias("program"),
                pl.col("state"),
                pl.col(f"y{i}").alias("eligible"),
                pl.col(f"n{i}").alias("not_eligible"),
                pl.col(f"u{i}").alias("cannot_tell"),
            )
            for i, slug in enumerate(plan.slugs)
        ]
    )


def write_screening(
    screening: Screening,
    out: Path | str,
    rejects: Path | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScreenReport:
    """Write a screening's results (CSV or Parquet by the suffix of `out`: one row per group and
    programme) and its rejected rows (`rejects`, default beside `out`), each atomically."""
    out = Path(out)
    rejects_path = Path(rejects) if rejects else out.with_name(out.stem + ".rejects.csv")
    plan = screening.plan
    summaries: list[pl.DataFrame] = []
    groups = rejected = done = 0
    with (
        FrameWriter(out, RESULT_SCHEMA) as results,
        FrameWriter(rejects_path, validation.REJECT_SCHEMA) as bad,
    ):
        if progress:
            progress(0, screening.partitions)
        for part in screening:
            with ThreadPoolExecutor(max_workers=1) as pool:
                counted = pool.submit(_summary, plan, part.groups)  # while the rows are written
                if results.parquet:
                    results.write(
                        part.long(pl.Enum(plan.slugs)).with_columns(pl.col("failed").cast(pl.String))
                    )
                else:  # a programme at a time (no 5-fold copy in memory), program as text
                    plain = not _need_quoting(part.groups.get_column("group_id"))
                    for rows in part.by_programme():
                        results.write(rows, plain)
                summaries.append(counted.result())
            if part.rejects.height:
                bad.write(part.rejects)
            groups += part.groups.height
            rejected += part.rejects.height
            done += 1
            if progress:
                progress(done, screening.partitions)
    summary = (
        pl.concat(summaries).group_by("program", "state").agg(pl.all().sum()).sort("program", "state")
        if summaries
        else _summary(plan, pl.DataFrame())
    )
    return ScreenReport(
        out=out,
        rejects=rejects_path,
        groups=groups,
        rejected_rows=rejected,
        partitions=screening.partitions,
        seconds=time.perf_counter() - screening.started,
        summary=summary,
    )


def screen_population(
    population: Path | str,
    out: Path | str,
    rules: RuleSet,
    as_of: dt.date,
    programs: list[str] | None = None,
    rejects: Path | str | None = None,
    chunk_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScreenReport:
    """Screen a population and write the results: `write_screening(screen(...), ...)`, with
    partitions (if any) beside `out`."""
    out = Path(out)
    screening = screen(population, rules, as_of, programs, chunk_bytes, workdir=out.parent)
    return write_screening(screening, out, rejects, progress)
