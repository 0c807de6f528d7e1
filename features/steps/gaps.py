"""Steps about the coordination-gap report (Dado / Cuando / Entonces, Given / When / Then).

A scenario names a case from fixtures/commitments/, may check that a commitment exists or
imagine it with another status ("what if the municipality had paid?"), produces the report with
the rules the features run against, and checks which gaps it contains and about whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pytest_bdd import given, parsers, then, when

from features.steps.world import StepError, World, choose, fold, rules_dir

COMMITMENT_STATUS = {
    "planeado": "planned",
    "planned": "planned",
    "cumplido": "honoured",
    "honoured": "honoured",
    "honored": "honoured",
    "parcial": "partial",
    "parcialmente cumplido": "partial",
    "partial": "partial",
    "incumplido": "broken",
    "broken": "broken",
    "retirado": "withdrawn",
    "withdrawn": "withdrawn",
}
SEVERITY = {
    "alta": "high",
    "high": "high",
    "media": "medium",
    "medium": "medium",
    "baja": "low",
    "low": "low",
}


@dataclass
class GapWorld:
    case: Any = None
    report: Any = None
    changed: list[str] = field(default_factory=list)


def _gap_world(world: World) -> GapWorld:
    if not hasattr(world, "gaps"):
        world.gaps = GapWorld()  # type: ignore[attr-defined]
    return world.gaps  # type: ignore[attr-defined,no-any-return]


def _case(world: World) -> Any:
    gw = _gap_world(world)
    if gw.case is None:
        raise StepError(
            'primero di qué caso («Dado el caso de coordinación "steia"») / first name '
            'the case («Given the coordination case "steia"»)'
        )
    return gw.case


def _actor(case: Any, text: str) -> str:
    key = fold(text)
    for a in case.actors:
        if key in (a.id, fold(a.name), fold(a.short or "")):
            return str(a.id)
    hits = [a for a in case.actors if key in fold(a.name)]
    if len(hits) == 1:
        return str(hits[0].id)
    raise StepError(
        f"el caso {case.id} no tiene el actor «{text}» / has no actor «{text}»; actors: "
        + ", ".join(a.id for a in case.actors)
    )


def _kind(text: str) -> str:
    from engine.gaps import KIND_LABELS

    table = {k: k for k in KIND_LABELS}
    table.update({fold(v.es): k for k, v in KIND_LABELS.items()})
    table.update({fold(v.en): k for k, v in KIND_LABELS.items()})
    return str(choose("tipo de brecha (gap kind)", text, table))


@given(parsers.parse('el caso de coordinación "{name}"'))
@given(parsers.parse('the coordination case "{name}"'))
def coordination_case(world: World, name: str) -> None:
    from engine.commitments import load_cases

    _gap_world(world).case = load_cases(name)[0].model_copy(deep=True)


@given(parsers.parse('existe el compromiso "{cid}" de "{source}" a "{target}"'))
@given(parsers.parse('the commitment "{cid}" from "{source}" to "{target}" exists'))
def commitment_exists(world: World, cid: str, source: str, target: str) -> None:
    case = _case(world)
    found = [c for c in case.commitments if c.id == cid]
    if not found:
        raise StepError(f"el caso {case.id} no tiene el compromiso «{cid}» / has no commitment «{cid}»")
    c = found[0]
    if (c.from_, c.to) != (_actor(case, source), _actor(case, target)):
        raise AssertionError(f"«{cid}» va de / goes from {c.from_} a / to {c.to}")


@given(parsers.parse('el compromiso "{cid}" está {status}'))
@given(parsers.parse('the commitment "{cid}" is {status}'))
def commitment_status(world: World, cid: str, status: str) -> None:
    case = _case(world)
    found = [c for c in case.commitments if c.id == cid]
    if not found:
        raise StepError(f"el caso {case.id} no tiene el compromiso «{cid}» / has no commitment «{cid}»")
    found[0].status = choose("estado (status)", status, COMMITMENT_STATUS)
    if found[0].status in ("honoured", "broken", "withdrawn"):
        found[0].delivered = None  # the status alone says what was delivered


@when("se genera el reporte de brechas")
@when("the gap report is produced")
def gap_report(world: World) -> None:
    from engine.gaps import analyse_case

    gw = _gap_world(world)
    case = _case(world)
    key = (case.model_dump_json(), str(rules_dir()))
    if key not in _REPORTS:  # scenarios of one case share the analysis (it screens a population)
        _REPORTS[key] = analyse_case(case, rules_dir=rules_dir())
    gw.report = _REPORTS[key]


_REPORTS: dict[tuple[str, str], Any] = {}


def _gaps(world: World, kind: str) -> list[Any]:
    gw = _gap_world(world)
    if gw.report is None:
        raise StepError(
            "falta «Cuando se genera el reporte de brechas» / missing «When the gap report is produced»"
        )
    return [g for g in gw.report.gaps if g.kind == _kind(kind)]


def _listing(world: World) -> str:
    report = _gap_world(world).report
    return "\n".join(
        f"    {g.kind} ({g.severity}): {', '.join(g.actors[:6])} — {g.title.es}" for g in report.gaps
    )


@then(parsers.parse('el reporte contiene una brecha de tipo "{kind}" sobre "{actor}"'))
@then(parsers.parse('the report contains a gap of kind "{kind}" about "{actor}"'))
def gap_about(world: World, kind: str, actor: str) -> None:
    actor_id = _actor(_case(world), actor)
    if not any(actor_id in g.actors for g in _gaps(world, kind)):
        raise AssertionError(
            f"ninguna brecha {_kind(kind)} sobre / no {_kind(kind)} gap about {actor_id}; "
            f"brechas / gaps:\n{_listing(world)}"
        )


@then(parsers.parse('el reporte contiene una brecha de tipo "{kind}"'))
@then(parsers.parse('the report contains a gap of kind "{kind}"'))
def gap_of_kind(world: World, kind: str) -> None:
    if not _gaps(world, kind):
        raise AssertionError(f"ninguna brecha / no gap {_kind(kind)}; brechas / gaps:\n{_listing(world)}")


@then(parsers.parse('el reporte no contiene brechas de tipo "{kind}"'))
@then(parsers.parse('the report contains no gap of kind "{kind}"'))
def no_gap_of_kind(world: World, kind: str) -> None:
    found = _gaps(world, kind)
    if found:
        raise AssertionError(f"{len(found)} brecha(s) / gap(s) {_kind(kind)}:\n{_listing(world)}")


@then(parsers.parse('el reporte no contiene brechas de tipo "{kind}" sobre "{actor}"'))
@then(parsers.parse('the report contains no gap of kind "{kind}" about "{actor}"'))
def no_gap_about(world: World, kind: str, actor: str) -> None:
    actor_id = _actor(_case(world), actor)
    if any(actor_id in g.actors for g in _gaps(world, kind)):
        raise AssertionError(
            f"hay una brecha {_kind(kind)} sobre / there is a gap about {actor_id}:\n{_listing(world)}"
        )


@then(parsers.parse('la brecha de tipo "{kind}" tiene gravedad {severity}'))
@then(parsers.parse('the gap of kind "{kind}" has severity {severity}'))
def gap_severity(world: World, kind: str, severity: str) -> None:
    wanted = choose("gravedad (severity)", severity, SEVERITY)
    got = [g.severity for g in _gaps(world, kind)]
    if wanted not in got:
        raise AssertionError(
            f"gravedad / severity de {_kind(kind)}: {got or '(no hay / none)'}; "
            f"se esperaba / expected {wanted}"
        )


@then(parsers.parse('la brecha de tipo "{kind}" menciona el compromiso "{cid}"'))
@then(parsers.parse('the gap of kind "{kind}" names the commitment "{cid}"'))
def gap_commitment(world: World, kind: str, cid: str) -> None:
    if not any(cid in g.commitments for g in _gaps(world, kind)):
        raise AssertionError(f"ninguna brecha {_kind(kind)} menciona / names «{cid}»:\n{_listing(world)}")
