"""`/v1/gaps` (JSON) and `/report` (HTML): the coordination-gap report of the commitments cases.

The report depends only on files (the commitments cases, the rule files and gap checks, the
populations they screen), so each case's report is computed once (it screens a population,
about a second) and kept until one of those files changes; rendering is per request.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import LangDep, SettingsDep
from api.errors import GET_PROBLEMS, ApiError, Problem
from api.middleware import page_csp
from engine import FIXTURES_DIR, RULES_DIR
from engine.commitments import COMMITMENTS_DIR, case_files
from engine.gaps import GapReport, analyse
from engine.report import render

router = APIRouter(tags=["gaps"])

Case = Annotated[
    str | None, Query(max_length=100, description="one case (default: all)", examples=["tres-por-uno"])
]
Illustrative = Annotated[
    bool, Query(description="also list, apart and without severity, findings resting on illustrative facts")
]


@lru_cache(maxsize=16)
def _report(
    case: str | None,
    commitments_dir: Path,
    rules_dir: Path | None,
    stamp: tuple[tuple[str, int, int], ...],
    include_illustrative: bool = False,
) -> GapReport:
    """`stamp` is only part of the cache key: a committee member's edit is seen on the next request."""
    return analyse(
        case, commitments_dir=commitments_dir, rules_dir=rules_dir, include_illustrative=include_illustrative
    )


def _stamp(*folders: Path) -> tuple[tuple[str, int, int], ...]:
    """(path, modification time, size) of every file in `folders`."""
    return tuple(
        sorted(
            (str(p), st.st_mtime_ns, st.st_size)
            for d in folders
            if d.is_dir()
            for p in d.rglob("*")
            if p.is_file() and (st := p.stat())
        )
    )


def _gap_report(case: str | None, settings: SettingsDep, include_illustrative: bool = False) -> GapReport:
    directory = settings.fixtures_dir / "commitments" if settings.fixtures_dir else COMMITMENTS_DIR
    known = list(case_files(directory))
    if case is not None and case not in known:
        close = difflib.get_close_matches(case, known, n=3, cutoff=0.3)
        raise ApiError(
            Problem(
                status=404,
                code="unknown_case",
                message=f"no commitments case called `{case}`",
                suggestions=close,
                hint=f"known cases: {', '.join(known)}",
            )
        )
    # screened with the same rules as the eligibility endpoints (VINCULA_RULES_DIR); the gap
    # checks stay the bundled rules/gaps
    inputs = dict.fromkeys(
        (directory, settings.rules_dir or RULES_DIR, RULES_DIR, FIXTURES_DIR / "populations")
    )  # (each folder read once)
    return _report(case, directory, settings.rules_dir, _stamp(*inputs), include_illustrative)


@router.get("/v1/gaps", summary="Coordination gaps (JSON)", responses=GET_PROBLEMS)
def gaps(settings: SettingsDep, case: Case = None, include_illustrative: Illustrative = False) -> GapReport:
    """Per case: the commitments graph, the gaps found (declarative promises, unrealised
    linkages, mismatched populations, single points of failure, vertical and budget gaps) with
    their evidence and sources."""
    return _gap_report(case, settings, include_illustrative)


@router.get(
    "/report", summary="Coordination gaps (HTML report)", response_class=HTMLResponse, responses=GET_PROBLEMS
)
def report(
    settings: SettingsDep, lang: LangDep, case: Case = None, include_illustrative: Illustrative = False
) -> HTMLResponse:
    html = render(_gap_report(case, settings, include_illustrative), "html", lang)
    # a standalone file (also written by `vincula gaps --out`): its styles are inline; no script
    return HTMLResponse(
        html, headers={"content-security-policy": page_csp(html, inline_styles=True, scripts=False)}
    )
