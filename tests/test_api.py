"""The HTTP API: endpoints, the CLI-equivalent answer, and every kind of bad input."""
from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from engine.eligibility import EligibilityEngine
from engine.schema import Group

GROUP: dict[str, Any] = {
    "id": "chilpancingo-01", "country": "MX", "territory": "12029", "locality": "rural",
    "organisation": "informal", "as_of": "2017-06-30",
    "members": [{"age": 34, "sex": "F", "prospera": True, "poverty": True},
                {"age": 41, "sex": "F", "prospera": True, "poverty": True},
                {"age": 29, "sex": "F", "prospera": True},
                {"age": 52, "sex": "M", "prospera": False},
                {"age": 23, "sex": "F", "prospera": True}]}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(max_body_bytes=50_000, max_batch=50))) as c:
        yield c


def test_api_healthz_lists_rule_versions(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert "proinpro" in r.json()["rules"]


def test_api_programs_lists_the_five(client: TestClient) -> None:
    slugs = {p["slug"] for p in client.get("/v1/programs").json()}
    assert {"proinpro", "opciones-productivas", "el-campo-en-nuestras-manos", "3x1-migrantes",
            "red-oportunidades-empresariales"} <= slugs


def test_api_program_detail_has_criteria_parameters_and_citations(client: TestClient) -> None:
    p = client.get("/v1/programs/proinpro").json()
    assert p["criteria"] and all(c["source"]["ref"] in p["sources"] for c in p["criteria"])
    assert p["parameters"]["min_group_size"]["values"][0]["from"] == "2016-01-01"
    assert p["rules_version"].startswith(p["version"] + "+")


def test_api_eligibility_is_the_cli_model(client: TestClient) -> None:
    r = client.post("/v1/eligibility", json=GROUP)
    assert r.status_code == 200
    expected = EligibilityEngine().check(Group.model_validate(GROUP), None, "es", None, suggest=True)
    assert r.json() == json.loads(expected.model_dump_json())


def test_api_eligibility_in_english_for_some_programmes(client: TestClient) -> None:
    r = client.post("/v1/eligibility?lang=en&program=proinpro&as_of=2016-02-01", json=GROUP)
    body = r.json()
    assert [d["program"] for d in body["determinations"]] == ["proinpro"]
    assert body["as_of"] == "2016-02-01"
    assert body["determinations"][0]["summary"].startswith(("Eligible", "Not", "Cannot"))


def test_api_unknown_programme_is_404_with_suggestions(client: TestClient) -> None:
    r = client.post("/v1/eligibility?program=proinpr", json=GROUP)
    assert r.status_code == 404
    assert r.json()["suggestions"] == ["proinpro"]
    assert client.get("/v1/programs/opciones").json()["suggestions"][0] == "opciones-productivas"


def test_api_unknown_territory_is_404_with_suggestions(client: TestClient) -> None:
    r = client.post("/v1/eligibility", json={**GROUP, "territory": "12O29"})
    assert r.status_code == 404
    body = r.json()
    assert body["code"] == "unknown_territory" and "12029" in body["suggestions"]
    assert client.get("/v1/territories/MX/1202").status_code == 404
    assert client.get("/v1/territories/ZZ/01").json()["hint"] == "países con datos: MX, PA"
    assert client.get("/v1/territories/ZZ/01?lang=en").json()["hint"] == "supported: MX, PA"


def test_api_territory_has_attributes_and_provenance(client: TestClient) -> None:
    body = client.get("/v1/territories/MX/12029").json()
    assert body["attributes"]["name"] == "Chilpancingo de los Bravo"
    assert "CONEVAL" in body["provenance"]


def test_api_territory_search_by_name_ignores_accents(client: TestClient) -> None:
    hits = client.get("/v1/territories/PA", params={"q": "cocle"}).json()
    assert hits[0] == {"code": "02", "name": "Coclé", "state_name": None}
    assert client.get("/v1/territories/MX", params={"q": "chilpan"}).json()[0]["code"] == "12029"


def test_api_invalid_field_is_422_with_path_and_message(client: TestClient) -> None:
    bad = {**GROUP, "members": [*GROUP["members"][:2], {"age": 130}], "colour": "red"}
    r = client.post("/v1/eligibility", json=bad)
    assert r.status_code == 422
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert fields["members[2].age"] == "debe ser a lo más 120 (se leyó 130)"  # Spanish by default
    assert fields["colour"].startswith("no es un campo del formato")
    labels = {e["field"]: e["label"] for e in r.json()["errors"]}
    assert labels["members[2].age"] == "integrante 3, edad"  # the place in words, counted from 1
    assert "integrante 3, edad: debe ser a lo más 120" in r.json()["message"]
    english = client.post("/v1/eligibility", json=bad, headers={"accept-language": "en-GB,en;q=0.8"}).json()
    assert {e["field"]: e["message"] for e in english["errors"]}["colour"].startswith("not a field of the format")
    assert {e["field"]: e["message"] for e in english["errors"]}["members[2].age"] == "must be at most 120 (read 130)"
    assert english["code"] == r.json()["code"] == "validation_error"


def test_api_missing_field_is_422(client: TestClient) -> None:
    r = client.post("/v1/eligibility", json={"id": "x"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "territory"


def test_api_malformed_json_is_400(client: TestClient) -> None:
    r = client.post("/v1/eligibility", content=b'{"id": "x",', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"


def test_api_oversized_body_is_413(client: TestClient) -> None:
    big = {**GROUP, "notes": "x" * 60_000}
    r = client.post("/v1/eligibility", json=big)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_api_oversized_chunked_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "x", "notes": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}'
    r = client.post("/v1/eligibility", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_api_huge_numbers_do_not_crash_the_engine(client: TestClient) -> None:
    project = {"proposer": "migrant_club", "contributions": {"federal": 1e15, "migrant": 1e-9}}
    r = client.post("/v1/eligibility", json={**GROUP, "urban_zap_pct": 1e-7, "project": project})
    assert r.status_code == 200
    r = client.post("/v1/eligibility", content=b'{"id":"x","territory":"12029","project":'
                    b'{"contributions":{"federal":1e309}}}', headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_api_batch_json_keeps_order_and_reports_bad_groups(client: TestClient) -> None:
    groups = [GROUP, {**GROUP, "id": "lost", "territory": "99999"}, {**GROUP, "id": "third"}]
    r = client.post("/v1/eligibility/batch", json={"groups": groups})
    items = r.json()["results"]
    assert [i["group_id"] for i in items] == ["chilpancingo-01", "lost", "third"]
    assert items[1]["error"]["status"] == 404 and items[1]["result"] is None
    assert items[2]["result"]["determinations"]


def test_api_batch_ndjson_streams_one_line_per_group(client: TestClient) -> None:
    groups = [{**GROUP, "id": f"g{i}"} for i in range(10)]
    with client.stream("POST", "/v1/eligibility/batch", json={"groups": groups},
                       headers={"accept": "application/x-ndjson"}) as r:
        assert r.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in r.iter_lines() if line]
    assert [x["index"] for x in lines] == list(range(10))


def test_api_batch_over_the_maximum_is_422(client: TestClient) -> None:
    groups = [{"id": f"g{i}", "territory": "12029"} for i in range(51)]
    r = client.post("/v1/eligibility/batch", json={"groups": groups})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "groups"


def test_api_unknown_path_and_method_are_problems(client: TestClient) -> None:
    assert client.get("/v2/programs").json()["code"] == "not_found"
    assert client.delete("/v1/programs").status_code == 405


def test_api_openapi_has_examples_and_problem_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v1/eligibility"]["post"]
    assert "proinpro" in op["requestBody"]["content"]["application/json"]["examples"]
    assert op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/Problem")
    batch = spec["paths"]["/v1/eligibility/batch"]["post"]
    assert "application/x-ndjson" in batch["responses"]["200"]["content"]


def test_api_docs_use_local_assets_only(client: TestClient) -> None:
    for path in ("/docs", "/redoc", "/"):
        html = client.get(path).text
        assert "https://" not in html and "http://" not in html, path
    assert client.get("/static/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/redoc.standalone.js").status_code == 200


def test_api_gaps_json_and_html_report(client: TestClient) -> None:
    body = client.get("/v1/gaps", params={"case": "tres-por-uno"}).json()
    assert [c["id"] for c in body["cases"]] == ["tres-por-uno"]
    assert body["cases"][0]["gaps"]
    r = client.get("/report", params={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "https://" not in r.text.split("<body", 1)[0]  # no external stylesheet or script


def test_api_unknown_gap_case_is_404_with_suggestions(client: TestClient) -> None:
    r = client.get("/v1/gaps", params={"case": "tres"})
    assert r.status_code == 404 and r.json()["suggestions"] == ["tres-por-uno"]


def test_api_gap_report_shows_an_edited_commitments_file_without_restart(tmp_path) -> None:
    import shutil
    from pathlib import Path

    fixtures = tmp_path / "fixtures"
    shutil.copytree(Path(__file__).resolve().parent.parent / "fixtures" / "commitments",
                    fixtures / "commitments")
    with TestClient(create_app(Settings(fixtures_dir=fixtures))) as c:
        before = c.get("/v1/gaps", params={"case": "tres-por-uno"}).json()["cases"][0]["title"]
        case_file = fixtures / "commitments" / "tres-por-uno.yaml"
        text = case_file.read_text(encoding="utf-8")
        case_file.write_text(text.replace(before["es"], "3x1 revisado por el comité", 1), encoding="utf-8")
        after = c.get("/v1/gaps", params={"case": "tres-por-uno"}).json()["cases"][0]["title"]
    assert after["es"] == "3x1 revisado por el comité" != before["es"]


def test_answers_follow_accept_language_as_errors_do(client: TestClient) -> None:
    """A client that says `Accept-Language: en` gets its answers in English, not only its
    errors; `?lang=` wins over the header; Spanish by default."""
    def reason(headers: dict[str, str], query: str = "") -> str:
        r = client.post(f"/v1/eligibility{query}", json=GROUP, headers=headers)
        assert r.status_code == 200, r.text
        return next(d for d in r.json()["determinations"] if d["program"] == "proinpro")["summary"]

    spanish, english = reason({}), reason({"Accept-Language": "en-GB,en;q=0.9"})
    assert spanish != english
    assert reason({"Accept-Language": "en"}, "?lang=es") == spanish
    assert reason({}, "?lang=en") == english
    batch = client.post("/v1/eligibility/batch", json={"groups": [GROUP]}, headers={"Accept-Language": "en"})
    assert next(d for d in batch.json()["results"][0]["result"]["determinations"]
                if d["program"] == "proinpro")["summary"] == english
    report = client.get("/report", params={"case": "steia"}, headers={"Accept-Language": "en"})
    assert "<title>Coordination gaps" in report.text


def test_a_bad_query_parameter_is_worded_in_the_request_language(client: TestClient) -> None:
    es = client.post("/v1/eligibility?lang=fr", json=GROUP).json()
    assert es["errors"][0]["message"] == "«fr» no es un valor admitido: use 'es' | 'en'"
    en = client.post("/v1/eligibility?as_of=2017-13-01", json=GROUP, headers={"Accept-Language": "en"}).json()
    assert en["errors"][0]["field"] == "query.as_of"
    assert en["errors"][0]["message"] == "`2017-13-01` is not a date: write it as 2017-06-30 or 30/06/2017"
