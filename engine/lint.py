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
- `features`   a programme no feature exercises, or a criterion no scenario names;
- `quote`      (with a sources folder) a quote that is not in the text of the document it cites,
               printed with the closest passage; a criterion, parameter value or documented
               commitment without a quote; a source text missing from the folder. Rule files
               and commitments cases alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from engine import FIXTURES_DIR, PROJECT_ROOT, RULES_DIR
from engine.errors import RuleFileError, VinculaError
from engine.rules import RULE_SUFFIXES, RuleSet, load_programme, rule_files
from engine.schema import Condition, Criterion, Group, Programme, walk
from engine.sources import check_quote
from engine.yamlfile import line_of, read_data

Level = Literal["error", "warning", "info"]
PLACEHOLDERS = {"", "?", "-", "todo", "tbd", "xxx", "n/a", "na", "pendiente", "s/p", "sin pagina"}
FEATURES_DIR = PROJECT_ROOT / "features"
GROUPS_DIR = FIXTURES_DIR / "groups"
COMMITMENTS_DIR = FIXTURES_DIR / "commitments"
#: where the source texts sit: beside the project (../shared/sources), never inside it; a
#: worktree one level deeper finds them one level up
SOURCES_DIR = next(
    (
        d
        for d in (
            PROJECT_ROOT.parent / "shared" / "sources",
            PROJECT_ROOT.parent.parent / "shared" / "sources",
        )
        if d.is_dir()
    ),
    PROJECT_ROOT.parent / "shared" / "sources",
)


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
    try:
        files = rule_files(directory)
    except VinculaError as exc:  # no rule files, or two files for one programme
        return [Finding("error", "schema", exc.where or str(directory), exc.message, exc.hint or "")]
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
        if not (doc.link or doc.publisher or doc.author or doc.text):
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
            # a period the sources are silent about is a legitimate "cannot tell": a note
            out.append(
                Finding(
                    "info",
                    "dates",
                    where,
                    f"the programme starts {p.valid_from} but the first value starts {values[0].from_}",
                    "add the value in force at the start, or move `valid_from`; until then criteria "
                    'using it come out "cannot tell"',
                )
            )
        last = values[-1]
        if last.to is not None and (p.valid_to is None or last.to < p.valid_to):
            out.append(
                Finding(
                    "info",
                    "dates",
                    where,
                    f"the last value ends {last.to} but the programme runs to {p.valid_to or 'no end'}",
                    "add the value in force afterwards, or leave `to:` open; after it criteria using "
                    'it come out "cannot tell"',
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


# --------------------------------------------------------------------------- quotes in their texts


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())


def _citations(
    node: yaml.Node, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], yaml.Node]]:
    """Every mapping of the file that holds a `ref` and a `quote`: citations and `cited_in`."""
    found: list[tuple[tuple[str | int, ...], yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        keys = {getattr(k, "value", None) for k, _ in node.value}
        if {"ref", "quote"} <= keys:
            found.append((path, node))
        for k, v in node.value:
            found += _citations(v, (*path, str(getattr(k, "value", "?"))))
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            found += _citations(v, (*path, i))
    return found


def _place(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _scalar(node: yaml.Node, key: str) -> yaml.ScalarNode | None:
    for k, v in node.value:
        if getattr(k, "value", None) == key and isinstance(v, yaml.ScalarNode):
            return v
    return None


def _unquoted(data: dict, node: yaml.Node | None, path: Path) -> list[Finding]:
    """Criteria, parameter values and documented commitments that carry no quote."""
    wanted: list[tuple[tuple[str | int, ...], str]] = []
    for i, c in enumerate(data.get("criteria") or []):
        wanted.append((("criteria", i, "source"), f"criterion `{c.get('id', i)}`"))
    for name, param in (data.get("parameters") or {}).items():
        for j, _ in enumerate(param.get("values") or []):
            wanted.append((("parameters", name, "values", j, "source"), f"parameter `{name}` value {j + 1}"))
    for i, c in enumerate(data.get("commitments") or []):
        if c.get("evidence", "documented") == "documented":
            wanted.append((("commitments", i, "source"), f"commitment `{c.get('id', i)}`"))
    out = []
    for loc, what in wanted:
        source: object = data
        for part in loc:
            source = source[part] if isinstance(source, (dict, list)) else None  # type: ignore[index]
            if source is None:
                break
        if not (isinstance(source, dict) and source.get("quote")):
            out.append(
                Finding(
                    "error",
                    "quote",
                    f"{path}:{line_of(node, loc)}",
                    f"{what} has no `quote`",
                    "copy the passage that states it, verbatim, from the document's text "
                    "(or mark a commitment `evidence: inferred` with its `reasoning`)",
                )
            )
    return out


def check_sources(
    sources_dir: Path | str,
    rules_dir: Path | str | None = None,
    commitments_dir: Path | str | None = COMMITMENTS_DIR,
) -> list[Finding]:
    """Every quote of the rule files and commitments cases, looked for in the text of the
    document it cites; every criterion, parameter value and documented commitment quoted."""
    sources_dir = Path(sources_dir)
    if not sources_dir.is_dir():
        return [Finding("error", "quote", str(sources_dir), "sources folder not found")]
    files = _yaml_files(Path(rules_dir) if rules_dir is not None else RULES_DIR)
    if commitments_dir is not None and Path(commitments_dir).is_dir():
        files += _yaml_files(Path(commitments_dir))
    out: list[Finding] = []
    for path in files:
        try:
            data, node = read_data(path, RuleFileError)
        except VinculaError:
            continue  # the schema check reports it
        if not isinstance(data, dict) or node is None:
            continue
        texts = {
            key: (doc.get("text") if isinstance(doc, dict) else None)
            for key, doc in (data.get("sources") or {}).items()
        }
        out += _unquoted(data, node, path)
        for loc, cite in _citations(node):
            ref_node, quote_node = _scalar(cite, "ref"), _scalar(cite, "quote")
            if ref_node is None or quote_node is None:
                continue
            ref, line, where = str(ref_node.value), quote_node.start_mark.line + 1, _place(loc)
            if ref not in texts:
                out.append(Finding("error", "quote", f"{path}:{line}", f"{where}: unknown source `{ref}`"))
                continue
            problem = check_quote(sources_dir, texts[ref], str(quote_node.value), path, line, where)
            if problem is not None:
                out.append(
                    Finding(
                        "error",
                        "quote",
                        f"{path}:{problem.line}",
                        f"{where}: {problem.message}",
                        problem.closest,
                    )
                )
    return out
