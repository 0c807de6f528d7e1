"""vincula's engine: rule files, territories, eligibility with explanations, commitments and gaps."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = PROJECT_ROOT / "rules"
FIXTURES_DIR = PROJECT_ROOT / "fixtures"
