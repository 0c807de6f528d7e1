"""Wires the step library into pytest-bdd and, for `vincula test`, records each scenario's result.

The rules the scenarios run against are the bundled rules/ unless `$VINCULA_RULES` (or
`pytest --rules-dir DIR`) names a designer's draft. When `$VINCULA_TEST_REPORT` names a file,
one JSON record per scenario is written there for `vincula test` to print.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from features.steps import gaps, given, then, when
from features.steps.world import RULES_ENV, World

# pytest-bdd registers each step as a fixture in the module that defines it; re-export them here
# so every feature under features/ sees the whole library.
for _module in (given, when, then, gaps):
    globals().update({k: v for k, v in vars(_module).items() if k.startswith("pytestbdd_")})

REPORT_ENV = "VINCULA_TEST_REPORT"
_records: dict[str, dict[str, Any]] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--rules-dir", default=None, help="run the features against this rules directory (default: rules/)"
    )


def pytest_configure(config: pytest.Config) -> None:
    rules = config.getoption("--rules-dir", default=None)
    if rules:
        os.environ[RULES_ENV] = str(Path(rules).resolve())


@pytest.fixture
def world() -> World:
    return World()


def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    request.getfixturevalue("world").lang = "en" if feature.language.startswith("en") else "es"
    _records[request.node.nodeid] = {
        "feature_file": feature.rel_filename,
        "feature": feature.name,
        "language": feature.language,
        "rule": scenario.rule.name if scenario.rule else None,
        "scenario": scenario.name,
        "line": scenario.line_number,
        "tags": sorted(scenario.tags | feature.tags),
    }


def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Any, exception: Exception, **_: Any) -> None:
    record = _records.get(request.node.nodeid)
    if record is not None:
        record["step"] = f"{step.keyword.strip()} {step.name}"
        record["step_line"] = step.line_number
        record["message"] = str(exception)


def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, step: Any, **_: Any) -> None:
    record = _records.get(request.node.nodeid)
    if record is not None:
        record["step"] = f"{step.keyword.strip()} {step.name}"
        record["step_line"] = step.line_number
        record["message"] = (
            "ningún paso de la biblioteca dice esto / no step in the library "
            "says this (see features/README.md for the phrasings)"
        )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or report.failed:
        record = _records.setdefault(report.nodeid, {"scenario": report.nodeid})
        record["outcome"] = "passed" if report.passed else "failed" if report.failed else "skipped"
        if report.failed and "message" not in record:
            record["message"] = str(report.longrepr)[-2000:]
        record["seconds"] = round(report.duration, 4)


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = os.environ.get(REPORT_ENV)
    if not path:
        return
    records = [dict(r, nodeid=k) for k, r in _records.items() if "outcome" in r]
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
