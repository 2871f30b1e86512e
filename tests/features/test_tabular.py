"""Tabular features: hand-computed truth, pandas cross-check, leak guard, independence, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import DataNotFoundError, ParameterError, SchemaError
from campaignkit.features import (
    FEATURE_DESCRIPTIONS,
    build_features,
    feature_group,
)
from campaignkit.features.reference import pandas_features, random_events
from tests.features._helpers import CUT, DAY, ev


def test_hand_computed_values(tiny):
    events, users = tiny
    f = build_features(events, users, CUT)
    assert f.index.tolist() == [1, 2, 3] and f.index.dtype == np.int64
    u1, u2, u3 = f.loc[1], f.loc[2], f.loc[3]
    assert (u1.n_events, u1.n_view, u1.n_cart, u1.n_purchase, u1.n_fav) == (5, 2, 2, 1, 0)
    assert (u1.n_view_7d, u1.n_view_30d, u1.n_view_90d, u1.n_events_7d) == (0, 1, 2, 3)
    assert u1.recency_days == pytest.approx(2.0) and u1.recency_purchase_days == pytest.approx(2.0)
    assert (
        u1.frequency == 1 and u1.monetary == pytest.approx(20.0) and u1.avg_order_value == pytest.approx(20.0)
    )
    assert u1.units_purchased == 2 and u1.cart_per_view == pytest.approx(1.0)
    assert u1.purchase_per_cart == pytest.approx(0.5)
    assert u1.n_carted_items == 2 and u1.cart_abandonment_rate == pytest.approx(0.5)
    assert (
        u1.n_categories == 2
        and u1.cat_share_1 == pytest.approx(3 / 5)
        and u1.cat_share_2 == pytest.approx(2 / 5)
    )
    assert u1.category_entropy == pytest.approx(-(0.6 * np.log(0.6) + 0.4 * np.log(0.4)))
    assert u1.mean_price_viewed == pytest.approx(20.0) and u1.std_price_viewed == pytest.approx(10.0)
    assert u1.deal_seeking_ratio == pytest.approx(10.0 / 20.0)
    assert u1.days_since_first_event == pytest.approx(40.0)
    assert u1.mean_interpurchase_days == pytest.approx(365.0)  # a single order: the cap
    assert u1.tenure_days == pytest.approx(10.0) and u1.attr_region_north == 1
    # user 2: 2 orders 20 days apart, spend 5 + 21
    assert u2.frequency == 2 and u2.monetary == pytest.approx(26.0)
    assert u2.mean_interpurchase_days == pytest.approx(20.0)
    assert u2.monetary_30d == pytest.approx(26.0) and u2.monetary_90d == pytest.approx(26.0)
    assert u2.purchase_per_view == 0.0 and u2.deal_seeking_ratio == 1.0
    assert u2.tenure_days == 0.0  # signed up after the cutoff: clipped, never negative
    assert u2.recency_cart_days == 365.0
    # user 3: no events at all, still present, with documented fills
    assert u3.n_events == 0 and u3.monetary == 0.0 and u3.recency_days == 365.0
    assert u3.cat_share_1 == 0.0 and u3.tenure_days == pytest.approx(100.0)
    # activity trend: events in the last 30 days (4) vs 30-60 days ago (1)
    assert u1.activity_trend == pytest.approx(np.log(5) - np.log(2))


def test_output_contract(tiny):
    events, users = tiny
    f = build_features(events, users, CUT)
    assert len(f) == len(users)
    assert all(dt.kind in "if" for dt in f.dtypes), f.dtypes[[dt.kind not in "if" for dt in f.dtypes]]
    assert not f.isna().any().any()
    for col in f.columns:
        assert col in FEATURE_DESCRIPTIONS, col
        assert isinstance(FEATURE_DESCRIPTIONS[col], str) and FEATURE_DESCRIPTIONS[col]
    assert "nonexistent_feature" not in FEATURE_DESCRIPTIONS
    assert feature_group("recency_days") == "rfm" and feature_group("cat_share_3") == "category"


def test_planted_events_after_cutoff_never_reach_a_feature(tiny):
    events, users = tiny
    before = build_features(events, users, CUT)
    planted = ev(
        [
            (1, 0.0, "purchase", 999, 9, 1e6, 5),  # exactly at the cutoff: excluded (ts < cutoff)
            (1, -1.0, "purchase", 100, 1, 1e6, 5),  # after the cutoff
            (3, -3.0, "view", 5, 9, 50.0, 1),
        ]
    )  # a user with no history
    after = build_features(pd.concat([events, planted], ignore_index=True), users, CUT, categories=[1, 2, 3])
    pd.testing.assert_frame_equal(before[after.columns], after)
    assert not any(c == "cat_share_9" for c in after.columns)


def test_matches_pandas_reference_and_is_chunk_invariant():
    events, users = random_events(300, events_per_user=25, random_state=3)
    cut = pd.Timestamp("2024-07-15", tz="UTC")
    f = build_features(events, users, cut)
    ref = pandas_features(events, users["user_id"], cut, f.attrs["categories"])
    pd.testing.assert_frame_equal(f[ref.columns], ref, check_dtype=False, check_names=False, rtol=1e-9)
    chunked = build_features(events, users, cut, chunk_users=37)
    pd.testing.assert_frame_equal(f, chunked, rtol=1e-12)


def test_user_features_do_not_depend_on_other_users():
    events, users = random_events(200, random_state=5)
    cut = pd.Timestamp("2024-06-20", tz="UTC")
    full = build_features(events, users, cut)
    keep = users["user_id"].to_numpy()[::7]
    alone = build_features(
        events[events.user_id.isin(keep)],
        users[users.user_id.isin(keep)],
        cut,
        categories=full.attrs["categories"],
        attribute_levels=full.attrs["attribute_levels"],
    )
    pd.testing.assert_frame_equal(full.loc[keep], alone, rtol=1e-12)
    shuffled = events.sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(full, build_features(shuffled, users.iloc[::-1], cut))


def test_parquet_glob_equals_dataframe(tmp_path):
    events, users = random_events(120, random_state=8)
    half = events.user_id < 60
    (tmp_path / "ev").mkdir()
    events[half].to_parquet(tmp_path / "ev" / "part-0.parquet")
    events[~half].to_parquet(tmp_path / "ev" / "part-1.parquet")
    users.to_parquet(tmp_path / "users.parquet")
    cut = "2024-07-01"  # naive: read as UTC
    a = build_features(events, users, cut)
    b = build_features(str(tmp_path / "ev" / "*.parquet"), tmp_path / "users.parquet", cut)
    c = build_features(tmp_path / "ev", users, cut, chunk_users=50)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_string_categories():
    events, users = random_events(50, random_state=2)
    events["category"] = "cat-" + events["category"].astype(str)
    f = build_features(events, users, "2024-07-01", max_categories=3)
    share_cols = [c for c in f.columns if c.startswith("cat_share_")]
    assert len(share_cols) == 3 and all(c.startswith("cat_share_cat_") for c in share_cols)
    assert f[share_cols].to_numpy().max() <= 1.0 and f["top_category_share"].max() <= 1.0


@pytest.mark.parametrize("drop", ["user_id", "ts", "event_type", "price", "category"])
def test_missing_column_is_a_schema_error(tiny, drop):
    events, users = tiny
    with pytest.raises(SchemaError, match=drop) as err:
        build_features(events.drop(columns=drop), users, CUT)
    assert err.value.rule == "required_column" and err.value.column == drop


def test_bad_input_errors(tiny, tmp_path):
    events, users = tiny
    with pytest.raises(SchemaError) as err:
        build_features(events.iloc[:0], users, CUT)
    assert err.value.rule == "empty_log"
    with pytest.raises(ParameterError, match="first event"):
        build_features(events, users, CUT - 365 * DAY)
    bad = events.copy()
    bad.loc[0, "event_type"] = "click"
    with pytest.raises(SchemaError, match="click"):
        build_features(bad, users, CUT)
    with pytest.raises(SchemaError) as err:
        build_features(events, pd.concat([users, users.iloc[:1]]), CUT)
    assert err.value.rule == "unique_key"
    with pytest.raises(SchemaError, match="ts"):
        build_features(events.assign(ts=events.ts.astype(str)), users, CUT)
    with pytest.raises(DataNotFoundError):
        build_features(tmp_path / "nothing-*.parquet", users, CUT)
    with pytest.raises(ParameterError):
        build_features(events, users, None)
    with pytest.raises(ParameterError):
        build_features(events, users, CUT, chunk_users=0)


def test_many_category_path_equals_few_category_path():
    events, users = random_events(150, events_per_user=20, random_state=12)
    cut = pd.Timestamp("2024-07-15", tz="UTC")
    wide = build_features(events, users, cut, max_categories=5)
    long = build_features(events, users, cut, max_categories=5, wide_category_limit=0)
    assert wide.columns.tolist() == long.columns.tolist()
    pd.testing.assert_frame_equal(wide, long, rtol=1e-12)


def test_active_days_counted_by_day_before_cutoff():
    events = ev(
        [(5, d, "view", 1, 1, 1.0, 1) for d in (0.5, 0.7, 1.5, 29.9, 30.1, 89.0, 200.0, 364.9, 400.0)]
    )
    f = build_features(events, pd.DataFrame({"user_id": np.array([5], dtype="int64")}), CUT)
    # days 0 (twice), 1, 29 | 30, 89 | 200, 364, 400 are outside both windows
    assert (f.loc[5, "n_active_days_30d"], f.loc[5, "n_active_days_90d"]) == (3, 5)


def test_nanosecond_and_naive_timestamps_from_arrow_and_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    events, users = random_events(60, random_state=13)
    cut = pd.Timestamp("2024-07-01", tz="UTC")
    base = build_features(events, users, cut)
    ns = events.assign(ts=events.ts.astype("datetime64[ns, UTC]"))
    pq.write_table(pa.Table.from_pandas(ns, preserve_index=False), tmp_path / "ns.parquet")
    naive = events.assign(ts=events.ts.dt.tz_localize(None))
    for ev_in in (ns, tmp_path / "ns.parquet", naive):
        pd.testing.assert_frame_equal(base, build_features(ev_in, users, cut))


def test_odd_attribute_names_and_values_are_quoted(tiny):
    events, users = tiny
    odd = users.assign(**{'home "region"': ["a'b", "c d", "a'b"], "score": [1.5, None, 2.0]})
    f = build_features(events, odd, CUT)
    assert f.loc[[1, 2, 3], "attr_home_region_a_b"].tolist() == [1, 0, 1]
    assert f.loc[[1, 2, 3], "attr_score"].tolist() == [2.0, 0.0, 1.5]  # missing numeric -> 0


def test_event_users_missing_from_the_users_table_are_named_and_not_counted(tiny):
    events, users = tiny
    extra = ev(
        [
            (7, 3.0, "purchase", 300, 1, 4.0, 1),
            (7, 2.0, "view", 300, 1, 4.0, 1),
            (8, 1.0, "view", 1, 1, 1.0, 1),
        ]
    )
    with pytest.warns(
        UserWarning, match=r"2 user\(s\) with 3 event\(s\) before the cutoff are not in the users"
    ):
        f = build_features(pd.concat([events, extra], ignore_index=True), users, CUT)
    assert f.index.tolist() == [1, 2, 3]  # the users table's users
    assert f.attrs["n_events_used"] == len(events) and f.attrs["n_events_left_out"] == 3


def test_constant_feature_columns_are_named(tiny):
    events, users = tiny
    purchases = events[events.event_type == "purchase"]
    with pytest.warns(UserWarning, match=r"feature column\(s\) are constant.*n_view") as rec:
        f = build_features(purchases, users, CUT)
    n = sum(f[c].nunique() <= 1 for c in f.columns)
    assert n > 0 and f"{n} of {f.shape[1]} feature column(s) are constant" in str(rec[0].message)
    assert set(f.attrs["constant_features"]) == {c for c in f.columns if f[c].nunique() <= 1}
