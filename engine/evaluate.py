"""The durable-rules adapter: the only module that imports `durable`.

A validated programme plus the parameter values in force on a date is compiled into a JSON
ruleset: one rule per criterion. A group-level criterion matches the group fact; a per-member
criterion matches each member fact that satisfies its `where`, and the quantifier (all, count,
share...) is applied afterwards to the matched members. Each comparison carries an existence
guard, so a match always means "true on known facts" and never relies on absent fields.

durable-rules is unmaintained since 2020; what we rely on and work around:
- rulesets cannot be replaced or removed, so they are named by programme, content hash and
  parameter values; different rule versions coexist in one process;
- the host's background dispatch threads are disabled (we run actions synchronously in `post`)
  and all calls go through one lock: the C engine is not documented as thread-safe;
- facts (not events) are asserted, because an event is consumed by the first rule it matches;
- a batch with a fact that matches no rule makes `Host.assert_facts` raise
  MessageNotHandledException before running the actions of the facts that did match, so the
  batch is asserted through the C engine's `assert_facts` (which matches every fact and returns
  the state to act on whatever the result code) and the actions are then run as the host would;
- exceptions inside actions are swallowed by the engine, so actions only append to a list and
  any error they meet is re-raised after `assert_facts` returns;
- each evaluation has its own state id, deleted afterwards, so no fact outlives its request.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import durable_rules_engine  # the C engine under durable.engine
from durable.engine import Host

from engine.schema import AllOf, AnyOf, Compare, Condition, Members, NotOf, Programme, Scalar

_NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<",
            "in": "not_in", "not_in": "in"}
_DURABLE_OP = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def engine_key(fact: str) -> str:
    """durable-rules treats dots specially; fact names use `__` inside the engine."""
    return fact.replace(".", "__")


# durable-rules' C JSON parser crashes the process (segfault) on a number in exponent notation,
# which is how Python writes floats from 1e16 up and below 1e-4 ("1e+16", "1e-05"), and on
# Infinity/NaN. Such values reach the engine from client input (contributions, percentages).
_FLOAT_LIMIT = 1e15
_FLOAT_TINY = 1e-4


def engine_value(value: Any) -> Any:
    """Values as the C engine compares them: booleans as 0/1, dates as day ordinals, floats
    clamped to ±1e15 and magnitudes under 1e-4 as 0 (see above; NaN becomes None and its fact is
    left out, i.e. not known)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, float):
        if value != value:
            return None
        value = max(-_FLOAT_LIMIT, min(_FLOAT_LIMIT, value))
        return 0.0 if abs(value) < _FLOAT_TINY else value
    return value


def engine_fact(facts: dict[str, Any]) -> dict[str, Any]:
    out = {engine_key(k): engine_value(v) for k, v in facts.items()}
    return {k: v for k, v in out.items() if v is not None}


def compile_condition(cond: Condition, params: dict[str, Scalar], negate: bool = False) -> dict[str, Any]:
    """A condition tree as a durable-rules pattern (negation pushed down to the comparisons)."""
    if isinstance(cond, NotOf):
        return compile_condition(cond.not_, params, not negate)
    if isinstance(cond, (AllOf, AnyOf)):
        children = cond.all if isinstance(cond, AllOf) else cond.any
        conj = isinstance(cond, AllOf) != negate  # De Morgan
        parts = [compile_condition(c, params, negate) for c in children]
        return {"$and" if conj else "$or": parts}
    if isinstance(cond, Compare):
        value = params[cond.param] if cond.param is not None else cond.value
        return _compare(engine_key(cond.fact), cond.op, value, negate)
    raise TypeError(f"cannot compile {type(cond).__name__} here")  # Members are split off earlier


def _compare(key: str, op: str, value: Any, negate: bool) -> dict[str, Any]:
    guard = {"$ex": {key: 1}}
    if op == "between":
        low, high = (engine_value(v) for v in value)
        test: dict[str, Any] = ({"$or": [{"$lt": {key: low}}, {"$gt": {key: high}}]} if negate
                else {"$and": [{"$gte": {key: low}}, {"$lte": {key: high}}]})
        return {"$and": [guard, test]}
    if negate:
        op = _NEGATED[op]
    if op in ("in", "not_in"):
        values = [engine_value(v) for v in value]
        tests = [_compare(key, "==" if op == "in" else "!=", v, False) for v in values]
        return {"$and": [guard, {"$or" if op == "in" else "$and": tests or [guard]}]}
    value = engine_value(value)
    test = {key: value} if op == "==" else {_DURABLE_OP[op]: {key: value}}
    return {"$and": [guard, test]}


@dataclass
class Matches:
    """What durable-rules matched for one group and one programme."""

    group: set[str] = field(default_factory=set)             # group-level criteria that hold
    members: dict[str, set[int]] = field(default_factory=dict)  # criterion -> member indexes


class _Host(Host):
    """A host whose actions are looked up by name and whose background threads never start."""

    def __init__(self, action_for: Callable[[str], Callable[[Any], None]]) -> None:
        self._action_for = action_for
        super().__init__()

    def _run(self) -> None:  # no timers or async actions: nothing to dispatch in the background
        pass

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._action_for(action_name)


class RuleMatcher:
    """Owns the one durable-rules host of the process and the rulesets compiled into it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[str, list[tuple[str, int]]] = {}
        self._errors: list[BaseException] = []
        self._registered: set[str] = set()
        self._names: dict[tuple[str, str, str], str] = {}
        self._sids = itertools.count()
        self._host = _Host(self._make_action)

    def _make_action(self, name: str) -> Callable[[Any], None]:
        criterion = name.rsplit(":", 1)[-1]
        hits, errors = self._hits, self._errors

        def record(c: Any) -> None:
            try:
                m = c.m
                hits[m["sid"]].append((criterion, m["i"] if m["t"] == "m" else -1))
            except BaseException as exc:  # noqa: BLE001 - the engine would swallow it
                errors.append(exc)
        return record

    def ruleset_name(self, programme: Programme, digest: str, params: dict[str, Scalar]) -> str:
        key = json.dumps({k: engine_value(v) for k, v in sorted(params.items())}, default=str)
        name = self._names.get((programme.slug, digest, key))
        if name is None:
            name = f"{programme.slug}-{digest}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
            self._names[(programme.slug, digest, key)] = name
        return name

    def compile(self, programme: Programme, name: str, params: dict[str, Scalar],
                skip: set[str]) -> dict[str, Any]:
        """The JSON ruleset for `programme` with `params` substituted; `skip` criteria whose
        parameters have no value in force (they are reported as unknown)."""
        rules: dict[str, dict[str, Any]] = {}
        for crit in programme.criteria:
            if crit.id in skip:
                continue
            if isinstance(crit.condition, Members):
                pattern: dict[str, Any] = {"$and": [{"t": "m"}, compile_condition(crit.condition.where, params)]}
            else:
                pattern = {"$and": [{"t": "g"}, compile_condition(crit.condition, params)]}
            rules[crit.id] = {"all": [{"m": pattern}], "run": f"{name}:{crit.id}"}
        return rules

    def match(self, programme: Programme, digest: str, params: dict[str, Scalar], skip: set[str],
              group: dict[str, Any], members: list[dict[str, Any]]) -> Matches:
        """Assert the group and member facts into the programme's ruleset; return the matches."""
        name = self.ruleset_name(programme, digest, params)
        facts = [dict(engine_fact(group), t="g")]
        facts += [dict(engine_fact(m), t="m", i=i) for i, m in enumerate(members)]
        with self._lock:
            if name not in self._registered:
                self._host.set_rulesets({name: self.compile(programme, name, params, skip)})
                self._registered.add(name)
            sid = f"s{next(self._sids)}"
            for f in facts:
                f["sid"] = sid
            self._hits[sid] = []
            try:
                ruleset = self._host.get_ruleset(name)
                # result code 1 (a fact matched no rule) is "no match", an answer, not an error
                _code, state = durable_rules_engine.assert_facts(
                    ruleset._handle, json.dumps(facts, ensure_ascii=False))
                self._host._handle_function(ruleset, lambda _: state, None, None)
            finally:
                hits = self._hits.pop(sid)
                self._host.delete_state(name, sid)
            if self._errors:
                error = self._errors.pop()
                self._errors.clear()
                raise RuntimeError(f"durable-rules action failed in {name}") from error
        out = Matches()
        for crit in programme.criteria:
            if isinstance(crit.condition, Members):
                out.members[crit.id] = set()
        for criterion, index in hits:
            if index < 0:
                out.group.add(criterion)
            else:
                out.members[criterion].add(index)
        return out
