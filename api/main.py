"""The FastAPI application: settings, the engine built once at start-up, routers, error mapping.

`create_app()` is what `vincula serve` runs and what the tests use; `app` is a module-level
instance for `uvicorn api.main:app`.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import errors
from api.middleware import BodyLimit, HeadAsGet, SecurityHeaders
from api.routes import coverage, eligibility, gaps, health, pages, programs, territories
from api.settings import Settings
from engine.eligibility import EligibilityEngine, shared_matcher
from engine.evaluate import IsolatedHost, RuleMatcher
from engine.rules import load_rules
from engine.schema import Group

STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = """
Programme rules as data, eligibility explained criterion by criterion with citations, and the
coordination-gap report. Every eligibility answer is the same model `vincula check --json`
prints; answers and errors are in Spanish, or in English with `?lang=en` or `Accept-Language: en`.
Errors share one shape (`Problem`, with a stable `code` and words in Spanish, or in
English with `?lang=en` or `Accept-Language: en`): 400 malformed JSON, 404 unknown programme or
territory (with `suggestions`), 408 request too slow, 413 body too large, 422 invalid field (with
the field path) or batch over its limits, 431 headers too large, 503 server busy.
The coordinator page is at [`/`](/).

Limits of this server (each refusal names the one it hit): request body {max_body_bytes:,}
bytes, sent within {body_timeout:g} s; request line and headers {max_header_bytes:,} bytes,
within {header_timeout:g} s; {max_batch:,} groups and {max_batch_members:,} members per batch;
close matches for {max_suggestions} unknown territories per request; per worker process,
{max_concurrent_requests} requests in progress and {max_connections:,} open connections; idle
connections closed after {keep_alive_timeout:g} s.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The durable-rules host is created here, once, before any request: its lazy global
        # creation races under threads.
        matcher = RuleMatcher(isolated=True) if settings.isolate_engine else shared_matcher()
        engine = EligibilityEngine(load_rules(settings.rules_dir), matcher)
        _warm_up(engine)
        app.state.engine = engine
        # Rules, territories and compiled rulesets live as long as the process: keep them out of
        # the collector's full scans, which otherwise add millisecond pauses under load.
        gc.collect()
        gc.freeze()
        yield
        if isinstance(matcher.host, IsolatedHost):
            matcher.host.stop()

    app = FastAPI(
        title="vincula",
        version="1",
        description=DESCRIPTION.format(**settings.model_dump()),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    errors.install(app)
    # outermost last: every answer, refusals included, gets the security headers
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)
    for module in (programs, eligibility, territories, gaps, coverage, health, pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _warm_up(engine: EligibilityEngine) -> None:
    """Compile each programme's ruleset (on its first in-force day) so the first requests do not
    pay for it."""
    for programme in engine.programmes:
        group = Group(
            id="warm-up", country=programme.country, territory="12029" if programme.country == "MX" else "02"
        )
        engine.check(group, programme.valid_from, "es", [programme.slug])


app = create_app()
