"""Rendering the gap report: Markdown, one self-contained HTML page, or JSON.

The HTML has no external assets: the commitments graph is laid out here (rings around the most
central actor) and drawn as inline SVG, so a committee can open, mail or print the single file.
Templates live in engine/templates/gaps.*.j2; every word comes from the message catalogue
(engine/messages.yaml: the report's own `gap.report.*`, actor kinds `actor.kind.*`), Spanish by default.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal, cast, get_args

import networkx as nx
from jinja2 import Environment

from engine.commitments import ActorKind
from engine.errors import InputError
from engine.gaps import KIND_LABELS, CaseReport, GapReport, pct
from engine.messages import LANGS, Lang, catalogue, t
from engine.templating import template_env

Format = Literal["md", "html", "json"]
FORMATS = ("md", "html", "json")

STATUS_COLOUR = {
    "honoured": "#2e7d32",
    "partial": "#ef6c00",
    "planned": "#78909c",
    "broken": "#c62828",
    "withdrawn": "#c62828",
}
KIND_COLOUR = {
    "ministry": "#5c6bc0",
    "programme": "#00897b",
    "committee": "#8e24aa",
    "government": "#6d4c41",
    "migrant_club": "#f9a825",
    "un_agency": "#1e88e5",
    "operator": "#7cb342",
    "beneficiary_group": "#ec407a",
    "funder": "#3949ab",
    "project": "#546e7a",
}


def words(lang: Lang) -> dict[str, str]:
    """The report's own words (engine/messages.yaml `gap.report.*`), by their short names, as
    the templates read them (`t.remedy`, `t[severity]`)."""
    prefix = "gap.report."
    return {key.removeprefix(prefix): t(key, lang) for key in catalogue() if key.startswith(prefix)}


# --------------------------------------------------------------------------- graph drawing


def layout(case: CaseReport) -> dict[str, tuple[float, float]]:
    """Rings around the most central actor: ring k holds the actors k steps away, each ring
    ordered by the angle of the actor it is reached from, so edges rarely cross."""
    g = nx.Graph()
    g.add_nodes_from(n.id for n in case.nodes)
    g.add_edges_from((e.source, e.target) for e in case.edges)
    if not case.nodes:
        return {}
    between = nx.betweenness_centrality(g)
    order = [n.id for n in case.nodes]
    centre = max(order, key=lambda n: (between[n], g.degree(n), -order.index(n)))
    rings: list[list[str]] = [[centre]]
    parent: dict[str, str] = {}
    seen = {centre}
    while True:
        nxt = []
        for n in rings[-1]:
            for m in sorted(g.neighbors(n), key=order.index):
                if m not in seen:
                    seen.add(m)
                    parent[m] = n
                    nxt.append(m)
        if not nxt:
            break
        rings.append(nxt)
    rest = [n for n in order if n not in seen]
    if rest:
        rings.append(rest)
    pos: dict[str, tuple[float, float]] = {centre: (0.0, 0.0)}
    angle: dict[str, float] = {centre: -math.pi / 2}
    radius = 0.0
    for k, ring in enumerate(rings[1:], start=1):
        radius = max(radius + 150, len(ring) * 95 / (2 * math.pi), 170.0 * k)
        if k == 1 or any(n not in parent for n in ring):
            wanted = {n: -math.pi / 2 + 2 * math.pi * i / len(ring) for i, n in enumerate(ring)}
        else:
            # near the actor each one is reached from, siblings fanned out around it
            siblings: dict[str, list[str]] = defaultdict(list)
            for n in ring:
                siblings[parent[n]].append(n)
            wanted = {}
            for p, kids in siblings.items():
                for i, n in enumerate(kids):
                    wanted[n] = angle[p] + (i - (len(kids) - 1) / 2) * 0.35
        ring.sort(key=lambda n: (wanted[n], order.index(n)))
        gap = min(2 * math.pi / len(ring), 100 / radius)
        placed = [wanted[n] for n in ring]
        for _ in range(len(ring)):  # push neighbours apart until none is closer than `gap`
            for i in range(1, len(placed)):
                if placed[i] - placed[i - 1] < gap:
                    placed[i] = placed[i - 1] + gap
        for n, a in zip(ring, placed, strict=True):
            angle[n] = a
            pos[n] = (radius * math.cos(a), radius * math.sin(a) * 0.8)
    return pos


def _short(text: str, n: int = 26) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def svg_graph(case: CaseReport, lang: Lang) -> dict[str, Any]:
    """Everything the template needs to draw the graph: view box, nodes, edge paths."""
    pos = layout(case)
    margin = 120
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    minx, miny = min(xs) - margin, min(ys) - margin
    width, height = max(xs) - min(xs) + 2 * margin, max(ys) - min(ys) + 2 * margin
    nodes: list[dict[str, Any]] = []
    for n in case.nodes:
        x, y = pos[n.id]
        r = 20 if n.coordinating else 13
        nodes.append(
            {
                "id": n.id,
                "x": round(x, 1),
                "y": round(y, 1),
                "r": r,
                "label": _short(n.label),
                "title": f"{n.name} ({t(f'actor.kind.{n.kind}', lang)})",
                "colour": KIND_COLOUR.get(n.kind, "#607d8b"),
                "coordinating": n.coordinating,
                "illustrative": n.illustrative,
                "in_gap": n.in_gap,
            }
        )
    radius: dict[str, float] = {n["id"]: n["r"] + (8 if n["in_gap"] else 0) for n in nodes}
    pair_count: dict[frozenset[str], int] = defaultdict(int)
    edges = []
    for e in case.edges:
        pair = frozenset((e.source, e.target))
        k = pair_count[pair]
        pair_count[pair] += 1
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        dx, dy = x2 - x1, y2 - y1
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        sx, sy = x1 + ux * radius[e.source], y1 + uy * radius[e.source]
        tx, ty = x2 - ux * (radius[e.target] + 4), y2 - uy * (radius[e.target] + 4)
        bend = (k - (0.5 if k else 0)) * 28 * (1 if k % 2 else -1) if k else 0
        mx, my = (sx + tx) / 2 - uy * bend, (sy + ty) / 2 + ux * bend
        broken = e.status in ("broken", "withdrawn")
        amount = f" — {e.amount:,.0f} {e.currency}" if e.amount is not None else ""
        edges.append(
            {
                "d": f"M{sx:.1f},{sy:.1f} Q{mx:.1f},{my:.1f} {tx:.1f},{ty:.1f}",
                "colour": STATUS_COLOUR[e.status],
                "dash": "7 5" if e.declarative else "",
                "width": 2.6 if broken else 1.6,
                "broken": broken,
                "status": e.status,
                "mid": (round((sx + 2 * mx + tx) / 4, 1), round((sy + 2 * my + ty) / 4, 1)),
                "title": f"{e.id}: {e.label.get(lang)} [{e.instrument}, {e.status}]{amount}",
            }
        )
    return {
        "viewbox": f"{minx:.0f} {miny:.0f} {width:.0f} {height:.0f}",
        "width": round(width),
        "height": round(height),
        "nodes": nodes,
        "edges": edges,
    }


# --------------------------------------------------------------------------- rendering


def _env() -> Environment:
    return template_env(pct=pct, num=lambda x: f"{x:,.0f}" if isinstance(x, (int, float)) else str(x))


def _notes(case: CaseReport) -> tuple[list[Any], dict[int, list[int]], dict[int, int]]:
    """Number every passage a figure or finding rests on, once per case: (notes in order,
    gap index -> note numbers, figure index -> note number)."""
    notes: list[Any] = []
    index: dict[tuple[str, str, str | None, str], int] = {}

    def number(c: Any) -> int:
        key = (c.title, c.pinpoint, c.quote, c.reasoning.es if c.reasoning else "")
        if key not in index:
            notes.append(c)
            index[key] = len(notes)
        return index[key]

    figures = {i: number(f.citation) for i, f in enumerate(case.figures) if f.citation is not None}
    gaps = {i: [number(c) for c in g.citations] for i, g in enumerate(case.gaps)}
    return notes, gaps, figures


def _linkage(case: CaseReport) -> dict[str, Any] | None:
    g = next((g for g in case.gaps if g.kind == "linkage_not_realised"), None)
    return g.figures if g else None


def _side_by_side(case: CaseReport) -> list[dict[str, Any]]:
    """For each programme of the case that the registry measured: what was promised (the
    commitments it gives or receives, with where they are written) beside its coverage."""
    if case.registry is None:
        return []
    rows = []
    for node in case.nodes:
        if node.programme is None or node.programme not in case.registry.programs:
            continue
        promised = [e for e in case.edges if node.id in (e.source, e.target)]
        rows.append({"node": node, "promised": promised, "p": case.registry.programs[node.programme]})
    return rows


def check_format(fmt: str, formats: Sequence[str] = FORMATS) -> None:
    """An error naming the format asked for when it is not one of `formats`. Its words are
    catalogued, so the command line and the API show them in their user's language."""
    if fmt not in formats:
        raise InputError(
            key="error.unknown_format",
            hint_key="error.unknown_format.hint",
            values={"format": fmt, "formats": ", ".join(formats)},
        )


def check_language(lang: str) -> Lang:
    """`lang` as the one language type, or an error naming it (worded in the default language
    wherever the language asked for is the unknown one)."""
    if lang not in LANGS:
        raise InputError(key="error.unknown_language", hint_key="cli.lang_hint", values={"lang": lang})
    return cast(Lang, lang)


def render(report: GapReport, fmt: str = "html", lang: str = "es") -> str:
    """The report as Markdown, a self-contained HTML page, or JSON (both languages)."""
    check_format(fmt)
    language = check_language(lang)
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    cases = []
    for c in report.cases:
        notes, gap_notes, figure_notes = _notes(c)
        firm = [(i, g) for i, g in enumerate(c.gaps) if g.known and g.basis != "illustrative"]
        by_severity = {s: [(i, g) for i, g in firm if g.severity == s] for s in ("high", "medium", "low")}
        cases.append(
            {
                "c": c,
                "by_severity": by_severity,
                "not_known": [
                    (i, g) for i, g in enumerate(c.gaps) if not g.known and g.basis != "illustrative"
                ],
                "illustrations": [(i, g) for i, g in enumerate(c.gaps) if g.basis == "illustrative"],
                "notes": notes,
                "gap_notes": gap_notes,
                "figure_notes": figure_notes,
                "linkage": _linkage(c),
                "graph": svg_graph(c, language) if fmt == "html" else None,
                "actor_label": {n.id: n.label for n in c.nodes},
                "side": _side_by_side(c),
            }
        )
    template = _env().get_template(f"gaps.{fmt}.j2")
    return template.render(
        report=report,
        cases=cases,
        lang=lang,
        t=words(language),
        kinds=KIND_LABELS,
        kind_names={kind: t(f"actor.kind.{kind}", language) for kind in get_args(ActorKind)},
        kind_colour=KIND_COLOUR,
        status_colour=STATUS_COLOUR,
        m=lambda key, **values: t(key, language, **values),
        rate=lambda part, whole: pct(part / whole) if whole else "—",
    )
