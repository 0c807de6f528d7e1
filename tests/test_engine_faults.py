"""The durable-rules C engine must not take a process down: groups that match no rule, fresh
rulesets, and a child engine that dies (the server's isolation)."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import pytest

from engine.eligibility import EligibilityEngine
from engine.errors import EngineStopped
from engine.evaluate import IsolatedHost, RuleMatcher, serve_host
from engine.plan import plan_for
from engine.schema import Group

VINCULA = Path(sys.executable).with_name("vincula")

# Each of these used to end the process (exit 139, "free(): invalid pointer"): the first fact of a
# new ruleset matched no rule, and the state was deleted with an uninitialised action context.
CRASH_GROUPS = [
    {"id": "a", "country": "PA", "territory": "02", "as_of": "1990-01-01"},
    {"id": "b", "territory": "12043", "as_of": "2017-06-30", "members": [{"age": 30}]},
    {"id": "c", "country": "PA", "territory": "02", "as_of": "2012-01-01",
     "project": {"sector": "tourism"}},
]


@pytest.mark.parametrize("group", CRASH_GROUPS, ids=[g["id"] for g in CRASH_GROUPS])
def test_check_answers_groups_that_match_no_rule(tmp_path, group):
    path = tmp_path / "group.json"
    path.write_text(json.dumps(group))
    done = subprocess.run([str(VINCULA), "check", str(path), "--json"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode in (0, 1, 3), done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert len(answer["determinations"]) == 5


def test_fresh_rulesets_whose_first_group_matches_nothing(tmp_path):
    """Forty new rulesets in one process, each first used by a group that matches no criterion."""
    script = tmp_path / "fresh.py"
    script.write_text(
        "import datetime as dt\n"
        "from engine.eligibility import EligibilityEngine\n"
        "from engine.schema import Group\n"
        "engine = EligibilityEngine()\n"
        "group = Group(id='x', country='PA', territory='02')\n"
        "for year in range(1980, 2020):\n"
        "    engine.check(group, dt.date(year, 1, 1))\n"
        "print('done')\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "done"


# --------------------------------------------------------------------------- isolation


def _abort_on_marker(conn: Connection) -> None:
    """A child engine that dies (SIGABRT, like a C fault) on any group fact with `territory`
    "CRASH", and otherwise serves as the real one does."""
    inner, outer = __import__("multiprocessing").Pipe()

    import threading
    threading.Thread(target=serve_host, args=(inner,), daemon=True).start()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if any(f.get("territory") == "CRASH" for f in request[2]):
            os.abort()
        outer.send(request)
        conn.send(outer.recv())


def _group(territory: str = "12029") -> Group:
    return Group.model_validate({"id": "g", "territory": territory, "locality": "rural",
                                 "members": [{"age": 30, "prospera": True}] * 5, "as_of": "2017-06-30"})


def test_isolated_engine_answers_like_the_local_one():
    local = EligibilityEngine()
    isolated = EligibilityEngine(local.rules, RuleMatcher(isolated=True))
    try:
        for territory in ("12029", "20053", "32010"):
            group = _group(territory)
            assert isolated.check(group).model_dump() == local.check(group).model_dump()
    finally:
        isolated.matcher.host.stop()  # type: ignore[union-attr]


def test_a_killed_engine_child_is_replaced_without_failing_the_next_request():
    local = EligibilityEngine()
    host = IsolatedHost()
    isolated = EligibilityEngine(local.rules, RuleMatcher(host=host))
    try:
        isolated.check(_group())
        os.kill(host.child_pid, signal.SIGKILL)  # type: ignore[arg-type]
        time.sleep(0.2)
        assert isolated.check(_group()).model_dump() == local.check(_group()).model_dump()
        assert host.restarts == 1
    finally:
        host.stop()


def test_a_group_that_stops_the_engine_gets_an_error_and_the_others_their_answers():
    local = EligibilityEngine()
    host = IsolatedHost(target=_abort_on_marker)
    matcher = RuleMatcher(host=host)
    isolated = EligibilityEngine(local.rules, matcher)
    plan = plan_for(local.rules.get("proinpro"), local.rules.digests["proinpro"],
                    __import__("datetime").date(2017, 6, 30))
    try:
        with pytest.raises(EngineStopped, match="restarted"):
            matcher.match(plan, {"territory": "CRASH"}, [])
        assert host.restarts == 2  # tried once more on a fresh child, which stopped too
        assert isolated.check(_group()).model_dump() == local.check(_group()).model_dump()
    finally:
        host.stop()


# --------------------------------------------------------------------------- the server


@contextmanager
def served(workers: int) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(VINCULA), "serve", "--port", str(port), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_server_answers_groups_that_used_to_crash_it(workers):
    with served(workers) as url:
        for group in CRASH_GROUPS * 3:
            answer = httpx.post(f"{url}/v1/eligibility", json=group, timeout=30)
            assert answer.status_code == 200, answer.text
            assert len(answer.json()["determinations"]) == 5
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
