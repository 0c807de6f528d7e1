"""Coordination gaps: where a web of commitments breaks down, why, and what would fix it.

Two sources of checks, one result type (`Gap`):
- declarative checks, one per file in rules/gaps/*.yaml: a condition over the attributes of each
  commitment or actor (no code, no eval), so a committee can add one without writing Python;
- built-in checks for what needs the graph or arithmetic: expected linkages not realised (with the
  linkage rate), target-population mismatch (screening the linking programme's population with the
  eligibility engine), single points of failure, bilateral silos, vertical gaps in co-financing and
  budget inconsistencies.
`analyse(case)` runs every check on one case (or all) and returns a JSON-serialisable `GapReport`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import networkx as nx
from pydantic import BaseModel, Field, ValidationError

from engine import RULES_DIR
from engine.commitments import (
    ACTOR_FACTS,
    EVIDENCE_ORDER,
    Actor,
    Case,
    Commitment,
    Evidence,
    Level,
    build_graph,
    load_cases,
    population_path,
)
from engine.coverage import CoverageReport
from engine.errors import FileProblem, InputError, RuleFileError, UnknownProgrammeError, Words
from engine.messages import LANGS, Lang, t
from engine.schema import (
    AllOf,
    AnyOf,
    Citation,
    Compare,
    Condition,
    Members,
    NotOf,
    SourceDoc,
    Strict,
    Text,
    walk,
)
from engine.yamlfile import read_data, validation_problems

GAP_RULES_DIR = RULES_DIR / "gaps"

Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}

GapKind = Literal[
    "declarative_only",
    "linkage_not_realised",
    "target_mismatch",
    "weak_coordinating_body",
    "single_point_of_failure",
    "silos",
    "vertical_gap",
    "budget_inconsistency",
    "missing_plan",
    "binding_not_honoured",
    "budget_asymmetry",
    "no_vertical_coordination",
    "early_closure",
    "informal_coordination",
    "participation_not_formalised",
    "targeting_not_guaranteed",
    "uneven_coverage",
    "under_resourced_operation",
    "politicisation",
    "weak_local_capacity",
    "delayed_programme",
    "weak_governance",
    "target_group_not_reached",
    "bridge_not_built",
    # measured from a programme registry (`vincula gaps --registry DIR --padron FILE`)
    "inclusion_measured",
    "exclusion_measured",
    "forbidden_overlap",
    "unexplained_overlap",
    "linkage_measured",
]


def _both(key: str, **values: Any) -> Text:
    """A catalogue text (engine/messages.yaml) in both languages. A value that is itself a
    `Text` (a programme's name, a finding) fills each language with its own words."""
    return Text(
        **{
            lang: t(key, lang, **{k: v.get(lang) if isinstance(v, Text) else v for k, v in values.items()})
            for lang in LANGS
        }
    )


#: each kind's name for the reader, from the message catalogue (engine/messages.yaml)
KIND_LABELS: dict[str, Text] = {kind: _both(f"gap.kind.{kind}") for kind in get_args(GapKind)}


def money(x: float) -> str:
    return f"{x:,.0f}"


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


# --------------------------------------------------------------------------- results


class GapCitation(BaseModel):
    """A passage a finding rests on: shown as a numbered note under the finding."""

    title: str
    pinpoint: str
    quote: str | None = None
    translation: dict[str, str] | None = None
    evidence: Evidence = "documented"
    reasoning: Text | None = None


class Measurement(BaseModel):
    """What a measured finding was measured on: the population, the padrón and the date."""

    population: str
    groups: int = Field(description="groups screened (rejected ones left out)")
    padron: str
    padron_rows: int = Field(description="rows of the fiscal year measured")
    fiscal_year: int
    as_of: dt.date


class Gap(BaseModel):
    kind: GapKind
    check: str = Field(description="the check that found it: a rules/gaps file id or a built-in name")
    severity: Severity
    title: Text
    evidence: list[Text]
    remedy: Text
    actors: list[str] = []
    commitments: list[str] = []
    figures: dict[str, Any] = {}
    basis: Evidence = Field(
        default="documented",
        description="the weakest evidence among the facts it reads: an illustrative basis is shown "
        "apart and never counted in the severities",
    )
    known: bool = Field(default=True, description="false: the condition is not known for the actors")
    citations: list[GapCitation] = []
    measured: Measurement | None = Field(
        default=None, description="for a finding measured from a registry: the population and padrón"
    )


class ScreenRow(BaseModel):
    actor: str
    programme: str
    name: Text
    screened: int
    eligible: int
    not_eligible: int
    cannot_tell: int
    share_eligible: float
    top_blocking: str | None = None
    top_blocking_label: Text | None = None
    top_blocking_count: int = 0


class Screening(BaseModel):
    population: str
    as_of: dt.date | None
    groups: int
    rows: list[ScreenRow]
    eligible_none: int
    eligible_multiple: int
    share_none: float
    share_multiple: float
    not_screened: list[str] = Field(default=[], description="partner actor ids with no rule file")
    note: Text | None = None


class GraphNode(BaseModel):
    id: str
    label: str
    name: str
    kind: str
    programme: str | None = Field(default=None, description="its rule file's slug, if it has one")
    coordinating: bool
    illustrative: bool
    in_gap: bool = False


class GraphEdge(BaseModel):
    id: str
    source: str
    target: str
    kind: str
    instrument: str | None
    status: str
    declarative: bool | None
    linkage: bool
    amount: float | None = None
    currency: str | None = None
    label: Text
    citation: GapCitation | None = Field(default=None, description="where the commitment is written")


class Figure(BaseModel):
    label: Text
    value: float | int | str
    illustrative: bool = False
    citation: GapCitation | None = None


class Table(BaseModel):
    id: str
    label: Text
    columns: list[str]
    rows: list[list[float | int | str]]
    totals: list[float | int | str]
    citation: GapCitation | None = None
    note: Text | None = None


class CaseReport(BaseModel):
    id: str
    title: Text
    summary: Text
    country: str
    period: str
    as_of: dt.date
    sources: list[Text] = Field(description="the case's documents as a reader finds them")
    figures: list[Figure]
    tables: list[Table] = []
    counts: dict[str, int]
    gaps: list[Gap]
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    screening: Screening | None = None
    registry: CoverageReport | None = Field(
        default=None, description="coverage measured from a registry (`--registry`), beside the commitments"
    )
    registry_note: Text | None = Field(default=None, description="why the registry measured nothing here")


class GapReport(BaseModel):
    cases: list[CaseReport]
    checks: list[str] = Field(description="the checks that ran")


# --------------------------------------------------------------------------- declarative checks


class GapCheck(Strict):
    """One declarative check (a file in rules/gaps/): a condition in the rules' own condition
    language (engine/schema.py), read three-valued over the fields of each actor or commitment."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: GapKind
    severity: Severity
    over: Literal["commitments", "actors"]
    where: Condition
    labels: dict[str, Text] = Field(
        default={}, description="field -> words naming it in {matched} when it is why a record matched"
    )
    report: Literal["together", "each"] = Field(
        default="together", description="one gap listing every match, or one gap per match"
    )
    escalate_at: float | None = Field(
        default=None, gt=0, le=1, description="share of records matching at which severity rises"
    )
    escalated: Severity = "high"
    title: Text
    evidence: Text = Field(description="placeholders: {count} {total} {share} {items} {name} {id} {matched}")
    remedy: Text
    description: Text | None = None


#: the fields a check may read, per kind of record (derived from the commitment models)
_COMMITMENT_EXTRA = ("declarative",)


def check_fields(over: str) -> list[str]:
    """Every field path a check over `over` may compare."""
    actor_fields = [f for f in Actor.model_fields if f not in ("facts", "note", "source")]
    actor_fields += [f"facts.{name}" for name in ACTOR_FACTS]
    if over == "actors":
        return actor_fields
    fields = [Commitment.model_fields[f].alias or f for f in Commitment.model_fields]
    fields = [f for f in fields if f not in ("description", "note", "source")] + list(_COMMITMENT_EXTRA)
    fields += [f"{side}.{f}" for side in ("from_actor", "to_actor") for f in actor_fields]
    return fields


def _validate_fields(check: GapCheck, path: Path, node: Any) -> None:
    known = check_fields(check.over)
    problems: list[tuple[str, Words]] = []  # (the check's field, what is wrong there)
    for leaf in (n for n in walk(check.where) if isinstance(n, Compare)):
        if leaf.param is not None:
            problems.append(("where", Words("gapcheck.param", {"field": leaf.fact})))
        if leaf.fact not in known:
            close = difflib.get_close_matches(leaf.fact, known, n=3)
            values = {"field": leaf.fact, "over": check.over, "close": ", ".join(close)}
            key = "gapcheck.unknown_field_close" if close else "gapcheck.unknown_field"
            problems.append(("where", Words(key, values)))
    if any(isinstance(n, Members) for n in walk(check.where)):
        problems.append(("where", Words("gapcheck.members")))
    for field in check.labels:
        if field not in known:
            problems.append(("labels", Words("gapcheck.unknown_field", {"field": field, "over": check.over})))
    if problems:
        raise RuleFileError(
            problems=[FileProblem(f"{path}:{_line_of(node, at)}", at, words) for at, words in problems]
        )


def _line_of(node: Any, field: str) -> int:
    from engine.yamlfile import line_of

    return line_of(node, (field,)) or 1


def _field(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _compare(actual: Any, op: str, expected: Any) -> bool | None:
    """One comparison; None when the field is not known (never read as "no")."""
    if actual is None:
        return None
    if isinstance(actual, dt.date) and isinstance(expected, str):
        expected = dt.date.fromisoformat(expected)
    try:
        if op == "==":
            return bool(actual == expected)
        if op == "!=":
            return bool(actual != expected)
        if op == "in":
            return actual in expected
        if op == "not_in":
            return actual not in expected
        if op == "between":
            return bool(expected[0] <= actual <= expected[1])
        return bool(
            {
                "<": actual < expected,
                "<=": actual <= expected,
                ">": actual > expected,
                ">=": actual >= expected,
            }[op]
        )
    except TypeError:
        return None


def evaluate(cond: Condition, record: dict[str, Any]) -> tuple[bool | None, list[str]]:
    """Kleene three-valued truth of the condition on one record, and the fields of the leaves
    that were true (for {matched})."""
    if isinstance(cond, Compare):
        ok = _compare(_field(record, cond.fact), cond.op, cond.value)
        return ok, [cond.fact] if ok else []
    if isinstance(cond, NotOf):
        ok, _ = evaluate(cond.not_, record)
        return (None if ok is None else not ok), []
    if isinstance(cond, (AllOf, AnyOf)):
        parts = [evaluate(c, record) for c in (cond.all if isinstance(cond, AllOf) else cond.any)]
        values = [v for v, _ in parts]
        fields = [f for v, fs in parts if v for f in fs]
        if isinstance(cond, AllOf):
            result = False if False in values else None if None in values else True
        else:
            result = True if True in values else None if None in values else False
        return result, fields if result else []
    raise TypeError(type(cond).__name__)


def _read_facts(cond: Condition) -> list[str]:
    return [n.fact for n in walk(cond) if isinstance(n, Compare)]


def load_checks(directory: Path | None = None) -> list[GapCheck]:
    """Every declarative check of the directory (default rules/gaps/), in file-name order; a
    field that no record has is an error naming the file and line, with a suggestion."""
    directory = directory or GAP_RULES_DIR
    if not directory.is_dir():
        return []
    checks = []
    for path in sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml")):
        data, node = read_data(path, RuleFileError)
        try:
            check = GapCheck.model_validate(data)
        except ValidationError as exc:
            raise RuleFileError(problems=validation_problems(exc, path, data, node, GapCheck)) from None
        if check.id != path.stem:
            raise RuleFileError(
                problems=[FileProblem(f"{path}:1", "id", Words("gapcheck.id_mismatch", {"id": check.id}))],
                hint_key="gapcheck.id_mismatch.hint",
                values={"stem": path.stem},
            )
        _validate_fields(check, path, node)
        checks.append(check)
    return checks


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace `{name}` placeholders by plain values (no attribute access, no format spec)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


@dataclass
class _Record:
    id: str
    label: str
    fields: dict[str, Any]
    #: field path -> (evidence, citation) of what the record states
    basis: dict[str, tuple[Evidence, GapCitation | None]]


def _citation(
    case: Case, cite: Citation | None, evidence: str = "documented", reasoning: Text | None = None
) -> GapCitation | None:
    if cite is None and reasoning is None:
        return None
    doc = case.sources[cite.ref] if cite is not None else None
    return GapCitation(
        title=doc.title if doc else "",
        pinpoint=cite.pinpoint if cite else "",
        quote=cite.quote if cite else None,
        translation=cite.translation.model_dump(exclude_none=True) if cite and cite.translation else None,
        evidence=evidence,  # type: ignore[arg-type]
        reasoning=reasoning,
    )


def _actor_record(
    case: Case, a: Actor
) -> tuple[dict[str, Any], dict[str, tuple[Evidence, GapCitation | None]]]:
    fields = a.model_dump(exclude={"facts", "note", "source"})
    fields["facts"] = {k: f.value for k, f in a.facts.items()}
    own = (a.evidence, _citation(case, a.source, a.evidence, a.reasoning))
    basis = {k: own for k in fields if k != "facts"}
    for k, f in a.facts.items():
        basis[f"facts.{k}"] = (f.evidence, _citation(case, f.source, f.evidence, f.reasoning))
    return fields, basis


def _records(case: Case, over: str) -> list[_Record]:
    """Each commitment or actor as the checks see it, with the evidence of each field."""
    actors = {a.id: _actor_record(case, a) for a in case.actors}
    if over == "actors":
        return [_Record(a.id, a.label, *actors[a.id]) for a in case.actors]
    out = []
    for c in case.commitments:
        fields = c.model_dump(by_alias=True, exclude={"description", "note", "source"})
        fields.update(declarative=c.declarative)
        own = (c.evidence, _citation(case, c.source, c.evidence, c.reasoning))
        basis = {k: own for k in fields}
        for side, aid in (("from_actor", c.from_), ("to_actor", c.to)):
            afields, abasis = actors[aid]
            fields[side] = afields
            basis.update({f"{side}.{k}": v for k, v in abasis.items()})
        label = f"{case.actor(c.from_).label} → {case.actor(c.to).label}"
        out.append(_Record(c.id, label, fields, basis))
    return out


def weakest(levels: list[Evidence]) -> Evidence:
    return max(levels, key=lambda lv: EVIDENCE_ORDER[lv], default="documented")


def run_check(check: GapCheck, case: Case) -> list[Gap]:
    records = _records(case, check.over)
    read = _read_facts(check.where)
    hits: list[tuple[_Record, list[str], bool]] = []
    for rec in records:
        ok, fields = evaluate(check.where, rec.fields)
        if ok:
            hits.append((rec, fields, True))
        elif ok is None and any(_field(rec.fields, f) is not None for f in read if f.startswith("facts.")):
            # partly known: shown as "not known", never as a finding at full strength
            hits.append((rec, [], False))
    if not hits:
        return []

    def gap(items: list[tuple[_Record, list[str], bool]], known: bool) -> Gap:
        ids = [r.id for r, _, _ in items]
        actors: list[str] = []
        commitments: list[str] = []
        if check.over == "actors":
            actors = ids
        else:
            commitments = ids
            for i in ids:
                c = case.commitment(i)
                actors += [a for a in (c.from_, c.to) if a not in actors]
        # the facts the finding rests on: the fields its condition read that are known
        basis = [
            r.basis[f] for r, _, _ in items for f in read if f in r.basis and _field(r.fields, f) is not None
        ]
        citations = list({(c.title, c.pinpoint, c.quote): c for _, c in basis if c is not None}.values())
        values: dict[str, dict[str, Any]] = {}
        for lang in ("es", "en"):
            matched = list(
                dict.fromkeys(
                    check.labels[f].get(lang) if f in check.labels else f
                    for _, fs, _ in items
                    for f in fs
                    if f in check.labels
                )
            )
            values[lang] = {
                "count": len(items),
                "total": len(records),
                "share": pct(len(items) / len(records)),
                "items": "; ".join(r.label for r, _, _ in items),
                "name": items[0][0].label,
                "id": items[0][0].id,
                "matched": ", ".join(matched),
            }
        severity = check.severity
        if check.escalate_at is not None and len(items) / len(records) >= check.escalate_at:
            severity = check.escalated
        return Gap(
            kind=check.kind,
            check=check.id,
            severity=severity,
            title=Text(es=fill(check.title.es, values["es"]), en=fill(check.title.en, values["en"])),
            evidence=[
                Text(es=fill(check.evidence.es, values["es"]), en=fill(check.evidence.en, values["en"]))
            ],
            remedy=Text(es=fill(check.remedy.es, values["es"]), en=fill(check.remedy.en, values["en"])),
            actors=actors,
            commitments=commitments,
            figures={"count": len(items), "total": len(records)},
            basis=weakest([lv for lv, _ in basis]),
            known=known,
            citations=citations,
        )

    found = [h for h in hits if h[2]]
    unknown = [h for h in hits if not h[2]]
    out = [gap([h], True) for h in found] if check.report == "each" else ([gap(found, True)] if found else [])
    if unknown:
        out.append(gap(unknown, False))
    return out


# --------------------------------------------------------------------------- built-in checks


def _basis(
    case: Case, commitments: list[Commitment], actors: tuple[str, ...] | list[str] = ()
) -> tuple[Evidence, list[GapCitation]]:
    """The weakest evidence among these records, and their citations (each passage once)."""
    levels: list[Evidence] = []
    cites: dict[tuple[str, str, str | None], GapCitation] = {}
    for c in commitments:
        levels.append(c.evidence)
        if (gc := _citation(case, c.source, c.evidence, c.reasoning)) is not None:
            cites.setdefault((gc.title, gc.pinpoint, gc.quote), gc)
    for aid in actors:
        a = case.actor(aid)
        levels.append(a.evidence)
        if (gc := _citation(case, a.source, a.evidence, a.reasoning)) is not None:
            cites.setdefault((gc.title, gc.pinpoint, gc.quote), gc)
    return weakest(levels), list(cites.values())


def check_linkages(case: Case) -> list[Gap]:
    """Expected linkages (commitments marked `linkage: true`; a record may stand for several,
    `count`) that were not honoured."""
    links = [c for c in case.commitments if c.linkage]
    if not links:
        return []
    realised = sum(c.count for c in links if c.status == "honoured")
    withdrawn = sum(c.count for c in links if c.status == "withdrawn")
    expected = sum(c.count for c in links)
    still = expected - withdrawn
    if realised == expected:
        return []
    rate = realised / expected
    names = ", ".join(case.actor(c.from_).label for c in links if c.status == "honoured") or "—"
    linking = case.actor(case.linkage.linking).label if case.linkage else ""
    evidence = [
        _both("gap.linkage.realised", realised=realised, expected=expected, rate=pct(rate), names=names)
    ]
    if withdrawn:
        evidence.append(
            _both(
                "gap.linkage.withdrawn",
                withdrawn=withdrawn,
                still=still,
                realised=realised,
                rate=pct(realised / still),
            )
        )
    declarative = sum(c.count for c in links if c.declarative)
    if declarative:
        evidence.append(_both("gap.linkage.declarative", declarative=declarative, expected=expected))
    basis, citations = _basis(case, links)
    return [
        Gap(
            kind="linkage_not_realised",
            check="linkage-rate",
            severity="high" if rate < 0.5 else "medium",
            title=_both("gap.linkage.title", linking=linking, realised=realised, expected=expected),
            evidence=evidence,
            remedy=_both("gap.linkage.remedy"),
            actors=list(dict.fromkeys([c.from_ for c in links] + [c.to for c in links])),
            commitments=[c.id for c in links],
            figures={
                "expected": expected,
                "realised": realised,
                "rate": round(rate, 4),
                "withdrawn": withdrawn,
                "expected_after_withdrawals": still,
            },
            basis=basis,
            citations=citations,
        )
    ]


def _coordination_graph(case: Case) -> nx.Graph:
    """Who works with whom: every actor, and an undirected link per commitment that is not a
    money transfer (budget lines and disbursements say who pays, not who coordinates)."""
    g = nx.Graph()
    g.add_nodes_from(a.id for a in case.actors)
    g.add_edges_from((c.from_, c.to) for c in case.commitments if c.kind != "budget")
    return g


def check_single_points(case: Case) -> list[Gap]:
    """Actors whose failure would cut the linking programme off from its partners (or, without a
    linking programme, cut at least three actors off from the rest)."""
    gaps = []
    if case.linkage is not None:
        u = nx.Graph(build_graph(case).to_undirected())
        linking = case.linkage.linking
        partners = list(dict.fromkeys(c.from_ for c in case.commitments if c.linkage))
        between = nx.betweenness_centrality(u)
        for n in sorted(nx.articulation_points(u), key=lambda n: (-between[n], n)):
            if n == linking or case.actor(n).kind in ("beneficiary_group", "project"):
                continue  # a population or project is where support arrives, not a coordinator
            h = u.copy()
            h.remove_node(n)
            cut = [p for p in partners if p != n and not nx.has_path(h, linking, p)]
            if not cut:
                continue
            top = max(between, key=lambda k: between[k]) == n
            name, lk = case.actor(n).label, case.actor(linking).label
            reach = [p for p in partners if p not in cut and p != n]
            kept = ", ".join(case.actor(p).label for p in reach)
            evidence = [
                _both(
                    "gap.articulation.cut_keeps" if reach else "gap.articulation.cut",
                    name=name,
                    linking=lk,
                    cut=len(cut),
                    count=len(partners),
                    kept=kept,
                ),
                _both(
                    "gap.articulation.betweenness_highest" if top else "gap.articulation.betweenness",
                    name=name,
                    betweenness=between[n],
                ),
            ]
            gaps.append(
                Gap(
                    kind="single_point_of_failure",
                    check="articulation",
                    severity="high" if len(cut) * 2 >= len(partners) else "medium",
                    title=_both("gap.articulation.bridge.title", name=name, linking=lk),
                    evidence=evidence,
                    remedy=_both("gap.articulation.bridge.remedy", name=name, linking=lk),
                    actors=[n, linking] + cut,
                    figures={
                        "cut_off": len(cut),
                        "partners": len(partners),
                        "betweenness": round(between[n], 4),
                    },
                )
            )
        return gaps
    u = _coordination_graph(case)
    between = nx.betweenness_centrality(u)
    for n in sorted(nx.articulation_points(u), key=lambda n: (-between[n], n)):
        comp = nx.node_connected_component(u, n)
        h = u.subgraph(comp - {n})
        parts = sorted(nx.connected_components(h), key=len, reverse=True)
        n_cut = len(comp) - 1 - len(parts[0])
        if n_cut < 3:
            continue
        name = case.actor(n).label
        gaps.append(
            Gap(
                kind="single_point_of_failure",
                check="articulation",
                severity="medium",
                title=_both("gap.articulation.hub.title", name=name),
                evidence=[
                    _both(
                        "gap.articulation.hub.evidence",
                        name=name,
                        cut=n_cut,
                        connected=len(comp) - 1,
                        betweenness=between[n],
                    )
                ],
                remedy=_both("gap.articulation.hub.remedy", name=name),
                actors=[n] + sorted(set().union(*parts[1:])),
                figures={"cut_off": n_cut, "betweenness": round(between[n], 4)},
            )
        )
    return gaps


def check_silos(case: Case) -> list[Gap]:
    """Without the coordinating bodies, do actors fall into separate clusters that commit nothing
    to each other? Three or more such clusters is bilateral work, not a network."""
    u = _coordination_graph(case)
    coordinators = [a.id for a in case.actors if a.coordinating]
    u.remove_nodes_from(coordinators)
    clusters = sorted((sorted(c) for c in nx.connected_components(u) if len(c) >= 2), key=lambda c: c[0])
    if len(clusters) < 3:
        return []
    names = ["–".join(case.actor(a).label for a in c) for c in clusters]
    coord = ", ".join(case.actor(a).label for a in coordinators) or "—"
    return [
        Gap(
            kind="silos",
            check="silos",
            severity="medium",
            title=_both("gap.silos.title", count=len(clusters)),
            evidence=[
                _both(
                    "gap.silos.evidence", coordinators=coord, count=len(clusters), clusters="; ".join(names)
                )
            ],
            remedy=_both("gap.silos.remedy"),
            actors=[a for c in clusters for a in c],
            figures={"clusters": len(clusters)},
        )
    ]


def check_vertical(case: Case) -> list[Gap]:
    """Co-financed projects where a level is missing, put in nothing, or less than its share."""
    gaps = []
    for scheme in case.cofinancing:
        for project in scheme.projects:
            parts = [c for c in case.commitments if c.kind == "co_financing_share" and c.to == project]
            if not parts or any(c.amount is None for c in parts):
                continue  # amounts not known: nothing can be measured, and nothing is asserted
            promised_total = sum(c.amount or 0 for c in parts)
            by_level: dict[str, list[Commitment]] = {}
            for c in parts:
                level = case.actor(c.from_).level or "?"
                by_level.setdefault(level, []).append(c)
            pname = case.actor(project).label
            for level, share in scheme.shares.items():
                cs = by_level.get(level, [])
                delivered = sum(c.delivered_amount or 0 for c in cs)
                got = delivered / promised_total if promised_total else 0.0
                lv = LEVELS[level]
                title = "gap.cofinancing.missing.title"
                if not cs:
                    sev, finding = "high", _both("gap.cofinancing.no_commitment", level=lv)
                elif delivered == 0:
                    promised = money(sum(c.amount or 0 for c in cs))
                    sev, finding = (
                        "high",
                        _both("gap.cofinancing.nothing_delivered", level=lv, promised=promised),
                    )
                elif got < share - scheme.tolerance:
                    sev, title = "medium", "gap.cofinancing.short.title"
                    finding = _both(
                        "gap.cofinancing.short",
                        level=lv,
                        delivered=money(delivered),
                        got=pct(got),
                        share=pct(share),
                    )
                else:
                    continue
                gaps.append(
                    Gap(
                        kind="vertical_gap",
                        check="cofinancing",
                        severity=sev,  # type: ignore[arg-type]
                        title=_both(title, project=pname, level=lv),
                        evidence=[
                            _both(
                                "gap.cofinancing.evidence",
                                project=pname,
                                scheme=scheme.label,
                                finding=finding,
                            )
                        ],
                        remedy=_both("gap.cofinancing.remedy", level=lv),
                        actors=[project] + [c.from_ for c in cs],
                        commitments=[c.id for c in cs],
                        figures={
                            "level": level,
                            "expected_share": share,
                            "delivered_share": round(got, 4),
                            "delivered": delivered,
                        },
                    )
                )
            if scheme.ceiling is not None:
                fed = sum(c.amount or 0 for c in by_level.get("federal", []))
                if fed > scheme.ceiling:
                    gaps.append(
                        Gap(
                            kind="vertical_gap",
                            check="cofinancing",
                            severity="medium",
                            title=_both("gap.cofinancing.ceiling.title", project=pname),
                            evidence=[
                                _both(
                                    "gap.cofinancing.ceiling.evidence",
                                    federal=money(fed),
                                    ceiling=money(scheme.ceiling),
                                    currency=scheme.currency or "",
                                )
                            ],
                            remedy=_both("gap.cofinancing.ceiling.remedy"),
                            actors=[project],
                            commitments=[c.id for c in by_level.get("federal", [])],
                            figures={"federal": fed, "ceiling": scheme.ceiling},
                        )
                    )
    return gaps


#: a government level as a finding names it (engine/messages.yaml `gap.level.*`)
LEVELS: dict[str, Text] = {level: _both(f"gap.level.{level}") for level in get_args(Level)}


def check_budgets(case: Case) -> list[Gap]:
    """Budget lines that do not add up to the stated total; disbursements behind schedule."""
    gaps = []
    for b in case.budgets:
        lines = [case.commitment(i) for i in b.lines]
        if lines:
            total = sum(c.amount or 0 for c in lines)
            diff = b.stated_total - total
            if abs(diff) >= 0.5:
                parts = " + ".join(money(c.amount or 0) for c in lines)
                gaps.append(
                    Gap(
                        kind="budget_inconsistency",
                        check="budget-sum",
                        severity="high" if abs(diff) > 0.05 * b.stated_total else "medium",
                        title=_both("gap.budget.sum.title", difference=money(diff)),
                        evidence=[
                            _both(
                                "gap.budget.sum.short" if diff > 0 else "gap.budget.sum.over",
                                lines=parts,
                                total=money(total),
                                currency=b.currency,
                                stated=money(b.stated_total),
                                difference=money(abs(diff)),
                            )
                        ],
                        remedy=_both("gap.budget.sum.remedy"),
                        actors=list(dict.fromkeys([c.from_ for c in lines] + [c.to for c in lines])),
                        commitments=[c.id for c in lines],
                        figures={"lines_total": total, "stated_total": b.stated_total, "difference": diff},
                        basis=_basis(case, lines)[0],
                        citations=[
                            *_basis(case, lines)[1],
                            *([gc] if (gc := _citation(case, b.source)) else []),
                        ],
                    )
                )
        ds = [case.commitment(i) for i in b.disbursements]
        paid = sum(c.delivered_amount or 0 for c in ds)
        late = [
            c for c in ds if c.status in ("planned", "partial") and c.due is not None and c.due < case.as_of
        ]
        undated = [c for c in ds if c.status in ("planned", "partial") and c.due is None and c.amount is None]
        if undated and not late:
            done = " + ".join(money(c.delivered_amount or 0) for c in ds if c.delivered_amount)
            basis, citations = _basis(case, ds)
            gaps.append(
                Gap(
                    kind="budget_inconsistency",
                    check="disbursement-schedule",
                    severity="medium",
                    title=_both("gap.budget.pending_title", pending=len(undated), count=len(ds)),
                    evidence=[
                        _both(
                            "gap.budget.pending_undated",
                            done=done,
                            paid=money(paid),
                            currency=b.currency,
                            share=pct(paid / b.stated_total),
                            total=money(b.stated_total),
                            pending=len(undated),
                            missing=money(b.stated_total - paid),
                        )
                    ],
                    remedy=_both("gap.budget.pending_remedy"),
                    actors=list(dict.fromkeys([c.from_ for c in ds] + [c.to for c in ds])),
                    commitments=[c.id for c in undated],
                    figures={"disbursed": paid, "stated_total": b.stated_total, "pending": len(undated)},
                    basis=basis,
                    citations=citations,
                )
            )
        if late:
            done = " + ".join(money(c.delivered_amount or 0) for c in ds if c.delivered_amount)
            due = ", ".join(str(c.due) for c in late)
            gaps.append(
                Gap(
                    kind="budget_inconsistency",
                    check="disbursement-schedule",
                    severity="high",
                    title=_both("gap.budget.late.title", count=len(late), disbursements=len(ds)),
                    evidence=[
                        _both(
                            "gap.budget.late.evidence",
                            count=len(late),
                            done=done,
                            paid=money(paid),
                            currency=b.currency,
                            share=pct(paid / b.stated_total),
                            late=Text(
                                **{lang: ", ".join(c.description.get(lang) for c in late) for lang in LANGS}
                            ),
                            due=due,
                            day=case.as_of,
                            missing=money(b.stated_total - paid),
                        )
                    ],
                    remedy=_both("gap.budget.late.remedy"),
                    actors=list(dict.fromkeys([c.from_ for c in ds] + [c.to for c in ds])),
                    commitments=[c.id for c in late],
                    figures={"disbursed": paid, "stated_total": b.stated_total, "pending": len(late)},
                )
            )
    return gaps


def screen_population(case: Case, rules_dir: Path | None = None) -> Screening | None:
    """Screen the linking programme's population for each partner that has a rule file."""
    path = population_path(case)
    if path is None or case.linkage is None:
        return None
    from engine.eligibility import EligibilityEngine
    from engine.groups import load_groups
    from engine.rules import load_rules

    rules = load_rules(rules_dir)
    partners = list(dict.fromkeys(c.from_ for c in case.commitments if c.linkage))
    screened, missing = [], []
    for pid in partners:
        slug = case.actor(pid).programme
        if slug is None:
            missing.append(pid)
            continue
        try:
            rules.get(slug)
        except UnknownProgrammeError:
            missing.append(pid)
            continue
        screened.append((pid, slug))
    groups = load_groups(path)
    engine = EligibilityEngine(rules)
    slugs = [s for _, s in screened]
    tallies: dict[str, Counter[str]] = {s: Counter() for s in slugs}
    blocking: dict[str, Counter[str]] = {s: Counter() for s in slugs}
    none = multiple = 0
    for g in groups:
        result = engine.check(g, case.linkage.as_of, "es", slugs) if slugs else None
        n_elig = 0
        for d in result.determinations if result else []:
            tallies[d.program][d.status] += 1
            blocking[d.program].update(d.failed)
            n_elig += d.eligible is True
        none += n_elig == 0
        multiple += n_elig > 1
    rows = []
    for pid, slug in screened:
        prog = rules.get(slug)
        t = tallies[slug]
        top = blocking[slug].most_common(1)
        crit = prog.criterion(top[0][0]) if top else None
        rows.append(
            ScreenRow(
                actor=pid,
                programme=slug,
                name=prog.name,
                screened=len(groups),
                eligible=t["eligible"],
                not_eligible=t["not_eligible"],
                cannot_tell=t["cannot_tell"],
                share_eligible=round(t["eligible"] / len(groups), 4) if groups else 0.0,
                top_blocking=crit.id if crit else None,
                top_blocking_label=crit.label if crit else None,
                top_blocking_count=top[0][1] if top else 0,
            )
        )
    n = len(groups) or 1
    return Screening(
        population=str(case.linkage.population),
        as_of=case.linkage.as_of,
        groups=len(groups),
        rows=rows,
        eligible_none=none,
        eligible_multiple=multiple,
        share_none=round(none / n, 4),
        share_multiple=round(multiple / n, 4),
        not_screened=missing,
        note=case.linkage.population_note,
    )


def check_mismatch(case: Case, screening: Screening | None) -> list[Gap]:
    """A gap when more than a tenth of the population fits no partner, or a partner fits fewer
    than half of it."""
    if screening is None or not screening.rows:
        return []
    if screening.share_none <= 0.1 and all(r.share_eligible >= 0.5 for r in screening.rows):
        return []
    lk = case.actor(case.linkage.linking).label if case.linkage else ""
    evidence = []
    for r in screening.rows:
        # one sentence of clauses: the partner's figures, then what blocks and what cannot be told
        clauses = [
            _both(
                "gap.screen.partner",
                name=r.name,
                eligible=r.eligible,
                screened=r.screened,
                share=pct(r.share_eligible),
            )
        ]
        if r.top_blocking_label:
            clauses.append(
                _both("gap.screen.partner.blocking", label=r.top_blocking_label, count=r.top_blocking_count)
            )
        if r.cannot_tell:
            clauses.append(_both("gap.screen.partner.cannot_tell", count=r.cannot_tell))
        evidence.append(Text(**{lang: "".join(c.get(lang) for c in clauses) + "." for lang in LANGS}))
    evidence.append(
        _both(
            "gap.screen.fit",
            none=screening.eligible_none,
            groups=screening.groups,
            share_none=pct(screening.share_none),
            multiple=screening.eligible_multiple,
            share_multiple=pct(screening.share_multiple),
        )
    )
    if case.linkage is not None and case.linkage.population_evidence == "illustrative":
        evidence.insert(0, _both("gap.screen.illustrative", groups=screening.groups))
    if screening.not_screened:
        evidence.append(_both("gap.screen.not_screened", count=len(screening.not_screened)))
    worst = min(r.share_eligible for r in screening.rows)
    severity = (
        "high"
        if screening.share_none >= 0.5
        else "medium"
        if screening.share_none >= 0.2 or worst < 0.25
        else "low"
    )
    return [
        Gap(
            kind="target_mismatch",
            check="population-screen",
            severity=severity,  # type: ignore[arg-type]
            title=_both(
                "gap.screen.title", linking=lk, share=pct(screening.share_none), groups=screening.groups
            ),
            evidence=evidence,
            remedy=_both("gap.screen.remedy"),
            actors=[case.linkage.linking] + [r.actor for r in screening.rows] if case.linkage else [],
            figures={
                "share_none": screening.share_none,
                "share_multiple": screening.share_multiple,
                **{f"share_{r.programme}": r.share_eligible for r in screening.rows},
            },
            basis=case.linkage.population_evidence if case.linkage else "illustrative",
            citations=[
                GapCitation(
                    title=str(case.linkage.population if case.linkage else ""),
                    pinpoint="",
                    evidence=case.linkage.population_evidence if case.linkage else "illustrative",
                    reasoning=case.linkage.population_note if case.linkage else None,
                )
            ],
        )
    ]


# --------------------------------------------------------------------------- measured from a registry

#: severity of a measured finding by its rate: this project's thresholds, not a source's (the
#: report says so beside them). Inclusion: share of served groups that the rules exclude;
#: exclusion: share of eligible groups not served; linkage: share of PROSPERA members reached.
INCLUSION_SEVERITY: tuple[tuple[float, Severity], ...] = ((0.10, "high"), (0.02, "medium"))
EXCLUSION_SEVERITY: tuple[tuple[float, Severity], ...] = ((0.50, "high"), (0.20, "medium"))
LINKAGE_HIGH_BELOW = 0.50


def _by_rate(rate: float, bands: tuple[tuple[float, Severity], ...]) -> Severity:
    return next((sev for floor, sev in bands if rate >= floor), "low")


def _registry_gap(
    which: Literal["inclusion", "exclusion"],
    bands: tuple[tuple[float, Severity], ...],
    rate: float,
    count: int,
    *,
    name: Text | str,
    year: int,
    actor: str,
    evidence: list[Text],
    figures: dict[str, Any],
    measured: Measurement,
    citations: list[GapCitation] | None = None,
) -> Gap:
    """A gap measured from a registry (`which`: groups served that are not eligible, or eligible
    groups not served): `count` groups, `rate` of the programme's, severity by `bands`."""
    kind: GapKind = "inclusion_measured" if which == "inclusion" else "exclusion_measured"
    return Gap(
        kind=kind,
        check=f"registry-{which}",
        severity=_by_rate(rate, bands),
        title=_both(f"gap.registry.{which}.title", name=name, count=count, year=year, rate=pct(rate)),
        evidence=evidence,
        remedy=_both(f"gap.registry.{which}.remedy"),
        actors=[actor],
        figures=figures,
        citations=citations or [],
        measured=measured,
    )


def _registry_actors(case: Case, cov: CoverageReport) -> dict[str, str]:
    """slug -> actor id of the case's programmes that the registry measured."""
    return {a.programme: a.id for a in case.actors if a.programme and a.programme in cov.programs}


def measurement(cov: CoverageReport) -> Measurement:
    return Measurement(
        population=cov.population.path,
        groups=cov.population.groups,
        padron=cov.padron.path,
        padron_rows=cov.padron.rows_measured,
        fiscal_year=cov.fiscal_year,
        as_of=cov.as_of,
    )


def _criterion_citation(rules: Any, slug: str, cid: str) -> GapCitation:
    programme = rules.get(slug)
    source = programme.criterion(cid).source
    doc = programme.sources[source.ref]
    return GapCitation(title=doc.title, pinpoint=source.pinpoint, quote=source.quote)


def check_registry(case: Case, cov: CoverageReport, rules: Any) -> list[Gap]:
    """Measured findings for the case's programmes that the registry measured: inclusion (served
    though the rules exclude them, by blocking criterion, citing each criterion's source),
    exclusion (eligible, not served), overlap the rules forbid or do not explain (citing what
    the rule files say), and the linkage rate of the case's linking programme, each with its
    figures and what it was measured on."""
    actors = _registry_actors(case, cov)
    measured = measurement(cov)
    year = cov.fiscal_year
    gaps: list[Gap] = []
    for slug, actor in actors.items():
        p = cov.programs[slug]
        name = p.name
        if p.not_eligible_served:
            rate = p.not_eligible_served / p.served if p.served else 0.0
            evidence = [
                _both(
                    "gap.registry.inclusion.criterion", criterion=c.criterion, label=c.label, count=c.groups
                )
                for c in p.inclusion_by_criterion
            ]
            if p.cannot_tell_served:
                evidence.append(_both("gap.registry.cannot_tell", count=p.cannot_tell_served))
            gaps.append(
                _registry_gap(
                    "inclusion",
                    INCLUSION_SEVERITY,
                    rate,
                    p.not_eligible_served,
                    name=name,
                    year=year,
                    actor=actor,
                    evidence=evidence,
                    figures={
                        "served": p.served,
                        "not_eligible_served": p.not_eligible_served,
                        "cannot_tell_served": p.cannot_tell_served,
                        "inclusion_rate": round(rate, 4),
                        "by_criterion": {c.criterion: c.groups for c in p.inclusion_by_criterion},
                    },
                    measured=measured,
                    citations=[
                        _criterion_citation(rules, slug, c.criterion) for c in p.inclusion_by_criterion
                    ],
                )
            )
        eligible = p.eligible_served + p.eligible_not_served
        if p.eligible_not_served:
            rate = p.eligible_not_served / eligible
            gaps.append(
                _registry_gap(
                    "exclusion",
                    EXCLUSION_SEVERITY,
                    rate,
                    p.eligible_not_served,
                    name=name,
                    year=year,
                    actor=actor,
                    evidence=[
                        _both("gap.registry.exclusion.evidence", served=p.eligible_served, eligible=eligible)
                    ],
                    figures={
                        "eligible_served": p.eligible_served,
                        "eligible_not_served": p.eligible_not_served,
                        "exclusion_rate": round(rate, 4),
                    },
                    measured=measured,
                )
            )
    for pair in cov.overlap.pairs:
        a, b = pair.programs
        if pair.concurrency == "allowed" or not pair.persons or not (a in actors or b in actors):
            continue
        forbidden = pair.concurrency == "forbidden"
        names = {x: cov.programs[x].name for x in (a, b)}
        counted = {
            "people": _both("report.count.people", count=pair.persons),
            "groups": _both("report.count.groups", count=pair.groups),
        }
        evidence = [_both("gap.registry.overlap.evidence", **counted)]
        if not forbidden:
            evidence.append(_both("gap.registry.overlap.silent"))
        evidence += [n.note for n in pair.evidence if n.note is not None]
        key = "forbidden" if forbidden else "unknown"
        gaps.append(
            Gap(
                kind="forbidden_overlap" if forbidden else "unexplained_overlap",
                check="registry-overlap",
                severity="high" if forbidden else "medium",
                title=_both(
                    f"gap.registry.overlap.{key}.title",
                    a=names[a],
                    b=names[b],
                    persons=pair.persons,
                    year=year,
                ),
                evidence=evidence,
                remedy=_both(f"gap.registry.overlap.{key}.remedy"),
                actors=[actors[x] for x in (a, b) if x in actors],
                figures={
                    "programs": [a, b],
                    "persons": pair.persons,
                    "groups": pair.groups,
                    "concurrency": pair.concurrency,
                },
                citations=[
                    GapCitation(title=n.source.title, pinpoint=n.source.pinpoint, quote=n.source.quote)
                    for n in pair.evidence
                    if n.source is not None
                ],
                measured=measured,
            )
        )
    link = cov.linkage
    if case.linkage is not None and link is not None and link.rate is not None and actors:
        linking = case.actor(case.linkage.linking).label
        reached = [
            _both(
                "gap.registry.linkage.per_programme",
                name=cov.programs[s].name,
                count=cov.programs[s].prospera_persons_served,
            )
            for s in actors
        ]
        values = dict(served=link.prospera_persons_served, total=link.prospera_persons, rate=pct(link.rate))
        gaps.append(
            Gap(
                kind="linkage_measured",
                check="registry-linkage",
                severity="high" if link.rate < LINKAGE_HIGH_BELOW else "medium",
                title=_both("gap.registry.linkage.title", linking=linking, year=year, **values),
                evidence=[
                    _both("gap.registry.linkage.evidence", programs=", ".join(cov.programs), **values),
                    *reached,
                ],
                remedy=_both("gap.linkage.remedy"),
                actors=[case.linkage.linking, *actors.values()],
                figures={
                    "prospera_persons": link.prospera_persons,
                    "prospera_persons_served": link.prospera_persons_served,
                    "rate": link.rate,
                    "by_programme": {s: cov.programs[s].prospera_persons_served for s in actors},
                },
                measured=measured,
            )
        )
    return gaps


BUILTIN_CHECKS = [
    "linkage-rate",
    "population-screen",
    "articulation",
    "silos",
    "cofinancing",
    "budget-sum",
    "disbursement-schedule",
]


# --------------------------------------------------------------------------- the analysis


def analyse_case(
    case: Case,
    checks: list[GapCheck] | None = None,
    rules_dir: Path | None = None,
    include_illustrative: bool = False,
    registry: CoverageReport | None = None,
    registry_note: Text | None = None,
) -> CaseReport:
    """Every check on one case. A gap that rests on an illustrative fact is left out unless
    `include_illustrative`, and then kept apart (`basis: illustrative`), never in the counts.
    `registry` (coverage measured from a padrón) adds the measured findings."""
    checks = load_checks() if checks is None else checks
    screening = screen_population(case, rules_dir)
    gaps: list[Gap] = []
    for check in checks:
        gaps += run_check(check, case)
    gaps += check_linkages(case)
    gaps += check_mismatch(case, screening)
    gaps += check_single_points(case)
    gaps += check_silos(case)
    gaps += check_vertical(case)
    gaps += check_budgets(case)
    if registry is not None:
        from engine.rules import load_rules

        gaps += check_registry(case, registry, load_rules(rules_dir))
    for g in gaps:
        if not g.citations and g.measured is None:  # a measured finding rests on its measurement
            records = [case.commitment(c) for c in g.commitments]
            g.basis, g.citations = _basis(case, records, g.actors if not records else [])
    if not include_illustrative:
        gaps = [g for g in gaps if g.basis != "illustrative"]
    # stable order: by severity, then as the checks ran (no set or dict order leaks into it)
    gaps.sort(key=lambda g: (g.basis == "illustrative", not g.known, SEVERITY_ORDER[g.severity]))
    # the actor a structural gap is about (its first actor): ringed in the graph
    in_gap = {
        g.actors[0]
        for g in gaps
        if g.known
        and g.basis != "illustrative"
        and g.kind in ("single_point_of_failure", "weak_coordinating_body", "vertical_gap")
        and g.actors
    }
    nodes = [
        GraphNode(
            id=a.id,
            label=a.label,
            name=a.name,
            kind=a.kind,
            programme=a.programme,
            coordinating=a.coordinating,
            illustrative=a.illustrative,
            in_gap=a.id in in_gap,
        )
        for a in case.actors
    ]
    edges = [
        GraphEdge(
            id=c.id,
            source=c.from_,
            target=c.to,
            kind=c.kind,
            instrument=c.instrument,
            status=c.status,
            declarative=c.declarative,
            linkage=c.linkage,
            amount=c.amount,
            currency=c.currency,
            label=c.description,
            citation=_citation(case, c.source, c.evidence, c.reasoning),
        )
        for c in case.commitments
    ]
    counts = {
        "actors": len(case.actors),
        "commitments": len(case.commitments),
        "declarative": sum(c.declarative is True for c in case.commitments),
        "broken": sum(c.status in ("broken", "withdrawn") for c in case.commitments),
        "gaps": sum(g.known and g.basis != "illustrative" for g in gaps),
        "high": sum(g.severity == "high" and g.known and g.basis != "illustrative" for g in gaps),
        "medium": sum(g.severity == "medium" and g.known and g.basis != "illustrative" for g in gaps),
        "low": sum(g.severity == "low" and g.known and g.basis != "illustrative" for g in gaps),
        "not_known": sum(not g.known and g.basis != "illustrative" for g in gaps),
        "illustrative": sum(g.basis == "illustrative" for g in gaps),
    }
    return CaseReport(
        id=case.id,
        title=case.title,
        summary=case.summary,
        country=case.country,
        period=case.period,
        as_of=case.as_of,
        sources=[Text(es=_source_line(d, "es"), en=_source_line(d, "en")) for d in case.sources.values()],
        figures=[
            Figure(
                label=f.label,
                value=f.value,
                illustrative=f.illustrative,
                citation=_citation(case, f.source, f.evidence, f.reasoning),
            )
            for f in case.figures
        ],
        tables=[
            Table(
                id=tb.id,
                label=tb.label,
                columns=tb.columns,
                rows=tb.rows,
                totals=_totals(tb.rows),
                citation=_citation(case, tb.source),
                note=tb.note,
            )
            for tb in case.tables
        ],
        counts=counts,
        gaps=gaps,
        nodes=nodes,
        edges=edges,
        screening=screening,
        registry=registry if registry is not None and _registry_actors(case, registry) else None,
        registry_note=registry_note,
    )


def _source_line(doc: SourceDoc, lang: Lang) -> str:
    """A document as a reader finds it: title, author or publisher, date, and where it is cited."""
    parts = [doc.title, doc.author or "", doc.publisher or "", doc.date or doc.date_note or ""]
    line = ". ".join(p.rstrip(".") for p in parts if p)
    if doc.cited_in is not None:
        line += " " + t("gap.source.cited_in", lang, ref=doc.cited_in.ref, pinpoint=doc.cited_in.pinpoint)
    return line


def _totals(rows: list[list[float | int | str]]) -> list[float | int | str]:
    """Column totals of a data table (numeric columns; others left blank)."""
    if not rows:
        return []
    out: list[float | int | str] = []
    for i in range(len(rows[0])):
        col = [r[i] for r in rows]
        out.append(sum(col) if all(isinstance(v, (int, float)) for v in col) else "")  # type: ignore[arg-type]
    return out


def analyse(
    case: str | None = None,
    commitments_dir: Path | None = None,
    checks_dir: Path | None = None,
    rules_dir: Path | None = None,
    include_illustrative: bool = False,
    registry: Path | None = None,
    padron: Path | None = None,
    as_of: dt.date | None = None,
) -> GapReport:
    """The gap report for one named case (file stem in fixtures/commitments/) or for all of them.
    With a `registry` population and its `padron`, each case's programmes are also measured
    (engine/coverage.py) on `as_of`, by default the date the case screens its linking
    programme's population on (else the case's own date), and the findings added."""
    checks = load_checks(checks_dir)
    cases = load_cases(case, commitments_dir)
    measured: dict[str, tuple[CoverageReport | None, Text | None]] = {}
    if registry is not None:
        if padron is None:
            raise InputError(
                "--registry needs --padron", hint="give the padrón: --padron FILE (CSV or Parquet)"
            )
        measured = _measure_cases(cases, registry, padron, rules_dir, as_of)
    return GapReport(
        cases=[
            analyse_case(c, checks, rules_dir, include_illustrative, *measured.get(c.id, (None, None)))
            for c in cases
        ],
        checks=[c.id for c in checks] + BUILTIN_CHECKS + (REGISTRY_CHECKS if registry is not None else []),
    )


REGISTRY_CHECKS = ["registry-inclusion", "registry-exclusion", "registry-overlap", "registry-linkage"]


def _measure_cases(
    cases: list[Case], registry: Path, padron: Path, rules_dir: Path | None, as_of: dt.date | None
) -> dict[str, tuple[CoverageReport | None, Text | None]]:
    """Each case's coverage (measured once per date), or why there is none: a bad file is an
    error before any work; a fiscal year the padrón has no row of is a note on the case, unless
    no case could be measured at all."""
    from engine.coverage import measure, require_person_id
    from engine.padron import Padron
    from engine.population import Population
    from engine.rules import load_rules

    require_person_id(Population.find(registry))
    Padron.open(padron).read()  # a ragged or unreadable padrón fails here, not once per case
    rules = load_rules(rules_dir)
    by_day: dict[dt.date, CoverageReport | InputError] = {}
    out: dict[str, tuple[CoverageReport | None, Text | None]] = {}
    for c in cases:
        day = as_of or (c.linkage.as_of if c.linkage is not None and c.linkage.as_of else c.as_of)
        if day not in by_day:
            try:
                by_day[day] = measure(registry, padron, rules, day, linkage=True)
            except InputError as exc:
                by_day[day] = exc
        got = by_day[day]
        if isinstance(got, InputError):
            out[c.id] = (None, _both("gap.registry.not_measured", day=day, why=got.message))
        elif not _registry_actors(c, got):
            out[c.id] = (got, _both("gap.registry.no_programme", programs=", ".join(got.programs) or "—"))
        else:
            out[c.id] = (got, None)
    if all(isinstance(v, InputError) for v in by_day.values()):
        raise next(v for v in by_day.values() if isinstance(v, InputError))
    return out
