"""Dependencies handed to route handlers: the engine and settings built once at start-up."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from api.errors import request_lang
from api.settings import Settings
from engine.eligibility import EligibilityEngine
from engine.messages import Lang


def get_engine(request: Request) -> EligibilityEngine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


EngineDep = Annotated[EligibilityEngine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def answer_lang(
    request: Request,
    lang: Annotated[
        Literal["es", "en"] | None,
        Query(description="language of the answer (default: the request's Accept-Language, else Spanish)"),
    ] = None,
) -> Lang:
    """The language of an answer: `?lang=`, else Accept-Language, else the service's default
    (the same as its errors: api/errors.py `request_lang`)."""
    return request_lang(request.scope)


LangDep = Annotated[Lang, Depends(answer_lang)]
