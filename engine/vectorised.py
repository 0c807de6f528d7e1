"""The vectorised evaluator: whole populations screened as polars expressions.

The plans that the per-group path (engine/eligibility.py, on durable-rules) runs one group at a
time (engine/plan.py) are compiled here into column expressions. Only the comparisons and the
counting are this module's own: each leaf of a plan becomes a comparison that is false where
its fact is null, each member criterion a pair of per-group sums (members that match, members
that do not and miss a fact), and everything those mean (pass / fail / unknown, quantifiers,
Kleene eligibility, the blocking criteria) is engine/plan.py's semantics run on polars
expressions through `POLARS`, the algebra below.

Nothing here knows a programme by name: any rule file that loads compiles. polars was chosen
over pyarrow compute by measurement (bench/README.md): the group-by over members and the join
of territories are where the time goes, and polars does both in parallel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import polars as pl

from engine.algebra import NUMBER_LIMIT, NUMBER_TINY, PERCENT_DECIMALS, Tri
from engine.facts import CONTRIBUTION_LEVELS, GROUP_FACTS, MEMBER_FACTS, contribution_facts
from engine.plan import (
    COMPARE,
    Junction,
    Leaf,
    Node,
    ProgrammePlan,
    blocking,
    eligible,
    group_outcome,
    member_outcome,
    plan_for,
)
from engine.rules import RuleSet
from engine.vocabulary import Fact

#: polars dtype of each fact type, for columns that a population does not carry (always null)
KIND_DTYPE: dict[str, pl.DataType] = {
    "number": pl.Float64(),
    "text": pl.String(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
}


class PolarsAlgebra:
    """engine/algebra.py's operations on polars expressions: nullable booleans are three-valued
    (polars' & and | are Kleene's), counts are integer columns."""

    def const(self, value: Tri) -> pl.Expr:
        return pl.lit(value, pl.Boolean)

    def all(self, items: Sequence[pl.Expr]) -> pl.Expr:
        return reduce(lambda a, b: a & b, items)

    def any(self, items: Sequence[pl.Expr]) -> pl.Expr:
        return reduce(lambda a, b: a | b, items)

    def is_(self, x: pl.Expr, value: Tri) -> pl.Expr:
        return x.is_null() if value is None else (x == value).fill_null(False)

    def not_(self, x: pl.Expr) -> pl.Expr:
        return ~x

    def choose(self, cond: pl.Expr, then: Any, otherwise: Any) -> pl.Expr:
        return pl.when(cond).then(then).otherwise(otherwise)

    def number(self, k: pl.Expr) -> pl.Expr:
        return k.cast(pl.Float64)

    def ratio(self, k: pl.Expr, n: pl.Expr) -> pl.Expr:
        return pl.when(n > 0).then(k.cast(pl.Float64) / n.cast(pl.Float64)).otherwise(pl.lit(0.0))

    def round(self, x: pl.Expr) -> pl.Expr:
        return x.round(0)

    def percent(self, part: pl.Expr, whole: pl.Expr) -> pl.Expr:
        scale = 10.0**PERCENT_DECIMALS
        return pl.when(whole > 0).then((pl.lit(100.0) * part / whole * scale + 0.5).floor() / scale)

    def normalise(self, x: pl.Expr) -> pl.Expr:
        return (
            pl.when(x.is_nan())
            .then(None)
            .when(x.abs() < NUMBER_TINY)
            .then(pl.lit(0.0))
            .otherwise(x.clip(-NUMBER_LIMIT, NUMBER_LIMIT))
        )


POLARS = PolarsAlgebra()


# --------------------------------------------------------------------------- comparisons


def compile_leaf(leaf: Leaf, col: pl.Expr) -> pl.Expr:
    """`fact op value` that holds only where the fact is present (null -> false)."""
    if leaf.op == "between":
        low, high = leaf.value
        test = (col >= low) & (col <= high)
    elif leaf.op == "outside":
        low, high = leaf.value
        test = (col < low) | (col > high)
    elif leaf.op in ("in", "not_in"):
        values = pl.Series(list(leaf.value), dtype=KIND_DTYPE[leaf.type]).implode()  # never empty
        if leaf.type == "number":  # whole-number columns (age, size) against real values
            col = col.cast(pl.Float64)
        test = col.is_in(values) if leaf.op == "in" else ~col.is_in(values)
    else:
        test = COMPARE[leaf.op](col, leaf.value)
    return (col.is_not_null() & test).fill_null(False)


def compile_node(node: Node, column: Callable[[str], pl.Expr]) -> pl.Expr:
    """True where a plan's tree matches (never null)."""
    if isinstance(node, Junction):
        parts = [compile_node(n, column) for n in node.items]
        return reduce((lambda a, b: a & b) if node.conj else (lambda a, b: a | b), parts)
    return compile_leaf(node, column(node.fact))


def _any_null(facts: Sequence[str], column: Callable[[str], pl.Expr]) -> pl.Expr:
    if not facts:
        return pl.lit(False)
    return reduce(lambda a, b: a | b, [column(f).is_null() for f in facts])


# --------------------------------------------------------------------------- the compiled plans


@dataclass
class CompiledProgramme:
    slug: str
    plan: ProgrammePlan
    #: member-level sums to compute per group: name -> (matched expr, unknown expr)
    member_columns: dict[str, tuple[pl.Expr, pl.Expr]] = field(default_factory=dict)
    #: criterion id -> outcome expression over the group frame (after member aggregation)
    outcomes: dict[str, pl.Expr] = field(default_factory=dict)


def _column_getter(present: set[str], kinds: dict[str, Fact]) -> Callable[[str], pl.Expr]:
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
#: the facts computed in the group stage rather than read
COMPUTED = {
    "size",
    "as_of",
    "project.total",
    *(f"project.{lv}{s}" for lv in CONTRIBUTION_LEVELS for s in ("", "_pct")),
}


def compile_plan(
    rules: RuleSet,
    as_of: dt.date,
    group_columns: set[str],
    member_columns: set[str],
    programs: list[str] | None = None,
) -> Plan:
    """Compile the programmes of `rules` (or only `programs`) for the date `as_of`, for frames
    that carry `group_columns` / `member_columns` (other facts are unknown)."""
    gcol = _column_getter(group_columns | COMPUTED, GROUP_FACTS)
    mcol = _column_getter(member_columns, MEMBER_FACTS)
    compiled: list[CompiledProgramme] = []
    for idx, slug in enumerate(programs or rules.slugs):
        plan = plan_for(rules.get(slug), rules.digests[slug], as_of)
        cp = CompiledProgramme(slug=slug, plan=plan)
        for crit in plan.criteria:
            if crit.match is None:
                cp.outcomes[crit.id] = pl.lit(None, pl.Boolean)  # no parameter value in force
            elif crit.scope == "member":
                assert crit.count is not None
                if crit.facts and not any(f in member_columns for f in crit.facts):
                    # none of its facts is in the population: every comparison needs its fact,
                    # so no member matches and every member is unknown (nothing to count)
                    p, u = pl.lit(0, pl.Int64), pl.col(N_MEMBERS)
                else:
                    m = compile_node(crit.match, mcol)
                    name = f"__p{idx}_{crit.id}"
                    cp.member_columns[name] = (m, ~m & _any_null(crit.facts, mcol))
                    p, u = pl.col(name + "_p"), pl.col(name + "_u")
                cp.outcomes[crit.id] = member_outcome(POLARS, crit.count, p, u, pl.col(N_MEMBERS))
            else:
                cp.outcomes[crit.id] = group_outcome(
                    POLARS, compile_node(crit.match, gcol), _any_null(crit.facts, gcol)
                )
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


def _computed_facts(plan: Plan) -> list[pl.Expr]:
    """The facts computed from others (engine/facts.py), on columns: size, the date, a
    project's total and shares; and every real-number fact normalised as rules compare it."""
    out = [pl.col(N_MEMBERS).alias("size"), pl.lit(plan.as_of).alias("as_of")]
    levels = [f"project.{lv}" for lv in CONTRIBUTION_LEVELS]
    if all(c in plan.group_columns for c in levels):
        amounts = {lv: pl.col(f"project.{lv}").cast(pl.Float64) for lv in CONTRIBUTION_LEVELS}
        out += [expr.alias(name) for name, expr in contribution_facts(POLARS, amounts).items()]
    else:  # no contributions in the population: not known
        out += [pl.lit(None, pl.Float64).alias(n) for n in COMPUTED - {"size", "as_of"}]
    return out


def _normalised(plan: Plan) -> list[pl.Expr]:
    reals = [n for n, f in GROUP_FACTS.items() if f.type == "number" and not f.integer]
    return [POLARS.normalise(pl.col(n)).alias(n) for n in reals if n in plan.group_columns or n in COMPUTED]


def group_stage(plan: Plan, frame: pl.LazyFrame) -> pl.LazyFrame:
    """From one row per group (group facts, `N_MEMBERS` and the member aggregates, null where
    the group has no members) to `eligible_i` (nullable bool) and `failed_i` for each
    programme i: a bit set over `rule.ids()` (bit k: the k-th item is named), which
    `name_failures` turns into the ids. Joining strings for every group costs several times
    more than the rest of this stage, and a population has only a few distinct sets."""
    counted = [c for cp in plan.programmes for c in cp.member_columns]
    fill = [pl.col(N_MEMBERS).fill_null(0)] + [
        pl.col(c + s).fill_null(0) for c in counted for s in ("_p", "_u")
    ]
    frame = frame.with_columns(fill).with_columns(_computed_facts(plan)).with_columns(_normalised(plan))
    outcome_cols: list[pl.Expr] = []
    results: list[pl.Expr] = []
    for idx, cp in enumerate(plan.programmes):
        outcome_cols += [expr.alias(_outcome_col(idx, cid)) for cid, expr in cp.outcomes.items()]

        def outcome(cid: str, idx: int = idx) -> pl.Expr:
            return pl.col(_outcome_col(idx, cid))

        rule = cp.plan.eligibility
        results += [
            eligible(POLARS, rule, outcome).alias(f"eligible_{idx}"),
            _bits(blocking(POLARS, rule, outcome, False)).alias(f"failed_{idx}"),
            _bits(blocking(POLARS, rule, outcome, None)).alias(f"unknown_{idx}"),
        ]
    return frame.with_columns(outcome_cols).with_columns(results)


def _bits(parts: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """A bit set over the items `blocking` lists (bit k: the k-th is named)."""
    return pl.sum_horizontal(
        [
            pl.when(inc).then(pl.lit(1 << k, pl.UInt64)).otherwise(pl.lit(0, pl.UInt64))
            for k, (_, inc) in enumerate(parts)
        ]
    )


def unknown_counts(plan: Plan, wide: pl.DataFrame) -> dict[str, dict[tuple[str, ...], int]]:
    """Per programme slug, the sets of criteria that keep a group's answer "cannot tell" (from
    `group_stage`'s `unknown_i` bit sets) -> how many groups have that set."""
    out: dict[str, dict[tuple[str, ...], int]] = {}
    for i, cp in enumerate(plan.programmes):
        ids = cp.plan.eligibility.ids()
        counts = out.setdefault(cp.slug, {})
        for bits, n in wide.get_column(f"unknown_{i}").value_counts().iter_rows():
            if bits:
                named = tuple(cid for k, cid in enumerate(ids) if bits >> k & 1)
                counts[named] = counts.get(named, 0) + n
    return out


def outcome_columns(plan: Plan) -> dict[str, tuple[str, str]]:
    """column name -> (programme, criterion) of each criterion's outcome in `group_stage`'s
    frame (true pass, false fail, null unknown)."""
    return {
        _outcome_col(idx, cid): (cp.slug, cid)
        for idx, cp in enumerate(plan.programmes)
        for cid in cp.outcomes
    }


def name_failures(plan: Plan, wide: pl.DataFrame) -> pl.DataFrame:
    """`failed_i` from `group_stage`'s bit sets to the criterion ids, in rule order, joined by
    ';' (null when none), as an Enum of the lists that occur: a population has only a few, and
    an Enum is made and written faster than a text per group."""
    tables: list[dict[int, str]] = []
    for i, cp in enumerate(plan.programmes):
        ids = cp.plan.eligibility.ids()  # the order of `blocking`
        sets = [bits for bits in wide.get_column(f"failed_{i}").unique().to_list() if bits]
        tables.append({bits: ";".join(cid for k, cid in enumerate(ids) if bits >> k & 1) for bits in sets})
    listed = pl.Enum(list(dict.fromkeys(name for table in tables for name in table.values())))
    # the empty set (0) is the one value left out of a table: no failed criterion, null
    return wide.with_columns(
        pl.col(f"failed_{i}").replace_strict(table, default=None, return_dtype=listed)
        for i, table in enumerate(tables)
    )


def _result_columns(plan: Plan) -> list[str]:
    return [f"{k}_{i}" for i in range(len(plan.programmes)) for k in ("eligible", "failed")]
