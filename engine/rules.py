"""Load and validate the rule files of a rules directory (one programme per file).

A rule set is identified by a content hash, so a designer's draft and the bundled rules can be
loaded side by side and never mistaken for each other. A draft cannot say one thing and mean
another: besides what engine/yamlfile.py refuses in any file (aliases that explode, keys written
twice, `.nan`), a number that is not finite however it was written (`"nan"`, `1e999`) and two
files for one programme (`x.yaml` and `x.yml`) are refused.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine import RULES_DIR
from engine.errors import FileProblem, RuleFileError, UnknownProgrammeError, Words
from engine.schema import Programme
from engine.yamlfile import field_path, line_of, parse_text, read_text

RULE_SUFFIXES = (".yaml", ".yml")

#: The largest rule file read: the bundled ones are under 10 KB.
MAX_RULE_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class RuleSet:
    """The programmes of one rules directory, in file-name order."""

    directory: Path
    programmes: dict[str, Programme]
    digests: dict[str, str] = field(default_factory=dict)  # slug -> content hash (12 hex)

    @property
    def slugs(self) -> list[str]:
        return list(self.programmes)

    def get(self, slug: str) -> Programme:
        try:
            return self.programmes[slug]
        except KeyError:
            raise UnknownProgrammeError(slug, self.slugs) from None

    def version(self, slug: str) -> str:
        return f"{self.programmes[slug].version}+{self.digests[slug]}"


def load_programme(path: Path) -> tuple[Programme, str]:
    """One rule file: the validated programme and the hash of its text."""
    text = read_text(path, RuleFileError, MAX_RULE_FILE_BYTES)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]  # of the text read, not a later one
    data, node = parse_text(text, path, RuleFileError)
    programme = _validate(path, data, node)
    loc = next(_non_finite(programme.model_dump(by_alias=True)), None)
    if loc is not None:
        raise RuleFileError(
            problems=[
                FileProblem(f"{path}:{line_of(node, loc)}", field_path(loc, data), Words("rule.not_finite"))
            ],
            hint_key="rule.not_finite.hint",
        )
    if programme.slug != path.stem:
        raise RuleFileError(
            key="rule.slug_mismatch",
            hint_key="rule.slug_mismatch.hint",
            values={"slug": programme.slug, "stem": path.stem},
            where=f"{path}:1",
        )
    return programme, digest


def _validate(path: Path, data: object, node: object) -> Programme:
    from pydantic import ValidationError

    from engine.facts import check_programme
    from engine.yamlfile import validation_problems

    try:
        programme = Programme.model_validate(data)
    except ValidationError as exc:
        raise RuleFileError(problems=validation_problems(exc, path, data, node, Programme)) from None  # type: ignore[arg-type]
    # every comparison against the fact vocabulary: names, operators, value types and choices
    problems = check_programme(programme)
    if problems:
        raise RuleFileError(
            problems=[
                FileProblem(f"{path}:{line_of(node, loc)}", field_path(loc, data), words)  # type: ignore[arg-type]
                for loc, words in problems
            ]
        )
    return programme


def rule_files(directory: Path) -> list[Path]:
    """The rule files of a folder, by name; two files for one programme (`x.yaml` and `x.yml`)
    are an error, since only one of them could be used."""
    # not only regular files: a FIFO or device named *.yaml is refused when read, not skipped
    files = sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES and not p.is_dir())
    if not files:
        raise RuleFileError(key="rule.no_rule_files", values={"directory": directory})
    by_stem: dict[str, Path] = {}
    for path in files:
        if path.stem in by_stem:
            raise RuleFileError(
                key="rule.two_files",
                hint_key="rule.two_files.hint",
                values={"stem": path.stem, "first": by_stem[path.stem].name, "second": path.name},
                where=str(directory),
            )
        by_stem[path.stem] = path
    return files


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """Every programme in `directory` (default: the bundled rules/)."""
    directory = Path(directory) if directory is not None else RULES_DIR
    if not directory.is_dir():
        raise RuleFileError(
            key="rule.no_rules_dir", hint_key="rule.no_rules_dir.hint", values={"directory": directory}
        )
    files = rule_files(directory)
    programmes: dict[str, Programme] = {}
    digests: dict[str, str] = {}
    for path in files:
        programme, digest = load_programme(path)
        programmes[programme.slug] = programme
        digests[programme.slug] = digest
    _check_concurrency(programmes, directory)
    return RuleSet(directory=directory, programmes=programmes, digests=digests)


def _check_concurrency(programmes: dict[str, Programme], directory: Path) -> None:
    """Every programme named in a `concurrency` section must be a rule file of the same folder or
    of the bundled rules/ (a designer's draft may hold only the programme being changed)."""
    import difflib

    known = sorted(set(programmes) | {p.stem for p in RULES_DIR.glob("*.yaml")})
    for slug, programme in programmes.items():
        for other in programme.concurrency:
            if other not in known:
                close = difflib.get_close_matches(other, known, n=3)
                raise RuleFileError(
                    key="rule.concurrency_unknown",
                    hint_key="error.did_you_mean" if close else "error.known_programmes",
                    values={"other": other, "close": ", ".join(close), "known": ", ".join(known)},
                    where=str(directory / f"{slug}.yaml"),
                )


def _non_finite(value: object, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Where in a dumped model a float is NaN or infinite."""
    if isinstance(value, float) and not math.isfinite(value):
        yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _non_finite(item, (*loc, i))
