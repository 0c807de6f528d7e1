"""Territory lookup, pluggable per country: the attributes of a municipality (MX) or province (PA).

Each country has a provider reading a CSV from fixtures/territories/. Attributes keep their
fixture names and become the rule facts `territory.<name>`; empty cells are "not known".

An unknown code comes with close matches. Finding them costs far more than knowing the code is
unknown, so they are remembered per text, and a caller judging many groups for one client (the
API's batch) sets a `suggestion_budget`: past it, an unknown code is reported without them.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import FIXTURES_DIR
from engine.errors import UnknownTerritoryError

if TYPE_CHECKING:
    import polars as pl

TERRITORY_DIR = FIXTURES_DIR / "territories"
DIGITS = "0123456789"


@dataclass
class SuggestionBudget:
    """How many more unknown codes may be given close matches in the current request."""

    left: int


_budget: ContextVar[SuggestionBudget | None] = ContextVar("suggestion_budget", default=None)


@contextmanager
def suggestion_budget(budget: SuggestionBudget) -> Iterator[SuggestionBudget]:
    """Within this block (and this thread or task), at most `budget.left` lookups of unknown
    codes compute close matches; `budget` may be shared by the threads serving one request."""
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def _fold(text: str) -> str:
    """Lower case without accents, for name search."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


@cache
def _typed_columns(kind: type) -> tuple[str, ...]:
    from engine.schema import Territory
    from engine.vocabulary import unwrap

    return tuple(n for n, info in Territory.model_fields.items() if unwrap(info.annotation) is kind)


@dataclass(frozen=True)
class Provider:
    """Territories of one country, from one CSV keyed by `code`."""

    country: str
    path: Path
    unit: str  # what a territory is called, for messages
    provenance: str = ""

    @property
    def numbers(self) -> tuple[str, ...]:
        """Columns read as numbers: the attributes engine/schema.py `Territory` types so."""
        return _typed_columns(float)

    @property
    def flags(self) -> tuple[str, ...]:
        """Columns read as yes/no ("1" is yes): the attributes `Territory` types as bool."""
        return _typed_columns(bool)

    @cached_property
    def table(self) -> dict[str, dict[str, Any]]:
        with open(self.path, newline="", encoding="utf-8") as f:
            return {row["code"]: self._typed(row) for row in csv.DictReader(f)}

    def _typed(self, row: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, raw in row.items():
            if raw == "":
                continue  # not known
            if key in self.numbers:
                out[key] = float(raw)
            elif key in self.flags:
                out[key] = raw == "1"
            else:
                out[key] = raw
        return out

    def frame(self) -> pl.DataFrame:
        """The table as one polars row per territory, typed as `_typed` types a row: numbers
        as Float64, flags true for "1", the rest as text, empty cells null. Read by polars for
        the population screener (the dict `table` costs several times more to build)."""
        import polars as pl

        raw = pl.read_csv(self.path, infer_schema=False)
        return raw.select(
            pl.col("code"),
            *[
                pl.col(c).cast(pl.Float64)
                if c in self.numbers
                else (pl.col(c) == "1")
                if c in self.flags
                else pl.col(c)
                for c in raw.columns
                if c != "code"
            ],
        )

    @cached_property
    def _folded_names(self) -> dict[str, str]:
        return {_fold(row.get("name", "")): code for code, row in self.table.items()}

    @cached_property
    def _width(self) -> int:
        return max((len(code) for code in self.table), default=0)

    def code_of(self, raw: Any) -> Any:
        """A territory as people write it, as its code: a number or a code missing its leading
        zeros (`1001` -> `01001`, `2` -> `02`), or a name that is one territory's exactly
        (accents and letter case aside: `Coclé`, `cocle`). Anything else is returned as text,
        for `lookup` to refuse with close matches."""
        if isinstance(raw, bool) or raw is None:
            return raw
        if isinstance(raw, float) and raw == int(raw):
            raw = int(raw)
        text = str(raw).strip()
        if text in self.table:
            return text
        if text.isdigit() and len(text) < self._width:
            padded = text.zfill(self._width)
            if padded in self.table:
                return padded
        if text and not any(c in DIGITS for c in text):
            names = [
                code for code, row in self.table.items() if _fold(str(row.get("name", ""))) == _fold(text)
            ]
            if len(names) == 1:
                return names[0]
        # not read as a territory: as it was written, for the field's checks and `lookup`
        return str(raw) if isinstance(raw, (int, float)) else raw

    def lookup(self, code: str) -> dict[str, Any]:
        try:
            return self.table[code]
        except KeyError:
            pass
        budget = _budget.get()
        if budget is None or budget.left > 0:
            if budget is not None:
                budget.left -= 1
            suggestions = self.suggest(code)
        else:
            suggestions = []
        shown = "; ".join(
            f"{c} {self.table[c].get('name', '')} ({self.table[c].get('state_name', '')})".replace(" ()", "")
            for c in suggestions
        )
        raise UnknownTerritoryError(
            key=f"error.unknown_{self.unit}",
            hint_key="error.close_matches" if suggestions else f"error.{self.unit}_code_hint",
            values={"code": code, "country": self.country, "close": shown},
            suggestions=suggestions,
        )

    def suggest(self, text: str, n: int = 5) -> list[str]:
        """Codes close to `text`: one character off (same state first), then similar codes or,
        for a text that is not a code, similar names."""
        return list(_suggestions(self, text, n))

    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Territories whose name or code contains `text` (accent-insensitive)."""
        needle = _fold(text.strip())
        hits = [
            dict(row)
            for code, row in self.table.items()
            if needle and (needle in _fold(row.get("name", "")) or code.startswith(needle))
        ]
        return hits[:limit]


@lru_cache(maxsize=4096)
def _suggestions(source: Provider, text: str, n: int) -> tuple[str, ...]:
    table = source.table
    # one character off: the codes that differ in one place, found by trying each digit there
    # (at most 10 lookups per character instead of a pass over every code)
    one_off = sorted(
        {
            text[:i] + d + text[i + 1 :]
            for i in range(len(text))
            for d in DIGITS
            if d != text[i] and text[:i] + d + text[i + 1 :] in table
        },
        key=lambda c: (c[:2] != text[:2], c),
    )
    if any(c in DIGITS for c in text):
        similar = difflib.get_close_matches(text, list(table), n=n, cutoff=0.6)
    else:  # a name typed where the code goes
        names = source._folded_names
        similar = [names[m] for m in difflib.get_close_matches(_fold(text), list(names), n=n, cutoff=0.6)]
    return tuple(dict.fromkeys(one_off + similar))[:n]


PROVIDERS: dict[str, Provider] = {
    "MX": Provider(
        country="MX",
        path=TERRITORY_DIR / "mx_municipalities.csv",
        unit="municipality",
        provenance="CONAPO 2020, CONEVAL 2020, CDI 2015, DOF ZAP 2026 (fixtures/territories/PROVENANCE.md)",
    ),
    "PA": Provider(
        country="PA",
        path=TERRITORY_DIR / "pa_provinces.csv",
        unit="province",
        provenance="INEC Panamá province codes (fixtures/territories/PROVENANCE.md)",
    ),
}


def provider(country: str) -> Provider:
    try:
        return PROVIDERS[country]
    except KeyError:
        raise UnknownTerritoryError(
            key="error.no_territory_data",
            hint_key="error.supported_countries",
            values={"country": country, "known": ", ".join(PROVIDERS)},
        ) from None


def lookup(country: str, code: str) -> dict[str, Any]:
    return provider(country).lookup(code)


def territory_code(country: Any, raw: Any) -> Any:
    """`Provider.code_of` for a country's territories (the text unchanged for a country with
    none)."""
    source = PROVIDERS.get(str(country).strip().upper()) if isinstance(country, str) else None
    return source.code_of(raw) if source is not None else raw
