"""`vincula gaps [--case NAME] [--format md|html|json] [--out FILE] [--lang es|en] [--include-illustrative]
[--registry DIR --padron FILE [--as-of DATE]]`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.commands.language import DATE_FORMATS
from engine.messages import t

err = Console(stderr=True, highlight=False, emoji=False)


def register(app: typer.Typer) -> None:
    app.command("gaps")(gaps)


def gaps(
    case: Annotated[
        str | None, typer.Option("--case", help="case name (a file in fixtures/commitments/); default: all")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md | html | json")] = "md",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="write here (atomically) instead of stdout")
    ] = None,
    commitments: Annotated[
        Path | None, typer.Option("--commitments", help="folder of commitments case files")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="es | en")] = "es",
    include_illustrative: Annotated[
        bool,
        typer.Option(
            "--include-illustrative",
            help="also show, apart and without severity, findings that rest on illustrative facts",
        ),
    ] = False,
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry", help="a population (groups + members with person_id) to measure the padrón on"
        ),
    ] = None,
    padron: Annotated[
        Path | None,
        typer.Option("--padron", help="with --registry: program,fiscal_year,group_id (.csv or .parquet)"),
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=DATE_FORMATS,
            help="with --registry: judge on this date (default: the date each case screens its population on)",
        ),
    ] = None,
) -> None:
    """Coordination gaps of the commitments cases: declarative promises, unrealised linkages,
    mismatched populations, single points of failure, vertical and budget gaps; with --registry and
    --padron, also what a programme registry shows (inclusion, exclusion, overlap, linkage),
    measured, beside what was promised."""
    # imported here: networkx and jinja2 are not needed by the other commands' start-up
    from engine.atomic import write_atomic
    from engine.gaps import analyse
    from engine.report import check_format, check_language, render

    # before the analysis, not after it
    check_format(fmt)
    language = check_language(lang)
    report = analyse(
        case,
        commitments_dir=commitments,
        include_illustrative=include_illustrative,
        registry=registry,
        padron=padron,
        as_of=as_of.date() if as_of else None,
    )
    text = render(report, fmt, lang)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_atomic(out, text)
    total = sum(len(c.gaps) for c in report.cases)
    cases = t("report.count.cases", language, count=len(report.cases))
    err.print(f"{out}: {cases}, {t('report.count.gaps_found', language, count=total)}", soft_wrap=True)
