"""What would make a group eligible (engine/suggest.py): every suggestion marked feasible, applied
as JSON Patch (the `jsonpatch` package, RFC 6902) to the group document, makes the programme
eligible, on the fixture groups and on groups drawn at random from the vocabulary and the rules;
the words read as a coordinator would say them."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jsonpatch
import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from engine import FIXTURES_DIR
from engine.differential import GroupDrawer
from engine.eligibility import EligibilityEngine
from engine.groups import load_groups
from engine.rules import load_rules
from engine.schema import Determination, Group, GroupResult
from engine.suggest import diff, document

FIXTURES = sorted((FIXTURES_DIR / "groups").glob("*.yaml"))


def judged(engine: EligibilityEngine, group: Group, day: dt.date | None = None) -> GroupResult:
    return engine.check(group, day, "es", suggest=True)


def recheck(engine: EligibilityEngine, doc: dict[str, Any], program: str, day: dt.date | None) -> Determination:
    return engine.check(Group.model_validate(doc), day, "es", [program]).determinations[0]


def test_feasible_suggestions_applied_to_fixture_files_make_the_programme_eligible(engine):
    """The operations apply to the group file as written (read with a YAML reader, no model in
    between) and to the document the API reads; both come out eligible."""
    applied = 0
    for path in FIXTURES:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        group = Group.model_validate(raw)
        for det in judged(engine, group).determinations:
            if det.status == "eligible":
                assert det.suggestions == []
                continue
            for suggestion in det.suggestions:
                if not suggestion.feasible:
                    continue
                assert all(step.feasible for step in suggestion.steps)
                for doc in (raw, document(group)):
                    patched = jsonpatch.apply_patch(doc, suggestion.changes)
                    after = recheck(engine, patched, det.program, None)
                    assert after.status == "eligible", (path.name, det.program, suggestion.changes, after.summary)
                applied += 1
    assert applied >= 20  # the fixtures hold that many feasible ways to eligibility


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=GroupDrawer(load_rules()).batch(max_groups=3))
def test_feasible_suggestions_make_generated_groups_eligible(data):
    """Groups nobody has seen: every feasible suggestion, applied, makes its programme eligible
    on the same date; a suggestion with a step out of the group's hands is never feasible."""
    day, groups = data
    engine = _engine()
    for group in groups:
        for det in judged(engine, group, day).determinations:
            for suggestion in det.suggestions:
                if any(not step.feasible for step in suggestion.steps):
                    assert not suggestion.feasible
                if suggestion.feasible:
                    patched = jsonpatch.apply_patch(document(group), suggestion.changes)
                    after = recheck(engine, patched, det.program, day)
                    assert after.status == "eligible", (group.model_dump_json(), det.program, suggestion.changes)


_ENGINE: list[EligibilityEngine] = []


def _engine() -> EligibilityEngine:
    if not _ENGINE:
        _ENGINE.append(EligibilityEngine())
    return _ENGINE[0]


GROUPS = {g.id: g for g in load_groups(FIXTURES_DIR / "groups")}


def steps(engine: EligibilityEngine, group_id: str, program: str) -> list[tuple[str, bool, str]]:
    det = next(d for d in judged(engine, GROUPS[group_id]).determinations if d.program == program)
    return [(s.text, s.feasible, s.kind) for s in det.suggestions[0].steps]


@pytest.mark.parametrize(("group_id", "program", "expected"), [
    ("g-003", "proinpro", ("Agregar 1 integrante que cumpla: ser beneficiaria de PROSPERA, tener al menos 18 "
                           "años y tener potencial emprendedor medio, alto o muy alto", True, "add_members")),
    ("g-004", "proinpro", ("1 integrante más debe ser beneficiaria de PROSPERA (p. ej., el integrante 4)",
                           True, "change")),
    ("g-006", "proinpro", ("La integrante 1 debe tener al menos 18 años (hoy: 17)", True, "change")),
    # she cannot get younger: the group would need another member in her place
    ("g-025", "el-campo-en-nuestras-manos", ("Quien sustituya a la integrante 1 debe tener entre 18 y 65 años "
                                             "(hoy: 66)", True, "change")),
    ("g-010", "proinpro", ("El integrante 5 debe tener potencial emprendedor medio, alto o muy alto (hoy: bajo)",
                           True, "change")),
    ("g-021", "opciones-productivas", ("Registrarse como organización del sector social de la economía (OSSE) "
                                       "(hoy: grupo informal)", True, "change")),
    ("g-008", "proinpro", ("El grupo debe estar en una localidad rural (hoy: urbana) (no depende del grupo)",
                           False, "outside")),
    ("g-009", "proinpro", ("El grupo debe estar en Guerrero, Hidalgo o Zacatecas (hoy: Oaxaca) "
                           "(no depende del grupo)", False, "outside")),
])
def test_suggestion_says_the_smallest_change_in_words(engine, group_id, program, expected):
    assert steps(engine, group_id, program) == [expected]


def test_shares_are_redistributed_keeping_the_total(engine):
    det = next(d for d in judged(engine, GROUPS["g-031"]).determinations if d.program == "3x1-migrantes")
    (step,) = det.suggestions[0].steps
    assert step.text.startswith("Repartir el total de 1,000,000 pesos así: aportación federal 250,000 (25%)")
    assert det.suggestions[0].feasible


def test_a_closed_programme_is_not_in_the_groups_hands(engine):
    det = next(d for d in judged(engine, GROUPS["g-011"]).determinations if d.program == "proinpro")
    assert det.status == "not_in_force" and not det.suggestions[0].feasible
    first = det.suggestions[0].steps[0]
    assert first.kind == "outside" and first.text == (
        "El programa no está vigente el 01/03/2019: sus reglas llegan hasta el 31/12/2017 (no depende del grupo)")
    assert first.changes == [{"op": "add", "path": "/as_of", "value": "2017-12-31"}]


def test_programmes_are_ranked_by_closeness_and_facts_to_collect_by_answers_they_settle(engine):
    result = judged(engine, GROUPS["g-006"])
    statuses = {d.program: d.status for d in result.determinations}
    assert result.ranking[0] in [p for p, s in statuses.items() if s == "eligible"]
    feasible = [d.program for d in result.determinations if d.suggestions and d.suggestions[0].feasible]
    other_country = [d.program for d in result.determinations if d.status_reason == "other_country"]
    assert result.ranking.index(feasible[0]) < result.ranking.index(other_country[0])
    assert result.ranking[-1] in other_country
    counts = [len(f.programs) for f in result.to_collect]
    assert counts == sorted(counts, reverse=True)
    assert all(f.label and not f.label.startswith("members[") for f in result.to_collect)


def test_diff_adds_objects_and_list_items_that_apply_to_documents_leaving_defaults_out():
    before = {"id": "x", "members": [{"age": 17}], "project": {"contributions": {"federal": 0}}}
    after = {"id": "x", "members": [{"age": 18}, {"age": 30}], "project": {"contributions": {"federal": 1, "state": 2}}}
    ops = diff(before, after)
    assert jsonpatch.apply_patch(before, ops) == after
    # the same operations on a file that leaves `state` out, as a group file may
    assert jsonpatch.apply_patch({"id": "x", "members": [{"age": 17}], "project": {"contributions": {"federal": 0}}},
                                 ops) == after


def test_json_output_carries_suggestions_with_changes(tmp_path: Path):
    from typer.testing import CliRunner

    from api.cli import app

    result = CliRunner().invoke(app, ["check", str(FIXTURES_DIR / "groups" / "g-003.yaml"), "--json"])
    import json

    data = json.loads(result.stdout)
    det = next(d for d in data["determinations"] if d["program"] == "proinpro")
    assert det["suggestions"][0]["feasible"] is True
    assert det["suggestions"][0]["changes"][0]["op"] == "add"
    assert data["ranking"][0] in {d["program"] for d in data["determinations"] if d["status"] == "eligible"}
