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


def _unit_layout(ids: np.ndarray, groups, codes: np.ndarray):
    """Units in canonical order (by their smallest id), each unit's stratum (its majority), and each row's unit.

    Without ``groups`` every row is its own unit and the canonical order is the ids' sort order.
    """
    if groups is None:
        if pd.Index(ids).has_duplicates:
            raise ParameterError("user_ids contains duplicates (pass groups= when a unit holds several rows)")
        return np.argsort(ids, kind="stable"), codes, np.arange(ids.shape[0])
    g = np.asarray(groups).ravel()
    if g.shape != ids.shape:
        raise ParameterError(f"groups has {g.shape[0]} entries for {ids.shape[0]} user ids")
    if pd.isna(g).any():
        raise ParameterError(f"groups row {int(np.flatnonzero(pd.isna(g))[0])}: missing unit label")
    unit, labels = pd.factorize(g)
    pairs = pd.DataFrame({"id": ids, "unit": unit}).drop_duplicates()
    if pairs["id"].duplicated().any():
        bad = pairs.loc[pairs["id"].duplicated(), "id"].iloc[0]
        raise ParameterError(
            f"user id {bad!r} appears in two groups: every row of an id must share its group"
        )
    smallest = pairs.sort_values(["id", "unit"], kind="stable").drop_duplicates("unit")["unit"].to_numpy()
    cells = pd.DataFrame({"unit": unit, "code": codes}).value_counts(sort=False).reset_index(name="n")
    majority = cells.sort_values(["unit", "n", "code"], ascending=[True, False, True], kind="stable")
    unit_code = np.empty(len(labels), dtype=np.int64)
    first = majority.drop_duplicates("unit")
    unit_code[first["unit"].to_numpy()] = first["code"].to_numpy()
    return smallest, unit_code, unit


def split_users(
    user_ids,
    strata=None,
    val_size: float = 0.15,
    test_size: float = 0.15,
    random_state=None,
    *,
    groups=None,
) -> dict[str, np.ndarray]:
    """Split users into train / val / test, stratified by ``strata`` when given, keeping units whole.

    Within each stratum the users are shuffled with ``random_state`` and ``round(n * test_size)`` go to
    test, ``round(n * val_size)`` to val, the rest to train, so every arm x outcome cell keeps its share.

    With ``groups`` (the unit of each row, e.g. the customer behind rows logged in several waves:
    :func:`campaignkit.data.schema.log_units`) the *units* are split and every row of a unit lands in its
    unit's part. A unit's stratum is the one most of its rows are in (ties: the first in sorted order of the
    strata labels); the units are shuffled from the order of their smallest id, so input order does not matter.
    Stratification then keeps the shares of *units* per stratum; row shares follow approximately. With one row
    per group the split is the one without groups, bit for bit.

    Args:
        user_ids: array of shape (n,) of ids, unique unless ``groups`` is given (then an id may repeat within
            one group).
        strata: None, array of shape (n,) or (n, k), or a DataFrame with n rows (columns are combined,
            e.g. ``log[["campaign_id", "converted"]]``).
        val_size: Fraction for validation, in [0, 1).
        test_size: Fraction for test, in [0, 1); ``val_size + test_size < 1``.
        random_state: int, None (the kit's ``DEFAULT_SEED``) or a ``numpy.random.Generator``.
        groups: None, or array of shape (n,) of unit labels: all rows of a label go to one part.

    Returns:
        ``{"train", "val", "test"}`` -> arrays of user ids (each sorted ascending, each id once), disjoint,
        covering all.

    Raises:
        ParameterError: bad fractions, duplicate ids without groups (or an id in two groups), missing
            unit labels, or strata / groups of the wrong length.
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
    codes = np.zeros(n, dtype=np.int64) if strata is None else _strata_codes(strata, n)
    order, unit_codes, row_unit = _unit_layout(ids, groups, codes)
    rng = resolve_rng(random_state)
    assign = np.zeros(len(unit_codes), dtype=np.int8)  # 0 train, 1 val, 2 test, per unit
    for code in np.unique(unit_codes):
        members = order[unit_codes[order] == code]
        members = members[rng.permutation(members.size)]
        n_test = int(round(members.size * test_size))
        n_val = int(round(members.size * val_size))
        assign[members[:n_test]] = 2
        assign[members[n_test : n_test + n_val]] = 1
    row_assign = assign[row_unit]
    return {name: np.unique(ids[row_assign == k]) for k, name in enumerate(("train", "val", "test"))}
