"""`/v1/eligibility`: which programmes a group is eligible for, and why not the others.

The answer is the engine's `GroupResult`, the same model `vincula check --json` prints. What a
request may cost is bounded (groups and members per batch, close matches for unknown
territories), and a batch stops between two groups when its client has gone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.deps import EngineDep, LangDep, SettingsDep
from api.errors import PROBLEM_RESPONSES, ApiError, FieldProblem, Problem, engine_problem, request_lang
from api.settings import MAX_BATCH, Settings
from engine import export
from engine.eligibility import EligibilityEngine
from engine.errors import VinculaError
from engine.messages import Lang as MessageLang
from engine.messages import t
from engine.schema import Group, GroupResult
from engine.territory import SuggestionBudget, suggestion_budget
from engine.vocabulary import parse_date

router = APIRouter(prefix="/v1/eligibility", tags=["eligibility"])
log = logging.getLogger("vincula.api")

NDJSON = "application/x-ndjson"
CSV = "text/csv"
#: A group with more members is judged in a worker thread (500 members take 0.1-0.2 s), so
#: that it does not hold up the other requests this worker's event loop is serving.
INLINE_MEMBERS = 50

Programs = Annotated[
    list[str] | None,
    Query(
        alias="program",
        max_length=20,
        description="only these programme slugs (repeat the parameter; a slug given twice counts once)",
    ),
]


def _unique(programs: list[str] | None) -> list[str] | None:
    return list(dict.fromkeys(programs)) if programs else programs


def _iso_date(value: object) -> object:
    """YYYY-MM-DD or day first (30/06/2017), as a group's `as_of` is read; pydantic alone would
    read `0` as 1970-01-01 (a Unix timestamp)."""
    value = parse_date(value)
    if isinstance(value, str) and not (len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("use a date as YYYY-MM-DD or DD/MM/YYYY, e.g. 2017-06-30")
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
            "as_of": "2006-05-01",
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
        min_length=1,
        max_length=MAX_BATCH,
        description=f"at most {MAX_BATCH} groups (VINCULA_MAX_BATCH) and 20,000 members in all "
        "(VINCULA_MAX_BATCH_MEMBERS) per request",
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
    lang: LangDep,
    programs: Programs = None,
    as_of: AsOf = None,
) -> GroupResult:
    """Per programme: eligible, not eligible or cannot tell, with every criterion's outcome,
    what was observed, the rule in words, its citation, and the facts that were missing."""
    programs = _unique(programs)
    if len(group.members) <= INLINE_MEMBERS:
        # On the event loop on purpose: a check takes about a millisecond of CPU under the
        # engine's lock, and a thread-pool hop would cost more than it saves.
        return engine.check(group, as_of, lang, programs, suggest=True)
    return await run_in_threadpool(engine.check, group, as_of, lang, programs, True)


@router.post(
    "/batch",
    summary=f"Eligibility of many groups (at most {MAX_BATCH})",
    response_model=BatchResponse,
    responses={
        **PROBLEM_RESPONSES,
        200: {
            "content": {
                NDJSON: {"schema": {"$ref": "#/components/schemas/BatchItem"}},
                CSV: {"schema": {"type": "string"}},
            },
            "description": f"JSON `{{results: [...]}}`, or with `Accept: {NDJSON}` one "
            f"BatchItem per line, or with `Accept: {CSV}` (or `?format=csv`) one row per group and "
            "programme (status, reasons, suggestions, citations; formula-safe), streamed as each "
            "group is judged",
        },
    },
)
async def check_batch(
    body: BatchRequest,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    lang: LangDep,
    programs: Programs = None,
    as_of: AsOf = None,
    fmt: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="csv: the same answer as a table (or send `Accept: text/csv`)"),
    ] = None,
) -> StreamingResponse:
    """Judge each group; a group that cannot be judged (e.g. unknown territory) gets an `error`
    item instead of failing the batch. The answer is streamed as groups are judged, in request
    order; with `Accept: application/x-ndjson`, one BatchItem per line. Limits (422 beyond, the message
    names them): VINCULA_MAX_BATCH groups and VINCULA_MAX_BATCH_MEMBERS members in all; close
    matches for the first VINCULA_MAX_SUGGESTIONS unknown territories only. A batch whose client
    disconnects stops at the next group."""
    _within_limits(body.groups, settings, request)
    programs = _unique(programs)
    for slug in programs or []:
        engine.rules.get(slug)  # unknown slug: 404 before any work
    budget = SuggestionBudget(settings.max_suggestions)
    items = _judge_all(request, engine, body.groups, budget, as_of, lang, programs)
    # Streamed in both forms: the server holds one group's answer at a time, not the whole
    # (about 30 KB per group, 30 MB for 1,000).
    accept = request.headers.get("accept", "")
    if fmt == "csv" or (fmt is None and CSV in accept):
        return StreamingResponse(
            _csv_results(items, lang),
            media_type=f"{CSV}; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="vincula.csv"'},
        )
    if NDJSON in accept:
        return StreamingResponse(
            (item.model_dump_json().encode() + b"\n" async for item in items), media_type=NDJSON
        )
    return StreamingResponse(_json_results(items), media_type="application/json")


async def _csv_results(items: AsyncIterator[BatchItem], lang: MessageLang) -> AsyncIterator[bytes]:
    """The batch as CSV (engine/export.py): one row per group and programme, a row per group
    that could not be judged."""
    yield ("\ufeff" + export.csv_line(export.header(lang))).encode()
    async for item in items:
        judged = (
            item.result
            if item.result is not None
            else (item.group_id, item.error.message if item.error else "")
        )
        for row in export.rows([judged], lang):
            yield export.csv_line(row).encode()


async def _json_results(items: AsyncIterator[BatchItem]) -> AsyncIterator[bytes]:
    """`BatchResponse` as JSON, written item by item."""
    yield b'{"results":['
    separator = b""
    async for item in items:
        yield separator + item.model_dump_json().encode()
        separator = b","
    yield b"]}"


def _within_limits(groups: list[Group], settings: Settings, request: Request) -> None:
    lang = request_lang(request.scope)
    members = sum(len(g.members) for g in groups)
    for count, limit, key in (
        (len(groups), settings.max_batch, "api.batch.too_many_groups"),
        (members, settings.max_batch_members, "api.batch.too_many_members"),
    ):
        if count > limit:
            raise ApiError(
                Problem(
                    status=422,
                    code="batch_too_large",
                    message=t(key, lang, limit=limit, count=count),
                    errors=[
                        FieldProblem(
                            field="groups",
                            loc=["body", "groups"],
                            message=t(key, lang, limit=limit, count=count).removeprefix("groups: "),
                            type="too_long",
                        )
                    ],
                    hint=t("api.batch.split.hint", lang),
                )
            )


async def _judge_all(
    request: Request,
    engine: EligibilityEngine,
    groups: list[Group],
    budget: SuggestionBudget,
    as_of: dt.date | None,
    lang: MessageLang,
    programs: list[str] | None,
) -> AsyncIterator[BatchItem]:
    """Each group judged in a worker thread (the event loop stays free for other requests),
    the client's presence checked before each. The server also cancels the stream when it sees
    the client go; either way no group is started for a client that has gone."""
    judged = 0
    gone = False
    try:
        for i, group in enumerate(groups):
            if await request.is_disconnected():
                gone = True
                return
            yield await run_in_threadpool(_judge, engine, budget, i, group, as_of, lang, programs)
            judged += 1
    except (anyio.get_cancelled_exc_class(), GeneratorExit):
        gone = True
        raise
    finally:
        if gone:
            log.info("batch stopped after %d of %d groups: the client has gone", judged, len(groups))


def _judge(
    engine: EligibilityEngine,
    budget: SuggestionBudget,
    index: int,
    group: Group,
    as_of: dt.date | None,
    lang: MessageLang,
    programs: list[str] | None,
) -> BatchItem:
    with suggestion_budget(budget):
        try:
            return BatchItem(
                index=index,
                group_id=group.id,
                result=engine.check(group, as_of, lang, programs, suggest=True),
            )
        except VinculaError as exc:
            return BatchItem(index=index, group_id=group.id, error=engine_problem(exc, lang))
