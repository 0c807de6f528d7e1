"""A criterion that a source gives for a period only (`valid_from` / `valid_to`): outside it the
criterion is unknown, never failed, so no answer rests on a rule nobody wrote for that time."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from pydantic import ValidationError

from engine.plan import plan_for
from engine.schema import Criterion
from engine.vectorised import compile_plan
from tests.conftest import determination, make_group, member, outcome

TERRITORIAL = ["marginalisation", "zap_rural", "zap_urban", "income_poverty", "indigenous", "social_bank"]


def test_opciones_productivas_before_2016_cannot_tell_even_where_no_territorial_criterion_holds(engine):
    # Cuauhtémoc (CDMX): low marginalisation, no rural ZAP, not indigenous. From 2016 the six
    # territorial criteria are the source's; for 2010 the source gives none.
    group = make_group([member()], territory="09015", as_of=dt.date(2010, 6, 30))
    det = determination(engine, group, "opciones-productivas")
    assert det.eligible is None
    for cid in TERRITORIAL:
        assert outcome(det, cid) == "unknown"
    crit = next(c for c in det.criteria if c.id == "marginalisation")
    assert crit.observed == "el criterio solo se aplica de 01/01/2016 a 31/12/2018; las fuentes no dan criterio para el 30/06/2010"


def test_opciones_productivas_in_2017_judges_the_territorial_criteria(engine):
    group = make_group([member()], territory="09015", as_of=dt.date(2017, 6, 30))
    det = determination(engine, group, "opciones-productivas")
    assert outcome(det, "marginalisation") == "fail"
    assert outcome(det, "zap_rural") == "fail"


def test_the_vectorised_plan_leaves_out_of_period_criteria_unknown_too(engine):
    rules = engine.rules
    plan = compile_plan(
        rules,
        dt.date(2010, 6, 30),
        group_columns={"territory"},
        member_columns=set(),
        programs=["opciones-productivas"],
    )
    outcomes = plan.programmes[0].outcomes
    frame = pl.DataFrame({"x": [1]}).select(outcomes["marginalisation"].alias("m"))
    assert frame.item() is None


def test_plans_differ_when_only_the_period_of_a_criterion_differs(engine):
    rules = engine.rules
    programme = rules.get("opciones-productivas")
    digest = rules.digests["opciones-productivas"]
    before = plan_for(programme, digest, dt.date(2015, 12, 31))
    after = plan_for(programme, digest, dt.date(2016, 1, 1))
    assert before.key != after.key
    assert before.criterion("zap_rural").match is None
    assert after.criterion("zap_rural").match is not None


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValidationError, match="valid_from is after valid_to"):
        Criterion.model_validate(
            {
                "id": "c",
                "label": {"es": "c", "en": "c"},
                "condition": {"fact": "size", "op": ">=", "value": 1},
                "source": {"ref": "s", "pinpoint": "p", "quote": "q"},
                "valid_from": "2018-01-01",
                "valid_to": "2016-01-01",
            }
        )
