"""One exception hierarchy for the engine. Every message says what was wrong, where, and how to fix it.

An error a person may meet (a file not found, an unknown municipality) names its words by
catalogue id (`key`, `hint_key` and their `values`, engine/messages.yaml), so the command line and
the API show it in the person's language (`text(lang)`); `message` and `str()` are Spanish, the
default. An error about a file holds its `problems`, one per place (`file:line: field: words`),
each worded from the catalogue (`Words`) in the language asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.messages import DEFAULT_LANG, Lang, t


@dataclass(frozen=True)
class Words:
    """A text of the catalogue not yet put in a language: its id and the values of its
    placeholders. A value may itself be `Words` (worded in the same language) or a list of them
    (joined with "; ")."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def in_lang(self, lang: Lang) -> str:
        return t(self.key, lang, **{name: worded_in(value, lang) for name, value in self.values.items()})

    def __str__(self) -> str:
        # pydantic's own `msg` of an error (a log, a traceback) is English, as pydantic's are
        return self.in_lang("en")


def worded_in(value: Any, lang: Lang) -> Any:
    """A placeholder's value in `lang`: `Words` worded, a list of them joined, others unchanged."""
    if isinstance(value, Words):
        return value.in_lang(lang)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Words) for v in value):
        return "; ".join(v.in_lang(lang) for v in value)
    return value


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong in a file, at one place: `file:line: field: what is wrong`. The field is
    named as the file writes it ("" for the document as a whole); `words` is a catalogue text, or
    (for an error the catalogue does not word) the text as given."""

    where: str
    field: str
    words: Words | str

    def message(self, lang: Lang) -> str:
        """`field: what is wrong`, without the place in the file."""
        what = self.words.in_lang(lang) if isinstance(self.words, Words) else self.words
        return f"{self.field or t('rule.top_level', lang)}: {what}"

    def text(self, lang: Lang) -> str:
        return f"{self.where}: {self.message(lang)}"


class VinculaError(Exception):
    """Base of every error the engine raises on purpose (never a bug)."""

    def __init__(
        self,
        message: str = "",
        *,
        where: str | None = None,
        hint: str | None = None,
        key: str | None = None,
        hint_key: str | None = None,
        values: dict[str, Any] | None = None,
        problems: Sequence[FileProblem] = (),
    ) -> None:
        self.key, self.hint_key, self.values = key, hint_key, dict(values or {})
        self.problems = list(problems)
        self.message = self.message_in(DEFAULT_LANG) if key or self.problems else message
        self.where = where
        self.hint = self.hint_in(DEFAULT_LANG) if hint_key else hint
        super().__init__(str(self))

    def message_in(self, lang: Lang) -> str:
        if self.problems:
            return "\n".join(dict.fromkeys(p.text(lang) for p in self.problems))
        return Words(self.key, self.values).in_lang(lang) if self.key else self.message

    def hint_in(self, lang: Lang) -> str | None:
        return Words(self.hint_key, self.values).in_lang(lang) if self.hint_key else self.hint

    def text(self, lang: Lang = DEFAULT_LANG) -> str:
        """Where, what and how to fix it, in `lang`."""
        message = self.message_in(lang)
        text = f"{self.where}: {message}" if self.where else message
        hint = self.hint_in(lang)
        return f"{text}\n  → {hint}" if hint else text

    def __str__(self) -> str:
        return self.text()


class RuleFileError(VinculaError):
    """A rule file is not valid: the message names the file, line and field."""


class InputError(VinculaError):
    """A group, population or commitments file the user gave is not valid."""


class UnknownTerritoryError(InputError):
    """A territory code that is not in the territory data; suggestions are in `suggestions`."""

    def __init__(
        self,
        message: str = "",
        *,
        where: str | None = None,
        hint: str | None = None,
        suggestions: list[str] | None = None,
        key: str | None = None,
        hint_key: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        self.suggestions = suggestions or []
        super().__init__(message, where=where, hint=hint, key=key, hint_key=hint_key, values=values)


class UnknownProgrammeError(VinculaError):
    """A programme slug that no rule file defines."""

    def __init__(self, slug: str, known: list[str]) -> None:
        import difflib

        self.suggestions = difflib.get_close_matches(slug, known, n=3, cutoff=0.3)
        super().__init__(
            key="error.unknown_programme",
            hint_key="error.did_you_mean" if self.suggestions else "error.known_programmes",
            values={"slug": slug, "close": ", ".join(self.suggestions), "known": ", ".join(known)},
        )


class EngineStopped(VinculaError):
    """The rules engine's child process stopped twice on the same evaluation (see
    engine/evaluate.py `IsolatedHost`); it has been restarted for the next requests."""

    def __init__(self, ruleset: str) -> None:
        super().__init__(
            f"the rules engine stopped while judging this group ({ruleset}); it has been "
            "restarted and other requests are unaffected",
            hint="report this group to the maintainers: no valid group should stop the engine",
        )
