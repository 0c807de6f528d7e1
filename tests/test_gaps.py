"""Each gap kind is found on a small graph made for it and not on its fixed twin; the three real
cases show the gaps their sources describe."""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.commitments import Case
from engine.errors import RuleFileError
from engine.gaps import GapReport, analyse, analyse_case, fill, load_checks

SRC = {"ref": "doc", "pinpoint": "p. 1", "quote": "texto citado"}
TXT = {"es": "texto", "en": "text"}


def actor(aid: str, kind: str = "programme", **kw: Any) -> dict[str, Any]:
    facts = {k: {"value": kw.pop(k), "source": SRC} for k in list(kw)
             if k in ("has_budget", "has_operating_rules", "decision_making_members")}
    facts.update({f"plan_{k}": {"value": v, "source": SRC} for k, v in kw.pop("plans", {}).items()})
    return {"id": aid, "name": f"Actor {aid}", "kind": kind, "source": SRC, "facts": facts, **kw}


def commit(cid: str, a: str, b: str, **kw: Any) -> dict[str, Any]:
    base = {"id": cid, "from": a, "to": b, "kind": "budget", "amount": 10, "currency": "MXN",
            "instrument": "signed_agreement", "status": "honoured", "description": TXT, "source": SRC}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def case(actors: list[dict[str, Any]], commitments: list[dict[str, Any]], **kw: Any) -> Case:
    return Case.model_validate({
        "id": "t", "title": TXT, "country": "MX", "period": "2017", "as_of": "2017-12-31",
        "summary": TXT, "sources": {"doc": {"title": "Documento de prueba", "publisher": "x", "text": "x.txt"}},
        "actors": actors, "commitments": commitments, **kw})


def kinds(c: Case) -> list[str]:
    return [g.kind for g in analyse_case(c, include_illustrative=True).gaps if g.known]


def gap(c: Case, kind: str):
    found = [g for g in analyse_case(c, include_illustrative=True).gaps if g.kind == kind and g.known]
    assert found, f"no {kind} gap in {kinds(c)}"
    return found[0]


# --------------------------------------------------------------------------- each kind and its twin


def test_gaps_declarative_only_found_and_not_on_bound_twin() -> None:
    broken = case([actor("a"), actor("b")],
                  [commit("c1", "a", "b", kind="declarative_agreement", instrument="none", amount=None,
                          currency=None)])
    g = gap(broken, "declarative_only")
    assert g.title.en == "1 of 1 commitments are declarative only"
    assert g.severity == "high" and g.commitments == ["c1"]
    fixed = case([actor("a"), actor("b")],
                 [commit("c1", "a", "b", kind="declarative_agreement", instrument="signed_agreement")])
    assert "declarative_only" not in kinds(fixed)


def test_gaps_linkage_rate_found_and_not_when_all_realised() -> None:
    actors = [actor("hub", "committee", coordinating=True), actor("link"), actor("p1"), actor("p2"),
              actor("p3")]
    links = [commit(f"l{i}", f"p{i}", "hub", kind="declarative_agreement", instrument="operating_rules",
                    amount=None, currency=None, linkage=True,
                    status="honoured" if i == 1 else "broken") for i in (1, 2, 3)]
    base = [commit("x", "link", "hub", kind="data_sharing")]
    g = gap(case(actors, base + links, linkage={"linking": "link", "hub": "hub"}), "linkage_not_realised")
    assert g.figures["realised"] == 1 and g.figures["expected"] == 3
    assert g.evidence[0].en.startswith("1 of 3 expected linkages were realised (33%)")
    for c in links:
        c["status"] = "honoured"
    fixed = case(actors, base + links, linkage={"linking": "link", "hub": "hub"})
    assert "linkage_not_realised" not in kinds(fixed)


def _population(tmp_path: Path, eligible: bool) -> str:
    member = {"age": 30, "sex": "F", "prospera": True, "poverty": True,
              "entrepreneurial_potential": "high" if eligible else "low"}
    groups = [{"id": f"g{i}", "territory": "12002", "locality": "rural", "organisation": "informal",
               "members": [member] * 5} for i in range(4)]
    path = tmp_path / "pop.yaml"
    path.write_text(yaml.safe_dump({"groups": groups}), encoding="utf-8")
    return str(path)


def _mismatch_case(pop: str) -> Case:
    return case([actor("link"), actor("p", programme="proinpro"), actor("q")],
                [commit("l1", "p", "link", linkage=True), commit("l2", "q", "link", linkage=True)],
                linkage={"linking": "link", "population": pop, "as_of": "2017-03-01"})


def test_gaps_target_mismatch_screens_population_and_not_when_it_fits(tmp_path: Path) -> None:
    g = gap(_mismatch_case(_population(tmp_path, eligible=False)), "target_mismatch")
    report = analyse_case(_mismatch_case(_population(tmp_path, eligible=False)), include_illustrative=True)
    row = report.screening.rows[0]
    assert (row.programme, row.eligible, row.screened) == ("proinpro", 0, 4)
    assert row.top_blocking == "entrepreneurial_potential" and row.top_blocking_count == 4
    assert report.screening.share_none == 1.0 and report.screening.not_screened == ["q"]
    assert g.severity == "high"
    assert "0 of 4 groups eligible (0%)" in g.evidence[1].en
    fixed = _mismatch_case(_population(tmp_path, eligible=True))
    assert "target_mismatch" not in kinds(fixed)
    assert analyse_case(fixed).screening.rows[0].share_eligible == 1.0
    assert g.basis == "illustrative" and "synthetic population of 4 groups" in g.title.en


def test_gaps_weak_coordinating_body_found_and_not_when_equipped() -> None:
    weak = case([actor("c", "committee", coordinating=True, has_budget=False, has_operating_rules=True)], [])
    g = gap(weak, "weak_coordinating_body")
    assert g.title.en == "Actor c: coordinating body without means (no budget of its own)"
    fixed = case([actor("c", "committee", coordinating=True, has_budget=True, has_operating_rules=True)], [])
    assert "weak_coordinating_body" not in kinds(fixed)


def test_gaps_single_point_of_failure_found_and_not_with_direct_links() -> None:
    actors = [actor("hub", "committee"), actor("link"), actor("p1"), actor("p2")]
    links = [commit(f"l{i}", f"p{i}", "hub", linkage=True) for i in (1, 2)]
    spoke = [commit("x", "link", "hub", kind="data_sharing")]
    g = gap(case(actors, spoke + links, linkage={"linking": "link"}), "single_point_of_failure")
    assert g.actors[0] == "hub" and g.figures["cut_off"] == 2 and g.severity == "high"
    direct = [commit(f"d{i}", f"p{i}", "link", kind="technical_assistance") for i in (1, 2)]
    fixed = case(actors, spoke + links + direct, linkage={"linking": "link"})
    assert "single_point_of_failure" not in kinds(fixed)


def test_gaps_silos_found_and_not_when_clusters_work_together() -> None:
    actors = [actor("coord", "committee", coordinating=True)]
    pairs = []
    for i in (1, 2, 3):
        actors += [actor(f"agency{i}", "un_agency"), actor(f"ministry{i}", "ministry")]
        pairs += [commit(f"ta{i}", f"agency{i}", f"ministry{i}", kind="technical_assistance"),
                  commit(f"r{i}", f"agency{i}", "coord", kind="data_sharing")]
    g = gap(case(actors, pairs), "silos")
    assert g.figures["clusters"] == 3
    joint = [commit("j1", "ministry1", "ministry2", kind="technical_assistance"),
             commit("j2", "ministry2", "ministry3", kind="technical_assistance")]
    assert "silos" not in kinds(case(actors, pairs + joint))


def _cofinanced(municipal_status: str) -> Case:
    levels = {"federal": "fed", "state": "st", "municipal": "mun", "migrant": "club"}
    actors = [actor("proj", "project")] + [actor(a, "government", level=lv) for lv, a in levels.items()]
    commitments = [commit(f"c-{a}", a, "proj", kind="co_financing_share", amount=100, share=0.25,
                          status=municipal_status if lv == "municipal" else "honoured")
                   for lv, a in levels.items()]
    return case(actors, commitments, cofinancing=[{
        "id": "s", "label": TXT, "shares": {"federal": .25, "state": .25, "municipal": .25, "migrant": .25},
        "projects": ["proj"], "source": SRC}])


def test_gaps_vertical_gap_found_and_not_when_every_level_pays() -> None:
    g = gap(_cofinanced("broken"), "vertical_gap")
    assert g.severity == "high" and g.commitments == ["c-mun"]
    assert "the municipal level did not put in its share (0 of 100)" in g.evidence[0].en
    assert "vertical_gap" not in kinds(_cofinanced("honoured"))


def _budget(lines: list[int], third: str) -> Case:
    actors = [actor("fund", "funder"), actor("prog")] + [actor(f"ag{i}", "un_agency") for i in range(len(lines))]
    commitments = [commit(f"line{i}", "fund", f"ag{i}", amount=x, instrument="budget_line", status="planned")
                   for i, x in enumerate(lines)]
    commitments += [commit("d1", "fund", "prog", amount=50),
                    commit("d2", "fund", "prog", amount=50, status=third, due="2017-06-30")]
    return case(actors, commitments, budgets=[{
        "id": "b", "label": TXT, "stated_total": 100, "currency": "USD",
        "lines": [f"line{i}" for i in range(len(lines))], "disbursements": ["d1", "d2"], "source": SRC}])


def test_gaps_budget_inconsistency_found_and_not_when_it_adds_up() -> None:
    found = [g for g in analyse_case(_budget([40, 50], "planned")).gaps if g.kind == "budget_inconsistency"]
    assert {g.check for g in found} == {"budget-sum", "disbursement-schedule"}
    total = next(g for g in found if g.check == "budget-sum")
    assert total.figures["difference"] == 10
    assert "40 + 50 = 90 USD, against a stated total of 100: 10 unaccounted for." in total.evidence[0].en
    assert "budget_inconsistency" not in kinds(_budget([40, 60], "honoured"))


def test_gaps_late_disbursement_title_agrees_with_how_many_are_late() -> None:
    one = next(g for g in analyse_case(_budget([40, 60], "planned")).gaps if g.check == "disbursement-schedule")
    assert one.title.es == "Desembolso atrasado: 1 de 2 pendiente"
    assert one.title.en == "Disbursement behind schedule: 1 of 2 pending"
    assert "texto previsto para 2017-06-30 sigue pendiente al 2017-12-31" in one.evidence[0].es
    two = _budget([40, 60], "planned")
    first = two.commitments[-2]
    first.status, first.due, first.delivered = "partial", dt.date(2017, 3, 1), 10
    late = next(g for g in analyse_case(two).gaps if g.check == "disbursement-schedule")
    assert late.title.es == "Desembolso atrasado: 2 de 2 pendientes"
    assert "texto, texto previstos para 2017-03-01, 2017-06-30 siguen pendientes al 2017-12-31" in late.evidence[0].es
    assert "text, text due 2017-03-01, 2017-06-30 still pending on 2017-12-31" in late.evidence[0].en


def test_gaps_one_partner_or_one_group_is_named_in_the_singular(tmp_path: Path) -> None:
    hub = [actor("hub", "committee"), actor("link"), actor("p1")]
    spof = gap(case(hub, [commit("x", "link", "hub", kind="data_sharing"), commit("l1", "p1", "hub", linkage=True)],
                    linkage={"linking": "link"}), "single_point_of_failure")
    assert spof.evidence[0].es == "Si Actor hub falla, Actor link queda sin vínculo con 1 de 1 programa socio."
    assert spof.evidence[0].en == "If Actor hub fails, Actor link loses its link to 1 of 1 partner programme."
    member = {"age": 30, "sex": "F", "prospera": True, "poverty": True, "entrepreneurial_potential": "low"}
    pop = tmp_path / "one.yaml"
    pop.write_text(yaml.safe_dump({"groups": [{"id": "g0", "territory": "12002", "locality": "rural",
                                               "organisation": "informal", "members": [member] * 5}]}))
    mismatch = gap(_mismatch_case(str(pop)), "target_mismatch")
    assert "«Potencial emprendedor medio, alto o muy alto de cada integrante» (1 grupo)." in mismatch.evidence[1].es
    assert "(1 group)." in mismatch.evidence[1].en
    assert mismatch.evidence[-1].es == "1 socio sin archivo de reglas no se evaluó."
    assert mismatch.evidence[-1].en == "1 partner without a rule file was not screened."


def test_gaps_missing_plan_found_and_not_when_plans_exist() -> None:
    g = gap(case([actor("p", plans={"sustainability": False, "communication": True})], []), "missing_plan")
    assert g.title.en == "Actor p has no sustainability plan"
    assert [c.quote for c in g.citations] == ["texto citado"]
    assert "missing_plan" not in kinds(case([actor("p", plans={"sustainability": True})], []))


def test_gaps_binding_not_honoured_found_and_not_when_honoured() -> None:
    broken = case([actor("a"), actor("b")],
                  [commit("rule", "a", "b", kind="operating_rule_clause", instrument="operating_rules",
                          amount=None, currency=None, status="broken")])
    assert gap(broken, "binding_not_honoured").commitments == ["rule"]
    fixed = copy.deepcopy(broken)
    fixed.commitments[0].status = "honoured"
    assert "binding_not_honoured" not in kinds(fixed)


# --------------------------------------------------------------------------- declarative checks


def test_gaps_committee_adds_a_check_without_python(tmp_path: Path) -> None:
    (tmp_path / "no-currency-ta.yaml").write_text("""\
id: no-currency-ta
kind: declarative_only
severity: medium
over: commitments
where:
  all:
    - {fact: kind, op: "==", value: technical_assistance}
    - {fact: from_actor.kind, op: "==", value: operator}
report: each
title: {es: "Asistencia de un operador: {name}", en: "Operator assistance: {name}"}
evidence: {es: "{id}", en: "{id}"}
remedy: {es: Revisar el contrato, en: Review the contract}
""", encoding="utf-8")
    checks = load_checks(tmp_path)
    c = case([actor("op", "operator"), actor("b")],
             [commit("ta", "op", "b", kind="technical_assistance")])
    gaps = analyse_case(c, checks).gaps
    assert [g.title.en for g in gaps] == ["Operator assistance: Actor op → Actor b"]


def test_gaps_bad_check_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: bad\nkind: declarative_only\nseverity: urgent\nover: commitments\n"
                    "where: {fact: status, op: in, value: broken}\n"
                    "title: {es: a, en: a}\nevidence: {es: a, en: a}\nremedy: {es: a, en: a}\n",
                    encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load_checks(tmp_path)
    english, spanish = err.value.text("en"), err.value.text("es")
    assert f"{path}:3: severity: `urgent` is not an accepted value; use one of: high, medium, low" in english
    assert f"{path}:3: severity: «urgent» no es un valor admitido; use uno de estos: high, medium, low" in spanish
    assert "needs a non-empty list value" in english


def test_gaps_misspelt_field_is_an_error_with_line_and_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("id: typo\nkind: weak_coordinating_body\nseverity: high\nover: actors\n"
                    "where: {fact: facts.has_budgt, op: \"==\", value: false}\n"
                    "title: {es: a, en: a}\nevidence: {es: a, en: a}\nremedy: {es: a, en: a}\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as err:
        load_checks(tmp_path)
    assert f"{path}:5: where: `facts.has_budgt` is not a field of actors; did you mean facts.has_budget" in (
        err.value.text("en"))
    assert f"{path}:5: where: `facts.has_budgt` no es un campo de actors; ¿quiso decir facts.has_budget" in (
        err.value.text("es"))


def test_gaps_unknown_fact_is_not_a_finding() -> None:
    """`not has_budget == true` on an actor whose budget nobody knows: not known, never "no"."""
    c = case([actor("c", "committee", coordinating=True, has_operating_rules=True)], [])
    from engine.gaps import GapCheck, run_check
    check = GapCheck.model_validate({
        "id": "x", "kind": "weak_coordinating_body", "severity": "high", "over": "actors",
        "where": {"not": {"fact": "facts.has_budget", "op": "==", "value": True}},
        "title": TXT, "evidence": TXT, "remedy": TXT})
    assert run_check(check, c) == []


def test_gaps_illustrative_basis_is_kept_apart() -> None:
    weak = case([actor("c", "committee", coordinating=True, evidence="illustrative", source=None,
                       facts={"has_budget": {"value": False, "evidence": "illustrative"}})], [])
    assert "weak_coordinating_body" not in [g.kind for g in analyse_case(weak).gaps]
    report = analyse_case(weak, include_illustrative=True)
    g = next(g for g in report.gaps if g.kind == "weak_coordinating_body")
    assert g.basis == "illustrative" and report.counts["high"] == 0 and report.counts["illustrative"] == 1


def test_gaps_placeholders_are_plain_substitution() -> None:
    assert fill("{name} {name.__class__} {count}", {"name": "STEIA", "count": 2}) == "STEIA {name.__class__} 2"


# --------------------------------------------------------------------------- the three real cases


@pytest.fixture(scope="module")
def real() -> GapReport:
    return analyse()


def by_case(report: GapReport, cid: str):
    return next(c for c in report.cases if c.id == cid)


def test_gaps_steia_shows_what_004_describes(real: GapReport) -> None:
    steia = by_case(real, "steia")
    linkage = next(g for g in steia.gaps if g.kind == "linkage_not_realised")
    assert (linkage.figures["realised"], linkage.figures["expected"]) == (2, 17)
    assert linkage.figures["expected_after_withdrawals"] == 14 and linkage.basis == "inferred"
    assert linkage.title.es == "Vinculación de PROSPERA: 2 de 17 programas"
    weak = next(g for g in steia.gaps if g.kind == "weak_coordinating_body")
    assert weak.actors == ["steia"] and "no decision-making power" in weak.title.en
    assert any("lost its convening capacity" in (c.quote or "") for c in weak.citations)
    kinds_found = {g.kind for g in steia.gaps}
    assert {"budget_asymmetry", "early_closure", "no_vertical_coordination", "informal_coordination",
            "target_mismatch", "binding_not_honoured"} <= kinds_found
    clause = next(g for g in steia.gaps if g.check == "clause-without-specific-calls")
    assert clause.severity == "high" and "ordinary calls" in clause.title.en
    # the synthetic population's mismatch is an illustration, left out by default
    assert not any(g.check == "population-screen" for g in steia.gaps)
    assert all(g.basis != "illustrative" for g in steia.gaps)


def test_gaps_steia_screening_is_marked_illustrative() -> None:
    steia = analyse("steia", include_illustrative=True).cases[0]
    s = steia.screening
    assert s is not None and s.groups == 52
    assert [r.programme for r in s.rows] == ["opciones-productivas", "el-campo-en-nuestras-manos"]
    mismatch = next(g for g in steia.gaps if g.check == "population-screen")
    assert mismatch.basis == "illustrative" and "synthetic population of 52 groups" in mismatch.title.en
    assert steia.counts["illustrative"] == 1


def test_gaps_panama_shows_54000_difference_delay_and_ethnic_groups(real: GapReport) -> None:
    panama = by_case(real, "panama-rdeoe")
    diff = next(g for g in panama.gaps if g.check == "budget-sum")
    assert diff.figures["difference"] == 54000 and diff.figures["lines_total"] == 7946000
    assert "7,946,000 USD, frente a un total declarado de 8,000,000: faltan 54,000" in diff.evidence[0].es
    pending = next(g for g in panama.gaps if g.check == "disbursement-schedule")
    assert pending.figures["disbursed"] == 2033649 + 3089466 and pending.commitments == ["desembolso-3"]
    plans = next(g for g in panama.gaps if g.kind == "missing_plan")
    assert plans.title.en == "Programa conjunto has no sustainability plan, communication and advocacy plan"
    assert {"delayed_programme", "weak_governance", "target_group_not_reached", "bridge_not_built",
            "silos"} <= {g.kind for g in panama.gaps}
    bridge = next(g for g in panama.gaps if g.kind == "bridge_not_built")
    assert bridge.basis == "inferred" and bridge.citations[0].reasoning is not None
    # no agency-counterpart pair is stated, so none is drawn and nothing is called declarative
    assert panama.counts["declarative"] == 0


def test_gaps_tres_por_uno_shows_what_001_describes(real: GapReport) -> None:
    tres = by_case(real, "tres-por-uno")
    assert {"targeting_not_guaranteed", "participation_not_formalised", "uneven_coverage",
            "under_resourced_operation", "politicisation", "weak_local_capacity"} <= {g.kind for g in tres.gaps}
    # amounts per project are not in the sources: no vertical gap is computed from them
    assert not any(g.check == "cofinancing" for g in tres.gaps)
    table = next(tb for tb in tres.tables if tb.id == "proyectos-por-tipo")
    assert table.totals[1:] == [942, 899, 1436, 1636, 1208] and sum(table.totals[1:]) == 6121


def test_gaps_report_is_json_serialisable(real: GapReport) -> None:
    again = GapReport.model_validate_json(real.model_dump_json())
    assert again == real
