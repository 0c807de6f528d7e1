"""The two evaluators compared: for the same groups on the same date, the per-group engine
(engine/eligibility.py, durable-rules) and the screener (engine/screen.py, polars, reading the
groups back from the interchange format) must give the same outcome for every criterion of
every programme, the same eligibility and the same failed criteria.

`compare` runs one batch both ways and returns every disagreement (and the groups that made an
evaluator fail); `GroupDrawer` draws groups for it from the fact vocabulary and the rules
(hypothesis strategies: every fact a group may state, sparse or complete, both countries,
numbers at and around every threshold the rules name, dates from 1990 to 2030 and around every
date the rules name). tests/test_fuzz_differential.py runs a bounded number in CI;
`bench/fuzz.py N` runs N groups in one long-lived engine, as the server runs them.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.eligibility import EligibilityEngine
from engine.errors import EngineStopped
from engine.facts import GROUP_INPUT, MEMBER_FACTS
from engine.population import set_path
from engine.rules import RuleSet
from engine.schema import Compare, Group, Members, walk
from engine.territory import PROVIDERS
from engine.vocabulary import Fact

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2030, 12, 31)


@dataclass
class Disagreement:
    group: dict[str, Any]
    day: dt.date
    program: str
    what: str  # the criterion id, `eligible`, `failed`, `rejected`, or `error`
    per_group: Any
    screened: Any

    def __str__(self) -> str:
        return (
            f"{self.day} {self.program} {self.what}: per-group {self.per_group!r}, screened "
            f"{self.screened!r}\n  group: {json.dumps(self.group, ensure_ascii=False, default=str)}"
        )


@dataclass
class Tally:
    """What a run compared and what it found."""

    groups: int = 0
    determinations: int = 0
    criteria: int = 0
    crashes: list[str] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    outcomes: dict[str, int] = field(
        default_factory=lambda: {"eligible": 0, "not_eligible": 0, "cannot_tell": 0}
    )


def compare(
    groups: list[Group], day: dt.date, rules: RuleSet, engine: EligibilityEngine, tally: Tally
) -> None:
    """Judge `groups` on `day` both ways; add what was compared and every difference to `tally`.
    A group the per-group engine could not judge (the engine stopped) is a crash."""
    from engine.population import frames_of
    from engine.screen import screen

    per_group: dict[str, Any] = {}
    for g in groups:
        try:
            per_group[g.id] = engine.check(g, day)
        except EngineStopped as exc:
            tally.crashes.append(f"{day} {g.model_dump_json()}: {exc}")
    docs = {g.id: g.model_dump(mode="json", exclude_none=True) for g in groups}
    with tempfile.TemporaryDirectory(prefix="vincula-fuzz-") as tmp:
        frames = frames_of(groups)
        for frame, name in zip(frames, ("groups.csv", "members.csv"), strict=True):
            frame.write_csv(Path(tmp) / name)
        try:
            parts = list(screen(tmp, rules, day, outcomes=True))
        except Exception as exc:  # noqa: BLE001 - a screener failure is what we are looking for
            tally.crashes.append(f"{day} screener: {type(exc).__name__}: {exc} ({len(groups)} groups)")
            return
    screened: dict[str, dict[str, Any]] = {}
    for part in parts:
        for result_row in part.groups.iter_rows(named=True):
            screened[result_row["group_id"]] = result_row
        for rej in part.rejects.iter_rows(named=True):
            gid = rej["group_id"]
            if gid in docs:
                tally.disagreements.append(Disagreement(docs[gid], day, "-", "rejected", None, rej["reason"]))
    for gid, result in per_group.items():
        tally.groups += 1
        row = screened.get(gid)
        if row is None:
            continue  # reported as rejected above
        columns = {pc: c for c, pc in parts[0].outcomes.items()}
        for i, det in enumerate(result.determinations):
            tally.determinations += 1
            tally.outcomes[det.status] = tally.outcomes.get(det.status, 0) + 1
            failed = row[f"failed_{i}"].split(";") if row[f"failed_{i}"] else []
            checks: list[tuple[str, Any, Any]] = [
                ("eligible", det.eligible, row[f"eligible_{i}"]),
                ("failed", det.failed, failed),
            ]
            for c in det.criteria:
                tally.criteria += 1
                value = row[columns[(det.program, c.id)]]
                checks.append((c.id, c.outcome, {True: "pass", False: "fail", None: "unknown"}[value]))
            for what, mine, theirs in checks:
                if mine != theirs:
                    tally.disagreements.append(Disagreement(docs[gid], day, det.program, what, mine, theirs))


# --------------------------------------------------------------------------- drawing groups


def rule_values(rules: RuleSet) -> dict[str, list[Any]]:
    """fact -> every value the rules compare it with (values and every parameter value)."""
    out: dict[str, list[Any]] = {}
    for programme in rules.programmes.values():
        for crit in programme.criteria:
            for node in walk(crit.condition):
                if not isinstance(node, Compare):
                    continue
                raw: list[Any] = []
                if node.param is not None:
                    raw = [v.value for v in programme.parameters[node.param].values]
                elif node.value is not None:
                    raw = [node.value]
                for v in raw:
                    for x in v if isinstance(v, list) else [v]:
                        if x not in out.setdefault(node.fact, []):
                            out[node.fact].append(x)
    return out


def rule_dates(rules: RuleSet) -> list[dt.date]:
    """Every date the rules name (periods, parameter values, compared dates), with the days
    either side."""
    days: set[dt.date] = set()
    for p in rules.programmes.values():
        days |= {p.valid_from, *([p.valid_to] if p.valid_to else [])}
        for param in p.parameters.values():
            days |= {v.from_ for v in param.values} | {v.to for v in param.values if v.to}
        for crit in p.criteria:
            for node in walk(crit.condition):
                if isinstance(node, Compare) and node.value is not None:
                    values = node.value if isinstance(node.value, list) else [node.value]
                    days |= {v for v in values if isinstance(v, dt.date)}
    one = dt.timedelta(days=1)
    near = {d + k * one for d in days for k in (-1, 0, 1)}
    return sorted(d for d in near if FIRST_DAY <= d <= LAST_DAY)


def member_facts_used(rules: RuleSet) -> set[str]:
    return {
        n.fact
        for p in rules.programmes.values()
        for c in p.criteria
        if isinstance(c.condition, Members)
        for n in walk(c.condition)
        if isinstance(n, Compare)
    }


class GroupDrawer:
    """hypothesis strategies for groups, from the vocabulary and the rules."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.values = rule_values(rules)
        self.days = rule_dates(rules)
        self.counter = 0

    def _near(self, spec: Fact) -> list[float]:
        """Numbers at, and just either side of, every threshold the rules name for `spec`,
        plus the edges of its range and numbers the engine normalises (tiny, huge)."""
        out: set[float] = set()
        named = self.values.get(spec.name, []) + self.values.get(f"{spec.name}_pct", [])
        for x in (float(v) for v in named if isinstance(v, (int, float)) and not isinstance(v, bool)):
            step = 1.0 if spec.integer else 0.01
            out |= {x - step, x, x + step}
        out |= {v for v in (spec.ge, spec.le) if v is not None}
        if not spec.integer:
            out |= {0.0, 1e-5, 5e-5, 0.0001, 0.00011}
        low = spec.ge if spec.ge is not None else float("-inf")
        high = spec.le if spec.le is not None else float("inf")
        return sorted(x for x in out if low <= x <= high)

    def value(self, spec: Fact) -> SearchStrategy[Any]:
        from hypothesis import strategies as st

        if spec.type == "bool":
            return st.booleans()
        if spec.values is not None:
            values = spec.values
            common = [v for v in ("US", "MX", "CA", "GT") if v in values] if len(values) > 20 else []
            return (
                st.one_of(st.sampled_from(common), st.sampled_from(values))
                if common
                else st.sampled_from(values)
            )
        if spec.type == "number":
            near = self._near(spec)
            low = int(spec.ge) if spec.ge is not None else 0
            high = int(spec.le) if spec.le is not None else 1000
            if spec.integer:
                return st.one_of(
                    st.sampled_from([int(x) for x in near if x == int(x)]), st.integers(low, high)
                )
            return st.one_of(
                st.sampled_from(near),
                st.floats(spec.ge, spec.le, allow_nan=False, allow_infinity=False),
                st.floats(0, 2e6, allow_nan=False) if (spec.le or 0) > 2e6 else st.nothing(),
            )
        raise TypeError(f"no strategy for the {spec.type} fact `{spec.name}`")

    def _fields(self, facts: Iterable[Fact], complete: bool) -> SearchStrategy[dict[str, Any]]:
        """A document part: every fact either given or (when not `complete`) left out. Numbers
        of the same part (a project's contributions) are often all alike, so that shares of a
        total land on their thresholds."""
        from hypothesis import strategies as st

        def one(spec: Fact) -> SearchStrategy[Any]:
            return self.value(spec) if complete else st.one_of(st.none(), self.value(spec))

        facts = list(facts)
        independent = st.fixed_dictionaries({spec.name: one(spec) for spec in facts})
        siblings: dict[tuple[str, ...], list[Fact]] = {}
        for spec in facts:
            if spec.type == "number" and spec.path and len(spec.path) > 1:
                siblings.setdefault(spec.path[:-1], []).append(spec)
        alike = [group for group in siblings.values() if len(group) > 1]
        if not alike:
            return independent

        @st.composite
        def with_alike(draw: Any) -> dict[str, Any]:
            out = draw(independent)
            for group in alike:
                if draw(st.booleans()):
                    shared = draw(one(group[0]))
                    out.update({spec.name: shared for spec in group})
            return out

        return with_alike()

    def group(self) -> SearchStrategy[Group]:
        """One group: where it is, every fact it may state, its members."""
        from hypothesis import strategies as st

        mx = sorted(PROVIDERS["MX"].table)
        pa = sorted(PROVIDERS["PA"].table)
        focus = [c for c in mx if c[:2] in ("12", "13", "32", "07", "01")]
        stated = [s for s in GROUP_INPUT.values() if s.name not in ("country", "territory")]
        project_facts = [s for s in stated if s.path and s.path[0] == "project"]
        other = [s for s in stated if s not in project_facts]

        @st.composite
        def draw(draw: Any) -> Group:
            complete = draw(st.booleans())
            country = draw(st.sampled_from(["MX", "MX", "MX", "PA"]))
            territory = draw(
                st.sampled_from(pa)
                if country == "PA"
                else st.one_of(st.sampled_from(focus), st.sampled_from(mx))
            )
            doc: dict[str, Any] = {"country": country, "territory": territory}
            facts = draw(self._fields(other, complete))
            if draw(st.booleans()) or complete:
                facts.update(draw(self._fields(project_facts, complete)))
            member = self._fields(MEMBER_FACTS.values(), complete)
            if draw(st.booleans()):  # members alike, so that "every member" criteria can pass
                members = [draw(member)] * draw(st.integers(0, 9))
            else:
                members = draw(st.lists(member, max_size=9))
            for name, value in facts.items():
                if value is not None:
                    set_path(doc, GROUP_INPUT[name].path or (), value)
            doc["members"] = [{k: v for k, v in m.items() if v is not None} for m in members]
            self.counter += 1
            doc["id"] = f"f{self.counter}"
            return Group.model_validate(doc)

        return draw()

    def day(self) -> SearchStrategy[dt.date]:
        from hypothesis import strategies as st

        periods = [(p.valid_from, p.valid_to or LAST_DAY) for p in self.rules.programmes.values()]
        return st.one_of(
            st.dates(FIRST_DAY, LAST_DAY),
            st.sampled_from(self.days),
            st.sampled_from(periods).flatmap(lambda period: st.dates(*period)),  # a programme in force
        )

    def batch(self, max_groups: int = 12, min_groups: int = 1) -> SearchStrategy[tuple[dt.date, list[Group]]]:
        """A date and some groups to judge on it."""
        from hypothesis import strategies as st

        return st.tuples(self.day(), st.lists(self.group(), min_size=min_groups, max_size=max_groups))
