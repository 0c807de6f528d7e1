"""The scenario's world: the group a scenario describes, the words designers use for its facts,
and the determinations the engine returned for it.

Steps (given.py, when.py, then.py) only translate a sentence into a change of this world or a
question about it; the vocabulary (Spanish and English words for localities, traits, sectors,
outcomes...) lives here once, so both languages mean exactly the same thing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine import RULES_DIR
from engine.eligibility import EligibilityEngine
from engine.rules import load_rules
from engine.schema import CriterionResult, Determination, Group, Programme
from engine.territory import provider

RULES_ENV = "VINCULA_RULES"


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: how designer words are compared."""
    text = unicodedata.normalize("NFD", str(text).strip().lower())
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").split())


class StepError(AssertionError):
    """A sentence the steps cannot use as written; the message says what would work."""


def choose(kind: str, text: str, table: dict[str, Any]) -> Any:
    """The value a designer's word stands for, or an error listing the words that work."""
    key = fold(text)
    if key in table:
        return table[key]
    raise StepError(
        f"{kind} «{text}» no se reconoce / not recognised; use one of: {', '.join(sorted(table))}"
    )


# --------------------------------------------------------------------------- vocabulary

YES = {
    "si": True,
    "sí": True,
    "yes": True,
    "true": True,
    "verdadero": True,
    "x": True,
    "no": False,
    "false": False,
    "falso": False,
}
UNKNOWN_WORDS = {"", "?", "-", "no se sabe", "unknown", "desconocido", "n/a"}

LOCALITY = {
    "rural": "rural",
    "periurbana": "periurban",
    "periurbano": "periurban",
    "peri-urbana": "periurban",
    "periurban": "periurban",
    "peri-urban": "periurban",
    "urbana": "urban",
    "urbano": "urban",
    "urban": "urban",
}

ORGANISATION = {
    "osse": "osse",
    "una osse": "osse",
    "an osse": "osse",
    "informal": "informal",
    "ninguna": "none",
    "none": "none",
    "sin organizacion": "none",
}

POTENTIAL = {
    "muy bajo": "very_low",
    "bajo": "low",
    "medio": "medium",
    "alto": "high",
    "muy alto": "very_high",
    "very low": "very_low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "very high": "very_high",
    "very_low": "very_low",
    "very_high": "very_high",
}

SEX = {"f": "F", "m": "M", "mujer": "F", "hombre": "M", "woman": "F", "man": "M", "female": "F", "male": "M"}

STRATA = {s.lower(): s for s in ("E1", "E2", "E3", "E4", "E5", "E6")}

# A trait is a yes/no fact of a member, as a word: "beneficiarios de PROSPERA" -> prospera = True.
TRAITS: dict[str, tuple[str, Any]] = {}
for _words, _fact, _value in (
    (
        (
            "beneficiario de prospera",
            "beneficiaria de prospera",
            "beneficiarios de prospera",
            "beneficiarias de prospera",
            "a prospera beneficiary",
            "prospera beneficiaries",
        ),
        "prospera",
        True,
    ),
    (("pobre", "pobres", "en pobreza", "en situacion de pobreza", "poor", "in poverty"), "poverty", True),
    (("indigena", "indigenas", "indigenous"), "indigenous", True),
    (("mujer", "mujeres", "a woman", "women"), "sex", "F"),
    (("hombre", "hombres", "a man", "men"), "sex", "M"),
):
    for _w in _words:
        TRAITS[_w] = (_fact, _value)
_ACCENTS = {"a": "[aá]", "e": "[eé]", "i": "[ií]", "o": "[oó]", "u": "[uúü]", "n": "[nñ]", " ": r"\s+"}


def loose(word: str) -> str:
    """A regex for a folded word that also matches it with accents, any case (use re.I)."""
    return "".join(_ACCENTS.get(c, re.escape(c)) for c in word)


TRAIT_PATTERN = "(?:" + "|".join(loose(w) for w in sorted(TRAITS, key=len, reverse=True)) + ")"

# What a designer calls each member fact (for "not known" and table headers).
MEMBER_FIELD = {
    "edad": "age",
    "la edad": "age",
    "age": "age",
    "sexo": "sex",
    "el sexo": "sex",
    "sex": "sex",
    "prospera": "prospera",
    "la condicion prospera": "prospera",
    "prospera status": "prospera",
    "pobreza": "poverty",
    "la situacion de pobreza": "poverty",
    "poverty": "poverty",
    "poverty status": "poverty",
    "estrato": "producer_stratum",
    "el estrato": "producer_stratum",
    "stratum": "producer_stratum",
    "producer stratum": "producer_stratum",
    "potencial": "entrepreneurial_potential",
    "el potencial emprendedor": "entrepreneurial_potential",
    "potential": "entrepreneurial_potential",
    "entrepreneurial potential": "entrepreneurial_potential",
    "indigena": "indigenous",
    "la condicion indigena": "indigenous",
    "indigenous": "indigenous",
    "indigenous status": "indigenous",
}

PROPOSER = {
    "un club de migrantes": "migrant_club",
    "a migrant club": "migrant_club",
    "una federacion de migrantes": "migrant_federation",
    "a migrant federation": "migrant_federation",
    "el grupo": "group",
    "the group": "group",
    "el municipio": "municipality",
    "the municipality": "municipality",
    "otro": "other",
    "otra persona": "other",
    "someone else": "other",
}

COUNTRY = {
    "estados unidos": "US",
    "united states": "US",
    "the united states": "US",
    "eua": "US",
    "usa": "US",
    "mexico": "MX",
    "canada": "CA",
    "espana": "ES",
    "spain": "ES",
}

SECTOR = {
    "agricultura": "agriculture",
    "agricola": "agriculture",
    "agriculture": "agriculture",
    "turismo": "tourism",
    "turistico": "tourism",
    "tourism": "tourism",
    "ganaderia": "livestock",
    "livestock": "livestock",
    "artesanias": "crafts",
    "crafts": "crafts",
    "comercio": "commerce",
    "commerce": "commerce",
    "servicios": "services",
    "services": "services",
    "manufactura": "manufacturing",
    "manufacturing": "manufacturing",
    "infraestructura": "infrastructure",
    "infrastructure": "infrastructure",
    "otro": "other",
    "other": "other",
}

CONTRIBUTION = {
    "federal": "federal",
    "estatal": "state",
    "state": "state",
    "municipal": "municipal",
    "de migrantes": "migrant",
    "migrantes": "migrant",
    "migrant": "migrant",
    "de los migrantes": "migrant",
}

STATUS = {
    "elegible": "eligible",
    "eligible": "eligible",
    "no elegible": "not_eligible",
    "not eligible": "not_eligible",
    "no se puede determinar": "cannot_tell",
    "no se sabe": "cannot_tell",
    "cannot tell": "cannot_tell",
}
STATUS_WORDS = {
    "es": {"eligible": "ELEGIBLE", "not_eligible": "NO ELEGIBLE", "cannot_tell": "NO SE PUEDE DETERMINAR"},
    "en": {"eligible": "ELIGIBLE", "not_eligible": "NOT ELIGIBLE", "cannot_tell": "CANNOT TELL"},
}

OUTCOME = {
    "cumple": "pass",
    "se cumple": "pass",
    "met": "pass",
    "pass": "pass",
    "no cumple": "fail",
    "no se cumple": "fail",
    "not met": "fail",
    "fail": "fail",
    "no se sabe": "unknown",
    "sin determinar": "unknown",
    "unknown": "unknown",
    "cannot tell": "unknown",
}
OUTCOME_WORDS = {
    "es": {"pass": "se cumple", "fail": "no se cumple", "unknown": "no se sabe"},
    "en": {"pass": "met", "fail": "not met", "unknown": "not known"},
}


def yes_no(text: str) -> bool | None:
    key = fold(text)
    if key in UNKNOWN_WORDS:
        return None
    return choose("valor sí/no (yes/no value)", text, YES)


def number(text: str) -> float:
    """A number as designers write it: 1,000,000 or 1000000 or 24.5."""
    cleaned = str(text).strip().replace(",", "").replace("$", "").replace(" ", "")
    try:
        return float(cleaned)
    except ValueError:
        raise StepError(f"«{text}» no es un número / is not a number") from None


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise StepError(f"«{text}» no es una fecha AAAA-MM-DD / is not a YYYY-MM-DD date") from None


def member_value(fact: str, text: str) -> Any:
    """One cell of a members table, in the member fact's own terms."""
    if fold(text) in UNKNOWN_WORDS:
        return None
    if fact == "age":
        return int(number(text))
    if fact == "sex":
        return choose("sexo (sex)", text, SEX)
    if fact == "producer_stratum":
        return choose("estrato (stratum)", text, STRATA)
    if fact == "entrepreneurial_potential":
        return choose("potencial emprendedor (entrepreneurial potential)", text, POTENTIAL)
    return yes_no(text)


# --------------------------------------------------------------------------- rules


def rules_dir() -> Path:
    """The rules the features are run against: $VINCULA_RULES (a designer's draft) or rules/."""
    return Path(os.environ.get(RULES_ENV) or RULES_DIR)


@lru_cache(maxsize=4)
def engine_for(directory: str) -> EligibilityEngine:
    return EligibilityEngine(load_rules(directory))


def find_programme(engine: EligibilityEngine, text: str) -> Programme:
    """A programme by slug or by (part of) its Spanish or English name."""
    key = fold(text).strip('"')
    hits = [
        p
        for p in engine.programmes
        if key in (p.slug, p.slug.replace("-", " ")) or key in fold(p.name.es) or key in fold(p.name.en)
    ]
    if len(hits) == 1:
        return hits[0]
    known = "; ".join(f"{p.slug} ({p.name.es})" for p in engine.programmes)
    if not hits:
        raise StepError(
            f"ningún programa se llama «{text}» / no programme called «{text}»; programmes: {known}"
        )
    raise StepError(
        f"«{text}» nombra varios programas / names several programmes: {', '.join(p.slug for p in hits)}"
    )


def find_criterion(det: Determination, programme: Programme, text: str) -> CriterionResult:
    """A criterion result by id or by its Spanish or English label."""
    key = fold(text)
    for crit in programme.criteria:
        if key in (crit.id, fold(crit.label.es), fold(crit.label.en)):
            return next(r for r in det.criteria if r.id == crit.id)
    raise StepError(
        f"{programme.slug} no tiene el criterio «{text}» / has no criterion «{text}»; "
        f"criteria: {', '.join(c.id for c in programme.criteria)}"
    )


# --------------------------------------------------------------------------- territory


def municipality(name: str, state: str | None = None) -> str:
    """The INEGI code of a municipality named `name` (in `state`, when names repeat)."""
    hits = provider("MX").search(name, limit=1000)
    if state is not None:
        hits = [
            h for h in hits if fold(state) in fold(h.get("state_name", "")) or fold(state) == h.get("state")
        ]
    exact = [h for h in hits if fold(h.get("name", "")) == fold(name)]
    hits = exact or hits
    if len(hits) == 1:
        return str(hits[0]["code"])
    if not hits:
        where = f" de/in {state}" if state else ""
        raise StepError(f"no hay un municipio «{name}»{where} / no municipality «{name}»{where}")
    shown = "; ".join(f"{h['code']} {h['name']} ({h.get('state_name', '')})" for h in hits[:8])
    raise StepError(
        f"hay varios municipios «{name}»; añade el estado / several municipalities "
        f"«{name}», add the state: {shown}"
    )


def province(name: str) -> str:
    table = provider("PA").table
    for code, row in table.items():
        if fold(name) in (fold(row.get("name", "")), code):
            return code
    known = ", ".join(row.get("name", code) for code, row in table.items())
    raise StepError(f"no hay una provincia «{name}» / no province «{name}»; provinces: {known}")


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """One scenario's group, as the steps build it, and what the engine said about it."""

    lang: str = "es"
    country: str = "MX"
    territory: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    project: dict[str, Any] = field(default_factory=dict)
    contributions: dict[str, float] = field(default_factory=dict)
    as_of: dt.date | None = None
    programme: str | None = None  # the programme the scenario talks about, once named
    evaluated: bool = False
    results: dict[str, Determination] = field(default_factory=dict)

    @property
    def engine(self) -> EligibilityEngine:
        return engine_for(str(rules_dir()))

    # ---- building the group

    def resize(self, n: int) -> None:
        """Keep the first `n` members; new ones are like the last (or blank)."""
        if n < 0:
            raise StepError("un grupo no tiene integrantes negativos / negative group size")
        template = dict(self.members[-1]) if self.members else {}
        self.members = [dict(m) for m in self.members[:n]]
        self.members += [dict(template) for _ in range(n - len(self.members))]

    def member(self, i: int) -> dict[str, Any]:
        if not 1 <= i <= len(self.members):
            raise StepError(
                f"el grupo tiene {len(self.members)} integrantes; no hay integrante {i} / "
                f"the group has {len(self.members)} members; there is no member {i}"
            )
        return self.members[i - 1]

    def set_all(self, fact: str, value: Any) -> None:
        if not self.members:
            raise StepError(
                "primero di cuántos integrantes tiene el grupo / first say how many members the group has"
            )
        for m in self.members:
            m[fact] = value

    def group(self) -> Group:
        if self.territory is None:
            raise StepError(
                "el escenario no dice dónde está el grupo (municipio o provincia) / "
                "the scenario does not say where the group is (municipality or province)"
            )
        project = dict(self.project)
        if self.contributions:
            project["contributions"] = dict(self.contributions)
        data: dict[str, Any] = {
            "id": "escenario",
            "country": self.country,
            "territory": self.territory,
            "as_of": self.as_of,
            "members": [{k: v for k, v in m.items() if v is not None} for m in self.members],
            **{k: v for k, v in self.fields.items() if v is not None},
        }
        if project:
            data["project"] = project
        return Group.model_validate(data)

    # ---- asking the engine

    def determination(self, programme_text: str | None = None) -> tuple[Programme, Determination]:
        if not self.evaluated:
            raise StepError(
                "falta el paso «Cuando se evalúa la elegibilidad» / missing the step "
                "«When eligibility is checked»"
            )
        if programme_text is not None:
            self.programme = find_programme(self.engine, programme_text).slug
        if self.programme is None:
            raise StepError(
                "di para qué programa / say for which programme («... para PROINPRO» / «... for PROINPRO»)"
            )
        programme = self.engine.rules.get(self.programme)
        if programme.slug not in self.results:
            result = self.engine.check(self.group(), self.as_of, self.lang, [programme.slug])
            self.results[programme.slug] = result.determinations[0]
        return programme, self.results[programme.slug]

    def explain(self, det: Determination) -> str:
        """A determination in a few words, for failure messages."""
        words = STATUS_WORDS[self.lang][det.status]
        lines = [f"{det.name}: {words} — {det.summary}"]
        for c in det.criteria:
            mark = {"pass": "✓", "fail": "✗", "unknown": "?"}[c.outcome]
            lines.append(f"    {mark} {c.id}: {c.observed} | {c.threshold}")
        return "\n".join(lines)
