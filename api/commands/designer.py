"""Commands for programme designers: `vincula test`, `vincula diff`, `vincula lint`.

`test` runs the Gherkin features (features/, or the files given) against a rules folder — a
designer's draft — and prints each scenario's result; `diff` shows who gains and who loses
eligibility when a draft replaces the baseline rules; `lint` lists what to fix in rule files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from api.commands.core import LangOpt, lang_option
from api.commands.language import DATE_FORMATS
from engine import PROJECT_ROOT, RULES_DIR
from engine.errors import InputError
from engine.messages import t
from engine.rules import load_rules

#: emoji=False: a place such as `proinpro.yaml:100:` is not the emoji code :100:
out = Console(highlight=False, soft_wrap=True, emoji=False)
FEATURES_DIR = PROJECT_ROOT / "features"
COLLECTOR = FEATURES_DIR / "test_features.py"


def register(app: typer.Typer) -> None:
    app.command("test")(test)
    app.command("diff")(diff)
    app.command("lint")(lint)


# --------------------------------------------------------------------------- vincula test


def test(
    features: Annotated[
        list[Path] | None,
        typer.Argument(help="feature files or folders (default: every feature under features/)"),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="rules folder to test (default: rules/)")
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", "-m", help="only scenarios with this tag, e.g. proinpro")
    ] = None,
    show_passed: Annotated[
        bool, typer.Option("--passed/--failed-only", help="list passing scenarios too")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON record per scenario")] = False,
    lang: LangOpt = "es",
) -> None:
    """Run the features against a rules folder; one line per scenario, the failures explained.

    Exit code 0 when every scenario passes, 1 when one fails, 2 when the rules or features
    cannot be read.
    """
    language = lang_option(lang)
    rules_dir = (rules or RULES_DIR).resolve()
    load_rules(rules_dir)  # a broken draft is reported here, as a rule-file error, not 100 failures
    paths = [p.resolve() for p in features or []]
    for p in paths:
        if not p.exists():
            raise InputError(key="designer.no_features", values={"path": str(p)})
    t0 = time.perf_counter()
    records, output, code = run_features(rules_dir, paths, tag)
    seconds = time.perf_counter() - t0
    if as_json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
    elif not records:
        out.print(escape(output))
        out.print(f"[red]{escape(t('designer.test.none', language))}[/]")
    else:
        print_records(records, show_passed)
        failed = sum(r["outcome"] == "failed" for r in records)
        passed = sum(r["outcome"] == "passed" for r in records)
        colour = "red" if failed else "green"
        totals = ", ".join(
            [
                t("designer.test.passed", language, count=passed),
                t("designer.test.failed", language, count=failed),
            ]
        )
        rules_text = t("designer.test.rules", language, path=str(rules_dir), seconds=f"{seconds:.1f}")
        out.print(f"\n[bold {colour}]{escape(totals)}[/] — {escape(rules_text)}")
    if not records:
        raise typer.Exit(2)
    raise typer.Exit(1 if code != 0 or any(r["outcome"] == "failed" for r in records) else 0)


def run_features(
    rules_dir: Path, features: list[Path], tag: str | None = None
) -> tuple[list[dict[str, Any]], str, int]:
    """Run pytest on the features in a child process (so each run loads its rules afresh) and
    return one record per scenario, pytest's output, and its exit code."""
    with tempfile.TemporaryDirectory(prefix="vincula-test-") as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ, VINCULA_RULES=str(rules_dir), VINCULA_TEST_REPORT=str(report))
        env.pop("VINCULA_FEATURES", None)
        if features:
            env["VINCULA_FEATURES"] = os.pathsep.join(str(p) for p in features)
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            str(COLLECTOR),
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-header",
            "-rN",
            "--tb=no",
            f"--rootdir={PROJECT_ROOT}",
        ]
        if tag:
            cmd += ["-m", tag]
        proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
        records = json.loads(report.read_text(encoding="utf-8")) if report.exists() else []
    return records, proc.stdout + proc.stderr, proc.returncode


def _rel(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def print_records(records: list[dict[str, Any]], show_passed: bool = True) -> None:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_file.setdefault(r.get("feature_file", "?"), []).append(r)
    for path, items in by_file.items():
        failed = [r for r in items if r["outcome"] == "failed"]
        if not show_passed and not failed:
            continue
        out.print(f"\n[bold]{escape(items[0].get('feature', ''))}[/]  [dim]{escape(_rel(path))}[/]")
        for r in items:
            ok = r["outcome"] == "passed"
            if ok and not show_passed:
                continue
            mark = "[green]✓[/]" if ok else "[yellow]-[/]" if r["outcome"] == "skipped" else "[red]✗[/]"
            out.print(f"  {mark} {escape(r['scenario'])}  [dim]:{r.get('line', '')}[/]")
            if not ok and r["outcome"] == "failed":
                if r.get("step"):
                    out.print(f"      [red]{escape(r['step'])}[/]  [dim]:{r.get('step_line', '')}[/]")
                for line in str(r.get("message", "")).splitlines()[:14]:
                    out.print(f"      {escape(line)}")


# --------------------------------------------------------------------------- vincula diff


def diff(
    rules: Annotated[Path, typer.Option("--rules", help="the candidate rules folder (a draft)")],
    population: Annotated[
        Path,
        typer.Option(
            "--population", help="group file or folder, or a population folder (groups.csv + members.csv)"
        ),
    ],
    against: Annotated[
        Path | None, typer.Option("--against", help="the baseline rules folder (default: rules/)")
    ] = None,
    as_of: Annotated[
        dt.datetime | None,
        typer.Option(
            "--as-of", formats=DATE_FORMATS, help="judge every group on this date (default: each group's own)"
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md | html | json")] = "md",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the report here (atomically) instead of printing it")
    ] = None,
    examples: Annotated[int, typer.Option("--examples", help="example groups per change")] = 5,
    lang: Annotated[str, typer.Option("--lang", help="es | en")] = "es",
) -> None:
    """Who gains and who loses eligibility if the rules of --rules replace those of --against."""
    from engine.atomic import write_atomic
    from engine.impact import FORMATS, compare, render
    from engine.messages import lang_of
    from engine.population import check_destination

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if out_file is not None:  # before the screening, not after it
        check_destination(out_file, lang_of(lang))
    before = load_rules(against or RULES_DIR)
    after = load_rules(rules)
    impact = compare(before, after, population, as_of.date() if as_of else None, lang, examples)
    text = render(impact, fmt, lang)
    if out_file is not None:
        write_atomic(out_file, text)
        changed = sum(p.gained + p.lost + p.other for p in impact.programmes)
        language = lang_of(lang)
        changes = t("designer.diff.changes", language, count=changed)
        groups = t("designer.diff.groups", language, count=impact.groups)
        out.print(f"{escape(str(out_file))}: {escape(changes)}, {escape(groups)}")
    else:
        print(text, end="")


# --------------------------------------------------------------------------- vincula lint


def lint(
    directory: Annotated[Path | None, typer.Argument(help="rules folder (default: rules/)")] = None,
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources",
            help="folder of the source texts: every quote must be found in the text it cites",
        ),
    ] = None,
    commitments: Annotated[
        Path | None,
        typer.Option("--commitments", help="commitments cases whose quotes are checked too"),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="warnings also fail (exit 1)")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="hide info findings")] = False,
    lang: LangOpt = "es",
) -> None:
    """Check rule files: schema, citations, parameter dates, labels, criteria that never pass or
    never fail on the bundled fixture groups, programmes and criteria no feature exercises; with
    --sources, every quote of the rules and commitments cases against its document's text."""
    from engine.lint import COMMITMENTS_DIR, check_sources
    from engine.lint import lint as run_lint

    language = lang_option(lang)
    findings = run_lint(directory, lang=language)
    if sources is not None:
        if not sources.is_dir():
            raise InputError(
                key="designer.no_sources", hint_key="designer.no_sources.hint", values={"path": str(sources)}
            )
        findings += check_sources(sources, directory, commitments or COMMITMENTS_DIR, language)
    colour = {"error": "red", "warning": "yellow", "info": "blue"}
    for f in findings:
        if quiet and f.level == "info":
            continue
        level = t(f"designer.level.{f.level}", language)
        # the check id in brackets, the same in every language (scripts grep `[quote]`)
        check = escape(f"[{f.check}]")
        out.print(f"[{colour[f.level]}]{level}[/]: {escape(f.where)}: [bold]{check}[/] {escape(f.message)}")
        if f.hint:
            out.print(f"  [dim]→ {escape(f.hint)}[/]")
    if sources is not None:
        n_quotes = sum(f.check == "quote" for f in findings)
        out.print(escape(t("designer.lint.quotes", language, count=n_quotes, path=str(sources))))
    n = {lvl: sum(f.level == lvl for f in findings) for lvl in colour}
    out.print(escape(", ".join(t(f"designer.lint.{lvl}s", language, count=n[lvl]) for lvl in colour)))
    raise typer.Exit(1 if n["error"] or (strict and n["warning"]) else 0)
