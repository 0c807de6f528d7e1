"""Read beneficiary-group files (YAML or JSON): one group, a list, or `{groups: [...]}`.

A file that is not valid is refused whole, every problem named by file, line and place in the
words of engine/input_errors.py ("g.yaml:12: integrante 3, edad: debe ser a lo más 120"), in the
language asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from engine.errors import InputError
from engine.input_errors import PARTS, worded
from engine.messages import Lang, t
from engine.schema import Group
from engine.vocabulary import field_of
from engine.yamlfile import line_of, read_data

GROUP_SUFFIXES = (".yaml", ".yml", ".json")
_GROUPS = TypeAdapter(list[Group])


def load_groups(path: Path | str, lang: Lang = "es") -> list[Group]:
    """Every group in a file, or in every group file of a folder (sorted by name)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in GROUP_SUFFIXES)
        if not files:
            raise InputError(key="input.no_group_files", values={"path": path})
        return [g for f in files for g in load_groups(f, lang)]
    data, node = read_data(path, InputError)
    if isinstance(data, dict) and "groups" in data:
        data = data["groups"]
        node = next((v for k, v in node.value if k.value == "groups"), node) if node is not None else None
    many = isinstance(data, list)
    try:
        return _GROUPS.validate_python(data) if many else [Group.model_validate(data)]
    except ValidationError as exc:
        raise InputError(_explained(exc, path, data, node, many, lang)) from None


def _explained(exc: ValidationError, path: Path, data: Any, node: Any, many: bool, lang: Lang) -> str:
    """Every problem of a group file, one per line: `file:line: place: what is wrong`."""
    lines: list[str] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = _line(node, loc)
        where = f"{path}:{line}" if line else str(path)
        inner: dict[str, Any] = dict(err)
        if many and loc and isinstance(loc[0], int):
            inner["loc"] = loc[1:]
        place, message = worded(inner, lang)
        if many and loc and isinstance(loc[0], int):
            item = data[loc[0]] if isinstance(data, list) and loc[0] < len(data) else None
            gid = item.get("id") if isinstance(item, dict) else None
            group = t("input.group_n", lang, n=loc[0] + 1) + (f" ({gid})" if gid else "")
            place = f"{group}, {place}"
        text = f"{where}: {place}: {message}"
        if text not in lines:
            lines.append(text)
    return "\n".join(lines)


def _line(node: Any, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest part of the file that `loc` (the model's field names) reaches,
    whatever word the file uses for each key (`integrantes`, `edad`): engine/vocabulary.py
    `field_of`, in the model of the part reached (a member's keys in `Member`)."""

    def field(reached: tuple[Any, ...], key: str | None) -> str | None:
        model: type[BaseModel] = Group
        for part in reached:
            model = PARTS.get(str(part), model)
        return field_of(model, key)

    return line_of(node, loc, field)
