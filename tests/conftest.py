"""Shared test settings: headless plotting, few threads, the Hillstrom data home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()
if "CAMPAIGNKIT_DATA_HOME" not in os.environ and SHARED_DATA.is_dir():
    os.environ["CAMPAIGNKIT_DATA_HOME"] = str(SHARED_DATA)


@pytest.fixture(autouse=True)
def _few_threads(monkeypatch):
    """Keep numerical libraries from oversubscribing the two CI cores."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, "2"))
