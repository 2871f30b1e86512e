"""Reason codes: words, pseudonyms, small-group suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.explain import (
    describe,
    explain_uplift,
    reason_codes,
    segment_reasons,
)
from campaignkit.privacy import MIN_GROUP_SIZE


def test_reason_codes_words_pseudonyms_and_suppression(world_data, mediated):
    world, data, _ = world_data
    e = explain_uplift(mediated, data, "cart_reminder", outcome="participate", user_ids=np.arange(300))
    rc = reason_codes(e, k=3)
    assert len(rc) == 300 and {"reason_1", "reason_2", "reason_3"} <= set(rc.columns)
    assert not set(map(str, rc["user"])) & set(map(str, e.user_id))  # never the raw ids
    assert rc["user"].str.startswith("u_").all()
    pos = reason_codes(e, k=3, sign="positive")
    assert all(pd.isna(r) or "(+" in r for r in pos["reason_1"])
    seg = np.where(np.arange(300) < 290, "big", "small")
    table = segment_reasons(e, seg, k=3)
    assert table.loc["big", "n_users"] == 290 and not table.loc["big", "suppressed"]
    assert table.loc["small", "suppressed"] and pd.isna(table.loc["small", "driver_1"])
    assert table.loc["small", "n_users"] < MIN_GROUP_SIZE


def test_describe_reads_like_a_sentence():
    assert describe("recency_cart_days", 2) == "added to the cart 2 days ago"
    assert "never" in describe("recency_cart_days", 365)
    assert describe("cat_share_3", 0.4) == "40% of events in category 3"
    assert describe("attr_member_tier_gold", 1.0) == "is member tier gold"
    assert describe("events: cart", 3) == "3 cart events among the recent ones"
    assert "=" in describe("some_unknown_feature", 1.5)
