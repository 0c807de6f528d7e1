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
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from engine import partition, validation
from engine.errors import InputError
from engine.messages import DEFAULT_LANG, Lang, t
from engine.population import LAST_EMPTY, FrameWriter, Population, check_destination
from engine.rules import RuleSet
from engine.scratch import Scratch, clear_leftovers
from engine.tabular import safe_column, safe_frame
from engine.vectorised import (
    Plan,
    compile_plan,
    group_stage,
    member_stage,
    name_failures,
    outcome_columns,
    unknown_counts,
)

RESULT_SCHEMA = {"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean, "failed": pl.String}
NEAR_SCHEMA = {"program": pl.String, "criterion": pl.String, "groups": pl.Int64}
#: a fact missing from a population, and how many "cannot tell" answers (group and programme)
#: it keeps open; `member` when it is a member's fact
MISSING_SCHEMA = {"fact": pl.String, "member": pl.Boolean, "answers": pl.Int64, "programs": pl.String}


@dataclass
class Screened:
    """One part's results: `groups` has one row per valid group (group_id, territory, state,
    `eligible_<i>` and `failed_<i>` for the i-th programme of `plan.slugs`, and, when asked,
    each criterion's outcome in the columns of `outcomes`); `rejects` the rows left out."""

    plan: Plan
    groups: pl.DataFrame
    rejects: pl.DataFrame
    #: per programme, the sets of criteria that keep answers "cannot tell" -> their groups
    unknown: dict[str, dict[tuple[str, ...], int]] = field(default_factory=dict)

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
    #: where partitions and sorted copies of malformed files go while the screening runs
    scratch: Scratch = field(init=False)

    def __post_init__(self) -> None:
        self.scratch = Scratch(self.workdir)

    def __iter__(self) -> Generator[Screened]:
        cols, aggs = member_stage(self.plan)
        keep = list(outcome_columns(self.plan)) if self.outcomes else []
        state = pl.coalesce(pl.col("territory.state_name"), pl.col("territory.name"))
        try:
            for part in partition.parts(self.population, self.partitions, self.scratch):
                chunk = self._validated(part, cols, aggs)
                wide = (
                    group_stage(self.plan, chunk.groups.lazy())
                    .select(
                        "group_id",
                        "territory",
                        state.alias("state"),
                        *[
                            f"{k}_{i}"
                            for i in range(len(self.plan.programmes))
                            for k in ("eligible", "failed", "unknown")
                        ],
                        *keep,
                    )
                    .collect()
                )
                unknown = unknown_counts(self.plan, wide)
                wide = wide.drop(f"unknown_{i}" for i in range(len(self.plan.programmes)))
                yield Screened(self.plan, name_failures(self.plan, wide), chunk.rejects, unknown)
        finally:  # finished, failed, interrupted or abandoned: nothing left in the scratch folder
            self.scratch.close()
            self.population.forget_copies()

    def _validated(self, part: partition.Part, cols: list[pl.Expr], aggs: list[pl.Expr]) -> validation.Chunk:
        """The part's valid groups with their members' sums (the validation's and the
        evaluator's, in one pass), and its rejects."""
        pop, gfile, mfile = self.population, self.population.groups.name, self.population.members.name
        lang = pop.lang
        if part.typed is not None:
            chunk = self._clean(part, cols, aggs)
            if chunk is not None:
                return chunk
        if self.partitions <= 1:  # (a partitioned population was checked before it was split)
            pop.check("groups", self.scratch)
            pop.check("members", self.scratch)
        raw_groups = pop.read("groups", self.scratch, part.groups).drop(LAST_EMPTY, strict=False)
        raw_members = pop.read("members", self.scratch, part.members)
        for exact in (False, True):
            key, check = validation.keys(exact)
            try:
                groups, g_rejects = validation.check_groups(raw_groups, gfile, key, lang)
                members = validation.type_members(raw_members, lang).with_columns(key, check)
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
                    lang,
                )
            except validation.KeyCollision:
                continue  # redo keyed by the text of group_id
        raise AssertionError("unreachable: the text of group_id cannot collide")

    def _clean(
        self, part: partition.Part, cols: list[pl.Expr], aggs: list[pl.Expr]
    ) -> validation.Chunk | None:
        """The chunk of a part in which nothing is rejected: the typed members aggregated in one
        streaming pass while the groups are checked on a second thread. None when something
        may be rejected (then the part is validated exactly): a value or a line the strict read
        refuses, or a line with too few fields, which it would read as empty cells; a row with an
        empty last cell is where such a line would show, so only then are the files' lines
        counted (`Population.check`)."""
        assert part.typed is not None
        key, check = validation.keys()
        typed, gfile = part.typed, self.population.groups.name
        short = [pl.col(LAST_EMPTY).sum().alias(LAST_EMPTY)] if LAST_EMPTY in typed.collect_schema() else []
        aggregated = (
            typed.with_columns(key, check, validation.clean_bad().alias(validation.BAD))
            .with_columns(cols)
            .group_by(validation.KEY)
            .agg(*validation.member_aggregates(exact=False), *aggs, *short)
        )

        def checked_groups() -> tuple[pl.DataFrame, pl.DataFrame, int, int]:
            raw = part.groups()
            last_empty = int(raw.get_column(LAST_EMPTY).sum()) if LAST_EMPTY in raw.columns else 0
            groups, rejects = validation.check_groups(
                raw.drop(LAST_EMPTY, strict=False), gfile, key, self.population.lang
            )
            return groups.with_columns(check), rejects, last_empty, raw.height

        # the groups are checked on a second thread meanwhile (polars lets go of the GIL)
        with ThreadPoolExecutor(max_workers=1) as pool:
            checked = pool.submit(checked_groups)
            try:
                agg = aggregated.collect(engine="streaming")
            except pl.exceptions.PolarsError:  # a value the strict read refuses
                return None
            try:
                groups, g_rejects, groups_last_empty, groups_read = checked.result()
            except (validation.KeyCollision, pl.exceptions.PolarsError):
                return None
        if short and agg.select(pl.col(LAST_EMPTY).sum()).item():
            rows = agg.select(pl.col(validation.N_MEMBERS).sum()).item()
            if not self.population.check("members", self.scratch, rows):
                return None
            agg = agg.drop(LAST_EMPTY)
        elif short:
            agg = agg.drop(LAST_EMPTY)
        if groups_last_empty and not self.population.check(
            "groups", self.scratch, groups.height + g_rejects.height
        ):
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
    lang: Lang = DEFAULT_LANG,
) -> Screening:
    """Screen every group of a population for every programme (or `programs`) on `as_of`;
    iterate over the result for each part's `Screened` rows. `outcomes` adds each criterion's
    outcome per group; `chunk_bytes` sets the size of the parts (engine/partition.py), kept
    in `workdir` (default: the system's temporary folder). The population's errors and the
    reasons of its rejects are worded in `lang`."""
    started = time.perf_counter()
    pop = Population.find(population, lang)
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
    programmes: int = 0
    #: program, criterion, groups, in_hands: the groups not eligible by that criterion alone,
    #: those whose change is in their hands first, then the most groups first
    near_misses: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=NEAR_SCHEMA))
    #: fact, member, answers, programs: the missing facts that keep the most answers "cannot
    #: tell" first (engine/screen.py `missing_facts`)
    missing_facts: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=MISSING_SCHEMA))


def _care(ids: pl.Series) -> tuple[bool, bool]:
    """Whether any group id needs CSV quoting, and whether any would start a formula in a
    spreadsheet (engine/tabular.py); the two looks run side by side (slugs and criterion ids
    need neither: their patterns in engine/schema.py)."""
    id_ = pl.col(ids.name)
    quoting, formulas = (
        ids.to_frame()
        .select(
            id_.str.contains(r'[,"\r\n]').any().alias("q"), id_.str.contains(r"^[=+\-@\t\r]").any().alias("f")
        )
        .row(0)
    )
    return bool(quoting), bool(formulas)


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


def _near_misses(plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """Per programme and criterion, the groups not eligible for the programme by that criterion
    alone (program, criterion, groups): the groups one change away from eligibility, where it
    is a change they can make (`in_hands`). Counted per list of failed criteria (a population
    has only a few lists), then the lists of one criterion kept."""
    rows = []
    for i, slug in enumerate(plan.slugs):
        failed = pl.col(f"failed_{i}").filter(pl.col(f"eligible_{i}") == False)  # noqa: E712
        counts = frame.select(failed.value_counts()).unnest(f"failed_{i}")
        for criteria, n in counts.with_columns(pl.col(f"failed_{i}").cast(pl.String)).iter_rows():
            if criteria and ";" not in criteria:
                rows.append({"program": slug, "criterion": criteria, "groups": n})
    return pl.DataFrame(rows, schema=NEAR_SCHEMA)


def missing_facts(plan: Plan, unknown: dict[str, dict[tuple[str, ...], int]]) -> pl.DataFrame:
    """The facts whose absence keeps answers "cannot tell", counted once per group and
    programme whose answer a criterion comparing them keeps open (a criterion with no rule for
    the date has no fact to collect); the most answers first."""
    answers: dict[tuple[str, bool], int] = {}
    programs: dict[tuple[str, bool], set[str]] = {}
    for cp in plan.programmes:
        for named, n in unknown.get(cp.slug, {}).items():
            facts = {
                (fact, crit.scope == "member")
                for crit in map(cp.plan.criterion, named)
                if crit.match is not None
                for fact in crit.facts
            }
            for key in facts:
                answers[key] = answers.get(key, 0) + n
                programs.setdefault(key, set()).add(cp.slug)
    rows = [
        {"fact": f, "member": m, "answers": n, "programs": ";".join(sorted(programs[(f, m)]))}
        for (f, m), n in answers.items()
    ]
    return pl.DataFrame(rows, schema=MISSING_SCHEMA).sort(["answers", "fact"], descending=[True, False])


def in_hands(plan: Plan, slug: str, criterion: str) -> bool:
    """Whether a group can pass `criterion` by its own changes: a member criterion (who is in
    the group is the group's to change), or one whose every fact the vocabulary declares
    changeable (not the municipality, the country or the date)."""
    from engine.facts import GROUP_FACTS

    programme = next(p for p in plan.programmes if p.slug == slug)
    crit = programme.plan.criterion(criterion)
    if crit.scope == "member":
        return True
    facts = [GROUP_FACTS.get(f) for f in crit.facts]
    return bool(facts) and all(f is not None and f.changeable for f in facts)


def write_screening(
    screening: Screening,
    out: Path | str,
    rejects: Path | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScreenReport:
    """Write a screening's results (CSV or Parquet by the suffix of `out`: one row per group and
    programme) and its rejected rows (`rejects`, default beside `out`), each atomically."""
    out = Path(out)
    rejects_path = Path(rejects) if rejects else rejects_beside(out)
    plan = screening.plan
    summaries: list[pl.DataFrame] = []
    near: list[pl.DataFrame] = []
    unknown: dict[str, dict[tuple[str, ...], int]] = {}
    groups = rejected = done = 0
    with (
        FrameWriter(out, RESULT_SCHEMA) as results,
        FrameWriter(rejects_path, validation.REJECT_SCHEMA) as bad,
        closing(iter(screening)) as parts,  # closed (its scratch folder removed) however this ends
    ):
        if progress:
            progress(0, screening.partitions)
        for part in parts:
            with ThreadPoolExecutor(max_workers=1) as pool:
                counted = pool.submit(_summary, plan, part.groups)  # while the rows are written
                if results.parquet:
                    results.write(
                        part.long(pl.Enum(plan.slugs)).with_columns(pl.col("failed").cast(pl.String))
                    )
                else:  # a programme at a time (no 5-fold copy in memory), program as text
                    quoting, formulas = _care(part.groups.get_column("group_id"))
                    for rows in part.by_programme():
                        results.write(
                            rows.with_columns(safe_column("group_id")) if formulas else rows, not quoting
                        )
                summaries.append(counted.result())
                near.append(_near_misses(plan, part.groups))
            for slug, counts in part.unknown.items():
                mine = unknown.setdefault(slug, {})
                for named, n in counts.items():
                    mine[named] = mine.get(named, 0) + n
            if part.rejects.height:
                bad.write(part.rejects if bad.parquet else safe_frame(part.rejects))
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
    misses = pl.concat(near) if near else pl.DataFrame(schema=NEAR_SCHEMA)
    misses = (
        misses.group_by("program", "criterion")
        .agg(pl.col("groups").sum())
        .with_columns(
            pl.struct("program", "criterion")
            .map_elements(lambda r: in_hands(plan, r["program"], r["criterion"]), return_dtype=pl.Boolean)
            .alias("in_hands")
        )
        .sort(["in_hands", "groups", "program", "criterion"], descending=[True, True, False, False])
        if misses.height
        else misses.with_columns(pl.lit(None, pl.Boolean).alias("in_hands"))
    )
    return ScreenReport(
        out=out,
        rejects=rejects_path,
        groups=groups,
        rejected_rows=rejected,
        partitions=screening.partitions,
        seconds=time.perf_counter() - screening.started,
        summary=summary,
        programmes=len(plan.slugs),
        near_misses=misses,
        missing_facts=missing_facts(plan, unknown),
    )


def rejects_beside(out: Path) -> Path:
    """Where the rejects of a screening written to `out` go by default."""
    return out.with_name(out.stem + ".rejects.csv")


def screen_population(
    population: Path | str,
    out: Path | str,
    rules: RuleSet,
    as_of: dt.date,
    programs: list[str] | None = None,
    rejects: Path | str | None = None,
    chunk_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    lang: Lang = DEFAULT_LANG,
) -> ScreenReport:
    """Screen a population and write the results: `write_screening(screen(...), ...)`, with
    partitions (if any) beside `out`. Before any work, the destinations are checked (a clear
    error, not a traceback at the end) and the leftovers of killed runs beside `out` and in the
    temporary folder are removed (engine/scratch.py)."""
    out = check_destination(out, lang)
    rejects_path = check_destination(rejects if rejects else rejects_beside(out), lang)
    pop = Population.find(population, lang)
    for path in (out, rejects_path):
        if path.resolve() in (pop.groups.resolve(), pop.members.resolve()):
            raise InputError(t("out.same_as_input", lang, path=path), hint=t("out.same_as_input.hint", lang))
    clear_leftovers(out.parent, rejects_path.parent, None)
    screening = screen(pop.directory, rules, as_of, programs, chunk_bytes, workdir=out.parent, lang=lang)
    return write_screening(screening, out, rejects_path, progress)
