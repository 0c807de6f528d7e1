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
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine import RULES_DIR
from engine.eligibility import EligibilityEngine
from engine.facts import CONTRIBUTION_LEVELS, GROUP_FACTS, MEMBER_FACTS
from engine.messages import LANGS, Lang, t
from engine.rules import load_rules
from engine.schema import CriterionResult, Determination, Group, Programme, Suggestion
from engine.territory import provider
from engine.vocabulary import NOT_KNOWN_WORDS, YES_NO, fold

RULES_ENV = "VINCULA_RULES"


class StepError(AssertionError):
    """A sentence the steps cannot use as written; the message says what would work."""


def choose(kind: str, text: str, table: dict[str, Any]) -> Any:
    """The value a designer's word stands for, or an error listing the words that work."""
    key = fold(text)
    if key in table:
        return table[key]
    words = sorted(table)
    shown = ", ".join(words[:40]) + (f", … (+{len(words) - 40})" if len(words) > 40 else "")
    raise StepError(f"{kind} «{text}» no se reconoce / not recognised; use one of: {shown}")


# --------------------------------------------------------------------------- vocabulary
#
# The words a designer may use for facts and their values are the fact vocabulary's
# (engine/schema.py declares them beside each field: labels and synonyms), so a fact added
# there is usable in a feature at once; the steps only add the phrasing around them.

YES = YES_NO
UNKNOWN_WORDS = NOT_KNOWN_WORDS

LOCALITY = GROUP_FACTS["locality"].choice_words()
ORGANISATION = GROUP_FACTS["organisation"].choice_words()
PROPOSER = GROUP_FACTS["project.proposer"].choice_words()
SECTOR = GROUP_FACTS["project.sector"].choice_words()
COUNTRY = GROUP_FACTS["project.proposer_country"].choice_words()
POTENTIAL = MEMBER_FACTS["entrepreneurial_potential"].choice_words()
SEX = MEMBER_FACTS["sex"].choice_words()
STRATA = MEMBER_FACTS["producer_stratum"].choice_words()

#: what a designer calls each member fact (a table header, "no se conoce la edad")
MEMBER_FIELD = {fold(w): name for name, spec in MEMBER_FACTS.items() for w in spec.words()}
#: a contribution level by its words ("estatal", "de migrantes")
CONTRIBUTION = {
    fold(w): level for level in CONTRIBUTION_LEVELS for w in GROUP_FACTS[f"project.{level}"].words()
}

# A trait is a member fact as a word: "beneficiarios de PROSPERA" -> prospera = True (a yes/no
# fact's `trait` words), "mujeres" -> sex = F (a value's).
TRAITS: dict[str, tuple[str, Any]] = {}
for _name, _spec in MEMBER_FACTS.items():
    TRAITS.update({fold(w): (_name, True) for w in _spec.trait})
    for _choice in _spec.choices or ():
        TRAITS.update({fold(w): (_name, _choice.value) for w in _choice.trait})
_ACCENTS = {"a": "[aá]", "e": "[eé]", "i": "[ií]", "o": "[oó]", "u": "[uúü]", "n": "[nñ]", " ": r"\s+"}


def loose(word: str) -> str:
    """A regex for a folded word that also matches it with accents, any case (use re.I)."""
    return "".join(_ACCENTS.get(c, re.escape(c)) for c in word)


TRAIT_PATTERN = "(?:" + "|".join(loose(w) for w in sorted(TRAITS, key=len, reverse=True)) + ")"


def opposite(fact: str, value: Any) -> Any:
    """The other value of a yes/no fact, or of a fact with two values (sex)."""
    spec = MEMBER_FACTS[fact]
    if spec.type == "bool":
        return not value
    others = [v for v in spec.values or [] if v != value]
    if len(others) != 1:
        raise StepError(f"«{fact}» tiene más de dos valores / has more than two values: {spec.values}")
    return others[0]


_STATUSES = ("eligible", "not_eligible", "cannot_tell", "not_applicable", "not_in_force")
STATUS = {fold(t(f"status.{s}", lang)): s for s in _STATUSES for lang in LANGS} | {"no se sabe": "cannot_tell"}
STATUS_WORDS = {lang: {s: t(f"status.{s}", lang).upper() for s in _STATUSES} for lang in LANGS}

_OUTCOMES = ("pass", "fail", "unknown")
OUTCOME = {fold(t(f"outcome.{o}", lang)): o for o in _OUTCOMES for lang in LANGS} | {
    **dict.fromkeys(("se cumple", "pass"), "pass"),
    **dict.fromkeys(("no se cumple", "fail"), "fail"),
    **dict.fromkeys(("sin determinar", "unknown", "cannot tell"), "unknown"),
}
OUTCOME_WORDS = {lang: {o: t(f"outcome.{o}", lang) for o in _OUTCOMES} for lang in LANGS}


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
    spec = MEMBER_FACTS[fact]
    if spec.type == "number":
        return int(number(text)) if spec.integer else number(text)
    if spec.choices is not None:
        return choose(f"{spec.label['es']} ({spec.label['en']})", text, spec.choice_words())
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

    lang: Lang = "es"
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

    def suggestion(self, det: Determination) -> Suggestion:
        """What would make the group eligible for the determination's programme."""
        result = self.engine.check(self.group(), self.as_of, self.lang, [det.program], suggest=True)
        found = result.determinations[0].suggestions
        if not found:
            raise StepError(
                f"{det.program}: no hay nada que sugerir (resultado: {det.status}) / nothing to suggest"
            )
        return found[0]

    def explain(self, det: Determination) -> str:
        """A determination in a few words, for failure messages."""
        words = STATUS_WORDS[self.lang][det.status]
        lines = [f"{det.name}: {words} — {det.summary}"]
        for c in det.criteria:
            mark = {"pass": "✓", "fail": "✗", "unknown": "?"}[c.outcome]
            lines.append(f"    {mark} {c.id}: {c.observed} | {c.threshold}")
        return "\n".join(lines)
