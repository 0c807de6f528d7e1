"""`vincula serve`: run the HTTP API and the coordinator page (uvicorn, with the limits of
api/server.py)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

DEFAULT_WORKERS = min(os.cpu_count() or 1, 4)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="processes, one engine each (default: one per core, at most 4)"
        ),
    ] = DEFAULT_WORKERS,
    log_level: Annotated[str, typer.Option("--log-level")] = "warning",
) -> None:
    """Start the API and the coordinator page on the bundled rules (settings and limits:
    VINCULA_* environment variables, listed in the README)."""
    from pydantic import ValidationError

    from api.server import run
    from api.settings import Settings
    from engine.errors import InputError

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"VINCULA_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(
            f"invalid setting: {problems}", hint="fix or unset the environment variable"
        ) from None
    typer.echo(f"vincula: http://{host}:{port}/  (API docs: /docs)", err=True)
    run(settings, host=host, port=port, workers=workers, log_level=log_level)
