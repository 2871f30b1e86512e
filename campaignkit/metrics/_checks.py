"""Input checks shared by the metric modules (private)."""

from __future__ import annotations

import numpy as np

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
