"""Hostile rule and group files: each is refused with a clear error naming the file (and line),
quickly and without a traceback, or read correctly. None may hang, exhaust memory or be read as
something other than what its author sees."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import FIXTURES_DIR, RULES_DIR
from engine.errors import InputError, RuleFileError
from engine.groups import load_groups
from engine.rules import load_rules
from engine.yamlfile import MAX_ALIAS_NODES, MAX_FILE_BYTES

BUNDLED: dict[str, Any] = yaml.safe_load((RULES_DIR / "proinpro.yaml").read_text(encoding="utf-8"))
VINCULA = [sys.executable, "-m", "api.cli"]
GROUP = "id: g-1\nterritory: '12029'\nlocality: rural\nas_of: 2017-06-30\nmembers:\n  - {age: 30, sex: F}\n"


def rule_text(edit: Any = None) -> str:
    """proinpro's bundled rule file, re-written (block style), after `edit(data)`."""
    data = copy.deepcopy(BUNDLED)
    if edit is not None:
        edit(data)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def draft(tmp_path: Path, text: str, name: str = "proinpro.yaml") -> Path:
    folder = tmp_path / "draft"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def line_of(text: str, needle: str, start: int = 1) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if i >= start and needle in line)


def refused(folder: Path) -> str:
    t0 = time.perf_counter()
    with pytest.raises(RuleFileError) as info:
        load_rules(folder)
    assert time.perf_counter() - t0 < 5, "refusing a hostile file must not cost its expansion"
    return info.value.text("en")


def bomb(levels: int) -> str:
    """A condition of `levels` nested `all`s, each of ten aliases of the level below: 10**levels
    comparisons written in a few hundred bytes per level."""
    leaf = '{fact: country, op: "==", value: MX}'
    cond = "&c0 {all: [" + ", ".join([leaf] * 10) + "]}"
    for i in range(1, levels):
        cond = f"&c{i} {{all: [{cond}, " + ", ".join([f"*c{i - 1}"] * 9) + "]}"
    return cond


def with_condition(condition_text: str) -> str:
    """The rule file with its `in_mexico` criterion's condition written as `condition_text`."""
    def edit(data: dict[str, Any]) -> None:
        crit = next(c for c in data["criteria"] if c["id"] == "in_mexico")
        crit["condition"] = "PLACEHOLDER"
    return rule_text(edit).replace("condition: PLACEHOLDER", f"condition: {condition_text}", 1)


# --------------------------------------------------------------------------- aliases


@pytest.mark.parametrize("levels", [5, 6, 9])
def test_rule_file_alias_bomb_is_refused_with_the_bound(tmp_path: Path, levels: int) -> None:
    text = with_condition(bomb(levels))
    assert len(text.encode()) < 20_000
    message = refused(draft(tmp_path, text))
    assert f"at most {MAX_ALIAS_NODES:,}" in message and "proinpro.yaml" in message


def test_rule_file_with_a_few_aliases_loads_as_if_written_out(tmp_path: Path) -> None:
    small = load_rules(draft(tmp_path, with_condition(bomb(2))))
    condition = next(c for c in small.programmes["proinpro"].criteria if c.id == "in_mexico").condition
    assert len(condition.all) == 10 and all(len(c.all) == 10 for c in condition.all)  # type: ignore[union-attr]


def test_rule_file_alias_inside_itself_is_refused_with_its_line(tmp_path: Path) -> None:
    text = with_condition("&loop {all: [*loop]}")
    message = refused(draft(tmp_path, text))
    assert f"proinpro.yaml:{line_of(text, '&loop')}" in message and "contains itself" in message


# --------------------------------------------------------------------------- numbers that are not


@pytest.mark.parametrize("written", [".nan", ".NaN", ".inf", "-.inf", "1.0e+400"])
def test_rule_file_parameter_that_is_not_a_finite_number_is_refused_at_load(
    tmp_path: Path, written: str
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["parameters"]["min_group_size"]["values"][0]["value"] = "PLACEHOLDER"
    text = rule_text(edit).replace("value: PLACEHOLDER", f"value: {written}")
    message = refused(draft(tmp_path, text))
    assert f"proinpro.yaml:{line_of(text, f'value: {written}')}" in message
    assert "not a number that can be compared" in message


@pytest.mark.parametrize("written", ['"nan"', '"-Infinity"', "1e999"])
def test_rule_file_threshold_read_as_a_non_finite_number_is_refused(tmp_path: Path, written: str) -> None:
    # not a YAML float, but the model reads it as one: caught after validation, with its place
    text = with_condition(
        "{members: count, where: {fact: age, op: '>=', value: 18}, op: '>=', value: " + written + "}"
    )
    message = refused(draft(tmp_path, text))
    assert f"proinpro.yaml:{line_of(text, written)}" in message and "not a finite number" in message


@pytest.mark.parametrize("command", [
    ["lint", "{draft}"],
    ["check", "--rules", "{draft}", str(FIXTURES_DIR / "groups" / "g-001.yaml")],
    ["diff", "--rules", "{draft}", "--population", str(FIXTURES_DIR / "groups")],
])
def test_cli_on_a_nan_rule_file_says_where_and_exits_2(tmp_path: Path, command: list[str]) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["parameters"]["min_group_size"]["values"][0]["value"] = float("nan")
    folder = draft(tmp_path, rule_text(edit))
    run = subprocess.run([*VINCULA, *(c.format(draft=folder) for c in command)],
                         capture_output=True, text=True, timeout=120)
    out = run.stdout + run.stderr
    assert "Traceback" not in out
    assert "not a number that can be compared" in out or "no es un número que se pueda comparar" in out
    assert run.returncode == (1 if command[0] == "lint" else 2)  # lint: 1 = errors found


# --------------------------------------------------------------------------- keys written twice


def test_rule_file_duplicate_key_is_refused_with_both_lines(tmp_path: Path) -> None:
    text = with_condition('{fact: country, op: ">=", op: "<", value: MX}')
    line = line_of(text, 'op: ">=", op: "<"')
    message = refused(draft(tmp_path, text))
    assert f"key `op` is written twice in the same mapping (lines {line} and {line})" in message


def test_rule_file_duplicate_top_level_key_is_refused(tmp_path: Path) -> None:
    text = rule_text() + "version: '9999.1'\n"
    message = refused(draft(tmp_path, text))
    first, second = line_of(text, "version:"), len(text.splitlines())
    assert f"key `version` is written twice in the same mapping (lines {first} and {second})" in message


def test_rule_file_yaml_merge_key_is_not_a_duplicate(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["x_defaults"] = "PLACEHOLDER"
    text = rule_text(edit)
    text = text.replace("x_defaults: PLACEHOLDER\n", "")
    text = text.replace("name:\n", "name: &name\n", 1) + "summary:\n  <<: *name\n"
    # `summary` is now written twice: refused for that, not for the merge key `<<`
    assert "key `summary`" in refused(draft(tmp_path, text))
    merged = rule_text().replace("name:\n", "name: &name\n", 1).replace(
        "summary:\n", "summary:\n  <<: *name\n", 1)
    assert load_rules(draft(tmp_path, merged)).programmes["proinpro"]


# --------------------------------------------------------------------------- the folder


def test_rule_folder_with_yaml_and_yml_of_one_programme_is_refused(tmp_path: Path) -> None:
    folder = draft(tmp_path, rule_text())
    changed = rule_text(lambda d: d.update(version="2099.1"))
    (folder / "proinpro.yml").write_text(changed, encoding="utf-8")
    message = refused(folder)
    assert "two rule files for `proinpro`: proinpro.yaml and proinpro.yml" in message


def test_rule_folder_with_a_fifo_named_yaml_is_refused_not_read(tmp_path: Path) -> None:
    folder = draft(tmp_path, rule_text())
    os.mkfifo(folder / "zz-pipe.yaml")
    assert "zz-pipe.yaml is a named pipe (FIFO), not a regular file" in refused(folder)


def test_rule_file_larger_than_the_bound_is_refused(tmp_path: Path) -> None:
    text = rule_text() + "# " + "x" * 1_100_000 + "\n"
    assert "larger than 1,000,000 bytes" in refused(draft(tmp_path, text))


def test_rule_file_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    folder = draft(tmp_path, rule_text())
    path = folder / "proinpro.yaml"
    path.write_bytes(path.read_bytes().replace(b"agency:", b"agency: \xe9\n# ", 1))
    message = refused(folder)
    assert "not UTF-8" in message and f"proinpro.yaml:{line_of(rule_text(), 'agency:')}" in message


@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,                      # nested deeper than libyaml allows
    "!!python/object/apply:os.system ['true']\n",  # code, for an unsafe loader
    "slug: proinpro\n\tname: x\n",                # a tab
])
def test_rule_file_that_is_not_data_is_refused_as_invalid_yaml(tmp_path: Path, text: str) -> None:
    message = refused(draft(tmp_path, text))
    assert "proinpro.yaml" in message


# --------------------------------------------------------------------------- group files


def group_refused(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_groups(path)
    return info.value.text("en")


def test_group_file_dev_zero_is_refused_not_read() -> None:
    assert group_refused(Path("/dev/zero")) == "/dev/zero is a character device, not a regular file\n" \
        "  → give a YAML or JSON file (or, where a folder is accepted, the folder holding them)"


def test_group_file_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "g.yaml").symlink_to("/dev/zero")
    assert "character device" in group_refused(tmp_path / "g.yaml")


def test_group_fifo_does_not_hang_the_cli(tmp_path: Path) -> None:
    fifo = tmp_path / "groups.yaml"
    os.mkfifo(fifo)
    # a subprocess: a regression would block the read forever, not fail
    run = subprocess.run([*VINCULA, "check", str(fifo)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "es una tubería con nombre (FIFO), no un archivo" in run.stderr


def test_group_file_larger_than_the_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("w", encoding="utf-8") as f:
        f.write(GROUP)
        f.write("# " + "x" * MAX_FILE_BYTES + "\n")
    assert f"larger than {MAX_FILE_BYTES:,} bytes" in group_refused(path)


def test_group_file_duplicate_key_is_refused_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GROUP + "territory: '12001'\n", encoding="utf-8")
    assert "g.yaml:7: key `territory` is written twice in the same mapping (lines 2 and 7)" \
        in group_refused(path)


def test_group_json_file_duplicate_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"id": "g", "territory": "12029", "id": "h"}', encoding="utf-8")
    assert "key `id` is written twice" in group_refused(path)


def test_group_file_nan_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GROUP + "urban_zap_pct: .nan\n", encoding="utf-8")
    assert "g.yaml:7: `.nan` is not a number that can be compared" in group_refused(path)


def test_group_file_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "g.yaml"
    path.write_text(GROUP + "\n".join(lines) + "\n", encoding="utf-8")
    assert f"at most {MAX_ALIAS_NODES:,} are accepted" in group_refused(path)


def test_group_file_members_from_an_alias_are_read_as_written_out(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(GROUP.replace("  - {age: 30, sex: F}", "  - &m {age: 30, sex: F}\n  - *m\n  - *m"),
                    encoding="utf-8")
    (group,) = load_groups(path)
    assert [m.age for m in group.members] == [30, 30, 30]


def test_lint_reports_two_rule_files_for_one_programme(tmp_path):
    from engine import RULES_DIR
    from engine.lint import lint

    source = RULES_DIR / "proinpro.yaml"
    (tmp_path / "proinpro.yaml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "proinpro.yml").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    findings = lint(tmp_path)
    assert any(f.level == "error" and "hay dos archivos de reglas para `proinpro`" in f.message for f in findings)
