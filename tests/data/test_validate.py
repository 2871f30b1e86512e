"""The canonical schema and the validator: each row rule, counts that add up, file-level errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data.schema import EVENTS
from campaignkit.data.validate import ValidationResult, validate
from campaignkit.errors import CampaignkitError, SchemaError


def _events(n=5, **over):
    base = {
        "user_id": list(range(1, n + 1)),
        "ts": [f"2024-01-0{i % 9 + 1}T10:00:00Z" for i in range(n)],
        "event_type": ["view"] * n,
        "item_id": list(range(100, 100 + n)),
        "category": ["shoes"] * n,
        "price": [10.0] * n,
        "quantity": [1] * n,
    }
    base.update(over)
    return pd.DataFrame(base)


def test_clean_frame_is_kept_whole_in_canonical_dtypes():
    res = validate(_events())
    assert (res.rows_in, res.rows_kept, res.rows_quarantined) == (5, 5, 0)
    k = res.kept
    assert (
        k["user_id"].dtype == np.int64 and k["item_id"].dtype == np.int64 and k["quantity"].dtype == np.int64
    )
    assert k["price"].dtype == np.float64
    assert isinstance(k["ts"].dtype, pd.DatetimeTZDtype) and str(k["ts"].dt.tz) == "UTC"
    assert list(k.columns[:7]) == EVENTS.names


@pytest.mark.parametrize(
    "column,value,rule",
    [
        ("user_id", "abc", "dtype"),
        ("user_id", "1.5", "dtype"),
        ("user_id", None, "missing_value"),
        ("ts", "not a time", "timestamp"),
        ("ts", "2024-02-30T00:00:00Z", "timestamp"),
        ("event_type", "click", "vocabulary"),
        ("price", "-3", "range"),
        ("price", "inf", "range"),
        ("price", "nan", "range"),
        ("price", None, "missing_value"),
        ("quantity", "0", "range"),
        ("quantity", "2.5", "dtype"),
    ],
)
def test_each_row_rule_quarantines_exactly_the_bad_row(column, value, rule):
    df = _events().astype(object)
    df.loc[2, column] = value
    res = validate(df, source_file="x.csv")
    assert res.rows_kept == 4 and res.rows_quarantined == 1
    q = res.quarantine.iloc[0]
    assert q["rule"] == rule and q["source_row"] == 2 and q["source_file"] == "x.csv"
    assert column in q["reason"]
    assert res.counts[rule] == 1 and sum(res.counts.values()) == 1
    assert 2 not in set(res.kept["item_id"] - 100)


def test_timestamps_convert_to_utc_and_mixed_naive_rows_are_quarantined():
    df = _events(3, ts=["2024-01-01T12:00:00+02:00", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00"])
    res = validate(df)
    assert res.kept["ts"].tolist() == [pd.Timestamp("2024-01-01T10:00:00Z")] * 2
    assert res.quarantine["rule"].tolist() == ["timezone"]
    # all naive: read in the given zone
    df = _events(2, ts=["2024-07-01 12:00:00", "2024-01-01 12:00:00"])
    res = validate(df, naive_tz="Europe/Berlin")
    assert res.kept["ts"].tolist() == [
        pd.Timestamp("2024-07-01T10:00:00Z"),
        pd.Timestamp("2024-01-01T11:00:00Z"),
    ]
    assert validate(df, naive_tz=None).counts["timezone"] == 2


def test_vocabulary_is_case_and_space_insensitive():
    res = validate(_events(2, event_type=[" Purchase", "CART"]))
    assert res.kept["event_type"].tolist() == ["purchase", "cart"]


def test_duplicates_unknown_users_window_and_first_rule_wins():
    df = _events(4)
    df = pd.concat([df, df.iloc[[1]]], ignore_index=True)  # exact repeat of row 1
    df.loc[3, "user_id"] = 99  # unknown user
    res = validate(df, users=pd.DataFrame({"user_id": [1, 2, 3, 4, 5]}))
    assert dict(zip(res.quarantine["source_row"], res.quarantine["rule"], strict=True)) == {
        3: "unknown_user",
        4: "duplicate",
    }
    # a row breaking two rules is counted once, under the first
    df2 = _events(2, price=[-1.0, 5.0], user_id=[1, 77])
    df2.loc[0, "user_id"] = 77
    res = validate(df2, users=[1])
    assert res.counts["range"] == 1 and res.counts["unknown_user"] == 1 and res.rows_quarantined == 2

    exp = pd.DataFrame(
        {
            "user_id": [1, 2, 3],
            "campaign_id": ["c1", "c1", "zz"],
            "assigned_ts": ["2024-01-05T00:00:00Z", "2024-03-01T00:00:00Z", "2024-01-05T00:00:00Z"],
            "propensity": [0.5, 0.5, 0.5],
        }
    )
    res = validate(exp, "exposures", users=[1, 2, 3], campaigns=["c1"], window=("2024-01-01", "2024-01-31"))
    assert res.quarantine.set_index("source_row")["rule"].to_dict() == {1: "window", 2: "unknown_campaign"}


def test_missing_required_column_raises_with_file_and_column():
    with pytest.raises(SchemaError) as err:
        validate(_events().drop(columns="price"), source_file="shop.csv")
    e = err.value
    assert (e.rule, e.column, e.file) == ("required_column", "price", "shop.csv")
    assert "shop.csv" in str(e) and "price" in str(e) and "required_column" in str(e)


def test_numeric_timestamps_need_a_unit():
    df = _events(2, ts=[1_700_000_000_000, 1_700_000_060_000])
    with pytest.raises(SchemaError, match="ts_unit"):
        validate(df)
    res = validate(df, ts_unit="ms")
    assert res.kept["ts"].iloc[1] - res.kept["ts"].iloc[0] == pd.Timedelta("60s")


def test_report_and_reconciliation_guard():
    df = _events(6).astype(object)
    df.loc[0, "price"] = "-1"
    df.loc[5, "event_type"] = "zap"
    res = validate(df)
    rep = res.report().set_index("rule")
    assert (
        rep.loc["range", "rows"] == 1 and rep.loc["vocabulary", "rows"] == 1 and rep.loc["kept", "rows"] == 4
    )
    assert rep["rows"].sum() == res.rows_in
    with pytest.raises(CampaignkitError, match="lost rows"):
        ValidationResult(res.kept.iloc[1:], res.quarantine, res.counts, res.rows_in)
    both = ValidationResult.concat([res, res])
    assert both.rows_in == 12 and both.counts["range"] == 2


def test_campaign_catalogue_types_are_checked():
    cat = pd.DataFrame({"campaign_id": ["control", "c1", "c2"], "type": ["control", "coupon", "mystery"]})
    res = validate(cat, "campaigns")
    assert res.quarantine["rule"].tolist() == ["vocabulary"] and res.rows_kept == 2


def test_hashed_duplicate_search_matches_pandas_on_large_frames():
    from campaignkit.data._checks import _duplicated

    rng = np.random.default_rng(1)
    n = 150_000  # above the size where the hashed path takes over
    df = pd.DataFrame(
        {
            "a": rng.integers(0, 400, n),
            "b": pd.array(rng.choice(["x", "y", None], n), dtype="string"),
            "c": rng.integers(0, 50, n).astype(float),
        }
    )
    df.loc[::7, "c"] = np.nan
    expected = df.duplicated(keep="first").to_numpy()
    assert expected.sum() > 0 and (~expected).sum() > 0
    assert (_duplicated(df) == expected).all()


def test_large_integer_ids_survive_exactly():
    big = 2**60 + 1  # not representable in float64
    res = validate(_events(2, user_id=[big, big + 2]))
    assert res.kept["user_id"].tolist() == [big, big + 2] and res.kept["user_id"].dtype == np.int64
    res = validate(_events(2, user_id=[str(big), str(big + 2)]).astype(str), users=[big, big + 2])
    assert res.kept["user_id"].tolist() == [big, big + 2] and res.rows_quarantined == 0
    res = validate(_events(2, user_id=[big, big + 2]), users=[big])
    assert res.quarantine["rule"].tolist() == ["unknown_user"]
