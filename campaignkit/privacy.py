"""Keep raw user ids out of reports: keyed pseudonyms and small-group suppression.

A pseudonym is an HMAC-SHA256 of the id under a secret key, so nobody without the key can recover an id by
hashing candidates (a plain or salted hash with a public salt can be reversed that way). The key comes from
the environment variable :data:`KEY_ENV` when set (stable pseudonyms across runs), else it is drawn at
random once per process; ``campaignkit report`` draws one per report run and hands it to its kernels, so
every notebook of one report uses the same pseudonyms. The key is never written anywhere.

Tables of groups (segments, tiers) blank the statistics of groups smaller than :data:`MIN_GROUP_SIZE`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import numpy as np
import pandas as pd

__all__ = ["KEY_ENV", "MIN_GROUP_SIZE", "pseudonym_key", "pseudonymise", "suppress_small"]

KEY_ENV = "CAMPAIGNKIT_PSEUDONYM_KEY"
"""Environment variable holding the pseudonym key (any text; at least 16 characters recommended)."""
MIN_GROUP_SIZE = 20
"""Groups with fewer users than this are suppressed in tables meant for reports (k of k-anonymity)."""

_PROCESS_KEY = secrets.token_bytes(32)


def pseudonym_key() -> bytes:
    """Return the key pseudonyms use now: ``$CAMPAIGNKIT_PSEUDONYM_KEY``, else this process's random key."""
    env = os.environ.get(KEY_ENV)
    return env.encode("utf-8") if env else _PROCESS_KEY


def pseudonymise(user_ids, salt: str = "campaignkit", *, key: bytes | str | None = None) -> np.ndarray:
    """Map user ids to keyed, non-reversible pseudonyms such as ``u_3f9a1c0b5e2d7a41``.

    Args:
        user_ids: Array-like of ids (any type with a string form).
        salt: Domain label mixed into the message, so one key can serve several uses.
        key: Secret key (default :func:`pseudonym_key`).

    Returns:
        Array of shape (n,) of strings: ``u_`` and 16 hex digits (64 bits) of HMAC-SHA256(key, salt:id).
    """
    k = pseudonym_key() if key is None else (key.encode("utf-8") if isinstance(key, str) else bytes(key))
    return np.array(
        [
            "u_" + hmac.new(k, f"{salt}:{u}".encode(), hashlib.sha256).hexdigest()[:16]
            for u in np.asarray(user_ids)
        ],
        dtype=object,
    )


def suppress_small(
    table: pd.DataFrame, count_col: str = "n_users", min_size: int = MIN_GROUP_SIZE
) -> pd.DataFrame:
    """Blank the statistics of rows whose group is smaller than ``min_size``.

    Args:
        table: One row per group (segment, tier...), with a count column.
        count_col: Name of the count column.
        min_size: Groups with fewer users are suppressed (default :data:`MIN_GROUP_SIZE`, 20).

    Returns:
        A copy where every numeric column but the count is NaN for small groups, and ``suppressed`` marks
        them. The count itself stays, so a reader sees that a group exists and is small.
    """
    out = table.copy()
    small = out[count_col] < min_size
    num = [c for c in out.select_dtypes("number").columns if c != count_col]
    if small.any():
        out[num] = out[num].astype("float64")
        out.loc[small, num] = np.nan
    out["suppressed"] = small
    return out
