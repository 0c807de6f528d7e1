"""The vectorised execution of the rule files: whole populations screened as polars expressions.

The same validated programmes that the per-group path (engine/eligibility.py, on durable-rules)
evaluates one group at a time are compiled here into column expressions, with the same
three-valued meaning:

- a condition *matches* when it is true on the known facts, where every comparison (after
  pushing `not` down to the comparisons, as engine/evaluate.py does) also requires its fact to be
  present; a group criterion is `pass` when it matches, else `unknown` when a fact it refers to
  is absent, else `fail`;
- a member quantifier counts, per group, the members that match (`p`), that do not match and
  lack a referenced fact (`u`), and all members (`n`), and turns them into pass / fail / unknown
  exactly like `EligibilityEngine._members_criterion` and `count_outcome`;
- a criterion whose parameter has no value in force on the date is `unknown`;
- eligibility is the Kleene `all`/`any` of the outcomes, and `failed` lists the criteria that
  `engine.eligibility.blocking` names for a `false` determination (in rule order).

Nothing here knows a programme by name: any rule file that validates compiles. polars was
chosen over pyarrow compute by measurement (bench/README.md): the group-by over members and the
join of territories are where the time goes, and polars does both in parallel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any

import polars as pl

from engine.errors import RuleFileError
from engine.facts import GROUP_FACTS, MEMBER_FACTS
from engine.rules import RuleSet
from engine.schema import AllOf, AnyOf, Compare, Condition, Members, NotOf, Rule, Scalar, compared_facts, walk
from engine.vocabulary import Fact as FactSpec

_NEGATED = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "in": "not_in",
    "not_in": "in",
}

#: polars dtype of each fact kind, for columns that a population does not carry (always null)
KIND_DTYPE: dict[str, pl.DataType] = {
    "number": pl.Float64(),
    "text": pl.String(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
}


# --------------------------------------------------------------------------- comparisons


def _value_for(kind: str, value: Any, where: str) -> Any:
    """A rule value as it is compared with a fact of `kind`, as durable-rules compares it
    (booleans are 0/1, so a bool fact equals 1 and a number fact equals true)."""
    if kind == "number" and isinstance(value, (int, float)):
        return int(value) if isinstance(value, bool) else value
    if kind == "bool" and isinstance(value, (bool, int, float)):
        return value
    if kind == "text" and isinstance(value, str) and not isinstance(value, bool):
        return value
    if kind == "date" and isinstance(value, dt.date):
        return value
    raise RuleFileError(
        f"{where}: cannot compare a {kind} fact with {value!r} "
        f"({type(value).__name__}) in the vectorised screener",
        hint="write the value with the fact's type (see engine/facts.py)",
    )


def _compare(col: pl.Expr, kind: str, op: str, value: Any, negate: bool, where: str) -> pl.Expr:
    """`fact op value` that holds only when the fact is present (null -> false)."""
    if kind == "bool":
        single = None if isinstance(value, list) else _value_for(kind, value, where)
        if op in ("==", "!=") and single in (0, 1):
            # equal to true / 1 or false / 0: compared as booleans (no cast of every value)
            test = (col == bool(single)) if (op == "==") != negate else (col != bool(single))
            return (col.is_not_null() & test).fill_null(False)
        # 0/1 semantics otherwise: compared as integers
        col = col.cast(pl.Int8)
        conv = lambda v: int(_value_for(kind, v, where))  # noqa: E731
    else:
        conv = lambda v: _value_for(kind, v, where)  # noqa: E731
    if op == "between":
        low, high = (conv(v) for v in value)
        test = (col < low) | (col > high) if negate else (col >= low) & (col <= high)
    else:
        if negate:
            op = _NEGATED[op]
        if op in ("in", "not_in"):
            values = [conv(v) for v in value]  # never empty: the rule schema rejects `in: []`
            test = col.is_in(values) if op == "in" else ~col.is_in(values)
        else:
            v = conv(value)
            test = {
                "==": col == v,
                "!=": col != v,
                "<": col < v,
                "<=": col <= v,
                ">": col > v,
                ">=": col >= v,
            }[op]
    return (col.is_not_null() & test).fill_null(False)


@dataclass
class _Ctx:
    """How to find a fact's column and what kind it is, for one scope (group or member)."""

    column: Callable[[str], pl.Expr]
    kinds: dict[str, FactSpec]
    params: dict[str, Scalar]
    where: str


def matched(cond: Condition, ctx: _Ctx, negate: bool = False) -> pl.Expr:
    """True where `cond` holds on known facts (never null), as durable-rules matches it."""
    if isinstance(cond, NotOf):
        return matched(cond.not_, ctx, not negate)
    if isinstance(cond, (AllOf, AnyOf)):
        children = [matched(c, ctx, negate) for c in (cond.all if isinstance(cond, AllOf) else cond.any)]
        conj = isinstance(cond, AllOf) != negate  # De Morgan
        return reduce((lambda a, b: a & b) if conj else (lambda a, b: a | b), children)
    if isinstance(cond, Compare):
        value = ctx.params[cond.param] if cond.param is not None else cond.value
        return _compare(ctx.column(cond.fact), ctx.kinds[cond.fact].type, cond.op, value, negate, ctx.where)
    raise TypeError(f"cannot compile {type(cond).__name__} inside a condition")


def _any_null(facts: list[str], column: Callable[[str], pl.Expr]) -> pl.Expr:
    if not facts:
        return pl.lit(False)
    return reduce(lambda a, b: a | b, [column(f).is_null() for f in facts])


def _tri(passed: pl.Expr, unknown: pl.Expr) -> pl.Expr:
    """pass -> true, unknown -> null, fail -> false."""
    return (
        pl.when(passed)
        .then(pl.lit(True))
        .when(unknown)
        .then(pl.lit(None, pl.Boolean))
        .otherwise(pl.lit(False))
    )


# --------------------------------------------------------------------------- member quantifiers


def _holds(op: str, x: pl.Expr, threshold: float) -> pl.Expr:
    return {
        "<": x < threshold,
        "<=": x <= threshold,
        "==": x == threshold,
        "!=": x != threshold,
        ">": x > threshold,
        ">=": x >= threshold,
    }[op]


def count_outcome_expr(op: str, threshold: float, p: pl.Expr, u: pl.Expr, n: pl.Expr, share: bool) -> pl.Expr:
    """`engine.eligibility.count_outcome` over columns: whether `count op threshold` holds for
    every (true), no (false) or only some (null) count k in [p, p + u]."""

    def x(k: pl.Expr) -> pl.Expr:
        if not share:
            return k.cast(pl.Float64)
        return pl.when(n > 0).then(k.cast(pl.Float64) / n.cast(pl.Float64)).otherwise(pl.lit(0.0))

    lo, hi = _holds(op, x(p), threshold), _holds(op, x(p + u), threshold)
    if op in ("<", "<=", ">", ">="):
        # x(k) is non-decreasing in k, so a threshold test is settled by the two ends
        return pl.when(lo == hi).then(lo).otherwise(pl.lit(None, pl.Boolean))
    # == / !=: with no unknown members the count is p; otherwise the values x(k) are distinct,
    # so `==` can hold for at most one k: some k hits the threshold -> cannot tell
    if share:
        k0 = (pl.lit(threshold) * n.cast(pl.Float64)).round(0)
        hit = (
            (k0 >= p)
            & (k0 <= p + u)
            & (pl.when(n > 0).then(k0 / n.cast(pl.Float64)).otherwise(pl.lit(0.0)) == threshold)
        )
    else:
        hit = (pl.lit(threshold) == pl.lit(threshold).round(0)) & (p <= threshold) & (p + u >= threshold)
    some = pl.when(hit).then(pl.lit(None, pl.Boolean)).otherwise(pl.lit(op == "!="))
    return pl.when(u == 0).then(lo).otherwise(some)


def quantifier_outcome(cond: Members, threshold: float | None, p: pl.Expr, u: pl.Expr, n: pl.Expr) -> pl.Expr:
    none_b = pl.lit(None, pl.Boolean)
    if cond.members == "all":
        return pl.when(n - p - u > 0).then(pl.lit(False)).when(u > 0).then(none_b).otherwise(pl.lit(True))
    if cond.members == "any":
        return pl.when(p > 0).then(pl.lit(True)).when(u > 0).then(none_b).otherwise(pl.lit(False))
    if cond.members == "none":
        return pl.when(p > 0).then(pl.lit(False)).when(u > 0).then(none_b).otherwise(pl.lit(True))
    assert threshold is not None
    return count_outcome_expr(cond.op or "==", threshold, p, u, n, cond.members == "share")


# --------------------------------------------------------------------------- eligibility rule


def kleene_expr(rule: Rule, outcome: Callable[[str], pl.Expr]) -> pl.Expr:
    """Kleene all/any: polars' & and | on nullable booleans are three-valued."""
    values = [outcome(i) if isinstance(i, str) else kleene_expr(i, outcome) for i in rule.items]
    return reduce((lambda a, b: a & b) if rule.all is not None else (lambda a, b: a | b), values)


def blocking_parts(
    rule: Rule, outcome: Callable[[str], pl.Expr], ancestors_false: pl.Expr
) -> list[tuple[str, pl.Expr]]:
    """(criterion id, included?) in rule order, so that the included ids are
    `blocking(rule, outcomes, False)` for a rule that came out false. Unrolling `blocking`:
    a criterion is named when it failed and every rule above it came out false (an `all` that
    failed descends only into its false items; an `any` that failed has only false items)."""
    out: list[tuple[str, pl.Expr]] = []
    for item in rule.items:
        if isinstance(item, str):
            out.append((item, ancestors_false & (outcome(item) == False)))  # noqa: E712
        else:
            below = ancestors_false & (kleene_expr(item, outcome) == False)  # noqa: E712
            out += blocking_parts(item, outcome, below)
    return out


# --------------------------------------------------------------------------- the plan


@dataclass
class CompiledProgramme:
    slug: str
    params: dict[str, Scalar]
    #: member-level aggregate columns to compute: name -> (matched expr, unknown expr)
    member_columns: dict[str, tuple[pl.Expr, pl.Expr]] = field(default_factory=dict)
    #: criterion id -> outcome expression over the group frame (after member aggregation)
    outcomes: dict[str, pl.Expr] = field(default_factory=dict)
    eligible: pl.Expr | None = None
    failed: pl.Expr | None = None


def _column_getter(present: set[str], kinds: dict[str, FactSpec]) -> Callable[[str], pl.Expr]:
    def column(fact: str) -> pl.Expr:
        if fact in present:
            return pl.col(fact)
        return pl.lit(None, KIND_DTYPE[kinds[fact].type])  # not in the population: unknown

    return column


@dataclass
class Plan:
    """Every programme of a rule set compiled for one date."""

    as_of: dt.date
    programmes: list[CompiledProgramme]
    group_columns: set[str]
    member_columns: set[str]

    @property
    def slugs(self) -> list[str]:
        return [p.slug for p in self.programmes]


N_MEMBERS = "__n"


def compile_plan(
    rules: RuleSet,
    as_of: dt.date,
    group_columns: set[str],
    member_columns: set[str],
    programs: list[str] | None = None,
) -> Plan:
    """Compile the programmes of `rules` (or only `programs`) for the date `as_of`, for frames
    that carry `group_columns` / `member_columns` (other facts are unknown). `as_of` and `size`
    are computed, not read."""
    gcol = _column_getter(group_columns | {"size", "as_of"}, GROUP_FACTS)
    mcol = _column_getter(member_columns, MEMBER_FACTS)
    compiled: list[CompiledProgramme] = []
    for idx, slug in enumerate(programs or rules.slugs):
        programme = rules.get(slug)
        params = programme.params_on(as_of)
        cp = CompiledProgramme(slug=slug, params=params)
        for crit in programme.criteria:
            where = f"rules/{slug}.yaml, criterion `{crit.id}`"
            if any(getattr(n, "param", None) not in (None, *params) for n in walk(crit.condition)):
                cp.outcomes[crit.id] = pl.lit(None, pl.Boolean)  # no parameter value in force
                continue
            cond = crit.condition
            if isinstance(cond, Members):
                facts = compared_facts(cond.where)
                threshold = None
                if cond.members in ("count", "share"):
                    raw = params[cond.param] if cond.param is not None else cond.value
                    threshold = float(raw)  # type: ignore[arg-type]
                if facts and not any(f in member_columns for f in facts):
                    # none of its facts is in the population: every comparison needs its fact,
                    # so no member matches and every member is unknown (nothing to count)
                    p_count, u_count = pl.lit(0, pl.UInt32), pl.col(N_MEMBERS)
                else:
                    ctx = _Ctx(mcol, MEMBER_FACTS, params, where)
                    m = matched(cond.where, ctx)
                    name = f"__p{idx}_{crit.id}"
                    cp.member_columns[name] = (m, ~m & _any_null(facts, mcol))
                    p_count, u_count = pl.col(name + "_p"), pl.col(name + "_u")
                cp.outcomes[crit.id] = quantifier_outcome(
                    cond, threshold, p_count, u_count, pl.col(N_MEMBERS)
                )
            else:
                ctx = _Ctx(gcol, GROUP_FACTS, params, where)
                cp.outcomes[crit.id] = _tri(matched(cond, ctx), _any_null(compared_facts(cond), gcol))
        compiled.append(cp)
    return Plan(as_of=as_of, programmes=compiled, group_columns=group_columns, member_columns=member_columns)


def _outcome_col(idx: int, cid: str) -> str:
    return f"__c{idx}_{cid}"


def member_stage(plan: Plan) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """Per-member columns (matched / unknown for each member criterion) and the per-group
    aggregations of them (`_p`, `_u` counts); the group's member count comes separately."""
    cols: list[pl.Expr] = []
    aggs: list[pl.Expr] = []
    for cp in plan.programmes:
        for name, (m, u) in cp.member_columns.items():
            cols += [m.alias(name + "_m"), u.alias(name + "_u0")]
            aggs += [
                pl.col(name + "_m").sum().alias(name + "_p"),
                pl.col(name + "_u0").sum().alias(name + "_u"),
            ]
    return cols, aggs


def group_stage(plan: Plan, rules: RuleSet, frame: pl.LazyFrame) -> pl.LazyFrame:
    """From one row per group (group facts, `N_MEMBERS` and the member aggregates, null where
    the group has no members) to `eligible_i` (nullable bool) and `failed_i` for each
    programme i: a bit set over `rule.ids()` (bit k: the k-th item is named), which
    `name_failures` turns into the ids. Joining strings for every group costs several times
    more than the rest of this stage, and a population has only a few distinct sets."""
    counted = [c for cp in plan.programmes for c in cp.member_columns]
    fill = [pl.col(N_MEMBERS).fill_null(0)] + [
        pl.col(c + s).fill_null(0) for c in counted for s in ("_p", "_u")
    ]
    frame = frame.with_columns(fill).with_columns(
        pl.col(N_MEMBERS).alias("size"), pl.lit(plan.as_of).alias("as_of")
    )
    outcome_cols: list[pl.Expr] = []
    results: list[pl.Expr] = []
    for idx, cp in enumerate(plan.programmes):
        outcome_cols += [expr.alias(_outcome_col(idx, cid)) for cid, expr in cp.outcomes.items()]

        def outcome(cid: str, idx: int = idx) -> pl.Expr:
            return pl.col(_outcome_col(idx, cid))

        rule = rules.get(cp.slug).eligibility
        eligible = kleene_expr(rule, outcome)
        parts = blocking_parts(rule, outcome, eligible == False)  # noqa: E712
        bits = pl.sum_horizontal(
            [
                pl.when(inc).then(pl.lit(1 << k, pl.UInt64)).otherwise(pl.lit(0, pl.UInt64))
                for k, (_, inc) in enumerate(parts)
            ]
        )
        results += [eligible.alias(f"eligible_{idx}"), bits.alias(f"failed_{idx}")]
    return frame.with_columns(outcome_cols).with_columns(results)


def name_failures(plan: Plan, rules: RuleSet, wide: pl.DataFrame) -> pl.DataFrame:
    """`failed_i` from `group_stage`'s bit sets to the criterion ids, in rule order, joined by
    ';' (null when none), as an Enum of the lists that occur: a population has only a few, and
    an Enum is made and written faster than a text per group."""
    tables: list[dict[int, str]] = []
    for i, cp in enumerate(plan.programmes):
        ids = rules.get(cp.slug).eligibility.ids()  # the order of blocking_parts
        sets = [bits for bits in wide.get_column(f"failed_{i}").unique().to_list() if bits]
        tables.append({bits: ";".join(cid for k, cid in enumerate(ids) if bits >> k & 1) for bits in sets})
    listed = pl.Enum(list(dict.fromkeys(name for table in tables for name in table.values())))
    # the empty set (0) is the one value left out of a table: no failed criterion, null
    return wide.with_columns(
        pl.col(f"failed_{i}").replace_strict(table, default=None, return_dtype=listed)
        for i, table in enumerate(tables)
    )


def evaluate(plan: Plan, rules: RuleSet, groups: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Screen validated frames: `groups` (one row per group, `group_id` unique, facts as
    columns named like the facts) and `members` (`group_id` + member facts, each belonging to
    a row of `groups`). One row per group: group_id, eligible_i, failed_i."""
    cols, aggs = member_stage(plan)
    agg = members.lazy().with_columns(cols).group_by("group_id").agg(pl.len().alias(N_MEMBERS), *aggs)
    frame = groups.lazy().join(agg, on="group_id", how="left")
    return name_failures(
        plan, rules, group_stage(plan, rules, frame).select("group_id", *_result_columns(plan)).collect()
    )


def _result_columns(plan: Plan) -> list[str]:
    return [f"{k}_{i}" for i in range(len(plan.programmes)) for k in ("eligible", "failed")]


def long_form(plan: Plan, wide: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """One row per group and programme (group-major, programmes in rule-set order):
    group_id, program, eligible, failed (plus `keep`)."""
    program_type = pl.Enum(plan.slugs)
    parts = [
        wide.select(
            "group_id",
            *keep,
            pl.lit(cp.slug, program_type).alias("program"),
            pl.col(f"eligible_{i}").alias("eligible"),
            pl.col(f"failed_{i}").alias("failed"),
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"),
        )
        for i, cp in enumerate(plan.programmes)
    ]
    out = pl.concat(parts)
    return out.sort(["__row", "program"]).drop("__row")


# --------------------------------------------------------------------------- a whole population


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


def _results_parts(
    plan: Plan, frame: pl.DataFrame, program_type: pl.DataType | None = None
) -> list[pl.DataFrame]:
    """The chunk's groups for the first programme, then for the next, ... (`program` as plain
    text unless `program_type` is given)."""
    return [
        frame.select(
            pl.col("group_id"),
            pl.lit(cp.slug, program_type or pl.String).alias("program"),
            pl.col(f"eligible_{i}").alias("eligible"),
            pl.col(f"failed_{i}").alias("failed"),
        )
        for i, cp in enumerate(plan.programmes)
    ]


def _results_long(plan: Plan, frame: pl.DataFrame) -> pl.DataFrame:
    """One row per group and programme: the chunk's groups for the first programme, then for
    the next (interleaving them costs more than the rest of the screening)."""
    return pl.concat(_results_parts(plan, frame, pl.Enum(plan.slugs))).with_columns(
        pl.col("failed").cast(pl.String)
    )


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
    wide = frame.group_by("__state").agg(aggs)
    return pl.concat(
        [
            wide.select(
                pl.lit(cp.slug).alias("program"),
                pl.col("__state").alias("state"),
                pl.col(f"y{i}").alias("eligible"),
                pl.col(f"n{i}").alias("not_eligible"),
                pl.col(f"u{i}").alias("cannot_tell"),
            )
            for i, cp in enumerate(plan.programmes)
        ]
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
    """Screen every group of a population for every programme; write the results (CSV or
    Parquet by the suffix of `out`) and the rejected rows (`rejects`, default beside `out`)."""
    import time

    from engine import population as popmod

    t0 = time.perf_counter()
    pop = popmod.Population.find(population)
    out = Path(out)
    rejects_path = Path(rejects) if rejects else out.with_name(out.stem + ".rejects.csv")
    plan = compile_plan(
        rules,
        as_of,
        group_columns={"country", "territory", "locality", "organisation", *popmod.territory_frame().columns},
        member_columns=set(popmod.MEMBER_COLUMNS) - {"group_id"},
        programs=programs,
    )
    n_parts = popmod.partitions_for(pop, chunk_bytes)
    cols, aggs = member_stage(plan)
    result_schema = {"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean, "failed": pl.String}
    summaries: list[pl.DataFrame] = []
    groups = rejected = done = 0
    with (
        popmod.FrameWriter(out, result_schema) as results,
        popmod.FrameWriter(rejects_path, popmod.REJECT_SCHEMA) as bad,
    ):
        if progress:
            progress(0, n_parts)
        for chunk in popmod.chunks(pop, n_parts, out.parent, cols, aggs):
            wide = (
                group_stage(
                    plan,
                    rules,
                    chunk.groups.lazy().with_columns(
                        pl.coalesce(pl.col("territory.state_name"), pl.col("territory.name")).alias("__state")
                    ),
                )
                .select("group_id", "__state", *_result_columns(plan))
                .collect()
            )
            with ThreadPoolExecutor(max_workers=2) as pool:
                # the summary counted and the ids checked on other threads, while the failed
                # criteria are named and the rows written
                counted = pool.submit(_summary, plan, wide)
                quoted = pool.submit(_need_quoting, wide.get_column("group_id"))
                wide = name_failures(plan, rules, wide)
                if results.parquet:
                    results.write(_results_long(plan, wide))
                else:  # the same rows, written a programme at a time (no 5-fold copy in memory)
                    plain = not quoted.result()
                    for part in _results_parts(plan, wide):
                        results.write(part, plain)
                summaries.append(counted.result())
            if chunk.rejects.height:
                bad.write(chunk.rejects)
            groups += wide.height
            rejected += chunk.rejects.height
            done += 1
            if progress:
                progress(done, n_parts)
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
        partitions=n_parts,
        seconds=time.perf_counter() - t0,
        summary=summary,
    )
