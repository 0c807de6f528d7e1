"""`/v1/programs`: the programmes of the loaded rule set, with criteria, parameters and citations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from api.deps import EngineDep
from api.errors import GET_PROBLEMS
from engine.schema import Programme, Text

router = APIRouter(prefix="/v1/programs", tags=["programmes"])

Slug = Annotated[str, Path(max_length=100, description="programme slug", examples=["proinpro"])]


class ProgrammeSummary(BaseModel):
    slug: str
    name: Text
    agency: str
    country: str
    unit: str
    valid_from: dt.date
    valid_to: dt.date | None
    summary: Text
    criteria: int = Field(description="number of criteria")
    rules_version: str = Field(
        description="rule-file version + content hash", examples=["2017.1+bcd5516e4449"]
    )


class ProgrammeDetail(Programme):
    """A rule file as loaded: criteria (with citations), dated parameters, sources."""

    rules_version: str


@router.get("", summary="List the programmes")
async def list_programmes(engine: EngineDep) -> list[ProgrammeSummary]:
    rs = engine.rules
    return [
        ProgrammeSummary(
            slug=p.slug,
            name=p.name,
            agency=p.agency,
            country=p.country,
            unit=p.unit,
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            summary=p.summary,
            criteria=len(p.criteria),
            rules_version=rs.version(p.slug),
        )
        for p in rs.programmes.values()
    ]


@router.get("/{slug}", summary="One programme: criteria, parameters and citations", responses=GET_PROBLEMS)
async def get_programme(slug: Slug, engine: EngineDep) -> ProgrammeDetail:
    programme = engine.rules.get(slug)
    return ProgrammeDetail(**dict(programme), rules_version=engine.rules.version(slug))
