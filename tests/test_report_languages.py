"""The gap and coverage reports' own words in the reader's language: the documents a case rests
on, and the errors for a report format or language that does not exist."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine.coverage import CoverageReport
from engine.coverage_report import render as render_coverage
from engine.errors import InputError
from engine.gaps import GapReport, analyse
from engine.report import render


@pytest.fixture(scope="module")
def steia() -> GapReport:
    return analyse("steia")


def vincula(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=120)


def test_gap_report_documents_cited_in_another_say_so_in_the_readers_language(steia: GapReport) -> None:
    cited = "Manual Operativo. Proyecto de Inclusión Productiva Rural. PROSPERA. 2017-06"
    es, en = render(steia, "md", "es"), render(steia, "md", "en")
    assert f"- {cited} (citado en: ifad_proinpro, References)\n" in es and "cited in" not in es
    assert f"- {cited} (cited in: ifad_proinpro, References)\n" in en and "citado en" not in en
    html = render(steia, "html", "en")
    assert f"<li>{cited} (cited in: ifad_proinpro, References)</li>" in html and "citado en" not in html


def test_gap_report_json_carries_each_document_in_both_languages(steia: GapReport) -> None:
    sources = json.loads(render(steia, "json"))["cases"][0]["sources"]
    cited = [s for s in sources if "ifad_proinpro" in s["es"]]
    assert cited and all(s["es"].endswith("(citado en: ifad_proinpro, References)") for s in cited)
    assert all(s["en"].endswith("(cited in: ifad_proinpro, References)") for s in cited)


def test_gaps_cli_unknown_format_in_spanish_by_default_and_in_english_on_request() -> None:
    es, en = vincula("gaps", "--format", "pdf"), vincula("gaps", "--format", "pdf", "--lang", "en")
    assert es.returncode == en.returncode == 2
    assert "error: formato desconocido `pdf`\n  → use uno de: md, html, json" in es.stderr
    assert "error: unknown format `pdf`\n  → use one of: md, html, json" in en.stderr
    assert "Traceback" not in es.stderr + en.stderr


def test_gaps_cli_unknown_language_is_named_in_the_default_language() -> None:
    run = vincula("gaps", "--lang", "fr")
    assert run.returncode == 2 and run.stdout == ""
    assert "error: idioma desconocido `fr`\n  → usa es o en" in run.stderr


def test_report_unknown_language_is_an_input_error_in_both_languages(steia: GapReport) -> None:
    with pytest.raises(InputError) as raised:
        render(steia, "md", "fr")
    assert raised.value.message_in("es") == "idioma desconocido `fr`"
    assert raised.value.message_in("en") == "unknown language `fr`"


def test_coverage_report_unknown_format_is_refused_before_the_report_is_read() -> None:
    with pytest.raises(InputError) as raised:
        render_coverage(CoverageReport.model_construct(), "pdf", "en")
    assert str(raised.value) == "formato desconocido `pdf`\n  → use uno de: json, md, html"
    assert raised.value.text("en") == "unknown format `pdf`\n  → use one of: json, md, html"


def test_gaps_written_to_a_file_are_counted_in_the_users_language(tmp_path) -> None:
    out = tmp_path / "steia.md"
    es = vincula("gaps", "--case", "steia", "--out", str(out))
    assert es.returncode == 0 and out.is_file()
    assert es.stderr.strip().startswith(f"{out}: 1 caso, ") and "brechas encontradas" in es.stderr
    en = vincula("gaps", "--case", "steia", "--out", str(out), "--lang", "en")
    assert en.stderr.strip().startswith(f"{out}: 1 case, ") and "gaps found" in en.stderr


def test_report_dates_are_written_as_the_reader_writes_them(steia: GapReport) -> None:
    assert "Situación al 31/12/2018" in render(steia, "md", "es")
    assert "31/12/2018" in render(steia, "html", "es")
    assert "2018-12-31" in render(steia, "md", "en") and "31/12/2018" not in render(steia, "md", "en")
