"""Event sequences: right alignment, truncation, ids, leak guard, chunk / memmap invariance, subsets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError, SchemaError
from campaignkit.features import SequenceArrays, build_sequences
from campaignkit.features.reference import random_events
from campaignkit.features.sequences import DEFAULT_GAP_EDGES_S, DEFAULT_PRICE_EDGES, EVENT_TYPE_IDS

CUT = pd.Timestamp("2024-06-01", tz="UTC")
CHANNELS = ("event_type", "category", "price_bucket", "gap_bucket", "mask")


def ev(rows):
    """Canonical events from (user, seconds_before_cutoff, type, item, category, price) tuples."""
    df = pd.DataFrame(rows, columns=["user_id", "secs", "event_type", "item_id", "category", "price"])
    df["ts"] = CUT - pd.to_timedelta(df.pop("secs"), unit="s")
    df["quantity"] = 1
    return df.astype(
        {"user_id": "int64", "item_id": "int64", "category": "int64", "price": "float64", "quantity": "int64"}
    )


def price_bucket(p):
    return 1 + int(np.sum(np.asarray(DEFAULT_PRICE_EDGES) <= p))


def gap_bucket(g):
    return 1 if g is None else 2 + int(np.sum(np.asarray(DEFAULT_GAP_EDGES_S) <= g))


def test_right_aligned_ids_and_buckets():
    events = ev(
        [
            (7, 3 * 86400, "view", 1, 30, 12.0),
            (7, 3 * 86400 - 30, "cart", 1, 30, 12.0),  # 30 s later
            (7, 3600, "purchase", 1, 10, 250.0),  # ~3 days later
            (8, 100, "fav", 2, 20, 0.5),
        ]
    )
    s = build_sequences(events, CUT, user_ids=[9, 8, 7], max_len=5)
    assert s.user_id.tolist() == [7, 8, 9] and s.max_len == 5 and len(s) == 3
    assert s.category_vocab == [10, 20, 30]
    assert s.vocab_sizes == {
        "event_type": 5,
        "category": 5,
        "price_bucket": len(DEFAULT_PRICE_EDGES) + 2,
        "gap_bucket": len(DEFAULT_GAP_EDGES_S) + 3,
    }
    assert s.mask.tolist()[0] == [False, False, True, True, True]
    assert s.event_type[0].tolist() == [
        0,
        0,
        EVENT_TYPE_IDS["view"],
        EVENT_TYPE_IDS["cart"],
        EVENT_TYPE_IDS["purchase"],
    ]
    assert s.category[0].tolist() == [0, 0, 3, 3, 1]
    assert s.price_bucket[0].tolist() == [0, 0, price_bucket(12.0), price_bucket(12.0), price_bucket(250.0)]
    assert s.gap_bucket[0].tolist() == [0, 0, gap_bucket(None), gap_bucket(30), gap_bucket(3 * 86400 - 3600)]
    assert s.event_type[1].tolist() == [0, 0, 0, 0, EVENT_TYPE_IDS["fav"]] and s.price_bucket[1, -1] == 1
    assert not s.mask[2].any() and (s.event_type[2] == 0).all()  # user 9 has no events: all padding
    for ch in ("event_type", "category", "price_bucket", "gap_bucket"):
        arr = getattr(s, ch)
        assert arr.dtype == np.int64 and arr.max() < s.vocab_sizes[ch]
        assert ((arr == 0) == ~s.mask).all()  # 0 is padding and only padding


def test_truncation_keeps_most_recent_and_gap_uses_true_previous_event():
    rows = [(1, 1000 - 10 * i, "view", i, i % 3, float(i + 1)) for i in range(10)]  # item i at t = -1000+10i
    s = build_sequences(ev(rows), CUT, max_len=4)
    assert s.mask[0].all()
    assert s.price_bucket[0].tolist() == [price_bucket(p) for p in (7.0, 8.0, 9.0, 10.0)]
    assert s.category[0].tolist() == [(i % 3) + 1 for i in (6, 7, 8, 9)]
    assert s.gap_bucket[0, 0] == gap_bucket(10)  # the oldest kept event still has a previous one


def test_planted_events_after_cutoff_never_reach_a_sequence():
    events, _ = random_events(80, events_per_user=20, random_state=4)
    cut = pd.Timestamp("2024-06-15", tz="UTC")
    ids = np.arange(80)
    base = build_sequences(events, cut, user_ids=ids, max_len=16)
    planted = events.sample(200, random_state=1).assign(ts=cut + pd.Timedelta(hours=1), category=999)
    at_cut = events.sample(50, random_state=2).assign(ts=cut, event_type="purchase")
    after = build_sequences(pd.concat([events, planted, at_cut]), cut, user_ids=ids, max_len=16)
    for ch in CHANNELS:
        assert np.array_equal(getattr(base, ch), getattr(after, ch)), ch
    assert 999 not in after.category_vocab


def test_chunking_memmap_and_row_order_do_not_change_results(tmp_path):
    events, users = random_events(150, events_per_user=15, random_state=6)
    # ties: duplicate timestamps with different content, so only the tie-break fixes the order
    dup = events.sample(100, random_state=3).assign(event_type="cart", item_id=lambda d: d.item_id + 1)
    events = pd.concat([events, dup], ignore_index=True)
    cut = pd.Timestamp("2024-07-01", tz="UTC")
    a = build_sequences(events, cut, user_ids=users.user_id, max_len=12)
    b = build_sequences(
        events.sample(frac=1.0, random_state=9),
        cut,
        user_ids=users.user_id[::-1],
        max_len=12,
        out_dir=tmp_path / "seq",
        chunk_users=17,
    )
    assert isinstance(b.event_type, np.memmap)
    for ch in ("user_id", *CHANNELS):
        assert np.array_equal(getattr(a, ch), getattr(b, ch)), ch
    c = SequenceArrays.load(tmp_path / "seq")
    assert c.vocab_sizes == a.vocab_sizes and c.category_vocab == a.category_vocab
    assert np.array_equal(c.category, a.category)


def test_matches_a_pandas_reference():
    events, _ = random_events(60, events_per_user=30, random_state=11)
    cut = pd.Timestamp("2024-06-01", tz="UTC")
    L = 8
    s = build_sequences(events, cut, max_len=L)
    e = events[events.ts < cut].copy()
    e["et_id"] = e.event_type.map(EVENT_TYPE_IDS)
    e = e.sort_values(["user_id", "ts", "et_id", "item_id", "category", "price"])
    vocab = sorted(e.category.unique())
    for row, uid in enumerate(s.user_id):
        tail = e[e.user_id == uid].tail(L)
        k = len(tail)
        assert s.mask[row].sum() == k
        assert s.event_type[row, L - k :].tolist() == tail.et_id.tolist()
        assert s.category[row, L - k :].tolist() == [vocab.index(c) + 1 for c in tail.category]


def test_subset_and_fixed_vocabulary():
    events = ev([(1, 50, "view", 1, 5, 3.0), (2, 40, "cart", 2, 6, 4.0), (3, 30, "view", 3, 7, 5.0)])
    s = build_sequences(events, CUT, max_len=3, category_vocab=[6, 5])  # 7 is unknown
    assert s.category[:, -1].tolist() == [2, 1, 3] and s.vocab_sizes["category"] == 4
    sub = s.subset([3, 1])
    assert sub.user_id.tolist() == [3, 1] and sub.category[:, -1].tolist() == [3, 2]
    assert not isinstance(sub.mask, np.memmap)
    with pytest.raises(ParameterError):
        s.subset([1, 42])


def test_string_categories_and_errors():
    events = ev([(1, 50, "view", 1, 0, 3.0), (1, 40, "cart", 2, 0, 4.0)])
    events["category"] = ["shoes", "books"]
    s = build_sequences(events, CUT, max_len=2)
    assert s.category_vocab == ["books", "shoes"] and s.category[0].tolist() == [2, 1]
    with pytest.raises(ParameterError):
        build_sequences(events, CUT, max_len=0)
    with pytest.raises(ParameterError):
        build_sequences(events, CUT, user_ids=[1, 1])
    with pytest.raises(ParameterError):
        build_sequences(events, CUT - pd.Timedelta(days=30))
    with pytest.raises(SchemaError):
        build_sequences(events.iloc[:0], CUT)
    with pytest.raises(SchemaError):
        build_sequences(events.drop(columns="item_id"), CUT)
