"""Project paths and defaults, computed from this file's location.

Notebooks never type ``../data``: papermill runs them from other working directories, so every path
comes from here. ``CAMPAIGNKIT_DATA_HOME`` overrides where external data (e.g. ``hillstrom.csv``) is
looked up; ``CAMPAIGNKIT_REPORTS_DIR`` overrides where reports are written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
"""The repository root (the folder holding ``campaignkit/``, ``notebooks/``, ``data/``...)."""

NOTEBOOKS_DIR: Path = PROJECT_ROOT / "notebooks"
DATA_DIR: Path = PROJECT_ROOT / "data"
RAW_DATA_DIR: Path = DATA_DIR / "raw"
PROCESSED_DATA_DIR: Path = DATA_DIR / "processed"
FIXTURES_DIR: Path = DATA_DIR / "fixtures"

DEFAULT_SEED: int = 20240611
"""Seed used when a caller gives no ``random_state``."""


def resolve_seed(random_state, *, bits: int = 63) -> int:
    """Turn a ``random_state`` into a non-negative int seed: the kit's one seeding helper.

    Args:
        random_state: ``None`` (:data:`DEFAULT_SEED`, so defaults are always the same), a non-negative int,
            or a :class:`numpy.random.Generator` (which draws the seed).
        bits: A Generator draws below ``2**bits - 1`` (31 for torch and scikit-learn, which take 32-bit
            seeds).

    Returns:
        An int seed.

    Raises:
        ParameterError: For a negative int or another type.
    """
    import numpy as np

    from campaignkit.errors import ParameterError

    if random_state is None:
        return int(DEFAULT_SEED)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**bits - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ParameterError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    raise ParameterError(
        f"random_state must be None, a non-negative int or a numpy Generator, got {type(random_state).__name__}"
    )


def resolve_rng(random_state) -> np.random.Generator:
    """Turn a ``random_state`` into a :class:`numpy.random.Generator`.

    Args:
        random_state: ``None`` (seeded with :data:`DEFAULT_SEED`), a non-negative int, or a Generator
            (returned as it is, so the caller's stream goes on).

    Returns:
        A Generator.

    Raises:
        ParameterError: For a negative int or another type (see :func:`resolve_seed`).
    """
    import numpy as np

    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(resolve_seed(random_state))


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
