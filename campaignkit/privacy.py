"""Keep raw user ids out of reports: pseudonyms and small-segment suppression."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

__all__ = ["pseudonymise", "suppress_small"]


def pseudonymise(user_ids, salt: str = "campaignkit") -> np.ndarray:
    """Map user ids to stable, non-reversible pseudonyms such as ``u_3f9a1c0b``.

    Args:
        user_ids: Array-like of ids (any type with a string form).
        salt: Mixed into the hash so pseudonyms differ between projects.

    Returns:
        Array of shape (n,) of strings.
    """
    return np.array(
        ["u_" + hashlib.sha256(f"{salt}:{u}".encode()).hexdigest()[:10] for u in np.asarray(user_ids)],
        dtype=object,
    )


def suppress_small(table: pd.DataFrame, count_col: str = "n_users", min_size: int = 50) -> pd.DataFrame:
    """Blank the statistics of rows whose segment is smaller than ``min_size``.

    Args:
        table: One row per segment, with a count column.
        count_col: Name of the count column.
        min_size: Segments with fewer users are suppressed.

    Returns:
        A copy where numeric columns of small segments are NaN and ``suppressed`` marks them.
    """
    out = table.copy()
    small = out[count_col] < min_size
    num = [c for c in out.select_dtypes("number").columns if c != count_col]
    out.loc[small, num] = np.nan
    out["suppressed"] = small
    return out
