"""Service settings: a pydantic-settings class read from `VINCULA_*` environment variables.

The limits bound what one request may cost (body, groups, members, suggestions) and how long
and how many clients may hold the server (timeouts, connections). Each refusal names its limit;
README.md's service section lists them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MAX_BATCH = 1000  # documented ceiling of groups per batch; VINCULA_MAX_BATCH can only lower it


class Settings(BaseSettings):
    """What an operator may change without touching code (e.g. `VINCULA_MAX_BATCH=200`)."""

    model_config = SettingsConfigDict(env_prefix="VINCULA_", extra="ignore")

    rules_dir: Path | None = Field(default=None, description="rules directory (default: bundled rules/)")
    fixtures_dir: Path | None = Field(
        default=None, description="fixtures directory for the gap report (default: bundled fixtures/)"
    )
    max_body_bytes: int = Field(
        default=2_000_000, ge=1_000, description="larger request bodies are refused with 413"
    )
    max_batch: int = Field(
        default=MAX_BATCH, ge=1, le=MAX_BATCH, description="most groups in one batch request"
    )
    max_batch_members: int = Field(
        default=20_000,
        ge=1,
        description="most members, all groups together, in one batch request (422 beyond): the "
        "work grows with them (1,000 groups of 20 members took about 10 s of one core; the "
        "answer, streamed, is about 30 KB per group)",
    )
    max_suggestions: int = Field(
        default=20,
        ge=0,
        description="unknown territory codes of one request that are given close matches (5 to 15 "
        "ms each); the others are reported without",
    )
    body_timeout: float = Field(
        default=30.0, gt=0, description="seconds a client has to send the whole request body (408 after)"
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="seconds a client has, from connecting or from the first byte of a request, "
        "to send the request line and headers (408 and closed after)",
    )
    max_header_bytes: int = Field(
        default=32_768, ge=1_024, description="larger request lines and headers are refused with 431"
    )
    keep_alive_timeout: float = Field(
        default=5.0, gt=0, description="seconds an idle connection is kept open between requests"
    )
    max_connections: int = Field(
        default=1000,
        ge=1,
        description="open connections one worker process keeps, idle or waiting for headers "
        "included; a connection beyond is answered 503 and closed at once",
    )
    max_concurrent_requests: int = Field(
        default=100,
        ge=1,
        description="requests one worker process reads or answers at once; beyond, 503 with "
        "Retry-After (each may hold up to max_body_bytes in memory while its body arrives)",
    )
    populations_dir: Path | None = Field(
        default=None,
        description="folder of populations (one folder each, with groups, members and a padrón) that "
        "coverage requests may name; none by default: only populations sent in the request",
    )
    max_coverage_runs: int = Field(
        default=1,
        ge=1,
        description="coverage measurements one worker process makes at once (503 with Retry-After "
        "beyond): each holds a thread and memory in proportion to its population (1,000,000 "
        "groups: about 1 GB and 10 s of two cores)",
    )
    max_rejects_listed: int = Field(
        default=1000, ge=0, description="rejected rows a coverage answer lists (the rest are counted)"
    )
    default_lang: str = Field(default="es", pattern="^(es|en)$")
    isolate_engine: bool = Field(
        default=True,
        description="run the durable-rules engine in a child process of each worker, so "
        "that a fault in its C code cannot end the worker and the other "
        "clients' requests it is serving",
    )
