"""The fact vocabulary: declared once in the models, checked against every rule comparison at
load (with the file and line), and strict about what a group document may say."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from engine import RULES_DIR
from engine.errors import RuleFileError
from engine.facts import GROUP_FACTS, MEMBER_FACTS, MEMBER_KEYS
from engine.rules import load_rules
from engine.schema import Group, Member
from tests.conftest import determination, make_group

PROINPRO = (RULES_DIR / "proinpro.yaml").read_text(encoding="utf-8")
TRES = (RULES_DIR / "3x1-migrantes.yaml").read_text(encoding="utf-8")


def _load(tmp_path: Path, text: str, name: str) -> None:
    folder = tmp_path / "draft"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    load_rules(folder)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(("before", "after", "expected"), [
    ("{fact: as_of, op: between, value: [2016-01-01, 2017-12-31]}",
     '{fact: as_of, op: ">=", value: "2017-01-01"}',
     "criteria[0].condition.value: `as_of` is a date (YYYY-MM-DD); '2017-01-01' is a text and cannot be compared"),
    ("{fact: as_of, op: between, value: [2016-01-01, 2017-12-31]}",
     '{fact: size, op: between, value: ["a", 3]}',
     "criteria[0].condition.value: `size` is a number; 'a' is a text and cannot be compared"),
    ("{fact: as_of, op: between, value: [2016-01-01, 2017-12-31]}",
     "{fact: locality, op: in, value: [1, a, true, 2017-01-01]}",
     "criteria[0].condition.value: `locality` is a text; 1 is a number and cannot be compared"),
    ('{fact: locality, op: "==", value: rural}', '{fact: locality, op: "==", value: rurla}',
     "`rurla` is not a value of `locality` (rural, periurban, urban); did you mean rural?"),
    ('{fact: locality, op: "==", value: rural}', '{fact: locality, op: "<", value: urban}',
     "`locality` is a text: compare it with ==, !=, in, not_in, not `<`"),
    ('{fact: locality, op: "==", value: rural}', '{fact: age, op: ">=", value: 18}',
     "`age` is a member fact: test it inside `members: ...`"),
    ("{fact: as_of, op: between, value: [2016-01-01, 2017-12-31]}",
     "{fact: as_of, op: between, value: [2017-12-31, 2016-01-01]}",
     "`between` needs [low, high]"),
])
def test_rule_comparison_of_the_wrong_type_is_refused_at_load_with_its_line(tmp_path, before, after, expected):
    assert before in PROINPRO
    text = PROINPRO.replace(before, after, 1)
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, text, "proinpro.yaml")
    message = err.value.text("en")
    assert f"{tmp_path / 'draft' / 'proinpro.yaml'}:{_line(text, after)}:" in message
    assert expected in message


def test_parameter_value_of_the_wrong_type_is_refused_naming_the_parameter(tmp_path):
    text = TRES.replace("        value: 25\n", '        value: "veinticinco"\n', 1)
    assert text != TRES
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, text, "3x1-migrantes.yaml")
    assert "parameter `min_share_pct` from 2002-01-01: `project.federal_pct` is a number; 'veinticinco' is a text" in (
        err.value.text("en")
    )


def test_share_threshold_must_be_a_fraction(tmp_path):
    text = PROINPRO.replace("        value: 0.5\n", "        value: 50\n", 1)
    assert text != PROINPRO
    with pytest.raises(RuleFileError) as err:
        _load(tmp_path, text, "proinpro.yaml")
    assert "a share is between 0 and 1 (0.5 is half), not 50" in err.value.text("en")


def test_a_quoted_number_is_not_a_date_in_a_group():
    for bad in ("0", "1500000000", "2017-6-30", "31/02/2017"):
        with pytest.raises(ValidationError, match="YYYY-MM-DD"):
            make_group(as_of=bad)
    assert make_group(as_of="2017-06-30").as_of == dt.date(2017, 6, 30)
    assert make_group(as_of="30/06/2017").as_of == dt.date(2017, 6, 30)  # day first, as typed in Mexico


@pytest.mark.parametrize(("written", "read"), [("mx", "MX"), ("Mx", "MX"), (" us ", "US"), ("US", "US")])
def test_proposer_country_is_read_in_any_letter_case(written, read):
    group = make_group(project={"proposer_country": written})
    assert group.project.proposer_country == read


@pytest.mark.parametrize("written", ["XX", "\x00\x00", "🇺🇸", "U$", "USA"])
def test_proposer_country_that_is_no_country_is_refused(written):
    with pytest.raises(ValidationError, match="ISO 3166-1 alpha-2"):
        make_group(project={"proposer_country": written})


def test_a_club_organised_in_mexico_written_in_lower_case_is_not_abroad(engine):
    project = {"proposer": "migrant_club", "proposer_country": "mx",
               "contributions": {"federal": 1, "state": 1, "municipal": 1, "migrant": 1}}
    group = make_group(project=project, as_of=dt.date(2006, 6, 30))  # 3x1's shares are sourced to 2007
    det = determination(engine, group, "3x1-migrantes")
    assert det.eligible is False and "organised_abroad" in det.failed
    abroad = determination(engine, make_group(project=dict(project, proposer_country="us"), as_of=dt.date(2006, 6, 30)),
                           "3x1-migrantes")
    assert abroad.eligible is True


def test_every_stated_fact_is_a_field_of_the_group_document():
    # the vocabulary's input facts are exactly the models' fields marked as facts
    stated = {n for n, f in GROUP_FACTS.items() if f.origin == "input"}
    assert stated == {"country", "territory", "locality", "organisation", "urban_zap_pct",
                      "social_bank_office", "project.proposer", "project.proposer_country",
                      "project.sector", "project.federal", "project.state", "project.municipal",
                      "project.migrant"}
    # every field of a member is a fact, but for the person key, which names the member
    assert set(MEMBER_FACTS) | set(MEMBER_KEYS) == set(Member.model_fields) and set(MEMBER_KEYS) == {"person_id"}
    for spec in GROUP_FACTS.values():
        if spec.path is not None:
            model = Group
            for part in spec.path[:-1]:
                model = model.model_fields[part].annotation.__args__[0]
            assert spec.path[-1] in model.model_fields


def test_choice_facts_carry_a_label_in_each_language_for_every_value():
    for spec in [*GROUP_FACTS.values(), *MEMBER_FACTS.values()]:
        assert spec.label["es"] and spec.label["en"]
        for choice in spec.choices or ():
            assert choice.label["es"] and choice.label["en"], (spec.name, choice.value)
    assert MEMBER_FACTS["entrepreneurial_potential"].choice("Muy Alto") == "very_high"
    assert GROUP_FACTS["locality"].choice("Periurbana") == "periurban"
    assert GROUP_FACTS["project.proposer_country"].choice("Estados Unidos") == "US"
