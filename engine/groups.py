"""Read beneficiary-group files (YAML or JSON): one group, a list, or `{groups: [...]}`."""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from engine.errors import InputError
from engine.messages import Lang
from engine.schema import Group
from engine.yamlfile import explain_validation, read_data

GROUP_SUFFIXES = (".yaml", ".yml", ".json")
_GROUPS = TypeAdapter(list[Group])


def load_groups(path: Path | str, lang: Lang = "es") -> list[Group]:
    """Every group in a file, or in every group file of a folder (sorted by name)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in GROUP_SUFFIXES)
        if not files:
            raise InputError(f"no group files (*.yaml, *.json) in {path}")
        return [g for f in files for g in load_groups(f, lang)]
    data, node = read_data(path, InputError)
    if isinstance(data, dict) and "groups" in data:
        data = data["groups"]
        node = next((v for k, v in node.value if k.value == "groups"), node) if node is not None else None
    many = isinstance(data, list)
    try:
        return _GROUPS.validate_python(data) if many else [Group.model_validate(data)]
    except ValidationError as exc:
        raise InputError(explain_validation(exc, path, data, node)) from None
