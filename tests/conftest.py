"""Shared fixtures for the engine tests: one engine (one durable-rules host) per test session."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from engine.eligibility import EligibilityEngine
from engine.schema import Group


@contextmanager
def running_server(settings: Any = None) -> Iterator[str]:
    """The API served by uvicorn on a free loopback port, in a thread, for the test's duration;
    with `settings`, as `vincula serve` serves it (api/server.py's limits from those settings)."""
    import uvicorn

    from api.main import create_app
    from api.server import ServerConfig
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "log_level": "warning"}
    config = (uvicorn.Config(create_app(), **options) if settings is None
              else ServerConfig(create_app(settings), settings, **options))
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def engine() -> EligibilityEngine:
    return EligibilityEngine()


def member(age: int = 30, sex: str = "F", prospera: bool = True, poverty: bool = True,
           stratum: str | None = "E2", potential: str = "high", **extra: Any) -> dict[str, Any]:
    out = {"age": age, "sex": sex, "prospera": prospera, "poverty": poverty,
           "producer_stratum": stratum, "entrepreneurial_potential": potential}
    out.update(extra)
    return {k: v for k, v in out.items() if v is not None}


def make_group(members: list[dict[str, Any]] | None = None, **fields: Any) -> Group:
    base: dict[str, Any] = {"id": "t-1", "territory": "12041", "locality": "rural",
                            "organisation": "osse", "as_of": dt.date(2017, 6, 30),
                            "members": members if members is not None else [member() for _ in range(5)]}
    base.update(fields)
    return Group.model_validate(base)


def determination(engine: EligibilityEngine, group: Group, program: str):
    return engine.check(group, programs=[program]).determinations[0]


def outcome(det, criterion: str) -> str:
    return next(c.outcome for c in det.criteria if c.id == criterion)
