"""The plan: a programme normalised once per date into what both evaluators run, and the
three-valued semantics of the rule language, written once.

`plan_for(programme, digest, day)` resolves the parameters in force on the day and turns each
criterion's condition into a tree of comparisons (`Leaf`) joined by and / or, with every `not`
pushed down to the comparisons (so a comparison matches only when its fact is present, which
makes "not known" never look like "no"); a member criterion keeps its quantifier; a criterion
whose parameter has no value in force has no tree and is unknown. Values are normalised as the
facts are (engine/algebra.py). Plans are cached: they change only with the rule file and the
set of parameter values in force.

Each evaluator only compares leaves and counts: engine/evaluate.py (durable-rules, one group)
matches the trees, engine/vectorised.py (polars, a population) compiles them to expressions.
What the matches mean is decided here, by functions of an `Algebra` that both run:

- a group criterion passes when its tree matches, else is unknown when a fact it compares is
  missing, else fails (`group_outcome`);
- a member quantifier counts the members that match (p), that do not and miss a fact the tree
  compares (u), and all of them (n), and decides over every count in [p, p + u]
  (`member_outcome`, `count_outcome`);
- eligibility is Kleene all / any over the criteria (`eligible`), and `blocking` names the
  criteria that make it false or unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.algebra import TRI, Algebra, Tri
from engine.facts import FACTS
from engine.schema import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Criterion,
    Members,
    NotOf,
    Programme,
    Rule,
    Scalar,
    compared_facts,
    walk,
)
from engine.vocabulary import FactType, Scope

LeafOp = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between", "outside"]

#: each operator's negation: `not (x between [a, b])` is `x outside [a, b]` (x < a or x > b)
NEGATED: dict[str, LeafOp] = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "in": "not_in",
    "not_in": "in",
    "between": "outside",
    "outside": "between",
}

#: the comparison of each operator, for values that Python and polars both compare
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Leaf:
    """`fact op value`, true only when the fact is present. `value` is a tuple for in, not_in,
    between and outside."""

    fact: str
    op: LeafOp
    value: Any
    type: FactType


@dataclass(frozen=True)
class Junction:
    """All (`conj`) or any of its items."""

    conj: bool
    items: tuple[Node, ...]


Node = Leaf | Junction


@dataclass(frozen=True)
class Count:
    """A member quantifier: all / any / none of the members match, or how many (count, share)
    compared by `op` with `threshold`."""

    quantifier: Literal["all", "any", "none", "count", "share"]
    op: str | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class CriterionPlan:
    id: str
    scope: Scope
    required: bool
    #: what must match (for a member criterion: in each member); None when a parameter it
    #: uses has no value in force on the date (the criterion is then unknown)
    match: Node | None
    #: the facts it compares: one that is missing makes a non-match unknown
    facts: tuple[str, ...]
    count: Count | None = None
    #: the parameters it uses, and those with no value in force on the date
    params: tuple[str, ...] = ()
    missing_params: tuple[str, ...] = ()
    #: the criterion's own period (valid_from, valid_to) when the date is outside it (the
    #: criterion is then unknown, as with a parameter that has no value in force)
    out_of_period: tuple[dt.date | None, dt.date | None] | None = None


@dataclass(frozen=True)
class ProgrammePlan:
    slug: str
    digest: str
    #: the programme, its rule file's hash and the parameter values in force: names the
    #: compiled forms (a durable-rules ruleset, a polars expression set)
    key: str
    params: Mapping[str, Scalar]
    criteria: tuple[CriterionPlan, ...]
    eligibility: Rule

    def criterion(self, cid: str) -> CriterionPlan:
        return next(c for c in self.criteria if c.id == cid)


# --------------------------------------------------------------------------- normalising


def _leaf_value(type_: FactType, value: Any) -> Any:
    """A rule value as it is compared with a fact of `type_` (the rule checker has made sure
    the type fits): numbers normalised as facts are."""
    return TRI.normalise(value) if type_ == "number" else value


def normalise(cond: Condition, params: Mapping[str, Scalar], scope: Scope, negate: bool = False) -> Node:
    """A condition as a tree of leaves, `not` pushed down (De Morgan) and parameters replaced."""
    if isinstance(cond, NotOf):
        return normalise(cond.not_, params, scope, not negate)
    if isinstance(cond, (AllOf, AnyOf)):
        children = cond.all if isinstance(cond, AllOf) else cond.any
        conj = isinstance(cond, AllOf) != negate
        return Junction(conj, tuple(normalise(c, params, scope, negate) for c in children))
    if isinstance(cond, Compare):
        type_ = FACTS[scope][cond.fact].type
        raw = params[cond.param] if cond.param is not None else cond.value
        op: LeafOp = NEGATED[cond.op] if negate else cond.op
        if isinstance(raw, list):
            value: Any = tuple(_leaf_value(type_, v) for v in raw)
        else:
            value = _leaf_value(type_, raw)
        return Leaf(cond.fact, op, value, type_)
    raise TypeError(f"a {type(cond).__name__} cannot be nested here")  # the schema forbids it


def _criterion_plan(
    crit: Criterion, required: bool, params: Mapping[str, Scalar], day: dt.date
) -> CriterionPlan:
    cond = crit.condition
    used = tuple(dict.fromkeys(p for n in walk(cond) if (p := getattr(n, "param", None)) is not None))
    missing = tuple(p for p in used if p not in params)
    period = None if crit.in_force_on(day) else (crit.valid_from, crit.valid_to)
    scope: Scope = "member" if isinstance(cond, Members) else "group"
    where = cond.where if isinstance(cond, Members) else cond
    count = None
    if isinstance(cond, Members):
        threshold = None
        if cond.members in ("count", "share") and not missing:
            raw = params[cond.param] if cond.param is not None else cond.value
            threshold = float(raw)  # type: ignore[arg-type]
        count = Count(cond.members, cond.op, threshold)
    return CriterionPlan(
        id=crit.id,
        scope=scope,
        required=required,
        match=None if missing or period else normalise(where, params, scope),
        facts=tuple(compared_facts(where)),
        count=count,
        params=used,
        missing_params=missing,
        out_of_period=period,
    )


_plans: dict[tuple[str, str, str], ProgrammePlan] = {}
_plans_lock = threading.Lock()


def plan_for(programme: Programme, digest: str, day: dt.date) -> ProgrammePlan:
    """The plan of `programme` (whose rule file hashes to `digest`) on `day`; cached by the
    parameter values in force."""
    params = programme.params_on(day)
    # what differs from one date to another: the parameter values and the criteria out of period
    outside = [c.id for c in programme.criteria if not c.in_force_on(day)]
    in_force = json.dumps([sorted(params.items()), outside], default=str)
    cache_key = (programme.slug, digest, in_force)
    plan = _plans.get(cache_key)
    if plan is None:
        required = set(programme.eligibility.ids())
        plan = ProgrammePlan(
            slug=programme.slug,
            digest=digest,
            key=f"{programme.slug}-{digest}-{hashlib.sha256(in_force.encode()).hexdigest()[:10]}",
            params=params,
            criteria=tuple(_criterion_plan(c, c.id in required, params, day) for c in programme.criteria),
            eligibility=programme.eligibility,
        )
        with _plans_lock:
            plan = _plans.setdefault(cache_key, plan)
    return plan


# --------------------------------------------------------------------------- semantics


def group_outcome(alg: Algebra, matched: Any, missing: Any) -> Any:
    """A group criterion: pass (true) when it matched, else unknown (None) when a fact it
    compares is missing, else fail (false)."""
    return alg.choose(matched, alg.const(True), alg.choose(missing, alg.const(None), alg.const(False)))


def count_outcome(alg: Algebra, op: str, threshold: float, p: Any, u: Any, n: Any, share: bool) -> Any:
    """Whether `count op threshold` holds for every (true), no (false) or only some (None) of
    the counts k in [p, p + u] that the u members with a fact missing leave open; for a share,
    k / n (0 for an empty group)."""

    def x(k: Any) -> Any:
        return alg.ratio(k, n) if share else alg.number(k)

    holds = COMPARE[op]
    low, high = holds(x(p), threshold), holds(x(p + u), threshold)
    if op in ("<", "<=", ">", ">="):
        # x(k) never decreases with k, so a threshold test is settled by the two ends
        return alg.choose(low == high, low, alg.const(None))
    # == and !=: x(k) differs for every k, so `==` holds for at most one k; when that k is in
    # the range (and u > 0, so the range has others) the answer depends on the unknowns
    if share:
        k0 = alg.round(threshold * n)
        hit = (k0 >= p) & (k0 <= p + u) & (alg.ratio(k0, n) == threshold)
    else:
        hit = (threshold == round(threshold)) & (p <= threshold) & (p + u >= threshold)
    return alg.choose(u == 0, low, alg.choose(hit, alg.const(None), alg.const(op == "!=")))


def member_outcome(alg: Algebra, count: Count, p: Any, u: Any, n: Any) -> Any:
    """A member criterion from its counts: p members match, u do not and miss a fact, of n."""
    if count.quantifier == "all":  # every member matches: fails when one definitely does not
        return alg.choose(
            n - p - u > 0, alg.const(False), alg.choose(u > 0, alg.const(None), alg.const(True))
        )
    if count.quantifier == "any":
        return alg.choose(p > 0, alg.const(True), alg.choose(u > 0, alg.const(None), alg.const(False)))
    if count.quantifier == "none":
        return alg.choose(p > 0, alg.const(False), alg.choose(u > 0, alg.const(None), alg.const(True)))
    assert count.threshold is not None and count.op is not None
    return count_outcome(alg, count.op, count.threshold, p, u, n, count.quantifier == "share")


def eligible(alg: Algebra, rule: Rule, outcome: Callable[[str], Any]) -> Any:
    """Kleene all / any of the criteria's outcomes (true, false, unknown)."""
    values = [outcome(i) if isinstance(i, str) else eligible(alg, i, outcome) for i in rule.items]
    return alg.all(values) if rule.all is not None else alg.any(values)


def blocking(
    alg: Algebra, rule: Rule, outcome: Callable[[str], Any], result: Tri, gate: Any = None
) -> list[tuple[str, Any]]:
    """(criterion id, named?) for every item of `rule` in order: the named ones are those that
    make the rule come out `result` (False or None). In an `all`, the items with that result
    (a nested rule only when it has it); in an `any`, every item that did not pass. `gate` is
    whether the enclosing rule came out `result` (at the top: the eligibility itself)."""
    if gate is None:
        gate = alg.is_(eligible(alg, rule, outcome), result)
    out: list[tuple[str, Any]] = []
    for item in rule.items:
        if isinstance(item, str):
            out.append((item, alg.all([gate, alg.is_(outcome(item), result)])))
            continue
        value = eligible(alg, item, outcome)
        down = alg.is_(value, result) if rule.all is not None else alg.not_(alg.is_(value, True))
        out += blocking(alg, item, outcome, result, alg.all([gate, down]))
    return out


def named(parts: Sequence[tuple[str, bool]]) -> list[str]:
    """The ids `blocking` names, on Python values."""
    return [cid for cid, included in parts if included]
