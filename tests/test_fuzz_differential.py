"""Property-based differential test: for groups drawn over every fact a group may state (sparse
and complete, both countries, numbers on and around every threshold, dates from 1990 to 2030),
the per-group engine and the screener agree on every criterion of every programme.
`bench/fuzz.py N` runs the same comparison on N groups."""
from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings

from engine.differential import GroupDrawer, Tally, compare
from engine.eligibility import EligibilityEngine
from engine.rules import load_rules
from engine.schema import Group

RULES = load_rules()
ENGINE = EligibilityEngine(RULES)
DRAWER = GroupDrawer(RULES)


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(batch=DRAWER.batch())
def test_per_group_engine_and_screener_agree_on_every_criterion(batch: tuple[dt.date, list[Group]]) -> None:
    day, groups = batch
    tally = Tally()
    compare(groups, day, RULES, ENGINE, tally)
    assert not tally.crashes, tally.crashes[:3]
    assert not tally.disagreements, "\n".join(map(str, tally.disagreements[:5]))
    assert tally.groups == len(groups) and tally.determinations == len(groups) * len(RULES.slugs)
