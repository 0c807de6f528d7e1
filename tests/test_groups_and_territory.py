"""Bad group input and unknown territories get clear errors naming the place and close matches."""
from __future__ import annotations

import pytest

from engine.errors import InputError, UnknownTerritoryError
from engine.groups import load_groups
from engine.territory import lookup, provider
from tests.conftest import make_group


def test_group_file_with_bad_age_names_file_line_and_field(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("id: g-1\nterritory: '12041'\nmembers:\n  - age: 34\n  - age: -3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_groups(path)
    assert f"{path}:5: integrante 2, edad: debe ser al menos 0 (se leyó -3)" in str(err.value)
    with pytest.raises(InputError) as english:
        load_groups(path, "en")
    assert f"{path}:5: member 2, age: must be at least 0 (read -3)" in str(english.value)


def test_group_file_with_unknown_field_is_rejected(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"id": "g", "territory": "12041", "locallity": "rural"}', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_groups(path)
    assert "locallity: no es un campo del formato; ¿quiso decir «tipo de localidad» (o «locality»)?" in str(err.value)


def test_group_list_error_names_the_group_index(tmp_path):
    path = tmp_path / "gs.yaml"
    path.write_text("groups:\n  - {id: a, territory: '12041'}\n  - {id: b, territory: '12041', locality: town}\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_groups(path)
    assert (f"{path}:3: grupo 2 (b), tipo de localidad: «town» no es un valor admitido: use rural, periurbana "
            "o urbana") in str(err.value)


def test_unknown_municipality_code_suggests_close_codes(engine):
    with pytest.raises(UnknownTerritoryError) as err:
        engine.check(make_group(territory="12429"))
    assert "no hay un municipio con clave «12429» en MX" in str(err.value)
    assert "unknown municipality code `12429` for country MX" in err.value.text("en")
    assert "12029" in err.value.suggestions


def test_municipality_search_by_name_ignores_accents():
    hits = provider("MX").search("chilpancingo")
    assert hits[0]["code"] == "12029"
    assert provider("MX").search("Metlatonoc")[0]["name"] == "Metlatónoc"


def test_territory_attributes_keep_unknowns_absent():
    seybaplaya = lookup("MX", "04012")
    assert "income_below_poverty_line_pct" not in seybaplaya
    assert lookup("MX", "12041")["indigenous_municipality"] is True
    assert lookup("PA", "02")["name"] == "Coclé"


@pytest.mark.parametrize("country", ["MX", "PA"])
def test_territory_frame_types_every_value_as_the_lookup_does(country):
    # the population screener reads the table with polars; the per-group path with csv
    p = provider(country)
    rows = {r["code"]: {k: v for k, v in r.items() if v is not None}
            for r in p.frame().iter_rows(named=True)}
    assert rows == p.table
