"""The fact vocabulary, assembled, and how a group becomes facts.

Every fact a rule condition may test, in two scopes: group facts (the group's own fields, its
project's, its territory's attributes, and a few computed from them) and member facts (one
member's fields). The facts a group states are declared once, as fields of the models in
engine/schema.py; this module collects them (engine/vocabulary.py) and adds the facts computed
from them (`as_of`, `size`, a project's total and shares), declared here beside the computation.

A fact that is not known is left out, never guessed. Numbers are normalised as both evaluators
compare them (engine/algebra.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from engine.algebra import TRI, Algebra
from engine.errors import Words
from engine.schema import (
    AllOf,
    AnyOf,
    Compare,
    Condition,
    Contributions,
    Group,
    Member,
    Members,
    NotOf,
    Programme,
    Territory,
    parameter_value_words,
)
from engine.vocabulary import Fact, Key, Scope, model_facts, model_keys, share_labels

#: the levels that contribute to a project, in the order their amounts are added up
CONTRIBUTION_LEVELS = tuple(Contributions.model_fields)
_CONTRIBUTION_FACTS = {f"project.{level}" for level in CONTRIBUTION_LEVELS}


def _derived(
    name: str, type_: Any, es: str, en: str, integer: bool = False, changeable: bool = False
) -> Fact:
    return Fact(
        name=name,
        scope="group",
        type=type_,
        label={"es": es, "en": en},
        origin="derived",
        integer=integer,
        changeable=changeable,
    )


GROUP_FACTS: dict[str, Fact] = {
    f.name: f
    for f in [
        _derived("as_of", "date", "fecha de la determinación", "date of the determination"),
        *model_facts(Group, "group"),
        _derived(
            "size", "number", "número de integrantes", "number of members", integer=True, changeable=True
        ),
        *model_facts(Territory, "group", prefix="territory.", origin="territory"),
        _derived("project.total", "number", "monto total del proyecto", "project total", changeable=True),
        *[
            _derived(f"project.{level}_pct", "number", labels["es"], labels["en"], changeable=True)
            for level, labels in share_labels(Contributions).items()
        ],
    ]
}
MEMBER_FACTS: dict[str, Fact] = {f.name: f for f in model_facts(Member, "member")}
#: what names a member rather than states a fact about them (person_id): read, never tested
MEMBER_KEYS: dict[str, Key] = {k.name: k for k in model_keys(Member, "member")}
FACTS: dict[Scope, dict[str, Fact]] = {"group": GROUP_FACTS, "member": MEMBER_FACTS}

#: the facts a group states (its own fields and its project's), in document order
GROUP_INPUT: dict[str, Fact] = {n: f for n, f in GROUP_FACTS.items() if f.origin == "input"}


def vocabulary_document() -> dict[str, list[dict[str, Any]]]:
    """The vocabulary as plain data, per scope: for each fact its name, type, labels, range,
    values (with their labels) and, for a fact a group states, its place in the group document
    (`path`). What the coordinator page builds its form and its words from."""

    def entry(spec: Fact) -> dict[str, Any]:
        out: dict[str, Any] = {"name": spec.name, "type": spec.type, "label": dict(spec.label)}
        if spec.path is not None:
            out["path"] = ".".join(spec.path)
        if spec.integer:
            out["integer"] = True
        out.update(
            {k: v for k, v in (("ge", spec.ge), ("le", spec.le), ("unit", spec.unit)) if v is not None}
        )
        if spec.choices is not None:
            out["choices"] = [{"value": c.value, "label": dict(c.label)} for c in spec.choices]
        return out

    return {scope: [entry(spec) for spec in facts.values()] for scope, facts in FACTS.items()}


def contribution_facts(alg: Algebra, amounts: Mapping[str, Any]) -> dict[str, Any]:
    """A project's total and each level's amount and share of it, from the amounts (Python
    numbers, or polars columns that are null where the contributions are not known)."""
    total = None
    for level in CONTRIBUTION_LEVELS:  # added up in a fixed order: floating point is not associative
        total = amounts[level] if total is None else total + amounts[level]
    out: dict[str, Any] = {"project.total": total}
    for level in CONTRIBUTION_LEVELS:
        out[f"project.{level}"] = amounts[level]
        out[f"project.{level}_pct"] = alg.percent(amounts[level], total)
    return out


def plain(value: Any) -> Any:
    """A value as the rules compare it: enums by their value, everything else unchanged."""
    return value.value if isinstance(value, Enum) else value


def _stated(model: Any, facts: Mapping[str, Fact]) -> Iterator[tuple[str, Any]]:
    """(fact, value) for each fact a document states, following each fact's path."""
    for name, spec in facts.items():
        if spec.origin != "input" or spec.path is None:
            continue
        value: Any = model
        for part in spec.path:
            value = getattr(value, part, None)
            if value is None:
                break
        yield name, plain(value)


def group_facts(group: Group, territory: Mapping[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The group-level facts of one group; unknown facts are absent."""
    facts: dict[str, Any] = {"as_of": as_of, "size": len(group.members)}
    for name, value in _stated(group, GROUP_INPUT):
        if name not in _CONTRIBUTION_FACTS:  # amounts come with their total and shares, below
            facts[name] = value
    for key, value in territory.items():
        if f"territory.{key}" in GROUP_FACTS:
            facts[f"territory.{key}"] = value
    if group.project is not None and group.project.contributions is not None:
        facts.update(contribution_facts(TRI, group.project.contributions.model_dump()))
    return {k: v for k, v in ((k, TRI.normalise(v)) for k, v in facts.items()) if v is not None}


def member_facts(member: Member) -> dict[str, Any]:
    """The facts of one member; unknown facts are absent."""
    return {
        k: v for k, v in ((k, TRI.normalise(v)) for k, v in _stated(member, MEMBER_FACTS)) if v is not None
    }


# --------------------------------------------------------------------------- rule checking

#: the operators each type of fact may be compared with: texts and yes/no facts have no order
#: (a marginalisation grade "Alto" < "Medio" only alphabetically), so only (in)equality
OPERATORS: dict[str, tuple[str, ...]] = {
    "number": ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between"),
    "date": ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "between"),
    "text": ("==", "!=", "in", "not_in"),
    "bool": ("==", "!=", "in", "not_in"),
}

Loc = tuple[str | int, ...]


def _type_words(spec: Fact) -> Words:
    return Words(f"rule.type.{spec.type}")


def _kind_words(value: Any) -> Words:
    """What a value of a rule file is, in words ("a text" for 'cinco')."""
    if isinstance(value, bool):
        return Words("rule.type.bool")
    if isinstance(value, (int, float)):
        return Words("rule.type.number")
    if isinstance(value, dt.date):
        return Words("rule.type.date")
    return Words("rule.type.text") if isinstance(value, str) else Words("rule.type.other")


def _value_problem(spec: Fact, value: Any) -> Words | None:
    """Why `value` cannot be compared with the fact `spec`, or None."""
    ok = {
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "date": isinstance(value, dt.date),
        "text": isinstance(value, str),
        "bool": isinstance(value, bool),
    }[spec.type]
    if not ok:
        return Words(
            "rule.fact.wrong_type",
            {
                "fact": spec.name,
                "type": _type_words(spec),
                "value": repr(value),
                "kind": _kind_words(value),
            },
        )
    if spec.choices is not None and value not in (spec.values or []):
        close = difflib.get_close_matches(str(value), spec.values or [], n=3, cutoff=0.75)
        hint = Words("rule.did_you_mean", {"close": ", ".join(close)}) if close else ""
        known = (
            ", ".join(spec.values or [])
            if len(spec.values or []) <= 12
            else Words("rule.fact.see_vocabulary")
        )
        return Words(
            "rule.fact.not_a_choice", {"value": value, "fact": spec.name, "known": known, "hint": hint}
        )
    return None


def _in_parameter(label: Words | None, problem: Words) -> Words:
    """A problem of one value of a parameter, prefixed with which value it is."""
    return Words("rule.at", {"where": label, "problem": problem}) if label else problem


def _compare_problems(
    programme: Programme, node: Compare, scope: Scope, loc: Loc
) -> Iterator[tuple[Loc, Words]]:
    facts = FACTS[scope]
    spec = facts.get(node.fact)
    if spec is None:
        other: Scope = "member" if scope == "group" else "group"
        if node.fact in FACTS[other]:
            yield (*loc, "fact"), Words(f"rule.fact.{other}_fact", {"fact": node.fact})
            return
        close = difflib.get_close_matches(node.fact, list(facts), n=3)
        hint = Words("rule.did_you_mean", {"close": ", ".join(close)}) if close else ""
        yield (*loc, "fact"), Words(f"rule.fact.unknown.{scope}", {"fact": node.fact, "hint": hint})
        return
    if node.op not in OPERATORS[spec.type]:
        ops = ", ".join(OPERATORS[spec.type])
        yield (
            (*loc, "op"),
            Words(
                "rule.fact.operator",
                {"fact": node.fact, "type": _type_words(spec), "ops": ops, "op": node.op},
            ),
        )
        return
    candidates: list[tuple[Words | None, Any]]
    if node.param is not None:
        parameter = programme.parameters.get(node.param)
        candidates = (
            [(parameter_value_words(node.param, v.from_), v.value) for v in parameter.values]
            if parameter
            else []
        )
        at: Loc = (*loc, "param")
    else:
        candidates = [(None, node.value)]
        at = (*loc, "value")
    for label, raw in candidates:
        items = raw if isinstance(raw, list) else [raw]
        if node.op in ("in", "not_in", "between") and not isinstance(raw, list):
            yield at, _in_parameter(label, Words("rule.fact.list_needed", {"op": node.op}))
            continue
        for item in items:
            problem = _value_problem(spec, item)
            if problem:
                yield at, _in_parameter(label, problem)
                break
        else:
            if node.op == "between" and len(items) == 2 and items[0] > items[1]:  # type: ignore[operator]
                yield (
                    at,
                    _in_parameter(
                        label, Words("rule.fact.between_order", {"low": items[0], "high": items[1]})
                    ),
                )


def _walk(cond: Condition, scope: Scope, loc: Loc) -> Iterator[tuple[Compare | Members, Scope, Loc]]:
    if isinstance(cond, Compare):
        yield cond, scope, loc
    elif isinstance(cond, (AllOf, AnyOf)):
        key = "all" if isinstance(cond, AllOf) else "any"
        for i, child in enumerate(cond.all if isinstance(cond, AllOf) else cond.any):
            yield from _walk(child, scope, (*loc, key, i))
    elif isinstance(cond, NotOf):
        yield from _walk(cond.not_, scope, (*loc, "not"))
    elif isinstance(cond, Members):
        yield cond, scope, loc
        yield from _walk(cond.where, "member", (*loc, "where"))


def check_programme(programme: Programme) -> list[tuple[Loc, Words]]:
    """Every comparison of a validated programme checked against the vocabulary: the fact
    exists in its scope, the operator suits its type, and every value it is compared with (or
    every value its parameter ever takes) has the fact's type and, for a choice, is one of its
    values. Returns (place in the file, words) pairs; none when the programme is sound."""
    out: list[tuple[Loc, Words]] = []
    for i, crit in enumerate(programme.criteria):
        for node, scope, loc in _walk(crit.condition, "group", ("criteria", i, "condition")):
            if isinstance(node, Compare):
                out += _compare_problems(programme, node, scope, loc)
                continue
            thresholds: list[tuple[Words | None, Any]] = []
            if node.param is not None and node.param in programme.parameters:
                thresholds = [
                    (parameter_value_words(node.param, v.from_), v.value)
                    for v in programme.parameters[node.param].values
                ]
            elif node.value is not None:
                thresholds = [(None, node.value)]
            for label, raw in thresholds:
                at = (*loc, "param" if node.param is not None else "value")
                if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                    problem = Words("rule.members.not_number", {"members": node.members, "value": repr(raw)})
                    out.append((at, _in_parameter(label, problem)))
                elif node.members == "share" and not 0 <= raw <= 1:
                    out.append((at, _in_parameter(label, Words("rule.members.share_range", {"value": raw}))))
    return out
