"""CSV and Parquet loaders (files, folders, globs, column maps) and the RetailRocket adapter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data.loaders import load_events, load_table, read_table, resolve_paths
from campaignkit.data.retailrocket import load_retailrocket, retailrocket_categories
from campaignkit.data.validate import validate
from campaignkit.errors import DataNotFoundError, SchemaError

HEADER = "user_id,ts,event_type,item_id,category,price,quantity\n"


def _events(n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, 50, n),
            "ts": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.arange(n) * 61, unit="s"),
            "event_type": rng.choice(["view", "cart", "fav", "purchase"], n),
            "item_id": rng.integers(1, 500, n),
            "category": rng.choice(["a", "b"], n),
            "price": rng.gamma(2.0, 10.0, n).round(2),
            "quantity": rng.integers(1, 4, n),
        }
    )


def test_csv_roundtrip_keeps_values_and_provenance(tmp_path):
    df = _events(40)
    p = tmp_path / "ev.csv"
    df.to_csv(p, index=False)
    res = load_events(p)
    assert res.rows_in == 40 and res.rows_quarantined == 0
    k = res.kept
    assert (k["user_id"].to_numpy() == df["user_id"].to_numpy()).all()
    assert (k["ts"] == df["ts"]).all()
    np.testing.assert_allclose(k["price"], df["price"])
    assert res.sources == [str(p)]


def test_parquet_glob_and_folder_match(tmp_path):
    df = _events(90)
    (tmp_path / "part").mkdir()
    for i in range(3):
        df.iloc[i * 30 : (i + 1) * 30].to_parquet(tmp_path / "part" / f"p{i}.parquet", index=False)
    by_glob = load_events(str(tmp_path / "part" / "p*.parquet"))
    by_dir = load_events(tmp_path / "part")
    assert by_glob.rows_kept == by_dir.rows_kept == 90
    pd.testing.assert_frame_equal(by_glob.kept, by_dir.kept)
    assert (by_glob.kept["price"].to_numpy() == df["price"].to_numpy()).all()
    assert len(by_glob.sources) == 3


def test_source_rows_point_at_the_right_file_and_row(tmp_path):
    a, b = _events(5), _events(5, seed=1)
    b.loc[3, "price"] = -1.0
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    res = load_events(str(tmp_path / "*.csv"))
    q = res.quarantine
    assert len(q) == 1 and q["source_file"].iloc[0].endswith("b.csv") and q["source_row"].iloc[0] == 3
    assert q["rule"].iloc[0] == "range"


def test_column_and_value_maps(tmp_path):
    p = tmp_path / "shop.csv"
    p.write_text(
        "customer,when,action,sku,amount,qty\n"
        "7,2024-05-01T08:00:00Z,add_to_basket,11,9.5,2\n"
        "8,2024-05-01T09:00:00Z,Order,12,20,1\n"
    )
    res = load_events(
        p,
        column_map={
            "customer": "user_id",
            "when": "ts",
            "action": "event_type",
            "sku": "item_id",
            "amount": "price",
            "qty": "quantity",
        },
        value_map={"event_type": {"add_to_basket": "cart", "order": "purchase"}},
    )
    assert res.kept["event_type"].tolist() == ["cart", "purchase"]
    assert res.kept["quantity"].tolist() == [2, 1]
    with pytest.raises(SchemaError) as err:
        load_events(p, column_map={"client": "user_id"})
    assert err.value.rule == "required_column" and err.value.column == "client"


def test_missing_paths_raise_data_not_found(tmp_path):
    with pytest.raises(DataNotFoundError):
        resolve_paths(tmp_path / "none.csv")
    with pytest.raises(DataNotFoundError):
        resolve_paths(str(tmp_path / "*.parquet"))


def test_read_table_returns_unsplittable_rows(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(HEADER + "1,2024-01-01T00:00:00Z,view,1,a,1.0,1\n2,2024-01-01T00:00:00Z,view\n")
    raw = read_table(p)
    assert len(raw.frame) == 1 and len(raw.rejected) == 1
    assert raw.rejected["source_row"].iloc[0] == 1 and "truncated" in raw.rejected["reason"].iloc[0]


def test_users_table_load(tmp_path):
    p = tmp_path / "users.csv"
    p.write_text("user_id,region,age_band\n1,north,25-34\n2,,35-44\n2,,35-44\n")
    res = load_table(p, "users")
    assert res.rows_kept == 2 and res.counts["duplicate"] == 1
    assert res.kept["region"].isna().tolist() == [False, True]


# --- RetailRocket -------------------------------------------------------------------------------------------

RR_EVENTS = (
    "timestamp,visitorid,event,itemid,transactionid\n"
    "1433221332117,257597,view,355908,\n"
    "1433224214164,992329,view,248676,\n"
    "1433221999827,111016,addtocart,318965,\n"
    "1433222276276,483625,transaction,253185,4000\n"
    "1433222276276,483625,transaction,253185,4000\n"  # exact repeat
    "1433223236124,951259,wishlist,367447,\n"  # unknown event
    "notatime,111016,view,318965,\n"  # broken timestamp
)
RR_PROPS = (
    "timestamp,itemid,property,value\n"
    "1433041200000,355908,categoryid,1173\n"
    "1435460400000,355908,categoryid,1180\n"  # later category wins
    "1433041200000,248676,categoryid,491\n"
    "1433041200000,248676,790,n1500.000\n"
)


def test_retailrocket_adapter(tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_text(RR_EVENTS)
    props = tmp_path / "item_properties_part1.csv"
    props.write_text(RR_PROPS)
    res = load_retailrocket(ev, item_properties=props)
    assert res.rows_in == 7 and res.rows_kept == 4
    assert res.quarantine.set_index("source_row")["rule"].to_dict() == {
        4: "duplicate",
        5: "vocabulary",
        6: "timestamp",
    }
    k = res.kept
    assert k["event_type"].tolist() == ["view", "view", "cart", "purchase"]
    assert k["ts"].iloc[0] == pd.Timestamp(1433221332117, unit="ms", tz="UTC")
    assert k["user_id"].tolist() == [257597, 992329, 111016, 483625]
    assert k["category"].tolist()[:2] == [1180, 491] and pd.isna(
        k["category"].iloc[2]
    )  # integer ids stay ints
    assert k["price"].isna().all() and (k["quantity"] == 1).all()
    assert k["transaction_id"].tolist()[3] == 4000 and pd.isna(k["transaction_id"].iloc[0])
    cats = retailrocket_categories(props)
    assert cats.set_index("item_id")["category"].to_dict() == {248676: "491", 355908: "1180"}


def test_retailrocket_prices_and_missing_columns(tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_text(RR_EVENTS)
    prices = pd.DataFrame(
        {"item_id": [355908, 248676, 318965, 253185, 367447], "price": [10.0, 2.5, 1.0, 3.0, 4.0]}
    )
    res = load_retailrocket(ev, prices=prices)
    assert res.kept["price"].tolist() == [10.0, 2.5, 1.0, 3.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,visitor,event,itemid\n1,2,view,3\n")
    with pytest.raises(SchemaError) as err:
        load_retailrocket(bad)
    assert err.value.column == "visitorid" and err.value.file == str(bad)


def test_world_parquet_loads_clean_and_unchanged(tmp_path):
    from campaignkit.data import load_users, make_world, write_world_parquet

    write_world_parquet(tmp_path / "w", n_users=400, random_state=3)
    users = load_users(tmp_path / "w" / "users")
    res = load_events(tmp_path / "w" / "events", users=users.kept)
    assert users.rows_quarantined == 0 and res.rows_quarantined == 0 and res.rows_kept == res.rows_in > 0
    world = make_world(n_users=400, random_state=3)
    assert res.rows_kept == len(world.events)
    k = res.kept
    assert k["category"].dtype == np.int64 and str(k["ts"].dt.tz) == "UTC"
    assert (k["user_id"].to_numpy() == world.events["user_id"].to_numpy()).all()
    assert (k["ts"].to_numpy() == world.events["ts"].to_numpy()).all()
    np.testing.assert_array_equal(k["price"], world.events["price"])


def test_result_saves_kept_quarantine_and_report(tmp_path):
    p = tmp_path / "ev.csv"
    p.write_text(
        HEADER + "1,2024-01-01T00:00:00Z,view,1,a,1.0,1\n2,2024-01-01T00:00:00Z,view,1,a,-1,1\n3,x\n"
    )
    res = load_events(p)
    paths = res.save(tmp_path / "out")
    assert len(pd.read_parquet(paths["kept"])) == 1
    q = pd.read_csv(paths["quarantine"])
    assert q["rule"].tolist() == ["range", "field_count"] and q["source_row"].tolist() == [1, 2]
    rep = pd.read_csv(paths["report"]).set_index("rule")["rows"]
    assert rep.sum() == res.rows_in == 3


@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 1000])
def test_chunked_parquet_load_equals_one_validation(tmp_path, chunk_rows):
    """Batches change nothing: same kept rows, same quarantine (repeats across batches included)."""
    rng = np.random.default_rng(chunk_rows)
    n = 40
    df = pd.DataFrame(
        {
            "user_id": rng.integers(1, 6, n),
            "ts": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 3, n), unit="D"),
            "event_type": rng.choice(["view", "cart", "click"], n),
            "item_id": rng.integers(1, 3, n),
            "category": rng.integers(0, 2, n),
            "price": rng.choice([1.0, -1.0, 2.0], n),
            "quantity": 1,
        }
    )
    df.loc[[4, 30], "event_type"] = "click"
    df.loc[[4, 30], "price"] = 1.0
    df.loc[2, ["price", "event_type"]] = [2.0, "view"]
    df.iloc[[20, 35]] = df.iloc[[2, 2]].to_numpy()  # repeats in the second and third file
    for i, part in enumerate(np.array_split(np.arange(n), 3)):
        df.iloc[part].to_parquet(tmp_path / f"part-{i}.parquet", index=False)
    got = load_events(tmp_path, chunk_rows=chunk_rows)
    whole = validate(
        pd.concat([pd.read_parquet(tmp_path / f"part-{i}.parquet") for i in range(3)], ignore_index=True),
        "events",
    )
    assert got.counts == whole.counts and got.counts["duplicate"] > 0 and got.counts["vocabulary"] > 0
    pd.testing.assert_frame_equal(
        got.kept.astype({"event_type": "string"}),
        whole.kept.astype({"event_type": "string"}),
        check_dtype=False,
    )
    parts = np.array_split(np.arange(n), 3)
    where = {
        int(j): (str(tmp_path / f"part-{i}.parquet"), int(j - p[0])) for i, p in enumerate(parts) for j in p
    }
    want = sorted(
        (*where[int(j)], r)
        for j, r in zip(whole.quarantine["source_row"], whole.quarantine["rule"], strict=True)
    )
    have = sorted(
        zip(
            got.quarantine["source_file"],
            got.quarantine["source_row"].astype(int),
            got.quarantine["rule"],
            strict=True,
        )
    )
    assert have == want  # every quarantined row named by its file and row, under the same rule
