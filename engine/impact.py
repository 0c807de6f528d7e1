"""The impact of a rule change: who gains and who loses eligibility when one rule set replaces another.

A population is screened under a baseline rule set (`before`, e.g. the bundled rules/) and a
candidate (`after`, e.g. a designer's draft). For every programme the report counts the groups
whose determination changed, by state and by the criterion that changed the outcome, with
example groups, and lists what changed in the rule files themselves (parameters, criteria,
the eligibility rule), so a reader sees cause and effect side by side.

Group files are screened one group at a time (engine/eligibility.py), which gives every
criterion's outcome; a population in the interchange format (engine/population.py) is screened
by the vectorised path (engine/vectorised.py), which gives the blocking criteria only, so there
the criterion behind a change is read from the criteria that block before and after.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, Field

from engine.eligibility import EligibilityEngine
from engine.errors import InputError
from engine.groups import GROUP_SUFFIXES, load_groups
from engine.messages import LANGS, Lang, catalogue, t
from engine.rules import RuleSet
from engine.schema import Determination, Group, Programme
from engine.territory import lookup

STATUSES = ("eligible", "not_eligible", "cannot_tell")


class Change(BaseModel):
    """One group whose determination for one programme differs between the rule sets."""

    group_id: str
    name: str | None = None
    state: str
    territory: str
    before: str
    after: str
    criteria: list[str] = Field(description="criteria whose outcome changed (or that block now)")
    detail: list[str] = Field(default=[], description="e.g. `min_size: fail → pass`")


class StateCount(BaseModel):
    state: str
    gained: int = 0
    lost: int = 0
    other: int = 0


class CriterionCount(BaseModel):
    criterion: str
    label: str
    gained: int = 0
    lost: int = 0
    other: int = 0


class ProgrammeImpact(BaseModel):
    slug: str
    name: str
    presence: str = Field(default="both", description="both | added | removed")
    screened: int
    eligible_before: int
    eligible_after: int
    gained: int
    lost: int
    other: int = Field(description="changes between not eligible and cannot tell")
    by_state: list[StateCount]
    by_criterion: list[CriterionCount]
    examples_gained: list[Change]
    examples_lost: list[Change]
    examples_other: list[Change]
    rule_changes: list[str]


class Impact(BaseModel):
    before: str
    after: str
    population: str
    groups: int
    as_of: str
    programmes: list[ProgrammeImpact]

    @property
    def changed(self) -> bool:
        return any(p.gained or p.lost or p.other for p in self.programmes)


# --------------------------------------------------------------------------- rule-file differences


def rule_changes(before: Programme | None, after: Programme | None, lang: Lang = "es") -> list[str]:
    """What differs between two versions of a programme, one line per difference."""
    if before is None:
        return [t("impact.new_programme", lang)]
    if after is None:
        return [t("impact.removed_programme", lang)]
    out: list[str] = []
    for name in sorted(set(before.parameters) | set(after.parameters)):
        pb, pa = before.parameters.get(name), after.parameters.get(name)
        if pb is None or pa is None:
            out.append(
                t("impact.parameter_added" if pb is None else "impact.parameter_removed", lang, name=name)
            )
            continue
        vb = [(v.from_, v.to, v.value) for v in pb.values]
        va = [(v.from_, v.to, v.value) for v in pa.values]
        if vb != va:
            out.append(t("impact.parameter_changed", lang, name=name, before=_values(vb), after=_values(va)))
    cb = {c.id: c for c in before.criteria}
    ca = {c.id: c for c in after.criteria}
    for cid in [*cb, *[i for i in ca if i not in cb]]:
        if cid not in ca:
            out.append(t("impact.criterion_removed", lang, id=cid))
        elif cid not in cb:
            out.append(t("impact.criterion_added", lang, id=cid, label=ca[cid].label.get(lang)))
        elif cb[cid].condition.model_dump(by_alias=True) != ca[cid].condition.model_dump(by_alias=True):
            out.append(t("impact.criterion_changed", lang, id=cid))
    if before.eligibility.model_dump() != after.eligibility.model_dump():
        out.append(t("impact.eligibility_changed", lang))
    for fld in ("valid_from", "valid_to", "priority"):
        if getattr(before, fld) != getattr(after, fld):
            out.append(
                t(
                    "impact.field_changed",
                    lang,
                    field=fld,
                    before=getattr(before, fld),
                    after=getattr(after, fld),
                )
            )
    return out


def _values(values: list[tuple[Any, Any, Any]]) -> str:
    return ", ".join(f"{v} ({f}–{t or '…'})" for f, t, v in values)


# --------------------------------------------------------------------------- screening


class _Row:
    """One group's determination for one programme: status, blocking and all outcomes."""

    __slots__ = ("status", "failed", "outcomes")

    def __init__(self, status: str, failed: list[str], outcomes: dict[str, str] | None) -> None:
        self.status = status
        self.failed = failed
        self.outcomes = outcomes


def _row(det: Determination) -> _Row:
    return _Row(det.status, det.failed, {c.id: c.outcome for c in det.criteria})


def is_population_dir(path: Path) -> bool:
    return path.is_dir() and any((path / f"groups.{ext}").is_file() for ext in ("csv", "parquet"))


def compare(
    before: RuleSet,
    after: RuleSet,
    population: Path | str,
    as_of: dt.date | None = None,
    lang: str = "es",
    examples: int = 5,
) -> Impact:
    """Screen `population` (group file or folder, or an interchange population folder) under
    both rule sets and report who gains and who loses, programme by programme."""
    language = _language(lang)
    population = Path(population)
    if not population.exists():
        raise InputError(
            key="impact.no_population", hint_key="impact.no_population.hint", values={"path": str(population)}
        )
    slugs = list(dict.fromkeys(before.slugs + after.slugs))
    if is_population_dir(population):
        if as_of is None:
            raise InputError(key="impact.no_date", hint_key="impact.no_date.hint")
        rows_b, rows_a, places, names = _screen_population(before, after, population, as_of, language)
    else:
        groups = load_groups(population)
        rows_b, rows_a, places, names = _screen_groups(before, after, groups, as_of, language)
    programmes = [
        _programme_impact(
            slug,
            before.programmes.get(slug),
            after.programmes.get(slug),
            rows_b,
            rows_a,
            places,
            names,
            language,
            examples,
        )
        for slug in slugs
    ]
    return Impact(
        before=str(before.directory),
        after=str(after.directory),
        population=str(population),
        groups=len(places),
        as_of=as_of.isoformat() if as_of else t("impact.each_date", language),
        programmes=programmes,
    )


Rows = dict[tuple[str, str], _Row]  # (group_id, slug) -> row


def _screen_groups(
    before: RuleSet, after: RuleSet, groups: list[Group], as_of: dt.date | None, lang: Lang
) -> tuple[Rows, Rows, dict[str, tuple[str, str]], dict[str, str | None]]:
    eb, ea = EligibilityEngine(before), EligibilityEngine(after)
    rows_b: Rows = {}
    rows_a: Rows = {}
    places: dict[str, tuple[str, str]] = {}
    names: dict[str, str | None] = {}
    seen: Counter[str] = Counter()
    for g in groups:
        seen[g.id] += 1
        if seen[g.id] > 1:
            raise InputError(
                f"group id `{g.id}` appears more than once in the population",
                hint="give each group its own id",
            )
        day = as_of or g.as_of or dt.date.today()
        for rows, engine in ((rows_b, eb), (rows_a, ea)):
            for det in engine.check(g, day, lang).determinations:
                rows[(g.id, det.program)] = _row(det)
        terr = lookup(g.country, g.territory)
        places[g.id] = (
            str(terr.get("state_name") or terr.get("name") or g.territory),
            f"{terr.get('name', '')} ({g.territory})",
        )
        names[g.id] = g.name
    return rows_b, rows_a, places, names


def _screen_population(
    before: RuleSet, after: RuleSet, folder: Path, as_of: dt.date, lang: Lang
) -> tuple[Rows, Rows, dict[str, tuple[str, str]], dict[str, str | None]]:
    import polars as pl

    from engine.screen import screen

    places: dict[str, tuple[str, str]] = {}
    out: list[Rows] = []
    for rules in (before, after):
        rows: Rows = {}
        screening = screen(folder, rules, as_of, lang=lang)
        for part in screening:
            results = [f"{k}_{i}" for i in range(len(screening.plan.slugs)) for k in ("eligible", "failed")]
            frame = part.groups.select(
                "group_id",
                pl.coalesce(pl.col("state").cast(pl.String), pl.col("territory").cast(pl.String)).alias(
                    "state"
                ),
                pl.col("territory").cast(pl.String),
                *results,
            )
            for rec in frame.iter_rows(named=True):
                places[rec["group_id"]] = (rec["state"], rec["territory"])
                for i, slug in enumerate(screening.plan.slugs):
                    e = rec[f"eligible_{i}"]
                    status = "eligible" if e is True else "not_eligible" if e is False else "cannot_tell"
                    failed = rec[f"failed_{i}"].split(";") if rec[f"failed_{i}"] else []
                    rows[(rec["group_id"], slug)] = _Row(status, failed, None)
        out.append(rows)
    return out[0], out[1], places, dict.fromkeys(places)


def _changed_criteria(b: _Row | None, a: _Row | None, lang: Lang) -> tuple[list[str], list[str]]:
    """The criteria behind a change, and a `criterion: before → after` line for each."""
    rule_change = t("impact.rule_change", lang)
    if b is not None and a is not None and b.outcomes is not None and a.outcomes is not None:
        ids = list(dict.fromkeys([*b.outcomes, *a.outcomes]))
        changed = [i for i in ids if b.outcomes.get(i) != a.outcomes.get(i)]
        detail = [f"{i}: {b.outcomes.get(i, '—')} → {a.outcomes.get(i, '—')}" for i in changed]
        return (changed or [rule_change]), detail
    fb = set(b.failed) if b else set()
    fa = set(a.failed) if a else set()
    changed = sorted(fb ^ fa)
    if not changed:
        unknown = (a and a.status == "cannot_tell") or (b and b.status == "cannot_tell")
        return [t("impact.not_known", lang) if unknown else rule_change], []
    blocks, passes = t("impact.blocks", lang), t("impact.passes", lang)
    detail = [f"{i}: {blocks if i in fb else passes} → {blocks if i in fa else passes}" for i in changed]
    return changed, detail


def _programme_impact(
    slug: str,
    pb: Programme | None,
    pa: Programme | None,
    rows_b: Rows,
    rows_a: Rows,
    places: dict[str, tuple[str, str]],
    names: dict[str, str | None],
    lang: Lang,
    examples: int,
) -> ProgrammeImpact:
    programme = pa or pb
    assert programme is not None
    labels = {c.id: c.label.get(lang) for p in (pb, pa) if p for c in p.criteria}
    by_state: dict[str, StateCount] = {}
    by_crit: dict[str, CriterionCount] = {}
    buckets: dict[str, list[Change]] = defaultdict(list)
    counts: Counter[str] = Counter()
    eligible_b = eligible_a = 0
    for gid in places:
        b, a = rows_b.get((gid, slug)), rows_a.get((gid, slug))
        sb = b.status if b else "not_eligible"
        sa = a.status if a else "not_eligible"
        eligible_b += sb == "eligible"
        eligible_a += sa == "eligible"
        if sb == sa:
            continue
        kind = "gained" if sa == "eligible" else "lost" if sb == "eligible" else "other"
        counts[kind] += 1
        criteria, detail = _changed_criteria(b, a, lang)
        state, territory = places[gid]
        sc = by_state.setdefault(state, StateCount(state=state))
        setattr(sc, kind, getattr(sc, kind) + 1)
        for cid in criteria:
            cc = by_crit.setdefault(cid, CriterionCount(criterion=cid, label=labels.get(cid, cid)))
            setattr(cc, kind, getattr(cc, kind) + 1)
        if len(buckets[kind]) < examples:
            buckets[kind].append(
                Change(
                    group_id=gid,
                    name=names.get(gid),
                    state=state,
                    territory=territory,
                    before=sb,
                    after=sa,
                    criteria=criteria,
                    detail=detail,
                )
            )
    presence = "both" if pb and pa else "added" if pa else "removed"
    return ProgrammeImpact(
        slug=slug,
        name=programme.name.get(lang),
        presence=presence,
        screened=len(places),
        eligible_before=eligible_b,
        eligible_after=eligible_a,
        gained=counts["gained"],
        lost=counts["lost"],
        other=counts["other"],
        by_state=sorted(by_state.values(), key=lambda s: (-(s.gained + s.lost + s.other), s.state)),
        by_criterion=sorted(by_crit.values(), key=lambda c: (-(c.gained + c.lost + c.other), c.criterion)),
        examples_gained=buckets["gained"],
        examples_lost=buckets["lost"],
        examples_other=buckets["other"],
        rule_changes=rule_changes(pb, pa, lang),
    )


# --------------------------------------------------------------------------- rendering

FORMATS = ("md", "html", "json")


def _words(lang: Lang) -> dict[str, str]:
    """The report's words (engine/messages.yaml `impact.*`), by their short names."""
    return {key.removeprefix("impact."): t(key, lang) for key in catalogue() if key.startswith("impact.")}


def chart_svg(impact: Impact, lang: Lang = "es") -> str:
    """A horizontal bar chart (gains right, green; losses left, red) as inline SVG."""
    rows = impact.programmes
    top = max([max(p.gained, p.lost) for p in rows] + [1])
    label_w, half, bar_h, gap = 300, 220, 18, 10
    width = label_w + 2 * half + 60
    height = 40 + len(rows) * (bar_h + gap)
    mid = label_w + half
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(t("impact.chart", lang))}">',
        f'<line x1="{mid}" y1="20" x2="{mid}" y2="{height - 10}" stroke="#888"/>',
        f'<text x="{mid - 8}" y="14" text-anchor="end" font-size="12" fill="#b22">'
        f"← {_esc(t('impact.lost', lang))}</text>",
        f'<text x="{mid + 8}" y="14" font-size="12" fill="#262">{_esc(t("impact.gained", lang))} →</text>',
    ]
    for i, p in enumerate(rows):
        y = 28 + i * (bar_h + gap)
        wg, wl = half * p.gained / top, half * p.lost / top
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" font-size="12">'
            f"{_esc(p.name[:44])}</text>"
        )
        parts.append(
            f'<rect x="{mid - wl:.1f}" y="{y}" width="{wl:.1f}" height="{bar_h}" fill="#d65f5f">'
            f"<title>{p.lost}</title></rect>"
        )
        parts.append(
            f'<rect x="{mid}" y="{y}" width="{wg:.1f}" height="{bar_h}" fill="#5fa55a">'
            f"<title>{p.gained}</title></rect>"
        )
        if p.lost:
            parts.append(
                f'<text x="{mid - wl - 4:.1f}" y="{y + 13}" text-anchor="end" font-size="11">{p.lost}</text>'
            )
        if p.gained:
            parts.append(f'<text x="{mid + wg + 4:.1f}" y="{y + 13}" font-size="11">{p.gained}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _language(lang: str) -> Lang:
    if lang not in LANGS:
        raise InputError(f"unknown language `{lang}`", hint="use es or en")
    return cast(Lang, lang)


def render(impact: Impact, fmt: str = "md", lang: str = "es") -> str:
    """The impact as Markdown, a self-contained HTML page (with an inline SVG chart), or JSON."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format `{fmt}`", hint=f"use one of: {', '.join(FORMATS)}")
    lang = _language(lang)
    if fmt == "json":
        return json.dumps(impact.model_dump(), ensure_ascii=False, indent=2) + "\n"
    from engine.templating import template_env

    template = template_env().get_template(f"impact.{fmt}.j2")
    return template.render(
        impact=impact,
        t=_words(lang),
        status={s: t(f"status.{s}", lang) for s in STATUSES},
        groups=lambda count: t("report.count.groups", lang, count=count),
        lang=lang,
        chart=chart_svg(impact, lang) if fmt == "html" else "",
        group_suffixes=GROUP_SUFFIXES,
    )
