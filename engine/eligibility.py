"""Eligibility determinations with explanations: the engine's main entry point for one group.

For each programme: take its plan for the `as_of` date (engine/plan.py: parameters in force,
conditions as trees of comparisons), let durable-rules match the group's facts against it
(engine/evaluate.py), and turn the matches into pass / fail / unknown, eligibility and the
blocking criteria with the plan's semantics, run on Python values; then explain each criterion
(observed value, threshold, parameters, citation) in the language asked for. "Cannot tell" is an
answer of its own that names the missing facts.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any, Literal

from engine.algebra import TRI, Tri
from engine.evaluate import Matches, RuleMatcher
from engine.explain import condition_text, day_text, fact_label, value_label
from engine.facts import GROUP_FACTS, MEMBER_FACTS, group_facts, member_facts
from engine.messages import Lang, t
from engine.plan import (
    CriterionPlan,
    ProgrammePlan,
    group_outcome,
    member_outcome,
    named,
    plan_for,
)
from engine.plan import blocking as plan_blocking
from engine.plan import count_outcome as plan_count_outcome
from engine.plan import eligible as plan_eligible
from engine.rules import RuleSet, load_rules
from engine.schema import (
    CitationOut,
    CriterionResult,
    Determination,
    Group,
    GroupResult,
    Outcome,
    Programme,
    Rule,
    Status,
    StatusReason,
)
from engine.territory import lookup

_TRI: dict[Outcome, Tri] = {"pass": True, "fail": False, "unknown": None}
_OUTCOME: dict[Tri, Outcome] = {True: "pass", False: "fail", None: "unknown"}
_STATUS: dict[Tri, Status] = {True: "eligible", False: "not_eligible", None: "cannot_tell"}

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
    """Kleene all / any of the criteria's outcomes (engine.plan.eligible on Python values)."""
    return plan_eligible(TRI, rule, outcomes.__getitem__)  # type: ignore[no-any-return]


def blocking(rule: Rule, outcomes: dict[str, Tri], result: Tri) -> list[str]:
    """The criteria that make `rule` come out `result` (False or None), as engine.plan.blocking
    names them."""
    return named(plan_blocking(TRI, rule, outcomes.__getitem__, result))


def count_outcome(op: str, threshold: float, passed: int, unknown: int, size: int, share: bool) -> Tri:
    """Whether `count op threshold` holds for every, no, or some possible count in
    [passed, passed + unknown] (engine.plan.count_outcome on Python values)."""
    return plan_count_outcome(TRI, op, threshold, passed, unknown, size, share)  # type: ignore[no-any-return]


class EligibilityEngine:
    """Determinations for every programme of a rule set."""

    def __init__(self, rules: RuleSet | None = None, matcher: RuleMatcher | None = None) -> None:
        self.rules = rules if rules is not None else load_rules()
        self.matcher = matcher if matcher is not None else shared_matcher()
        self._static_cache: dict[tuple[str, str, str], dict[str, Any]] = {}

    @property
    def programmes(self) -> list[Programme]:
        return list(self.rules.programmes.values())

    def check(
        self,
        group: Group,
        as_of: dt.date | None = None,
        lang: Lang = "es",
        programs: list[str] | None = None,
        suggest: bool = False,
    ) -> GroupResult:
        """Every programme (or `programs`) for `group` on `as_of`, else the group's own date,
        else today. With `suggest`, each programme the group is not eligible for says what
        would change that (engine/suggest.py)."""
        day, source = judging_day(group, as_of)
        territory = lookup(group.country, group.territory)
        facts = group_facts(group, territory, day)
        members = [member_facts(m) for m in group.members]
        slugs = programs or self.rules.slugs
        determinations = [self.determine(self.rules.get(s), group, facts, members, day, lang) for s in slugs]
        result = GroupResult(
            group_id=group.id,
            as_of=day,
            as_of_source=source,
            territory=territory,
            determinations=determinations,
            warnings=self._warnings(slugs, day, lang),
        )
        if suggest:
            from engine.suggest import advise

            advise(self, group, result, lang)
        return result

    def _warnings(self, slugs: list[str], day: dt.date, lang: Lang) -> list[str]:
        """A warning when no programme judged has rules in force on the day."""
        programmes = [self.rules.get(s) for s in slugs]
        if any(_in_period(p, day) for p in programmes):
            return []
        start = min(p.valid_from for p in programmes)
        ends = [p.valid_to for p in programmes]
        end = None if None in ends else max(e for e in ends if e is not None)
        return [
            t(
                "warning.none_in_force",
                lang,
                day=day_text(day, lang),
                start=day_text(start, lang),
                end=day_text(end, lang) if end else "…",
            )
        ]

    def determine(
        self,
        programme: Programme,
        group: Group,
        facts: dict[str, Any],
        members: list[dict[str, Any]],
        day: dt.date,
        lang: Lang = "es",
    ) -> Determination:
        plan = plan_for(programme, self.rules.digests[programme.slug], day)
        matches = self.matcher.match(plan, facts, members)
        results = [
            self._criterion(programme, plan, c, matches, facts, members, day, lang) for c in plan.criteria
        ]
        outcomes = {r.id: _TRI[r.outcome] for r in results}
        eligible = kleene(programme.eligibility, outcomes)
        failed = blocking(programme.eligibility, outcomes, False) if eligible is False else []
        unknown = blocking(programme.eligibility, outcomes, None) if eligible is None else []
        by_id = {r.id: r for r in results}
        missing = list(dict.fromkeys(f for cid in unknown for f in by_id[cid].missing_facts))
        status: Status = _STATUS[eligible]
        reason = applicability(programme, group, day)
        if reason is not None:
            status = "not_applicable" if reason in ("other_country", "no_project") else "not_in_force"
            summary = _outside_summary(programme, group, day, reason, lang)
        else:
            summary = _summary(eligible, [by_id[i] for i in failed], missing, lang)
        return Determination(
            program=programme.slug,
            name=programme.name.get(lang),
            eligible=eligible,
            status=status,
            status_reason=reason,
            as_of=day,
            rules_version=self.rules.version(programme.slug),
            valid_from=programme.valid_from,
            valid_to=programme.valid_to,
            summary=summary,
            failed=failed,
            unknown=unknown,
            missing_facts=missing,
            criteria=results,
            next_steps=programme.next_steps.get(lang)
            if programme.next_steps and status == "eligible"
            else None,
        )

    def _criterion(
        self,
        programme: Programme,
        plan: ProgrammePlan,
        crit: CriterionPlan,
        matches: Matches,
        facts: dict[str, Any],
        members: list[dict[str, Any]],
        day: dt.date,
        lang: Lang,
    ) -> CriterionResult:
        base = self._static_parts(programme, plan, crit, day, lang)
        if crit.match is None:
            missing = [
                f"{programme.parameters[p].label.get(lang)}: {t('explain.no_param', lang, day=day_text(day, lang))}"
                for p in crit.missing_params
            ]
            if crit.out_of_period:
                start, end = crit.out_of_period
                period = t(
                    "explain.out_of_period",
                    lang,
                    day=day_text(day, lang),
                    start=day_text(start, lang) if start else "…",
                    end=day_text(end, lang) if end else "…",
                )
                missing.insert(0, period)
            return CriterionResult(**base, outcome="unknown", observed=missing[0], missing_facts=missing)
        if crit.scope == "member":
            return self._members_criterion(crit, base, matches.members[crit.id], members, lang)
        refs = crit.facts
        missing = [f for f in refs if f not in facts]
        outcome: Outcome = _OUTCOME[group_outcome(TRI, crit.id in matches.group, bool(missing))]
        observed = "; ".join(
            f"{fact_label(f, lang)}: {value_label(f, facts.get(f), lang, country=programme.country)}"
            for f in refs
        )
        value = facts.get(refs[0]) if len(refs) == 1 else {f: facts.get(f) for f in refs}
        return CriterionResult(
            **base,
            outcome=outcome,
            observed=observed,
            observed_value=_jsonable(value),
            missing_facts=missing if outcome == "unknown" else [],
        )

    def _static_parts(
        self, programme: Programme, plan: ProgrammePlan, cp: CriterionPlan, day: dt.date, lang: Lang
    ) -> dict[str, Any]:
        """The parts of a criterion's explanation that do not depend on the group (cached: they
        change only with the plan, that is the rule file and the parameter values in force, and
        the language)."""
        key = (plan.key, cp.id, lang)
        cached = self._static_cache.get(key)
        if cached is None:
            crit = programme.criterion(cp.id)
            doc = programme.sources[crit.source.ref]
            cached = self._static_cache[key] = dict(
                id=crit.id,
                label=crit.label.get(lang),
                required=cp.required,
                threshold=condition_text(crit.condition, plan.params, lang, country=programme.country),
                assumption=crit.assumption.get(lang) if crit.assumption else None,
                source=CitationOut(
                    title=doc.title, pinpoint=crit.source.pinpoint, link=doc.link, quote=crit.source.quote
                ),
                parameters=[_parameter_used(programme, p, day, lang) for p in cp.params],
            )
        return cached

    def _members_criterion(
        self,
        crit: CriterionPlan,
        base: dict[str, Any],
        matched: set[int],
        members: list[dict[str, Any]],
        lang: Lang,
    ) -> CriterionResult:
        assert crit.count is not None
        refs = crit.facts
        unknown_at = [i for i, m in enumerate(members) if i not in matched and any(f not in m for f in refs)]
        failing = [i for i in range(len(members)) if i not in matched and i not in unknown_at]
        p, u, n = len(matched), len(unknown_at), len(members)
        outcome: Outcome = _OUTCOME[member_outcome(TRI, crit.count, p, u, n)]
        quantifier = crit.count.quantifier
        observed = t("explain.members_ok", lang, p=p, n=n)
        if u:
            observed += f" ({t('explain.members_unknown', lang, u=u)})"
        if failing and quantifier in ("all", "count", "share"):
            observed += "; " + t("explain.failing", lang, ids=", ".join(str(i + 1) for i in failing))
        value: Any = round(p / n, 4) if quantifier == "share" and n else p
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


def judging_day(group: Group, as_of: dt.date | None) -> tuple[dt.date, Literal["request", "group", "today"]]:
    """The day a group is judged on, and where it came from: the request's date (the CLI's
    --as-of, the API's `as_of`), else the group's own `as_of`, else today. The one default,
    for the command line, the API and the page alike."""
    if as_of is not None:
        return as_of, "request"
    if group.as_of is not None:
        return group.as_of, "group"
    return dt.date.today(), "today"


def _in_period(programme: Programme, day: dt.date) -> bool:
    return programme.valid_from <= day and (programme.valid_to is None or day <= programme.valid_to)


def applicability(programme: Programme, group: Group, day: dt.date) -> StatusReason | None:
    """Why a programme does not apply to the group, or is not in force on the day, from the
    rule file's data (`country`, `unit: project`, `valid_from` / `valid_to`); None when it
    does and is."""
    if group.country != programme.country:
        return "other_country"
    if programme.unit == "project" and group.project is None:
        return "no_project"
    if day < programme.valid_from:
        return "before_period"
    if programme.valid_to is not None and day > programme.valid_to and programme.ended:
        return "after_period"
    return None


def _outside_summary(
    programme: Programme, group: Group, day: dt.date, reason: StatusReason, lang: Lang
) -> str:
    country = GROUP_FACTS["country"]
    return t(
        f"summary.{reason}",
        lang,
        programme_country=value_label("country", programme.country, lang),
        group_country=value_label("country", group.country, lang),
        day=day_text(day, lang),
        start=day_text(programme.valid_from, lang),
        end=day_text(programme.valid_to, lang) if programme.valid_to else "…",
        country=country.label[lang],
    )


def _parameter_used(programme: Programme, name: str, day: dt.date, lang: Lang) -> dict[str, Any]:
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


def _summary(eligible: Tri, failed: list[CriterionResult], missing: list[str], lang: Lang) -> str:
    if eligible is True:
        return t("summary.eligible", lang)
    if eligible is False:
        return t("summary.not_met", lang, reasons="; ".join(_reason(r) for r in failed))
    return t(
        "summary.cannot_tell", lang, status=t("status.cannot_tell", lang), missing=_compact(missing, lang)
    )


def _reason(result: CriterionResult) -> str:
    """A failed criterion as a reason: its label and, in brackets, what the group showed."""
    observed = result.observed.split("; ")[0] if result.failing_members else result.observed
    return f"{result.label} ({observed.replace('; ', ', ')})"


_MEMBER_FACT = re.compile(r"^members\[(\d+)\]\.(.+)$")


def is_fact_place(text: str) -> bool:
    """Whether a missing-fact entry names a fact (`members[2].age`, `locality`), not a
    parameter with no value in force."""
    member = _MEMBER_FACT.match(text)
    return member[2] in MEMBER_FACTS if member else text in GROUP_FACTS


def fact_place_label(fact: str, lang: Lang) -> str:
    """A missing fact's place in words: `members[2].age` -> "integrante 2: edad"."""
    member = _MEMBER_FACT.match(fact)
    if member:
        return t("summary.member_fact", lang, n=member[1], fact=fact_label(member[2], lang, member=True))
    return fact_label(fact, lang)


def _compact(missing: list[str], lang: Lang, limit: int = 4) -> str:
    """The missing facts in words: `project.*` as one "project details", a member's facts
    together ("member 2 (age, sex)"), and at most `limit` items."""
    items: list[str] = []
    by_member: dict[str, list[str]] = {}
    for fact in missing:
        member = _MEMBER_FACT.match(fact)
        if member:
            by_member.setdefault(member[1], []).append(fact_label(member[2], lang, member=True))
        elif fact.startswith("project."):
            items.append(t("summary.project", lang))
        else:
            items.append(fact_label(fact, lang))
    items += [t("summary.member", lang, n=n, facts=", ".join(fs)) for n, fs in by_member.items()]
    items = list(dict.fromkeys(items))
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" (+{more})" if more > 0 else "")
