"""`/v1/eligibility`: which programmes a group is eligible for, and why not the others.

The answer is the engine's `GroupResult`, the same model `vincula check --json` prints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.deps import EngineDep, SettingsDep
from api.errors import PROBLEM_RESPONSES, ApiError, FieldProblem, Problem, engine_problem
from engine.eligibility import EligibilityEngine
from engine.errors import VinculaError
from engine.schema import Group, GroupResult

router = APIRouter(prefix="/v1/eligibility", tags=["eligibility"])

MAX_BATCH = 1000  # documented ceiling; VINCULA_MAX_BATCH can only lower it
NDJSON = "application/x-ndjson"

Lang = Annotated[Literal["es", "en"], Query(description="language of labels and explanations")]
Programs = Annotated[
    list[str] | None,
    Query(alias="program", max_length=20, description="only these programme slugs (repeat the parameter)"),
]


def _iso_date(value: object) -> object:
    """Only YYYY-MM-DD: pydantic would otherwise read `0` as 1970-01-01 (a Unix timestamp)."""
    if isinstance(value, str) and not (len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("use a date as YYYY-MM-DD, e.g. 2017-06-30")
    return value


AsOf = Annotated[
    dt.date | None,
    BeforeValidator(_iso_date),
    Query(description="judge on this date (overrides the group's `as_of`; default: the group's, else today)"),
]

GROUP_EXAMPLES: dict[str, Any] = {
    "proinpro": {
        "summary": "PROSPERA group in rural Guerrero, 2017",
        "value": {
            "id": "chilpancingo-01",
            "country": "MX",
            "territory": "12029",
            "locality": "rural",
            "organisation": "informal",
            "as_of": "2017-06-30",
            "members": [
                {"age": 34, "sex": "F", "prospera": True, "poverty": True},
                {"age": 41, "sex": "F", "prospera": True, "poverty": True},
                {"age": 29, "sex": "F", "prospera": True},
                {"age": 52, "sex": "M", "prospera": False},
                {"age": 23, "sex": "F", "prospera": True},
            ],
        },
    },
    "project": {
        "summary": "Migrant-club project (3x1), 2016",
        "value": {
            "id": "club-zacatecas-7",
            "territory": "32010",
            "as_of": "2016-05-01",
            "project": {
                "proposer": "migrant_club",
                "proposer_country": "US",
                "sector": "agriculture",
                "contributions": {"federal": 250000, "state": 250000, "municipal": 250000, "migrant": 250000},
            },
        },
    },
    "panama": {
        "summary": "Group in Coclé, Panama, 2011",
        "value": {
            "id": "cocle-3",
            "country": "PA",
            "territory": "02",
            "locality": "rural",
            "as_of": "2011-03-01",
            "project": {"sector": "tourism"},
            "members": [{"age": 30, "poverty": True, "indigenous": True}, {"age": 45, "poverty": True}],
        },
    },
}


class BatchRequest(BaseModel):
    """Several groups, in the same `{groups: [...]}` form the CLI's group files accept."""

    model_config = ConfigDict(extra="forbid")
    groups: list[Group] = Field(
        min_length=1, max_length=MAX_BATCH, description=f"at most {MAX_BATCH} groups per request"
    )


class BatchItem(BaseModel):
    """One group's answer: `result`, or `error` if that group could not be judged."""

    index: int = Field(description="0-based position in the request")
    group_id: str
    result: GroupResult | None = None
    error: Problem | None = None


class BatchResponse(BaseModel):
    results: list[BatchItem]


@router.post("", summary="Eligibility of one group, explained", responses=PROBLEM_RESPONSES)
async def check_group(
    group: Annotated[Group, Body(openapi_examples=GROUP_EXAMPLES)],
    engine: EngineDep,
    lang: Lang = "es",
    programs: Programs = None,
    as_of: AsOf = None,
) -> GroupResult:
    """Per programme: eligible, not eligible or cannot tell, with every criterion's outcome,
    what was observed, the rule in words, its citation, and the facts that were missing."""
    # Runs on the event loop on purpose: a check takes about a millisecond of CPU under the
    # engine's lock, and a thread-pool hop would cost more than it saves.
    return engine.check(group, as_of, lang, programs)


@router.post(
    "/batch",
    summary=f"Eligibility of many groups (at most {MAX_BATCH})",
    response_model=BatchResponse,
    responses={
        **PROBLEM_RESPONSES,
        200: {
            "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/BatchItem"}}},
            "description": f"JSON `{{results: [...]}}`, or with `Accept: {NDJSON}` one "
            "BatchItem per line, streamed as each group is judged",
        },
    },
)
def check_batch(
    body: BatchRequest,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    lang: Lang = "es",
    programs: Programs = None,
    as_of: AsOf = None,
) -> BatchResponse | StreamingResponse:
    """Judge each group; a group that cannot be judged (e.g. unknown territory) gets an `error`
    item instead of failing the batch. Send `Accept: application/x-ndjson` for large batches:
    lines are streamed as groups are judged, in request order."""
    limit = min(settings.max_batch, MAX_BATCH)
    if len(body.groups) > limit:
        raise ApiError(
            Problem(
                status=422,
                code="batch_too_large",
                message=f"groups: {len(body.groups)} groups; at most {limit} per request",
                errors=[
                    FieldProblem(
                        field="groups",
                        loc=["body", "groups"],
                        message=f"at most {limit} items",
                        type="too_long",
                    )
                ],
                hint="split the batch into several requests",
            )
        )
    for slug in programs or []:
        engine.rules.get(slug)  # unknown slug: 404 before any work
    items = _judge_all(engine, body.groups, as_of, lang, programs)
    if NDJSON in request.headers.get("accept", ""):
        lines = (item.model_dump_json().encode() + b"\n" for item in items)
        return StreamingResponse(lines, media_type=NDJSON)
    return BatchResponse(results=list(items))


def _judge_all(
    engine: EligibilityEngine,
    groups: list[Group],
    as_of: dt.date | None,
    lang: Lang,
    programs: list[str] | None,
) -> Iterator[BatchItem]:
    for i, group in enumerate(groups):
        try:
            yield BatchItem(index=i, group_id=group.id, result=engine.check(group, as_of, lang, programs))
        except VinculaError as exc:
            yield BatchItem(index=i, group_id=group.id, error=engine_problem(exc))
