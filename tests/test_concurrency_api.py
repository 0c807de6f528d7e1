"""Isolation under load: hundreds of concurrent requests with distinct groups get exactly the
answer each group gets alone (no fact leaks from one evaluation into another)."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from engine.eligibility import EligibilityEngine, shared_matcher
from engine.schema import Group
from tests.conftest import running_server

TERRITORIES = ["12029", "12041", "13001", "32010", "20067", "07001", "20190", "31050", "30006", "22003"]
PA = ["01", "02", "06", "09"]


def distinct_groups(n: int, seed: int = 5) -> list[dict[str, Any]]:
    """`n` different groups touching every programme's criteria (deterministic)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        country = "PA" if i % 7 == 0 else "MX"
        members = []
        for _ in range(rnd.randint(0, 12)):
            m: dict[str, Any] = {"age": rnd.randint(14, 80), "sex": rnd.choice("FM")}
            for key, values in (("prospera", [True, False]), ("poverty", [True, False]),
                                ("indigenous", [True, False]),
                                ("producer_stratum", ["E1", "E2", "E3", "E4", "E5", "E6"]),
                                ("entrepreneurial_potential", ["very_low", "low", "medium", "high"])):
                if rnd.random() < 0.8:
                    m[key] = rnd.choice(values)
            members.append(m)
        group: dict[str, Any] = {
            "id": f"c-{i}", "country": country,
            "territory": rnd.choice(PA if country == "PA" else TERRITORIES),
            "as_of": (dt.date(2010, 1, 1) + dt.timedelta(days=rnd.randint(0, 3000))).isoformat(),
            "members": members}
        if rnd.random() < 0.8:
            group["locality"] = rnd.choice(["rural", "periurban", "urban"])
        if rnd.random() < 0.8:
            group["organisation"] = rnd.choice(["osse", "informal", "none"])
        if rnd.random() < 0.5:
            group["project"] = {"proposer": rnd.choice(["migrant_club", "group"]),
                                "proposer_country": rnd.choice(["US", "MX"]),
                                "sector": rnd.choice(["tourism", "agriculture", "crafts"]),
                                "contributions": {k: rnd.choice([0, 100_000, 250_000])
                                                  for k in ("federal", "state", "municipal", "migrant")}}
        if rnd.random() < 0.4:
            group["urban_zap_pct"] = rnd.uniform(0, 100)
            group["social_bank_office"] = rnd.random() < 0.5
        out.append(group)
    return out


GROUPS = distinct_groups(300)


@pytest.fixture(scope="module")
def sequential() -> list[Any]:
    engine = EligibilityEngine(matcher=shared_matcher())
    return [json.loads(engine.check(Group.model_validate(g), None, "es", suggest=True).model_dump_json())
            for g in GROUPS]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with running_server() as url:
        yield url


def test_concurrency_groups_get_their_own_answers(server: str, sequential: list[Any]) -> None:
    async def fire() -> list[Any]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=server, limits=limits, timeout=60) as client:
            async def one(i: int) -> Any:
                if i % 5 == 0:  # the batch endpoint runs in the thread pool: both paths at once
                    r = await client.post("/v1/eligibility/batch", json={"groups": [GROUPS[i]]})
                    r.raise_for_status()
                    return r.json()["results"][0]["result"]
                r = await client.post("/v1/eligibility", json=GROUPS[i])
                r.raise_for_status()
                return r.json()
            return await asyncio.gather(*(one(i) for i in range(len(GROUPS))))
    answers = asyncio.run(fire())
    wrong = [GROUPS[i]["id"] for i, a in enumerate(answers) if a != sequential[i]]
    assert not wrong, f"{len(wrong)} answers differ from the sequential ones: {wrong[:10]}"


def test_concurrency_engine_threads_get_their_own_answers(sequential: list[Any]) -> None:
    engine = EligibilityEngine(matcher=shared_matcher())
    groups = [Group.model_validate(g) for g in GROUPS]

    def judge(i: int) -> Any:
        return json.loads(engine.check(groups[i], None, "es", suggest=True).model_dump_json())
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(judge, range(len(groups))))
    assert [a == s for a, s in zip(answers, sequential, strict=True)] == [True] * len(groups)
