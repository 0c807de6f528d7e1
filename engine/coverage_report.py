"""Rendering a coverage report (engine/coverage.py): JSON, Markdown, or one self-contained HTML
page that a committee can open offline, mail or print.

Templates live in engine/templates/coverage.*.j2; every word comes from the message catalogue
(engine/messages.yaml), Spanish by default. JSON is the report model itself, the same in both
languages (programme and criterion names carry both).
"""

from __future__ import annotations

from typing import Any, Literal

from engine.coverage import CELLS, CoverageReport, ProgrammeCoverage
from engine.messages import Lang, t
from engine.report import check_format
from engine.templating import template_env

Format = Literal["json", "md", "html"]
FORMATS: tuple[Format, ...] = ("json", "md", "html")


def rate(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole` (None when there is no whole to divide)."""
    return round(100 * part / whole, 1) if whole else None


def rates(p: ProgrammeCoverage) -> dict[str, float | None]:
    """Inclusion: share of served groups that are not eligible; exclusion: share of eligible
    groups not served (groups that cannot be told are in neither)."""
    return {
        "inclusion": rate(p.not_eligible_served, p.served),
        "exclusion": rate(p.eligible_not_served, p.eligible_served + p.eligible_not_served),
    }


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def render(report: CoverageReport, fmt: str = "md", lang: Lang = "es") -> str:
    check_format(fmt, FORMATS)
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    env = template_env(num=_num, pct=_pct)

    def words(key: str, **values: Any) -> str:
        return t(key, lang, **values)

    return env.get_template(f"coverage.{fmt}.j2").render(
        r=report,
        lang=lang,
        t=words,
        cells=CELLS,
        rates={slug: rates(p) for slug, p in report.programs.items()},
    )
