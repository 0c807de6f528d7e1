"""The fact vocabulary: every name a rule condition may test, and how a group becomes facts.

One place for the names, so rule files, the durable-rules adapter, the vectorised screener and
the explanations all agree. Group facts describe the group, its territory and its project;
member facts describe one member. A fact that is not known is left out (never guessed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.schema import Group, Member


@dataclass(frozen=True)
class FactSpec:
    type: str  # "number" | "text" | "bool" | "date"
    es: str
    en: str


GROUP_FACTS: dict[str, FactSpec] = {
    "as_of": FactSpec("date", "fecha de la determinación", "date of the determination"),
    "country": FactSpec("text", "país", "country"),
    "territory": FactSpec("text", "clave del territorio", "territory code"),
    "locality": FactSpec("text", "tipo de localidad", "locality type"),
    "organisation": FactSpec("text", "forma de organización", "organisation type"),
    "size": FactSpec("number", "número de integrantes", "number of members"),
    "urban_zap_pct": FactSpec(
        "number", "% de población en ZAP urbana (declarado)", "% of population in urban ZAP (stated)"
    ),
    "social_bank_office": FactSpec(
        "bool", "sucursal de banca social (declarada)", "social-banking office (stated)"
    ),
    "territory.state": FactSpec("text", "clave de entidad federativa", "state code"),
    "territory.state_name": FactSpec("text", "entidad federativa", "state"),
    "territory.name": FactSpec("text", "municipio o provincia", "municipality or province"),
    "territory.marginalisation_grade": FactSpec(
        "text", "grado de marginación CONAPO 2020", "CONAPO 2020 marginalisation grade"
    ),
    "territory.zap_rural": FactSpec("bool", "ZAP rural", "rural priority-attention zone (ZAP)"),
    "territory.income_below_poverty_line_pct": FactSpec(
        "number",
        "% con ingreso inferior a la línea de pobreza (CONEVAL 2020)",
        "% with income below the poverty line (CONEVAL 2020)",
    ),
    "territory.poverty_pct": FactSpec("number", "% en pobreza (CONEVAL 2020)", "% in poverty (CONEVAL 2020)"),
    "territory.indigenous_municipality": FactSpec(
        "bool", "municipio indígena (CDI 2015, A o B)", "indigenous municipality (CDI 2015, A or B)"
    ),
    "territory.pct_pop_localities_under_5000": FactSpec(
        "number", "% en localidades de menos de 5,000 hab.", "% in localities under 5,000"
    ),
    "territory.kind": FactSpec("text", "tipo de territorio", "territory kind"),
    "territory.indigenous_comarca": FactSpec("bool", "comarca indígena", "indigenous comarca"),
    "project.proposer": FactSpec("text", "quién propone el proyecto", "project proposer"),
    "project.proposer_country": FactSpec(
        "text", "país donde está organizado quien propone", "country where the proposer is organised"
    ),
    "project.sector": FactSpec("text", "sector del proyecto", "project sector"),
    "project.total": FactSpec("number", "monto total del proyecto", "project total"),
    "project.federal": FactSpec("number", "aportación federal", "federal contribution"),
    "project.state": FactSpec("number", "aportación estatal", "state contribution"),
    "project.municipal": FactSpec("number", "aportación municipal", "municipal contribution"),
    "project.migrant": FactSpec("number", "aportación de migrantes", "migrant contribution"),
    "project.federal_pct": FactSpec("number", "% federal del proyecto", "federal % of project"),
    "project.state_pct": FactSpec("number", "% estatal del proyecto", "state % of project"),
    "project.municipal_pct": FactSpec("number", "% municipal del proyecto", "municipal % of project"),
    "project.migrant_pct": FactSpec("number", "% de migrantes del proyecto", "migrant % of project"),
}

MEMBER_FACTS: dict[str, FactSpec] = {
    "age": FactSpec("number", "edad", "age"),
    "sex": FactSpec("text", "sexo", "sex"),
    "prospera": FactSpec("bool", "beneficiaria de PROSPERA", "PROSPERA beneficiary"),
    "poverty": FactSpec("bool", "en situación de pobreza", "living in poverty"),
    "producer_stratum": FactSpec("text", "estrato de productor", "producer stratum"),
    "entrepreneurial_potential": FactSpec("text", "potencial emprendedor", "entrepreneurial potential"),
    "indigenous": FactSpec("bool", "indígena", "indigenous"),
}

CONTRIBUTION_LEVELS = ("federal", "state", "municipal", "migrant")


def plain(value: Any) -> Any:
    """A value as the rules compare it: enums by their value, everything else unchanged."""
    return value.value if isinstance(value, Enum) else value


def group_facts(group: Group, territory: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The group-level facts of one group; unknown facts are absent."""
    facts: dict[str, Any] = {
        "as_of": as_of,
        "country": group.country,
        "territory": group.territory,
        "size": len(group.members),
        "locality": plain(group.locality),
        "organisation": plain(group.organisation),
        "urban_zap_pct": group.urban_zap_pct,
        "social_bank_office": group.social_bank_office,
    }
    for key, value in territory.items():
        facts[f"territory.{key}"] = value
    project = group.project
    if project is not None:
        facts["project.proposer"] = project.proposer
        facts["project.proposer_country"] = project.proposer_country
        facts["project.sector"] = project.sector
        if project.contributions is not None:
            amounts = project.contributions.model_dump()
            total = sum(amounts.values())
            facts["project.total"] = total
            for level in CONTRIBUTION_LEVELS:
                facts[f"project.{level}"] = amounts[level]
                if total > 0:
                    facts[f"project.{level}_pct"] = round(100.0 * amounts[level] / total, 2)
    return {k: v for k, v in facts.items() if v is not None and k in GROUP_FACTS}


def member_facts(member: Member) -> dict[str, Any]:
    """The facts of one member; unknown facts are absent."""
    return {k: plain(v) for k, v in member.model_dump().items() if v is not None}
