"""Rule files: the bundled ones load; invalid ones are rejected with file, line and field."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import RULES_DIR
from engine.errors import RuleFileError, UnknownProgrammeError
from engine.rules import load_rules

PROINPRO = (RULES_DIR / "proinpro.yaml").read_text(encoding="utf-8")


def draft(tmp_path: Path, text: str, name: str = "proinpro.yaml") -> Path:
    folder = tmp_path / "draft"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_bundled_rules_load_all_five_programmes():
    rules = load_rules()
    assert sorted(rules.slugs) == ["3x1-migrantes", "el-campo-en-nuestras-manos", "opciones-productivas",
                                   "proinpro", "red-oportunidades-empresariales"]


def test_every_bundled_criterion_cites_a_source_with_a_pinpoint():
    for programme in load_rules().programmes.values():
        for c in programme.criteria:
            assert programme.sources[c.source.ref].title
            assert c.source.pinpoint.strip()


def test_unknown_field_names_file_line_and_field(tmp_path):
    text = PROINPRO.replace("    label: {es: Localidad rural, en: Rural locality}",
                            "    label: {es: Localidad rural, en: Rural locality}\n    colour: red")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    message = err.value.text("en")
    assert f"proinpro.yaml:{line_of(text, 'colour: red')}:" in message
    assert "criteria[5].colour" in message and "unknown field" in message


def test_bad_operator_is_rejected_with_its_line(tmp_path):
    text = PROINPRO.replace('condition: {fact: size, op: ">=", param: min_group_size}',
                            'condition: {fact: size, op: "=>", param: min_group_size}')
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    message = err.value.text("en")
    bad_line = line_of(text, 'op: "=>"')
    assert f"proinpro.yaml:{bad_line}:" in message
    assert "criteria[2].condition.op" in message


def test_missing_citation_is_rejected(tmp_path):
    start = PROINPRO.index("  - id: rural\n")
    cut = PROINPRO.index("    source:", start)
    text = PROINPRO[:cut] + PROINPRO[PROINPRO.index("  - id: target_state", cut):]
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "criteria[5].source: this required field is missing" in err.value.text("en")


def test_citation_of_unknown_document_is_rejected(tmp_path):
    at = PROINPRO.index("ref: ifad_proinpro", PROINPRO.index("  - id: rural\n"))
    text = PROINPRO[:at] + "ref: rop2099" + PROINPRO[at + len("ref: ifad_proinpro"):]
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "criterion `rural` cites `rop2099`, which is not in `sources`" in err.value.text("en")


def test_quote_from_a_document_nobody_has_read_is_rejected(tmp_path):
    at = PROINPRO.index("ref: ifad_proinpro", PROINPRO.index("  - id: rural\n"))
    text = PROINPRO[:at] + "ref: fida2015" + PROINPRO[at + len("ref: ifad_proinpro"):]
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "criterion `rural` cites `fida2015`, whose text nobody here has read" in err.value.text("en")


def test_concurrency_names_a_known_programme(tmp_path):
    text = PROINPRO.replace("  3x1-migrantes:\n    allowed: unknown", "  3x1-migrante:\n    allowed: unknown")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "concurrency names `3x1-migrante`" in err.value.text("en") and "did you mean 3x1-migrantes" in err.value.text("en")


def test_concurrency_allowed_without_a_quote_is_rejected(tmp_path):
    text = PROINPRO.replace("  3x1-migrantes:\n    allowed: unknown", "  3x1-migrantes:\n    allowed: true")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "`allowed: true` needs a `source` with the `quote` that says so" in err.value.text("en")


def test_overlapping_parameter_dates_are_rejected_with_the_line(tmp_path):
    text = PROINPRO.replace(
        "      - from: 2016-01-01\n        value: 5\n",
        "      - from: 2015-01-01\n        value: 6\n        source: {ref: ifad_proinpro, pinpoint: x}\n"
        "      - from: 2016-01-01\n        value: 5\n")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    message = err.value.text("en")
    assert "parameters.min_group_size.values: values overlap" in message
    assert f"proinpro.yaml:{line_of(text, '- from: 2015-01-01')}:" in message


def test_unknown_fact_suggests_the_right_name(tmp_path):
    text = PROINPRO.replace("condition: {fact: locality, op: \"==\", value: rural}",
                            "condition: {fact: localty, op: \"==\", value: rural}")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "`localty` is not a group fact; did you mean locality" in err.value.text("en")


def test_yaml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, "slug: proinpro\ncriteria: [\n  {id: x\n"))
    assert "proinpro.yaml:" in err.value.text("en") and "not valid YAML" in err.value.text("en")


def test_slug_must_match_file_name(tmp_path):
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, PROINPRO, name="proinpro-draft.yaml"))
    assert "does not match the file name" in err.value.text("en")


def test_unknown_programme_suggests_close_slug():
    with pytest.raises(UnknownProgrammeError) as err:
        load_rules().get("proinpr")
    assert err.value.suggestions[0] == "proinpro"


def test_draft_and_bundled_rules_coexist_in_one_process(tmp_path, engine):
    from tests.conftest import make_group, member
    from engine.eligibility import EligibilityEngine
    folder = tmp_path / "draft"
    shutil.copytree(RULES_DIR, folder)
    text = (folder / "proinpro.yaml").read_text(encoding="utf-8")
    (folder / "proinpro.yaml").write_text(
        text.replace("      - from: 2016-01-01\n        value: 5\n", "      - from: 2016-01-01\n        value: 4\n"),
        encoding="utf-8")
    draft_engine = EligibilityEngine(load_rules(folder))
    group = make_group([member() for _ in range(4)])
    assert draft_engine.check(group, programs=["proinpro"]).determinations[0].eligible is True
    assert engine.check(group, programs=["proinpro"]).determinations[0].eligible is False
    assert draft_engine.rules.version("proinpro") != engine.rules.version("proinpro")


def test_membership_in_an_empty_list_is_rejected(tmp_path):
    text = PROINPRO.replace('value: ["12", "13", "32"]', "value: []")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "needs a non-empty list value" in err.value.text("en")
    assert f"proinpro.yaml:{line_of(text, 'value: []')}:" in err.value.text("en")


def test_eligibility_naming_more_than_64_criteria_is_rejected(tmp_path):
    # the population screener records failed criteria as one bit per eligibility item
    items = ", ".join(["in_force"] * 65)
    text = PROINPRO.replace("  all: [in_force, in_mexico,", f"  all: [{items}, in_mexico,")
    with pytest.raises(RuleFileError) as err:
        load_rules(draft(tmp_path, text))
    assert "names 72 criteria; at most 64" in err.value.text("en")
