"""Steps that describe a group (Dado / Given): where it is, who its members are, its project, the date.

Every step has a Spanish and an English phrasing that mean the same; the words they accept
(localities, traits, sectors...) are listed in features/steps/world.py and in features/README.md.
A fact no step mentions stays "not known".
"""

from __future__ import annotations

import re

from pytest_bdd import given, parsers

from features.steps.world import (
    CONTRIBUTION,
    COUNTRY,
    LOCALITY,
    MEMBER_FIELD,
    ORGANISATION,
    POTENTIAL,
    PROPOSER,
    SECTOR,
    STRATA,
    TRAIT_PATTERN,
    TRAITS,
    World,
    choose,
    date,
    fold,
    member_value,
    municipality,
    number,
    opposite,
    province,
)

# ----------------------------------------------------------------------------- where and when


@given(parsers.parse('un grupo en el municipio "{name}"'))
@given(parsers.parse('a group in the municipality "{name}"'))
def group_in_municipality(world: World, name: str) -> None:
    world.country, world.territory = "MX", municipality(name)


@given(parsers.parse('un grupo en el municipio "{name}" de {state}'))
@given(parsers.parse('a group in the municipality "{name}" in {state}'))
def group_in_municipality_of_state(world: World, name: str, state: str) -> None:
    world.country, world.territory = "MX", municipality(name, state)


@given(parsers.parse("un grupo en el municipio con clave {code}"))
@given(parsers.parse("a group in the municipality with code {code}"))
def group_in_municipality_code(world: World, code: str) -> None:
    world.country, world.territory = "MX", code.strip('"')


@given(parsers.parse('un grupo en la provincia "{name}"'))
@given(parsers.parse('a group in the province "{name}"'))
def group_in_province(world: World, name: str) -> None:
    world.country, world.territory = "PA", province(name)


@given(parsers.parse("la fecha es {day}"))
@given(parsers.parse("the date is {day}"))
def as_of(world: World, day: str) -> None:
    world.as_of = date(day)


@given(parsers.parse("la localidad es {kind}"))
@given(parsers.parse("the locality is {kind}"))
def locality(world: World, kind: str) -> None:
    world.fields["locality"] = choose("localidad (locality)", kind, LOCALITY)


@given("no se conoce la localidad")
@given("the locality is not known")
def locality_unknown(world: World) -> None:
    world.fields.pop("locality", None)


@given(parsers.parse("la organización es {kind}"))
@given(parsers.parse("the organisation is {kind}"))
def organisation(world: World, kind: str) -> None:
    world.fields["organisation"] = choose("organización (organisation)", kind, ORGANISATION)


@given(parsers.parse("el {pct}% de la población está en ZAP urbana"))
@given(parsers.parse("{pct}% of the population is in urban ZAP"))
def urban_zap(world: World, pct: str) -> None:
    world.fields["urban_zap_pct"] = number(pct)


@given("el grupo no declara su población en ZAP urbana")
@given("the group does not state its urban-ZAP population")
def urban_zap_unknown(world: World) -> None:
    world.fields.pop("urban_zap_pct", None)


@given("no se sabe si el grupo cuenta con sucursal de banca social")
@given("it is not known whether the group has a social-banking office")
def social_bank_unknown(world: World) -> None:
    world.fields.pop("social_bank_office", None)


@given("el grupo cuenta con sucursal de banca social")
@given("the group has a social-banking office")
def social_bank(world: World) -> None:
    world.fields["social_bank_office"] = True


@given("el grupo no cuenta con sucursal de banca social")
@given("the group has no social-banking office")
def no_social_bank(world: World) -> None:
    world.fields["social_bank_office"] = False


# ----------------------------------------------------------------------------- members


@given(parsers.parse("el grupo tiene {n:d} integrantes"))
@given(parsers.parse("el grupo tiene {n:d} integrante"))
@given(parsers.parse("the group has {n:d} members"))
@given(parsers.parse("the group has {n:d} member"))
def group_size(world: World, n: int) -> None:
    world.resize(n)


@given(parsers.parse("todos los integrantes tienen {age:d} años"))
@given(parsers.parse("every member is {age:d} years old"))
def all_aged(world: World, age: int) -> None:
    world.set_all("age", age)


@given(parsers.parse("el integrante {i:d} tiene {age:d} años"))
@given(parsers.parse("la integrante {i:d} tiene {age:d} años"))
@given(parsers.parse("member {i:d} is {age:d} years old"))
def member_aged(world: World, i: int, age: int) -> None:
    world.member(i)["age"] = age


@given(parsers.re(rf"todos los integrantes son (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
@given(parsers.re(rf"all members are (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
@given(parsers.re(rf"every member is (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
def all_are(world: World, trait: str) -> None:
    fact, value = TRAITS[fold(trait)]
    world.set_all(fact, value)


@given(parsers.re(rf"ningún integrante es (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
@given(parsers.re(rf"no member is (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
def none_are(world: World, trait: str) -> None:
    fact, value = TRAITS[fold(trait)]
    world.set_all(fact, opposite(fact, value))


@given(parsers.re(rf"(?P<k>\d+) de los integrantes (son|es) (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
@given(parsers.re(rf"(?P<k>\d+) of the members (are|is) (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
def some_are(world: World, k: str, trait: str) -> None:
    """The first k members have the trait, the others do not."""
    fact, value = TRAITS[fold(trait)]
    count = int(k)
    if count > len(world.members):
        world.member(count)  # raises: says how many members there are
    for i, m in enumerate(world.members):
        m[fact] = value if i < count else opposite(fact, value)


@given(parsers.re(rf"(?:el|la) integrante (?P<i>\d+) es (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
@given(parsers.re(rf"member (?P<i>\d+) is (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
def member_is(world: World, i: str, trait: str) -> None:
    fact, value = TRAITS[fold(trait)]
    world.member(int(i))[fact] = value


@given(parsers.re(rf"(?:el|la) integrante (?P<i>\d+) no es (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
@given(parsers.re(rf"member (?P<i>\d+) is not (?P<trait>{TRAIT_PATTERN})", re.IGNORECASE))
def member_is_not(world: World, i: str, trait: str) -> None:
    fact, value = TRAITS[fold(trait)]
    world.member(int(i))[fact] = opposite(fact, value)


@given(parsers.parse("todos los integrantes tienen potencial emprendedor {level}"))
@given(parsers.parse("every member has {level} entrepreneurial potential"))
def all_potential(world: World, level: str) -> None:
    world.set_all("entrepreneurial_potential", choose("potencial (potential)", level, POTENTIAL))


@given(parsers.parse("el integrante {i:d} tiene potencial emprendedor {level}"))
@given(parsers.parse("la integrante {i:d} tiene potencial emprendedor {level}"))
@given(parsers.parse("member {i:d} has {level} entrepreneurial potential"))
def member_potential(world: World, i: int, level: str) -> None:
    world.member(i)["entrepreneurial_potential"] = choose("potencial (potential)", level, POTENTIAL)


@given(parsers.parse("todos los integrantes son productores de estrato {stratum}"))
@given(parsers.parse("every member is a producer of stratum {stratum}"))
def all_stratum(world: World, stratum: str) -> None:
    world.set_all("producer_stratum", choose("estrato (stratum)", stratum, STRATA))


@given(parsers.parse("el integrante {i:d} es productor de estrato {stratum}"))
@given(parsers.parse("la integrante {i:d} es productora de estrato {stratum}"))
@given(parsers.parse("member {i:d} is a producer of stratum {stratum}"))
def member_stratum(world: World, i: int, stratum: str) -> None:
    world.member(i)["producer_stratum"] = choose("estrato (stratum)", stratum, STRATA)


@given(parsers.parse("no se conoce {what} de los integrantes"))
@given(parsers.parse("the members' {what} is not known"))
def all_unknown(world: World, what: str) -> None:
    world.set_all(choose("dato (fact)", what, MEMBER_FIELD), None)


@given(parsers.parse("no se conoce {what} del integrante {i:d}"))
@given(parsers.parse("no se conoce {what} de la integrante {i:d}"))
@given(parsers.parse("the {what} of member {i:d} is not known"))
def member_unknown(world: World, what: str, i: int) -> None:
    world.member(i)[choose("dato (fact)", what, MEMBER_FIELD)] = None


@given("los integrantes son:")
@given("the members are:")
def members_table(world: World, datatable: list[list[str]]) -> None:
    """One row per member; columns edad/age, sexo/sex, prospera, pobreza/poverty,
    estrato/stratum, potencial/potential, indígena/indigenous. An empty cell is "not known"."""
    header, *rows = datatable
    facts = [choose("columna (column)", h, MEMBER_FIELD) for h in header]
    world.members = [{f: member_value(f, cell) for f, cell in zip(facts, row, strict=False)} for row in rows]


# ----------------------------------------------------------------------------- project


@given(parsers.parse("el proyecto lo propone {who}"))
@given(parsers.parse("the project is proposed by {who}"))
def proposer(world: World, who: str) -> None:
    world.project["proposer"] = choose("quién propone (proposer)", who, PROPOSER)


@given(parsers.parse("quien propone está organizado en {country}"))
@given(parsers.parse("the proposer is organised in {country}"))
def proposer_country(world: World, country: str) -> None:
    """A country by its code or its Spanish or English name ("Estados Unidos", "the United States")."""
    key = fold(country).strip('"')
    key = key.removeprefix("the ") if key.removeprefix("the ") in COUNTRY else key
    world.project["proposer_country"] = COUNTRY.get(key) or (
        key.upper() if len(key) == 2 else choose("país (country)", country, COUNTRY)
    )


@given(parsers.parse("el proyecto es del sector {sector}"))
@given(parsers.parse("the project is in the {sector} sector"))
def project_sector(world: World, sector: str) -> None:
    world.project["sector"] = choose("sector", sector, SECTOR)


@given(parsers.parse("cada aportación al proyecto es de {amount} pesos"))
@given(parsers.parse("each contribution to the project is {amount} pesos"))
def each_contribution(world: World, amount: str) -> None:
    for level in ("federal", "state", "municipal", "migrant"):
        world.contributions[level] = number(amount)


@given(parsers.parse("la aportación {level} es de {amount} pesos"))
@given(parsers.parse("the {level} contribution is {amount} pesos"))
def one_contribution(world: World, level: str, amount: str) -> None:
    world.contributions[choose("aportación (contribution)", level, CONTRIBUTION)] = number(amount)


@given("no se conocen las aportaciones al proyecto")
@given("the contributions to the project are not known")
def contributions_unknown(world: World) -> None:
    world.contributions.clear()


@given("las aportaciones al proyecto son:")
@given("the contributions to the project are:")
def contributions_table(world: World, datatable: list[list[str]]) -> None:
    """Columns federal, estatal/state, municipal, migrantes/migrant; one row of pesos."""
    header, *rows = datatable
    if len(rows) != 1:
        raise AssertionError(
            "la tabla de aportaciones lleva una fila de montos / "
            "the contributions table takes one row of amounts"
        )
    for h, cell in zip(header, rows[0], strict=False):
        world.contributions[choose("aportación (contribution)", h, CONTRIBUTION)] = number(cell)
