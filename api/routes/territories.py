"""`/v1/territories`: the attributes the rules use for a municipality (MX) or province (PA)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.errors import GET_PROBLEMS
from engine.territory import provider

router = APIRouter(prefix="/v1/territories", tags=["territories"])

Country = Annotated[str, Path(max_length=10, description="MX or PA", examples=["MX"])]


class Territory(BaseModel):
    country: str
    code: str
    attributes: dict[str, Any] = Field(
        description="as the rules see them (`territory.<name>` facts); an attribute left out is not known"
    )
    provenance: str = Field(description="where the data comes from")


class TerritoryMatch(BaseModel):
    code: str
    name: str | None = None
    state_name: str | None = None


@router.get("/{country}", summary="Search territories by name or code prefix", responses=GET_PROBLEMS)
async def search_territories(
    country: Country,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="part of the name, accents optional, or the start of the code",
            examples=["chilpan"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[TerritoryMatch]:
    return [
        TerritoryMatch(code=row["code"], name=row.get("name"), state_name=row.get("state_name"))
        for row in provider(country).search(q, limit)
    ]


@router.get(
    "/{country}/{code}", summary="One territory's attributes, with provenance", responses=GET_PROBLEMS
)
async def get_territory(
    country: Country, code: Annotated[str, Path(max_length=40, examples=["12029"])]
) -> Territory:
    source = provider(country)
    return Territory(
        country=source.country, code=code, attributes=source.lookup(code), provenance=source.provenance
    )
