"""The bundled fixture groups get the determinations the source rules call for at each edge case."""
from __future__ import annotations

import pytest

from engine import FIXTURES_DIR
from engine.groups import load_groups

GROUPS = {g.id: g for g in load_groups(FIXTURES_DIR / "groups")}

# (group, programme, expected status, expected blocking failed criteria)
EXPECTED = [
    ("g-001", "proinpro", "eligible", []),
    ("g-002", "proinpro", "eligible", []),                      # exactly 5, 3 of 5 PROSPERA
    ("g-003", "proinpro", "not_eligible", ["min_size"]),        # 4 members
    ("g-004", "proinpro", "not_eligible", ["prospera_majority"]),  # 3 of 6 = 50%, not 50% + 1
    ("g-005", "proinpro", "eligible", []),                      # 4 of 6
    ("g-006", "proinpro", "not_eligible", ["adults"]),          # age 17
    ("g-007", "proinpro", "eligible", []),                      # age 18
    ("g-008", "proinpro", "not_eligible", ["rural"]),
    ("g-009", "proinpro", "not_eligible", ["target_state"]),
    ("g-010", "proinpro", "not_eligible", ["entrepreneurial_potential"]),
    ("g-011", "proinpro", "not_in_force", ["in_force"]),   # 2019: closed at the end of 2017
    ("g-012", "proinpro", "cannot_tell", []),
    ("g-013", "opciones-productivas", "eligible", []),          # only marginalisation
    ("g-014", "opciones-productivas", "eligible", []),          # only rural ZAP
    ("g-015", "opciones-productivas", "eligible", []),          # only income 51.2%
    ("g-016", "opciones-productivas", "eligible", []),          # only CDI indigenous
    ("g-017", "opciones-productivas", "cannot_tell", []),       # nothing known passes
    ("g-018", "opciones-productivas", "eligible", []),          # stated social bank
    ("g-019", "opciones-productivas", "not_eligible",
     ["marginalisation", "zap_rural", "zap_urban", "income_poverty", "indigenous", "social_bank"]),
    ("g-020", "opciones-productivas", "eligible", []),          # urban ZAP exactly 25%
    ("g-021", "opciones-productivas", "not_eligible", ["osse"]),
    ("g-022", "opciones-productivas", "cannot_tell", []),       # CONEVAL has no estimate
    ("g-023", "opciones-productivas", "not_in_force", ["in_force"]),  # 2002: operating from 2003
    ("g-024", "el-campo-en-nuestras-manos", "eligible", []),    # women aged 18 and 65
    ("g-025", "el-campo-en-nuestras-manos", "not_eligible", ["target_members"]),  # 66, E4/E5
    ("g-026", "el-campo-en-nuestras-manos", "not_eligible", ["target_members"]),  # 17, E4
    ("g-027", "el-campo-en-nuestras-manos", "eligible", []),    # E3 and E1 producers
    ("g-028", "el-campo-en-nuestras-manos", "not_eligible", ["target_members"]),  # E4
    ("g-029", "el-campo-en-nuestras-manos", "not_eligible", ["rural_or_periurban", "target_members"]),
    ("g-030", "3x1-migrantes", "eligible", []),
    ("g-031", "3x1-migrantes", "not_eligible", ["municipal_share"]),
    ("g-032", "3x1-migrantes", "eligible", []),                 # community group, 2003 (002)
    ("g-033", "3x1-migrantes", "not_eligible",                  # community group, 2006 (002)
     ["migrant_proposer", "organised_abroad", "community_groups_accepted"]),
    ("g-043", "3x1-migrantes", "not_in_force", ["in_force"]),   # 2001: federal from 2002
    ("g-044", "3x1-migrantes", "cannot_tell", []),              # 2010: sources stop in 2007, shares not stated
    ("g-038", "3x1-migrantes", "not_eligible", ["state_share"]),
    ("g-039", "3x1-migrantes", "not_eligible", ["federal_share"]),
    ("g-040", "3x1-migrantes", "not_eligible", ["migrant_share"]),
    ("g-001", "3x1-migrantes", "not_applicable", []),           # no project given
    ("g-034", "red-oportunidades-empresariales", "eligible", []),
    ("g-035", "red-oportunidades-empresariales", "not_eligible",  # Chiriquí, second year
     ["target_province", "chiriqui_in_scope"]),
    ("g-041", "red-oportunidades-empresariales", "eligible", []),   # Chiriquí, first year
    ("g-042", "red-oportunidades-empresariales", "cannot_tell", []),  # Chiriquí, third year
    ("g-036", "red-oportunidades-empresariales", "eligible", []),   # commerce: sector is an emphasis
    ("g-037", "red-oportunidades-empresariales", "not_in_force", ["in_force"]),
    ("g-034", "proinpro", "not_applicable", ["in_force", "in_mexico"]),  # a Panama group
]


@pytest.mark.parametrize(("group_id", "program", "status", "failed"), EXPECTED,
                         ids=[f"{g}-{p}" for g, p, *_ in EXPECTED])
def test_fixture_group_determination_matches_source_rules(engine, group_id, program, status, failed):
    det = engine.check(GROUPS[group_id], programs=[program]).determinations[0]
    assert det.status == status, det.summary
    assert det.failed == failed


def test_fixture_set_has_at_least_30_groups_and_every_programme_eligible_once(engine):
    assert len(GROUPS) >= 30
    eligible = {d.program for g in GROUPS.values() for d in engine.check(g).determinations if d.eligible}
    assert eligible == set(engine.rules.slugs)


def test_every_criterion_passes_for_some_fixture_group_and_fails_for_another(engine):
    outcomes: dict[tuple[str, str], set[str]] = {}
    for group in GROUPS.values():
        for det in engine.check(group).determinations:
            for c in det.criteria:
                outcomes.setdefault((det.program, c.id), set()).add(c.outcome)
    one_sided = {key: seen for key, seen in outcomes.items() if not {"pass", "fail"} <= seen}
    assert one_sided == {}
