"""Input checks shared by the metric modules (private)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError


def as_1d(name: str, values, *, dtype=float) -> np.ndarray:
    """Return ``values`` as a finite 1-d array, or raise :class:`ParameterError` naming the argument."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ParameterError(f"{name} must be 1-d, got shape {arr.shape}")
    if dtype is not None:
        try:
            arr = arr.astype(dtype)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{name} must be numeric: {exc}") from exc
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"{name} contains NaN or infinite values")
    return arr


def same_length(**arrays) -> int:
    """Check that all arrays have one length and return it."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ParameterError(f"inconsistent lengths: {lengths}")
    n = next(iter(lengths.values()))
    if n == 0:
        raise ParameterError("empty input")
    return n


def binary(name: str, arr: np.ndarray) -> np.ndarray:
    """Check that ``arr`` holds only 0 and 1 and return it as int."""
    if not np.all(np.isin(arr, (0, 1))):
        raise ParameterError(f"{name} must be binary (0/1), got values {np.unique(arr)[:5]}")
    return arr.astype(int)


def probability(name: str, arr: np.ndarray) -> np.ndarray:
    """Check that ``arr`` lies in [0, 1]."""
    if np.any(arr < 0) or np.any(arr > 1):
        raise ParameterError(f"{name} must lie in [0, 1]")
    return arr


def group_codes(groups, n: int) -> np.ndarray | None:
    """``groups`` (one label per row) as codes ``0..G-1``, or None when no row shares its group with another.

    None (also for ``groups=None``) tells the caller to use its unclustered formula: with one row per group the
    clustered estimate is the unclustered one, and taking that path keeps the numbers bit for bit.

    Raises:
        ParameterError: ``groups`` not of shape (n,), with a missing label, or of fewer than two groups.
    """
    if groups is None:
        return None
    arr = np.asarray(groups)
    if arr.shape != (n,):
        raise ParameterError(f"groups must hold one label per row, shape ({n},), got {arr.shape}")
    missing = pd.isna(arr)
    if missing.any():
        raise ParameterError(f"groups row {int(np.flatnonzero(missing)[0])}: missing label")
    codes, labels = pd.factorize(arr)
    if len(labels) < 2:
        raise ParameterError(f"groups holds {len(labels)} group(s): a clustered estimate needs at least 2")
    if len(labels) == n:
        return None
    return codes.astype(np.int64, copy=False)
