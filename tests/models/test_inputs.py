"""Model inputs: the tabular encoder and the sequence summaries models read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import SchemaError
from campaignkit.models import (
    TabularEncoder,
    history_top_category,
)


def test_history_top_category(toy):
    acc = np.mean(history_top_category(toy["sequences"]) == toy["favourite"])
    assert acc > 0.8  # 70% of each toy user's events are in the favourite category


def test_tabular_encoder_by_hand():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "spend": [1.0, 2.0, np.nan],
            "vip": [True, False, True],
            "zip": pd.array(["a", "b", None], dtype="string"),
            "seen": pd.to_datetime(["2024-01-01"] * 3),
        },
        index=pd.Index([10, 11, 12], name="user_id"),
    )
    with pytest.warns(UserWarning, match="'seen'"):
        enc = TabularEncoder().fit(frame)
    assert enc.feature_names_ == ["spend", "vip", "zip=a", "zip=b"]
    assert "customer_id" in enc.dropped_ and "seen" in enc.dropped_
    new = frame.assign(zip=pd.array(["b", "zzz", "a"], dtype="string"))
    out = enc.transform(new)
    np.testing.assert_array_equal(out[["zip=a", "zip=b"]].to_numpy(), [[0, 1], [0, 0], [1, 0]])
    with pytest.raises(SchemaError, match="spend"):
        enc.transform(frame.drop(columns="spend"))


def test_raw_category_array_keeps_ints_and_text_beside_minus_one():
    from campaignkit.models.inputs import id_to_category, raw_category_array

    ints = raw_category_array([3, -1, np.int64(2)])
    assert ints.dtype == np.int64 and ints.tolist() == [3, -1, 2]
    mixed = raw_category_array(["CANDY - PACKAGED", -1])
    assert mixed.dtype == object and mixed.tolist() == ["CANDY - PACKAGED", -1]
    assert np.where([False, True], mixed, -1).tolist() == [-1, -1]  # a plan's "not targeted" mixes in

    class Seq:
        category_vocab = ["CANDY - PACKAGED", "MILK"]

    back = id_to_category(np.array([2, 0, 1]), Seq())
    assert back.dtype == object and back.tolist() == ["MILK", -1, "CANDY - PACKAGED"]
