"""Determinations as a table to take away: one row per group and programme, as CSV or XLSX.

Each row holds what `vincula check --json` says about one programme for one group: the status
(its code and its words), the reasons, the criteria that failed or are not known, the missing
facts, what would make the group eligible (the steps, whether they are in the group's hands,
and their JSON Patch operations) and the citations of the criteria behind the answer. Column
titles and words are in the language asked for; codes (status, programme slug, criterion ids)
stay as they are, so a sheet can be filtered the same way in either language.

Every text cell goes through engine/tabular.py `safe_text`: a value a spreadsheet would run as
a formula is written as text. Files are written atomically (engine/atomic.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from engine.atomic import write_atomic
from engine.messages import Lang, t
from engine.schema import Determination, GroupResult
from engine.tabular import safe_text

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

#: the columns, in order (their titles are the catalogue's `export.col.<name>`)
COLUMNS = (
    "group_id",
    "as_of",
    "territory",
    "place",
    "program",
    "programme",
    "status",
    "status_text",
    "eligible",
    "reasons",
    "failed",
    "unknown",
    "missing_facts",
    "feasible",
    "suggestion",
    "changes",
    "citations",
    "rules_version",
)


def header(lang: Lang) -> list[str]:
    return [t(f"export.col.{c}", lang) for c in COLUMNS]


def _labels(det: Determination, ids: Iterable[str]) -> str:
    by_id = {c.id: c.label for c in det.criteria}
    return "; ".join(f"{by_id.get(i, i)} ({i})" for i in ids)


def _citations(det: Determination) -> str:
    """The sources of the criteria behind the answer: the failed or unknown ones, or all of
    them for an eligible group."""
    shown = set(det.failed) | set(det.unknown)
    criteria = [c for c in det.criteria if c.id in shown] or [c for c in det.criteria if c.required]
    return " | ".join(f"{c.id}: {c.source.title}, {c.source.pinpoint}" for c in criteria)


def _eligible(det: Determination, lang: Lang) -> str:
    """Yes / no / not known, as the status says: a programme that does not apply or is not in
    force is a "no" for the group, whatever its criteria say."""
    return _yes_no({"eligible": True, "cannot_tell": None}.get(det.status, False), lang)


def _yes_no(value: bool | None, lang: Lang) -> str:
    return t("explain.unknown" if value is None else "explain.yes" if value else "explain.no", lang)


#: a group that could not be judged: (group_id, what was wrong)
Failed = tuple[str, str]


def rows(results: Iterable[GroupResult | Failed], lang: Lang) -> Iterator[list[Any]]:
    """One row per group and programme (one row, status `error`, for a group that could not be
    judged), every text cell safe for a spreadsheet."""
    from engine.eligibility import fact_place_label

    for r in results:
        if isinstance(r, tuple):
            group_id, problem = r
            row: list[Any] = [group_id, *[""] * (len(COLUMNS) - 1)]
            row[COLUMNS.index("status")] = "error"
            row[COLUMNS.index("status_text")] = t("export.error", lang)
            row[COLUMNS.index("reasons")] = problem
            yield [safe_text(v) for v in row]
            continue
        place = ", ".join(str(x) for x in (r.territory.get("name"), r.territory.get("state_name")) if x)
        for det in r.determinations:
            best = det.suggestions[0] if det.suggestions else None
            row = [
                r.group_id,
                r.as_of.isoformat(),
                r.territory.get("code", ""),
                place,
                det.program,
                det.name,
                det.status,
                t(f"status.{det.status}", lang),
                _eligible(det, lang),
                det.summary,
                _labels(det, det.failed),
                _labels(det, det.unknown),
                "; ".join(fact_place_label(f, lang) for f in det.missing_facts),
                "" if best is None else _yes_no(best.feasible, lang),
                "" if best is None else " | ".join(s.text for s in best.steps),
                "" if best is None else json.dumps(best.changes, ensure_ascii=False),
                _citations(det),
                det.rules_version,
            ]
            yield [safe_text(v) for v in row]


def csv_line(row: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    return buffer.getvalue()


def csv_text(results: Iterable[GroupResult | Failed], lang: Lang) -> Iterator[str]:
    """The CSV, a line at a time, starting with a byte-order mark (spreadsheets need it to read
    UTF-8 accents right)."""
    yield "\ufeff" + csv_line(header(lang))
    for row in rows(results, lang):
        yield csv_line(row)


def xlsx_bytes(results: Iterable[GroupResult], lang: Lang) -> bytes:
    """The same table as a spreadsheet workbook, one sheet, titles in bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("export.sheet", lang)[:31]
    sheet.append(header(lang))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(results, lang):
        sheet.append(row)
    sheet.freeze_panes = "A2"
    widths = {"reasons": 60, "suggestion": 70, "citations": 50, "changes": 40, "programme": 36}
    for i, name in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=i).column_letter
        sheet.column_dimensions[letter].width = widths.get(name, 16)
        if name in widths:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(results: list[GroupResult], path: Path | str, fmt: Format, lang: Lang) -> Path:
    """Write the table to `path` atomically (never half-written); returns the path."""
    path = Path(path)
    if fmt == "csv":
        write_atomic(path, "".join(csv_text(results, lang)))
    else:
        write_atomic(path, xlsx_bytes(results, lang))
    return path
