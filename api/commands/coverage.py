"""`vincula coverage POPULATION --padron FILE --as-of DATE`: coverage, exclusion, inclusion and
overlap measured from programme registries (engine/coverage.py); and the registry that
`vincula synth N --padron` writes (engine/registry_synth.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.commands.core import lang_option
from api.commands.language import DATE_FORMATS
from api.commands.tables import add_programme_column, short_name
from engine.messages import Lang, t
from engine.rules import RuleSet, load_rules

if TYPE_CHECKING:
    from engine.coverage import CoverageReport

out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False)


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage)


def coverage(
    population: Annotated[Path, typer.Argument(help="folder with groups.csv + members.csv (with person_id)")],
    padron: Annotated[
        Path, typer.Option("--padron", help="registry: program,fiscal_year,group_id (.csv or .parquet)")
    ],
    as_of: Annotated[
        dt.datetime,
        typer.Option("--as-of", formats=DATE_FORMATS, help="judge on this date; its year is the fiscal year"),
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="summary | json | md | html")] = "summary",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="write the report here (atomically) instead of stdout")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="rejected rows (default: <out>.rejects.csv, or coverage.rejects.csv)"),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="rules directory (default: bundled rules/)")
    ] = None,
    program: Annotated[
        list[str] | None,
        typer.Option("--program", "-p", help="only these programmes (default: all in the padrón)"),
    ] = None,
    examples: Annotated[int, typer.Option("--examples", min=0, help="example groups per cell")] = 5,
    lang: Annotated[str, typer.Option("--lang", help="es | en")] = "es",
) -> None:
    """Who each programme supported in the fiscal year against who its rules say it should
    support (exclusion, inclusion by blocking criterion, by state), and who received several
    programmes at once, classified by whether the rules allow it."""
    from engine.coverage import measure
    from engine.coverage_report import FORMATS, render
    from engine.report import check_format

    language = lang_option(lang)
    check_format(fmt, ("summary", *FORMATS))
    if rejects is None:
        rejects = (
            out_file.with_name(out_file.stem + ".rejects.csv") if out_file else Path("coverage.rejects.csv")
        )
    rs = load_rules(rules)
    report = measure(
        population,
        padron,
        rs,
        as_of.date(),
        programs=program or None,
        rejects=rejects,
        examples=examples,
        lang=language,
    )
    if fmt == "summary":
        _print_summary(report, rs, language)
        return
    text = render(report, fmt, language)
    if out_file is None:
        typer.echo(text, nl=False)
        return
    from engine.atomic import write_atomic

    write_atomic(out_file, text)
    err.print(t("coverage.written", language, path=escape(str(out_file))), soft_wrap=True)


def _print_summary(r: CoverageReport, rs: RuleSet, lang: Lang) -> None:
    from engine.coverage import CELLS
    from engine.coverage_report import rates
    from engine.explain import day_text

    out.print(f"[bold]{t('coverage.title', lang, year=r.fiscal_year)}[/]")
    out.print(t("coverage.as_of", lang, day=day_text(r.as_of, lang), year=r.fiscal_year))
    out.print(
        escape(t("coverage.population", lang, path=r.population.path, count=r.population.groups)),
        soft_wrap=True,
    )
    out.print(
        escape(
            t(
                "coverage.padron",
                lang,
                path=r.padron.path,
                rows=r.padron.rows,
                measured=r.padron.rows_measured,
                other=r.padron.rows_other_years,
                rejected=r.padron.rejected_rows,
            )
        ),
        soft_wrap=True,
    )
    if r.padron.not_in_force:
        names = ", ".join(short_name(rs, slug, lang) for slug in r.padron.not_in_force)
        out.print(t("coverage.not_in_force", lang, programs=names))
    slugs = list(r.programs)
    table = Table(title_justify="left", show_edge=False)
    table.add_column("")
    for slug in slugs:
        measured = r.programs[slug]
        numbers = [f"{n:,}" for n in (measured.served, *(getattr(measured, c) for c in CELLS))]
        numbers += [f"{measured.persons_served:,}", "100.0 %"]
        add_programme_column(table, short_name(rs, slug, lang), numbers)
    table.add_row(t("coverage.served", lang), *[f"{r.programs[s].served:,}" for s in slugs])
    table.add_section()
    for cell in CELLS:
        table.add_row(t(f"coverage.cell.{cell}", lang), *[f"{getattr(r.programs[s], cell):,}" for s in slugs])
    table.add_section()
    for key in ("inclusion", "exclusion"):
        values = [rates(r.programs[s])[key] for s in slugs]
        table.add_row(t(f"coverage.{key}_rate", lang), *["—" if v is None else f"{v:.1f} %" for v in values])
    table.add_section()
    table.add_row(t("coverage.persons_served", lang), *[f"{r.programs[s].persons_served:,}" for s in slugs])
    table.add_row(
        t("coverage.prospera_persons_served", lang),
        *[f"{r.programs[s].prospera_persons_served:,}" for s in slugs],
    )
    out.print(table)
    for slug in slugs:
        blocked = r.programs[slug].inclusion_by_criterion
        if blocked:
            out.print(
                f"[bold]{escape(short_name(rs, slug, lang))}[/] · {t('coverage.inclusion_by_criterion', lang)}: "
                + "; ".join(f"{escape(c.label.get(lang))} {c.groups:,}" for c in blocked),
                soft_wrap=True,
            )
    out.print(
        f"\n[bold]{t('coverage.overlap.title', lang)}[/]\n"
        + t(
            "coverage.overlap.two_or_more",
            lang,
            count=r.overlap.persons_in_two_or_more,
            served=r.overlap.persons_served,
            year=r.fiscal_year,
        )
    )
    for p in r.overlap.pairs:
        out.print(
            f"  {' + '.join(short_name(rs, slug, lang) for slug in p.programs)}: {t('coverage.overlap.pair_line', lang, persons=p.persons, groups=p.groups)}"
            f" — {t('coverage.overlap.combining', lang, status=t(f'coverage.concurrency.{p.concurrency}', lang))}",
            soft_wrap=True,
        )
    if r.rejects.rows:
        line = f"[yellow]{t('screen.rows_rejected', lang, count=r.rejects.rows)}[/]"
        if r.rejects.path:
            line += f" → {escape(r.rejects.path)}"
        out.print(line, soft_wrap=True)
        for kind, n in r.rejects.by_kind.items():
            out.print(f"  {n:,} {t(f'coverage.kind.{kind}', lang)}")
    else:
        out.print(t("coverage.rejects.none", lang))
    out.print(
        t(
            "coverage.done",
            lang,
            groups=f"{r.population.groups:,}",
            count=len(slugs),
            seconds=f"{r.seconds:.1f}",
        ),
        style="dim",
    )


def write_registry(
    n: int,
    folder: Path,
    seed: int,
    fmt: Literal["csv", "parquet"],
    as_of: dt.date,
    rules: RuleSet,
    lang: Lang,
) -> None:
    """`vincula synth N --out DIR --padron`: a population with person_id, a padrón with known
    errors, and expected.json with what coverage must find."""
    from engine.registry_synth import synthesise

    registry = synthesise(n, rules, as_of, seed, fmt)
    padron = registry.write(folder)
    expected = registry.expected()
    programs = expected["programs"].values()
    done = t(
        "synth.padron_done",
        lang,
        groups=f"{registry.groups.height:,}",
        members=f"{registry.members.height:,}",
        rows=f"{registry.padron.height:,}",
        year=as_of.year,
        seed=seed,
        folder=escape(str(padron.parent)),
    )
    out.print(done, soft_wrap=True)
    injected = t(
        "synth.padron_injected",
        lang,
        inclusion=sum(p["not_eligible_served"] for p in programs),
        exclusion=sum(p["eligible_not_served"] for p in programs),
        cannot_tell=sum(p["cannot_tell_served"] for p in programs),
        shared=len(registry.shared),
        rejects=len(expected["rejects"]) + len(expected["population_rejects"]),
        expected=escape(str(padron.parent / "expected.json")),
    )
    out.print(injected, soft_wrap=True)
