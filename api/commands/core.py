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
from engine.facts import FACTS
from engine.groups import load_groups
from engine.messages import LANGS, Lang, t
from engine.rules import load_rules
from engine.schema import Determination, GroupResult, Rule

# A pipe or file gets a wide, stable layout; a terminal gets its own width.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 140)

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="rules directory (default: bundled rules/)")]
LangOpt = Annotated[str, typer.Option("--lang", help="es | en")]
MARK = {"pass": "[green]✓[/]", "fail": "[red]✗[/]", "unknown": "[yellow]?[/]"}
STATUS_STYLE = {"eligible": "bold green", "not_eligible": "bold red", "cannot_tell": "bold yellow"}


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
        raise typer.BadParameter(t("cli.lang_hint", "en"), param_hint="--lang")
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
        period = f"{p.valid_from} – {p.valid_to or '…'}"
        table.add_row(
            p.slug, escape(p.name.get(language)), escape(p.agency), p.unit, period, str(len(p.criteria))
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
    lang = lang_option(lang)
    rs = load_rules(rules)
    p = rs.get(program)
    day = (as_of.date() if isinstance(as_of, dt.datetime) else as_of) or p.valid_from
    engine_params = {n: v.value for n, par in p.parameters.items() if (v := par.value_on(day))}
    out.print(f"[bold]{escape(p.name.get(lang))}[/]  ({p.slug}, {rs.version(p.slug)})")
    out.print(
        f"{escape(p.agency)} · {t('cli.unit', lang)}: {p.unit} · {t('cli.period', lang)}: "
        f"{p.valid_from} – {p.valid_to or '…'}"
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
                    f"    {v.from_} – {v.to or '…'}: {value_text(v.value, lang)}"
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
    language = lang_option(lang)
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
            _print_result(r, language, brief)
    statuses = {d.status for r in results for d in r.determinations}
    raise typer.Exit(0 if "eligible" in statuses else 3 if "cannot_tell" in statuses else 1)


def _print_result(r: GroupResult, lang: Lang, brief: bool) -> None:
    terr = r.territory
    place = ", ".join(x for x in (terr.get("name"), terr.get("state_name")) if x)
    out.rule(
        f"[bold]{t('ui.group', lang)} {escape(r.group_id)}[/] — {escape(place)} ({terr.get('code')}) — "
        f"{t('cli.date', lang)} {r.as_of}"
    )
    summary = Table(show_header=True, box=None, pad_edge=False)
    for col in ("programme", "result", "why"):
        summary.add_column(t(f"ui.{col}", lang))
    for d in r.determinations:
        summary.add_row(escape(d.name), _status(d.status, lang), escape(_why(d)))
    out.print(summary)
    if brief:
        return
    for d in r.determinations:
        _print_determination(d, lang)
    out.print()


def _why(d: Determination) -> str:
    return d.summary.split(": ", 1)[1] if ": " in d.summary else ""


def _print_determination(d: Determination, lang: Lang) -> None:
    table = Table(
        title=f"{d.name} — {_status(d.status, lang)}", title_justify="left", show_lines=True, expand=True
    )
    table.add_column("", width=1)
    for col in ("criterion", "observed", "rule", "source"):
        table.add_column(t(f"ui.{col}", lang), ratio=3)
    notes = []
    for c in d.criteria:
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
        out.print(f"  [yellow][{i}] {t('ui.assumption', lang)}:[/] {escape(note)}")
    if d.next_steps:
        out.print(f"  [bold]{t('ui.next', lang)}:[/] {escape(d.next_steps)}")
