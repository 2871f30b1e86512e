"""split_users: partition sizes, seeds, stratification and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.features import split_users


def test_split_users_partition_sizes_and_seed():
    ids = np.arange(1000, 3000, dtype=np.int64)
    s = split_users(ids, random_state=1)
    allv = np.concatenate([s["train"], s["val"], s["test"]])
    assert np.array_equal(np.sort(allv), ids)
    assert len(s["test"]) == 300 and len(s["val"]) == 300
    s2 = split_users(ids[::-1], random_state=1)  # input order does not matter
    assert all(np.array_equal(s[k], s2[k]) for k in s)
    s3 = split_users(ids, random_state=2)
    assert not np.array_equal(s["test"], s3["test"])


def test_split_users_stratified_keeps_cell_shares():
    rng = np.random.default_rng(0)
    n = 4000
    ids = rng.permutation(n).astype(np.int64)
    strata = pd.DataFrame(
        {"arm": rng.choice(["control", "coupon", "reminder"], n), "converted": rng.random(n) < 0.1}
    )
    s = split_users(ids, strata=strata, val_size=0.2, test_size=0.2, random_state=7)
    cell = strata.astype(str).agg("|".join, axis=1).set_axis(ids)
    for part in ("val", "test"):
        share = cell.loc[s[part]].value_counts() / cell.value_counts()
        assert np.allclose(share.to_numpy(), 0.2, atol=0.01), share


def test_split_users_errors():
    with pytest.raises(ParameterError):
        split_users([1, 2, 3], val_size=0.6, test_size=0.5)
    with pytest.raises(ParameterError):
        split_users([1, 1, 2])
    with pytest.raises(ParameterError):
        split_users([1, 2, 3], strata=[0, 1])


@pytest.mark.parametrize("seed", range(8))
def test_split_users_keeps_every_unit_whole(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 400))
    ids = rng.permutation(10 * n)[:n].astype(np.int64)
    units = rng.integers(0, max(2, n // int(rng.integers(1, 5))), n).astype(str)  # random unit sizes
    strata = rng.choice(["a", "b", "c"], n)
    s = split_users(ids, strata, val_size=0.2, test_size=0.3, random_state=seed, groups=units)
    part = pd.Series("", index=ids)
    for name, members in s.items():
        assert part.loc[members].eq("").all()  # disjoint
        part.loc[members] = name
    assert part.ne("").all()  # covering
    assert (pd.Series(part.to_numpy()).groupby(units).nunique() == 1).all()  # a unit in one part
    n_units = len(np.unique(units))
    assert abs(len(np.unique(units[np.isin(ids, s["test"])])) - 0.3 * n_units) <= 3 + 0.05 * n_units
    # input order does not matter
    order = rng.permutation(n)
    again = split_users(
        ids[order], strata[order], val_size=0.2, test_size=0.3, random_state=seed, groups=units[order]
    )
    assert all(np.array_equal(s[k], again[k]) for k in s)


def test_split_users_groups_of_one_row_and_repeated_ids():
    rng = np.random.default_rng(0)
    ids = rng.permutation(500).astype(np.int64)
    strata = rng.choice(["x", "y"], 500)
    plain = split_users(ids, strata, random_state=3)
    singles = split_users(ids, strata, random_state=3, groups=-ids)
    assert all(np.array_equal(plain[k], singles[k]) for k in plain)
    # an id may repeat inside one unit (a customer's waves under one key), never across two
    rep = split_users([5, 5, 6, 7, 7, 8], groups=[1, 1, 2, 3, 3, 4], test_size=0.5, val_size=0.0)
    assert sorted(np.concatenate(list(rep.values())).tolist()) == [5, 6, 7, 8]
    with pytest.raises(ParameterError, match="two groups"):
        split_users([5, 5, 6], groups=[1, 2, 2])
    with pytest.raises(ParameterError, match="groups has 2 entries"):
        split_users([5, 6, 7], groups=[1, 2])
    with pytest.raises(ParameterError, match="missing unit"):
        split_users([5, 6, 7], groups=[1.0, np.nan, 2.0])
