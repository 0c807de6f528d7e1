"""One rule definition, two executions: the vectorised screener must give, for every group and
programme, exactly the determination (eligible true / false / cannot tell) and the failed
criteria of the per-group engine on durable-rules."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine import synth
from engine.eligibility import EligibilityEngine
from engine.rules import RuleSet, load_rules
from engine.population import groups_of
from engine.schema import Group
from engine.territory import PROVIDERS
from engine.screen import screen_population

OUT_SCHEMA = {"group_id": pl.String, "program": pl.String, "eligible": pl.Boolean, "failed": pl.String}


def _members(age: Any = 30, sex: Any = "F", prospera: Any = True, poverty: Any = True,
             stratum: Any = "E2", potential: Any = "high") -> dict[str, Any]:
    return {"age": age, "sex": sex, "prospera": prospera, "poverty": poverty,
            "producer_stratum": stratum, "entrepreneurial_potential": potential}


def _one_criterion_municipalities() -> list[str]:
    """Municipalities that pass exactly one of opciones-productivas' territorial criteria (and
    some with a criterion not known), so `any` is decided by a single item."""
    picked: dict[str, str] = {}
    for code, t in PROVIDERS["MX"].table.items():
        tests = {"grade": t.get("marginalisation_grade") in ("Medio", "Alto", "Muy alto"),
                 "zap": t.get("zap_rural") is True,
                 "income": (t.get("income_below_poverty_line_pct") or 0) >= 50,
                 "indigenous": t.get("indigenous_municipality") is True}
        passing = [k for k, v in tests.items() if v]
        missing = [k for k in ("marginalisation_grade", "zap_rural", "income_below_poverty_line_pct",
                               "indigenous_municipality") if k not in t]
        if len(passing) == 1:
            picked.setdefault(passing[0], code)
        if missing:
            picked.setdefault("missing:" + missing[0], code)
    return sorted(set(picked.values()))


def edge_population() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Hand-made groups on the thresholds of the rule files."""
    groups: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []

    def add(gid: str, ms: list[dict[str, Any]], territory: str = "12029", locality: Any = "rural",
            organisation: Any = "osse", country: str = "MX") -> None:
        groups.append({"group_id": gid, "country": country, "territory": territory,
                       "locality": locality, "organisation": organisation})
        members.extend({"group_id": gid, **m} for m in ms)

    add("exactly-5", [_members() for _ in range(5)])
    add("four", [_members() for _ in range(4)])
    add("none", [])
    for size in (4, 5, 6, 7):
        half = size // 2
        add(f"prospera-half-{size}", [_members(prospera=i < half) for i in range(size)])
        add(f"prospera-half-plus-one-{size}", [_members(prospera=i <= half) for i in range(size)])
        add(f"prospera-half-unknown-{size}",
            [_members(prospera=(i < half) if i < size - 1 else None) for i in range(size)])
    for age in (17, 18, 65, 66, None):
        add(f"age-{age}", [_members(age=age)] + [_members() for _ in range(4)])
        add(f"age-{age}-man-e4", [_members(age=age, sex="M", stratum="E4")] + [_members() for _ in range(4)])
        add(f"age-{age}-poor-unknown", [_members(age=age, poverty=None, stratum=None)]
            + [_members() for _ in range(4)])
    for stratum in ("E3", "E4", None):
        add(f"man-{stratum}", [_members(sex="M", stratum=stratum)] + [_members() for _ in range(4)])
        add(f"sex-unknown-{stratum}", [_members(sex=None, stratum=stratum)] + [_members() for _ in range(4)])
    for potential in ("low", "medium", None):
        add(f"potential-{potential}", [_members(potential=potential)] + [_members() for _ in range(4)])
    for locality in ("rural", "periurban", "urban", None):
        for organisation in ("osse", "informal", None):
            add(f"loc-{locality}-org-{organisation}", [_members() for _ in range(5)],
                locality=locality, organisation=organisation)
    for code in _one_criterion_municipalities():
        add(f"muni-{code}", [_members() for _ in range(5)], territory=code)
        add(f"muni-{code}-informal", [_members() for _ in range(5)], territory=code, organisation="informal")
    for code in ("02", "06", "09", "01"):
        add(f"pa-{code}", [_members() for _ in range(5)], territory=code, country="PA")
        add(f"pa-{code}-poverty-unknown", [_members(poverty=None)] + [_members() for _ in range(4)],
            territory=code, country="PA")
    g = pl.DataFrame(groups, schema={c: pl.String for c in
                                     ("group_id", "country", "territory", "locality", "organisation")})
    m = pl.DataFrame(members, schema={"group_id": pl.String, "age": pl.Int64, "sex": pl.String,
                                      "prospera": pl.Boolean, "poverty": pl.Boolean,
                                      "producer_stratum": pl.String,
                                      "entrepreneurial_potential": pl.String})
    return g, m.reverse()  # members not in group order


def to_groups(groups: pl.DataFrame, members: pl.DataFrame) -> list[Group]:
    return groups_of(groups, members)


def assert_same(rules: RuleSet, groups: pl.DataFrame, members: pl.DataFrame, day: dt.date,
                tmp: Path) -> dict[str, int]:
    """Screen both ways; fail with the first differences. Returns counts of each outcome."""
    synth.write(groups, members, tmp)
    report = screen_population(tmp, tmp / "out.csv", rules, day)
    assert report.rejected_rows == 0
    vec = pl.read_csv(tmp / "out.csv", schema=OUT_SCHEMA)
    got = {(r["group_id"], r["program"]): (r["eligible"], r["failed"].split(";") if r["failed"] else [])
           for r in vec.iter_rows(named=True)}
    engine = EligibilityEngine(rules)
    diffs = []
    counts = {"true": 0, "false": 0, "none": 0}
    for group in to_groups(groups, members):
        for d in engine.check(group, day).determinations:
            counts[str(d.eligible).lower()] += 1
            if got.get((group.id, d.program)) != (d.eligible, d.failed):
                diffs.append(f"{group.id} {d.program}: vectorised {got.get((group.id, d.program))} "
                             f"per-group {(d.eligible, d.failed)}")
    assert len(got) == groups.height * len(rules.slugs)
    assert not diffs, f"{len(diffs)} differences on {day}:\n" + "\n".join(diffs[:20])
    return counts


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules()


@pytest.mark.parametrize("day", [dt.date(2017, 6, 30), dt.date(2016, 1, 1), dt.date(2017, 12, 31),
                                 dt.date(2018, 6, 30), dt.date(2010, 6, 30), dt.date(2002, 1, 1)])
def test_vectorised_edge_cases_identical_to_per_group(rules: RuleSet, day: dt.date, tmp_path: Path) -> None:
    groups, members = edge_population()
    assert_same(rules, groups, members, day, tmp_path)


@pytest.mark.parametrize("day,n,seed", [(dt.date(2017, 6, 30), 2000, 11), (dt.date(2015, 12, 31), 300, 12),
                                        (dt.date(2018, 12, 31), 300, 13), (dt.date(2011, 3, 1), 300, 14)])
def test_vectorised_generated_population_identical_to_per_group(rules: RuleSet, day: dt.date, n: int,
                                                                 seed: int, tmp_path: Path) -> None:
    groups, members = synth.generate(n, seed)
    counts = assert_same(rules, groups, members, day, tmp_path)
    if day == dt.date(2017, 6, 30):  # the population reaches every kind of answer
        assert min(counts.values()) > 50, counts


LANGUAGE_RULES = """\
slug: {slug}
name: {{es: Lenguaje de condiciones, en: Condition language}}
agency: Test
country: MX
unit: group
version: "1"
valid_from: 2016-01-01
summary: {{es: Ejercita cada operador, en: Exercises every operator}}
sources:
  doc: {{title: Documento de prueba, publisher: prueba, text: prueba.txt}}
parameters:
  later:
    label: {{es: Entra en vigor después, en: In force later}}
    values:
      - {{from: 2018-01-01, value: 3, source: {{ref: doc, pinpoint: "1"}}}}
  later_share:
    label: {{es: Proporción en vigor después, en: Share in force later}}
    values:
      - {{from: 2018-01-01, value: 0.6, source: {{ref: doc, pinpoint: "1"}}}}
  share:
    label: {{es: Proporción, en: Share}}
    values:
      - {{from: 2016-01-01, to: 2016-12-31, value: 0.5, source: {{ref: doc, pinpoint: "2"}}}}
      - {{from: 2017-01-01, value: 0.4, source: {{ref: doc, pinpoint: "2"}}}}
criteria:
{criteria}
eligibility:
  {eligibility}
"""

CRITERIA = {
    "ne": '{fact: locality, op: "!=", value: urban}',
    "lt": '{fact: territory.income_below_poverty_line_pct, op: "<", value: 40}',
    "text_in": '{fact: territory.marginalisation_grade, op: in, value: [Bajo, Medio]}',
    "le": '{fact: territory.poverty_pct, op: "<=", value: 60.5}',
    "gt": '{fact: size, op: ">", value: 5}',
    "size_in": '{fact: size, op: in, value: [4, 5.5, 7]}',
    "any_age_not_in": '{members: any, where: {fact: age, op: not_in, value: [17, 18, 30]}}',
    # under 1e-4 a number is 0 for both evaluators (durable-rules cannot read 1e-05): size >= 0
    "tiny": '{fact: size, op: ">=", value: 0.00005}',
    "between": '{fact: territory.pct_pop_localities_under_5000, op: between, value: [20, 80]}',
    "not_in": '{fact: territory.state, op: not_in, value: ["12", "20"]}',
    "not_any": '{not: {any: [{fact: organisation, op: "==", value: none}, '
               '{fact: territory.zap_rural, op: "==", value: true}]}}',
    "not_all": '{not: {all: [{fact: locality, op: "==", value: rural}, {fact: size, op: ">=", value: 6}]}}',
    "bool_ne": '{fact: territory.indigenous_municipality, op: "!=", value: false}',
    "later_param": '{fact: size, op: ">=", param: later}',
    "none_minors": '{members: none, where: {fact: age, op: "<", value: 18}}',
    "any_man_e4": '{members: any, where: {all: [{fact: sex, op: "==", value: M}, '
                  '{fact: producer_stratum, op: "==", value: E4}]}}',
    "count_eq": '{members: count, op: "==", value: 2, where: {fact: poverty, op: "==", value: false}}',
    "count_ne": '{members: count, op: "!=", value: 3, where: {fact: prospera, op: "==", value: true}}',
    "count_lt": '{members: count, op: "<", value: 2, where: {not: {fact: sex, op: "==", value: F}}}',
    "share_eq": '{members: share, op: "==", param: share, where: {fact: prospera, op: "==", value: true}}',
    "share_ne": '{members: share, op: "!=", value: 0.5, where: {fact: age, op: between, value: [18, 65]}}',
    "share_ge": '{members: share, op: ">=", param: share, where: {fact: entrepreneurial_potential, '
                'op: not_in, value: [very_low, low]}}',
    "all_not": '{members: all, where: {not: {fact: producer_stratum, op: in, value: [E5, E6]}}}',
    "share_le_later": '{members: share, op: "<=", param: later_share, '
                      'where: {fact: poverty, op: "==", value: true}}',
}


def _language_rules(tmp: Path) -> RuleSet:
    folder = tmp / "rules"
    folder.mkdir()
    crits = "\n".join(f"  - id: {cid}\n    label: {{es: {cid}, en: {cid}}}\n    condition: {cond}\n"
                      f"    source: {{ref: doc, pinpoint: \"3\"}}" for cid, cond in CRITERIA.items())
    ids = list(CRITERIA)
    rules = {
        "lang-all": f"all: [{', '.join(ids)}]",
        "lang-tiny": "all: [tiny, gt]",
        "lang-in": "any: [size_in, any_age_not_in]",
        "lang-any": f"any: [{', '.join(ids)}]",
        "lang-nested": ("all: [ne, {any: [lt, le, {all: [gt, between]}]}, "
                        "{any: [count_eq, share_eq, {all: [none_minors, not_any]}]}, share_ge, ne]"),
        "lang-split": ("any: [{all: [not_in, bool_ne, any_man_e4]}, {all: [count_ne, count_lt, "
                       "all_not, later_param]}, {all: [share_ne, not_all, share_le_later]}]"),
    }
    for slug, eligibility in rules.items():
        (folder / f"{slug}.yaml").write_text(LANGUAGE_RULES.format(
            slug=slug, criteria=crits, eligibility=textwrap.dedent(eligibility)), encoding="utf-8")
    return load_rules(folder)


@pytest.mark.parametrize("day", [dt.date(2016, 6, 30), dt.date(2017, 6, 30), dt.date(2018, 6, 30)])
def test_vectorised_whole_condition_language_identical_to_per_group(day: dt.date, tmp_path: Path) -> None:
    rules = _language_rules(tmp_path)
    groups, members = synth.generate(400, seed=21)
    edge_g, edge_m = edge_population()
    counts = assert_same(rules, pl.concat([groups, edge_g], how="diagonal_relaxed"),
                         pl.concat([members, edge_m], how="diagonal_relaxed"), day,
                         tmp_path / "pop")
    assert min(counts.values()) > 20, counts
