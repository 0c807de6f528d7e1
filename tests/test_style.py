"""The code style the project follows, checked with the tests (CI runs exactly the README's test
command): `ruff check`, `ruff format --check` and `mypy` on engine/ and api/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "engine", "api"], ["ruff", "format", "--check", "engine", "api"], ["mypy", "engine", "api"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_engine_and_api_pass_the_style_checks(command):
    done = subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
