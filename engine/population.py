"""Populations in the interchange format: where the files are, which columns they hold, how
they are read (as text, or strictly typed) and how frames are written.

A population is a folder with `groups.csv` and `members.csv` (or the same columns in
`groups.parquet` / `members.parquet`). The columns are the fact vocabulary's (engine/facts.py),
named as rules name the facts, so a fact added to the group document is a column here too:

- groups: group_id, then every fact a group states: country (MX | PA, empty = MX), territory
  (INEGI 5-digit municipality or PA province code, read as text), locality, organisation,
  urban_zap_pct, social_bank_office, project.proposer, project.proposer_country,
  project.sector, project.federal, project.state, project.municipal, project.migrant;
- members: group_id, then every member fact: age, sex, prospera, poverty, producer_stratum,
  entrepreneurial_potential, indigenous; and `person_id`, a stable person key (CURP-like; a
  person may belong to several groups), which no rule tests: optional, any text, empty = not
  known (engine/coverage.py follows people by it and requires it).

Only group_id and territory (groups) and group_id (members) must be there: a column left out,
like an empty cell, is "not known". Choices are written as in a group file (`rural`, `E2`,
`migrant_club`; a country code in any letter case); yes/no facts as true / false in any letter
case, or 1 / 0; numbers as numbers. A project's contributions, given at all, count a level
left empty as 0, as a group file does. Members of a group need not be contiguous.

What a cell may hold is decided by engine/validation.py, from the same columns. A population
is read in a language (`Population.find(folder, lang)`, Spanish by default): its errors, and the
reasons its rows are rejected, are worded in it (engine/messages.yaml).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar

import polars as pl

from engine import csvlines
from engine.errors import InputError
from engine.facts import GROUP_INPUT, MEMBER_FACTS, MEMBER_KEYS
from engine.messages import DEFAULT_LANG, Lang, t
from engine.schema import Group
from engine.scratch import Scratch, temp_name
from engine.vocabulary import Fact, Key

LINE = "__line"  # the line of the file a row comes from (the header is line 1)
MALFORMED = "__malformed"  # why a line is not a record of the header's width (null: it is)
LAST_EMPTY = "__last_empty"  # the last cell of a row is empty (or missing: too few fields)
#: a first line longer than this is not a header
MAX_HEADER_BYTES = 1 << 20
_BOM = b"\xef\xbb\xbf"
T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """One column of the interchange format: `group_id`, a fact a group or member states, or an
    identifier (`key`, such as a member's person_id: text, read and written but never tested)."""

    name: str
    fact: Fact | None = None
    key: Key | None = None

    @property
    def path(self) -> tuple[str, ...] | None:
        """Where the value sits in the group document (in a member, for a member column)."""
        return self.fact.path if self.fact is not None else self.key.path if self.key is not None else None

    @property
    def type(self) -> str:
        """The fact's type (number, text, bool, date), or `id` for group_id."""
        return self.fact.type if self.fact is not None else "id"

    @property
    def real(self) -> bool:
        """A number that need not be whole: read as text and parsed (many distinct values)."""
        return self.fact is not None and self.fact.type == "number" and not self.fact.integer

    @property
    def raw_dtype(self) -> pl.DataType:
        """How the column is read as text: Categorical where values repeat (choices, yes/no,
        ages: validated once per distinct value), String for ids and real numbers."""
        return pl.String() if self.fact is None or self.real else pl.Categorical()

    def strict_dtype(self, digits: bool = False) -> pl.DataType:
        """How a strict read types the column: a value it refuses sends the file to the exact
        validation. Yes/no as Boolean (true / false in any letter case), or, where `digits`
        (1 / 0 were seen), an Enum of every accepted word."""
        spec = self.fact
        if spec is None:
            return pl.String()
        if spec.type == "bool":
            return pl.Enum(list(TRUTH_WORDS)) if digits else pl.Boolean()
        if spec.type == "number":
            return pl.Int64() if spec.integer else pl.Float64()
        if spec.values is not None:
            return pl.Enum(spec.values)
        return pl.String()

    @property
    def typed_dtype(self) -> pl.DataType:
        """The column's type once validated."""
        spec = self.fact
        if spec is None:
            return pl.String()
        if spec.type == "bool":
            return pl.Boolean()
        if spec.type == "number":
            return pl.Int64() if spec.integer else pl.Float64()
        return pl.String()


def _columns(facts: dict[str, Fact], keys: dict[str, Key] | None = None) -> dict[str, Column]:
    return {
        "group_id": Column("group_id"),
        **{name: Column(name, key=key) for name, key in (keys or {}).items()},
        **{name: Column(name, spec) for name, spec in facts.items()},
    }


GROUP_COLUMNS: dict[str, Column] = _columns(GROUP_INPUT)
MEMBER_COLUMNS: dict[str, Column] = _columns(MEMBER_FACTS, MEMBER_KEYS)
REQUIRED = {
    "groups": (
        "group_id",
        *(
            n
            for n, c in GROUP_COLUMNS.items()
            if n in Group.model_fields and Group.model_fields[n].is_required()
        ),
    ),
    "members": ("group_id",),
}


def truth(text: str) -> bool | None:
    """A yes/no cell: true or false in any letter case (as polars reads a Boolean column), or
    1 / 0; None when it is none of these."""
    return {"true": True, "1": True, "false": False, "0": False}.get(text.lower()) if text.isascii() else None


def _spellings(word: str) -> list[str]:
    """Every letter-case spelling of `word` ("true", "True", "tRuE", ...)."""
    spelled = [""]
    for ch in word:
        spelled = [s + c for s in spelled for c in dict.fromkeys((ch.lower(), ch.upper()))]
    return spelled


#: every cell `truth` accepts, for a strict Enum read
TRUTH_WORDS = (*_spellings("true"), *_spellings("false"), "1", "0")


@dataclass
class Population:
    """Where a population's two files are and in which format, and the language its errors and
    rejects are worded in; and, for a CSV file found to hold malformed lines, the copy of it
    that is read instead (`check`, `read`)."""

    directory: Path
    groups: Path
    members: Path
    format: Literal["csv", "parquet"]
    lang: Lang = DEFAULT_LANG
    _sorted: dict[str, csvlines.Sorted] = field(default_factory=dict, repr=False, compare=False)
    _well_formed: set[str] = field(default_factory=set, repr=False, compare=False)

    @classmethod
    def find(cls, directory: Path | str, lang: Lang = DEFAULT_LANG) -> Population:
        """The population in `directory`, read in `lang`."""
        directory = Path(directory)
        if not directory.is_dir():
            raise InputError(
                t("pop.folder_not_found", lang, path=directory), hint=t("pop.folder_not_found.hint", lang)
            )
        for fmt in ("csv", "parquet"):
            g, m = directory / f"groups.{fmt}", directory / f"members.{fmt}"
            for path in (g, m):
                if path.exists() and not path.is_file():
                    raise InputError(
                        t("pop.not_regular", lang, path=path),
                        where=str(path),
                        hint=t("pop.not_regular.hint", lang),
                    )
            if g.is_file() and m.is_file():
                return cls(directory, g, m, fmt, lang)  # type: ignore[arg-type]
        raise InputError(t("pop.no_files", lang, path=directory), hint=t("pop.format.hint", lang))

    @property
    def size_bytes(self) -> int:
        return self.groups.stat().st_size + self.members.stat().st_size

    def path(self, which: Literal["groups", "members"]) -> Path:
        return self.groups if which == "groups" else self.members

    @cached_property
    def headers(self) -> dict[str, list[str]]:
        return {which: _header(self.path(which), self.format, self.lang) for which in ("groups", "members")}

    def columns(self, which: Literal["groups", "members"]) -> dict[str, Column]:
        """The interchange columns the file holds (a column of another name is ignored)."""
        known = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        return {n: known[n] for n in known if n in self.headers[which]}

    def _require(self, which: Literal["groups", "members"]) -> None:
        path, header = self.path(which), self.headers[which]
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        missing = [c for c in REQUIRED[which] if c not in header]
        if missing:
            lang = self.lang
            raise InputError(
                t("pop.no_column", lang, path=path, columns=", ".join(missing), count=len(missing)),
                where=f"{path}:1",
                hint=t(
                    "pop.no_column.hint",
                    lang,
                    required=", ".join(REQUIRED[which]),
                    optional=", ".join(c for c in expected if c not in REQUIRED[which]),
                ),
            )

    def _schema(
        self, which: Literal["groups", "members"], dtype: Callable[[Column], pl.DataType]
    ) -> dict[str, Any]:
        """The file's columns in order, typed by `dtype`; a column of no interchange name is read as
        text under a name of its own (`__other_<i>`), so that blank or repeated names do no harm."""
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        return {
            c if c in expected else f"__other_{i}": dtype(expected[c]) if c in expected else pl.String()
            for i, c in enumerate(self.headers[which])
        }

    def _scan_csv(
        self, which: Literal["groups", "members"], schema: dict[str, Any], lines: bool
    ) -> pl.LazyFrame:
        """The CSV file, or the copy read instead of it (whose `LINE` and `MALFORMED` come from the
        copy), by position under `schema`; with `LINE` if `lines`."""
        copy = self._sorted.get(which)
        if copy is not None:
            scan = pl.scan_csv(
                copy.path,
                has_header=False,
                skip_rows=1,
                schema={LINE: pl.Int64, MALFORMED: pl.String, **schema},
            )
            return scan if lines else scan.drop(LINE)
        return pl.scan_csv(
            self.path(which),
            has_header=False,
            skip_rows=1,
            schema=schema,
            row_index_name=LINE if lines else None,
            row_index_offset=2,
        )

    def scan(self, which: Literal["groups", "members"], last_empty: bool = False) -> pl.LazyFrame:
        """The rows of one file as text, with their line numbers and `MALFORMED` (null but for a
        malformed line, see `check`), every interchange column present (null where the file has
        none): Categorical where values repeat, String for group_id and real numbers
        (`Column.raw_dtype`); and `LAST_EMPTY` if `last_empty`."""
        path = self.path(which)
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        header = self.headers[which]
        self._require(which)
        last: list[pl.Expr] = []
        if self.format == "csv":
            schema = self._schema(which, lambda c: c.raw_dtype)
            lf = self._scan_csv(which, schema, lines=True)
            if which not in self._sorted:
                lf = lf.with_columns(pl.lit(None, pl.String).alias(MALFORMED))
            if last_empty:
                last = [pl.col(list(schema)[-1]).is_null().alias(LAST_EMPTY)]
        else:
            lf = pl.scan_parquet(path, row_index_name=LINE, row_index_offset=1)
            lf = lf.with_columns(
                *[pl.col(c).cast(pl.String).cast(expected[c].raw_dtype) for c in expected if c in header],
                pl.lit(None, pl.String).alias(MALFORMED),
            )
        present = [c for c in expected if c in header]
        absent = [pl.lit(None, expected[c].raw_dtype).alias(c) for c in expected if c not in header]
        return lf.select(pl.col(LINE).cast(pl.Int64), MALFORMED, *present, *absent, *last)

    def strict_scan(self, which: Literal["groups", "members"], lines: bool = False) -> pl.LazyFrame | None:
        """The file read strictly into typed columns (`Column.strict_dtype`; with `LINE` if
        `lines`), every interchange column present, and `LAST_EMPTY`; None for a file this read
        does not cover (Parquet, a required column missing, a file read through its sorted copy).
        A value it refuses fails the query, and the exact validation then reports it; a value it
        accepts means what the exact validation makes of it (engine/validation.py checks ranges
        and ids afterwards)."""
        header = self.headers[which]
        if self.format != "csv" or which in self._sorted or any(c not in header for c in REQUIRED[which]):
            return None
        expected = GROUP_COLUMNS if which == "groups" else MEMBER_COLUMNS
        bools = [c for c in header if c in expected and expected[c].type == "bool"]
        digits = _writes_digits(self.path(which), [header.index(c) for c in bools])
        schema = self._schema(which, lambda c: c.strict_dtype(digits))
        # `LINE` stays the reader's own 32-bit row index here (1.3 s less than Int64 on 75 M rows)
        scan = self._scan_csv(which, schema, lines)
        words = pl.Series([truth(w) for w in TRUTH_WORDS], dtype=pl.Boolean)
        as_bool = [pl.lit(words).gather(pl.col(c).to_physical()).alias(c) for c in bools] if digits else []
        absent = [pl.lit(None, expected[c].typed_dtype).alias(c) for c in expected if c not in header]
        # a row with too few fields leaves its last cell empty: counted, to know when to look
        last = pl.col(list(schema)[-1]).is_null().alias(LAST_EMPTY)
        keep = [LINE] if lines else []
        scan = scan.with_columns(*as_bool, *absent, last)
        return scan.select(*keep, *expected, LAST_EMPTY)

    # ----------------------------------------------------------------------- malformed lines

    def check(self, which: Literal["groups", "members"], scratch: Scratch, rows: int | None = None) -> bool:
        """Make sure the file is read right: True when it is read as it is (every line one record
        of the header's width, by the cheap test of `csvlines.well_formed`; `rows`: the records
        polars read from it, if known); otherwise it is read line by line and, if that finds
        malformed lines, records spanning lines or blank ones, its sorted copy (in `scratch`) is
        read from now on, and False is returned."""
        if self.format != "csv" or which in self._well_formed:
            return True
        if which in self._sorted:
            return False
        self._require(which)
        if csvlines.well_formed(self.path(which), len(self.headers[which]), rows):
            self._well_formed.add(which)
            return True
        return self.sort(which, scratch)

    def sort(self, which: Literal["groups", "members"], scratch: Scratch) -> bool:
        """Read the file line by line into its sorted copy (engine/csvlines.py), read instead of
        it from now on; True (and no copy kept) when nothing in it needed sorting. Raises
        InputError for a file that is not UTF-8."""
        header = self.headers[which]
        copy = csvlines.sort_lines(
            self.path(which),
            header,
            header.index("group_id"),
            scratch.path / f"{which}.sorted.csv",
            self.lang,
        )
        if copy.malformed == copy.spanning == copy.blank == 0:
            copy.path.unlink(missing_ok=True)
            self._well_formed.add(which)
            return True
        self._sorted[which] = copy
        return False

    def read(self, which: Literal["groups", "members"], scratch: Scratch, reading: Callable[[], T]) -> T:
        """`reading()` (a read of the file), again through the sorted copy if polars refuses the
        file as it is; an InputError saying why when it refuses that too."""
        try:
            return reading()
        except pl.exceptions.PolarsError as exc:
            failure: Exception = exc
        if self.format == "csv" and which not in self._sorted:
            self._well_formed.discard(which)
            if not self.sort(which, scratch):
                try:
                    return reading()
                except pl.exceptions.PolarsError as exc:
                    failure = exc
        path = self.path(which)
        reason = str(failure).strip().splitlines()[0] if str(failure).strip() else type(failure).__name__
        raise InputError(
            t("pop.cannot_read", self.lang, name=path.name, reason=reason),
            where=str(path),
            hint=t("pop.format.hint", self.lang),
        ) from failure

    def forget_copies(self) -> None:
        """Read the files themselves again (their sorted copies are gone with the scratch folder)."""
        self._sorted.clear()

    @property
    def malformed(self) -> int:
        """Lines found malformed (and rejected) in the files read so far."""
        return sum(copy.malformed for copy in self._sorted.values())


def _header(path: Path, fmt: str, lang: Lang = DEFAULT_LANG) -> list[str]:
    """The column names of a file: the CSV header (UTF-8, with or without a byte-order mark;
    names may be quoted and spaced), or a Parquet file's schema. A file in another encoding,
    with lines ended by carriage returns alone, or naming an interchange column twice, is an
    InputError that says how to put it right."""
    if fmt == "parquet":
        try:
            return list(pl.read_parquet_schema(path))
        except Exception as exc:  # noqa: BLE001 - whatever polars makes of a file that is not Parquet
            raise InputError(
                t(
                    "pop.not_parquet",
                    lang,
                    name=path.name,
                    reason=str(exc).splitlines()[0] if str(exc) else exc,
                ),
                where=str(path),
                hint=t("pop.not_parquet.hint", lang),
            ) from exc
    with open(path, "rb") as f:
        head = f.readline(MAX_HEADER_BYTES + 1)
    for marks, encoding, iconv in (
        ((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"), "pop.encoding.utf32", "UTF-32"),
        ((b"\xff\xfe", b"\xfe\xff"), "pop.encoding.utf16", "UTF-16"),
    ):
        if head.startswith(marks):
            raise _other_encoding(path, encoding, iconv, lang)
    if b"\x00" in head:  # a byte-order mark left out: UTF-16 little-endian, as Windows writes it
        raise _other_encoding(path, "pop.encoding.utf16_no_bom", "UTF-16LE", lang)
    if len(head) > MAX_HEADER_BYTES:
        raise InputError(
            t("pop.header_too_long", lang, name=path.name, mb=MAX_HEADER_BYTES // 2**20),
            where=f"{path}:1",
            hint=t("pop.header_too_long.hint", lang),
        )
    head = head.removeprefix(_BOM)
    try:
        line = head.decode("utf-8").removesuffix("\n").removesuffix("\r")
    except UnicodeDecodeError:
        raise csvlines.not_utf8(path, 1, head, lang) from None
    if not line.strip():
        raise InputError(t("pop.empty", lang, path=path), where=f"{path}:1", hint=t("pop.empty.hint", lang))
    if "\r" in line:
        command = f"tr '\\r' '\\n' < {path.name} > {path.stem}-lf.csv"
        raise InputError(
            t("pop.cr_only", lang, name=path.name),
            where=f"{path}:1",
            hint=t("pop.cr_only.hint", lang, command=command),
        )
    names = [c.strip() for c in next(csv.reader([line]))]
    known = {*GROUP_COLUMNS, *MEMBER_COLUMNS}
    for name in known:
        at = [i + 1 for i, c in enumerate(names) if c == name]
        if len(at) > 1:
            raise InputError(
                t(
                    "pop.column_twice",
                    lang,
                    name=path.name,
                    column=name,
                    times=len(at),
                    at=", ".join(map(str, at)),
                ),
                where=f"{path}:1",
                hint=t("pop.column_twice.hint", lang),
            )
    return names


def _other_encoding(path: Path, encoding: str, iconv: str, lang: Lang) -> InputError:
    """The error for a file in `encoding` (a catalogue id), convertible by iconv from `iconv`."""
    return InputError(
        t("pop.other_encoding", lang, name=path.name, encoding=t(encoding, lang)),
        where=str(path),
        hint=t("pop.to_utf8.hint", lang, encoding=iconv, name=path.name, stem=path.stem),
    )


def _writes_digits(path: Path, at: list[int]) -> bool:
    """Whether the first rows of a CSV write a yes/no column (at positions `at`) as 1 / 0."""
    if not at:
        return False
    size = 64 * 1024
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        text = f.read(size)
    lines = text.splitlines()[:1000]
    if len(text) == size:
        lines = lines[:-1]  # may be cut short
    rows = csv.reader(lines[1:])
    return any(len(row) > max(at) and any(row[i] in ("1", "0") for i in at) for row in rows)


def as_read(typed: pl.DataFrame) -> pl.DataFrame:
    """Typed member rows (from `strict_scan`) as `Population.scan` reads them, for the exact
    validation: every value written out again as text (`true`, `30`, ...)."""
    return typed.with_columns(
        pl.col(LINE).cast(pl.Int64),
        pl.lit(None, pl.String).alias(MALFORMED),
        *[
            pl.col(c).cast(pl.String).cast(col.raw_dtype)
            for c, col in MEMBER_COLUMNS.items()
            if c != "group_id"
        ],
    )


# --------------------------------------------------------------------------- groups as rows


def frames_of(groups: list[Group]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Groups as the interchange format's two frames (every column, typed), for writing: each
    fact from its place in the group document."""

    def cell(doc: Any, col: Column) -> Any:
        value: Any = doc
        for part in col.path or ():
            value = getattr(value, part, None)
            if value is None:
                return None
        return getattr(value, "value", value)  # an Enum by its value

    group_rows = [
        {"group_id": g.id, **{n: cell(g, c) for n, c in GROUP_COLUMNS.items() if c.path}} for g in groups
    ]
    member_rows = [
        {"group_id": g.id, **{n: cell(m, c) for n, c in MEMBER_COLUMNS.items() if c.path}}
        for g in groups
        for m in g.members
    ]
    return (
        pl.DataFrame(group_rows, schema={n: c.typed_dtype for n, c in GROUP_COLUMNS.items()}),
        pl.DataFrame(member_rows, schema={n: c.typed_dtype for n, c in MEMBER_COLUMNS.items()}),
    )


def groups_of(groups: pl.DataFrame, members: pl.DataFrame) -> list[Group]:
    """The group documents that the interchange format's two frames (typed as `frames_of`
    makes them) describe: the inverse of `frames_of`, up to what a document leaves out."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for row in members.iter_rows(named=True):
        doc: dict[str, Any] = {}
        for name, col in MEMBER_COLUMNS.items():
            if col.path is not None and row.get(name) is not None:
                set_path(doc, col.path, row[name])
        by_group.setdefault(row["group_id"], []).append(doc)
    out = []
    for row in groups.iter_rows(named=True):
        doc = {"id": row["group_id"], "members": by_group.get(row["group_id"], [])}
        for name, col in GROUP_COLUMNS.items():
            if col.fact is not None and row.get(name) is not None:
                set_path(doc, col.fact.path or (), row[name])
        out.append(Group.model_validate(doc))
    return out


def set_path(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Put `value` at `path` in a group document (a dict), making the parts on the way."""
    for part in path[:-1]:
        doc = doc.setdefault(part, {})
    doc[path[-1]] = value


# --------------------------------------------------------------------------- writing


def check_destination(target: Path | str, lang: Lang = DEFAULT_LANG) -> Path:
    """Fail now, before any work, when a file cannot be written at `target`: it names a folder
    or something else than a file, its folder is missing, or this process cannot create a file
    there (tried, with the name its temporary file will have). Returns `target` as a Path."""
    target = Path(target)
    folder = target.parent
    if target.is_dir():
        raise InputError(t("out.is_folder", lang, path=target), hint=t("out.is_folder.hint", lang))
    if target.exists() and not target.is_file():
        raise InputError(t("out.not_a_file", lang, path=target), hint=t("out.not_a_file.hint", lang))
    if not folder.is_dir():
        key = "out.no_folder" if not folder.exists() else "out.folder_is_file"
        raise InputError(t(key, lang, folder=folder), hint=t("out.no_folder.hint", lang))
    _try_writing(temp_name(target), folder, lang)
    return target


def check_folder(folder: Path | str, lang: Lang = DEFAULT_LANG) -> Path:
    """Fail now when files cannot be written into `folder`, made (with its parents) if missing."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(t("out.folder_is_file", lang, folder=folder), hint=t("out.no_folder.hint", lang))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            t("out.cannot_write", lang, folder=folder, reason=exc.strerror or exc),
            hint=t("out.cannot_write.hint", lang),
        ) from exc
    _try_writing(temp_name(folder / "probe"), folder, lang)
    return folder


def _try_writing(probe: Path, folder: Path, lang: Lang) -> None:
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # this process's own temporary file: the folder is writable
    except OSError as exc:
        raise InputError(
            t("out.cannot_write", lang, folder=folder, reason=exc.strerror or exc),
            hint=t("out.cannot_write.hint", lang),
        ) from exc
    os.close(fd)
    probe.unlink(missing_ok=True)


class FrameWriter:
    """Frames appended to a CSV or Parquet file (by the target's suffix) through a temporary file
    beside the target (named for this process: engine/scratch.py), renamed when the `with`
    block ends without an error and deleted when it ends with one: a failed or interrupted run
    never leaves a half-written file under the target name, and a killed one leaves a file the
    next run recognises and removes. `schema` is what an empty file holds. Screening results,
    their rejects and synthetic populations."""

    def __init__(self, target: Path, schema: pl.Schema | dict[str, Any]) -> None:
        self.target = target
        self.schema = schema
        self.tmp = temp_name(target)
        self.parquet = target.suffix.lower() in (".parquet", ".pq")
        self._pq: Any = None
        self._fh: Any = None
        self.rows = 0

    def write(self, df: pl.DataFrame, plain: bool = False) -> None:
        """Append `df`; `plain` promises that no text in it needs CSV quoting, which spares
        the writer its check of every cell."""
        quoting: Literal["necessary", "never"] = "never" if plain else "necessary"
        if self.parquet:
            import pyarrow.parquet as pq

            table = df.to_arrow()
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, table.schema)
            self._pq.write_table(table)
        else:
            if self._fh is None:
                self._fh = open(self.tmp, "wb")
                df.write_csv(self._fh, include_header=True, quote_style=quoting)
            else:
                df.write_csv(self._fh, include_header=False, quote_style=quoting)
        self.rows += df.height

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, error: type[BaseException] | None, *_: object) -> None:
        if error is None:
            self._commit()
        else:
            self._abort()

    def _commit(self) -> None:
        if self._pq is None and self._fh is None:
            self.write(pl.DataFrame(schema=self.schema))  # header / schema only
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()
        os.replace(self.tmp, self.target)

    def _abort(self) -> None:
        for h in (self._pq, self._fh):
            try:
                if h is not None:
                    h.close()
            except Exception:  # noqa: BLE001 - cleaning up after the real error
                pass
        self.tmp.unlink(missing_ok=True)
