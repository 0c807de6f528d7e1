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
- each evaluation has its own state id, deleted afterwards, so no fact outlives its request;
- the C engine's `createStateNode` leaves a new state's action context (two heap pointers)
  uninitialised; only starting an action sets them, and `deleteStateNode` frees them. A state
  on which no rule ever fired (a group that matched no criterion) was therefore freed with
  garbage pointers: "free(): invalid pointer", or a segfault. So every state is opened with a
  fact that the ruleset's `_opened` rule always matches, and that action is run to completion
  before anything else is asserted: from then on the context is the engine's own (set, then
  freed and reset to NULL), whatever the group's facts match afterwards.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import durable_rules_engine  # the C engine under durable.engine
from durable.engine import Host

from engine.errors import EngineStopped
from engine.plan import Junction, Node, ProgrammePlan

_DURABLE_OP = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}

#: The rule that opens every state (see the module docstring). Criterion ids are lower-case
#: identifiers, so a leading underscore cannot clash with one; its fact kind `t: "o"` matches no
#: criterion, whose patterns all require `t: "g"` (group) or `t: "m"` (member).
OPEN_RULE = "_opened"


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


def compile_node(node: Node) -> dict[str, Any]:
    """A plan's tree (engine/plan.py: and / or over comparisons, `not` already pushed into them)
    as a durable-rules pattern."""
    if isinstance(node, Junction):
        return {"$and" if node.conj else "$or": [compile_node(n) for n in node.items]}
    return compile_leaf(engine_key(node.fact), node.op, node.value)


def compile_leaf(key: str, op: str, value: Any) -> dict[str, Any]:
    """`fact op value`, guarded by the fact's existence so that it never matches an absent fact."""
    guard = {"$ex": {key: 1}}
    if op in ("between", "outside"):
        low, high = (engine_value(v) for v in value)
        test: dict[str, Any] = (
            {"$and": [{"$gte": {key: low}}, {"$lte": {key: high}}]}
            if op == "between"
            else {"$or": [{"$lt": {key: low}}, {"$gt": {key: high}}]}
        )
    elif op in ("in", "not_in"):
        tests = [compile_leaf(key, "==" if op == "in" else "!=", v) for v in value]
        test = {"$or" if op == "in" else "$and": tests}
    else:
        v = engine_value(value)
        test = {key: v} if op == "==" else {_DURABLE_OP[op]: {key: v}}
    return {"$and": [guard, test]}


@dataclass
class Matches:
    """What durable-rules matched for one group and one programme."""

    group: set[str] = field(default_factory=set)  # group-level criteria that hold
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


def _opened(_c: Any) -> None:
    """The action of the rule that opens a state: running it is the whole point."""


Hits = list[tuple[str, int]]  # (criterion id, member index or -1 for the group fact)


class LocalHost:
    """The durable-rules host, in this process. Not thread-safe: `RuleMatcher` serialises calls."""

    def __init__(self) -> None:
        self._hits: dict[str, Hits] = {}
        self._errors: list[BaseException] = []
        self._registered: set[str] = set()
        self._sids = itertools.count()
        self._host = _Host(self._make_action)

    def _make_action(self, name: str) -> Callable[[Any], None]:
        criterion = name.rsplit(":", 1)[-1]
        if criterion == OPEN_RULE:
            return _opened
        hits, errors = self._hits, self._errors

        def record(c: Any) -> None:
            try:
                m = c.m
                hits[m["sid"]].append((criterion, m["i"] if m["t"] == "m" else -1))
            except BaseException as exc:  # noqa: BLE001 - the engine would swallow it
                errors.append(exc)

        return record

    def assert_batch(
        self, name: str, ruleset: Callable[[], dict[str, Any]], facts: list[dict[str, Any]]
    ) -> Hits:
        """Assert `facts` under a fresh state of ruleset `name` (registered from `ruleset()` on
        first use); return the criteria that matched. The state is deleted afterwards."""
        if name not in self._registered:
            self._host.set_rulesets({name: ruleset()})
            self._registered.add(name)
        sid = f"s{next(self._sids)}"
        for f in facts:
            f["sid"] = sid
        self._hits[sid] = []
        handle = self._host.get_ruleset(name)
        self._open_state(handle, sid)
        try:
            # result code 1 (a fact matched no rule) is "no match", an answer, not an error
            batch = json.dumps(facts, ensure_ascii=False)
            _code, state = durable_rules_engine.assert_facts(handle._handle, batch)
            self._run_actions(handle, state)
        finally:
            hits = self._hits.pop(sid)
            self._host.delete_state(name, sid)
        if self._errors:
            error = self._errors.pop()
            self._errors.clear()
            raise RuntimeError(f"durable-rules action failed in {name}") from error
        return hits

    def _open_state(self, handle: Any, sid: str) -> None:
        """Create the state `sid` through a fact that a rule matches and run that action to its
        end, so the engine itself initialises (then frees and resets) the state's action context
        before anything that might match nothing is asserted (see the module docstring)."""
        _code, state = durable_rules_engine.assert_fact(handle._handle, json.dumps({"sid": sid, "t": "o"}))
        self._run_actions(handle, state)

    def _run_actions(self, handle: Any, state: int) -> None:
        """Run the actions queued in `state`, as the host runs them after an assert."""
        self._host._handle_function(handle, lambda _: state, None, None)

    @property
    def pending(self) -> int:
        """States not yet deleted (0 between calls)."""
        return len(self._hits)


def serve_host(conn: Connection) -> None:
    """A child process's loop: a `LocalHost` answering `(name, ruleset or None, facts)` requests
    with `("ok", hits)` or `("error", text)` until the pipe closes."""
    host = LocalHost()
    rulesets: dict[str, dict[str, Any]] = {}
    while True:
        try:
            name, ruleset, facts = conn.recv()
        except (EOFError, OSError):
            return
        if ruleset is not None:
            rulesets[name] = ruleset
        try:
            conn.send(("ok", host.assert_batch(name, partial(rulesets.__getitem__, name), facts)))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class IsolatedHost:
    """The durable-rules host in a child process, so that a fault in the C engine ends the child,
    not the process that holds the clients' connections (the server).

    A child that dies is replaced and the call that was in flight is tried once more on the new
    child: a call that was only caught up in someone else's fault (or in an outside kill) gets its
    answer; one that kills the engine twice raises `EngineStopped`, and the calls after it are
    served by a fresh child. A call that takes longer than `timeout` seconds counts as a fault
    (the child is killed), so a hang cannot hold the lock forever.
    """

    def __init__(self, timeout: float = 10.0, target: Callable[[Connection], None] = serve_host) -> None:
        self.timeout = timeout
        self._target = target
        self._context = multiprocessing.get_context("spawn")  # no inherited threads or locks
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._registered: set[str] = set()
        self.restarts = 0

    @property
    def child_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _start(self) -> Connection:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=self._target, args=(child,), daemon=True, name="vincula-rules-engine"
        )
        process.start()
        child.close()
        self._process, self._conn = process, parent
        self._registered = set()
        return parent

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(5)
        self._process = self._conn = None

    def assert_batch(
        self, name: str, ruleset: Callable[[], dict[str, Any]], facts: list[dict[str, Any]]
    ) -> Hits:
        for attempt in (1, 2):
            if self._process is None or not self._process.is_alive():
                if self._process is not None:
                    self.restarts += 1
                self.stop()
                self._start()
            conn = self._conn
            assert conn is not None
            try:
                conn.send((name, None if name in self._registered else ruleset(), facts))
                if not conn.poll(self.timeout):
                    raise TimeoutError
                status, value = conn.recv()
            except (EOFError, OSError, TimeoutError):
                self.stop()
                self.restarts += 1
                if attempt == 2:
                    raise EngineStopped(name) from None
                continue
            self._registered.add(name)
            if status == "error":
                raise RuntimeError(f"durable-rules failed in {name}: {value}")
            return [tuple(hit) for hit in value]  # type: ignore[misc]
        raise AssertionError("unreachable")


class RuleMatcher:
    """Compiles programmes into durable-rules rulesets and matches facts against them, through
    one host (in this process, or isolated in a child process) behind one lock."""

    def __init__(self, isolated: bool = False, host: LocalHost | IsolatedHost | None = None) -> None:
        self._lock = threading.Lock()
        self.host: LocalHost | IsolatedHost = host or (IsolatedHost() if isolated else LocalHost())

    def compile(self, plan: ProgrammePlan) -> dict[str, Any]:
        """The JSON ruleset of a plan: one rule per criterion that can be judged on its date (a
        member criterion matched per member), and the rule that opens a state."""
        rules: dict[str, dict[str, Any]] = {}
        for crit in plan.criteria:
            if crit.match is None:
                continue
            kind = "m" if crit.scope == "member" else "g"
            pattern = {"$and": [{"t": kind}, compile_node(crit.match)]}
            rules[crit.id] = {"all": [{"m": pattern}], "run": f"{plan.key}:{crit.id}"}
        rules[OPEN_RULE] = {"all": [{"m": {"t": "o"}}], "run": f"{plan.key}:{OPEN_RULE}"}
        return rules

    def match(self, plan: ProgrammePlan, group: dict[str, Any], members: list[dict[str, Any]]) -> Matches:
        """Assert the group and member facts into the plan's ruleset; return the matches."""
        name = plan.key
        facts = [dict(engine_fact(group), t="g")]
        facts += [dict(engine_fact(m), t="m", i=i) for i, m in enumerate(members)]
        with self._lock:
            hits = self.host.assert_batch(name, lambda: self.compile(plan), facts)
        out = Matches()
        for crit in plan.criteria:
            if crit.scope == "member":
                out.members[crit.id] = set()
        for criterion, index in hits:
            if index < 0:
                out.group.add(criterion)
            else:
                out.members[criterion].add(index)
        return out
