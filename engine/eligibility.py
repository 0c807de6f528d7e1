"""Eligibility determinations with explanations: the engine's main entry point.

For each programme: resolve the parameters in force on the `as_of` date, let durable-rules match
the group's facts (engine/evaluate.py), turn the matches into three-valued criterion outcomes
(pass / fail / unknown) and combine them with the programme's `all`/`any` rule (Kleene logic),
so "cannot tell" is an answer of its own that names the missing facts.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

from engine.evaluate import Matches, RuleMatcher
from engine.explain import WORDS, condition_text, fact_label, value_text
from engine.facts import group_facts, member_facts
from engine.rules import RuleSet, load_rules
from engine.schema import (
    CitationOut,
    Criterion,
    CriterionResult,
    Determination,
    Group,
    GroupResult,
    Members,
    Outcome,
    Programme,
    Rule,
    Scalar,
    Status,
    compared_facts,
    walk,
)
from engine.territory import lookup

Tri = bool | None  # three-valued truth: None is "not known"

_TRI: dict[Outcome, Tri] = {"pass": True, "fail": False, "unknown": None}

_matcher: RuleMatcher | None = None
_matcher_lock = threading.Lock()


def shared_matcher() -> RuleMatcher:
    """The process's single durable-rules host (created once; see engine/evaluate.py)."""
    global _matcher
    with _matcher_lock:
        if _matcher is None:
            _matcher = RuleMatcher()
        return _matcher


def kleene(rule: Rule, outcomes: dict[str, Tri]) -> Tri:
    values = [outcomes[i] if isinstance(i, str) else kleene(i, outcomes) for i in rule.items]
    if rule.all is not None:
        return False if False in values else (None if None in values else True)
    return True if True in values else (None if None in values else False)


def blocking(rule: Rule, outcomes: dict[str, Tri], result: Tri) -> list[str]:
    """The criteria that make `rule` come out `result` (False or None): in an `all`, the items
    with that result; in an `any`, every item (none of them passed)."""
    out: list[str] = []
    for item in rule.items:
        value = outcomes[item] if isinstance(item, str) else kleene(item, outcomes)
        if value is not result and rule.all is not None:
            continue
        if value is True:
            continue
        if isinstance(item, str):
            if value is result:
                out.append(item)
        else:
            out += blocking(item, outcomes, result)
    return out


def count_outcome(op: str, threshold: float, passed: int, unknown: int, size: int, share: bool) -> Tri:
    """Whether `count op threshold` holds for every, no, or some possible count in
    [passed, passed + unknown]."""

    def holds(k: int) -> bool:
        x = (k / size if size else 0.0) if share else k
        return {
            "<": x < threshold,
            "<=": x <= threshold,
            "==": x == threshold,
            "!=": x != threshold,
            ">": x > threshold,
            ">=": x >= threshold,
        }[op]

    results = {holds(k) for k in range(passed, passed + unknown + 1)}
    return results.pop() if len(results) == 1 else None


class EligibilityEngine:
    """Determinations for every programme of a rule set."""

    def __init__(self, rules: RuleSet | None = None, matcher: RuleMatcher | None = None) -> None:
        self.rules = rules if rules is not None else load_rules()
        self.matcher = matcher if matcher is not None else shared_matcher()
        self._static_cache: dict[tuple[Any, ...], tuple[list[str], list[str], dict[str, Any]]] = {}

    @property
    def programmes(self) -> list[Programme]:
        return list(self.rules.programmes.values())

    def check(
        self, group: Group, as_of: dt.date | None = None, lang: str = "es", programs: list[str] | None = None
    ) -> GroupResult:
        day = as_of or group.as_of or dt.date.today()
        territory = lookup(group.country, group.territory)
        facts = group_facts(group, territory, day)
        members = [member_facts(m) for m in group.members]
        slugs = programs or self.rules.slugs
        determinations = [self.determine(self.rules.get(s), facts, members, day, lang) for s in slugs]
        return GroupResult(group_id=group.id, as_of=day, territory=territory, determinations=determinations)

    def determine(
        self,
        programme: Programme,
        facts: dict[str, Any],
        members: list[dict[str, Any]],
        day: dt.date,
        lang: str = "es",
    ) -> Determination:
        params = programme.params_on(day)
        skip = {
            c.id
            for c in programme.criteria
            if any(getattr(n, "param", None) not in (None, *params) for n in walk(c.condition))
        }
        matches = self.matcher.match(
            programme, self.rules.digests[programme.slug], params, skip, facts, members
        )
        required = set(programme.eligibility.ids())
        results = [
            self._criterion(programme, c, c.id in required, matches, facts, members, params, skip, day, lang)
            for c in programme.criteria
        ]
        outcomes = {r.id: _TRI[r.outcome] for r in results}
        eligible = kleene(programme.eligibility, outcomes)
        failed = blocking(programme.eligibility, outcomes, False) if eligible is False else []
        unknown = blocking(programme.eligibility, outcomes, None) if eligible is None else []
        by_id = {r.id: r for r in results}
        missing = list(dict.fromkeys(f for cid in unknown for f in by_id[cid].missing_facts))
        status: Status = {True: "eligible", False: "not_eligible", None: "cannot_tell"}[eligible]  # type: ignore[assignment]
        return Determination(
            program=programme.slug,
            name=programme.name.get(lang),
            eligible=eligible,
            status=status,
            as_of=day,
            rules_version=self.rules.version(programme.slug),
            summary=_summary(eligible, [by_id[i] for i in failed], missing, lang),
            failed=failed,
            unknown=unknown,
            missing_facts=missing,
            criteria=results,
            next_steps=programme.next_steps.get(lang) if programme.next_steps and eligible else None,
        )

    def _criterion(
        self,
        programme: Programme,
        crit: Criterion,
        required: bool,
        matches: Matches,
        facts: dict[str, Any],
        members: list[dict[str, Any]],
        params: dict[str, Scalar],
        skip: set[str],
        day: dt.date,
        lang: str,
    ) -> CriterionResult:
        refs, used, static = self._static_parts(programme, crit, required, params, day, lang)
        base: dict[str, Any] = dict(static)
        if crit.id in skip:
            missing = [
                f"{p}: {WORDS[lang]['no_param'].format(day=day.isoformat())}" for p in used if p not in params
            ]
            return CriterionResult(**base, outcome="unknown", observed=missing[0], missing_facts=missing)
        if isinstance(crit.condition, Members):
            return self._members_criterion(
                crit.condition, base, refs, matches.members[crit.id], members, params, lang
            )
        missing = [f for f in refs if f not in facts]
        outcome: Outcome = "pass" if crit.id in matches.group else "unknown" if missing else "fail"
        observed = "; ".join(f"{fact_label(f, lang)}: {value_text(facts.get(f), lang)}" for f in refs)
        value = facts.get(refs[0]) if len(refs) == 1 else {f: facts.get(f) for f in refs}
        return CriterionResult(
            **base,
            outcome=outcome,
            observed=observed,
            observed_value=_jsonable(value),
            missing_facts=missing if outcome == "unknown" else [],
        )

    def _static_parts(
        self,
        programme: Programme,
        crit: Criterion,
        required: bool,
        params: dict[str, Scalar],
        day: dt.date,
        lang: str,
    ) -> tuple[list[str], list[str], dict[str, Any]]:
        """The parts of a criterion's explanation that do not depend on the group (cached: they
        change only with the rule file, the parameter values in force and the language)."""
        used: list[str] = list(
            dict.fromkeys(p for n in walk(crit.condition) if (p := getattr(n, "param", None)))
        )
        in_force = tuple((p, programme.parameters[p].value_on(day)) for p in used)
        key = (programme.slug, self.rules.digests[programme.slug], crit.id, required, lang, repr(in_force))
        cached = self._static_cache.get(key)
        if cached is None:
            doc = programme.sources[crit.source.ref]
            static = dict(
                id=crit.id,
                label=crit.label.get(lang),
                required=required,
                threshold=condition_text(crit.condition, params, lang),
                assumption=crit.assumption.get(lang) if crit.assumption else None,
                source=CitationOut(
                    title=doc.title, pinpoint=crit.source.pinpoint, link=doc.link, quote=crit.source.quote
                ),
                parameters=[_parameter_used(programme, p, day, lang) for p in used],
            )
            cached = self._static_cache[key] = (compared_facts(crit.condition), used, static)
        return cached

    def _members_criterion(
        self,
        cond: Members,
        base: dict[str, Any],
        refs: list[str],
        matched: set[int],
        members: list[dict[str, Any]],
        params: dict[str, Scalar],
        lang: str,
    ) -> CriterionResult:
        w = WORDS[lang]
        unknown_at = [i for i, m in enumerate(members) if i not in matched and any(f not in m for f in refs)]
        failing = [i for i in range(len(members)) if i not in matched and i not in unknown_at]
        p, u, n = len(matched), len(unknown_at), len(members)
        outcome_tri: Tri
        if cond.members == "all":
            outcome_tri = False if failing else (None if u else True)
        elif cond.members == "any":
            outcome_tri = True if p else (None if u else False)
        elif cond.members == "none":
            outcome_tri = False if p else (None if u else True)
        else:
            threshold = float(params[cond.param] if cond.param is not None else cond.value)  # type: ignore[arg-type]
            outcome_tri = count_outcome(cond.op or "==", threshold, p, u, n, cond.members == "share")
        outcome: Outcome = {True: "pass", False: "fail", None: "unknown"}[outcome_tri]  # type: ignore[assignment]
        observed = w["members_ok"].format(p=p, n=n)
        if u:
            observed += f" ({w['members_unknown'].format(u=u)})"
        if failing and cond.members in ("all", "count", "share"):
            observed += "; " + w["failing"].format(ids=", ".join(str(i + 1) for i in failing))
        value: Any = round(p / n, 4) if cond.members == "share" and n else p
        missing = (
            sorted({f"members[{i + 1}].{f}" for i in unknown_at for f in refs if f not in members[i]})
            if outcome == "unknown"
            else []
        )
        return CriterionResult(
            **base,
            outcome=outcome,
            observed=observed,
            observed_value=value,
            failing_members=[i + 1 for i in failing],
            missing_facts=missing,
        )


def _parameter_used(programme: Programme, name: str, day: dt.date, lang: str) -> dict[str, Any]:
    param = programme.parameters[name]
    value = param.value_on(day)
    if value is None:
        return {"name": name, "label": param.label.get(lang), "value": None}
    doc = programme.sources[value.source.ref]
    return {
        "name": name,
        "label": param.label.get(lang),
        "value": value.value,
        "in_force_from": value.from_.isoformat(),
        "in_force_to": value.to.isoformat() if value.to else None,
        "source": f"{doc.title}, {value.source.pinpoint}",
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _summary(eligible: Tri, failed: list[CriterionResult], missing: list[str], lang: str) -> str:
    if eligible is True:
        return "Elegible" if lang == "es" else "Eligible"
    if eligible is False:
        reasons = "; ".join(r.label for r in failed)
        return f"No cumple: {reasons}" if lang == "es" else f"Not met: {reasons}"
    shown = _compact(missing, lang)
    return f"No se puede determinar; falta: {shown}" if lang == "es" else f"Cannot tell; missing: {shown}"


_MEMBER_FACT = re.compile(r"^members\[(\d+)\]\.(.+)$")


def _compact(missing: list[str], lang: str, limit: int = 4) -> str:
    """The missing facts in words: `project.*` as one "project details", a member's facts
    together ("member 2 (age, sex)"), and at most `limit` items."""
    items: list[str] = []
    by_member: dict[str, list[str]] = {}
    for fact in missing:
        member = _MEMBER_FACT.match(fact)
        if member:
            by_member.setdefault(member[1], []).append(fact_label(member[2], lang, member=True))
        elif fact.startswith("project."):
            items.append("datos del proyecto" if lang == "es" else "project details")
        else:
            items.append(fact_label(fact, lang))
    who = "integrante" if lang == "es" else "member"
    items += [f"{who} {n} ({', '.join(fs)})" for n, fs in by_member.items()]
    items = list(dict.fromkeys(items))
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" (+{more})" if more > 0 else "")
