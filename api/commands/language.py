"""The command line in its user's language: Spanish unless `--lang en` is given.

The language is read from the arguments before anything is parsed, so that `--help` and the
errors of the command line itself come out in it too. The help of each command and option is
the message catalogue's (`help.<command>`, `help.<command>.<option>`: the words live there, not in
the code); typer's and click's own words (Usage, Options, Invalid value for ...) are set from the
catalogue's `cli.click.*` where typer lets them be set: its panel titles, the help option, the
usage line and the messages of its usage errors.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, cast

import typer
import typer.main

from engine.messages import DEFAULT_LANG, LANGS, Lang, catalogue, t


def cli_lang(argv: Sequence[str]) -> Lang:
    """The language the arguments ask for (`--lang en`, `--lang=en`), else Spanish."""
    for i, arg in enumerate(argv):
        value = (
            arg.split("=", 1)[1]
            if arg.startswith("--lang=")
            else argv[i + 1]
            if arg == "--lang" and i + 1 < len(argv)
            else None
        )
        if value in LANGS:
            return cast(Lang, value)
    return DEFAULT_LANG


def _text(key: str, lang: Lang) -> str | None:
    return t(key, lang) if key in catalogue() else None


def localised(app: typer.Typer, lang: Lang) -> Any:
    """The app's click command with its help, and typer's words, in `lang`."""
    _typer_words(lang)
    command = typer.main.get_command(app)
    command.help = _text("help.vincula", lang) or command.help
    _help_option(command, lang)
    for param in command.params:
        text = _text(f"help.option.{param.name}", lang)
        if text is not None and hasattr(param, "help"):
            param.help = text
    for name, sub in getattr(command, "commands", {}).items():
        sub.help = _text(f"help.{name}", lang) or sub.help
        _help_option(sub, lang)
        for param in sub.params:
            if param.name == "lang":  # `vincula --lang en programs`: the language asked for anywhere
                param.default = lang
            text = _text(f"help.{name}.{param.name}", lang) or _text(f"help.option.{param.name}", lang)
            if text is not None and hasattr(param, "help"):
                param.help = text
    return command


def _help_option(command: Any, lang: Lang) -> None:
    from typer import _click

    try:
        option = command.get_help_option(_click.Context(command))
    except (AttributeError, TypeError):  # another typer: its own words stay
        return
    if option is not None:
        option.help = t("cli.click.help", lang)


_PANEL_WORDS = (
    ("ARGUMENTS_PANEL_TITLE", "cli.click.arguments"),
    ("OPTIONS_PANEL_TITLE", "cli.click.options"),
    ("COMMANDS_PANEL_TITLE", "cli.click.commands"),
    ("ERRORS_PANEL_TITLE", "cli.click.error"),
    ("REQUIRED_LONG_STRING", "cli.click.required"),
    ("DEFAULT_STRING", "cli.click.default"),
    ("RICH_HELP", "cli.click.try_help"),
)


def _panel_words(rich_utils: ModuleType, lang: Lang) -> None:
    for constant, key in _PANEL_WORDS:
        if hasattr(rich_utils, constant):
            setattr(rich_utils, constant, t(key, lang))


class _OnImport(importlib.abc.MetaPathFinder):
    """Runs `then(module)` once `name` has been imported. typer imports its rich_utils (and
    rich's markdown with it, 0.1 s) only to print help or an error; its words are set then,
    not imported up front by every command."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # once; and the search below must not come back here
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader, then = spec.loader, self.then
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            then(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


#: how a date may be written on the command line, as in a group file: 2017-06-30 or 30/06/2017
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _coercion_message(lang: Lang) -> Callable[[Any], str]:
    """typer's message for a value it could not read (pydantic's, in English), worded as a group
    file's are (engine/input_errors.py): "«abc» no es un número entero"."""

    def first_error(exc: Any) -> str:
        from engine.input_errors import message

        errors = exc.errors() if hasattr(exc, "errors") else []
        if not errors:
            return str(exc)
        err = dict(errors[0])
        if err.get("type") == "value_error" and "does not match the formats" in str(err.get("msg")):
            err["type"] = "date_parsing"  # typer's own date reader: the value is not a date
        return message(err, lang)

    return first_error


#: click's own usage errors, which it writes in English in the code (no hook to set them):
#: recognised by their text and worded from the catalogue
_USAGE_ERRORS = (
    (re.compile(r"Option '(?P<name>[^']+)' requires an argument\."), "cli.click.needs_value"),
    (re.compile(r"Option '(?P<name>[^']+)' does not take a value\."), "cli.click.takes_no_value"),
    (re.compile(r"Got unexpected extra argument\(s\) \((?P<args>.*)\)"), "cli.click.extra_args"),
    (
        re.compile(r"No such command '(?P<name>[^']+)'\. Did you mean (?P<close>.+)\?"),
        "cli.click.no_command_close",
    ),
    (re.compile(r"No such command '(?P<name>[^']+)'\."), "cli.click.no_command"),
    (re.compile(r"Missing command\."), "cli.click.missing_command"),
)


def _usage_error(lang: Lang) -> Callable[[Any], str]:
    def format_message(self: Any) -> str:
        text = str(self.message)
        for pattern, key in _USAGE_ERRORS:
            found = pattern.fullmatch(text)
            if found:
                return t(key, lang, **found.groupdict())
        return text

    return format_message


def _typer_words(lang: Lang) -> None:
    """typer's words, where it lets them be set (module constants and a few methods); a typer
    without them keeps its own."""
    try:
        from typer import _click, _coercion
        from typer._click import exceptions, formatting
    except ImportError:
        return
    if hasattr(_coercion, "get_error_msg"):
        _coercion.get_error_msg = _coercion_message(lang)  # type: ignore[assignment]
    exceptions.UsageError.format_message = _usage_error(lang)  # type: ignore[method-assign,assignment]
    rich_utils = sys.modules.get("typer.rich_utils")
    if rich_utils is not None:
        _panel_words(rich_utils, lang)
    else:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _OnImport)]
        sys.meta_path.insert(0, _OnImport("typer.rich_utils", lambda module: _panel_words(module, lang)))
    usage = t("cli.click.usage", lang)
    formatter = formatting.HelpFormatter
    write_usage = getattr(formatter, "_vincula_write_usage", formatter.write_usage)
    formatter._vincula_write_usage = write_usage  # type: ignore[attr-defined]

    def localised_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, usage if prefix is None else prefix)

    formatter.write_usage = localised_usage  # type: ignore[method-assign]
    bad = exceptions.BadParameter

    def bad_parameter(self: Any) -> str:
        hint = (
            self.param_hint
            if self.param_hint is not None
            else self.param.get_error_hint()
            if self.param
            else None
        )
        if hint is None:
            return t("cli.click.invalid", lang, message=self.message)
        hint = " / ".join(hint) if isinstance(hint, (list, tuple)) else hint
        return t("cli.click.invalid_for", lang, param=hint, message=self.message)

    bad.format_message = bad_parameter  # type: ignore[method-assign]
    missing = exceptions.MissingParameter
    original = getattr(missing, "_vincula_format", missing.format_message)
    missing._vincula_format = original  # type: ignore[attr-defined]

    def missing_parameter(self: Any) -> str:
        hint = self.param.get_error_hint() if self.param is not None else self.param_hint or "?"
        return t("cli.click.missing", lang, param=hint)

    missing.format_message = missing_parameter  # type: ignore[method-assign]
    no_option = exceptions.NoSuchOption
    option_init = getattr(no_option, "_vincula_init", no_option.__init__)
    no_option._vincula_init = option_init  # type: ignore[attr-defined]

    def no_such_option(
        self: Any, option_name: str, message: str | None = None, *args: Any, **kwargs: Any
    ) -> None:
        option_init(
            self, option_name, message or t("cli.click.no_option", lang, name=option_name), *args, **kwargs
        )

    no_option.__init__ = no_such_option  # type: ignore[method-assign]

    def no_such_option_message(self: Any) -> str:
        if not self.possibilities:
            return str(self.message)
        options = ", ".join(sorted(self.possibilities))
        return f"{self.message} {t('cli.click.possible_options', lang, options=options)}"

    no_option.format_message = no_such_option_message  # type: ignore[method-assign]
    _ = _click
