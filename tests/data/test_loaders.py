"""CSV and Parquet loaders: files, folders, globs, column maps, chunked loads, and a corpus of malformed inputs.

The corpus: each case writes a file, loads it with :func:`campaignkit.data.loaders.load_events` and checks either
that a :class:`~campaignkit.errors.CampaignkitError` names the rule and the file (and the column or row
where one is to blame), or that every data row of the file is accounted for exactly once, kept or
quarantined under the expected rule: a clear error or a reconciled quarantine, never a lost row.
Property tests over generated malformed files are in ``test_loaders_malformed.py``.
"""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from campaignkit.data.loaders import load_events, load_table, read_table, resolve_paths
from campaignkit.data.validate import validate
from campaignkit.errors import CampaignkitError, DataNotFoundError, SchemaError

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


# ---- a corpus of malformed inputs ----------------------------------------------------------------------
H = "user_id,ts,event_type,item_id,category,price,quantity"


OK1 = "1,2024-01-01T10:00:00Z,view,10,shoes,19.99,1"


OK2 = "2,2024-01-01T11:00:00Z,purchase,11,bags,5.00,2"


OK3 = "3,2024-01-02T09:30:00Z,cart,12,shoes,7.50,1"


def _csv(*lines, end="\n") -> bytes:
    return (end.join(lines) + end).encode("utf-8")


def _parquet_bytes(tmp_path) -> bytes:
    p = tmp_path / "_tmp.parquet"
    pd.DataFrame({"user_id": [1], "ts": ["2024-01-01T00:00:00Z"]}).to_parquet(p)
    return p.read_bytes()


# (case id, file name, content (bytes or callable(tmp_path) -> bytes), expectation)
# expectation: ("error", rule, column, row)  or  ("rows", {rule: count}, rows_in)
CASES = [
    (
        "semicolon_delimiter",
        "a.csv",
        _csv(H.replace(",", ";"), OK1.replace(",", ";")),
        ("error", "delimiter", None, None),
    ),
    (
        "tab_delimiter_in_csv",
        "a.csv",
        _csv(H.replace(",", "\t"), OK1.replace(",", "\t")),
        ("error", "delimiter", None, None),
    ),
    (
        "missing_price_column",
        "a.csv",
        _csv(H.replace(",price", ""), "1,2024-01-01T10:00:00Z,view,10,shoes,1"),
        ("error", "required_column", "price", None),
    ),
    ("empty_file", "a.csv", b"", ("error", "empty_file", None, None)),
    ("whitespace_only", "a.csv", b"  \n\n \r\n", ("error", "empty_file", None, None)),
    ("header_only", "a.csv", _csv(H), ("rows", {}, 0)),
    (
        "latin1_bytes",
        "a.csv",
        _csv(H, OK1).replace(b"shoes", "chaussures d'\u00e9t\u00e9".encode("latin-1")) + b"",
        ("error", "encoding", None, 0),
    ),
    (
        "latin1_on_row_3",
        "a.csv",
        _csv(H, OK1, OK2, OK3.replace("shoes", "caf\u00e9")).replace(
            "caf\u00e9".encode(), "caf\u00e9".encode("latin-1")
        ),
        ("error", "encoding", None, 2),
    ),
    ("utf16_file", "a.csv", (H + "\n" + OK1 + "\n").encode("utf-16"), ("error", "encoding", None, None)),
    (
        "utf16_without_bom",
        "a.csv",
        (H + "\n" + OK1 + "\n").encode("utf-16-le"),
        ("error", "encoding", None, None),
    ),
    ("utf8_bom_is_fine", "a.csv", b"\xef\xbb\xbf" + _csv(H, OK1, OK2), ("rows", {}, 2)),
    ("nan_price", "a.csv", _csv(H, OK1, OK2.replace("5.00", "NaN")), ("rows", {"range": 1}, 2)),
    (
        "inf_prices",
        "a.csv",
        _csv(H, OK1.replace("19.99", "inf"), OK2.replace("5.00", "-Infinity"), OK3),
        ("rows", {"range": 2}, 3),
    ),
    ("negative_price", "a.csv", _csv(H, OK1, OK2.replace("5.00", "-5.00")), ("rows", {"range": 1}, 2)),
    (
        "mixed_timezones",
        "a.csv",
        _csv(H, OK1, OK2.replace("T11:00:00Z", "T19:00:00+08:00"), OK3.replace("T09:30:00Z", " 09:30:00")),
        ("rows", {"timezone": 1}, 3),
    ),
    (
        "broken_timestamps",
        "a.csv",
        _csv(
            H,
            OK1.replace("2024-01-01T10:00:00Z", "2024-13-45T99:00"),
            OK2.replace("2024-01-01T11:00:00Z", "yesterday"),
            OK3,
        ),
        ("rows", {"timestamp": 2}, 3),
    ),
    ("repeated_header_row", "a.csv", _csv(H, OK1, H, OK2), ("rows", {"repeated_header": 1}, 3)),
    (
        "duplicate_column_name",
        "a.csv",
        _csv(H + ",price", OK1 + ",3"),
        ("error", "duplicate_column", "price", None),
    ),
    ("truncated_last_line", "a.csv", _csv(H, OK1, OK2)[:-14], ("rows", {"field_count": 1}, 2)),
    (
        "truncated_mid_value",
        "a.csv",
        _csv(H, OK1, "2,2024-01-01T11:00:00Z,purchase,11,bags,5.00,"),
        ("rows", {"missing_value": 1}, 2),
    ),
    (
        "stray_delimiter",
        "a.csv",
        _csv(H, OK1, OK2.replace("bags", "bags,large")),
        ("rows", {"field_count": 1}, 2),
    ),
    (
        "unknown_event_type",
        "a.csv",
        _csv(H, OK1.replace("view", "click"), OK2),
        ("rows", {"vocabulary": 1}, 2),
    ),
    (
        "bad_quantities",
        "a.csv",
        _csv(H, OK1.replace(",1", ",0", 1)[:-1] + "0", OK2[:-1] + "1.5", OK3),
        ("rows", {"range": 1, "dtype": 1}, 3),
    ),
    ("non_numeric_user", "a.csv", _csv(H, "u-17" + OK1[1:], OK2), ("rows", {"dtype": 1}, 2)),
    (
        "huge_integer_id",
        "a.csv",
        _csv(H, "99999999999999999999999" + OK1[1:], OK2),
        ("rows", {"range": 1}, 2),
    ),
    ("exact_duplicate_rows", "a.csv", _csv(H, OK1, OK2, OK1, OK1), ("rows", {"duplicate": 2}, 4)),
    (
        "empty_required_value",
        "a.csv",
        _csv(H, OK1.replace("view", ""), OK2.replace(",11,", ",,")),
        ("rows", {"missing_value": 2}, 2),
    ),
    ("crlf_and_blank_lines", "a.csv", _csv(H, OK1, "", OK2, "", OK3, end="\r\n"), ("rows", {}, 3)),
    ("not_gzip", "a.csv.gz", _csv(H, OK1), ("error", "encoding", None, None)),
    ("parquet_named_csv", "a.csv", _parquet_bytes, ("error", "encoding", None, None)),
    ("text_named_parquet", "a.parquet", _csv(H, OK1), ("error", "encoding", None, None)),
    ("empty_parquet", "a.parquet", b"", ("error", "empty_file", None, None)),
    (
        "unterminated_quote",
        "a.csv",
        _csv(H, OK1, OK2.replace(",bags,", ',"bags,'), OK3),
        ("rows", {"field_count": 1}, 2),
    ),
    (
        "nul_byte_in_row_2",
        "a.csv",
        _csv(H, OK1, OK2, OK3.replace("shoes", "sh\x00oes")),
        ("error", "encoding", None, 2),
    ),
    (
        "excel_sep_hint_line",
        "a.csv",
        _csv("sep=;", H.replace(",", ";"), OK1.replace(",", ";")),
        ("rows", {}, 1),
    ),
    ("only_delimiters", "a.csv", _csv(H, OK1, ",,,,,,"), ("rows", {"missing_value": 1}, 2)),
    ("comma_decimal", "a.csv", _csv(H, OK1, OK2.replace("5.00", '"5,00"')), ("rows", {"dtype": 1}, 2)),
    ("quoted_newline_in_value", "a.csv", _csv(H, OK1.replace("shoes", '"shoes\nred"'), OK2), ("rows", {}, 2)),
    (
        "gzip_with_dirt",
        "a.csv.gz",
        lambda tmp: gzip.compress(_csv(H, OK1, OK2.replace("5.00", "-1"))),
        ("rows", {"range": 1}, 2),
    ),
]


def test_corpus_is_large_enough():
    assert len(CASES) >= 20
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name,filename,content,expect", CASES, ids=[c[0] for c in CASES])
def test_malformed_input(tmp_path, name, filename, content, expect):
    data = content(tmp_path) if callable(content) else content
    path = tmp_path / filename
    path.write_bytes(data)
    if expect[0] == "error":
        _, rule, column, row = expect
        with pytest.raises(CampaignkitError) as err:
            load_events(path)
        e = err.value
        assert getattr(e, "rule", None) == rule, f"{name}: {e}"
        assert str(path) in str(e) and f"[{rule}]" in str(e)
        if column is not None:
            assert e.column == column and repr(column) in str(e)
        if row is not None:
            assert e.row == row and f"row {row}" in str(e)
        return
    _, counts, rows_in = expect
    res = load_events(path)
    assert res.rows_in == rows_in
    assert res.rows_kept + res.rows_quarantined == res.rows_in
    assert {k: v for k, v in res.counts.items() if v} == counts
    # every data row of the file is accounted for exactly once, kept or quarantined
    assert res.quarantine["source_row"].is_unique
    assert set(res.quarantine["source_row"]) <= set(range(rows_in))
    assert (res.quarantine["source_file"] == str(path)).all()
    assert res.quarantine["reason"].map(lambda r: isinstance(r, str) and len(r) > 5).all()
    if name == "unterminated_quote":  # the swallowed line is not lost: it is in the quarantined raw text
        assert (
            OK3 in res.quarantine["raw_line"].iloc[0]
            and "unbalanced quote" in res.quarantine["reason"].iloc[0]
        )


def _purchases(tmp_path):
    """A purchase-only transaction file (no event_type, no category) and its product table."""
    (tmp_path / "tx.csv").write_text(
        "household,day,PRODUCT_ID,SALES_VALUE\n"
        "1,2024-01-01T10:00:00Z,11,2.5\n"
        "1,2024-01-02T10:00:00Z,12,1.0\n"
        "2,2024-01-03T10:00:00Z,99,4.0\n"  # not in the product table
    )
    products = pd.DataFrame(
        {"PRODUCT_ID": [11, 12, 13], "COMMODITY_DESC": ["CANDY - PACKAGED", "MILK", "EGGS"]}
    )
    column_map = {"household": "user_id", "day": "ts", "PRODUCT_ID": "item_id", "SALES_VALUE": "price"}
    return tmp_path / "tx.csv", products, column_map


def test_constants_and_lookup_join_in_the_column_map(tmp_path):
    path, products, column_map = _purchases(tmp_path)
    products.to_csv(tmp_path / "products.csv", index=False)
    for table in (products, tmp_path / "products.csv"):  # a DataFrame or a file
        with pytest.warns(UserWarning, match=r"1 of 3 row\(s\) have an item_id .* not in the lookup table"):
            res = load_events(
                path,
                column_map=column_map,
                constants={"event_type": "purchase", "quantity": 1},
                lookups={"category": (table, ("item_id", "PRODUCT_ID"), "COMMODITY_DESC")},
            )
        k = res.kept
        assert res.rows_in == 3 and res.rows_kept == 3  # the unmatched row is kept, its category missing
        assert (k["event_type"] == "purchase").all() and (k["quantity"] == 1).all()
        assert k["category"].tolist()[:2] == ["CANDY - PACKAGED", "MILK"] and pd.isna(k["category"].iloc[2])


def test_constants_and_lookups_refuse_clashes_and_ambiguous_tables(tmp_path):
    from campaignkit.errors import ParameterError

    path, products, column_map = _purchases(tmp_path)
    with pytest.raises(ParameterError, match="constants.*'price'.*already"):
        load_events(path, column_map=column_map, constants={"price": 1.0, "event_type": "purchase"})
    twice = pd.concat([products, products.assign(COMMODITY_DESC="OTHER")], ignore_index=True)
    with pytest.raises(ParameterError, match=r"lookup table of 'category'.*PRODUCT_ID 11.*2 different"):
        load_events(
            path,
            column_map=column_map,
            constants={"event_type": "purchase"},
            lookups={"category": (twice, ("item_id", "PRODUCT_ID"), "COMMODITY_DESC")},
        )
    with pytest.raises(SchemaError, match=r"\[required_column\].*'NOPE'"):
        load_events(
            path,
            column_map=column_map,
            constants={"event_type": "purchase"},
            lookups={"category": (products, ("item_id", "NOPE"), "COMMODITY_DESC")},
        )


def test_lookup_join_on_a_parquet_file_counts_misses_once(tmp_path):
    path, products, column_map = _purchases(tmp_path)
    frame = pd.read_csv(path).rename(columns=column_map)
    frame.to_parquet(tmp_path / "tx.parquet")
    with pytest.warns(UserWarning, match=r"1 of 3 row\(s\)") as rec:
        res = load_events(
            tmp_path / "tx.parquet",
            chunk_rows=1,
            constants={"event_type": "purchase", "quantity": 1},
            lookups={"category": (products, ("item_id", "PRODUCT_ID"), "COMMODITY_DESC")},
        )
    assert len([w for w in rec if "lookup table" in str(w.message)]) == 1
    assert res.kept["category"].tolist()[:2] == ["CANDY - PACKAGED", "MILK"]


def test_parquet_dictionary_column_entirely_missing(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 4
    empty_dict = pa.array([None] * n, pa.dictionary(pa.int32(), pa.string()))
    columns = {
        "user_id": pa.array(np.arange(1, n + 1)),
        "ts": pa.array(pd.date_range("2024-01-01", periods=n, tz="UTC")),
        "event_type": pa.array(["view"] * n).dictionary_encode(),
        "item_id": pa.array(np.arange(n)),
        "category": empty_dict,
        "price": pa.array([1.0] * n),
        "quantity": pa.array([1] * n),
    }
    pq.write_table(pa.table(columns), tmp_path / "e.parquet")
    res = load_events(tmp_path / "e.parquet")  # category may be missing: every row kept
    assert res.rows_kept == n and res.kept["category"].isna().all()
    pq.write_table(pa.table({**columns, "event_type": empty_dict}), tmp_path / "f.parquet")
    res = load_events(tmp_path / "f.parquet")  # a required column entirely missing: quarantined, counted
    assert res.rows_kept == 0 and res.counts["missing_value"] == n


def test_whitespace_only_lines_are_counted(tmp_path):
    path = tmp_path / "e.csv"
    ok = "1,2024-01-01T00:00:00Z,view,1,a,1.0,1\n"
    path.write_text(HEADER + ok + "   \n\t\n" + ok + "\n" + ok)
    res = load_events(path, check_duplicates=False)
    assert res.rows_in == 3 and res.rows_kept == 3  # not records
    assert res.blank_lines == 3 and res.summary()["blank_lines_skipped"] == 3
    assert load_events(tmp_path / "e.csv", check_duplicates=False).blank_lines == 3
    (tmp_path / "clean.csv").write_text(HEADER + ok)
    assert load_events(tmp_path / "clean.csv").blank_lines == 0
    assert "blank_lines_skipped" not in load_events(tmp_path / "clean.csv").summary()
