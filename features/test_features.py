"""Collects every scenario under features/ (or those of `$VINCULA_FEATURES`, for `vincula test`)."""

from __future__ import annotations

import os

from pytest_bdd import scenarios

_chosen = os.environ.get("VINCULA_FEATURES")
scenarios(*(_chosen.split(os.pathsep) if _chosen else ["."]))
