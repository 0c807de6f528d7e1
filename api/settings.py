"""Service settings: a pydantic-settings class read from `VINCULA_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_batch: int = Field(default=1000, ge=1, description="most groups in one batch request")
    default_lang: str = Field(default="es", pattern="^(es|en)$")
    isolate_engine: bool = Field(
        default=True,
        description="run the durable-rules engine in a child process of each worker, so "
        "that a fault in its C code cannot end the worker and the other "
        "clients' requests it is serving",
    )
