"""Source texts and the quotes taken from them: is a quote really in its document, and where?

The documents the rules and cases rest on are plain-text files in a sources folder (beside the
project, never copied into it). A quote is found when its words appear in the text in the same
order once both are normalised: whitespace collapsed, case folded, typographic quotes and dashes
made plain, markdown emphasis and escapes, HTML tags and bullets dropped. Nothing else is
forgiven: a changed word is not found. When a quote is not found, the closest passage (by words)
is given with its line, so the author can see what the text really says.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from engine.messages import DEFAULT_LANG, Lang, t

_TYPOGRAPHIC = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "−": "-",
        "‐": "-",
        "\u00a0": " ",
        "•": " ",
        "*": " ",
    }
)
_TAG = re.compile(r"<[^>]{0,200}>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$%&])")
# markdown emphasis with underscores: _word_ or __word__ (an underscore inside a word stays)
_UNDERSCORE = re.compile(r"(?<!\w)_+|_+(?!\w)")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The form in which quotes and texts are compared."""
    text = unicodedata.normalize("NFC", text)
    text = _TAG.sub(" ", text)
    text = _ESCAPE.sub(r"\1", text)
    text = text.translate(_TYPOGRAPHIC)
    text = _UNDERSCORE.sub(" ", text)
    text = _SPACE.sub(" ", text)
    # "( word )" left by dropped emphasis reads as "(word)"
    text = re.sub(r"([(\[\"']) ", r"\1", text)
    text = re.sub(r" ([)\]\"',.;:])", r"\1", text)
    return text.strip().casefold()


@dataclass
class SourceText:
    """One document's plain text, normalised once, with a map back to its lines."""

    name: str
    path: Path
    lines: list[str]
    flat: str = ""
    #: offset in `flat` at which each original line starts (lines that normalise to nothing
    #: share the next line's offset)
    starts: list[int] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> SourceText:
        lines = path.read_text(encoding="utf-8").splitlines()
        parts: list[str] = []
        starts: list[int] = []
        offset = 0
        for line in lines:
            starts.append(offset)
            norm = normalise(line)
            if norm:
                parts.append(norm)
                offset += len(norm) + 1
        text = cls(name=path.name, path=path, lines=lines, flat=" ".join(parts), starts=starts)
        return text

    def line_at(self, offset: int) -> int:
        """1-based line of the character at `offset` of the normalised text."""
        return max(1, bisect.bisect_right(self.starts, offset))

    def find(self, quote: str) -> int | None:
        """1-based line where the quote starts, or None when the text does not contain it."""
        needle = normalise(quote)
        if not needle:
            return None
        at = self.flat.find(needle)
        return None if at < 0 else self.line_at(at)

    def closest(self, quote: str) -> tuple[int, str, float]:
        """(line, passage, similarity 0-1) of the passage most like the quote, by words."""
        words = self.flat.split(" ")
        wanted = normalise(quote).split(" ")
        if not words or not wanted:
            return 1, "", 0.0
        matcher = difflib.SequenceMatcher(None, words, wanted, autojunk=False)
        block = matcher.find_longest_match(0, len(words), 0, len(wanted))
        start = max(0, block.a - block.b)
        best = (0.0, start)
        # slide a little around the anchor: the longest shared run may sit anywhere in the quote
        for s in range(max(0, start - 5), min(len(words), start + 6)):
            ratio = difflib.SequenceMatcher(None, words[s : s + len(wanted)], wanted, autojunk=False).ratio()
            if ratio > best[0]:
                best = (ratio, s)
        ratio, s = best
        offset = len(" ".join(words[:s])) + (1 if s else 0)
        line = self.line_at(offset)
        passage = " ".join(words[s : s + len(wanted)])
        return line, passage, ratio


@cache
def _read(path: Path, mtime: int) -> SourceText:
    return SourceText.read(path)


def source_text(folder: Path, name: str) -> SourceText | None:
    """The named text of the sources folder (read once per change of the file), or None."""
    path = folder / name
    if not path.is_file():
        return None
    return _read(path.resolve(), path.stat().st_mtime_ns)


@dataclass(frozen=True)
class QuoteProblem:
    """A quote that is not in its text, or a citation whose text is missing, worded in `lang`."""

    file: Path
    line: int | None
    where: str
    message: str
    closest: str = ""
    lang: Lang = DEFAULT_LANG

    def __str__(self) -> str:
        text = f"{self.file}:{self.line or '?'}: {self.where}: {self.message}"
        if not self.closest:
            return text
        return text + "\n  → " + t("sources.quote.closest_passage", self.lang, closest=self.closest)


def check_quote(
    folder: Path,
    text_name: str | None,
    quote: str,
    file: Path,
    line: int | None,
    where: str,
    lang: Lang = DEFAULT_LANG,
) -> QuoteProblem | None:
    """None when `quote` is in the text called `text_name` of `folder`; else what is wrong, in `lang`."""
    if text_name is None:
        return QuoteProblem(file, line, where, t("sources.quote.no_text", lang), lang=lang)
    text = source_text(folder, text_name)
    if text is None:
        message = t("sources.quote.text_missing", lang, name=text_name, folder=str(folder))
        return QuoteProblem(file, line, where, message, lang=lang)
    if text.find(quote) is not None:
        return None
    at, passage, ratio = text.closest(quote)
    shown = passage if len(passage) <= 400 else passage[:397] + "..."
    cut = quote[:160] + ("…" if len(quote) > 160 else "")
    return QuoteProblem(
        file,
        line,
        where,
        t("sources.quote.not_found", lang, name=text_name, quote=cut),
        closest=t(
            "sources.quote.closest", lang, name=text_name, line=at, share=f"{ratio:.0%}", passage=shown
        ),
        lang=lang,
    )
