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
