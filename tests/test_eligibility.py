"""Eligibility semantics: thresholds on both sides, three-valued logic, dated parameters, isolation."""
from __future__ import annotations

import datetime as dt

import pytest

from engine.eligibility import count_outcome, kleene
from engine.schema import Rule
from tests.conftest import determination, make_group, member, outcome


@pytest.mark.parametrize(("size", "expected"), [(4, "fail"), (5, "pass"), (6, "pass")])
def test_proinpro_group_size_threshold_is_five(engine, size, expected):
    det = determination(engine, make_group([member() for _ in range(size)]), "proinpro")
    assert outcome(det, "min_size") == expected


@pytest.mark.parametrize(("prospera", "size", "expected"),
                         [(2, 5, "fail"), (3, 5, "pass"), (3, 6, "fail"), (4, 6, "pass")])
def test_proinpro_needs_more_than_half_prospera(engine, prospera, size, expected):
    members = [member(prospera=i < prospera) for i in range(size)]
    det = determination(engine, make_group(members), "proinpro")
    assert outcome(det, "prospera_majority") == expected


@pytest.mark.parametrize(("age", "expected"), [(17, "fail"), (18, "pass")])
def test_proinpro_members_must_be_adults(engine, age, expected):
    det = determination(engine, make_group([member(age=age)] + [member() for _ in range(4)]), "proinpro")
    assert outcome(det, "adults") == expected
    if expected == "fail":
        crit = next(c for c in det.criteria if c.id == "adults")
        assert crit.failing_members == [1] and "4 de 5" in crit.observed


@pytest.mark.parametrize(("potential", "expected"),
                         [("low", "fail"), ("very_low", "fail"), ("medium", "pass"), ("very_high", "pass")])
def test_proinpro_entrepreneurial_potential_medium_or_better(engine, potential, expected):
    det = determination(engine, make_group([member(potential=potential)] + [member() for _ in range(4)]),
                        "proinpro")
    assert outcome(det, "entrepreneurial_potential") == expected


@pytest.mark.parametrize(("territory", "expected"), [("12041", "pass"), ("13048", "pass"), ("32010", "pass"),
                                                     ("20053", "fail")])
def test_proinpro_target_states(engine, territory, expected):
    det = determination(engine, make_group(territory=territory), "proinpro")
    assert outcome(det, "target_state") == expected


@pytest.mark.parametrize(("age", "sex", "poverty", "stratum", "expected"), [
    (17, "F", True, "E4", "fail"), (18, "F", True, "E4", "pass"), (65, "F", True, "E4", "pass"),
    (66, "F", True, "E4", "fail"), (40, "F", False, "E4", "fail"), (40, "M", True, "E3", "pass"),
    (40, "M", True, "E4", "fail"), (40, "M", False, "E1", "pass"),
])
def test_campo_member_is_woman_18_to_65_in_poverty_or_small_producer(engine, age, sex, poverty, stratum, expected):
    group = make_group([member(age=age, sex=sex, poverty=poverty, stratum=stratum)], locality="periurban")
    det = determination(engine, group, "el-campo-en-nuestras-manos")
    assert outcome(det, "target_members") == expected


def test_campo_unknown_stratum_of_a_man_is_cannot_tell_naming_the_fact(engine):
    group = make_group([member(sex="M", stratum=None), member()], locality="rural")
    det = determination(engine, group, "el-campo-en-nuestras-manos")
    assert det.eligible is None and det.status == "cannot_tell"
    assert det.missing_facts == ["members[1].producer_stratum"]


@pytest.mark.parametrize(("pct", "expected"), [(24.9, "fail"), (25, "pass")])
def test_opciones_productivas_urban_zap_threshold(engine, pct, expected):
    det = determination(engine, make_group(territory="01003", urban_zap_pct=pct), "opciones-productivas")
    assert outcome(det, "zap_urban") == expected


def test_opciones_productivas_income_threshold_from_coneval(engine):
    above = determination(engine, make_group(territory="01008"), "opciones-productivas")   # 51.2 %
    below = determination(engine, make_group(territory="01003"), "opciones-productivas")   # 49.5 %
    assert outcome(above, "income_poverty") == "pass" and outcome(below, "income_poverty") == "fail"
    crit = next(c for c in below.criteria if c.id == "income_poverty")
    assert "49.5" in crit.observed and "50" in crit.threshold


def test_opciones_productivas_cannot_tell_names_unstated_facts(engine):
    det = determination(engine, make_group(territory="01003"), "opciones-productivas")
    assert det.eligible is None
    assert set(det.missing_facts) == {"urban_zap_pct", "social_bank_office"}
    assert set(det.unknown) == {"zap_urban", "social_bank"}


def test_opciones_productivas_one_territorial_criterion_is_enough_even_with_unknowns(engine):
    det = determination(engine, make_group(territory="07050"), "opciones-productivas")  # only Medio
    assert det.eligible is True and det.failed == [] and det.unknown == []


def test_programme_out_of_force_says_so(engine):
    det = determination(engine, make_group(as_of=dt.date(2018, 3, 1)), "proinpro")
    assert det.eligible is False and det.failed == ["in_force"]
    assert det.status == "not_in_force" and det.status_reason == "after_period"
    assert det.summary == "No vigente el 01/03/2018: sus reglas llegan hasta el 31/12/2017"
    assert det.criteria[0].observed.endswith("01/03/2018")  # a date as a Mexican official writes it


def test_as_of_argument_overrides_the_group_file(engine):
    group = make_group(as_of=dt.date(2017, 6, 30))
    assert engine.check(group, as_of=dt.date(2019, 1, 1), programs=["proinpro"]).determinations[0].eligible is False


def test_3x1_shares_and_who_may_propose_over_time(engine):
    ok = {"proposer": "migrant_club", "proposer_country": "US",
          "contributions": {"federal": 1000000, "state": 1000000, "municipal": 1000000, "migrant": 1000000}}
    det = determination(engine, make_group(project=ok, as_of=dt.date(2006, 6, 30)), "3x1-migrantes")
    assert det.eligible is True
    crit = next(c for c in det.criteria if c.id == "federal_share")
    assert crit.parameters[0]["value"] == 25 and crit.parameters[0]["in_force_from"] == "2002-01-01"
    short = dict(ok, contributions={"federal": 250000, "state": 250000, "municipal": 240000, "migrant": 260000})
    assert determination(engine, make_group(project=short, as_of=dt.date(2006, 6, 30)), "3x1-migrantes").failed == [
        "municipal_share"]
    community = dict(ok, proposer="group", proposer_country="MX")
    assert determination(engine, make_group(project=community, as_of=dt.date(2003, 6, 30)), "3x1-migrantes").eligible
    assert determination(engine, make_group(project=community, as_of=dt.date(2006, 6, 30)), "3x1-migrantes").eligible is False
    # after 2007 no source states the shares, and none says the programme ended (`ended: false`):
    # "cannot tell", not "not in force"
    late = determination(engine, make_group(project=ok, as_of=dt.date(2016, 6, 30)), "3x1-migrantes")
    assert late.status == "cannot_tell" and late.status_reason is None and late.eligible is None
    assert {c.id: c.outcome for c in late.criteria}["federal_share"] == "unknown"


def test_a_programme_that_ended_is_not_in_force_after_its_period(engine):
    # PROINPRO's pilot ended in 2017 (its rule file's `ended` is true by default)
    late = determination(engine, make_group(as_of=dt.date(2019, 6, 30)), "proinpro")
    assert late.status == "not_in_force" and late.status_reason == "after_period"


def test_3x1_eligible_project_names_covam_as_next_step(engine):
    project = {"proposer": "migrant_federation", "proposer_country": "US",
               "contributions": {"federal": 1, "state": 1, "municipal": 1, "migrant": 1}}
    det = determination(engine, make_group(project=project, as_of=dt.date(2006, 6, 30)), "3x1-migrantes")
    assert det.eligible and "COVAM" in det.next_steps


def test_panama_priorities_are_shown_but_not_required(engine):
    group = make_group([member(indigenous=False)], country="PA", territory="09", locality="urban",
                       as_of=dt.date(2011, 1, 1), project={"sector": "agriculture"})
    det = determination(engine, group, "red-oportunidades-empresariales")
    assert det.eligible is True
    priority = {c.id: c for c in det.criteria if not c.required}
    assert priority["rural_priority"].outcome == "fail" and priority["indigenous_priority"].outcome == "fail"


def test_every_criterion_explanation_has_observed_value_threshold_and_citation(engine):
    for det in engine.check(make_group()).determinations:
        for c in det.criteria:
            assert c.observed and c.threshold and c.source.title and c.source.pinpoint


def test_english_explanations(engine):
    det = engine.check(make_group([member() for _ in range(4)]), lang="en", programs=["proinpro"]).determinations[0]
    assert det.summary == "Not met: Group of at least 5 members (number of members: 4)"
    assert "at least 5" in next(c.threshold for c in det.criteria if c.id == "min_size")


def test_no_fact_leaks_between_evaluations(engine):
    eligible = make_group()
    small = make_group([member()], territory="20053", locality="urban")
    alone = engine.check(small).model_dump()
    engine.check(eligible)
    assert engine.check(small).model_dump() == alone
    assert engine.matcher.host.pending == 0


def test_kleene_logic_and_counting_with_unknowns():
    rule = Rule.model_validate({"all": ["a", {"any": ["b", "c"]}]})
    assert kleene(rule, {"a": True, "b": None, "c": True}) is True
    assert kleene(rule, {"a": True, "b": None, "c": False}) is None
    assert kleene(rule, {"a": False, "b": None, "c": None}) is False
    assert count_outcome(">", 0.5, passed=2, unknown=1, size=5, share=True) is None   # 2/5 or 3/5
    assert count_outcome(">", 0.5, passed=3, unknown=1, size=5, share=True) is True
    assert count_outcome(">=", 5, passed=2, unknown=2, size=5, share=False) is False


def test_not_a_producer_is_a_definite_no_for_campo(engine):
    group = make_group([member(age=66, sex="F", stratum="none")], locality="rural")
    det = determination(engine, group, "el-campo-en-nuestras-manos")
    assert det.status == "not_eligible" and det.failed == ["target_members"]


def test_a_number_is_not_accepted_as_a_date():
    from pydantic import ValidationError
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        make_group(as_of=0)


def test_cannot_tell_summary_names_missing_facts_in_words(engine):
    group = make_group([member(), member(), member(prospera=False), member(prospera=False),
                        member(prospera=None)], locality=None)
    es = engine.check(group, programs=["proinpro"]).determinations[0]
    en = engine.check(group, lang="en", programs=["proinpro"]).determinations[0]
    assert es.eligible is None and es.missing_facts == ["members[5].prospera", "locality"]
    assert es.summary == ("No se puede determinar; falta: tipo de localidad, "
                          "integrante 5 (beneficiaria de PROSPERA)")
    assert en.summary == "Cannot tell; missing: locality type, member 5 (PROSPERA beneficiary)"


def test_count_outcome_decides_exactly_as_trying_every_possible_count():
    # the closed form (two ends for an order, one hit for ==/!=) against brute force
    thresholds = [0, 0.2, 0.25, 1 / 3, 0.5, 0.6, 2 / 3, 1, 1.5, 2, 3, 5]
    for n in range(0, 7):
        for p in range(0, n + 1):
            for u in range(0, n - p + 1):
                for op in ("<", "<=", "==", "!=", ">", ">="):
                    for t in thresholds:
                        for share in (True, False):
                            x = [(k / n if n else 0.0) if share else float(k) for k in range(p, p + u + 1)]
                            seen = {{"<": v < t, "<=": v <= t, "==": v == t, "!=": v != t,
                                     ">": v > t, ">=": v >= t}[op] for v in x}
                            expected = seen.pop() if len(seen) == 1 else None
                            assert count_outcome(op, t, p, u, n, share) is expected, (op, t, p, u, n, share)
