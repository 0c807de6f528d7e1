"""Steps that check what the engine said (Entonces / Then): eligible, not eligible or cannot
tell; which criterion failed; what the explanation cites; which facts were missing.

A step without a programme refers to the one named last (in the When step or an earlier Then).
Failure messages show the whole determination, so a designer sees why without reading Python.
"""

from __future__ import annotations

from pytest_bdd import parsers, then

from features.steps.world import OUTCOME, OUTCOME_WORDS, STATUS, STATUS_WORDS, World, find_criterion, fold


def _expect_status(world: World, status: str, programme: str | None) -> None:
    _, det = world.determination(programme)
    if det.status != status:
        words = STATUS_WORDS[world.lang]
        raise AssertionError(
            f"se esperaba / expected {words[status]}, resultó / got {words[det.status]}\n{world.explain(det)}"
        )


@then(parsers.parse("el grupo es elegible para {programme}"))
@then(parsers.parse("the group is eligible for {programme}"))
def eligible_for(world: World, programme: str) -> None:
    _expect_status(world, "eligible", programme)


@then(parsers.parse("el grupo no es elegible para {programme}"))
@then(parsers.parse("the group is not eligible for {programme}"))
def not_eligible_for(world: World, programme: str) -> None:
    _expect_status(world, "not_eligible", programme)


@then(parsers.parse("no se puede determinar si el grupo es elegible para {programme}"))
@then(parsers.parse("it cannot be told whether the group is eligible for {programme}"))
def cannot_tell_for(world: World, programme: str) -> None:
    _expect_status(world, "cannot_tell", programme)


@then("el grupo es elegible")
@then("the group is eligible")
def eligible(world: World) -> None:
    _expect_status(world, "eligible", None)


@then("el grupo no es elegible")
@then("the group is not eligible")
def not_eligible(world: World) -> None:
    _expect_status(world, "not_eligible", None)


@then("no se puede determinar si el grupo es elegible")
@then("it cannot be told whether the group is eligible")
def cannot_tell(world: World) -> None:
    _expect_status(world, "cannot_tell", None)


@then("el programa no aplica al grupo")
@then("the programme does not apply to the group")
def not_applicable(world: World) -> None:
    _expect_status(world, "not_applicable", None)


@then("el programa no está vigente en la fecha")
@then("the programme is not in force on the date")
def not_in_force(world: World) -> None:
    _expect_status(world, "not_in_force", None)


@then(parsers.parse('el resultado para {programme} es "{result}"'))
@then(parsers.parse('the result for {programme} is "{result}"'))
def result_for(world: World, programme: str, result: str) -> None:
    _expect_status(world, _status(result), programme)


@then(parsers.parse('el resultado es "{result}"'))
@then(parsers.parse('the result is "{result}"'))
def result(world: World, result: str) -> None:
    _expect_status(world, _status(result), None)


def _status(word: str) -> str:
    key = fold(word)
    if key not in STATUS:
        raise AssertionError(
            f"resultado «{word}» no reconocido / result not recognised; use: {', '.join(sorted(STATUS))}"
        )
    return STATUS[key]


# ----------------------------------------------------------------------------- criteria


def _expect_outcome(world: World, criterion: str, outcome: str) -> None:
    programme, det = world.determination()
    found = find_criterion(det, programme, criterion)
    if found.outcome != outcome:
        words = OUTCOME_WORDS[world.lang]
        raise AssertionError(
            f"criterio / criterion {found.id}: se esperaba / expected "
            f"«{words[outcome]}», resultó / got «{words[found.outcome]}» "
            f"({found.observed}; {found.threshold})\n{world.explain(det)}"
        )


@then(parsers.parse('el criterio "{criterion}" se cumple'))
@then(parsers.parse('the criterion "{criterion}" is met'))
def criterion_met(world: World, criterion: str) -> None:
    _expect_outcome(world, criterion, "pass")


@then(parsers.parse('el criterio "{criterion}" no se cumple'))
@then(parsers.parse('the criterion "{criterion}" is not met'))
def criterion_not_met(world: World, criterion: str) -> None:
    _expect_outcome(world, criterion, "fail")


@then(parsers.parse('no se puede saber si el criterio "{criterion}" se cumple'))
@then(parsers.parse('it cannot be told whether the criterion "{criterion}" is met'))
def criterion_unknown(world: World, criterion: str) -> None:
    _expect_outcome(world, criterion, "unknown")


@then(parsers.parse('el criterio "{criterion}" da "{outcome}"'))
@then(parsers.parse('the criterion "{criterion}" comes out "{outcome}"'))
def criterion_outcome(world: World, criterion: str, outcome: str) -> None:
    key = fold(outcome)
    if key not in OUTCOME:
        raise AssertionError(
            f"resultado de criterio «{outcome}» no reconocido / not recognised; "
            f"use: {', '.join(sorted(OUTCOME))}"
        )
    _expect_outcome(world, criterion, OUTCOME[key])


@then(parsers.parse('el único criterio que no se cumple es "{criterion}"'))
@then(parsers.parse('the only criterion not met is "{criterion}"'))
def only_failure(world: World, criterion: str) -> None:
    programme, det = world.determination()
    found = find_criterion(det, programme, criterion)
    failed = [c.id for c in det.criteria if c.required and c.outcome == "fail"]
    if failed != [found.id]:
        raise AssertionError(
            f"no se cumplen / not met: {', '.join(failed) or '(ninguno / none)'}; "
            f"se esperaba sólo / expected only: {found.id}\n{world.explain(det)}"
        )


@then(parsers.parse('el integrante {i:d} no cumple el criterio "{criterion}"'))
@then(parsers.parse('la integrante {i:d} no cumple el criterio "{criterion}"'))
@then(parsers.parse('member {i:d} does not meet the criterion "{criterion}"'))
def member_fails(world: World, i: int, criterion: str) -> None:
    programme, det = world.determination()
    found = find_criterion(det, programme, criterion)
    if i not in found.failing_members:
        raise AssertionError(
            f"{found.id}: no cumplen / not met by members "
            f"{found.failing_members or '(ninguno / none)'}; se esperaba / expected {i}"
        )


# ----------------------------------------------------------------------------- explanation


@then(parsers.parse('la explicación cita "{text}"'))
@then(parsers.parse('the explanation cites "{text}"'))
def explanation_cites(world: World, text: str) -> None:
    _, det = world.determination()
    cited = [
        f"{c.source.title}, {c.source.pinpoint}" + (f" «{c.source.quote}»" if c.source.quote else "")
        for c in det.criteria
    ]
    if not any(fold(text) in fold(c) for c in cited):
        raise AssertionError(
            f"ninguna fuente cita «{text}» / no source cites it; fuentes / sources:\n  "
            + "\n  ".join(dict.fromkeys(cited))
        )


@then(parsers.parse('el criterio "{criterion}" cita "{text}"'))
@then(parsers.parse('the criterion "{criterion}" cites "{text}"'))
def criterion_cites(world: World, criterion: str, text: str) -> None:
    programme, det = world.determination()
    found = find_criterion(det, programme, criterion)
    cited = f"{found.source.title}, {found.source.pinpoint} {found.source.quote or ''}"
    if fold(text) not in fold(cited):
        raise AssertionError(f"{found.id} cita / cites: {cited}; no «{text}»")


@then(parsers.parse('la explicación dice que falta "{fact}"'))
@then(parsers.parse('the explanation says "{fact}" is missing'))
def missing_fact(world: World, fact: str) -> None:
    _, det = world.determination()
    if not any(fold(fact) in fold(m) for m in det.missing_facts):
        raise AssertionError(
            f"faltan / missing: {', '.join(det.missing_facts) or '(nada / nothing)'}; "
            f"no «{fact}»\n{world.explain(det)}"
        )


@then(parsers.parse('la explicación muestra el supuesto "{text}"'))
@then(parsers.parse('the explanation shows the assumption "{text}"'))
def assumption_shown(world: World, text: str) -> None:
    _, det = world.determination()
    shown = [c.assumption for c in det.criteria if c.assumption]
    if not any(fold(text) in fold(a) for a in shown):
        raise AssertionError(f"supuestos / assumptions: {shown}; no «{text}»")


# ----------------------------------------------------------------------------- what it would take


@then(parsers.parse('lo que haría falta incluye "{text}"'))
@then(parsers.parse('what it would take includes "{text}"'))
def suggestion_includes(world: World, text: str) -> None:
    _, det = world.determination()
    steps = [s.text for s in world.suggestion(det).steps]
    if not any(fold(text) in fold(s) for s in steps):
        raise AssertionError(f"lo que haría falta / what it would take: {steps}; no «{text}»\n{world.explain(det)}")


@then("los cambios están en manos del grupo")
@then("the changes are in the group's hands")
def suggestion_feasible(world: World) -> None:
    _, det = world.determination()
    suggestion = world.suggestion(det)
    if not suggestion.feasible:
        raise AssertionError(
            "algún cambio no depende del grupo / some change is not in the group's hands: "
            + "; ".join(f"{'✓' if s.feasible else '✗'} {s.text}" for s in suggestion.steps)
        )
