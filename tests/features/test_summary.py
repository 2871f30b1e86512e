"""Feature summaries: RFM scores and segments, uplift correlations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.features import (
    RFM_SEGMENTS,
    rfm_scores,
    rfm_segment_table,
    uplift_correlations,
)


def test_rfm_scores_and_segments():
    idx = pd.Index(np.arange(8, dtype=np.int64), name="user_id")
    f = pd.DataFrame(
        {
            "recency_purchase_days": [1, 2, 80, 90, 3, 70, 365, 365],
            "frequency": [9, 8, 7, 6, 1, 1, 0, 0],
            "monetary": [900, 800, 700, 600, 10, 10, 0, 0],
        },
        index=idx,
        dtype=float,
    )
    s = rfm_scores(f, n_bins=3)
    assert s.loc[6:7, ["R", "F", "M"]].eq(0).all().all() and (s.loc[6:7, "segment"] == "never bought").all()
    assert s.loc[0, "R"] == 3 and s.loc[3, "R"] == 1  # most recent buyer best, oldest worst
    assert s.loc[4, "F"] == s.loc[5, "F"] == 1  # equal values, equal scores
    assert s.loc[0, "segment"] == "champions" and s.loc[3, "segment"] == "at risk"
    table = rfm_segment_table(f, s, extra=pd.DataFrame({"u": np.arange(8.0)}, index=idx), min_size=2)
    assert table["n_users"].sum() == 8 and set(table.index) <= set(RFM_SEGMENTS)
    assert table.loc["never bought", "u"] == pytest.approx(6.5)
    assert bool(table.loc["champions", "suppressed"]) == (table.loc["champions", "n_users"] < 2)


def test_uplift_correlations_recover_a_planted_signal():
    rng = np.random.default_rng(0)
    n = 500
    f = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "const": np.zeros(n)})
    uplift = np.column_stack([2 * f["a"] + 0.1 * rng.normal(size=n), -np.exp(f["b"])])
    c = uplift_correlations(f, uplift)
    assert c.loc["a", "c0"] > 0.95 and c.loc["b", "c1"] == pytest.approx(-1.0)
    assert c.loc["const", "c0"] == 0.0 and abs(c.loc["b", "c0"]) < 0.15
    with pytest.raises(ParameterError):
        uplift_correlations(f, uplift[:10])
