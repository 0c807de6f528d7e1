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
from engine.messages import DEFAULT_LANG, Lang, t
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
    lang: Lang = DEFAULT_LANG,
) -> list[Finding]:
    """Every finding for the rule files of `directory` (default: the bundled rules/), its message
    and hint in `lang`."""
    directory = Path(directory) if directory is not None else RULES_DIR
    if not directory.is_dir():
        return [
            Finding(
                "error",
                "schema",
                str(directory),
                t("lint.no_rules_dir", lang),
                t("lint.no_rules_dir.hint", lang),
            )
        ]
    try:
        files = rule_files(directory)
    except VinculaError as exc:  # no rule files, or two files for one programme
        where = exc.where or str(directory)
        return [Finding("error", "schema", where, exc.message_in(lang), exc.hint_in(lang) or "")]
    findings: list[Finding] = []
    programmes: dict[str, tuple[Programme, Path]] = {}
    for path in files:
        try:
            programme, _ = load_programme(path)
        except VinculaError as exc:
            if exc.problems:  # one finding for each place of the file that is wrong
                places = {(p.where, p.message(lang)): None for p in exc.problems}
                findings += [Finding("error", "schema", w, m, exc.hint_in(lang) or "") for w, m in places]
                continue
            # the message may already start with `file:line: `; keep that as the place
            text = exc.message_in(lang)
            found = re.match(rf"{re.escape(str(path))}(:\d+)?: ", text)
            where = exc.where or (f"{path}{found.group(1) or ''}" if found else str(path))
            message = text[found.end() :] if found else text
            findings.append(Finding("error", "schema", where, message, exc.hint_in(lang) or ""))
            continue
        programmes[programme.slug] = (programme, path)
        findings += check_citations(programme, path, lang)
        findings += check_dates(programme, path, lang)
        findings += check_labels(programme, path, lang)
    if groups_dir is not None and programmes:
        findings += check_population(programmes, Path(groups_dir), lang)
    if features_dir is not None and programmes:
        findings += check_features(programmes, Path(features_dir), lang)
    return findings


def _placeholder(text: str | None) -> bool:
    return text is None or text.strip().lower() in PLACEHOLDERS


def check_citations(p: Programme, path: Path, lang: Lang = DEFAULT_LANG) -> list[Finding]:
    out: list[Finding] = []
    for c in p.criteria:
        if _placeholder(c.source.pinpoint):
            out.append(
                Finding(
                    "error",
                    "citation",
                    f"{path}: criterion `{c.id}`",
                    t("lint.citation.no_pinpoint", lang, pinpoint=c.source.pinpoint),
                    t("lint.citation.no_pinpoint.criterion.hint", lang),
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
                        t("lint.citation.no_pinpoint", lang, pinpoint=v.source.pinpoint),
                        t("lint.citation.no_pinpoint.value.hint", lang),
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
                    t("lint.citation.unfindable", lang),
                    t("lint.citation.unfindable.hint", lang),
                )
            )
    return out


def check_dates(p: Programme, path: Path, lang: Lang = DEFAULT_LANG) -> list[Finding]:
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
                        t("lint.dates.gap", lang, start=prev.to + one, end=nxt.from_ - one),
                        t("lint.dates.gap.hint", lang, end=nxt.from_ - one, previous=prev.from_),
                    )
                )
        if values[0].from_ > p.valid_from:
            # a period the sources are silent about is a legitimate "cannot tell": a note
            out.append(
                Finding(
                    "info",
                    "dates",
                    where,
                    t("lint.dates.late_start", lang, programme_from=p.valid_from, value_from=values[0].from_),
                    t("lint.dates.late_start.hint", lang),
                )
            )
        last = values[-1]
        if last.to is not None and (p.valid_to is None or last.to < p.valid_to):
            out.append(
                Finding(
                    "info",
                    "dates",
                    where,
                    t("lint.dates.early_end", lang, value_to=last.to, programme_to=p.valid_to)
                    if p.valid_to is not None
                    else t("lint.dates.early_end_open", lang, value_to=last.to),
                    t("lint.dates.early_end.hint", lang),
                )
            )
    return out


def check_labels(p: Programme, path: Path, lang: Lang = DEFAULT_LANG) -> list[Finding]:
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
                        t(
                            "lint.label.stale",
                            lang,
                            shown=", ".join(f"{x:g}" for x in sorted(shown)),
                            param=name,
                            current=f"{current:g}",
                        ),
                        t("lint.label.stale.hint", lang),
                    )
                )
    return out


def _nodes(c: Criterion) -> list[Condition]:
    return walk(c.condition)


def check_population(
    programmes: dict[str, tuple[Programme, Path]], groups_dir: Path, lang: Lang = DEFAULT_LANG
) -> list[Finding]:
    """Criteria whose outcome never varies over the bundled fixture groups. Each group is judged
    on its own `as_of` date, or, without one, on the programme's first day."""
    from engine.eligibility import EligibilityEngine
    from engine.groups import load_groups

    if not groups_dir.is_dir():
        return [Finding("info", "never_pass", str(groups_dir), t("lint.population.none", lang))]
    try:
        groups = load_groups(groups_dir)
    except VinculaError as exc:
        return [
            Finding(
                "warning",
                "never_pass",
                str(groups_dir),
                t("lint.population.unreadable", lang, reason=exc.message_in(lang)),
            )
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
                        t("lint.never_pass", lang, count=n, counts=_counts(counts, lang)),
                        t("lint.never_pass.hint", lang, folder=str(groups_dir)),
                    )
                )
            if counts["fail"] == 0:
                out.append(
                    Finding(
                        "warning",
                        "never_fail",
                        where,
                        t("lint.never_fail", lang, count=n, counts=_counts(counts, lang)),
                        t("lint.never_fail.hint", lang, folder=str(groups_dir)),
                    )
                )
    return out


def _with_date(g: Group, day: dt.date) -> Group:
    return g if g.as_of else g.model_copy(update={"as_of": day})


def _counts(c: Counter[str], lang: Lang) -> str:
    """How the bundled groups came out on a criterion, in the words of its explanations."""
    return ", ".join(f"{t(f'outcome.{k}', lang)} {c[k]}" for k in ("pass", "fail", "unknown") if c[k])


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def check_features(
    programmes: dict[str, tuple[Programme, Path]], features_dir: Path, lang: Lang = DEFAULT_LANG
) -> list[Finding]:
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
                    t("lint.features.programme", lang, slug=slug),
                    t("lint.features.programme.hint", lang, slug=slug),
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
                        t("lint.features.criterion", lang),
                        t("lint.features.criterion.hint", lang),
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


def _unquoted(data: dict, node: yaml.Node | None, path: Path, lang: Lang = DEFAULT_LANG) -> list[Finding]:
    """Criteria, parameter values and documented commitments that carry no quote."""
    wanted: list[tuple[tuple[str | int, ...], str]] = []
    for i, c in enumerate(data.get("criteria") or []):
        wanted.append((("criteria", i, "source"), t("lint.quote.missing.criterion", lang, id=c.get("id", i))))
    for name, param in (data.get("parameters") or {}).items():
        for j, _ in enumerate(param.get("values") or []):
            value_source: tuple[str | int, ...] = ("parameters", name, "values", j, "source")
            wanted.append((value_source, t("lint.quote.missing.value", lang, name=name, n=j + 1)))
    for i, c in enumerate(data.get("commitments") or []):
        if c.get("evidence", "documented") == "documented":
            wanted.append(
                (("commitments", i, "source"), t("lint.quote.missing.commitment", lang, id=c.get("id", i)))
            )
    out = []
    for loc, message in wanted:
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
                    message,
                    t("lint.quote.missing.hint", lang),
                )
            )
    return out


def check_sources(
    sources_dir: Path | str,
    rules_dir: Path | str | None = None,
    commitments_dir: Path | str | None = COMMITMENTS_DIR,
    lang: Lang = DEFAULT_LANG,
) -> list[Finding]:
    """Every quote of the rule files and commitments cases, looked for in the text of the
    document it cites; every criterion, parameter value and documented commitment quoted."""
    sources_dir = Path(sources_dir)
    if not sources_dir.is_dir():
        return [Finding("error", "quote", str(sources_dir), t("lint.no_sources_dir", lang))]
    files = _yaml_files(Path(rules_dir) if rules_dir is not None else RULES_DIR)
    if commitments_dir is not None and Path(commitments_dir).is_dir():
        files += _yaml_files(Path(commitments_dir))
    # one folder given as both (`lint draft/ --commitments draft/`): each file read once
    once: dict[Path, Path] = {}
    for f in files:
        once.setdefault(f.resolve(), f)
    out: list[Finding] = []
    files = list(once.values())
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
        out += _unquoted(data, node, path, lang)
        for loc, cite in _citations(node):
            ref_node, quote_node = _scalar(cite, "ref"), _scalar(cite, "quote")
            if ref_node is None or quote_node is None:
                continue
            ref, line, where = str(ref_node.value), quote_node.start_mark.line + 1, _place(loc)
            if ref not in texts:
                unknown = t("lint.quote.unknown_source", lang, ref=ref)
                out.append(Finding("error", "quote", f"{path}:{line}", f"{where}: {unknown}"))
                continue
            problem = check_quote(sources_dir, texts[ref], str(quote_node.value), path, line, where, lang)
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
