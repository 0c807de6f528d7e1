"""One exception hierarchy for the engine. Every message says what was wrong, where, and how to fix it."""

from __future__ import annotations


class VinculaError(Exception):
    """Base of every error the engine raises on purpose (never a bug)."""

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None) -> None:
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}\n  → {self.hint}" if self.hint else text


class RuleFileError(VinculaError):
    """A rule file is not valid: the message names the file, line and field."""


class InputError(VinculaError):
    """A group, population or commitments file the user gave is not valid."""


class UnknownTerritoryError(InputError):
    """A territory code that is not in the territory data; suggestions are in `suggestions`."""

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        hint: str | None = None,
        suggestions: list[str] | None = None,
    ) -> None:
        self.suggestions = suggestions or []
        super().__init__(message, where=where, hint=hint)


class UnknownProgrammeError(VinculaError):
    """A programme slug that no rule file defines."""

    def __init__(self, slug: str, known: list[str]) -> None:
        import difflib

        self.suggestions = difflib.get_close_matches(slug, known, n=3, cutoff=0.3)
        hint = (
            f"did you mean {', '.join(self.suggestions)}?"
            if self.suggestions
            else f"known programmes: {', '.join(known)}"
        )
        super().__init__(f"no programme called `{slug}`", hint=hint)


class EngineStopped(VinculaError):
    """The rules engine's child process stopped twice on the same evaluation (see
    engine/evaluate.py `IsolatedHost`); it has been restarted for the next requests."""

    def __init__(self, ruleset: str) -> None:
        super().__init__(
            f"the rules engine stopped while judging this group ({ruleset}); it has been "
            "restarted and other requests are unaffected",
            hint="report this group to the maintainers: no valid group should stop the engine",
        )
