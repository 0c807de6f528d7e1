"""The `vincula` command line: a thin layer that parses arguments and prints what engine/ returns.

Exit codes (for scripts): 0 at least one programme eligible (or the command succeeded),
1 no programme eligible, 3 none eligible but at least one "cannot tell", 2 bad input.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from api.commands import core, coverage, designer, gaps, screen, serve
from api.commands.language import cli_lang, localised
from engine.errors import VinculaError

app = typer.Typer(
    help="vincula: reglas de programas sociales, elegibilidad explicada y brechas de "
    "coordinación / programme rules, explained eligibility, coordination gaps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
#: emoji=False: a place such as `proinpro.yaml:100:` is not the emoji code :100:
err = Console(stderr=True, emoji=False)


@app.callback()
def _everywhere(
    lang: Annotated[str, typer.Option("--lang", help="es | en")] = "es",
) -> None:
    """`--lang` before the command too (`vincula --lang en --help`): the language is read from
    the arguments before they are parsed (api/commands/language.py `cli_lang`)."""


core.register(app)
# Further command groups register here, one line each:
serve.register(app)
gaps.register(app)
designer.register(app)
screen.register(app)
coverage.register(app)


def main() -> None:
    lang = cli_lang(sys.argv[1:])
    try:
        localised(app, lang)(prog_name="vincula")
    except VinculaError as exc:
        err.print(f"[bold red]error:[/] {escape(exc.text(lang))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
