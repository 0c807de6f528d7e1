"""`/healthz`: the service is up and which rule versions it serves."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import EngineDep

router = APIRouter(tags=["service"])


class Health(BaseModel):
    status: str = "ok"
    rules: dict[str, str]


@router.get("/healthz", summary="Liveness, with the rule versions served")
async def healthz(engine: EngineDep) -> Health:
    return Health(rules={slug: engine.rules.version(slug) for slug in engine.rules.slugs})
