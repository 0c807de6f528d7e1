"""A non-editable install works: the wheel carries the rules, fixtures and features it runs on."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_environment_checks_a_fixture_group(tmp_path):
    wheels = tmp_path / "wheels"
    built = _run(sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels), cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(wheels.glob("vincula-*.whl"))

    env = tmp_path / "env"
    assert _run(sys.executable, "-m", "venv", str(env), cwd=tmp_path).returncode == 0
    python = env / "bin" / "python"
    # The dependencies come from this environment's site-packages (no download); a plain path in a
    # .pth file does not run that directory's own .pth files, so this checkout's editable install
    # stays out of sight and only the wheel provides engine/, api/ and features/.
    site = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run(str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]

    where = _run(str(python), "-c", "import engine; print(engine.__file__); print(engine.RULES_DIR)", cwd=tmp_path)
    module, rules = where.stdout.split()
    assert module.startswith(str(env)) and Path(rules).is_dir(), where.stdout

    group = Path(rules).parent / "fixtures" / "groups" / "g-001.yaml"
    checked = _run(str(env / "bin" / "vincula"), "check", str(group), "--json", cwd=tmp_path)
    assert checked.returncode in (0, 1, 3), checked.stderr[-2000:]
    answer = json.loads(checked.stdout)
    assert answer["group_id"] == "g-001"
    assert {d["program"] for d in answer["determinations"]} == {p.stem for p in (ROOT / "rules").glob("*.yaml")}
