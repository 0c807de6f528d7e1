"""The `vincula` executable: starts api/cli.py with less start-up and shut-down work.

Importing the command line (polars, pydantic, typer, rich and the rule schema) creates a few
hundred thousand objects that live as long as the process. The cyclic garbage collector would
walk them again and again while they are imported, and once more when the interpreter exits;
none of them is garbage. So the collector runs rarely during the imports, and the imported
objects are then frozen (`gc.freeze`: left out of every later collection) before the command
runs with the default thresholds. Measured on `vincula screen`: 0.08 s less per run
(bench/README.md).
"""

from __future__ import annotations

import gc


def main() -> None:
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 50)
    from api.cli import main as cli_main

    gc.freeze()
    gc.set_threshold(*thresholds)
    cli_main()


if __name__ == "__main__":
    main()
