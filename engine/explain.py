"""Words for explanations: conditions, thresholds and observed values in Spanish or English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine.facts import GROUP_FACTS, MEMBER_FACTS
from engine.schema import AllOf, AnyOf, Compare, Condition, Members, NotOf, Scalar

OPS = {
    "es": {
        "==": "es",
        "!=": "no es",
        "<": "menor que",
        "<=": "a lo más",
        ">": "mayor que",
        ">=": "al menos",
        "in": "es uno de",
        "not_in": "no es ninguno de",
        "between": "entre",
    },
    "en": {
        "==": "is",
        "!=": "is not",
        "<": "less than",
        "<=": "at most",
        ">": "more than",
        ">=": "at least",
        "in": "is one of",
        "not_in": "is none of",
        "between": "between",
    },
}
WORDS = {
    "es": {
        "yes": "sí",
        "no": "no",
        "and": "y",
        "or": "o",
        "not": "no se cumple que",
        "unknown": "no se sabe",
        "all": "todos los integrantes cumplen",
        "any": "al menos un integrante cumple",
        "none": "ningún integrante cumple",
        "count": "número de integrantes que cumplen",
        "share": "proporción de integrantes que cumplen",
        "members_ok": "{p} de {n} integrantes cumplen",
        "members_unknown": "{u} sin dato",
        "failing": "no cumplen: integrante {ids}",
        "no_param": "sin valor vigente el {day}",
        "no_value": "sin valor vigente",
    },
    "en": {
        "yes": "yes",
        "no": "no",
        "and": "and",
        "or": "or",
        "not": "it is not the case that",
        "unknown": "not known",
        "all": "every member meets",
        "any": "at least one member meets",
        "none": "no member meets",
        "count": "number of members who meet",
        "share": "share of members who meet",
        "members_ok": "{p} of {n} members meet",
        "members_unknown": "{u} without data",
        "failing": "not met by member {ids}",
        "no_param": "no value in force on {day}",
        "no_value": "no value in force",
    },
}


def fact_label(fact: str, lang: str, member: bool = False) -> str:
    spec = (MEMBER_FACTS if member else GROUP_FACTS).get(fact)
    if spec is None:
        return fact
    return spec.label["en" if lang == "en" else "es"]


def value_text(value: Any, lang: str) -> str:
    w = WORDS[lang]
    if value is None:
        return w["unknown"]
    if isinstance(value, bool):
        return w["yes"] if value else w["no"]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, lang) for v in value)
    return str(value)


def condition_text(cond: Condition, params: Mapping[str, Scalar], lang: str, member: bool = False) -> str:
    """A condition in words, parameters replaced by the values in force."""
    w = WORDS[lang]
    if isinstance(cond, Compare):
        value = params.get(cond.param) if cond.param is not None else cond.value
        shown = value_text(value, lang) if value is not None else f"({w['no_value']})"
        if cond.op == "between" and isinstance(value, list):
            shown = f"{value_text(value[0], lang)} {w['and']} {value_text(value[1], lang)}"
        elif cond.op in ("in", "not_in"):
            shown = "{" + shown + "}"
        return f"{fact_label(cond.fact, lang, member)} {OPS[lang][cond.op]} {shown}"
    if isinstance(cond, AllOf):
        return f" {w['and']} ".join(_wrap(c, params, lang, member) for c in cond.all)
    if isinstance(cond, AnyOf):
        return f" {w['or']} ".join(_wrap(c, params, lang, member) for c in cond.any)
    if isinstance(cond, NotOf):
        return f"{w['not']} {_wrap(cond.not_, params, lang, member)}"
    if isinstance(cond, Members):
        inner = condition_text(cond.where, params, lang, member=True)
        if cond.members in ("all", "any", "none"):
            return f"{w[cond.members]}: {inner}"
        value = params.get(cond.param) if cond.param is not None else cond.value
        shown = (
            f"({w['no_value']})"
            if value is None
            else (
                f"{float(value) * 100:g}%"  # type: ignore[arg-type]
                if cond.members == "share"
                else value_text(value, lang)
            )
        )
        return f"{w[cond.members]} ({inner}) {OPS[lang][cond.op or '==']} {shown}"
    raise TypeError(type(cond).__name__)


def _wrap(cond: Condition, params: Mapping[str, Scalar], lang: str, member: bool) -> str:
    text = condition_text(cond, params, lang, member)
    return f"({text})" if isinstance(cond, (AllOf, AnyOf)) else text
