"""vincula's engine: rule files, territories, eligibility with explanations, commitments and gaps."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# In a checkout (or an editable install) the rules and fixtures are the folders beside engine/;
# an installed wheel carries them inside the package (pyproject.toml, [tool.setuptools]).
PROJECT_ROOT = PACKAGE_DIR.parent
DATA_ROOT = PROJECT_ROOT if (PROJECT_ROOT / "rules").is_dir() else PACKAGE_DIR / "bundled"
RULES_DIR = DATA_ROOT / "rules"
FIXTURES_DIR = DATA_ROOT / "fixtures"
