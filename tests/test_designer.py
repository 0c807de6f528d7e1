"""`vincula test` and `vincula diff` as a designer uses them: a draft with one changed threshold."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from engine import FIXTURES_DIR, RULES_DIR
from engine.impact import compare, render
from engine.rules import load_rules

runner = CliRunner()


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    """rules/ copied, with PROINPRO's minimum group size lowered from 5 to 4."""
    folder = tmp_path / "draft"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "proinpro.yaml"
    text = path.read_text(encoding="utf-8")
    assert "        value: 5\n" in text
    path.write_text(text.replace("        value: 5\n", "        value: 4\n", 1), encoding="utf-8")
    return folder


def test_test_draft_fails_exactly_the_min_size_scenarios(draft: Path) -> None:
    result = runner.invoke(app, ["test", "--rules", str(draft), "--json"])
    assert result.exit_code == 1
    records = json.loads(result.stdout)
    failed = sorted(r["scenario"] for r in records if r["outcome"] == "failed")
    assert failed == [
        "A un grupo de 4 se le dice que le falta una integrante, y cómo debe ser",
        "En 2017, un grupo PROSPERA de 4 integrantes resulta «no elegible»",
        'In 2016, a PROSPERA group of 4 members is "not eligible"',
        "La explicación de un grupo de 4 cita el análisis institucional",
    ]
    assert len(records) > 100


def test_test_failure_output_names_step_and_reason(draft: Path) -> None:
    feature = Path(__file__).parent.parent / "features" / "proinpro" / "group_size_in_english.feature"
    result = runner.invoke(app, ["test", "--rules", str(draft), str(feature)])
    assert result.exit_code == 1
    assert '✓ In 2016, a PROSPERA group of 5 members is "eligible"' in result.stdout
    assert "5 escenarios pasan, 1 falla" in result.stdout
    assert '✗ In 2016, a PROSPERA group of 4 members is "not eligible"' in result.stdout
    assert 'Then the result is "not eligible"' in result.stdout
    assert "expected NOT ELIGIBLE" in result.stdout and "got ELIGIBLE" in result.stdout


def test_test_broken_draft_is_a_rule_file_error(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(RULES_DIR, folder)
    (folder / "proinpro.yaml").write_text("slug: proinpro\n", encoding="utf-8")
    result = runner.invoke(app, ["test", "--rules", str(folder)])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) or "proinpro" in result.stdout


def test_diff_names_the_group_that_gains_and_why(draft: Path) -> None:
    impact = compare(load_rules(RULES_DIR), load_rules(draft), FIXTURES_DIR / "groups")
    proinpro = next(p for p in impact.programmes if p.slug == "proinpro")
    assert proinpro.gained >= 1 and proinpro.lost == 0
    assert proinpro.eligible_after == proinpro.eligible_before + proinpro.gained
    assert [c.criterion for c in proinpro.by_criterion] == ["min_size"]
    example = proinpro.examples_gained[0]
    assert example.detail == ["min_size: fail → pass"]
    assert proinpro.rule_changes == [
        "parámetro `min_group_size`: 5 (2016-01-01–…) → 4 (2016-01-01–…)"
    ]
    others = [p for p in impact.programmes if p.slug != "proinpro"]
    assert all(p.gained == p.lost == p.other == 0 and not p.rule_changes for p in others)


def test_diff_same_rules_change_nothing() -> None:
    rules = load_rules(RULES_DIR)
    impact = compare(rules, rules, FIXTURES_DIR / "groups")
    assert not impact.changed


def test_diff_cli_writes_html_with_chart_atomically(draft: Path, tmp_path: Path) -> None:
    out = tmp_path / "impact.html"
    result = runner.invoke(
        app,
        [
            "diff",
            "--rules",
            str(draft),
            "--against",
            str(RULES_DIR),
            "--population",
            str(FIXTURES_DIR / "groups"),
            "--format",
            "html",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stdout
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and "<svg" in html and "min_size" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_diff_cli_markdown_and_json(draft: Path) -> None:
    result = runner.invoke(app, ["diff", "--rules", str(draft), "--population", str(FIXTURES_DIR / "groups")])
    assert result.exit_code == 0
    assert "| PROINPRO — Inclusión productiva de familias PROSPERA | 5 | 6 | 1 | 0 | 0 |" in result.stdout
    result = runner.invoke(
        app,
        [
            "diff",
            "--rules",
            str(draft),
            "--population",
            str(FIXTURES_DIR / "groups"),
            "--format",
            "json",
            "--lang",
            "en",
        ],
    )
    data = json.loads(result.stdout)
    assert {p["slug"]: p["gained"] for p in data["programmes"]}["proinpro"] == 1


def test_diff_population_folder_uses_vectorised_screen(draft: Path, tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    pop.mkdir()
    (pop / "groups.csv").write_text(
        "group_id,country,territory,locality,organisation\na,MX,12028,rural,osse\nb,MX,12028,rural,osse\n",
        encoding="utf-8",
    )
    rows = ["group_id,age,sex,prospera,poverty,producer_stratum,entrepreneurial_potential"]
    rows += ["a,30,F,true,true,,high"] * 4 + ["b,30,F,true,true,,high"] * 5
    (pop / "members.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    impact = compare(
        load_rules(RULES_DIR), load_rules(draft), pop, as_of=__import__("datetime").date(2017, 3, 1)
    )
    proinpro = next(p for p in impact.programmes if p.slug == "proinpro")
    assert (proinpro.eligible_before, proinpro.eligible_after, proinpro.gained) == (1, 2, 1)
    assert proinpro.examples_gained[0].group_id == "a"
    assert proinpro.by_criterion[0].criterion == "min_size"
    assert proinpro.by_state[0].state == "Guerrero"
    assert "min_size" in render(impact, "md")


def test_diff_population_folder_needs_a_date(draft: Path, tmp_path: Path) -> None:
    pop = tmp_path / "pop"
    pop.mkdir()
    (pop / "groups.csv").write_text("group_id,territory\na,12028\n", encoding="utf-8")
    (pop / "members.csv").write_text("group_id,age\na,30\n", encoding="utf-8")
    result = runner.invoke(app, ["diff", "--rules", str(draft), "--population", str(pop)])
    assert result.exit_code != 0


def test_test_summary_reads_in_english_with_lang_en(draft: Path) -> None:
    feature = Path(__file__).parent.parent / "features" / "proinpro" / "group_size_in_english.feature"
    result = runner.invoke(app, ["test", "--rules", str(draft), str(feature), "--lang", "en"])
    assert "5 scenarios passed, 1 failed" in result.stdout


def test_lint_totals_are_counted_in_words_of_the_language() -> None:
    es = runner.invoke(app, ["lint"]).stdout
    en = runner.invoke(app, ["lint", "--lang", "en"]).stdout
    assert "0 errores, 0 avisos" in es and "/ errors" not in es
    assert "0 errors, 0 warnings" in en
