"""Taking the answer away: `vincula check --format csv|xlsx --out F` and the API batch as CSV write
one row per group and programme with what `--json` says (status, reasons, suggestions and their
JSON Patch, citations), and no cell a spreadsheet would run as a formula."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from engine import FIXTURES_DIR
from engine.export import COLUMNS, header

GROUPS = FIXTURES_DIR / "groups"
runner = CliRunner()
HOSTILE = "id: '=HYPERLINK(\"http://x\")'\nterritory: '12029'\nname: '@SUM(1)'\nas_of: 2017-06-30\n" \
          "members:\n  - {age: 30}\n"


def _json(paths: list[Path]) -> list[dict]:
    out = runner.invoke(app, ["check", *map(str, paths), "--json"]).stdout
    data = json.loads(out)
    return data if isinstance(data, list) else [data]


def _csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # spreadsheets read UTF-8 accents right with the mark
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_export_has_the_json_content_one_row_per_group_and_programme(tmp_path: Path) -> None:
    paths = [GROUPS / "g-003.yaml", GROUPS / "g-021.yaml"]
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["check", *map(str, paths), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv_rows(out.read_text(encoding="utf-8"))
    cols = dict(zip(COLUMNS, header("es"), strict=True))
    answers = _json(paths)
    assert len(rows) == sum(len(a["determinations"]) for a in answers)
    by_key = {(r[cols["group_id"]], r[cols["program"]]): r for r in rows}
    for answer in answers:
        for det in answer["determinations"]:
            row = by_key[(answer["group_id"], det["program"])]
            assert row[cols["status"]] == det["status"]
            assert row[cols["reasons"]] == det["summary"]
            if det["suggestions"]:
                best = det["suggestions"][0]
                assert json.loads(row[cols["changes"]]) == best["changes"]
                assert row[cols["suggestion"]] == " | ".join(s["text"] for s in best["steps"])
    proinpro = by_key[("g-003", "proinpro")]
    assert proinpro[cols["status_text"]] == "No elegible"
    assert proinpro[cols["feasible"]] == "sí"
    assert "PROINPRO" in proinpro[cols["citations"]]


def test_xlsx_export_opens_with_the_same_rows_as_the_csv(tmp_path: Path) -> None:
    paths = [str(GROUPS / "g-003.yaml"), str(GROUPS / "g-034.yaml")]
    runner.invoke(app, ["check", *paths, "--format", "csv", "--out", str(tmp_path / "r.csv"), "--lang", "en"])
    result = runner.invoke(app, ["check", *paths, "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(tmp_path / "r.xlsx").active
    cells = [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
    rows = [list(r.values()) for r in _csv_rows((tmp_path / "r.csv").read_text(encoding="utf-8"))]
    assert cells[0] == header("en")
    assert cells[1:] == rows


def test_exports_neutralise_text_a_spreadsheet_would_run_as_a_formula(tmp_path: Path) -> None:
    group = tmp_path / "g.yaml"
    group.write_text(HOSTILE, encoding="utf-8")
    runner.invoke(app, ["check", str(group), "--format", "csv", "--out", str(tmp_path / "r.csv")])
    runner.invoke(app, ["check", str(group), "--format", "xlsx", "--out", str(tmp_path / "r.xlsx")])
    first = _csv_rows((tmp_path / "r.csv").read_text(encoding="utf-8"))[0]
    assert list(first.values())[0] == "'=HYPERLINK(\"http://x\")"
    sheet = load_workbook(tmp_path / "r.xlsx").active
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value  # never a formula
            assert not str(cell.value or "").startswith(("=", "+", "-", "@"))


def test_xlsx_needs_a_file_and_a_bad_format_is_refused_in_spanish(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(GROUPS / "g-003.yaml"), "--format", "xlsx"])
    assert result.exit_code == 2 and "indique --out" in result.output
    result = runner.invoke(app, ["check", str(GROUPS / "g-003.yaml"), "--format", "pdf", "--out", "x"])
    assert result.exit_code == 2 and "use csv o xlsx" in result.output


def test_api_batch_as_csv_has_a_row_per_group_and_programme_and_one_per_failed_group() -> None:
    from api.main import create_app

    body = {"groups": [{"id": "=cmd", "territory": "12029", "as_of": "2017-06-30", "members": [{"age": 30}]},
                       {"id": "b", "territory": "99999"}]}
    with TestClient(create_app()) as client:
        r = client.post("/v1/eligibility/batch", json=body, headers={"accept": "text/csv"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = _csv_rows(r.text)
        same = client.post("/v1/eligibility/batch?format=csv&lang=en", json=body)
        assert same.text.lstrip("\ufeff").splitlines()[0] == ",".join(header("en"))
    cols = dict(zip(COLUMNS, header("es"), strict=True))
    assert [r[cols["group_id"]] for r in rows] == ["'=cmd"] * 5 + ["b"]
    failed = rows[-1]
    assert failed[cols["status"]] == "error" and "no hay un municipio con clave «99999»" in failed[cols["reasons"]]


def test_csv_says_no_for_a_programme_that_does_not_apply_and_suggests_nothing_for_another_country(
    tmp_path: Path,
) -> None:
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["check", str(GROUPS / "g-003.yaml"), "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cols = dict(zip(COLUMNS, header("es"), strict=True))
    by_program = {r[cols["program"]]: r for r in _csv_rows(out.read_text(encoding="utf-8"))}
    panama = by_program["red-oportunidades-empresariales"]
    assert panama[cols["status"]] == "not_applicable"
    assert panama[cols["eligible"]] == "no"  # not "no se sabe": the group cannot get it
    assert panama[cols["suggestion"]] == "" and panama[cols["changes"]] == ""
    assert by_program["3x1-migrantes"][cols["eligible"]] == "no"  # no project: does not apply


def test_check_does_not_call_the_hidden_criteria_of_a_programme_that_does_not_apply_met() -> None:
    result = runner.invoke(app, ["check", str(GROUPS / "g-003.yaml"), "-p", "3x1-migrantes"])
    assert "10 criterios no se muestran (--all los muestra)" in result.stdout
    assert "criterios que se cumplen" not in result.stdout
