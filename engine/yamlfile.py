"""Read a YAML or JSON file into a pydantic model; errors name the file, line and field.

Used for rule files, group files and commitments files alike, so every one of them reports bad
input the same way. YAML is parsed with the safe loader: files are data, never code.

A file is refused, with its line, before anything is built from it when it could make the
program hang, run out of memory or silently read something other than what its author sees:
- not a regular file (a FIFO would block the read forever, `/dev/zero` never ends), or larger
  than `MAX_FILE_BYTES`;
- YAML aliases (`*name`) that expand to more than `MAX_ALIAS_NODES` values (7.5 KB of nested
  aliases can stand for a billion), or that contain themselves;
- a key written twice in one mapping (YAML keeps the last one without a word);
- `.nan` or `.inf`, which no rule, group or commitment means and which compare false with
  everything;
- a date that does not exist (`2017-13-01`), which YAML reads as a date and cannot build.
"""

from __future__ import annotations

import math
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from engine.errors import FileProblem, VinculaError, Words

M = TypeVar("M", bound=BaseModel)

#: Larger files are refused. PyYAML builds about 250 MB of objects and takes a few seconds per
#: 4 MB of group file; populations larger than this are screened from CSV or Parquet.
MAX_FILE_BYTES = 10_000_000

#: Values that aliases may add to a file. A hundred thousand cost less than a 1 MB file; a rule
#: file that needs more is written out.
MAX_ALIAS_NODES = 100_000

#: the safe loader (ISO dates become dates, nothing else special), in C when PyYAML has libyaml:
#: ten times faster, which is most of the start-up time of every command
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FLOAT_TAG = "tag:yaml.org,2002:float"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def read_text(path: Path, error: type[VinculaError], max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `max_bytes`."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(key="file.not_found", hint_key="file.not_found.hint", values={"path": path}) from None
    except OSError as exc:
        raise error(key="file.unreadable", values={"path": path, "reason": exc.strerror or exc}) from None
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise error(
                key=f"file.not_regular.{_kind(mode)}", hint_key="file.not_regular.hint", values={"path": path}
            )
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise error(
            key="file.too_large", hint_key="file.too_large.hint", values={"path": path, "limit": max_bytes}
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise error(
            key="file.not_utf8",
            hint_key="file.not_utf8.hint",
            values={"byte": f"{raw[exc.start]:#04x}", "position": exc.start},
            where=f"{path}:{line}",
        ) from None


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "folder"),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISCHR, "character_device"),
        (stat.S_ISBLK, "block_device"),
        (stat.S_ISSOCK, "socket"),
    ):
        if test(mode):
            return name
    return "special"


def read_data(
    path: Path, error: type[VinculaError], max_bytes: int = MAX_FILE_BYTES
) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML/JSON file; return the data and its node tree (for line numbers)."""
    return parse_text(read_text(path, error, max_bytes), path, error)


def parse_text(text: str, path: Path, error: type[VinculaError]) -> tuple[Any, yaml.Node | None]:
    """Parse the text of `path` (composed once: the checks read the node tree, then the data is
    built from it)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        _refuse_misleading(node, loader, path, error)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(key="file.not_yaml", values={"problem": problem}, where=where) from None
    finally:
        loader.dispose()
    return data, node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _refuse_misleading(root: yaml.Node, loader: Any, path: Path, error: type[VinculaError]) -> None:
    """Walk the node tree once (each node once, however many aliases point at it) and raise
    `error` for the first thing the module docstring lists."""
    # The node tree shares an aliased node between its uses; `expanded` is the number of values
    # each node stands for once the aliases are written out, computed bottom-up without writing
    # them out (depth first, iteratively: libyaml accepts nesting a thousand levels deep).
    expanded: dict[int, int] = {}
    nodes: list[yaml.Node] = []
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(c)] for c in _children(node))
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise error(
                key="file.alias_loop",
                hint_key="file.alias_loop.hint",
                where=f"{path}:{node.start_mark.line + 1}",
            )
        on_path.add(key)
        nodes.append(node)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in expanded)
    added = expanded[id(root)] - len(nodes)
    if added > MAX_ALIAS_NODES:
        raise error(
            key="file.alias_bomb",
            hint_key="file.alias_bomb.hint",
            values={"added": added, "limit": MAX_ALIAS_NODES},
            where=str(path),
        )
    for node in nodes:
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicate_keys(node, loader, path, error)
        elif isinstance(node, yaml.ScalarNode) and node.tag == _TIMESTAMP_TAG:
            try:
                loader.construct_yaml_timestamp(node)
            except ValueError:  # 2017-13-01 reads as a date and then fails to be one
                raise error(
                    key="file.no_such_date",
                    hint_key="file.no_such_date.hint",
                    values={"value": node.value},
                    where=f"{path}:{node.start_mark.line + 1}",
                ) from None
        elif isinstance(node, yaml.ScalarNode) and node.tag == _FLOAT_TAG:
            if not math.isfinite(loader.construct_yaml_float(node)):
                raise error(
                    key="file.not_finite",
                    hint_key="file.not_finite.hint",
                    values={"value": node.value},
                    where=f"{path}:{node.start_mark.line + 1}",
                )


def _refuse_duplicate_keys(
    node: yaml.MappingNode, loader: Any, path: Path, error: type[VinculaError]
) -> None:
    first_line: dict[Any, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue  # complex keys are refused by the models; `<<` merges are meant to repeat
        value = loader.construct_object(key)  # `1` and `"1"` differ, `yes` and `true` do not
        line = key.start_mark.line + 1
        if value in first_line:
            raise error(
                key="file.key_twice",
                hint_key="file.key_twice.hint",
                values={"key": key.value, "first": first_line[value], "second": line},
                where=f"{path}:{line}",
            )
        first_line[value] = line


def line_of(
    node: yaml.Node | None,
    loc: tuple[Any, ...],
    field: Callable[[tuple[Any, ...], str | None], str | None] | None = None,
) -> int | None:
    """1-based line of the deepest node that `loc` reaches (pydantic locs may hold union tags,
    which are skipped because they are not keys of the file). `field(reached, key)` names a key
    of the file as `loc` does, given the parts of `loc` reached so far (a group file's
    `integrantes` is `members`: engine/groups.py); by default a key is its own name."""
    best = node.start_mark.line + 1 if node is not None else None
    reached: list[Any] = []
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            here = tuple(reached)
            match = next(
                (
                    v
                    for k, v in node.value
                    for key in (getattr(k, "value", None),)
                    if (field(here, key) if field else key) == str(part)
                ),
                None,
            )
            if match is None:
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            continue
        reached.append(part)
        best = node.start_mark.line + 1
    return best


#: the field of a problem of the whole document (the API names it so; a file's problem says it in
#: the reader's words, engine/errors.py `FileProblem`)
TOP_LEVEL = "(top level)"


def field_path(loc: tuple[Any, ...], data: Any, missing: bool = True) -> str:
    """`criteria[2].condition.op`: the parts of `loc` that are keys or indexes of the data, plus
    a missing field's name at the end (when `missing`: otherwise a last part that is not in the
    data is a union's tag, `compare` or `bool`, which the file does not write)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int) and isinstance(data, list) and part < len(data):
            out += f"[{part}]"
            data = data[part]
        elif isinstance(data, dict) and str(part) in data:
            out += f".{part}" if out else str(part)
            data = data[str(part)]
        elif missing and i == len(loc) - 1 and isinstance(part, str):
            out += f".{part}" if out else part
    return out or TOP_LEVEL


def validation_problems(
    exc: ValidationError,
    path: Path | str,
    data: Any,
    node: yaml.Node | None = None,
    model: type[BaseModel] | None = None,
) -> list[FileProblem]:
    """Every validation problem of one file (a rule file, a commitments case), each at its
    `file:line` and field, worded from the catalogue: a validator's own error by its id, pydantic's
    as `rule.<type>` or `input.<type>` (engine/input_errors.py `words_of`). An unknown field of
    `model` is answered with the field it most likely means."""
    from engine.input_errors import pydantic_text, words_of

    problems = []
    from engine.schema import AT

    for err in exc.errors():
        loc = tuple(err["loc"]) + tuple(dict(err.get("ctx") or {}).get(AT, ()))
        line = line_of(node, loc)
        where = f"{path}:{line}" if line else str(path)
        words: Words | str | None = None
        if err["type"] == "extra_forbidden":
            close = _close_field(model, loc) if model is not None else None
            words = Words("rule.extra_forbidden_close", {"field": close}) if close else None
        words = words or words_of(dict(err), ("rule", "input")) or pydantic_text(dict(err))
        field = field_path(loc, data, err["type"] == "missing")
        problems.append(FileProblem(where, "" if field == TOP_LEVEL else field, words))
    return problems


def _close_field(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The field of the format most like the unknown key at the end of `loc`, if one is close."""
    import difflib

    models = [model]
    for part in loc[:-1]:
        if not isinstance(part, str):
            continue  # a list item
        fields = [f for m in models for name, f in m.model_fields.items() if part in (name, f.alias)]
        if fields:  # otherwise a key of the file's own (a parameter's name) or a union's tag
            models = [m for f in fields for m in _models_in(f.annotation)] or models
    names = sorted({f.alias or name for m in models for name, f in m.model_fields.items()})
    close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.7) if loc else []
    return close[0] if close else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models a field's type holds (`list[Criterion]`, `dict[str, Parameter]`, a union)."""
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def load_model(path: Path, model: type[M], error: type[VinculaError], data: Any = None) -> M:
    """Validate a file's content against `model`; raise `error` naming file, line and field."""
    node = None
    if data is None:
        data, node = read_data(path, error)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(problems=validation_problems(exc, path, data, node, model)) from None
