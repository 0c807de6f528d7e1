"""What a Mexican official types is read the same way on every path: a group file (the command
line), the API (and so the page, which posts to it) and a population's CSV files. One group,
written with Spanish field names and values, a day-first date and a territory written as a
number without its leading zero, gets the same determination on each."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.eligibility import EligibilityEngine
from engine.groups import load_groups
from engine.input_errors import worded
from engine.rules import load_rules
from engine.schema import Group
from engine.screen import screen
from engine.territory import territory_code

SPANISH_FILE = """\
clave del grupo: tecolotes
país: México
municipio: 1001
localidad: Urbana
organización: OSSE
fecha: 30/06/2017
integrantes:
  - {edad: 34, sexo: mujer, prospera: Sí, pobreza: sí, potencial: alto}
  - {edad: 41, sexo: Mujer, prospera: "No", pobreza: SÍ, potencial: muy alto}
  - {edad: 17, sexo: hombre, prospera: sí, pobreza: no, potencial: Medio, estrato: E2}
"""
# the same group as a population: the interchange columns, the same words in the cells
GROUPS_CSV = "group_id,country,territory,locality,organisation\ntecolotes,México,1001,Urbana,OSSE\n"
MEMBERS_CSV = (
    "group_id,age,sex,prospera,poverty,entrepreneurial_potential,producer_stratum\n"
    "tecolotes,34,mujer,Sí,sí,alto,\n"
    "tecolotes,41,Mujer,No,SÍ,muy alto,\n"
    "tecolotes,17,hombre,sí,no,Medio,E2\n"
)
DAY = dt.date(2017, 6, 30)


def _answers(result) -> dict[str, tuple[bool | None, list[str]]]:
    return {d.program: (d.eligible, d.failed) for d in result.determinations}


def test_a_spanish_typed_group_is_read_as_its_canonical_form(tmp_path: Path) -> None:
    path = tmp_path / "tecolotes.yaml"
    path.write_text(SPANISH_FILE, encoding="utf-8")
    (group,) = load_groups(path)
    assert group.territory == "01001" and group.country == "MX" and group.as_of == DAY
    assert group.locality is not None and group.locality.value == "urban"
    assert group.organisation is not None and group.organisation.value == "osse"
    assert [(m.age, m.sex, m.prospera, m.poverty) for m in group.members] == [
        (34, "F", True, True), (41, "F", False, True), (17, "M", True, False)]
    assert [m.entrepreneurial_potential.value for m in group.members if m.entrepreneurial_potential] == [
        "high", "very_high", "medium"]


def test_the_same_group_gets_the_same_answer_from_file_api_and_population(tmp_path: Path) -> None:
    path = tmp_path / "tecolotes.yaml"
    path.write_text(SPANISH_FILE, encoding="utf-8")
    (group,) = load_groups(path)
    engine = EligibilityEngine()
    from_file = _answers(engine.check(group))

    import yaml

    from api.main import create_app
    with TestClient(create_app()) as client:
        r = client.post("/v1/eligibility", json=json.loads(json.dumps(yaml.safe_load(SPANISH_FILE), default=str)))
        assert r.status_code == 200, r.text
        from_api = {d["program"]: (d["eligible"], d["failed"]) for d in r.json()["determinations"]}
    assert from_api == from_file

    (tmp_path / "pop").mkdir()
    (tmp_path / "pop" / "groups.csv").write_text(GROUPS_CSV, encoding="utf-8")
    (tmp_path / "pop" / "members.csv").write_text(MEMBERS_CSV, encoding="utf-8")
    parts = list(screen(tmp_path / "pop", load_rules(), DAY))
    assert sum(p.rejects.height for p in parts) == 0
    row = parts[0].groups.row(0, named=True)
    assert row["territory"] == "01001"
    from_population = {
        slug: (row[f"eligible_{i}"], row[f"failed_{i}"].split(";") if row[f"failed_{i}"] else [])
        for i, slug in enumerate(parts[0].plan.slugs)
    }
    assert from_population == from_file


@pytest.mark.parametrize(("country", "raw", "code"), [
    ("MX", 12043, "12043"), ("MX", "1001", "01001"), ("MX", 1001.0, "01001"),
    ("PA", "Coclé", "02"), ("PA", "cocle", "02"), ("PA", 2, "02"), ("MX", "Chilpancingo", "Chilpancingo"),
])
def test_territory_as_people_write_it(country, raw, code) -> None:
    assert territory_code(country, raw) == code


def test_a_field_named_twice_and_a_misspelt_field_are_named_in_spanish() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        Group.model_validate({"id": "x", "territory": "12029", "members": [{"edad": 30, "age": 31}]})
    assert worded(info.value.errors()[0], "es") == ("integrante 1", "«edad» y «age» nombran el mismo dato: deje uno")
    with pytest.raises(ValidationError) as info:
        Group.model_validate({"id": "x", "territory": "12029", "localidd": "rural"})
    assert worded(info.value.errors()[0], "es") == (
        "localidd", "no es un campo del formato; ¿quiso decir «tipo de localidad» (o «locality»)?")


def test_a_population_cell_that_is_neither_yes_nor_no_is_rejected_naming_it(tmp_path: Path) -> None:
    (tmp_path / "groups.csv").write_text("group_id,territory\ng,12029\n", encoding="utf-8")
    (tmp_path / "members.csv").write_text("group_id,prospera\ng,quizá\n", encoding="utf-8")
    parts = list(screen(tmp_path, load_rules(), DAY))
    reasons = [r for p in parts for r in p.rejects.get_column("reason").to_list()]
    assert "prospera (beneficiaria de PROSPERA): `quizá` no es sí ni no" in reasons
    parts = list(screen(tmp_path, load_rules(), DAY, lang="en"))
    reasons = [r for p in parts for r in p.rejects.get_column("reason").to_list()]
    assert "prospera (PROSPERA beneficiary) `quizá` is not true or false (sí / no)" in reasons


def test_errors_in_a_file_written_with_spanish_field_names_give_their_own_lines(tmp_path: Path) -> None:
    from engine.errors import InputError

    path = tmp_path / "g.yaml"
    path.write_text("clave del grupo: prueba\nmunicipio: 12029\nfecha: 31/02/2017\nintegrantes:\n"
                    "  - {edad: 130, sexo: mujer}\n  - {edda: 30}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_groups(path)
    assert str(info.value).splitlines() == [
        f"{path}:5: integrante 1, edad: debe ser a lo más 120 (se leyó 130)",
        f"{path}:6: integrante 2, edda: no es un campo del formato; ¿quiso decir «edad» (o «age»)?",
        f"{path}:3: fecha de la determinación: «31/02/2017» no es una fecha: escríbala como 30/06/2017 o 2017-06-30",
    ]


def test_territorio_names_the_territory_as_municipio_and_provincia_do() -> None:
    group = Group.model_validate({"id": "a", "territorio": "12043", "fecha": "30/06/2017"})
    assert group.territory == "12043" and group.as_of == DAY
