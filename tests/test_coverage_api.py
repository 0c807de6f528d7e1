"""`/v1/coverage` and `/coverage/report`: coverage over a population sent in the request or held
by the server, within the service's limits, with errors that name the file and line."""
from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from tests.test_coverage import PADRON, write_population


@pytest.fixture(scope="module")
def server_populations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("populations")
    write_population(folder / "chilpancingo")
    (folder / "chilpancingo" / "padron.csv").write_text(PADRON)
    return folder


@pytest.fixture(scope="module")
def client(server_populations: Path) -> Iterator[TestClient]:
    settings = Settings(max_body_bytes=20_000, populations_dir=server_populations, max_rejects_listed=3)
    with TestClient(create_app(settings)) as c:
        yield c


def _sent(folder: Path) -> dict[str, object]:
    return {"as_of": "2017-06-30", "lang": "en",
            "population": {"groups": (folder / "groups.csv").read_text(),
                           "members": (folder / "members.csv").read_text()},
            "padron": PADRON}


def test_coverage_api_measures_a_population_sent_in_the_request(client: TestClient, server_populations: Path) -> None:
    r = client.post("/v1/coverage", json=_sent(server_populations / "chilpancingo"))
    assert r.status_code == 200, r.text
    report = r.json()["report"]
    pro = report["programs"]["proinpro"]
    assert (pro["eligible_served"], pro["eligible_not_served"], pro["not_eligible_served"]) == (1, 1, 2)
    assert report["overlap"]["persons_in_two_or_more"] == 6
    # the client's own names for its files, never the server's temporary folders
    assert report["population"]["path"] == "sent in the request" and report["rejects"]["path"] is None
    assert "/tmp" not in r.text
    # the first rejected rows (3 here: VINCULA_MAX_REJECTS_LISTED), the rest counted
    body = r.json()
    assert [(x["file"], x["line"]) for x in body["rejects"]] == [("groups.csv", 7), ("members.csv", 17), ("padron.csv", 6)]
    assert body["rejects_not_listed"] == report["rejects"]["rows"] - 3 > 0


def test_coverage_api_rejects_and_errors_follow_the_request_language(client: TestClient, server_populations: Path) -> None:
    body = {k: v for k, v in _sent(server_populations / "chilpancingo").items() if k != "lang"}
    spanish = client.post("/v1/coverage", json=body)
    english = client.post("/v1/coverage", json=body, headers={"accept-language": "en-US,en;q=0.9"})
    asked = client.post("/v1/coverage?lang=es", json={**body, "lang": "en"})  # the body's word wins
    assert spanish.status_code == english.status_code == asked.status_code == 200, spanish.text
    first = [r.json()["rejects"][0]["reason"] for r in (spanish, english, asked)]
    assert first == ["territory (clave del territorio): `99999` no es un territorio conocido de MX",
                     "territory (territory code) `99999` is not a known territory of MX",
                     "territory (territory code) `99999` is not a known territory of MX"]
    # and a file it cannot read
    bad = {**body, "padron": "program,group_id\nproinpro,g-ok1\n"}
    r = client.post("/v1/coverage", json=bad)
    assert r.status_code == 422 and r.json()["message"] == "padron.csv:1: falta la columna fiscal_year en el padrón"
    r = client.post("/v1/coverage", json=bad, headers={"accept-language": "en"})
    assert r.status_code == 422 and r.json()["message"] == "padron.csv:1: no column fiscal_year in the padrón"


def test_coverage_api_measures_a_server_population_by_name(client: TestClient) -> None:
    assert client.get("/v1/coverage/populations").json() == {"populations": ["chilpancingo"]}
    r = client.post("/v1/coverage", json={"as_of": "2017-06-30", "population_name": "chilpancingo"})
    assert r.status_code == 200, r.text
    assert r.json()["report"]["population"]["path"] == "chilpancingo"
    assert r.json()["report"]["padron"]["path"] == "chilpancingo/padron.csv"
    r = client.post("/v1/coverage", json={"as_of": "2017-06-30", "population_name": "chilpancigo"})
    assert r.status_code == 404 and r.json()["suggestions"] == ["chilpancingo"]
    r = client.post("/v1/coverage", json={"as_of": "2017-06-30", "population_name": "../etc"})
    assert r.status_code == 422 and "population_name" in {e["field"] for e in r.json()["errors"]}


def test_coverage_api_bad_input_names_the_file_and_line(client: TestClient, server_populations: Path) -> None:
    body = _sent(server_populations / "chilpancingo")
    r = client.post("/v1/coverage", json={**body, "padron": "program,group_id\nproinpro,g-ok1\n"})
    assert r.status_code == 422
    assert r.json()["message"] == "padron.csv:1: no column fiscal_year in the padrón"
    r = client.post("/v1/coverage", json={**body, "padron": PADRON + "proinpro,2017,g-ok2,extra\n"})
    assert r.status_code == 422 and r.json()["message"].startswith("padron.csv:13: line 13 has 4 cells")
    # a population sent needs its padrón; and a request sends a population or names one, not both
    r = client.post("/v1/coverage", json={k: v for k, v in body.items() if k != "padron"})
    assert r.status_code == 422 and {"padron", "population_name"} <= {e["field"].split(".")[-1] for e in r.json()["errors"]}
    r = client.post("/v1/coverage", json={**body, "population_name": "chilpancingo"})
    assert r.status_code == 422


def test_coverage_api_refuses_a_population_over_the_body_limit(client: TestClient, server_populations: Path) -> None:
    body = _sent(server_populations / "chilpancingo")
    big = dict(body, population={"groups": body["population"]["groups"],  # type: ignore[index]
                                 "members": body["population"]["members"] * 40})  # type: ignore[index]
    r = client.post("/v1/coverage", json=big)
    assert r.status_code == 413


def test_coverage_api_answers_503_beyond_its_concurrent_runs(server_populations: Path, monkeypatch) -> None:
    import api.routes.coverage as route

    started, release = threading.Event(), threading.Event()
    real = route.measure_listing_rejects

    def slow(*args, **kwargs):
        started.set()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(route, "measure_listing_rejects", slow)
    with TestClient(create_app(Settings(populations_dir=server_populations, max_coverage_runs=1))) as c:
        first: list[int] = []
        thread = threading.Thread(target=lambda: first.append(
            c.post("/v1/coverage", json={"as_of": "2017-06-30", "population_name": "chilpancingo"}).status_code))
        thread.start()
        assert started.wait(10)
        r = c.post("/v1/coverage", json={"as_of": "2017-06-30", "population_name": "chilpancingo"})
        release.set()
        thread.join(10)
    assert r.status_code == 503 and r.headers["retry-after"] == "5" and r.json()["code"] == "server_busy"
    assert first == [200]


def test_coverage_api_html_report_is_one_page_without_scripts(client: TestClient) -> None:
    r = client.post("/coverage/report", json={"as_of": "2017-06-30", "population_name": "chilpancingo"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "No elegibles atendidos (inclusión)" in r.text and "<script" not in r.text
    assert "script-src 'none'" in r.headers["content-security-policy"]
