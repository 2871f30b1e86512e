"""Seeded train / validation / test splits by user, optionally stratified (e.g. by arm x outcome)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.config import resolve_rng
from campaignkit.errors import ParameterError

__all__ = ["split_users"]


def _strata_codes(strata, n: int) -> np.ndarray:
    if isinstance(strata, pd.DataFrame):
        if len(strata) != n:
            raise ParameterError(f"strata has {len(strata)} rows for {n} user ids")
        return strata.astype(str).agg("|".join, axis=1).pipe(pd.factorize, sort=True)[0]
    arr = np.asarray(strata)
    if arr.ndim == 2:
        return _strata_codes(pd.DataFrame(arr), n)
    if arr.shape[0] != n:
        raise ParameterError(f"strata has {arr.shape[0]} entries for {n} user ids")
    return pd.factorize(pd.Series(arr).astype(str), sort=True)[0]


def split_users(
    user_ids, strata=None, val_size: float = 0.15, test_size: float = 0.15, random_state=None
) -> dict[str, np.ndarray]:
    """Split users into train / val / test, stratified by ``strata`` when given.

    Within each stratum the users are shuffled with ``random_state`` and ``round(n * test_size)`` go to
    test, ``round(n * val_size)`` to val, the rest to train, so every arm x outcome cell keeps its share.

    Args:
        user_ids: array of shape (n,) of unique ids.
        strata: None, array of shape (n,) or (n, k), or a DataFrame with n rows (columns are combined,
            e.g. ``log[["campaign_id", "converted"]]``).
        val_size: Fraction for validation, in [0, 1).
        test_size: Fraction for test, in [0, 1); ``val_size + test_size < 1``.
        random_state: int, None (the kit's ``DEFAULT_SEED``) or a ``numpy.random.Generator``.

    Returns:
        ``{"train", "val", "test"}`` -> arrays of user ids (each sorted ascending), disjoint, covering all.

    Raises:
        ParameterError: bad fractions, duplicate ids, or strata of the wrong length.
    """
    ids = np.asarray(user_ids).ravel()
    n = ids.shape[0]
    for name, v in (("val_size", val_size), ("test_size", test_size)):
        if not (0.0 <= float(v) < 1.0):
            raise ParameterError(f"{name} must be in [0, 1), got {v}")
    if val_size + test_size >= 1.0:
        raise ParameterError(f"val_size + test_size must be < 1, got {val_size + test_size}")
    if n == 0:
        raise ParameterError("user_ids is empty")
    if pd.Index(ids).has_duplicates:
        raise ParameterError("user_ids contains duplicates")
    codes = np.zeros(n, dtype=np.int64) if strata is None else _strata_codes(strata, n)
    rng = resolve_rng(random_state)
    assign = np.zeros(n, dtype=np.int8)  # 0 train, 1 val, 2 test
    order = np.argsort(ids, kind="stable")  # shuffle from a canonical order: input order does not matter
    for code in np.unique(codes):
        members = order[codes[order] == code]
        members = members[rng.permutation(members.size)]
        n_test = int(round(members.size * test_size))
        n_val = int(round(members.size * val_size))
        assign[members[:n_test]] = 2
        assign[members[n_test : n_test + n_val]] = 1
    return {name: np.sort(ids[assign == k]) for k, name in enumerate(("train", "val", "test"))}
