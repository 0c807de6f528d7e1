"""Shared fixtures for the engine tests: one engine (one durable-rules host) per test session."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.eligibility import EligibilityEngine
from engine.schema import Group


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
