"""`/v1/gaps` and `/report`: the coordination-gap report (engine/gaps.py, engine/report.py)."""
from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["gaps"])
