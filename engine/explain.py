"""Explanations in words: conditions, thresholds and observed values, in Spanish or English (the
words themselves are in the message catalogue, engine/messages.yaml `explain.*`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from engine.facts import GROUP_FACTS, MEMBER_FACTS
from engine.messages import Lang, t
from engine.schema import AllOf, AnyOf, Compare, Condition, Members, NotOf, Scalar

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


def fact_label(fact: str, lang: Lang, member: bool = False) -> str:
    spec = (MEMBER_FACTS if member else GROUP_FACTS).get(fact)
    return spec.label[lang] if spec is not None else fact


def value_text(value: Any, lang: Lang) -> str:
    if value is None:
        return t("explain.unknown", lang)
    if isinstance(value, bool):
        return t("explain.yes" if value else "explain.no", lang)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v, lang) for v in value)
    return str(value)


def condition_text(cond: Condition, params: Mapping[str, Scalar], lang: Lang, member: bool = False) -> str:
    """A condition in words, parameters replaced by the values in force."""
    if isinstance(cond, Compare):
        value = params.get(cond.param) if cond.param is not None else cond.value
        shown = value_text(value, lang) if value is not None else f"({t('explain.no_value', lang)})"
        if cond.op == "between" and isinstance(value, list):
            shown = f"{value_text(value[0], lang)} {t('explain.and', lang)} {value_text(value[1], lang)}"
        elif cond.op in ("in", "not_in"):
            shown = "{" + shown + "}"
        return f"{fact_label(cond.fact, lang, member)} {op_text(cond.op, lang)} {shown}"
    if isinstance(cond, AllOf):
        return f" {t('explain.and', lang)} ".join(_wrap(c, params, lang, member) for c in cond.all)
    if isinstance(cond, AnyOf):
        return f" {t('explain.or', lang)} ".join(_wrap(c, params, lang, member) for c in cond.any)
    if isinstance(cond, NotOf):
        return f"{t('explain.not', lang)} {_wrap(cond.not_, params, lang, member)}"
    if isinstance(cond, Members):
        inner = condition_text(cond.where, params, lang, member=True)
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


def _wrap(cond: Condition, params: Mapping[str, Scalar], lang: Lang, member: bool) -> str:
    text = condition_text(cond, params, lang, member)
    return f"({text})" if isinstance(cond, (AllOf, AnyOf)) else text
