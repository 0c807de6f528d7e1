"""`vincula lint`: what a designer is told about rule files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from engine import RULES_DIR
from engine.lint import lint

runner = CliRunner()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_lint_bundled_rules_have_no_errors_or_warnings() -> None:
    findings = lint(RULES_DIR)
    assert [f for f in findings if f.level in ("error", "warning")] == []


def test_lint_schema_error_names_file_line_and_fix(rules_copy: Path) -> None:
    _edit(rules_copy / "3x1-migrantes.yaml", "fact: project.federal_pct,", "fact: project.federal_pcnt,")
    findings = [f for f in lint(rules_copy) if f.check == "schema"]
    assert len(findings) == 1
    assert findings[0].where.startswith(str(rules_copy / "3x1-migrantes.yaml"))
    assert "did you mean project.federal_pct" in findings[0].message


def test_lint_placeholder_citation_and_date_gap(rules_copy: Path) -> None:
    _edit(
        rules_copy / "opciones-productivas.yaml",
        "        value: 25\n        source:\n",
        "        value: 25\n        source: {ref: ifad_proinpro, pinpoint: x, quote: urban ZAP}\n"
        "      - from: 2020-01-01\n        to: 2020-12-31\n        value: 30\n"
        '        source: {ref: ifad_proinpro, pinpoint: "TODO", quote: "urban ZAP"}\n'
        "      - from: 2021-01-01\n        value: 31\n        source:\n",
    )
    findings = lint(rules_copy)
    checks = {(f.check, f.level) for f in findings}
    assert ("citation", "error") in checks
    gap = next(f for f in findings if f.check == "dates" and f.level == "error")
    assert "no value in force from 2019-01-01 to 2019-12-31" in gap.message
    assert any(f.check == "label" and "states 25" in f.message for f in findings)


def test_lint_overlapping_dates_are_a_schema_error(rules_copy: Path) -> None:
    _edit(
        rules_copy / "proinpro.yaml",
        "      - from: 2016-01-01\n        value: 5\n",
        "      - from: 2016-01-01\n        value: 5\n        source: {ref: ifad_proinpro, pinpoint: x}\n"
        "      - from: 2017-01-01\n        value: 4\n",
    )
    findings = lint(rules_copy)
    assert any(f.check == "schema" and "overlap" in f.message for f in findings)


def test_lint_criterion_that_never_passes_on_the_bundled_groups(rules_copy: Path) -> None:
    _edit(rules_copy / "proinpro.yaml", "        value: 18\n", "        value: 99\n")
    findings = lint(rules_copy)
    assert any(f.check == "never_pass" and "`adults`" in f.where for f in findings)


def test_lint_programme_no_feature_exercises(rules_copy: Path, tmp_path: Path) -> None:
    features = tmp_path / "features"
    features.mkdir()
    (features / "x.feature").write_text(
        "Feature: x\n  Scenario: y\n    When eligibility for PROINPRO is checked\n", encoding="utf-8"
    )
    findings = lint(rules_copy, features_dir=features)
    unexercised = sorted(f.where for f in findings if f.check == "features" and f.level == "warning")
    assert len(unexercised) == 4 and not any("proinpro" in w for w in unexercised)


def test_lint_cli_exit_codes(rules_copy: Path) -> None:
    assert runner.invoke(app, ["lint", str(rules_copy)]).exit_code == 0
    (rules_copy / "proinpro.yaml").write_text("slug: proinpro\n", encoding="utf-8")
    result = runner.invoke(app, ["lint", str(rules_copy)])
    assert result.exit_code == 1
    assert "schema" in result.stdout


from engine.lint import SOURCES_DIR as SOURCES  # noqa: E402 - beside the tests that use it
needs_sources = pytest.mark.skipif(
    not SOURCES.is_dir(), reason=f"source texts not found at {SOURCES}: quotes cannot be checked here"
)


@needs_sources
def test_lint_sources_every_quote_of_rules_and_cases_is_in_its_text() -> None:
    from engine.lint import check_sources

    assert [str(f) for f in check_sources(SOURCES)] == []


@needs_sources
def test_lint_sources_altered_quote_fails_with_file_line_and_closest_passage(rules_copy: Path) -> None:
    from engine.lint import check_sources

    path = rules_copy / "proinpro.yaml"
    _edit(path, "at least five members with 50% + 1", "at least four members with 50% + 1")
    findings = [f for f in check_sources(SOURCES, rules_copy, None) if f.level == "error"]
    assert findings, "an altered quote must fail"
    line = next(i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "at least four" in t)
    assert findings[0].where == f"{path}:{line}"
    assert "quote not found in 004_6dbdc079f03a5caa.txt" in findings[0].message
    assert "at least five members with 50% + 1" in findings[0].hint and "004_6dbdc079f03a5caa.txt:" in findings[0].hint
    result = runner.invoke(app, ["lint", str(rules_copy), "--sources", str(SOURCES), "--commitments", str(rules_copy)])
    assert result.exit_code == 1 and "at least four" in result.stdout


@needs_sources
def test_lint_sources_missing_quote_is_an_error(rules_copy: Path) -> None:
    from engine.lint import check_sources

    _edit(rules_copy / "3x1-migrantes.yaml",
          '      quote: "Multiple municipalities and states throughout Mexico, with participation of migrant communities in the USA."\n', "")
    findings = check_sources(SOURCES, rules_copy, None)
    assert any("criterion `in_mexico` has no `quote`" in f.message for f in findings)
