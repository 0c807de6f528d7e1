"""Steps that ask the engine (Cuando / When): evaluate the group described so far.

The evaluation itself happens when a Then step first asks about a programme, so a scenario only
pays for the programmes it talks about.
"""

from __future__ import annotations

from pytest_bdd import parsers, when

from features.steps.world import World, find_programme


@when("se evalúa la elegibilidad")
@when("eligibility is checked")
def evaluate(world: World) -> None:
    world.group()  # a badly described group fails here, at the step that evaluates it
    world.evaluated = True


@when(parsers.parse("se evalúa la elegibilidad para {programme}"))
@when(parsers.parse("eligibility for {programme} is checked"))
def evaluate_for(world: World, programme: str) -> None:
    world.programme = find_programme(world.engine, programme).slug
    evaluate(world)
