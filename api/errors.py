"""HTTP errors in one place: engine exceptions and bad requests become a `Problem` body.

Every error answer has the same shape (status, code, human message, where, how to fix, close
matches), so a coordinator's tool can show it as it is. Client input never yields a 500: bad JSON
is 400, a body that does not fit the model 422 (with the field path), unknown programme or
territory 404 (with suggestions), an oversized body 413 (`BodyLimit`, before any parsing).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.errors import (
    EngineStopped,
    InputError,
    RuleFileError,
    UnknownProgrammeError,
    UnknownTerritoryError,
    VinculaError,
)
from engine.yamlfile import field_path

log = logging.getLogger("vincula.api")


class FieldProblem(BaseModel):
    field: str = Field(
        description="where, e.g. `members[2].age` (0-based list positions) or `query.lang`",
        examples=["members[2].age"],
    )
    loc: list[str | int] = Field(description="the same place as a list of keys and indexes")
    message: str = Field(examples=["Input should be less than or equal to 120"])
    type: str = Field(description="machine-readable kind (pydantic error type)")


class Problem(BaseModel):
    """The body of every error answer."""

    status: int
    code: str = Field(examples=["validation_error"])
    message: str = Field(description="what was wrong, in words")
    hint: str | None = Field(default=None, description="how to fix it")
    suggestions: list[str] = Field(default=[], description="close matches (unknown slug or code)")
    errors: list[FieldProblem] = Field(default=[], description="one entry per invalid field")


class ApiError(Exception):
    """An error a handler raises on purpose (not from the engine)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message)


# The one mapping from engine exceptions to HTTP statuses (most specific first).
ENGINE_STATUS: list[tuple[type[VinculaError], int, str]] = [
    (EngineStopped, 503, "engine_stopped"),
    (UnknownProgrammeError, 404, "unknown_programme"),
    (UnknownTerritoryError, 404, "unknown_territory"),
    (InputError, 422, "invalid_input"),
    (RuleFileError, 500, "rules_invalid"),  # the server's rule files, not the client's fault
    (VinculaError, 400, "bad_request"),
]

# Documented on every route that takes input (OpenAPI `responses=`).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Malformed JSON"},
    404: {"model": Problem, "description": "Unknown programme, territory or gap case (with suggestions)"},
    413: {"model": Problem, "description": "Request body larger than the configured limit"},
    422: {"model": Problem, "description": "A field is invalid: field path and message"},
    503: {
        "model": Problem,
        "description": "The rules engine stopped on this group (it has been restarted for the next requests)",
    },
}


# For GET routes: a parameter can be unknown (404) or invalid (422). The content type is spelled
# out so that routes answering HTML still document their JSON errors.
GET_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": PROBLEM_RESPONSES[code]["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code in (404, 422)
}


def engine_problem(exc: VinculaError) -> Problem:
    status, code = next((s, c) for cls, s, c in ENGINE_STATUS if isinstance(exc, cls))
    return Problem(
        status=status,
        code=code,
        message=f"{exc.where}: {exc.message}" if exc.where else exc.message,
        hint=exc.hint,
        suggestions=list(getattr(exc, "suggestions", [])),
    )


def _respond(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.model_dump(), status_code=problem.status, headers=headers)


def _field(loc: tuple[Any, ...], body: Any) -> str:
    if not loc:
        return "(top level)"
    if loc[0] == "body":
        return field_path(loc[1:], body)
    return ".".join(str(p) for p in loc)  # query.lang, path.slug


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field (not part of the format; check its spelling)"
    if kind == "missing":
        return "required field is missing"
    if kind in ("model_attributes_type", "dict_type") and err.get("loc") == ("body",):
        return "the body must be a JSON object sent with Content-Type: application/json"
    return msg


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = list(exc.errors())
    bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        detail = (bad_json.get("ctx") or {}).get("error", "")
        where = bad_json["loc"][1] if len(bad_json.get("loc", ())) > 1 else None
        at = f" at character {where}" if isinstance(where, int) else ""
        return Problem(
            status=400,
            code="malformed_json",
            message=f"the body is not valid JSON{at}: {detail}".rstrip(": "),
            hint="check quotes, commas and brackets; send Content-Type: application/json",
        )
    body = getattr(exc, "body", None)
    fields = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        fields.append(
            FieldProblem(
                field=_field(loc, body), loc=list(loc), message=_message(err), type=str(err.get("type", ""))
            )
        )
    unique = list(
        dict.fromkeys(f.message if f.field == "(top level)" else f"{f.field}: {f.message}" for f in fields)
    )
    shown = "; ".join(unique[:5]) + (f" (and {len(unique) - 5} more)" if len(unique) > 5 else "")
    return Problem(
        status=422,
        code="validation_error",
        message=shown,
        errors=fields,
        hint="fix the fields listed in `errors`; the format is in /docs",
    )


def install(app: FastAPI, max_body_bytes: int) -> None:
    """Register the exception handlers and the body-size limit on `app`."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _respond(validation_problem(exc))

    @app.exception_handler(VinculaError)
    async def _engine(request: Request, exc: VinculaError) -> JSONResponse:
        problem = engine_problem(exc)
        if problem.status >= 500:
            log.error("rules error while serving %s: %s", request.url.path, exc)
        return _respond(problem)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc.problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such path: {request.url.path}"
            hint = "the endpoints are listed in /docs"
        else:
            hint = None
        return _respond(
            Problem(status=exc.status_code, code=code, message=message, hint=hint),
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _respond(
            Problem(
                status=500,
                code="internal_error",
                message="an unexpected error happened on the server; it was logged",
                hint="if it persists, report it with the request that caused it",
            )
        )

    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not Content-Length is sent.

    The body is read (up to the limit) before the app sees it, then replayed: FastAPI turns an
    exception raised while it reads the body into a generic 400, so the limit cannot be enforced
    from inside `receive`.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            try:
                if int(length) > self.max_bytes:
                    await self._too_large(send)
                    return
            except ValueError:
                await _send_problem(
                    send,
                    Problem(status=400, code="bad_content_length", message="Content-Length is not a number"),
                )
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                await self.app(scope, _replay([message], receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        first: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([first], receive), send)

    async def _too_large(self, send: Send) -> None:
        await _send_problem(
            send,
            Problem(
                status=413,
                code="body_too_large",
                message=f"the request body is larger than {self.max_bytes:,} bytes",
                hint="send fewer groups per request (see the batch maximum in /docs)",
            ),
        )


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _send_problem(send: Send, problem: Problem) -> None:
    body = json.dumps(problem.model_dump(), ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
