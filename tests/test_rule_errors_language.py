"""Rule-file and commitments-file errors in the reader's language: the same `file:line: field:`
place (the field as the file writes it) and the same facts, worded in Spanish by default and in
English when asked (`--lang en`), from the command line as a designer runs it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import FIXTURES_DIR, RULES_DIR
from engine.commitments import load_case
from engine.errors import InputError, RuleFileError
from engine.messages import catalogue
from engine.rules import load_rules

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def vincula(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=120)


def lines_of(text: str, needle: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line]


def draft(tmp_path: Path, old: str, new: str) -> tuple[Path, Path, str]:
    """A copy of rules/ with one thing of proinpro.yaml changed: (folder, file, its text)."""
    folder = tmp_path / "draft"
    shutil.copytree(RULES_DIR, folder)
    path = folder / "proinpro.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return folder, path, text


RURAL = "  - id: rural\n    label: {es: Localidad rural, en: Rural locality}\n"
RURAL_SOURCE = RURAL + '    condition: {fact: locality, op: "==", value: rural}\n    source:\n      ref: ifad_proinpro\n'
SIZE = 'condition: {fact: size, op: ">=", param: min_group_size}'

#: (what is broken, old text, new text, the line to point at (the text on it, which occurrence),
#:  field, Spanish words, English words)
BROKEN = [
    (
        "a missing required field",
        RURAL,
        "  - id: rural\n",
        ("  - id: rural", 0),
        "criteria[5].label",
        "falta este campo, que es obligatorio",
        "this required field is missing",
    ),
    (
        "value and param both given",
        SIZE,
        'condition: {fact: size, op: ">=", param: min_group_size, value: 5}',
        ("value: 5}", 0),
        "criteria[2].condition",
        "indique uno solo de `value` o `param`",
        "give exactly one of `value` or `param`",
    ),
    (
        "a `to` before its `from`",
        "      - from: 2016-01-01\n        value: 5\n",
        "      - from: 2016-01-01\n        to: 2015-12-31\n        value: 5\n",
        ("- from: 2016-01-01", 0),
        "parameters.min_group_size.values[0]",
        "`to` (2015-12-31) es anterior a `from` (2016-01-01)",
        "`to` (2015-12-31) is before `from` (2016-01-01)",
    ),
    (
        "a repeated criterion id",
        "  - id: rural\n",
        "  - id: adults\n",
        ("  - id: adults", 1),
        "criteria[5].id",
        "hay ids de criterio repetidos: adults",
        "criterion ids repeated: adults",
    ),
    (
        "a citation of a document not in `sources`",
        RURAL_SOURCE,
        RURAL_SOURCE.replace("ref: ifad_proinpro", "ref: rop2099"),
        ("ref: rop2099", 0),
        "criteria[5].source",
        "el criterio `rural` remite a `rop2099`, que no está en `sources` "
        "(las fuentes son: fida2015, fida2017, ifad_proinpro)",
        "criterion `rural` cites `rop2099`, which is not in `sources` (known: fida2015, fida2017, ifad_proinpro)",
    ),
    (
        "an unknown field with a typo",
        RURAL,
        RURAL + "    valid_form: 2016-01-01\n",
        ("valid_form:", 0),
        "criteria[5].valid_form",
        "no es un campo del formato; ¿quiso decir `valid_from`?",
        "unknown field (not part of the format); did you mean `valid_from`?",
    ),
    (
        "a fact compared with a value of the wrong type",
        SIZE,
        'condition: {fact: size, op: ">=", value: "cinco"}',
        ('value: "cinco"', 0),
        "criteria[2].condition.value",
        "`size` es un número; 'cinco' es un texto y no se puede comparar con él",
        "`size` is a number; 'cinco' is a text and cannot be compared with it",
    ),
    (
        "a value that is not one of the format's",
        "unit: group\n",
        "unit: grupo\n",
        ("unit: grupo", 0),
        "unit",
        "«grupo» no es un valor admitido; use uno de estos: group, project",
        "`grupo` is not an accepted value; use one of: group, project",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "at", "field", "es", "en"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_rule_file_error_is_worded_in_spanish_and_english_at_the_same_place(
    tmp_path: Path, old: str, new: str, at: tuple[str, int], field: str, es: str, en: str
) -> None:
    folder, path, text = draft(tmp_path, old, new)
    line = lines_of(text, at[0])[at[1]]
    with pytest.raises(RuleFileError) as err:
        load_rules(folder)
    assert err.value.text("es") == str(err.value) == f"{path}:{line}: {field}: {es}"
    assert err.value.text("en") == f"{path}:{line}: {field}: {en}"


def test_programs_with_a_broken_draft_says_what_and_where_in_the_users_language(tmp_path: Path) -> None:
    folder, path, text = draft(tmp_path, SIZE, 'condition: {fact: size, op: ">=", value: "cinco"}')
    line = lines_of(text, 'value: "cinco"')[0]
    es = vincula("programs", "--rules", str(folder))
    en = vincula("programs", "--rules", str(folder), "--lang", "en")
    assert es.returncode == en.returncode == 2
    assert es.stderr == (
        f"error: {path}:{line}: criteria[2].condition.value: "
        "`size` es un número; 'cinco' es un texto y no se puede comparar con él\n"
    )
    assert en.stderr == (
        f"error: {path}:{line}: criteria[2].condition.value: "
        "`size` is a number; 'cinco' is a text and cannot be compared with it\n"
    )


def test_lint_reports_each_place_of_a_broken_rule_file_as_a_finding_in_the_users_language(tmp_path: Path) -> None:
    folder, path, text = draft(tmp_path, RURAL, RURAL + "    valid_form: 2016-01-01\n")
    text = text.replace(SIZE, 'condition: {fact: size, op: ">=", param: min_group_size, value: 5}')
    path.write_text(text, encoding="utf-8")
    both, typo = lines_of(text, "value: 5}")[0], lines_of(text, "valid_form")[0]
    es = vincula("lint", str(folder)).stdout.splitlines()
    en = vincula("lint", str(folder), "--lang", "en").stdout.splitlines()
    assert f"error: {path}:{both}: [schema] criteria[2].condition: indique uno solo de `value` o `param`" in es
    assert f"error: {path}:{typo}: [schema] criteria[5].valid_form: no es un campo del formato; ¿quiso decir `valid_from`?" in es
    assert f"error: {path}:{both}: [schema] criteria[2].condition: give exactly one of `value` or `param`" in en
    assert (
        f"error: {path}:{typo}: [schema] criteria[5].valid_form: "
        "unknown field (not part of the format); did you mean `valid_from`?"
    ) in en


def test_a_line_past_99_is_printed_as_a_number_not_an_emoji(tmp_path: Path) -> None:
    folder, path, text = draft(tmp_path, SIZE, 'condition: {fact: size, op: ">=", param: min_group_size, value: 5}')
    line = lines_of(text, "value: 5}")[0]
    assert line == 100  # rich's console reads `:100:` as the emoji code for 💯
    assert f"{path}:100: criteria[2].condition" in vincula("programs", "--rules", str(folder)).stderr
    assert f"{path}:100: [schema] criteria[2].condition" in vincula("lint", str(folder)).stdout


def commitments_copy(tmp_path: Path, old: str, new: str) -> tuple[Path, Path, str]:
    folder = tmp_path / "commitments"
    shutil.copytree(FIXTURES_DIR / "commitments", folder)
    path = folder / "steia.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return folder, path, text


def test_commitments_unknown_actor_is_worded_in_both_languages_from_the_gap_report(tmp_path: Path) -> None:
    folder, path, text = commitments_copy(tmp_path, "    from: shcp\n    to: steia\n", "    from: shcp\n    to: steai\n")
    line = lines_of(text, "to: steai")[0]
    with pytest.raises(InputError) as err:
        load_case(path)
    assert err.value.text("es") == f"{path}:{line}: commitments[0].to: no hay un actor `steai`; ¿quiso decir steia?"
    assert err.value.text("en") == f"{path}:{line}: commitments[0].to: unknown actor `steai`; did you mean steia?"
    es = vincula("gaps", "--commitments", str(folder), "--case", "steia")
    en = vincula("gaps", "--commitments", str(folder), "--case", "steia", "--lang", "en")
    assert es.stderr == f"error: {err.value.text('es')}\n"
    assert en.stderr == f"error: {err.value.text('en')}\n"


def test_commitments_end_before_start_points_at_the_end(tmp_path: Path) -> None:
    _, path, text = commitments_copy(tmp_path, "    start: 2015-01-01\n", "    start: 2015-01-01\n    end: 2014-06-30\n")
    line = lines_of(text, "end: 2014-06-30")[0]
    with pytest.raises(InputError) as err:
        load_case(path)
    assert err.value.text("es") == f"{path}:{line}: commitments[2].end: `end` (2014-06-30) es anterior a `start` (2015-01-01)"
    assert err.value.text("en") == f"{path}:{line}: commitments[2].end: `end` (2014-06-30) is before `start` (2015-01-01)"


def test_every_catalogue_id_a_validator_names_is_in_the_catalogue_in_both_languages() -> None:
    # an id with a typo would fall back, silently, to pydantic's English
    named = set()
    for module in ("schema.py", "commitments.py", "facts.py", "rules.py", "yamlfile.py"):
        source = (ENGINE / module).read_text(encoding="utf-8")
        named |= set(re.findall(r'(?:PydanticCustomError|Words)\(\s*"([a-z_]+\.[a-z_.]+)"', source))
        named |= set(re.findall(r'(?:key|hint_key)="([a-z_]+\.[a-z_.]+)"', source))
    assert len(named) > 60
    missing = sorted(k for k in named if not {"es", "en"} <= set(catalogue().get(k, {})))
    assert missing == []


def test_a_date_that_does_not_exist_is_an_error_at_its_line_not_a_traceback(tmp_path: Path) -> None:
    # YAML reads 2016-13-01 as a date and then fails to build it: PyYAML raised a bare ValueError
    folder, path, text = draft(tmp_path, "valid_from: 2016-01-01", "valid_from: 2016-13-01")
    line = lines_of(text, "2016-13-01")[0]
    with pytest.raises(RuleFileError) as err:
        load_rules(folder)
    assert err.value.text("es") == (
        f"{path}:{line}: «2016-13-01» se escribió como fecha, pero ese día no existe\n"
        "  → revise el mes y el día (AAAA-MM-DD: el mes va de 01 a 12)"
    )
    assert err.value.text("en") == (
        f"{path}:{line}: `2016-13-01` is written as a date, but no such day exists\n"
        "  → check the month and the day (YYYY-MM-DD: the month runs from 01 to 12)"
    )
    group = tmp_path / "g.yaml"
    group.write_text("id: g1\nas_of: 2017-02-30\nmembers:\n  - {age: 30}\n", encoding="utf-8")
    result = vincula("check", str(group), "--lang", "en")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {group}:2: `2017-02-30` is written as a date, but no such day exists")
