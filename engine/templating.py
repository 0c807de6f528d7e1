"""The project's report templates (engine/templates: the gap report, the coverage report, the
rule-change impact), in one Jinja environment: HTML escaped, undefined names an error, and a
`day` filter that writes a date as the reader writes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from engine.explain import day_text
from engine.messages import Lang

TEMPLATES = Path(__file__).resolve().parent / "templates"


def template_env(**filters: Callable[..., str]) -> Environment:
    """The templates' environment, with `filters` besides `day`."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({"day": _day, **filters})
    return env


def _day(value: dt.date | str | None, lang: Lang) -> str:
    """`{{ x.as_of | day(lang) }}`: a date as people write it (30/06/2017 in Spanish); a text
    that is not a date ("fecha de cada grupo") as it is."""
    if isinstance(value, dt.date):
        return day_text(value, lang)
    try:
        return day_text(dt.date.fromisoformat(str(value)), lang)
    except ValueError:
        return "" if value is None else str(value)
