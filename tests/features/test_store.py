"""Feature store: layout, manifest, reuse vs rebuild, alignment, checksums, chunk invariance."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import CampaignkitError, DataNotFoundError, ParameterError
from campaignkit.features import FeatureStore, build_features, build_sequences
from campaignkit.features.reference import random_events

CUT = pd.Timestamp("2024-07-01", tz="UTC")


@pytest.fixture(scope="module")
def data():
    return random_events(120, events_per_user=20, random_state=21)


@pytest.fixture
def store(data, tmp_path):
    events, users = data
    return FeatureStore.build("demo", events, users, CUT, root=tmp_path, max_len=10, chunk_users=25)


def test_layout_and_manifest(store, data, tmp_path):
    events, users = data
    root = tmp_path / "demo"
    assert (root / "features.parquet").is_file() and (root / "manifest.json").is_file()
    assert {p.name for p in (root / "sequences").glob("*.npy")} == {
        "user_id.npy",
        "event_type.npy",
        "category.npy",
        "price_bucket.npy",
        "gap_bucket.npy",
        "mask.npy",
    }
    m = json.loads((root / "manifest.json").read_text())
    assert m["name"] == "demo" and m["parameters"]["cutoff"] == CUT.isoformat()
    assert m["parameters"]["max_len"] == 10
    assert m["row_counts"]["n_users"] == len(users)
    assert m["row_counts"]["n_events_in_log"] == len(events)
    assert m["row_counts"]["n_events_used"] == int((events.ts < CUT).sum())
    assert m["row_counts"]["n_users_with_events"] == events[events.ts < CUT].user_id.nunique()
    assert m["feature_names"] == store.features.columns.tolist()
    assert m["vocab_sizes"]["category"] == len(m["category_vocab"]) + 2
    assert set(m["checksums"]) >= {"features.parquet", "sequences/mask.npy", "sequences/meta.json"}
    assert store.verify()
    assert not list(tmp_path.glob(".demo.building-*"))  # no leftovers of the build


def test_store_equals_direct_builds_whatever_the_chunking(store, data):
    events, users = data
    direct = build_features(events, users, CUT)
    pd.testing.assert_frame_equal(store.features, direct, check_names=False)
    seqs = build_sequences(events, CUT, user_ids=users.user_id, max_len=10)
    assert isinstance(store.sequences.mask, np.memmap)
    for ch in ("user_id", "event_type", "category", "price_bucket", "gap_bucket", "mask"):
        assert np.array_equal(getattr(store.sequences, ch), getattr(seqs, ch)), ch
    assert np.array_equal(store.user_ids, np.sort(users.user_id.to_numpy()))


def test_subset_aligned_in_given_order(store):
    ids = np.array([77, 3, 110, 0])
    f, s = store.subset(ids)
    assert f.index.tolist() == ids.tolist() and s.user_id.tolist() == ids.tolist()
    full = store.sequences
    row = int(np.searchsorted(full.user_id, 110))
    assert np.array_equal(s.event_type[2], full.event_type[row])
    assert int(s.mask[2].sum()) == min(int(f.loc[110, "n_events"]), 10)
    with pytest.raises(ParameterError):
        store.subset([99999])


def test_reuse_force_and_parameter_change(store, data, tmp_path):
    events, users = data
    feat = tmp_path / "demo" / "features.parquet"
    stamp = feat.stat().st_mtime_ns
    again = FeatureStore.build("demo", events, users, CUT, root=tmp_path, max_len=10, chunk_users=60)
    assert feat.stat().st_mtime_ns == stamp and again.manifest["created"] == store.manifest["created"]
    forced = FeatureStore.build("demo", events, users, CUT, root=tmp_path, max_len=10, force=True)
    assert forced.manifest["created"] != store.manifest["created"]
    longer = FeatureStore.build("demo", events, users, CUT, root=tmp_path, max_len=12)
    assert longer.sequences.max_len == 12
    changed = events.copy()
    changed.loc[0, "price"] += 1.0  # different input data -> different fingerprint -> rebuild
    rebuilt = FeatureStore.build("demo", changed, users, CUT, root=tmp_path, max_len=12)
    assert (
        rebuilt.manifest["parameters"]["events_fingerprint"]
        != longer.manifest["parameters"]["events_fingerprint"]
    )


def test_load_by_name_and_path_and_tamper_detection(store, tmp_path):
    by_path = FeatureStore.load(tmp_path / "demo")
    by_name = FeatureStore.load("demo", root=tmp_path)
    assert by_path.manifest == by_name.manifest == store.manifest
    with open(tmp_path / "demo" / "sequences" / "category.npy", "r+b") as fh:
        fh.seek(-1, 2)
        fh.write(b"\x07")
    with pytest.raises(CampaignkitError, match="category.npy"):
        by_path.verify()
    with pytest.raises(DataNotFoundError):
        FeatureStore.load("missing", root=tmp_path)
    with pytest.raises(ParameterError):
        FeatureStore.build("../evil", None, None, CUT, root=tmp_path)


def test_store_from_world_parquet_equals_world_in_memory(tmp_path):
    from campaignkit.data import make_world, write_world_parquet

    write_world_parquet(tmp_path / "world", n_users=1_500, chunk_users=500, random_state=3, progress=False)
    world = make_world(n_users=1_500, random_state=3)
    store = FeatureStore.build(
        "w",
        str(tmp_path / "world" / "events" / "*.parquet"),
        tmp_path / "world" / "users",
        world.cutoff,
        root=tmp_path,
        max_len=16,
        chunk_users=400,
    )
    direct = build_features(world.events, world.users, world.cutoff)
    pd.testing.assert_frame_equal(store.features, direct, check_names=False, rtol=1e-12)
    seqs = build_sequences(world.events, world.cutoff, world.users["user_id"], max_len=16)
    for ch in ("user_id", "event_type", "category", "price_bucket", "gap_bucket", "mask"):
        assert np.array_equal(getattr(store.sequences, ch), getattr(seqs, ch)), ch


def test_store_counts_only_the_events_of_listed_users_and_names_constants(data, tmp_path):
    events, users = data
    listed = users[users.user_id % 2 == 0]  # a users table covering half the event users
    left_out = events[~events.user_id.isin(listed.user_id) & (events.ts < CUT)]
    with pytest.warns(
        UserWarning, match=rf"{left_out.user_id.nunique()} user\(s\) with {len(left_out)} event"
    ):
        store = FeatureStore.build("half", events, listed, CUT, root=tmp_path, max_len=5, chunk_users=25)
    rc = store.manifest["row_counts"]
    assert rc["n_users"] == len(listed)
    assert rc["n_events_used"] == int(((events.ts < CUT) & events.user_id.isin(listed.user_id)).sum())
    assert rc["n_events_left_out"] == len(left_out)
    views_only = events[events.event_type == "view"]
    with pytest.warns(UserWarning, match=r"feature column\(s\) are constant.*n_cart"):
        store = FeatureStore.build("views", views_only, users, CUT, root=tmp_path, max_len=5, chunk_users=25)
    constant = store.manifest["constant_features"]
    assert "n_cart" in constant and set(constant) == {
        c for c in store.features if store.features[c].nunique() <= 1
    }
