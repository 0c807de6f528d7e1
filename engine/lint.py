"""The rule-file linter: what a designer should fix or look at before a rules folder goes live.

Checks, each finding with file, place and a hint:
- `schema`     the file does not validate (every error of engine/rules.py, with line numbers);
- `citation`   a criterion or parameter value whose citation is a placeholder, or whose source
               document cannot be found again (no link and no publisher);
- `dates`      parameter values with a gap between them, or not covering the programme's period
               (overlaps are schema errors already);
- `label`      a label that states a number the parameter in force no longer has;
- `never_pass` / `never_fail`  a criterion whose outcome never varies on the bundled population
               of fixture groups (fixtures/groups/): untested, or redundant;
- `features`   a programme no feature exercises, or a criterion no scenario names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine import FIXTURES_DIR, PROJECT_ROOT, RULES_DIR
from engine.errors import VinculaError
from engine.rules import RULE_SUFFIXES, RuleSet, load_programme
from engine.schema import Condition, Criterion, Group, Programme, walk

Level = Literal["error", "warning", "info"]
PLACEHOLDERS = {"", "?", "-", "todo", "tbd", "xxx", "n/a", "na", "pendiente", "s/p", "sin pagina"}
FEATURES_DIR = PROJECT_ROOT / "features"
GROUPS_DIR = FIXTURES_DIR / "groups"


@dataclass(frozen=True)
class Finding:
    level: Level
    check: str
    where: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.level}: {self.where}: [{self.check}] {self.message}"
        return text + (f"\n  → {self.hint}" if self.hint else "")


def lint(
    directory: Path | str | None = None,
    groups_dir: Path | str | None = GROUPS_DIR,
    features_dir: Path | str | None = FEATURES_DIR,
) -> list[Finding]:
    """Every finding for the rule files of `directory` (default: the bundled rules/)."""
    directory = Path(directory) if directory is not None else RULES_DIR
    if not directory.is_dir():
        return [
            Finding(
                "error",
                "schema",
                str(directory),
                "rules directory not found",
                "give a folder holding <programme-slug>.yaml files",
            )
        ]
    files = sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())
    if not files:
        return [Finding("error", "schema", str(directory), "no rule files (*.yaml) in the folder")]
    findings: list[Finding] = []
    programmes: dict[str, tuple[Programme, Path]] = {}
    for path in files:
        try:
            programme, _ = load_programme(path)
        except VinculaError as exc:
            # the message may already start with `file:line: `; keep that as the place
            found = re.match(rf"{re.escape(str(path))}(:\d+)?: ", exc.message)
            where = exc.where or (f"{path}{found.group(1) or ''}" if found else str(path))
            message = exc.message[found.end() :] if found else exc.message
            findings.append(Finding("error", "schema", where, message, exc.hint or ""))
            continue
        programmes[programme.slug] = (programme, path)
        findings += check_citations(programme, path)
        findings += check_dates(programme, path)
        findings += check_labels(programme, path)
    if groups_dir is not None and programmes:
        findings += check_population(programmes, Path(groups_dir))
    if features_dir is not None and programmes:
        findings += check_features(programmes, Path(features_dir))
    return findings


def _placeholder(text: str | None) -> bool:
    return text is None or text.strip().lower() in PLACEHOLDERS


def check_citations(p: Programme, path: Path) -> list[Finding]:
    out: list[Finding] = []
    for c in p.criteria:
        if _placeholder(c.source.pinpoint):
            out.append(
                Finding(
                    "error",
                    "citation",
                    f"{path}: criterion `{c.id}`",
                    f"the citation has no real pinpoint (`{c.source.pinpoint}`)",
                    "give the article, numeral or page of the source that states this criterion",
                )
            )
    for name, param in p.parameters.items():
        for v in param.values:
            if _placeholder(v.source.pinpoint):
                out.append(
                    Finding(
                        "error",
                        "citation",
                        f"{path}: parameter `{name}` from {v.from_}",
                        f"the citation has no real pinpoint (`{v.source.pinpoint}`)",
                        "give the article, numeral or page that sets this value",
                    )
                )
    cited = {c.source.ref for c in p.criteria} | {
        v.source.ref for q in p.parameters.values() for v in q.values
    }
    for key in sorted(cited):
        doc = p.sources[key]
        if not doc.link and not doc.publisher:
            out.append(
                Finding(
                    "warning",
                    "citation",
                    f"{path}: source `{key}`",
                    "the source has neither a link nor a publisher; a reader cannot find it",
                    "add `publisher:` (and `link:` where the document is online)",
                )
            )
    return out


def check_dates(p: Programme, path: Path) -> list[Finding]:
    """Gaps between parameter values, and parts of the programme's period no value covers."""
    out: list[Finding] = []
    one = dt.timedelta(days=1)
    for name, param in p.parameters.items():
        values = param.values  # sorted and free of overlaps (schema)
        where = f"{path}: parameter `{name}`"
        for prev, nxt in zip(values, values[1:], strict=False):
            if prev.to is not None and prev.to + one < nxt.from_:
                out.append(
                    Finding(
                        "error",
                        "dates",
                        where,
                        f"no value in force from {prev.to + one} to {nxt.from_ - one}",
                        f"set `to: {nxt.from_ - one}` on the value from {prev.from_}, or add "
                        'a value for the gap; criteria using it come out "cannot tell" there',
                    )
                )
        if values[0].from_ > p.valid_from:
            out.append(
                Finding(
                    "warning",
                    "dates",
                    where,
                    f"the programme starts {p.valid_from} but the first value starts {values[0].from_}",
                    "add the value in force at the start, or move `valid_from`",
                )
            )
        last = values[-1]
        if last.to is not None and (p.valid_to is None or last.to < p.valid_to):
            out.append(
                Finding(
                    "warning",
                    "dates",
                    where,
                    f"the last value ends {last.to} but the programme runs to {p.valid_to or 'no end'}",
                    "add the value in force afterwards, or leave `to:` open",
                )
            )
    return out


def check_labels(p: Programme, path: Path) -> list[Finding]:
    """A label that says "5" while the parameter it uses is now 4 misleads every explanation."""
    out: list[Finding] = []
    for c in p.criteria:
        params = [str(q) for n in _nodes(c) if (q := getattr(n, "param", None))]
        for name in dict.fromkeys(params):
            current = p.parameters[name].values[-1].value
            if isinstance(current, bool) or not isinstance(current, (int, float)):
                continue
            shown = {float(x) for x in re.findall(r"\d+(?:\.\d+)?", c.label.es + " " + c.label.en)}
            wanted = {float(current), float(current) * 100}
            if shown and not shown & wanted and float(current) >= 1:
                out.append(
                    Finding(
                        "warning",
                        "label",
                        f"{path}: criterion `{c.id}`",
                        f"the label states {', '.join(f'{x:g}' for x in sorted(shown))} but "
                        f"`{name}` is now {current:g}",
                        "update the Spanish and English labels, or use words without the number",
                    )
                )
    return out


def _nodes(c: Criterion) -> list[Condition]:
    return walk(c.condition)


def check_population(programmes: dict[str, tuple[Programme, Path]], groups_dir: Path) -> list[Finding]:
    """Criteria whose outcome never varies over the bundled fixture groups. Each group is judged
    on its own `as_of` date, or, without one, on the programme's first day."""
    from engine.eligibility import EligibilityEngine
    from engine.groups import load_groups

    if not groups_dir.is_dir():
        return [Finding("info", "never_pass", str(groups_dir), "no bundled population to test criteria on")]
    try:
        groups = load_groups(groups_dir)
    except VinculaError as exc:
        return [
            Finding("warning", "never_pass", str(groups_dir), f"bundled population unreadable: {exc.message}")
        ]
    rules = RuleSet(
        directory=groups_dir,
        programmes={s: p for s, (p, _) in programmes.items()},
        digests={s: _digest(path) for s, (_, path) in programmes.items()},
    )
    engine = EligibilityEngine(rules)
    out: list[Finding] = []
    for slug, (programme, path) in programmes.items():
        tally: dict[str, Counter[str]] = {c.id: Counter() for c in programme.criteria}
        for g in groups:
            day = g.as_of or programme.valid_from
            det = engine.check(_with_date(g, day), day, "en", [slug]).determinations[0]
            for c in det.criteria:
                tally[c.id][c.outcome] += 1
        for cid, counts in tally.items():
            where = f"{path}: criterion `{cid}`"
            n = sum(counts.values())
            if counts["pass"] == 0:
                out.append(
                    Finding(
                        "warning",
                        "never_pass",
                        where,
                        f"passes for none of the {n} bundled groups ({_counts(counts)})",
                        f"add a group to {groups_dir} that meets it, or check the condition",
                    )
                )
            if counts["fail"] == 0:
                out.append(
                    Finding(
                        "warning",
                        "never_fail",
                        where,
                        f"fails for none of the {n} bundled groups ({_counts(counts)})",
                        f"add a group to {groups_dir} that does not meet it, or check whether "
                        "the criterion can fail at all",
                    )
                )
    return out


def _with_date(g: Group, day: dt.date) -> Group:
    return g if g.as_of else g.model_copy(update={"as_of": day})


def _counts(c: Counter[str]) -> str:
    return ", ".join(f"{k} {c[k]}" for k in ("pass", "fail", "unknown") if c[k])


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def check_features(programmes: dict[str, tuple[Programme, Path]], features_dir: Path) -> list[Finding]:
    """A programme is exercised when a step names it ("... para PROINPRO", "... for PROINPRO");
    a criterion is named when its id or label appears in a feature (in a step or a table)."""
    from engine.territory import _fold

    files = sorted(features_dir.rglob("*.feature")) if features_dir.is_dir() else []
    text = "\n".join(_fold(f.read_text(encoding="utf-8")) for f in files)
    named = re.findall(r"(?:\bpara\b|\bfor\b)\s+([^\n|\"]+?)(?:\s+is checked)?\s*$", text, flags=re.M)
    out: list[Finding] = []
    for slug, (p, path) in programmes.items():
        keys = {slug, slug.replace("-", " "), _fold(p.name.es), _fold(p.name.en)}
        exercised = any(
            n.strip() in keys
            or (len(n.strip()) > 3 and (n.strip() in _fold(p.name.es) or n.strip() in _fold(p.name.en)))
            for n in named
        )
        if not exercised:
            out.append(
                Finding(
                    "warning",
                    "features",
                    str(path),
                    f"no feature exercises `{slug}`",
                    f"write scenarios under features/{slug}/ (see features/README.md)",
                )
            )
            continue
        for c in p.criteria:
            if not any(
                k and k in text
                for k in (
                    f'"{c.id}"',
                    f"| {c.id} ",
                    f"({c.id}",
                    f" {c.id})",
                    f"{c.id},",
                    f'"{_fold(c.label.es)}"',
                    f'"{_fold(c.label.en)}"',
                )
            ):
                out.append(
                    Finding(
                        "info",
                        "features",
                        f"{path}: criterion `{c.id}`",
                        "no scenario names this criterion",
                        "add a Scenario Outline with examples on both sides of it",
                    )
                )
    return out
