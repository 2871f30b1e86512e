"""Project paths and defaults, computed from this file's location.

Notebooks never type ``../data``: papermill runs them from other working directories, so every path
comes from here. ``CAMPAIGNKIT_DATA_HOME`` overrides where external data (e.g. ``hillstrom.csv``) is
looked up; ``CAMPAIGNKIT_REPORTS_DIR`` overrides where reports are written.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository root (the folder holding ``campaignkit/``, ``notebooks/``, ``data/``...)."""

NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DATA_DIR: Path = DATA_DIR / "raw"
PROCESSED_DATA_DIR: Path = DATA_DIR / "processed"
FIXTURES_DIR: Path = DATA_DIR / "fixtures"

DEFAULT_SEED: int = 20240611
"""Seed used when a caller gives no ``random_state``."""

KERNEL_NAME: str = "campaignkit"
"""The Jupyter kernelspec that ``make`` registers and the report runner uses."""


def data_home() -> Path:
    """Return the folder where external data files are looked up.

    Returns:
        ``$CAMPAIGNKIT_DATA_HOME`` when set, else ``<project>/data/raw``.
    """
    env = os.environ.get("CAMPAIGNKIT_DATA_HOME")
    return Path(env).expanduser().resolve() if env else RAW_DATA_DIR


def reports_dir() -> Path:
    """Return the folder under which reports are written.

    Returns:
        ``$CAMPAIGNKIT_REPORTS_DIR`` when set, else ``<project>/reports``.
    """
    env = os.environ.get("CAMPAIGNKIT_REPORTS_DIR")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "reports"
