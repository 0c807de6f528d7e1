"""`vincula lint`: what a designer is told about rule files."""

from __future__ import annotations

import re
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
    assert "¿quiso decir project.federal_pct" in findings[0].message


def test_lint_placeholder_citation_and_date_gap(rules_copy: Path) -> None:
    _edit(
        rules_copy / "opciones-productivas.yaml",
        "        value: 25\n        source:\n",
        "        value: 25\n        source: {ref: ifad_proinpro, pinpoint: x, quote: urban ZAP}\n"
        "      - from: 2020-01-01\n        to: 2020-12-31\n        value: 30\n"
        '        source: {ref: ifad_proinpro, pinpoint: "TODO", quote: "urban ZAP"}\n'
        "      - from: 2021-01-01\n        value: 31\n        source:\n",
    )
    findings = lint(rules_copy, lang="en")
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
    assert any(f.check == "schema" and "los valores se traslapan" in f.message for f in findings)


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
    findings = [f for f in check_sources(SOURCES, rules_copy, None, lang="en") if f.level == "error"]
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
    findings = check_sources(SOURCES, rules_copy, None, lang="en")
    assert any("criterion `in_mexico` has no `quote`" in f.message for f in findings)


# --------------------------------------------------------------------------- in the designer's language


def _printed(stdout: str, level: str, check: str, where: str) -> tuple[str, str]:
    """(message, hint) of the first finding printed as `level: where: [check] message`."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        before, found, message = line.partition(f"{level}: {where}: [{check}] ")
        if found and not before:
            hint = lines[i + 1] if i + 1 < len(lines) and lines[i + 1].startswith("  → ") else ""
            return message, hint.removeprefix("  → ")
    raise AssertionError(f"no `{level}: {where}: [{check}]` in:\n{stdout}")


def _both(folder: Path, *args: str) -> tuple[str, str]:
    es = runner.invoke(app, ["lint", str(folder), *args])
    en = runner.invoke(app, ["lint", str(folder), *args, "--lang", "en"])
    assert es.exit_code == en.exit_code
    return es.stdout, en.stdout


def test_lint_cli_placeholder_pinpoint_in_spanish_and_in_english(rules_copy: Path) -> None:
    path = rules_copy / "proinpro.yaml"
    _edit(path, "pinpoint: PROYECTO DE INCLUSIÓN PRODUCTIVA RURAL PROINPRO\n      quote: \"With the exception",
          "pinpoint: TODO\n      quote: \"With the exception")
    es, en = _both(rules_copy)
    where = f"{path}: criterion `in_force`"
    assert _printed(es, "error", "citation", where) == (
        "la cita no señala un lugar preciso de la fuente (`TODO`)",
        "indique el artículo, numeral o página de la fuente que establece este criterio",
    )
    assert _printed(en, "error", "citation", where) == (
        "the citation has no real pinpoint (`TODO`)",
        "give the article, numeral or page of the source that states this criterion",
    )
    assert "1 error," in es and "1 error," in en


def test_lint_cli_parameter_gap_in_spanish_and_in_english(rules_copy: Path) -> None:
    path = rules_copy / "opciones-productivas.yaml"
    _edit(
        path,
        "        value: 25\n        source:\n",
        "        value: 25\n        source: {ref: ifad_proinpro, pinpoint: x, quote: urban ZAP}\n"
        "      - from: 2020-01-01\n        value: 30\n        source:\n",
    )
    es, en = _both(rules_copy)
    where = f"{path}: parameter `min_urban_zap_pct`"
    message, hint = _printed(es, "error", "dates", where)
    assert message == "ningún valor vigente del 2019-01-01 al 2019-12-31"
    assert hint.startswith("ponga `to: 2019-12-31` en el valor que empieza el 2016-01-01")
    assert hint.endswith("«no se sabe»")
    message, hint = _printed(en, "error", "dates", where)
    assert message == "no value in force from 2019-01-01 to 2019-12-31"
    assert hint.startswith("set `to: 2019-12-31` on the value from 2016-01-01")


def test_lint_cli_criterion_that_never_passes_in_spanish_and_in_english(rules_copy: Path) -> None:
    path = rules_copy / "proinpro.yaml"
    _edit(path, "        value: 18\n", "        value: 99\n")
    es, en = _both(rules_copy)
    where = f"{path}: criterion `adults`"
    message, _ = _printed(es, "aviso", "never_pass", where)
    said_es = re.fullmatch(r"no se cumple en ninguno de los (\d+) grupos incluidos \((.+)\)", message)
    assert said_es, message
    message, _ = _printed(en, "warning", "never_pass", where)
    said_en = re.fullmatch(r"passes for none of the (\d+) bundled groups \((.+)\)", message)
    assert said_en, message
    assert said_es.group(1) == said_en.group(1)
    # how the groups came out, in the words of the explanations
    assert said_es.group(2).startswith("no cumple ") and said_en.group(2).startswith("not met ")


@needs_sources
def test_lint_cli_missing_quote_in_spanish_and_in_english(rules_copy: Path) -> None:
    path = rules_copy / "3x1-migrantes.yaml"
    _edit(path,
          '      quote: "Multiple municipalities and states throughout Mexico, with participation of migrant communities in the USA."\n', "")
    es, en = _both(rules_copy, "--sources", str(SOURCES), "--commitments", str(rules_copy))
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text == "      ref: eurosocial_3x1" and "in_mexico" in lines[i - 5])
    where = f"{path}:{line}"
    message, hint = _printed(es, "error", "quote", where)
    assert message == ("el criterio `in_mexico` no tiene `quote`")
    assert hint.startswith("copie, al pie de la letra, el pasaje")
    message, hint = _printed(en, "error", "quote", where)
    assert message == ("criterion `in_mexico` has no `quote`")
    assert hint.startswith("copy the passage that states it, verbatim")
    # the rules folder given as the commitments folder too: each file is read once
    assert "citas: 1 problema frente a" in es and "quotes: 1 problem against" in en


@needs_sources
def test_lint_cli_altered_quote_in_spanish_and_in_english(rules_copy: Path) -> None:
    path = rules_copy / "proinpro.yaml"
    _edit(path, "at least five members with 50% + 1", "at least four members with 50% + 1")
    es, en = _both(rules_copy, "--sources", str(SOURCES), "--commitments", str(rules_copy))
    line = next(i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "at least four" in t)
    where = f"{path}:{line}"
    text = "004_6dbdc079f03a5caa.txt"
    message, hint = _printed(es, "error", "quote", where)
    assert message.startswith(f"parameters.min_group_size.values[0].source: la cita no está en {text}: «groups had")
    assert re.match(rf"{text}:\d+ \(parecido al \d+%\): «.*at least five members", hint), hint
    message, hint = _printed(en, "error", "quote", where)
    assert message.startswith(f"parameters.min_group_size.values[0].source: quote not found in {text}: «groups had")
    assert re.match(rf"{text}:\d+ \(\d+% alike\): «.*at least five members", hint), hint


@needs_sources
def test_lint_cli_bundled_quotes_have_no_problem_in_either_language() -> None:
    for lang, words in (("es", "citas: 0 problemas frente a"), ("en", "quotes: 0 problems against")):
        result = runner.invoke(app, ["lint", "--sources", str(SOURCES), "--lang", lang])
        assert result.exit_code == 0 and words in result.stdout, result.stdout
