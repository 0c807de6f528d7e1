"""The gap report as a committee sees it: one self-contained HTML page, Markdown, JSON, the CLI."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import engine.atomic as atomic_mod
from api.cli import app
from engine.errors import InputError
from engine.gaps import GapReport, analyse
from engine.atomic import write_atomic
from engine.report import layout, render

runner = CliRunner()


@pytest.fixture(scope="module")
def steia() -> GapReport:
    return analyse("steia")


@pytest.fixture(scope="module")
def everything() -> GapReport:
    return analyse()


def test_report_html_is_self_contained_with_sections_in_order(steia: GapReport) -> None:
    html = render(steia, "html", "es")
    assert html.startswith("<!DOCTYPE html>")
    # no external assets: nothing is fetched (the SVG namespace is an identifier, not a request)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "<script" not in html and "@import" not in html
    order = [html.index(s) for s in ("<h3>Resumen</h3>", "<h3>Brechas</h3>", "<h3>Grafo de compromisos</h3>",
                                     "<h3>Notas (citas de las fuentes)</h3>", "<h3>Fuentes</h3>")]
    assert order == sorted(order)
    assert "@media print" in html
    assert "2 / 17" in html and "Vinculaciones realizadas (12%)" in html
    # every finding points at its numbered note, and the note carries the quote
    assert '<a href="#n-steia-1">[1]</a>' in html and 'id="n-steia-1"' in html
    assert "lost its convening capacity" in html


def test_report_html_draws_declarative_and_broken_commitments_differently(steia: GapReport) -> None:
    html = render(steia, "html", "es")
    svg = html[html.index("<svg xmlns"):html.index("</svg>", html.index("<svg xmlns"))]
    paths = re.findall(r"<path d=\"M[^>]*marker-end[^>]*>", svg)
    case = steia.cases[0]
    assert len(paths) == len(case.edges)
    assert len([p for p in paths if 'stroke-dasharray="7 5"' in p]) == sum(e.declarative is True for e in case.edges)
    broken = sum(e.status in ("broken", "withdrawn") for e in case.edges)
    assert len([p for p in paths if 'stroke="#c62828"' in p]) == broken and svg.count("✕") == broken
    assert "Leyenda" in html and "solo declarativo (sin instrumento ni monto)" in html


def test_report_markdown_marks_inferred_and_illustrative() -> None:
    md = render(analyse("steia", include_illustrative=True), "md", "en")
    assert "### Illustrations (not in the sources; no severity)" in md
    assert "(synthetic population of 52 groups) [illustrative]" in md
    assert "#### [High] PROSPERA linkage: 2 of 17 programmes [inferred]" in md
    assert "Reasoning: 17 expected in 2016 and 14 linkable" in md
    plain = render(analyse("steia"), "md", "en")
    assert "[illustrative]" not in plain.split("### Notes")[0]


def test_report_html_gaps_ordered_by_severity(everything: GapReport) -> None:
    html = render(everything, "html", "en")
    for case in re.split(r'<section class="case"', html)[1:]:
        seen = [m for m in re.findall(r'<div class="gap (high|medium|low)">', case)]
        assert seen == sorted(seen, key=["high", "medium", "low"].index)
    assert "<h1>Coordination gaps</h1>" in html and html.count('<section class="case"') == 3


def test_report_markdown_tells_the_panama_story() -> None:
    md = render(analyse("panama-rdeoe"), "md", "en")
    assert "#### [Medium] Pending disbursement with no date: 1 of 3" in md
    assert "802,500 + 1,839,500 + 2,067,168 + 797,732 + 2,439,100 = 7,946,000 USD" in md
    assert "54,000 unaccounted for" in md
    assert "| F-ODM | FAO | budget | budget_line | planned | 1,839,500 USD |" in md
    assert "«Presupuesto total: USD8,000,000»" in md


def test_report_json_has_both_languages(steia: GapReport) -> None:
    data = json.loads(render(steia, "json", "en"))
    gap = next(g for g in data["cases"][0]["gaps"] if g["kind"] == "linkage_not_realised")
    assert gap["title"] == {"es": "Vinculación de PROSPERA: 2 de 17 programas",
                            "en": "PROSPERA linkage: 2 of 17 programmes"}


def test_report_counts_of_one_are_in_the_singular(everything: GapReport) -> None:
    assert re.search(r"</a> — [0-9]+ brechas encontradas</li>", render(everything, "html", "es"))
    one = everything.model_copy(deep=True)
    one.cases[0].counts["gaps"] = 1
    assert "</a> — 1 brecha encontrada</li>" in render(one, "html", "es")
    assert "</a> — 1 gap found</li>" in render(one, "html", "en")


def test_report_unknown_format_is_an_input_error(steia: GapReport) -> None:
    with pytest.raises(InputError, match="formato desconocido `pdf`") as raised:
        render(steia, "pdf", "es")
    assert raised.value.message_in("en") == "unknown format `pdf`"
    assert raised.value.hint_in("en") == "use one of: md, html, json"


def test_report_layout_keeps_actors_apart(everything: GapReport) -> None:
    for case in everything.cases:
        pos = list(layout(case).values())
        assert len(pos) == len(case.nodes)
        closest = min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5
                      for i, a in enumerate(pos) for b in pos[i + 1:])
        assert closest > 40, case.id


def test_report_write_atomic_leaves_old_file_when_rename_fails(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report", encoding="utf-8")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic_mod.os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new report")
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_report_cli_writes_out_file(tmp_path: Path) -> None:
    out = tmp_path / "gaps.html"
    result = runner.invoke(app, ["gaps", "--case", "tres-por-uno", "--format", "html", "--out", str(out),
                                 "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "SEDESOL: reaching the poorest communities is not guaranteed" in html
    assert "Migrants select the communities that they want to work with" in html
    assert [p.name for p in tmp_path.iterdir()] == ["gaps.html"]


def test_report_cli_markdown_to_stdout() -> None:
    result = runner.invoke(app, ["gaps", "--case", "steia"])
    assert result.exit_code == 0
    assert "#### [Alta] Vinculación de PROSPERA: 2 de 17 programas" in result.output


def test_report_cli_unknown_case_is_a_clear_error() -> None:
    result = runner.invoke(app, ["gaps", "--case", "nope", "--format", "md"])
    assert isinstance(result.exception, InputError)
    assert "no hay un caso de compromisos llamado `nope`" in str(result.exception)


def test_report_is_byte_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    """Same input, same report: each case rendered in separate processes with different
    PYTHONHASHSEED values gives the same bytes (the Panama report used to list actors in
    varying order)."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"report-{seed}"
        out.mkdir()
        code = (
            "from engine.gaps import analyse\nfrom engine.report import render\nimport sys\n"
            "for case in ('panama-rdeoe', 'steia', 'tres-por-uno'):\n"
            "    r = analyse(case, include_illustrative=True)\n"
            "    for fmt in ('md', 'html', 'json'):\n"
            "        open(f'{sys.argv[1]}/{case}.{fmt}', 'w', encoding='utf-8').write(render(r, fmt, 'es'))\n"
        )
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env, cwd=Path(__file__).parent.parent)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert len(outputs[0]) == 9
    assert outputs[0] == outputs[1]
