"""Read a YAML or JSON file into a pydantic model; errors name the file, line and field.

Used for rule files, group files and commitments files alike, so every one of them reports bad
input the same way. YAML is parsed with the safe loader: files are data, never code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from engine.errors import VinculaError

M = TypeVar("M", bound=BaseModel)


#: the safe loader (ISO dates become dates, nothing else special), in C when PyYAML has libyaml:
#: ten times faster, which is most of the start-up time of every command
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_data(path: Path, error: type[VinculaError]) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML/JSON file; return the data and its node tree (for line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"file not found: {path}", hint="check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {path}: {exc}") from None
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"not valid YAML/JSON: {problem}", where=where) from None
    return data, node


def line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the deepest node that `loc` reaches (pydantic locs may hold union tags,
    which are skipped because they are not keys of the file)."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if match is None:
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            continue
        best = node.start_mark.line + 1
    return best


def field_path(loc: tuple[Any, ...], data: Any) -> str:
    """`criteria[2].condition.op`: the parts of `loc` that are keys or indexes of the data, plus
    a missing field's name at the end."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int) and isinstance(data, list) and part < len(data):
            out += f"[{part}]"
            data = data[part]
        elif isinstance(data, dict) and str(part) in data:
            out += f".{part}" if out else str(part)
            data = data[str(part)]
        elif i == len(loc) - 1 and isinstance(part, str):
            out += f".{part}" if out else part
    return out or "(top level)"


def explain_validation(
    exc: ValidationError, path: Path | str, data: Any, node: yaml.Node | None = None
) -> str:
    """All validation problems of one file, one per line, as `file:line: field: message`."""
    lines = []
    seen = set()
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = line_of(node, loc)
        where = f"{path}:{line}" if line else str(path)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (not part of the format; check its spelling)"
        text = f"{where}: {field_path(loc, data)}: {msg}"
        if text not in seen:
            seen.add(text)
            lines.append(text)
    return "\n".join(lines)


def load_model(path: Path, model: type[M], error: type[VinculaError], data: Any = None) -> M:
    """Validate a file's content against `model`; raise `error` naming file, line and field."""
    node = None
    if data is None:
        data, node = read_data(path, error)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(explain_validation(exc, path, data, node)) from None
