"""`vincula programs`, `explain` and `check` as a coordinator runs them."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli import app
from engine import FIXTURES_DIR

runner = CliRunner()
GROUPS = FIXTURES_DIR / "groups"


def test_programs_lists_all_five():
    result = runner.invoke(app, ["programs"])
    assert result.exit_code == 0
    for slug in ("proinpro", "opciones-productivas", "el-campo-en-nuestras-manos", "3x1-migrantes",
                 "red-oportunidades-empresariales"):
        assert slug in result.output


def test_explain_shows_criteria_parameters_citations_and_assumptions_in_english():
    result = runner.invoke(app, ["explain", "proinpro", "--lang", "en"])
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert "min_size — Group of at least 5 members" in out
    assert "Rule: number of members at least 5" in out
    assert "PROYECTO DE INCLUSIÓN PRODUCTIVA RURAL PROINPRO" in out
    assert "Assumption:" in out and "2016-01-01 – …: 5" in out


def test_check_json_has_a_determination_per_programme_with_criteria():
    result = runner.invoke(app, ["check", str(GROUPS / "g-003.yaml"), "--json"])
    assert result.exit_code == 0  # some programme is eligible
    payload = json.loads(result.output)
    by_slug = {d["program"]: d for d in payload["determinations"]}
    assert len(by_slug) == 5
    assert by_slug["proinpro"]["eligible"] is False and by_slug["proinpro"]["failed"] == ["min_size"]
    crit = next(c for c in by_slug["proinpro"]["criteria"] if c["id"] == "min_size")
    assert crit["outcome"] == "fail" and crit["observed_value"] == 4 and crit["source"]["pinpoint"]


def test_check_table_shows_status_reasons_and_sources():
    result = runner.invoke(app, ["check", str(GROUPS / "g-004.yaml"), "-p", "proinpro"])
    out = " ".join(result.output.split())
    assert "NO ELEGIBLE" in out and "Más de la mitad son beneficiarios PROSPERA" in out
    assert "3 de 6 integrantes cumplen" in out
    assert result.exit_code == 1  # the only programme asked for is not eligible


def test_check_exit_code_three_when_only_cannot_tell():
    result = runner.invoke(app, ["check", str(GROUPS / "g-017.yaml"), "-p", "opciones-productivas", "--brief"])
    assert result.exit_code == 3
    assert "NO SE PUEDE DETERMINAR" in result.output


def test_check_as_of_option_overrides_file_date():
    result = runner.invoke(app, ["check", str(GROUPS / "g-001.yaml"), "-p", "proinpro", "--as-of", "2019-01-01",
                                 "--json"])
    payload = json.loads(result.output)
    assert payload["as_of"] == "2019-01-01" and payload["determinations"][0]["failed"] == ["in_force"]


def test_check_folder_checks_every_fixture():
    result = runner.invoke(app, ["check", str(GROUPS), "--json"])
    assert len(json.loads(result.output)) == len(list(GROUPS.glob("*.yaml")))


def test_unknown_programme_is_a_clear_error(tmp_path):
    # through the executable's entry point (api/launch.py), as a user runs it
    import subprocess, sys
    proc = subprocess.run([sys.executable, "-m", "api.launch", "check",
                           str(GROUPS / "g-001.yaml"), "-p", "proinpr"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "no hay un programa llamado «proinpr»" in proc.stderr and "¿quiso decir proinpro?" in proc.stderr
    english = subprocess.run([sys.executable, "-m", "api.launch", "check", str(GROUPS / "g-001.yaml"),
                              "-p", "proinpr", "--lang", "en"], capture_output=True, text=True)
    assert "no programme called `proinpr`" in english.stderr and "did you mean proinpro?" in english.stderr
    assert "Traceback" not in proc.stderr


def test_entry_point_leaves_the_garbage_collector_as_it_found_it():
    import subprocess, sys
    code = ("import gc, sys; from api.launch import main; before = gc.get_threshold(); "
            "sys.argv = ['vincula', 'programs'];\ntry: main()\nexcept SystemExit: pass\n"
            "assert gc.get_threshold() == before and gc.get_freeze_count() > 0, gc.get_threshold()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_facts_lists_the_vocabulary_with_its_words():
    result = runner.invoke(app, ["facts", "--lang", "en"])
    assert result.exit_code == 0
    out = " ".join(result.output.split())
    assert "Facts of each member" in out and "indigenous" in out
    assert "very_high (very high)" in out and "project.proposer_country" in out


def test_programs_and_explain_write_units_and_periods_in_spanish():
    listed = " ".join(runner.invoke(app, ["programs"]).output.split())
    assert "proyecto │ 01/01/2002 – 31/12/2007" in listed  # 3x1 para Migrantes
    explained = " ".join(runner.invoke(app, ["explain", "proinpro"]).output.split())
    assert "Unidad: grupo · Vigencia: 01/01/2016 – 31/12/2017" in explained
    assert "01/01/2016 – …: 5" in explained  # the minimum group size, in force from 2016
