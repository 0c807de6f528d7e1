"""`/v1/coverage`: coverage, exclusion, inclusion and overlap measured from a programme
registry (engine/coverage.py), over a population the client sends or one the server holds.

A client sends the population's two CSV files and the padrón as text in one JSON body, bounded
by the service's body limit (VINCULA_MAX_BODY_BYTES) like every request; or names a population
in the server's folder of populations (VINCULA_POPULATIONS_DIR), whose padrón is its own
padron.csv / padron.parquet unless the client sends one. A measurement holds a worker thread
and up to about a gigabyte per million groups, so a worker runs at most
VINCULA_MAX_COVERAGE_RUNS at once and answers 503 beyond. `/coverage/report` answers the same
as one HTML page.
"""

from __future__ import annotations

import datetime as dt
import difflib
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from api.deps import SettingsDep
from api.errors import ApiError, Problem, request_lang
from api.middleware import page_csp
from api.routes.eligibility import _iso_date
from api.settings import Settings
from engine.coverage import Measured, measure_listing_rejects
from engine.coverage_report import render
from engine.messages import Lang, t
from engine.rules import load_rules

router = APIRouter(tags=["coverage"])

#: the answers other than 200, documented with their JSON content type (the report route
#: answers HTML when it succeeds)
PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code, description in {
        400: "Malformed JSON",
        404: "Unknown population or programme (with suggestions)",
        413: "Request body larger than the configured limit (VINCULA_MAX_BODY_BYTES)",
        422: "A field is invalid, or a file sent is (its name and line): a missing column, a ragged line",
        503: "The worker is already making VINCULA_MAX_COVERAGE_RUNS measurements (Retry-After)",
    }.items()
}

POPULATION_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class UploadedPopulation(BaseModel):
    """A population in the interchange format, each file's CSV text (header first)."""

    groups: str = Field(min_length=1, description="groups.csv: group_id, territory, ...")
    members: str = Field(min_length=1, description="members.csv: group_id, person_id, age, ...")


class _Asked(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: Annotated[dt.date, BeforeValidator(_iso_date)] = Field(
        description="judge on this date; its year is the fiscal year measured", examples=["2017-06-30"]
    )
    programs: list[str] | None = Field(default=None, max_length=20, description="only these programmes")
    examples: int = Field(default=5, ge=0, le=50, description="example groups per cell")
    lang: Lang | None = Field(
        default=None,
        description="language of the report, its rejects and its errors "
        "(default: the request's, from ?lang= or Accept-Language; else Spanish)",
    )


class SentPopulation(_Asked):
    """A population and its padrón, sent in the request."""

    population: UploadedPopulation
    padron: str = Field(min_length=1, description="the padrón's CSV text: program,fiscal_year,group_id")


class ServerPopulation(_Asked):
    """A population of the server, named; its padrón is its own unless one is sent."""

    population_name: str = Field(
        pattern=POPULATION_NAME, description="a population of the server (GET /v1/coverage/populations)"
    )
    padron: str | None = Field(
        default=None,
        min_length=1,
        description="the padrón's CSV text; by default the population's padron.csv / padron.parquet",
    )


CoverageRequest = Annotated[SentPopulation | ServerPopulation, Body()]


class Populations(BaseModel):
    populations: list[str] = Field(description="names of the server's populations (folders with a padrón)")


def _folder(settings: Settings) -> Path | None:
    return settings.populations_dir


def _known(settings: Settings) -> list[str]:
    folder = _folder(settings)
    if folder is None or not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _slots(request: Request, settings: Settings) -> threading.BoundedSemaphore:
    slots = getattr(request.app.state, "coverage_slots", None)
    if slots is None:
        slots = request.app.state.coverage_slots = threading.BoundedSemaphore(settings.max_coverage_runs)
    return slots  # type: ignore[no-any-return]


def _lang(body: SentPopulation | ServerPopulation, request: Request) -> Lang:
    """The language asked for in the body, else the request's (api/errors.py)."""
    return body.lang or request_lang(request.scope)


def _measure(body: SentPopulation | ServerPopulation, request: Request, settings: Settings) -> Measured:
    lang = _lang(body, request)
    slots = _slots(request, settings)
    if not slots.acquire(blocking=False):
        problem = Problem(
            status=503,
            code="server_busy",
            message=t("api.coverage.busy", lang, count=settings.max_coverage_runs),
        )
        raise ApiError(problem, headers={"retry-after": "5"})
    try:
        rules = load_rules(settings.rules_dir)
        with tempfile.TemporaryDirectory(prefix="vincula-upload-") as tmp:
            sent = Path(tmp)
            hide = [sent]
            if isinstance(body, SentPopulation):
                (sent / "groups.csv").write_text(body.population.groups, encoding="utf-8")
                (sent / "members.csv").write_text(body.population.members, encoding="utf-8")
                population, label = sent, t("api.coverage.sent", lang)
            else:
                name = body.population_name
                population, label = _server_population(name, settings, lang), name
                hide.append(population.parent)
            if body.padron is not None:
                padron = sent / "padron.csv"
                padron.write_text(body.padron, encoding="utf-8")
                padron_label = f"padron.csv ({t('api.coverage.sent', lang)})"
            else:
                padron = _server_padron(population, label, lang)
                padron_label = f"{label}/{padron.name}"
            return measure_listing_rejects(
                population,
                padron,
                rules,
                body.as_of,
                labels=(label, padron_label),
                hide=hide,
                programs=body.programs,
                examples=body.examples,
                lang=lang,
                listed=settings.max_rejects_listed,
            )
    finally:
        slots.release()


def _server_population(name: str, settings: Settings, lang: Lang) -> Path:
    known = _known(settings)
    if name not in known:
        raise ApiError(
            Problem(
                status=404,
                code="unknown_population",
                message=t("api.coverage.unknown_population", lang, name=name),
                suggestions=difflib.get_close_matches(name, known, n=3, cutoff=0.3),
                hint=t("api.coverage.known_populations", lang, names=", ".join(known) or "—"),
            )
        )
    folder = _folder(settings)
    assert folder is not None
    return folder / name


def _server_padron(population: Path, name: str, lang: Lang) -> Path:
    for candidate in ("padron.csv", "padron.parquet"):
        if (population / candidate).is_file():
            return population / candidate
    raise ApiError(
        Problem(status=422, code="invalid_input", message=t("api.coverage.no_server_padron", lang, name=name))
    )


@router.get("/v1/coverage/populations", summary="The server's populations")
def populations(settings: SettingsDep) -> Populations:
    """The populations a coverage request may name (`population_name`)."""
    return Populations(populations=_known(settings))


@router.post("/v1/coverage", summary="Coverage measured from a padrón (JSON)", responses=PROBLEMS)
def coverage(body: CoverageRequest, request: Request, settings: SettingsDep) -> Measured:
    """Per programme, for the fiscal year of `as_of`: groups eligible and served, eligible and not
    served (exclusion), not eligible and served (inclusion, by blocking criterion), cannot tell;
    people and PROSPERA members served; people supported by several programmes, per pair, with
    whether the rules allow it. The rows rejected on the way are listed with file, line and reason."""
    return _measure(body, request, settings)


@router.post(
    "/coverage/report",
    summary="Coverage measured from a padrón (HTML report)",
    response_class=HTMLResponse,
    responses=PROBLEMS,
)
def coverage_report(body: CoverageRequest, request: Request, settings: SettingsDep) -> HTMLResponse:
    html = render(_measure(body, request, settings).report, "html", _lang(body, request))
    return HTMLResponse(
        html, headers={"content-security-policy": page_csp(html, inline_styles=True, scripts=False)}
    )
