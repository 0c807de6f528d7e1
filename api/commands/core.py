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

from engine.eligibility import EligibilityEngine
from engine.errors import UnknownTerritoryError
from engine.explain import condition_text, value_text
from engine.groups import load_groups
from engine.messages import LANGS, Lang
from engine.rules import load_rules
from engine.schema import Determination, GroupResult

# A pipe or file gets a wide, stable layout; a terminal gets its own width.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="rules directory (default: bundled rules/)")]
LangOpt = Annotated[str, typer.Option("--lang", help="es | en")]
MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]"}
STATUS = {
    "es": {
        "eligible": "[bold green]ELEGIBLE[/]",
        "not_eligible": "[bold red]NO ELEGIBLE[/]",
        "cannot_tell": "[bold yellow]NO SE PUEDE DETERMINAR[/]",
    },
    "en": {
        "eligible": "[bold green]ELIGIBLE[/]",
        "not_eligible": "[bold red]NOT ELIGIBLE[/]",
        "cannot_tell": "[bold yellow]CANNOT TELL[/]",
    },
}
T = {
    "es": {
        "programme": "Programa",
        "agency": "Dependencia",
        "unit": "Unidad",
        "period": "Vigencia",
        "criteria": "Criterios",
        "result": "Resultado",
        "why": "Motivo",
        "criterion": "Criterio",
        "observed": "Observado",
        "rule": "Regla",
        "source": "Fuente",
        "assumption": "Supuesto",
        "group": "Grupo",
        "date": "fecha",
        "eligibility": "Elegibilidad",
        "params": "Parámetros",
        "priority": "prioridad (no requisito)",
        "next": "Después",
    },
    "en": {
        "programme": "Programme",
        "agency": "Agency",
        "unit": "Unit",
        "period": "In force",
        "criteria": "Criteria",
        "result": "Result",
        "why": "Why",
        "criterion": "Criterion",
        "observed": "Observed",
        "rule": "Rule",
        "source": "Source",
        "assumption": "Assumption",
        "group": "Group",
        "date": "date",
        "eligibility": "Eligibility",
        "params": "Parameters",
        "priority": "priority (not required)",
        "next": "Next",
    },
}


def register(app: typer.Typer) -> None:
    app.command("programs")(programs)
    app.command("explain")(explain)
    app.command("check")(check)


def _lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise typer.BadParameter("use es or en", param_hint="--lang")
    return cast(Lang, lang)


def programs(rules: RulesOpt = None, lang: LangOpt = "es") -> None:
    """List the programmes of the rule set."""
    t = T[_lang(lang)]
    rs = load_rules(rules)
    table = Table(show_lines=False)
    table.add_column("slug", no_wrap=True)
    for col in (t["programme"], t["agency"], t["unit"], t["period"], t["criteria"]):
        table.add_column(col)
    for p in rs.programmes.values():
        period = f"{p.valid_from} – {p.valid_to or '…'}"
        table.add_row(
            p.slug, escape(p.name.get(lang)), escape(p.agency), p.unit, period, str(len(p.criteria))
        )
    out.print(table)


def explain(
    program: Annotated[str, typer.Argument(help="programme slug, e.g. proinpro")],
    rules: RulesOpt = None,
    lang: LangOpt = "es",
    as_of: Annotated[
        dt.date | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="show parameters in force on this date"),
    ] = None,
) -> None:
    """Show a programme's rule in readable form, with parameters and citations."""
    t = T[_lang(lang)]
    rs = load_rules(rules)
    p = rs.get(program)
    day = (as_of.date() if isinstance(as_of, dt.datetime) else as_of) or p.valid_from
    engine_params = {n: v.value for n, par in p.parameters.items() if (v := par.value_on(day))}
    out.print(f"[bold]{escape(p.name.get(lang))}[/]  ({p.slug}, {rs.version(p.slug)})")
    out.print(
        f"{escape(p.agency)} · {t['unit']}: {p.unit} · {t['period']}: {p.valid_from} – {p.valid_to or '…'}"
    )
    out.print(escape(p.summary.get(lang)) + "\n")
    out.print(f"[bold]{t['eligibility']}:[/] {escape(_rule_text(p.eligibility))}\n")
    for c in p.criteria:
        tag = "" if c.id in p.eligibility.ids() else f" [dim]({t['priority']})[/]"
        doc = p.sources[c.source.ref]
        out.print(f"[bold]{c.id}[/] — {escape(c.label.get(lang))}{tag}")
        out.print(f"   {t['rule']}: {escape(condition_text(c.condition, engine_params, lang))}")
        out.print(
            f"   {t['source']}: {escape(doc.title)}, {escape(c.source.pinpoint)}"
            + (f" <{doc.link}>" if doc.link else "")
        )
        if c.source.quote:
            out.print(f"   «{escape(c.source.quote)}»")
        if c.assumption:
            out.print(f"   [yellow]{t['assumption']}:[/] {escape(c.assumption.get(lang))}")
    if p.parameters:
        out.print(f"\n[bold]{t['params']}[/]")
        for name, par in p.parameters.items():
            out.print(f"  {name} — {escape(par.label.get(lang))}")
            for v in par.values:
                doc = p.sources[v.source.ref]
                out.print(
                    f"    {v.from_} – {v.to or '…'}: {value_text(v.value, lang)}"
                    f"  ({escape(doc.title)}, {escape(v.source.pinpoint)})"
                )
    if p.next_steps:
        out.print(f"\n[bold]{t['next']}:[/] {escape(p.next_steps.get(lang))}")


def _rule_text(rule: object) -> str:
    from engine.schema import Rule

    assert isinstance(rule, Rule)
    word = " AND " if rule.all is not None else " OR "
    return "(" + word.join(i if isinstance(i, str) else _rule_text(i) for i in rule.items) + ")"


def check(
    group_files: Annotated[list[Path], typer.Argument(help="group file(s) or folder(s), YAML or JSON")],
    as_of: Annotated[
        dt.datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="judge on this date (overrides the file)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON (same model as the API)")] = False,
    brief: Annotated[bool, typer.Option("--brief", help="one line per programme, no criteria")] = False,
    program: Annotated[
        list[str] | None, typer.Option("--program", "-p", help="only these programmes")
    ] = None,
    rules: RulesOpt = None,
    lang: LangOpt = "es",
) -> None:
    """Which programmes is each group eligible for, and why not the others?"""
    language = _lang(lang)
    engine = EligibilityEngine(load_rules(rules))
    for slug in program or []:
        engine.rules.get(slug)  # unknown slug: clear error before any work
    day = as_of.date() if as_of else None
    results = []
    for path in group_files:
        for group in load_groups(path):
            try:
                results.append(engine.check(group, day, language, program))
            except UnknownTerritoryError as exc:
                exc.where = f"{path}: group {group.id}: territory"
                raise
    if as_json:
        payload = [json.loads(r.model_dump_json()) for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_result(r, lang, brief)
    statuses = {d.status for r in results for d in r.determinations}
    raise typer.Exit(0 if "eligible" in statuses else 3 if "cannot_tell" in statuses else 1)


def _print_result(r: GroupResult, lang: str, brief: bool) -> None:
    t = T[lang]
    terr = r.territory
    place = ", ".join(x for x in (terr.get("name"), terr.get("state_name")) if x)
    out.rule(
        f"[bold]{t['group']} {escape(r.group_id)}[/] — {escape(place)} ({terr.get('code')}) — "
        f"{t['date']} {r.as_of}"
    )
    summary = Table(show_header=True, box=None, pad_edge=False)
    summary.add_column(t["programme"])
    summary.add_column(t["result"])
    summary.add_column(t["why"])
    for d in r.determinations:
        summary.add_row(escape(d.name), STATUS[lang][d.status], escape(_why(d)))
    out.print(summary)
    if brief:
        return
    for d in r.determinations:
        _print_determination(d, lang)
    out.print()


def _why(d: Determination) -> str:
    return d.summary.split(": ", 1)[1] if ": " in d.summary else ""


def _print_determination(d: Determination, lang: str) -> None:
    t = T[lang]
    table = Table(
        title=f"{d.name} — {STATUS[lang][d.status]}", title_justify="left", show_lines=True, expand=True
    )
    table.add_column("", width=1)
    table.add_column(t["criterion"], ratio=3)
    table.add_column(t["observed"], ratio=3)
    table.add_column(t["rule"], ratio=3)
    table.add_column(t["source"], ratio=3)
    notes = []
    for c in d.criteria:
        label = escape(c.label) + ("" if c.required else f"\n[dim]{t['priority']}[/]")
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
        out.print(f"  [yellow][{i}] {t['assumption']}:[/] {escape(note)}")
    if d.next_steps:
        out.print(f"  [bold]{t['next']}:[/] {escape(d.next_steps)}")
