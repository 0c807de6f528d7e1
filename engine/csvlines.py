"""A population CSV file's lines, sorted into well-formed records and malformed lines.

A well-formed file is read by polars in one pass and never comes here. A file polars refuses
(a line with an extra field, an unterminated quote), or one that may hold a line with too few
fields (which polars would read as cells left empty, that is "not known"), is read here line
by line, cheaply: every line is matched, vectorised, against the grammar of a record of the
header's width; only the lines that fail it are looked at one by one, in Python, to name what
is wrong with them. A quoted cell may span lines: a line with an odd number of quotes opens such
a record, which is closed by the next line with an odd number of quotes (at most `MAX_SPAN`
lines on); a record that does not close into one of the header's width is an unterminated
quote, rejected on its first line, and the lines after it are read on their own.

The result is a copy of the file (`sort_lines`): its header with two columns in front,
`__line` (the line of the original file a record starts on; the header is line 1) and
`__malformed` (why a line was rejected); every well-formed record as it was; every malformed
line as a record of empty cells but for its group_id, as far as it can be read, so that the
validation rejects it with its line and leaves out the group it belongs to. Blank lines hold
nothing and are left out.

`well_formed` is the cheap test that decides whether a file needs sorting at all: a file with
no quote in it is well formed when it holds exactly one comma fewer than the header's fields
on each line. `encoding_error` says where a file stops being UTF-8, for the error message.
Reasons and errors are worded in the reader's language (engine/messages.yaml).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from engine.errors import InputError
from engine.messages import DEFAULT_LANG, Lang, t

#: lines a quoted cell may span; a quote left open longer is taken as unterminated
MAX_SPAN = 50
#: characters of a value shown in a message
SHOWN = 40
_FIELD = r'(?:"(?:[^"]|"")*"|[^",]*)'
_STEP = 1 << 23  # bytes decoded at once by `encoding_error`
_COUNT_STEP = 1 << 18  # bytes counted at once by `well_formed` (a comparison that fits in cache)


def record_pattern(n_fields: int) -> str:
    """A regular expression for a line (or lines) holding one record of `n_fields` fields:
    each field unquoted (no quote or comma in it) or quoted whole (`""` for a quote)."""
    return rf"^{_FIELD}(?:,{_FIELD}){{{n_fields - 1}}}$"


def shown(text: str) -> str:
    """`text` as a message shows it: cut to `SHOWN` characters, control characters escaped."""
    cut = text if len(text) <= SHOWN else text[:SHOWN] + "…"
    return cut.encode("unicode_escape").decode("ascii") if not cut.isprintable() else cut


@dataclass(frozen=True)
class Sorted:
    """A file's copy with its well-formed records and its malformed lines marked."""

    path: Path
    malformed: int  # lines rejected
    spanning: int  # records whose quoted cells span lines
    blank: int  # blank lines, left out


def well_formed(path: Path, n_fields: int, rows: int | None = None) -> bool:
    """Whether every line of a CSV file is one record of `n_fields` fields, when that can be
    told by counting bytes: the file holds no quote, and as many commas as `n_fields - 1` per
    line (its lines counted, or the header and `rows` records read by polars, which reads a
    blank line as a record). A line with more fields is not this test's to find: polars
    refuses it (and a short line it balances) when it reads the file. False means "read it
    line by line", not "malformed". Read in small steps into one buffer, so that it holds no
    more than a step of the file."""
    import numpy as np  # here, not at the top: 75 ms that most runs never need

    commas = newlines = 0
    buffer = bytearray(_COUNT_STEP)
    last = 10  # the last byte read ("\n" for an empty file)
    with open(path, "rb", buffering=0) as fh:
        while size := fh.readinto(buffer):
            if buffer.find(b'"', 0, size) != -1:
                return False
            chunk = np.frombuffer(buffer, dtype=np.uint8, count=size)
            commas += int(np.count_nonzero(chunk == 44))  # ","
            if rows is None:
                newlines += int(np.count_nonzero(chunk == 10))  # "\n"
            last = buffer[size - 1]
            del chunk  # let go of the buffer before it is filled again
    lines = rows + 1 if rows is not None else newlines + (last != 10)
    return commas == (n_fields - 1) * lines


def encoding_error(path: Path, lang: Lang = DEFAULT_LANG) -> InputError | None:
    """The error for a file that is not UTF-8 text: where it stops being so, what the line
    reads as in Latin-1 / Windows-1252, and how to convert it. None for a UTF-8 file."""
    line, carry, tail = 1, b"", b""  # tail: the start of the current line (for the message)
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_STEP)
            data = carry + block
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as exc:
                if block and exc.reason == "unexpected end of data" and exc.end == len(data):
                    data, carry = data[: exc.start], data[exc.start :]  # cut between blocks
                else:
                    before = data[: exc.start]
                    cut = before.rfind(b"\n")
                    start = tail + before if cut == -1 else before[cut + 1 :]
                    rest = data[exc.start : exc.start + SHOWN * 2].split(b"\n")[0]
                    return not_utf8(path, line + before.count(b"\n"), (start + rest)[-SHOWN * 3 :], lang)
            if not block:
                return None
            line += data.count(b"\n")
            cut = data.rfind(b"\n")
            tail = (tail + data if cut == -1 else data[cut + 1 :])[-SHOWN * 2 :]


def not_utf8(path: Path, line: int, raw: bytes, lang: Lang = DEFAULT_LANG) -> InputError:
    """The error for a file that stops being UTF-8 at `line` (`raw`: that line, or its part
    around the fault), with the iconv command that converts it."""
    legacy = "WINDOWS-1252"
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        legacy, text = "LATIN1", raw.decode("latin-1")
    return InputError(
        t("pop.not_utf8", lang, name=path.name, line=line, text=shown(text.rstrip())),
        where=f"{path}:{line}",
        hint=t("pop.to_utf8.hint", lang, encoding=legacy, name=path.name, stem=path.stem),
    )


def sort_lines(path: Path, names: list[str], id_column: int, out: Path, lang: Lang = DEFAULT_LANG) -> Sorted:
    """Write `out`, the copy of `path` described in the module docstring (`names`: the header,
    parsed; `id_column`: where group_id is; the reasons in `lang`), and say what was found;
    when every line is a record of the header's width, write nothing."""
    n = len(names)
    grammar = record_pattern(n)
    lines = pl.scan_lines(path, name="text", row_index_name="n", row_index_offset=1)
    text = pl.col("text").str.strip_suffix("\r")
    try:
        odd_or_bad = (
            lines.filter((pl.col("n") > 1) & ~text.str.contains(grammar))
            .select("n", text)
            .collect(engine="streaming")
        )
    except pl.exceptions.ComputeError as exc:
        error = encoding_error(path, lang)
        if error is not None:
            raise error from exc
        raise
    suspects = dict(zip(odd_or_bad["n"].to_list(), odd_or_bad["text"].to_list(), strict=True))
    if not suspects:  # every line a record: the file is read as it is, no copy needed
        return Sorted(out, 0, 0, 0)
    opening = [i for i, t in suspects.items() if t.count('"') % 2]
    # the lines between a line that opens a quoted cell and the next that may close it
    between = sorted(
        {
            k
            for i, j in zip(opening, opening[1:], strict=False)
            if j - i < MAX_SPAN
            for k in range(i + 1, j)
            if k not in suspects
        }
    )
    if between:
        more = lines.filter(pl.col("n").is_in(between)).select("n", text).collect(engine="streaming")
        known = {**suspects, **dict(zip(more["n"].to_list(), more["text"].to_list(), strict=True))}
    else:
        known = suspects
    whole = re.compile(grammar, re.DOTALL)
    replace: dict[int, str] = {}  # line -> what the copy holds for it
    drop: set[int] = set()
    spanning = malformed = blank = 0
    k = 0
    while k < len(opening):
        i = opening[k]
        j = opening[k + 1] if k + 1 < len(opening) else None
        if j is not None and j - i < MAX_SPAN:
            record = "\n".join(known[m] for m in range(i, j + 1))
            if whole.match(record):
                replace[i] = f"{i},,{record}"
                drop.update(range(i + 1, j + 1))
                spanning += 1
                k += 2
                continue
        k += 1
    for i, line in suspects.items():
        if i in drop or i in replace:
            continue
        if not line.strip():
            drop.add(i)  # a blank line holds nothing
            blank += 1
            continue
        reason, group = _malformed(line, n, id_column, lang)
        cells = [""] * n
        cells[id_column] = _quoted(group) if group else ""
        replace[i] = f"{i},{_quoted(reason)},{','.join(cells)}"
        malformed += 1
    replace[1] = ",".join(_quoted(c) for c in ("__line", "__malformed", *names))
    as_is = pl.concat_str(pl.col("n").cast(pl.String), pl.lit(",,"), text)
    if replace:
        as_is = pl.coalesce(pl.col("n").replace_strict(replace, default=None, return_dtype=pl.String), as_is)
    copy = lines.select(as_is.alias("record"), "n")
    if drop:
        copy = copy.filter(~pl.col("n").is_in(sorted(drop)))
    copy.select("record").sink_csv(out, include_header=False, quote_style="never")
    return Sorted(out, malformed, spanning, blank)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _malformed(line: str, n_fields: int, id_column: int, lang: Lang) -> tuple[str, str]:
    """Why a line is not a record of `n_fields` fields (in `lang`), and its group_id as far as
    it can be read (empty when it cannot)."""
    naive = line.split(",")
    guess = naive[id_column].strip().strip('"') if len(naive) > id_column else ""
    guess = guess if guess.isprintable() else ""  # bytes of a damaged file, not an id
    if line.count('"') % 2:
        return t("reject.quote_unclosed", lang), guess
    try:
        fields = next(csv.reader([line], strict=True))
    except csv.Error:
        return t("reject.quote_misplaced", lang), guess
    if len(fields) > id_column and fields[id_column].strip().isprintable():
        guess = fields[id_column].strip()
    if len(fields) != n_fields:
        key = "reject.too_many_fields" if len(fields) > n_fields else "reject.too_few_fields"
        return t(key, lang, count=len(fields), fields=n_fields), guess
    return t("reject.quote_misplaced", lang), guess
