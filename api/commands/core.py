"""`vincula programs`, `vincula explain PROGRAM`, `vincula check GROUP_FILE...`."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.commands.language import DATE_FORMATS
from engine.eligibility import EligibilityEngine
from engine.errors import UnknownTerritoryError
from engine.explain import condition_text, day_text, period_text, value_text
from engine.facts import FACTS
from engine.groups import load_groups
from engine.messages import LANGS, Lang, t
from engine.rules import load_rules
from engine.schema import Determination, GroupResult, Rule

# A pipe or file gets a wide, stable layout; a terminal gets its own width.
out = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 140)

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="rules directory (default: bundled rules/)")]
LangOpt = Annotated[str, typer.Option("--lang", help="es | en")]
MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]"}
STATUS_STYLE = {
    "eligible": "bold green",
    "not_eligible": "bold red",
    "cannot_tell": "bold yellow",
    "not_applicable": "dim",
    "not_in_force": "dim",
}


def _status(status: str, lang: Lang) -> str:
    return f"[{STATUS_STYLE[status]}]{escape(t(f'status.{status}', lang).upper())}[/]"


def register(app: typer.Typer) -> None:
    app.command("programs")(programs)
    app.command("explain")(explain)
    app.command("check")(check)
    app.command("facts")(facts)


def lang_option(lang: str) -> Lang:
    """The --lang option as the one language type, or a usage error."""
    if lang not in LANGS:
        raise typer.BadParameter(t("cli.lang_hint", "es"), param_hint="--lang")
    return cast(Lang, lang)


def programs(rules: RulesOpt = None, lang: LangOpt = "es") -> None:
    """List the programmes of the rule set."""
    language = lang_option(lang)
    rs = load_rules(rules)
    table = Table(show_lines=False)
    table.add_column("slug", no_wrap=True)
    for key in ("ui.programme", "cli.agency", "cli.unit", "cli.period", "cli.criteria"):
        table.add_column(t(key, language))
    for p in rs.programmes.values():
        table.add_row(
            p.slug,
            escape(p.name.get(language)),
            escape(p.agency),
            t(f"cli.unit.{p.unit}", language),
            period_text(p.valid_from, p.valid_to, language),
            str(len(p.criteria)),
        )
    out.print(table)


def explain(
    program: Annotated[str, typer.Argument(help="programme slug, e.g. proinpro")],
    rules: RulesOpt = None,
    lang: LangOpt = "es",
    as_of: Annotated[
        dt.date | None,
        typer.Option("--as-of", formats=DATE_FORMATS, help="show parameters in force on this date"),
    ] = None,
) -> None:
    """Show a programme's rule in readable form, with parameters and citations."""
    lang = lang_option(lang)
    rs = load_rules(rules)
    p = rs.get(program)
    day = (as_of.date() if isinstance(as_of, dt.datetime) else as_of) or p.valid_from
    engine_params = {n: v.value for n, par in p.parameters.items() if (v := par.value_on(day))}
    out.print(f"[bold]{escape(p.name.get(lang))}[/]  ({p.slug}, {rs.version(p.slug)})")
    out.print(
        f"{escape(p.agency)} · {t('cli.unit', lang)}: {t(f'cli.unit.{p.unit}', lang)} · "
        f"{t('cli.period', lang)}: {period_text(p.valid_from, p.valid_to, lang)}"
    )
    out.print(escape(p.summary.get(lang)) + "\n")
    out.print(f"[bold]{t('cli.eligibility', lang)}:[/] {escape(_rule_text(p.eligibility, lang))}\n")
    for c in p.criteria:
        tag = "" if c.id in p.eligibility.ids() else f" [dim]({t('ui.priority', lang)})[/]"
        doc = p.sources[c.source.ref]
        out.print(f"[bold]{c.id}[/] — {escape(c.label.get(lang))}{tag}")
        out.print(f"   {t('ui.rule', lang)}: {escape(condition_text(c.condition, engine_params, lang))}")
        out.print(
            f"   {t('ui.source', lang)}: {escape(doc.title)}, {escape(c.source.pinpoint)}"
            + (f" <{doc.link}>" if doc.link else "")
        )
        if c.source.quote:
            out.print(f"   «{escape(c.source.quote)}»")
        if c.assumption:
            out.print(f"   [yellow]{t('ui.assumption', lang)}:[/] {escape(c.assumption.get(lang))}")
    if p.parameters:
        out.print(f"\n[bold]{t('cli.params', lang)}[/]")
        for name, par in p.parameters.items():
            out.print(f"  {name} — {escape(par.label.get(lang))}")
            for v in par.values:
                doc = p.sources[v.source.ref]
                out.print(
                    f"    {period_text(v.from_, v.to, lang)}: {value_text(v.value, lang)}"
                    f"  ({escape(doc.title)}, {escape(v.source.pinpoint)})"
                )
    if p.next_steps:
        out.print(f"\n[bold]{t('ui.next', lang)}:[/] {escape(p.next_steps.get(lang))}")


def facts(lang: LangOpt = "es") -> None:
    """List the facts a rule may test: name, type, label, values and the other words people
    use for them (feature steps and tables accept all of these)."""
    language = lang_option(lang)
    for scope, title in (("group", "cli.group_facts"), ("member", "cli.member_facts")):
        table = Table(title=t(title, language), title_justify="left", show_lines=False)
        for key in ("cli.fact", "cli.type", "cli.label", "cli.values", "cli.words"):
            table.add_column(t(key, language), overflow="fold")
        for spec in FACTS[scope].values():  # type: ignore[index]
            if spec.choices is not None and len(spec.choices) > 12:
                values = t("cli.many_values", language, count=len(spec.choices))
            else:
                values = ", ".join(f"{c.value} ({c.label[language]})" for c in spec.choices or ())
            table.add_row(
                spec.name,
                t(f"cli.type.{spec.type}", language),
                escape(spec.label[language]),
                escape(values),
                escape(", ".join(spec.synonyms)),
            )
        out.print(table)


def _rule_text(rule: Rule, lang: Lang) -> str:
    word = f" {t('cli.and' if rule.all is not None else 'cli.or', lang)} "
    return "(" + word.join(i if isinstance(i, str) else _rule_text(i, lang) for i in rule.items) + ")"


def check(
    group_files: Annotated[list[Path], typer.Argument(help="group file(s) or folder(s), YAML or JSON")],
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of",
            formats=DATE_FORMATS,
            help="judge on this date (overrides the file; default: the file's, else today)",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (same model as the API)")] = False,
    brief: Annotated[
        bool, typer.Option("--brief", help="one line per programme: the result and why")
    ] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="show every criterion, also those that are met")
    ] = False,
    program: Annotated[
        list[str] | None, typer.Option("--program", "-p", help="only these programmes")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv | xlsx: one row per group and programme (with --out)"),
    ] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="file to write the table to")] = None,
    rules: RulesOpt = None,
    lang: LangOpt = "es",
) -> None:
    """Which programmes is each group eligible for, why not the others, and what would change that?"""
    from engine import export

    language = lang_option(lang)
    if fmt is not None and fmt not in export.FORMATS:
        raise typer.BadParameter(t("cli.format_hint", language), param_hint="--format")
    if fmt == "xlsx" and out_file is None:
        raise typer.BadParameter(t("cli.xlsx_needs_out", language), param_hint="--out")
    engine = EligibilityEngine(load_rules(rules))
    for slug in program or []:
        engine.rules.get(slug)  # unknown slug: clear error before any work
    day = as_of.date() if as_of else None
    results = []
    for path in group_files:
        for group in load_groups(path, language):
            try:
                results.append(engine.check(group, day, language, program, suggest=True))
            except UnknownTerritoryError as exc:
                exc.where = t("error.territory_of", language, path=path, id=group.id)
                raise
    if fmt is not None:
        if out_file is None:
            sys.stdout.write("".join(export.csv_text(results, language)).lstrip("\ufeff"))
        else:
            export.write(results, out_file, fmt, language)  # type: ignore[arg-type]
            written = t("cli.written", language, count=len(results), path=escape(str(out_file)))
            Console(stderr=True, highlight=False, emoji=False).print(written, soft_wrap=True)
    elif as_json:
        payload = [json.loads(r.model_dump_json()) for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_result(r, language, brief, show_all)
        if len(results) > 1:
            _print_totals(results, language)
    statuses = {d.status for r in results for d in r.determinations}
    raise typer.Exit(0 if "eligible" in statuses else 3 if "cannot_tell" in statuses else 1)


def _print_result(r: GroupResult, lang: Lang, brief: bool, show_all: bool) -> None:
    terr = r.territory
    place = ", ".join(x for x in (terr.get("name"), terr.get("state_name")) if x)
    source = t(f"cli.date_source.{r.as_of_source}", lang)
    out.rule(
        f"[bold]{t('ui.group', lang)} {escape(r.group_id)}[/] — {escape(place)} ({terr.get('code')}) — "
        f"{day_text(r.as_of, lang)} ({source})"
    )
    for warning in r.warnings:
        out.print(f"[yellow]⚠ {escape(warning)}[/]", soft_wrap=True)
    by_slug = {d.program: d for d in r.determinations}
    ordered = [by_slug[s] for s in r.ranking] if r.ranking else r.determinations
    summary = Table(show_header=True, box=None, pad_edge=False)
    for col in ("programme", "result", "why"):
        summary.add_column(t(f"ui.{col}", lang))
    for d in ordered:
        why = "" if d.status == "eligible" else d.summary
        summary.add_row(escape(d.name), _status(d.status, lang), escape(why))
    out.print(summary)
    if brief:
        return
    for d in ordered:
        _print_determination(d, lang, show_all)
    if r.to_collect:
        out.print(f"[bold]{t('ui.to_collect', lang)}[/]")
        for item in r.to_collect:
            settles = t("ui.settles", lang, count=len(item.programs), programs=", ".join(item.programs))
            out.print(f"  • {escape(item.label)} — {escape(settles)}", soft_wrap=True)
    out.print()


def _print_totals(results: list[GroupResult], lang: Lang) -> None:
    """How many groups have at least one programme eligible, and how many none."""
    some = sum(any(d.status == "eligible" for d in r.determinations) for r in results)
    words = [
        t("cli.totals.groups", lang, count=len(results)),
        t("cli.totals.some", lang, count=some),
        t("cli.totals.none", lang, count=len(results) - some),
    ]
    out.print(" · ".join(words))


def _print_determination(d: Determination, lang: Lang, show_all: bool) -> None:
    out.print(f"[bold]{escape(d.name)}[/] — {_status(d.status, lang)}", soft_wrap=True)
    if d.status != "eligible":
        out.print(f"  {escape(d.summary)}", soft_wrap=True)
    order = {"fail": 0, "unknown": 1, "pass": 2}
    shown = sorted(d.criteria, key=lambda c: order[c.outcome])
    # the criteria that decide the answer; an eligible programme, one that does not apply and
    # one not in force are told by their status (--all shows every criterion all the same)
    if not show_all and d.status in ("not_eligible", "cannot_tell"):
        shown = [c for c in shown if c.outcome != "pass"]
    elif not show_all:
        shown = []
    hidden = len(d.criteria) - len(shown)
    if shown:
        table = Table(show_lines=True, expand=True)
        table.add_column("", width=1)
        for col in ("criterion", "observed", "rule", "source"):
            table.add_column(t(f"ui.{col}", lang), ratio=3)
        notes = []
        for c in shown:
            label = escape(c.label) + ("" if c.required else f"\n[dim]{t('ui.priority', lang)}[/]")
            if c.assumption:
                notes.append(c.assumption)
                label += f" [yellow][{len(notes)}][/]"
            table.add_row(
                MARK[c.outcome],
                label,
                escape(c.observed),
                escape(c.threshold),
                escape(f"{c.source.title}, {c.source.pinpoint}"),
            )
        out.print(table)
        for i, note in enumerate(notes, 1):
            out.print(f"  [yellow][{i}] {t('ui.assumption', lang)}:[/] {escape(note)}", soft_wrap=True)
    if hidden:
        # only passes are hidden from a judged answer; every criterion from one told by its status
        key = (
            "cli.hidden_passes"
            if d.status in ("eligible", "not_eligible", "cannot_tell")
            else "cli.hidden_all"
        )
        out.print(f"  [dim]{escape(t(key, lang, count=hidden))}[/]")
    for suggestion in d.suggestions:
        out.print(f"  [bold]{t('ui.what_it_takes', lang)}:[/]")
        for i, step in enumerate(suggestion.steps, 1):
            mark = "[green]✓[/]" if step.feasible else "[red]✗[/]"
            out.print(f"   {i}. {mark} {escape(step.text)}", soft_wrap=True)
        verdict = "ui.suggestion_feasible" if suggestion.feasible else "ui.suggestion_outside"
        out.print(f"   [dim]{escape(t(verdict, lang))}[/]", soft_wrap=True)
    if d.next_steps:
        out.print(f"  [bold]{t('ui.next', lang)}:[/] {escape(d.next_steps)}", soft_wrap=True)
    out.print()
