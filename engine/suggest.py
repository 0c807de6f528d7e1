"""What would make a group eligible: for each programme it is not eligible for (or cannot be
judged for), the changes that would make it eligible, computed from the programme's plan.

Nothing here is written per programme. The criteria to make pass are chosen from the
eligibility rule (every item of an `all`, the cheapest item of an `any`); each criterion's
condition tree, normalised in its plan (engine/plan.py), is read as alternatives (a disjunction
of conjunctions of comparisons), and the cheapest alternative becomes changes:

- a fact the group states gets a value the comparisons accept (the current one kept where it
  does), a member fact by changing that member (in practice, who holds that place);
- the number of members by adding members that meet every member criterion of the programme;
- a count or share of members by changing the members nearest to meeting it, one at a time;
- a project's shares by new amounts, with the total kept;
- the date, the place and what the territory tables say cannot be changed by the group: such a
  step is marked not feasible (`outside`), with the date moved where that helps the reader.

Whether a change is in the group's hands is declared once, per fact, in the vocabulary
(`changeable`, engine/vocabulary.py). The steps are applied to a copy of the group document and
judged again with the plan's semantics, round after round, until the programme is eligible or
no step is left to take; then the real engine judges the changed document once more, and a
suggestion is `feasible` only when every step is in the group's hands and that check says
eligible. Each step carries its JSON Patch operations (RFC 6902) on the group document.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from engine.algebra import TRI, Tri
from engine.explain import day_text, fact_label, one_of, value_label, value_text
from engine.facts import GROUP_FACTS, MEMBER_FACTS, group_facts, member_facts
from engine.messages import Lang, t
from engine.plan import (
    COMPARE,
    NEGATED,
    CriterionPlan,
    Junction,
    Leaf,
    Node,
    ProgrammePlan,
    group_outcome,
    member_outcome,
    plan_for,
)
from engine.plan import eligible as plan_eligible
from engine.schema import (
    Determination,
    FactToCollect,
    Group,
    GroupResult,
    Programme,
    Rule,
    Step,
    Suggestion,
)
from engine.territory import lookup
from engine.vocabulary import Fact

if TYPE_CHECKING:
    from engine.eligibility import EligibilityEngine

#: rounds of changes before giving up (each round re-judges the changed group)
MAX_ROUNDS = 6
#: alternatives a condition is read into at most (its disjunctive form)
MAX_TERMS = 64
#: members changed one at a time to reach a count or share, at most
MAX_MEMBER_EDITS = 200

Doc = dict[str, Any]
StepKind = Literal["change", "add_members", "collect", "outside"]
Term = dict[str, tuple[Leaf, ...]]  # fact -> the comparisons it must pass


# --------------------------------------------------------------------------- the plan's semantics


def holds(leaf: Leaf, value: Any) -> bool:
    """Whether a present value passes a comparison (as both evaluators compare it)."""
    if value is None:
        return False
    try:
        if leaf.op == "in":
            return bool(value in leaf.value)
        if leaf.op == "not_in":
            return bool(value not in leaf.value)
        if leaf.op == "between":
            return bool(leaf.value[0] <= value <= leaf.value[1])
        if leaf.op == "outside":
            return bool(value < leaf.value[0] or value > leaf.value[1])
        return bool(COMPARE[leaf.op](value, leaf.value))
    except TypeError:
        return False


def matches(node: Node, facts: Mapping[str, Any]) -> bool:
    """A tree matches when its comparisons do; a comparison of a missing fact does not."""
    if isinstance(node, Leaf):
        return holds(node, facts.get(node.fact))
    results = (matches(item, facts) for item in node.items)
    return all(results) if node.conj else any(results)


def negate(node: Node) -> Node:
    """The tree that matches where `node` does not (with every fact present)."""
    if isinstance(node, Leaf):
        return Leaf(node.fact, NEGATED[node.op], node.value, node.type)
    return Junction(not node.conj, tuple(negate(i) for i in node.items))


def terms(node: Node) -> list[Term]:
    """The tree as alternatives: each a set of comparisons per fact, all to pass together."""
    if isinstance(node, Leaf):
        return [{node.fact: (node,)}]
    parts = [terms(item) for item in node.items]
    if not node.conj:
        return [term for part in parts for term in part][:MAX_TERMS]
    out: list[Term] = [{}]
    for part in parts:
        out = [_merge(a, b) for a, b in itertools.product(out, part)][:MAX_TERMS]
    return out


def _merge(a: Term, b: Term) -> Term:
    out = dict(a)
    for fact, leaves in b.items():
        out[fact] = out.get(fact, ()) + leaves
    return out


def outcomes(
    plan: ProgrammePlan, facts: Mapping[str, Any], members: Sequence[Mapping[str, Any]]
) -> dict[str, Tri]:
    """Every criterion's outcome, as engine/plan.py defines it, on Python values."""
    out: dict[str, Tri] = {}
    for crit in plan.criteria:
        if crit.match is None:
            out[crit.id] = None
        elif crit.scope == "group":
            missing = any(f not in facts for f in crit.facts)
            out[crit.id] = group_outcome(TRI, matches(crit.match, facts), missing)
        else:
            assert crit.count is not None
            p, u = _member_counts(crit, members)
            out[crit.id] = member_outcome(TRI, crit.count, p, u, len(members))
    return out


def _member_counts(crit: CriterionPlan, members: Sequence[Mapping[str, Any]]) -> tuple[int, int]:
    assert crit.match is not None
    p = u = 0
    for m in members:
        if matches(crit.match, m):
            p += 1
        elif any(f not in m for f in crit.facts):
            u += 1
    return p, u


# --------------------------------------------------------------------------- values


def _domain(spec: Fact, leaves: Iterable[Leaf], current: Any) -> list[Any]:
    """The values worth trying for a fact: those the comparisons name (and their
    neighbours, for numbers and dates), its choices, its example, and its current value."""
    named: list[Any] = []
    for leaf in leaves:
        named += list(leaf.value) if isinstance(leaf.value, tuple) else [leaf.value]
    if spec.type == "bool":
        return [True, False]
    out: list[Any] = []
    if spec.example is not None:
        out.append(spec.example)
    if spec.choices is not None:
        return list(
            dict.fromkeys([*out, *[v for v in named if v in (spec.values or [])], *(spec.values or [])])
        )
    if spec.type == "number":
        step = 1.0 if spec.integer else 0.01
        for v in named:
            if isinstance(v, (int, float)):
                out += [v, v + step, v - step]
        out += [b for b in (spec.ge, spec.le) if b is not None]
        if spec.integer:
            out = [int(round(x)) for x in out]
        low = spec.ge if spec.ge is not None else float("-inf")
        high = spec.le if spec.le is not None else float("inf")
        out = [x for x in out if low <= x <= high]
    elif spec.type == "date":
        one = dt.timedelta(days=1)
        for v in named:
            if isinstance(v, dt.date):
                out += [v, v + one, v - one]
    else:
        out += named
    if current is not None:
        out.append(current)
    return list(dict.fromkeys(out))


def choose_value(spec: Fact, leaves: Sequence[Leaf], current: Any) -> tuple[bool, Any]:
    """(found, value): the current value where it passes every comparison, else the passing
    value nearest to it (numbers, dates), else the first the rule names."""
    if current is not None and all(holds(leaf, current) for leaf in leaves):
        return True, current
    allowed = [v for v in _domain(spec, leaves, current) if all(holds(leaf, v) for leaf in leaves)]
    if not allowed:
        return False, None
    if current is not None and spec.type in ("number", "date"):
        try:
            return True, min(allowed, key=lambda v: abs(v - current))
        except TypeError:
            pass
    return True, allowed[0]


# --------------------------------------------------------------------------- words


def _cmp_words(
    fact: str, leaves: Sequence[Leaf], lang: Lang, member: bool, country: str | None
) -> tuple[str, bool]:
    """(the values asked for, in words; whether the requirement is a negation)."""

    def label(v: Any) -> str:
        return value_label(fact, v, lang, member, country)

    lows = [lf for lf in leaves if lf.op in (">=", ">")]
    highs = [lf for lf in leaves if lf.op in ("<=", "<")]
    if len(leaves) == 2 and len(lows) == 1 and len(highs) == 1 and lows[0].op == ">=" and highs[0].op == "<=":
        return t("suggest.cmp.between", lang, low=label(lows[0].value), high=label(highs[0].value)), False
    parts: list[str] = []
    negative = False
    for leaf in leaves:
        if leaf.op == "==":
            parts.append(label(leaf.value))
        elif leaf.op == "!=":
            parts.append(label(leaf.value))
            negative = True
        elif leaf.op == "in":
            parts.append(one_of([label(v) for v in leaf.value], lang))
        elif leaf.op == "not_in":
            parts.append(one_of([label(v) for v in leaf.value], lang, negative=True))
            negative = True
        elif leaf.op == "between":
            parts.append(t("suggest.cmp.between", lang, low=label(leaf.value[0]), high=label(leaf.value[1])))
        elif leaf.op == "outside":
            parts.append(t("suggest.cmp.outside", lang, low=label(leaf.value[0]), high=label(leaf.value[1])))
        else:
            key = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[leaf.op]
            parts.append(t(f"suggest.cmp.{key}", lang, value=label(leaf.value)))
    return f" {t('explain.and', lang)} ".join(parts), negative


def requirement(
    fact: str,
    leaves: Sequence[Leaf],
    lang: Lang,
    subject: str,
    member: bool = False,
    masculine: bool = False,
    country: str | None = None,
) -> str:
    """A requirement on a fact as a sentence: "la integrante 5 debe tener al menos 18 años",
    "quién propone el proyecto debe ser club de migrantes o federación de migrantes"."""
    spec = (MEMBER_FACTS if member else GROUP_FACTS)[fact]
    if spec.type == "bool" and all(leaf.op in ("==", "!=") for leaf in leaves):
        wanted = all((leaf.op == "==") == bool(leaf.value) for leaf in leaves)
        predicate = _predicate(spec, lang, masculine, "")
        if predicate is None:
            value = t("explain.yes" if wanted else "explain.no", lang)
            return _cap(t("suggest.fact_must", lang, label=spec.label[lang], value=value))
        return _cap(
            t("suggest.must" if wanted else "suggest.must_not", lang, subject=subject, predicate=predicate)
        )
    words, negative = _cmp_words(fact, leaves, lang, member, country)
    predicate = _predicate(spec, lang, masculine, words)
    if predicate is None:
        key = "suggest.fact_must_not" if negative else "suggest.fact_must"
        return _cap(t(key, lang, label=spec.label[lang], value=words))
    return _cap(
        t("suggest.must_not" if negative else "suggest.must", lang, subject=subject, predicate=predicate)
    )


def _predicate(spec: Fact, lang: Lang, masculine: bool, words: str) -> str | None:
    if spec.predicate is None:
        return None
    template = (
        spec.predicate.get("es_m", spec.predicate["es"])
        if lang == "es" and masculine
        else spec.predicate[lang]
    )
    return template.replace("{value}", words)


def all_of(items: Sequence[str], lang: Lang) -> str:
    """`a, b y c`."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {t('explain.and', lang)} {items[-1]}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def member_subject(index: int, member: Mapping[str, Any], lang: Lang) -> str:
    """`la integrante 5` / `el integrante 5` / `integrante 5` (sex not known), 1-based."""
    sex = member.get("sex")
    return t(f"suggest.member.{sex if sex in ('F', 'M') else 'other'}", lang, n=index + 1)


def _only_another_person(fact: str, current: Any, wanted: Any) -> bool:
    """Whether a member's fact can take `wanted` only in another person: who she is
    (`personal`: fixed, or grows and `wanted` is lower)."""
    personal = MEMBER_FACTS[fact].personal
    if current is None or personal is None or current == wanted:
        return False
    return personal == "fixed" or wanted < current


def _now(fact: str, value: Any, lang: Lang, member: bool, country: str | None, project: bool = True) -> str:
    if not project and fact.startswith("project."):
        return t("suggest.now_no_project", lang)
    if value is None:
        return t("suggest.now_unknown", lang, label=fact_label(fact, lang, member))
    return t("suggest.now", lang, value=value_label(fact, value, lang, member, country))


# --------------------------------------------------------------------------- the group document


def document(group: Group) -> Doc:
    """The group document as the API reads it: what JSON Patch paths refer to."""
    return group.model_dump(mode="json", exclude_none=True)


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def diff(before: Any, after: Any, path: tuple[str | int, ...] = ()) -> list[dict[str, Any]]:
    """JSON Patch operations that turn `before` into `after` (objects member by member, lists
    by appending or removing at the end). An object member is set with `add`, which replaces
    a value that is there and creates one that is not, so the operations also apply to a
    document that left out a default."""
    if isinstance(before, dict) and isinstance(after, dict):
        ops: list[dict[str, Any]] = []
        for key, value in after.items():
            if key not in before:
                ops.append({"op": "add", "path": _pointer((*path, key)), "value": copy.deepcopy(value)})
            elif before[key] != value:
                if isinstance(value, (dict, list)) and isinstance(before[key], type(value)) and before[key]:
                    ops += diff(before[key], value, (*path, key))
                else:
                    ops.append({"op": "add", "path": _pointer((*path, key)), "value": copy.deepcopy(value)})
        for key in before:
            if key not in after:
                ops.append({"op": "remove", "path": _pointer((*path, key))})
        return ops
    if isinstance(before, list) and isinstance(after, list):
        ops = []
        for i, (a, b) in enumerate(zip(before, after, strict=False)):
            if a != b:
                ops += diff(a, b, (*path, i))
        for value in after[len(before) :]:
            ops.append({"op": "add", "path": _pointer((*path, "-")), "value": copy.deepcopy(value)})
        for i in range(len(before) - 1, len(after) - 1, -1):
            ops.append({"op": "remove", "path": _pointer((*path, i))})
        return ops
    return [] if before == after else [{"op": "add", "path": _pointer(path), "value": copy.deepcopy(after)}]


def _set(doc: Doc, path: Sequence[str], value: Any) -> None:
    node = doc
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# --------------------------------------------------------------------------- one programme


@dataclass
class Situation:
    """A copy of the group document being changed, and how the programme judges it now."""

    doc: Doc
    day: dt.date
    group: Group
    facts: dict[str, Any]
    members: list[dict[str, Any]]
    plan: ProgrammePlan
    outcomes: dict[str, Tri]
    eligible: Tri


class Advisor:
    """The changes that would make one group eligible for one programme."""

    def __init__(
        self, engine: EligibilityEngine, programme: Programme, group: Group, day: dt.date, lang: Lang
    ) -> None:
        self.engine = engine
        self.programme = programme
        self.digest = engine.rules.digests[programme.slug]
        self.lang = lang
        self.original = document(group)
        self.territory = lookup(group.country, group.territory)
        self.start_day = day
        #: criteria a step out of the group's hands is about: taken as passing from then on,
        #: so that the steps the group can take are found too
        self.assumed: set[str] = set()
        self.project = group.project is not None

    # ---- judging a document

    def situation(self, doc: Doc, day: dt.date) -> Situation:
        group = Group.model_validate(doc)
        facts = group_facts(group, self.territory, day)
        members = [member_facts(m) for m in group.members]
        plan = plan_for(self.programme, self.digest, day)
        result = outcomes(plan, facts, members)
        result.update(dict.fromkeys(self.assumed & set(result), True))
        eligible = plan_eligible(TRI, self.programme.eligibility, result.__getitem__)
        return Situation(doc, day, group, facts, members, plan, result, eligible)

    # ---- the whole suggestion

    def suggestion(self, det: Determination, request_day: dt.date | None) -> Suggestion | None:
        lang = self.lang
        doc = copy.deepcopy(self.original)
        day = self.start_day
        steps: list[Step] = []
        if det.status_reason == "other_country":
            text = t(
                "suggest.other_country",
                lang,
                country=value_label("country", self.programme.country, lang),
            )
            return Suggestion(feasible=False, steps=[self._outside(text, [], [])], changes=[])
        period = self._period_step(doc, day)
        if period is not None:
            step, day = period
            steps.append(step)
        for _ in range(MAX_ROUNDS):
            now = self.situation(doc, day)
            if now.eligible is True:
                break
            taken = self._round(now)
            if not taken:
                break
            steps += taken
        if not steps:
            return None
        changed = [op for s in steps for op in s.changes]
        feasible = all(s.feasible for s in steps) and self._verified(doc, day, request_day)
        return Suggestion(feasible=feasible, steps=steps, changes=changed)

    def _verified(self, doc: Doc, day: dt.date, request_day: dt.date | None) -> bool:
        """Whether the real engine finds the changed document eligible."""
        try:
            group = Group.model_validate(doc)
            as_of = request_day if day == self.start_day else day
            result = self.engine.check(group, as_of, self.lang, [self.programme.slug])
        except Exception:  # noqa: BLE001 - a change the engine refuses is a suggestion that fails
            return False
        return result.determinations[0].status == "eligible"

    def _outside(self, text: str, criteria: list[str], changes: list[dict[str, Any]]) -> Step:
        self.assumed.update(criteria)
        return Step(
            criterion=criteria[0] if criteria else None,
            text=f"{text} {t('suggest.outside', self.lang)}",
            kind="outside",
            feasible=False,
            changes=changes,
        )

    def _period_step(self, doc: Doc, day: dt.date) -> tuple[Step, dt.date] | None:
        """Outside the programme's period: the date moved to the nearest day of it on which
        every parameter has a value (not the group's to change)."""
        p = self.programme
        lang = self.lang
        if day < p.valid_from:
            text = t(
                "suggest.before_period", lang, day=day_text(day, lang), start=day_text(p.valid_from, lang)
            )
        elif p.valid_to is not None and day > p.valid_to:
            text = t("suggest.after_period", lang, day=day_text(day, lang), end=day_text(p.valid_to, lang))
        else:
            return None
        new_day = self._nearest_day(day)
        before = copy.deepcopy(doc)
        doc["as_of"] = new_day.isoformat()
        return self._outside(text, [], diff(before, doc)), new_day

    def _nearest_day(self, day: dt.date) -> dt.date:
        """The day of the programme's period nearest to `day`, preferring days on which every
        parameter has a value in force."""
        p = self.programme
        end = p.valid_to or max(day, p.valid_from)
        days = {p.valid_from, end}
        for param in p.parameters.values():
            for v in param.values:
                days |= {v.from_, *([v.to] if v.to else [])}
        inside = sorted(d for d in days if p.valid_from <= d <= end)

        def complete(d: dt.date) -> bool:
            return all(v.value_on(d) is not None for v in p.parameters.values())

        return min(inside, key=lambda d: (not complete(d), abs((d - day).days)))

    # ---- one round: the criteria to make pass, and a step for each change

    def _round(self, now: Situation) -> list[Step]:
        needed = self._needed(now)
        steps: list[Step] = []
        group_crits = [c for c in now.plan.criteria if c.id in needed and c.scope == "group"]
        member_crits = [c for c in now.plan.criteria if c.id in needed and c.scope == "member"]
        for crit in group_crits:
            if crit.match is None:
                steps.append(self._no_parameter(crit, now))
        chosen: dict[str, tuple[CriterionPlan, Term]] = {}
        for crit in group_crits:
            if crit.match is not None:
                best = self._best_term(crit, now)
                if best is not None:
                    chosen[crit.id] = (crit, best[1])
        steps += self._group_steps(now, chosen)
        if member_crits:
            steps += self._member_steps(now, member_crits)
        return steps

    def _needed(self, now: Situation) -> set[str]:
        """The criteria to make pass: every item of an `all` that does not pass, and of an
        `any` that does not pass, its cheapest item (feasible first, then fewest changes)."""
        cost: dict[str, tuple[int, int]] = {}
        for crit in now.plan.criteria:
            if now.outcomes[crit.id] is True:
                cost[crit.id] = (0, 0)
            elif crit.match is None:
                cost[crit.id] = (1, 1)
            elif crit.scope == "member":
                cost[crit.id] = (0, 1)
            else:
                best = self._best_term(crit, now)
                cost[crit.id] = best[0] if best is not None else (9, 9)

        def pick(rule: Rule) -> tuple[tuple[int, int], set[str]]:
            options = [
                ((cost[item], {item} if cost[item] != (0, 0) else set()))
                if isinstance(item, str)
                else pick(item)
                for item in rule.items
            ]
            if rule.all is not None:
                total = (sum(c[0] for c, _ in options), sum(c[1] for c, _ in options))
                return total, set().union(*(ids for _, ids in options))
            return min(options, key=lambda o: o[0])

        return pick(self.programme.eligibility)[1]

    # ---- group criteria

    def _best_term(self, crit: CriterionPlan, now: Situation) -> tuple[tuple[int, int], Term] | None:
        """The alternative of a group criterion needing the fewest changes, feasible first:
        ((changes out of the group's hands, changes), alternative)."""
        assert crit.match is not None
        best: tuple[tuple[int, int], Term] | None = None
        for term in terms(crit.match):
            outside = changes = 0
            possible = True
            for fact, leaves in term.items():
                current = now.facts.get(fact)
                if current is not None and all(holds(leaf, current) for leaf in leaves):
                    continue
                spec = GROUP_FACTS[fact]
                if spec.type != "number" or not fact.startswith("project.") and fact != "size":
                    found, _ = choose_value(spec, leaves, current)
                    possible = possible and found
                changes += 1
                outside += not spec.changeable
            if not possible:
                continue
            cost = (outside, changes)
            if best is None or cost < best[0]:
                best = (cost, term)
        return best

    def _no_parameter(self, crit: CriterionPlan, now: Situation) -> Step:
        labels = ", ".join(self.programme.parameters[p].label.get(self.lang) for p in crit.missing_params)
        return self._outside(
            t("suggest.no_parameter", self.lang, params=labels, day=day_text(now.day, self.lang)),
            [crit.id],
            [],
        )

    def _group_steps(self, now: Situation, chosen: Mapping[str, tuple[CriterionPlan, Term]]) -> list[Step]:
        """Steps for the group facts the chosen alternatives need changed: one per stated fact,
        one for a project's shares, one for the number of members, one for the date or place."""
        by_fact: dict[str, list[Leaf]] = {}
        criteria: dict[str, list[str]] = {}
        for cid, (_, term) in chosen.items():
            for fact, needed in term.items():
                current = now.facts.get(fact)
                if current is not None and all(holds(leaf, current) for leaf in needed):
                    continue
                by_fact.setdefault(fact, []).extend(needed)
                criteria.setdefault(fact, []).append(cid)
        steps: list[Step] = []
        shares: dict[str, tuple[Leaf, ...]] = {}
        for fact, leaves in by_fact.items():
            spec = GROUP_FACTS[fact]
            if fact.startswith("project.") and spec.origin == "derived":
                shares[fact] = tuple(leaves)
            elif fact == "size":
                steps += self._size_step(now, leaves, criteria[fact])
            else:
                steps.append(self._fact_step(now, spec, leaves, criteria[fact]))
        if shares:
            keep = self._passing_shares(now)
            merged = {f: (*keep.get(f, ()), *shares.get(f, ())) for f in {*keep, *shares}}
            steps += self._share_step(now, merged, [c for f in shares for c in criteria[f]])
        return steps

    def _fact_step(self, now: Situation, spec: Fact, leaves: Sequence[Leaf], criteria: list[str]) -> Step:
        """A stated fact set to a value the comparisons accept. Not the group's to change (its
        place, its locality, the date), the step is `outside`; a fact of that kind that is not
        known is to find out, and the step gives the value that would do."""
        current = now.facts.get(spec.name)
        text = self._group_text(spec, leaves, current, t("suggest.group", self.lang), self.programme.country)
        found, value = choose_value(spec, leaves, current)
        before = copy.deepcopy(now.doc)
        if spec.name == "as_of" and found:
            now.doc["as_of"], now.day = value.isoformat(), value
            return self._outside(text, criteria, diff(before, now.doc))
        if not (spec.origin == "input" and spec.path is not None and found):
            return self._outside(text, criteria, [])
        if not spec.changeable and current is not None:
            return self._outside(text, criteria, [])
        _set(now.doc, spec.path, _json(value))
        if not spec.changeable:
            self.assumed.update(criteria)
            text = f"{text} {t('suggest.outside', self.lang)}"
        kind: StepKind = "collect" if current is None and self.project else "change"
        return Step(
            criterion=criteria[0],
            text=text,
            kind=kind,
            feasible=spec.changeable,
            changes=diff(before, now.doc),
        )

    def _group_text(
        self, spec: Fact, leaves: Sequence[Leaf], current: Any, subject: str, country: str
    ) -> str:
        lang = self.lang
        if spec.choices is not None and all(leaf.op in ("==", "in") for leaf in leaves):
            found, value = choose_value(spec, leaves, current)
            choice = next((c for c in spec.choices if c.value == value), None)
            if found and choice is not None and choice.action is not None:
                return f"{_cap(choice.action[lang])} {_now(spec.name, current, lang, False, country, self.project)}"
        text = requirement(spec.name, leaves, lang, subject, country=country)
        return f"{text} {_now(spec.name, current, lang, False, country, self.project)}"

    def _passing_shares(self, now: Situation) -> dict[str, tuple[Leaf, ...]]:
        """The comparisons on a project's shares that passing criteria rely on: new amounts
        must keep them passing."""
        out: dict[str, tuple[Leaf, ...]] = {}
        for crit in now.plan.criteria:
            if crit.scope != "group" or crit.match is None or now.outcomes[crit.id] is not True:
                continue
            if not any(f.startswith("project.") and GROUP_FACTS[f].origin == "derived" for f in crit.facts):
                continue
            for term in terms(crit.match):
                if all(holds(leaf, now.facts.get(f)) for f, leaves in term.items() for leaf in leaves):
                    for f, leaves in term.items():
                        if f.startswith("project.") and GROUP_FACTS[f].origin == "derived":
                            out[f] = out.get(f, ()) + leaves
                    break
        return out

    def _share_step(
        self, now: Situation, shares: Mapping[str, Sequence[Leaf]], criteria: list[str]
    ) -> list[Step]:
        """New amounts for a project's contributions, keeping the total, so that each level's
        share passes its comparisons."""
        from engine.facts import CONTRIBUTION_LEVELS

        lang = self.lang
        project = now.doc.setdefault("project", {})
        known = project.get("contributions")
        amounts = {lv: float((known or {}).get(lv, 0) or 0) for lv in CONTRIBUTION_LEVELS}
        total = sum(amounts.values())
        base = total if known is not None and total > 0 else 100.0
        current = {lv: 100.0 * amounts[lv] / total if total > 0 else 100.0 / len(amounts) for lv in amounts}
        low = dict.fromkeys(amounts, 0.0)
        high = dict.fromkeys(amounts, 100.0)
        for fact, leaves in shares.items():
            level = fact.removeprefix("project.").removesuffix("_pct")
            for leaf in leaves:
                if level not in amounts or not isinstance(leaf.value, (int, float)):
                    continue
                v = float(leaf.value)
                if leaf.op in (">=", ">"):
                    low[level] = max(low[level], v + (0.01 if leaf.op == ">" else 0.0))
                elif leaf.op in ("<=", "<"):
                    high[level] = min(high[level], v - (0.01 if leaf.op == "<" else 0.0))
                elif leaf.op == "==":
                    low[level], high[level] = max(low[level], v), min(high[level], v)
        if (
            sum(low.values()) > 100.0 + 1e-9
            or sum(high.values()) < 100.0 - 1e-9
            or any(low[k] > high[k] for k in low)
        ):
            return []
        target = {k: min(max(current[k], low[k]), high[k]) for k in current}
        gap = 100.0 - sum(target.values())
        room = {k: (high[k] - target[k]) if gap > 0 else (target[k] - low[k]) for k in target}
        spare = sum(room.values())
        if abs(gap) > 1e-9 and spare > 0:
            for k in target:
                target[k] += gap * room[k] / spare
        before = copy.deepcopy(now.doc)
        new = {k: round(base * target[k] / 100.0, 2) for k in target}
        project["contributions"] = {**(known or {}), **new}
        parts = [
            t(
                "suggest.share_part",
                lang,
                label=fact_label(f"project.{k}", lang),
                pct=value_text(round(target[k], 2), lang),
                amount=value_text(new[k], lang),
            )
            for k in target
        ]
        key = (
            "suggest.shares"
            if known is not None and total > 0
            else "suggest.shares_unknown"
            if self.project
            else "suggest.shares_new"
        )
        text = t(key, lang, parts=", ".join(parts), total=value_text(base, lang))
        kind: StepKind = "change" if known is not None else "collect"
        return [
            Step(
                criterion=criteria[0] if criteria else None,
                text=text,
                kind=kind,
                feasible=True,
                changes=diff(before, now.doc),
            )
        ]

    # ---- members

    def _wanted(self, plan: ProgrammePlan) -> list[tuple[CriterionPlan, Node, bool]]:
        """Each member criterion of the programme, its tree, and whether a member should match it
        (True) or not (False) to help it pass."""
        out = []
        for crit in plan.criteria:
            if crit.scope != "member" or crit.match is None or crit.count is None:
                continue
            quantifier, op = crit.count.quantifier, crit.count.op
            want = (
                quantifier in ("all", "any") or quantifier in ("count", "share") and op in (">", ">=", "==")
            )
            out.append((crit, crit.match, want))
        return out

    @staticmethod
    def _helps(facts: Mapping[str, Any], crit: CriterionPlan, tree: Node, want: bool) -> bool:
        """Whether a member already does what `want` asks (a definite "no" needs every fact)."""
        if want:
            return matches(tree, facts)
        return not matches(tree, facts) and all(f in facts for f in crit.facts)

    def _member_fix(
        self, member: Mapping[str, Any], wants: Sequence[tuple[CriterionPlan, Node, bool]]
    ) -> tuple[dict[str, Any], dict[str, tuple[Leaf, ...]]] | None:
        """The fewest fact changes that make one member do what each of `wants` asks: (new
        values, the comparisons behind each); None when no values do."""
        options: list[Term] = [{}]
        for crit, tree, want in wants:
            if self._helps(member, crit, tree, want):
                continue
            alternatives = terms(tree if want else negate(tree))
            if not want:  # every fact present, for a definite "no"
                alternatives = [{**{f: () for f in crit.facts}, **term} for term in alternatives]
            options = [_merge(x, y) for x, y in itertools.product(options, alternatives)][:MAX_TERMS]
        best: tuple[int, dict[str, Any], dict[str, tuple[Leaf, ...]]] | None = None
        for term in options:
            new: dict[str, Any] = {}
            why: dict[str, tuple[Leaf, ...]] = {}
            for fact, leaves in term.items():
                current = member.get(fact)
                if current is not None and all(holds(leaf, current) for leaf in leaves):
                    continue
                found, value = choose_value(MEMBER_FACTS[fact], leaves, current)
                if not found:
                    break
                new[fact], why[fact] = value, leaves
            else:
                if best is None or len(new) < best[0]:
                    best = (len(new), new, why)
        return (best[1], best[2]) if best is not None else None

    def _kept(
        self, facts: Mapping[str, Any], wants: Sequence[tuple[CriterionPlan, Node, bool]], but: str
    ) -> list[tuple[CriterionPlan, Node, bool]]:
        """The member criteria (other than `but`) a member helps now, which a change to that
        member must not undo."""
        return [w for w in wants if w[0].id != but and w[2] and self._helps(facts, *w)]

    def ideal_member(self, plan: ProgrammePlan) -> tuple[dict[str, Any], dict[str, tuple[Leaf, ...]]]:
        """A new member who helps every member criterion of the programme (no facts at all
        when it has none)."""
        return self._member_fix({}, self._wanted(plan)) or ({}, {})

    def _set_member(self, now: Situation, index: int, new: Mapping[str, Any]) -> None:
        if index == len(now.members):
            now.doc.setdefault("members", []).append({})
            now.members.append({})
        for fact, value in new.items():
            _set(now.doc["members"][index], MEMBER_FACTS[fact].path or (fact,), _json(value))
        now.members[index] = {**now.members[index], **new}

    def _member_steps(self, now: Situation, crits: Sequence[CriterionPlan]) -> list[Step]:
        """Steps for the member criteria to make pass: for `all` and `none`, each member that
        keeps it from passing changes; for `any`, a count or a share, members change one at a
        time, or join, until it passes."""
        steps: list[Step] = []
        wants = self._wanted(now.plan)
        for crit, tree, want in wants:
            if crit.id not in {c.id for c in crits}:
                continue
            assert crit.count is not None
            if crit.count.quantifier in ("all", "none"):
                for i, facts in enumerate(list(now.members)):
                    if self._helps(facts, crit, tree, want):
                        continue
                    fix = self._member_fix(facts, [(crit, tree, want), *self._kept(facts, wants, crit.id)])
                    if fix is not None:
                        steps.append(self._edit_step(now, i, *fix, crit.id))
            else:
                steps += self._count_steps(now, crit, tree, want, wants)
        return steps

    def _edit_step(
        self,
        now: Situation,
        index: int,
        new: Mapping[str, Any],
        why: Mapping[str, tuple[Leaf, ...]],
        cid: str,
    ) -> Step:
        """One member changed: "la integrante 5 debe tener al menos 18 años (hoy: 17)"; or, where
        that asks of her what only another person has (another sex, a lower age), replaced:
        "quien sustituya a la integrante 3 debe tener entre 18 y 65 años (hoy: 70)"."""
        lang = self.lang
        facts = dict(now.members[index])
        before = copy.deepcopy(now.doc)
        self._set_member(now, index, new)
        subject = member_subject(index, facts if facts.get("sex") in ("F", "M") else now.members[index], lang)
        if any(_only_another_person(fact, facts.get(fact), value) for fact, value in new.items()):
            subject = t("suggest.replacement", lang, member=subject)
        masculine = now.members[index].get("sex") == "M"
        parts = [
            f"{requirement(fact, leaves, lang, subject, member=True, masculine=masculine)} "
            f"{_now(fact, facts.get(fact), lang, True, None)}"
            for fact, leaves in why.items()
        ]
        kind: StepKind = "collect" if all(facts.get(f) is None for f in new) else "change"
        return Step(
            criterion=cid, text="; ".join(parts), kind=kind, feasible=True, changes=diff(before, now.doc)
        )

    def _count_steps(
        self,
        now: Situation,
        crit: CriterionPlan,
        tree: Node,
        want: bool,
        wants: Sequence[tuple[CriterionPlan, Node, bool]],
    ) -> list[Step]:
        """Members changed one at a time, those needing the fewest changes first, then (when
        that is not enough) new members, until a count or share passes."""
        assert crit.count is not None
        count = crit.count

        def passes() -> bool:
            p, u = _member_counts(crit, now.members)
            return member_outcome(TRI, count, p, u, len(now.members)) is True

        before = copy.deepcopy(now.doc)
        edited: list[int] = []
        why: Mapping[str, tuple[Leaf, ...]] = {}
        was_unknown = True
        while not passes() and len(edited) < MAX_MEMBER_EDITS:
            candidates = []
            for i, facts in enumerate(now.members):
                if i in edited or self._helps(facts, crit, tree, want):
                    continue
                fix = self._member_fix(facts, [(crit, tree, want), *self._kept(facts, wants, crit.id)])
                if fix is not None:
                    candidates.append((len(fix[0]), i, fix))
            if not candidates:
                break
            _, i, (new, why) = min(candidates, key=lambda c: (c[0], c[1]))
            was_unknown = was_unknown and all(now.members[i].get(f) is None for f in new)
            self._set_member(now, i, new)
            edited.append(i)
        steps: list[Step] = []
        if edited:
            who = one_of([member_subject(i, now.members[i], self.lang) for i in edited], self.lang)
            text = t(
                "suggest.more_members",
                self.lang,
                count=len(edited),
                predicate=self._members_requirement(why),
                who=who,
            )
            kind: StepKind = "collect" if was_unknown else "change"
            steps.append(
                Step(criterion=crit.id, text=text, kind=kind, feasible=True, changes=diff(before, now.doc))
            )
        if want and not passes():
            middle = copy.deepcopy(now.doc)
            added = 0
            ideal, _ = self.ideal_member(now.plan)
            while not passes() and added < MAX_MEMBER_EDITS:
                self._set_member(now, len(now.members), ideal)
                added += 1
            if passes():
                steps.append(self._add_step(now, added, crit.id, middle))
        return steps

    def _members_requirement(self, why: Mapping[str, tuple[Leaf, ...]]) -> str:
        """What a member must be, as predicates: "ser beneficiaria de PROSPERA y tener al menos
        18 años"."""
        lang = self.lang
        parts = []
        for fact, leaves in why.items():
            spec = MEMBER_FACTS[fact]
            if not leaves:
                continue
            if spec.type == "bool" and spec.predicate is not None:
                wanted = all((leaf.op == "==") == bool(leaf.value) for leaf in leaves)
                pred = spec.predicate[lang]
                parts.append(pred if wanted else f"{t('suggest.not', lang)} {pred}")
            else:
                words, negative = _cmp_words(fact, leaves, lang, True, None)
                pred = _predicate(spec, lang, False, words) or f"{spec.label[lang]}: {words}"
                parts.append(f"{t('suggest.not', lang)} {pred}" if negative else pred)
        return all_of(parts, lang)

    def _size_step(self, now: Situation, leaves: Sequence[Leaf], criteria: list[str]) -> list[Step]:
        """Members added (or the last ones removed) until the number of members passes."""
        n = len(now.members)
        found, target = choose_value(GROUP_FACTS["size"], leaves, n)
        if not found or target == n:
            return []
        before = copy.deepcopy(now.doc)
        if target < n:
            now.doc["members"] = now.doc["members"][:target]
            now.members = now.members[:target]
            text = t("suggest.remove_members", self.lang, count=n - target)
            return [
                Step(
                    criterion=criteria[0],
                    text=text,
                    kind="change",
                    feasible=True,
                    changes=diff(before, now.doc),
                )
            ]
        ideal, _ = self.ideal_member(now.plan)
        for _ in range(target - n):
            self._set_member(now, len(now.members), ideal)
        return [self._add_step(now, target - n, criteria[0], before)]

    def _add_step(self, now: Situation, count: int, criterion: str, before: Doc) -> Step:
        """New members: "agregar 2 integrantes que cumplan: ..."."""
        lang = self.lang
        _, why = self.ideal_member(now.plan)
        requirements = self._members_requirement(why)
        if requirements:
            text = t("suggest.add_members_who", lang, count=count, requirements=requirements)
        else:
            text = t("suggest.add_members", lang, count=count)
        ops = diff(before, now.doc)
        if not before.get("members"):  # a document may leave `members` out: add the list whole
            ops = [{"op": "add", "path": "/members", "value": copy.deepcopy(now.doc["members"])}]
        return Step(criterion=criterion, text=text, kind="add_members", feasible=True, changes=ops)


# --------------------------------------------------------------------------- a group's answer


def advise(engine: EligibilityEngine, group: Group, result: GroupResult, lang: Lang) -> None:
    """Fill in a group's answer: each non-eligible programme's suggestion, the programmes from
    the closest to the farthest, and the facts to find out."""
    request_day = result.as_of if result.as_of_source == "request" else None
    for det in result.determinations:
        # another country's programme: nothing the group could change (and it ranks last)
        if det.status == "eligible" or det.status_reason == "other_country":
            continue
        programme = engine.rules.get(det.program)
        advisor = Advisor(engine, programme, group, result.as_of, lang)
        suggestion = advisor.suggestion(det, request_day)
        if suggestion is not None:
            det.suggestions = [suggestion]
    result.ranking = [d.program for d in sorted(result.determinations, key=closeness)]
    result.to_collect = facts_to_collect(result.determinations, lang)


def closeness(det: Determination) -> tuple[int, int, int]:
    """How far a programme is: eligible first; then by its suggestion, feasible ones first,
    fewer steps out of the group's hands, fewer steps; another country's programmes last."""
    if det.status == "eligible":
        return (0, 0, 0)
    if det.status_reason == "other_country" or not det.suggestions:
        return (3, 99, 99)
    best = det.suggestions[0]
    outside = sum(not s.feasible for s in best.steps)
    return (1 if best.feasible else 2, outside, len(best.steps))


def facts_to_collect(determinations: Sequence[Determination], lang: Lang) -> list[FactToCollect]:
    """The facts missing from "cannot tell" answers, those that keep the most answers open
    first."""
    from engine.eligibility import fact_place_label, is_fact_place

    by_fact: dict[str, list[str]] = {}
    for det in determinations:
        if det.status != "cannot_tell":
            continue
        for fact in det.missing_facts:
            if is_fact_place(fact):
                by_fact.setdefault(fact, []).append(det.program)
    ordered = sorted(by_fact.items(), key=lambda kv: -len(kv[1]))
    return [FactToCollect(fact=f, label=fact_place_label(f, lang), programs=p) for f, p in ordered]
