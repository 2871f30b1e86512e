"""Point-in-time features: exactly the per-exposure builds, no event at or after the send, no-history rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data.catalogue import default_catalogue
from campaignkit.data.exposures import build_campaign_log
from campaignkit.data.schema import UNIT_COLUMN
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.features import build_features, build_sequences
from campaignkit.features.pointintime import exposure_features, exposure_keys
from campaignkit.features.reference import random_events
from tests.features._helpers import CUT, DAY, ev

CHANNELS = ("event_type", "category", "price_bucket", "gap_bucket", "mask")
SENDS = pd.to_datetime(
    ["2024-02-01 10:00", "2024-03-05 17:33:12.5", "2024-04-20"], utc=True, format="ISO8601"
)


@pytest.fixture(scope="module")
def world():
    """30 customers, 3 waves; every customer has a row in every wave, a few sent at odd times."""
    events, users = random_events(30, events_per_user=10, n_categories=5, days=120, random_state=3)
    events = events[events["user_id"] != 7]  # a customer without any history
    unit = np.tile(np.arange(30), 3)
    sent = np.repeat(SENDS, 30)
    keys = pd.DataFrame({"user_id": np.arange(90), UNIT_COLUMN: unit, "sent_at": sent})
    keys.loc[[5, 40, 77], "sent_at"] += pd.to_timedelta([1.5, 3600.25, 86399.999999], unit="s")
    fixed = {
        "categories": sorted(events["category"].unique()),
        "attribute_levels": {c: sorted(users[c].dropna().unique()) for c in ("age_band", "region")},
    }
    return events, users, keys, fixed


def _reference(events, users, keys, fixed, rows):
    """``build_features`` / ``build_sequences`` of the rows' customers at one cutoff (their common send)."""
    t = keys["sent_at"].iloc[rows[0]]
    units = keys[UNIT_COLUMN].iloc[rows].to_numpy()
    f = build_features(events, users[users["user_id"].isin(units)], t, **fixed)
    s = build_sequences(
        events, t, user_ids=units, max_len=6, category_vocab=fixed["categories"], progress=False
    )
    return f.loc[units], s.subset(units)


def test_equals_build_features_and_sequences_at_each_send(world):
    events, users, keys, fixed = world
    pit = exposure_features(keys, events, users, max_len=6, category_vocab=fixed["categories"], **fixed)
    f, seq = pit.features, pit.sequences
    assert f.index.tolist() == list(range(90)) and seq.user_id.tolist() == list(range(90))
    groups = keys.groupby("sent_at").indices  # rows sharing a send time: one reference build each
    assert len(groups) == 6
    for rows in groups.values():
        ref_f, ref_s = _reference(events, users, keys, fixed, rows)
        assert list(f.columns) == list(ref_f.columns)
        got = f.iloc[rows]
        assert (got.dtypes.to_numpy() == ref_f.dtypes.to_numpy()).all()
        np.testing.assert_array_equal(got.to_numpy(float), ref_f.to_numpy(float))
        for ch in CHANNELS:
            np.testing.assert_array_equal(getattr(seq, ch)[rows], getattr(ref_s, ch))
    assert seq.vocab_sizes == ref_s.vocab_sizes and seq.category_vocab == ref_s.category_vocab
    # tenure_days follows each row's own send (signup_ts shifted with the events)
    assert f["tenure_days"].iloc[30] - f["tenure_days"].iloc[0] == pytest.approx((SENDS[1] - SENDS[0]) / DAY)


def test_results_do_not_depend_on_chunks(world):
    events, users, keys, fixed = world
    keys = keys.iloc[20:60]
    a = exposure_features(keys, events, users, **fixed).features
    b = exposure_features(keys, events, users, chunk_users=7, **fixed).features
    assert a.index.tolist() == list(range(20, 60))
    np.testing.assert_allclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-12, atol=1e-12)


def test_no_event_at_or_after_the_send_leaks():
    events = ev(
        [
            (1, 10.0, "view", 1, 1, 5.0, 1),
            (1, 2.0, "purchase", 1, 1, 5.0, 2),
            (1, 0.0, "purchase", 2, 2, 99.0, 1),  # exactly at the send: left out
            (1, -1.0, "view", 3, 2, 50.0, 1),  # after the send
            (2, 3.0, "cart", 4, 1, 8.0, 1),
        ]
    )
    keys = pd.DataFrame(
        {"user_id": [10, 11, 12], UNIT_COLUMN: [1, 1, 2], "sent_at": [CUT, CUT - 5 * DAY, CUT]}
    )
    pit = exposure_features(keys, events, max_len=4, categories=[1, 2], category_vocab=[1, 2])
    f = pit.features
    assert f.loc[10, ["n_events", "n_purchase", "n_view"]].tolist() == [2, 1, 1]
    assert f.loc[10, "monetary"] == 10.0 and f.loc[10, "recency_purchase_days"] == pytest.approx(2.0)
    assert f.loc[10, "cat_share_2"] == 0.0
    # the row sent five days earlier sees only the view ten days before the cutoff (five before its send)
    assert f.loc[11, ["n_events", "n_purchase"]].tolist() == [1, 0]
    assert f.loc[11, "recency_days"] == pytest.approx(5.0)
    assert pit.sequences.mask.sum(axis=1).tolist() == [2, 1, 1]
    assert f.attrs["n_events_used"] == 4 and f.attrs["cutoff"] == "per row: its sent_at"


def test_rows_without_history_get_no_history_values(world):
    events, users, keys, fixed = world
    pit = exposure_features(keys, events, users, max_len=4, **fixed)
    row = keys.index[keys[UNIT_COLUMN] == 7][0]  # customer 7 has no events
    assert pit.features.loc[row, "n_events"] == 0 and pit.features.loc[row, "recency_days"] == 365.0
    assert not pit.sequences.mask[row].any()
    # attributes still copied from the customer's users row
    assert pit.features.loc[row, f"attr_region_{users.set_index('user_id').loc[7, 'region']}"] == 1


def test_from_an_exposure_log_and_a_partial_users_table():
    t0 = CUT - 20 * DAY
    events = ev([(u, d, "purchase", 1, 1, 10.0 * u, 1) for u in (1, 2, 3) for d in (30.0, 15.0, 1.0)])
    exposures = pd.DataFrame(
        {"user_id": [1, 2], "campaign_id": ["percent_10", "coupon_5"], "sent_at": [t0, CUT]}
    )
    out = build_campaign_log(
        exposures,
        events,
        default_catalogue(),
        window=10 * DAY,
        population=[1, 2, 3],
        redemptions=exposures.iloc[:0].rename(columns={"sent_at": "ts"}),
    )
    users = pd.DataFrame({"user_id": [1, 2], "region": ["north", "south"]})
    with pytest.warns(UserWarning, match="1 of 3 customers have no row in users"):
        pit = exposure_features(out, events, users)
    assert pit.features.index.tolist() == out.log["user_id"].tolist() == list(range(6))
    assert pit.keys[UNIT_COLUMN].tolist() == [1, 2, 3, 1, 2, 3]
    assert pit.features["n_purchase"].tolist() == [1, 1, 1, 3, 3, 3]
    assert pit.features["attr_region_north"].tolist() == [1, 0, 0, 1, 0, 0]


def test_errors():
    events = ev([(1, 3.0, "view", 1, 1, 5.0, 1)])
    with pytest.raises(SchemaError, match="twice"):
        exposure_keys(pd.DataFrame({"user_id": [1, 1], "sent_at": [CUT, CUT]}))
    with pytest.raises(SchemaError) as info:
        exposure_keys(pd.DataFrame({"user_id": [1]}))
    assert info.value.column == "sent_at"
    with pytest.raises(ParameterError, match="no history"):
        exposure_features(pd.DataFrame({"user_id": [5], UNIT_COLUMN: [2], "sent_at": [CUT]}), events)
