"""`vincula screen POPULATION --out FILE` and `vincula synth N --out DIR`: whole populations.

Both stop on SIGTERM and SIGHUP as on Ctrl-C: the signal is turned into KeyboardInterrupt, so
that the engine's clean-up runs (no half-written file, no scratch folder left), and the command
says so and exits with 128 + the signal's number.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.commands.core import lang_option
from api.commands.language import DATE_FORMATS
from api.commands.tables import add_programme_column, short_name
from engine.explain import day_text
from engine.messages import Lang, t
from engine.rules import RuleSet, load_rules

if TYPE_CHECKING:
    from engine.screen import ScreenReport

out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False)


def register(app: typer.Typer) -> None:
    app.command("screen")(screen)
    app.command("synth")(synth)


PopulationArg = Annotated[Path, typer.Argument(help="folder with groups.csv + members.csv (or .parquet)")]
OutOpt = Annotated[Path, typer.Option("--out", help="results file: .csv or .parquet")]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=DATE_FORMATS, help="judge on this date (default: today)"),
]
RulesOpt = Annotated[Path | None, typer.Option("--rules", help="rules directory (default: bundled rules/)")]
ProgramOpt = Annotated[list[str] | None, typer.Option("--program", "-p", help="only these programmes")]
RejectsOpt = Annotated[
    Path | None, typer.Option("--rejects", help="rejected rows (default: <out>.rejects.csv)")
]
LangOpt = Annotated[str, typer.Option("--lang", help="es | en")]
ChunkOpt = Annotated[
    int | None, typer.Option("--chunk-mb", min=1, help="input megabytes screened at once (memory bound)")
]


class Stopped(KeyboardInterrupt):
    """A run stopped by SIGTERM or SIGHUP, taken the way of Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def _stoppable(lang: Lang) -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Stopped` (a KeyboardInterrupt) while the block runs; any of the
    three ends the command with a word on what was left behind (nothing), and 128 + the
    signal's number as its exit code. A signal the process was started ignoring (`nohup`
    ignores SIGHUP) stays ignored."""

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    previous = {
        sig: signal.signal(sig, stop)
        for sig in (signal.SIGTERM, signal.SIGHUP)
        if signal.getsignal(sig) is not signal.SIG_IGN
    }
    try:
        yield
    except KeyboardInterrupt as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        err.print(t("run.interrupted", lang, signal=signal.Signals(signum).name), soft_wrap=True)
        raise typer.Exit(128 + signum) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def screen(
    population: PopulationArg,
    out_file: OutOpt,
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
    program: ProgramOpt = None,
    rejects: RejectsOpt = None,
    chunk_mb: ChunkOpt = None,
    lang: LangOpt = "es",
) -> None:
    """Screen every group of a population for every programme: one row per group and programme."""
    language = lang_option(lang)
    rs = load_rules(rules)
    for slug in program or []:
        rs.get(slug)  # an unknown slug fails before any work
    day = as_of.date() if as_of else dt.date.today()
    chunk = chunk_mb * 2**20 if chunk_mb else None
    with _stoppable(language):
        report = _screen(population, out_file, rs, day, program, rejects, chunk, language)
    _print_summary(report.summary, rs, language)
    _print_near_misses(report.near_misses, rs, language)
    _print_missing_facts(report.missing_facts, rs, language)
    parts = t("screen.parts", language, count=report.partitions)
    out.print(
        t(
            "screen.done",
            language,
            groups=t("screen.groups", language, count=report.groups),
            programmes=t("screen.programmes", language, count=report.programmes),
            day=day_text(day, language),
            seconds=f"{report.seconds:.1f}",
            parts=parts,
            out=escape(str(report.out)),
        ),
        soft_wrap=True,
    )
    if report.rejected_rows:
        rejected = t("screen.rows_rejected", language, count=report.rejected_rows)
        out.print(f"[yellow]{rejected}[/] → {escape(str(report.rejects))}", soft_wrap=True)
    else:
        out.print(t("screen.no_rejects", language))


def _screen(
    population: Path,
    out_file: Path,
    rs: RuleSet,
    day: dt.date,
    program: list[str] | None,
    rejects: Path | None,
    chunk: int | None,
    language: Lang,
) -> ScreenReport:
    """The screening, with a progress bar when a terminal shows it."""
    from engine.screen import screen_population

    if not sys.stderr.isatty():
        return screen_population(population, out_file, rs, day, program, rejects, chunk, lang=language)
    with Progress(
        TextColumn(f"[bold]{t('screen.progress', language)}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(t("screen.progress_unit", language)),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("screen", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return screen_population(population, out_file, rs, day, program, rejects, chunk, progress, language)


def _print_summary(summary: pl.DataFrame, rs: RuleSet, lang: Lang) -> None:
    if summary.height == 0:
        return
    programs = sorted(summary["program"].unique().to_list())
    # no outer edge: the short names' words (up to 13 letters) fit in 80 columns, unbroken
    table = Table(title=t("screen.title", lang), title_justify="left", show_edge=False)
    wide = summary.pivot(on="program", index="state", values="eligible").fill_null(0).sort("state")
    labels = {s: t(f"status.{s}", lang).lower() for s in ("eligible", "not_eligible", "cannot_tell")}
    # the state column keeps the status labels whole, up to a width; a longer one (Spanish
    # "no se puede determinar") breaks between words rather than pushing a programme out
    first = min(max(len(t("screen.state", lang)), *(len(label) for label in labels.values())), 12)
    table.add_column(t("screen.state", lang), min_width=first)
    totals = summary.group_by("program").agg(pl.col("eligible", "not_eligible", "cannot_tell").sum())
    by = {r["program"]: r for r in totals.iter_rows(named=True)}
    for p in programs:
        numbers = [f"{n:,}" for n in (*wide[p], *(by[p][col] for col in labels))]
        add_programme_column(table, short_name(rs, p, lang), numbers)
    for row in wide.iter_rows(named=True):
        table.add_row(escape(str(row["state"])), *[f"{row.get(p, 0):,}" for p in programs])
    table.add_section()
    for col, label in labels.items():
        table.add_row(f"[bold]{escape(label)}[/]", *[f"{by[p][col]:,}" for p in programs])
    out.print(table)


def _print_near_misses(misses: pl.DataFrame, rs: RuleSet, lang: Lang, shown: int = 10) -> None:
    """The groups one criterion away from a programme: per programme and criterion, those whose
    change is in their hands first (engine/screen.py `in_hands`)."""
    if misses.height == 0:
        return
    table = Table(title=t("screen.near.title", lang), title_justify="left")
    for key in (
        "screen.near.programme",
        "screen.near.criterion",
        "screen.near.groups",
        "screen.near.in_hands",
    ):
        table.add_column(t(key, lang), justify="right" if key.endswith("groups") else "left")
    for row in misses.head(shown).iter_rows(named=True):
        programme = rs.programmes[row["program"]]
        label = next(
            (c.label.get(lang) for c in programme.criteria if c.id == row["criterion"]), row["criterion"]
        )
        table.add_row(
            escape(programme.short(lang)),
            escape(label),
            f"{row['groups']:,}",
            t("screen.near.yes" if row["in_hands"] else "screen.near.no", lang),
        )
    out.print(table)
    if misses.height > shown:
        out.print(t("screen.near.more", lang, count=misses.height - shown))


def _print_missing_facts(missing: pl.DataFrame, rs: RuleSet, lang: Lang, shown: int = 10) -> None:
    """The facts to collect: those whose absence keeps the most answers "cannot tell"."""
    from engine.eligibility import fact_label

    if missing.height == 0:
        return
    table = Table(title=t("screen.missing.title", lang), title_justify="left")
    for key in ("screen.missing.fact", "screen.missing.answers", "screen.missing.programmes"):
        table.add_column(t(key, lang), justify="right" if key.endswith("answers") else "left")
    for row in missing.head(shown).iter_rows(named=True):
        label = fact_label(row["fact"], lang, member=row["member"])
        if row["member"]:
            label = t("screen.missing.of_members", lang, fact=label)
        names = ", ".join(short_name(rs, slug, lang) for slug in row["programs"].split(";"))
        table.add_row(escape(label), f"{row['answers']:,}", escape(names))
    out.print(table)
    if missing.height > shown:
        out.print(t("screen.missing.more", lang, count=missing.height - shown))


def synth(
    n: Annotated[int, typer.Argument(min=0, help="number of groups")],
    out_dir: Annotated[Path, typer.Option("--out", help="folder to write groups + members into")],
    seed: Annotated[int, typer.Option("--seed", help="same seed, same files")] = 1,
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet")] = "csv",
    lang: LangOpt = "es",
    padron: Annotated[
        bool,
        typer.Option(
            "--padron",
            help="also a registry: members with person_id, padron.csv with known errors and overlaps, "
            "and expected.json (what `vincula coverage` must find)",
        ),
    ] = False,
    padron_as_of: Annotated[
        dt.datetime,
        typer.Option(
            "--padron-as-of",
            formats=DATE_FORMATS,
            help="with --padron: the registry's date (its year: the fiscal year)",
        ),
    ] = dt.datetime(2017, 6, 30),
    rules: RulesOpt = None,
) -> None:
    """Write a synthetic population (interchange format) over the real municipalities."""
    from engine import synth as gen

    language = lang_option(lang)
    if fmt not in ("csv", "parquet"):
        raise typer.BadParameter("use csv or parquet", param_hint="--format")
    kind: Literal["csv", "parquet"] = "csv" if fmt == "csv" else "parquet"
    if padron:
        from api.commands.coverage import write_registry

        with _stoppable(language):
            write_registry(n, out_dir, seed, kind, padron_as_of.date(), load_rules(rules), language)
        return
    with _stoppable(language):
        groups, members, n_groups, n_members = gen.write_population(n, out_dir, seed, kind, lang=language)
    paths = f"{escape(str(groups))}, {escape(str(members))}"
    done = t("synth.done", language, groups=f"{n_groups:,}", members=f"{n_members:,}", seed=seed, paths=paths)
    out.print(done, soft_wrap=True)
