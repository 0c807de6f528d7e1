"""Dependencies handed to route handlers: the engine and settings built once at start-up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings
from engine.eligibility import EligibilityEngine


def get_engine(request: Request) -> EligibilityEngine:
    return request.app.state.engine  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


EngineDep = Annotated[EligibilityEngine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
