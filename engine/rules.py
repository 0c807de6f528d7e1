"""Load and validate the rule files of a rules directory (one programme per file).

A rule set is identified by a content hash, so a designer's draft and the bundled rules can be
loaded side by side and never mistaken for each other.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from engine import RULES_DIR
from engine.errors import RuleFileError, UnknownProgrammeError
from engine.schema import Programme
from engine.yamlfile import read_data

RULE_SUFFIXES = (".yaml", ".yml")


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
    data, node = read_data(path, RuleFileError)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    programme = _validate(path, data, node)
    expected = path.stem
    if programme.slug != expected:
        raise RuleFileError(
            f"slug `{programme.slug}` does not match the file name",
            where=f"{path}:1",
            hint=f"rename the file to {programme.slug}.yaml or set `slug: {expected}`",
        )
    return programme, digest


def _validate(path: Path, data: object, node: object) -> Programme:
    from pydantic import ValidationError

    from engine.facts import check_programme
    from engine.yamlfile import explain_validation, field_path, line_of

    try:
        programme = Programme.model_validate(data)
    except ValidationError as exc:
        raise RuleFileError(explain_validation(exc, path, data, node)) from None  # type: ignore[arg-type]
    # every comparison against the fact vocabulary: names, operators, value types and choices
    problems = check_programme(programme)
    if problems:
        raise RuleFileError(
            "\n".join(
                f"{path}:{line_of(node, loc)}: {field_path(loc, data)}: {message}"  # type: ignore[arg-type]
                for loc, message in problems
            )
        )
    return programme


def load_rules(directory: Path | str | None = None) -> RuleSet:
    """Every programme in `directory` (default: the bundled rules/)."""
    directory = Path(directory) if directory is not None else RULES_DIR
    if not directory.is_dir():
        raise RuleFileError(
            f"rules directory not found: {directory}",
            hint="give a folder holding <programme-slug>.yaml files",
        )
    files = sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())
    if not files:
        raise RuleFileError(f"no rule files (*.yaml) in {directory}")
    programmes: dict[str, Programme] = {}
    digests: dict[str, str] = {}
    for path in files:
        programme, digest = load_programme(path)
        programmes[programme.slug] = programme
        digests[programme.slug] = digest
    return RuleSet(directory=directory, programmes=programmes, digests=digests)
