"""The command line's tables with one column per programme (`vincula screen`, `vincula
coverage`): a programme is headed by its short name, broken between words, and its column is as
wide as its longest word or number, so that five programmes fit in 80 columns unbroken."""

from __future__ import annotations

from collections.abc import Iterable

from rich.markup import escape
from rich.table import Table

from engine.messages import Lang
from engine.rules import RuleSet


def short_name(rs: RuleSet, slug: str, lang: Lang) -> str:
    """A programme as a table or a list names it (its slug when the rules do not know it)."""
    programme = rs.programmes.get(slug)
    return programme.short(lang) if programme is not None else slug


def add_programme_column(table: Table, name: str, cells: Iterable[str]) -> None:
    width = max(len(text) for text in (*name.split(), *cells))
    table.add_column(escape(name), justify="right", width=width)
