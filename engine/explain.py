"""Explanations in words: conditions, thresholds and observed values, in Spanish or English (the
words themselves are in the message catalogue, engine/messages.yaml `explain.*`).

A value is always shown by its label from the fact vocabulary (`urbana`, `OSSE (...)`, `alto`),
never by its code; a territory or state code by its name from the territory tables; a date as
people write it in the language (30/06/2017 in Spanish, 2017-06-30 in English).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from engine.facts import GROUP_FACTS, MEMBER_FACTS
from engine.messages import Lang, t
from engine.schema import AllOf, AnyOf, Compare, Condition, Members, NotOf, Scalar
from engine.vocabulary import Fact

#: the catalogue id of each operator's words (engine/messages.yaml `explain.op.*`)
OP_KEYS = {
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "le",
    ">": "gt",
    ">=": "ge",
    "in": "in",
    "not_in": "not_in",
    "between": "between",
}


def op_text(op: str, lang: Lang) -> str:
    return t(f"explain.op.{OP_KEYS[op]}", lang)


def fact_spec(fact: str, member: bool = False) -> Fact | None:
    return (MEMBER_FACTS if member else GROUP_FACTS).get(fact)


def fact_label(fact: str, lang: Lang, member: bool = False) -> str:
    spec = fact_spec(fact, member)
    return spec.label[lang] if spec is not None else fact


def day_text(day: dt.date, lang: Lang) -> str:
    """A date as people write it: 30/06/2017 (Spanish), 2017-06-30 (English)."""
    return day.strftime("%d/%m/%Y") if lang == "es" else day.isoformat()


def period_text(start: dt.date, end: dt.date | None, lang: Lang) -> str:
    """A period as people write it: 01/01/2016 – 31/12/2017 (open-ended: 01/01/2016 – …)."""
    return f"{day_text(start, lang)} – {day_text(end, lang) if end else '…'}"


def number_text(value: float) -> str:
    if isinstance(value, float) and value != int(value):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def value_text(value: Any, lang: Lang) -> str:
    """A value without knowing its fact: yes / no, a date, a number, or the text as it is."""
    if value is None:
        return t("explain.unknown", lang)
    if isinstance(value, bool):
        return t("explain.yes" if value else "explain.no", lang)
    if isinstance(value, dt.date):
        return day_text(value, lang)
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, lang) for v in value)
    return str(value)


@cache
def _state_names() -> dict[str, str]:
    from engine.territory import provider

    return {
        str(row["state"]): str(row["state_name"])
        for row in provider("MX").table.values()
        if row.get("state") and row.get("state_name")
    }


def _territory_name(code: str, country: str | None) -> str | None:
    from engine.territory import PROVIDERS

    row = PROVIDERS[country].table.get(code) if country in PROVIDERS else None
    return str(row["name"]) if row and row.get("name") else None


def value_label(fact: str, value: Any, lang: Lang, member: bool = False, country: str | None = None) -> str:
    """A value of `fact` in words: a choice by its label, a territory or state code by its name
    (a territory of `country`), anything else as `value_text` shows it."""
    if isinstance(value, (list, tuple)):
        return ", ".join(value_label(fact, v, lang, member, country) for v in value)
    spec = fact_spec(fact, member)
    if value is None or spec is None or isinstance(value, bool):
        return value_text(value, lang)
    if spec.choices is not None:
        choice = next((c for c in spec.choices if c.value == value), None)
        if choice is not None:
            return choice.label[lang]
    if fact == "territory" and isinstance(value, str):
        name = _territory_name(value, country)
        if name:
            return name
    if fact == "territory.state" and isinstance(value, str):
        return _state_names().get(value, value)
    if spec.unit == "%" or fact.endswith("_pct"):
        return f"{value_text(value, lang)}%"
    return value_text(value, lang)


def one_of(items: Sequence[str], lang: Lang, negative: bool = False) -> str:
    """`a, b o c` (or `a, b ni c` after a negation)."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    word = t("explain.list.nor" if negative else "explain.list.or", lang)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def condition_text(
    cond: Condition,
    params: Mapping[str, Scalar],
    lang: Lang,
    member: bool = False,
    country: str | None = None,
) -> str:
    """A condition in words, parameters replaced by the values in force, values by their labels."""
    if isinstance(cond, Compare):
        value = params.get(cond.param) if cond.param is not None else cond.value
        label = fact_label(cond.fact, lang, member)
        if value is None:
            return f"{label} {op_text(cond.op, lang)} ({t('explain.no_value', lang)})"
        if cond.op == "between" and isinstance(value, list):
            low, high = (value_label(cond.fact, v, lang, member, country) for v in value)
            return f"{label} {op_text(cond.op, lang)} {low} {t('explain.and', lang)} {high}"
        if cond.op in ("in", "not_in") and isinstance(value, list):
            words = [value_label(cond.fact, v, lang, member, country) for v in value]
            op = op_text("==" if cond.op == "in" else "!=", lang)
            return f"{label} {op} {one_of(words, lang, negative=cond.op == 'not_in')}"
        return f"{label} {op_text(cond.op, lang)} {value_label(cond.fact, value, lang, member, country)}"
    if isinstance(cond, AllOf):
        return f" {t('explain.and', lang)} ".join(_wrap(c, params, lang, member, country) for c in cond.all)
    if isinstance(cond, AnyOf):
        return f" {t('explain.or', lang)} ".join(_wrap(c, params, lang, member, country) for c in cond.any)
    if isinstance(cond, NotOf):
        return f"{t('explain.not', lang)} {_wrap(cond.not_, params, lang, member, country)}"
    if isinstance(cond, Members):
        inner = condition_text(cond.where, params, lang, member=True, country=country)
        quantifier = t(f"explain.members.{cond.members}", lang)
        if cond.members in ("all", "any", "none"):
            return f"{quantifier}: {inner}"
        value = params.get(cond.param) if cond.param is not None else cond.value
        shown = (
            f"({t('explain.no_value', lang)})"
            if value is None
            else (
                f"{float(value) * 100:g}%"  # type: ignore[arg-type]
                if cond.members == "share"
                else value_text(value, lang)
            )
        )
        return f"{quantifier} ({inner}) {op_text(cond.op or '==', lang)} {shown}"
    raise TypeError(type(cond).__name__)


def _wrap(
    cond: Condition, params: Mapping[str, Scalar], lang: Lang, member: bool, country: str | None
) -> str:
    text = condition_text(cond, params, lang, member, country)
    return f"({text})" if isinstance(cond, (AllOf, AnyOf)) else text
