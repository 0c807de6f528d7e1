"""HTTP errors in one place: engine exceptions and bad requests become a `Problem` body.

Every error answer has the same shape (status, code, human message, where, how to fix, close
matches), so a coordinator's tool can show it as it is. Client input never yields a 500: bad JSON
(including JSON nested too deeply and bytes that are not UTF-8) is 400 `malformed_json`, a body
that does not fit the model 422 (with the field path), unknown programme or territory 404 (with
suggestions), an oversized or late body 413 / 408 (api/middleware.py, before any parsing). The
words are the message catalogue's, in the language of `?lang=` or else `Accept-Language`
(Spanish by default); the `code` is the same in every language.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import Headers, QueryParams
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from engine.errors import (
    EngineStopped,
    InputError,
    RuleFileError,
    UnknownProgrammeError,
    UnknownTerritoryError,
    VinculaError,
)
from engine.input_errors import message as input_message
from engine.input_errors import worded
from engine.messages import LANGS, Lang, lang_of, t
from engine.yamlfile import field_path

log = logging.getLogger("vincula.api")


class FieldProblem(BaseModel):
    field: str = Field(
        description="where, e.g. `members[2].age` (0-based list positions) or `query.lang`",
        examples=["members[2].age"],
    )
    loc: list[str | int] = Field(description="the same place as a list of keys and indexes")
    label: str | None = Field(
        default=None,
        description="the place in words, members counted from 1",
        examples=["integrante 3, edad"],
    )
    message: str = Field(examples=["debe ser a lo más 120 (se leyó 130)"])
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

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        self.problem = problem
        self.headers = headers
        super().__init__(problem.message)


def request_lang(scope: Scope, default: str | None = None) -> Lang:
    """The language of a request's error answers: `?lang=`, else the first of es/en named in
    Accept-Language, else the service's default (VINCULA_DEFAULT_LANG, Spanish)."""
    for value in (
        QueryParams(scope.get("query_string", b"")).get("lang"),
        Headers(scope=scope).get("accept-language"),
    ):
        if value and any(
            part.split(";")[0].split("-")[0].strip().lower() in LANGS for part in value.split(",")
        ):
            return lang_of(value)
    if default is None:
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        default = getattr(settings, "default_lang", None)
    return lang_of(default)


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


def engine_problem(exc: VinculaError, lang: Lang = "es") -> Problem:
    status, code = next((s, c) for cls, s, c in ENGINE_STATUS if isinstance(exc, cls))
    message = exc.message_in(lang)
    return Problem(
        status=status,
        code=code,
        message=f"{exc.where}: {message}" if exc.where else message,
        hint=exc.hint_in(lang),
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


def _document_error(err: dict[str, Any], lang: Lang) -> tuple[str, str] | None:
    """(place in words, message) of an error in a group document (a body that is one group, or
    a batch's `groups`), worded by engine/input_errors.py; None for other errors."""
    loc = tuple(err.get("loc", ()))
    if not loc or loc[0] != "body":
        return None
    inner, group = loc[1:], None
    if len(inner) >= 2 and inner[0] == "groups" and isinstance(inner[1], int):
        inner, group = inner[2:], inner[1]
    elif inner[:1] == ("groups",):
        return None
    place, message = worded(dict(err, loc=inner), lang)
    if group is not None:
        place = f"{t('input.group_n', lang, n=group + 1)}, {place}"
    return place, message


def _message(err: dict[str, Any], lang: Lang) -> str:
    kind = err.get("type", "")
    if kind in ("model_attributes_type", "dict_type") and err.get("loc") == ("body",):
        return t("api.field.not_object", lang)
    worded_error = _document_error(err, lang)
    if worded_error is not None:
        return worded_error[1]
    if kind == "extra_forbidden":
        return t("api.field.unknown", lang)
    if kind == "missing":
        return t("api.field.missing", lang)
    # a query or path parameter: worded as a group file's values are, next to the field path
    return input_message(err, lang)


def malformed_json(message: str, lang: Lang) -> Problem:
    return Problem(status=400, code="malformed_json", message=message, hint=t("api.json.hint", lang))


def validation_problem(exc: RequestValidationError, lang: Lang = "es") -> Problem:
    errors = list(exc.errors())
    bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        detail = (bad_json.get("ctx") or {}).get("error", "")
        where = bad_json["loc"][1] if len(bad_json.get("loc", ())) > 1 else None
        at = t("api.json.at", lang, position=where) if isinstance(where, int) else ""
        message = t("api.json.malformed", lang, at=at)
        return malformed_json(f"{message}: {detail}" if detail else message, lang)
    body = getattr(exc, "body", None)
    fields = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        worded_error = _document_error(err, lang)
        fields.append(
            FieldProblem(
                field=_field(loc, body),
                loc=list(loc),
                label=worded_error[0] if worded_error else None,
                message=_message(err, lang),
                type=str(err.get("type", "")),
            )
        )
    unique = list(
        dict.fromkeys(
            f.message if f.field == "(top level)" else f"{f.label or f.field}: {f.message}" for f in fields
        )
    )
    shown = "; ".join(unique[:5]) + (
        " " + t("api.validation.more", lang, count=len(unique) - 5) if len(unique) > 5 else ""
    )
    return Problem(
        status=422,
        code="validation_error",
        message=shown,
        errors=fields,
        hint=t("api.validation.hint", lang),
    )


def unreadable_body(cause: BaseException | None, lang: Lang) -> Problem | None:
    """FastAPI answers a generic 400 when reading the JSON body fails other than by a syntax
    error; the two ways a client can cause that get the `malformed_json` problem."""
    if isinstance(cause, RecursionError):
        return malformed_json(t("api.json.too_deep", lang), lang)
    if isinstance(cause, UnicodeDecodeError):
        byte = f"{cause.object[cause.start]:#04x}" if cause.start < len(cause.object) else "?"
        return malformed_json(t("api.json.not_utf8", lang, byte=byte, position=cause.start), lang)
    return None


def install(app: FastAPI) -> None:
    """Register the exception handlers on `app`."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _respond(validation_problem(exc, request_lang(request.scope)))

    @app.exception_handler(VinculaError)
    async def _engine(request: Request, exc: VinculaError) -> JSONResponse:
        problem = engine_problem(exc, request_lang(request.scope))
        if problem.status >= 500:
            log.error("rules error while serving %s: %s", request.url.path, exc)
        return _respond(problem)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return _respond(exc.problem, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = request_lang(request.scope)
        headers = getattr(exc, "headers", None)
        if exc.status_code == 400 and (problem := unreadable_body(exc.__cause__, lang)):
            return _respond(problem)
        if exc.status_code == 404 and exc.detail == "Not Found":
            problem = Problem(
                status=404,
                code="not_found",
                message=t("api.not_found", lang, path=request.url.path),
                hint=t("api.not_found.hint", lang),
            )
        elif exc.status_code == 405:
            allowed = (headers or {}).get("Allow", "")
            problem = Problem(
                status=405,
                code="method_not_allowed",
                message=t("api.method_not_allowed", lang, method=request.method, path=request.url.path),
                hint=t("api.method_not_allowed.hint", lang, allowed=allowed) if allowed else None,
            )
        else:
            code = {404: "not_found"}.get(exc.status_code, "http_error")
            problem = Problem(
                status=exc.status_code, code=code, message=str(exc.detail) if exc.detail else "error"
            )
        return _respond(problem, headers=headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        lang = request_lang(request.scope)
        return _respond(
            Problem(
                status=500,
                code="internal_error",
                message=t("api.internal", lang),
                hint=t("api.internal.hint", lang),
            )
        )
