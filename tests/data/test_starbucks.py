"""Starbucks loader: the README's counts on the real files; every fault kind on small hand-written files.

The real files are read from ``$CAMPAIGNKIT_DATA_HOME/starbucks`` (``tests/conftest.py`` points it at
``../shared/data``) once per module; the tests skip when they are absent.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from campaignkit.config import data_home
from campaignkit.data import starbucks as sb
from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.validate import validate
from campaignkit.errors import DataNotFoundError, SchemaError

REAL = data_home() / sb.STARBUCKS_DIRNAME
_skip_real = pytest.mark.skipif(
    not all((REAL / f).is_file() for f in sb.STARBUCKS_FILES.values()),
    reason=f"Starbucks files not in {REAL}: set CAMPAIGNKIT_DATA_HOME to the folder holding starbucks/",
)


def needs_real(test):
    """The real files, loaded once per module (about 3-5 s on two cores): a slow, real-data test."""
    return pytest.mark.slow(_skip_real(test))


BOGO = "b" * 32
DISC = "d" * 32
INFO = "i" * 32
PORTFOLIO = [
    {
        "reward": 5,
        "channels": ["web", "email"],
        "difficulty": 5,
        "duration": 7.0,
        "offer_type": "bogo",
        "id": BOGO,
    },
    {
        "reward": 2,
        "channels": ["social", "email", "mobile"],
        "difficulty": 10,
        "duration": 10.0,
        "offer_type": "discount",
        "id": DISC,
    },
    {
        "reward": 0,
        "channels": ["email"],
        "difficulty": 0,
        "duration": 3.0,
        "offer_type": "informational",
        "id": INFO,
    },
]
PROFILE = [
    {"gender": "F", "age": 55, "id": "p0", "became_member_on": "20170715", "income": 112000},
    {"gender": None, "age": 118, "id": "p1", "became_member_on": "20180712", "income": None},
    {"gender": "M", "age": 30, "id": "p2", "became_member_on": "20160101", "income": 50000},
]


def _ev(person, event, time, **value):
    return {"person": person, "event": event, "value": value, "time": time}


TRANSCRIPT = [
    _ev("p0", "offer received", 0, **{"offer id": BOGO}),
    _ev("p2", "offer received", 0, **{"offer id": INFO}),
    _ev("p0", "offer viewed", 6, **{"offer id": BOGO}),
    _ev("p0", "transaction", 12, amount=7.5),
    _ev("p0", "offer completed", 12, offer_id=BOGO, reward=5),
    _ev("p1", "offer received", 168, **{"offer id": DISC}),
    _ev("p1", "transaction", 200, amount=12.25),
    _ev("p1", "offer completed", 200, offer_id=DISC, reward=2),
    _ev("p2", "transaction", 714, amount=3.0),
]


def _lines(records) -> list[str]:
    return [json.dumps(r) for r in records]


def _write(folder, portfolio=None, profile=None, transcript=None):
    """Write the three files (lists of records or of ready lines) and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows, default in (
        ("portfolio.json", portfolio, PORTFOLIO),
        ("profile.json", profile, PROFILE),
        ("transcript.json", transcript, TRANSCRIPT),
    ):
        rows = rows if rows is not None else _lines(default)
        text = "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _rules(res) -> dict[int, str]:
    return res.quarantine.set_index("source_row")["rule"].to_dict()


# ------------------------------------------------------------------------------------------- the real files


@pytest.fixture(scope="module")
def real():
    return sb.load_starbucks()


@needs_real
def test_real_counts_match_the_readme(real):
    assert real.checksum_ok and real.path.resolve() == REAL.resolve()
    assert len(real.customers) == 17_000
    assert len(real.events) == 138_953
    ev = real.offer_events["event"].value_counts().to_dict()
    # 76,277 received and 57,725 viewed as in the README; its 33,579 completions include the 397 repeats
    assert ev == {"received": 76_277, "viewed": 57_725, "completed": 33_579 - 397}
    assert len(real.exposures) == 76_277 and len(real.redemptions) == 33_182
    t = real.validation["transcript"]
    assert t.rows_in == 306_534 + 114 and t.rows_kept == 306_534 - 397
    assert t.counts["duplicate"] == 397 and t.counts[sb.BLANK_LINE_RULE] == 114
    assert (t.quarantine.loc[t.quarantine["rule"] == "duplicate", "event"] == "offer completed").all()
    assert real.blank_lines == {"portfolio": 0, "profile": 0, "transcript": 114}
    assert (
        real.validation["profile"].rows_quarantined == 0
        and real.validation["portfolio"].rows_quarantined == 0
    )
    rep = real.report().set_index("file")
    assert (
        rep.loc["transcript.json", "duplicate"] == 397
        and rep.loc["profile.json", "placeholder_to_missing"] == 2175
    )


@needs_real
def test_real_age_placeholder_is_missing_not_quarantined(real):
    c = real.customers
    assert real.placeholders == 2175 and c["age"].isna().sum() == 2175
    unknown = c["age"].isna()
    assert c.loc[unknown, ["gender", "income", "age_band"]].isna().all().all()
    assert c.loc[~unknown, ["gender", "income", "age_band"]].notna().all().all()
    assert c["age"].max() == 101 and set(c["gender"].dropna()) == {"F", "M", "O"}
    assert c["user_id"].tolist() == list(range(17_000)) and c["person"].is_unique


@needs_real
def test_real_waves_and_horizon(real):
    x = real.exposures
    hours = ((x["sent_at"] - sb.STARBUCKS_EPOCH) / pd.Timedelta(hours=1)).astype(int)
    assert tuple(sorted(hours.unique())) == sb.WAVE_TIMES_H
    assert (np.asarray(sb.WAVE_TIMES_H)[x["wave"]] == hours).all()
    assert real.offer_events["time_h"].max() == sb.HORIZON_H
    assert real.events["ts"].max() == sb.STARBUCKS_EPOCH + pd.Timedelta(hours=sb.HORIZON_H)
    assert not x.duplicated(["user_id", "wave"]).any()  # at most one offer per customer and wave
    share = x.groupby("wave").size() / len(real.customers)
    assert share.between(0.70, 0.80).all()  # about 75% of customers get an offer in each wave


@needs_real
def test_real_catalogue_and_tables_follow_the_contracts(real):
    cat = real.catalogue
    assert cat["campaign_id"].tolist() == [
        "control",
        "bogo_10_10_7d",
        "bogo_10_10_5d",
        "info_4d",
        "bogo_5_5_7d",
        "discount_20_5_10d",
        "discount_7_3_7d",
        "discount_10_2_10d",
        "info_3d",
        "bogo_5_5_5d",
        "discount_10_2_7d",
    ]
    assert set(cat["offer_hex"].dropna()) == set(pd.read_json(REAL / "portfolio.json", lines=True)["id"])
    assert set(real.exposures["campaign_id"]) == set(cat["campaign_id"][1:])
    assert real.exposures.groupby("campaign_id").size().between(7_000, 8_000).all()  # uniform over ten offers
    # the canonical events pass the kit's events schema untouched
    res = validate(real.events, "events", users=real.customers)
    assert res.rows_quarantined == 0 and res.kept.dtypes.equals(real.events.dtypes)
    assert (real.customers["became_member_on"] < sb.STARBUCKS_EPOCH).all()
    assert real.customers["tenure_days"].min() == 1.0
    for name in ("events", "offer_events", "exposures", "redemptions"):
        assert "person" not in getattr(real, name).columns
    assert "person" not in real.users.columns


@needs_real
def test_real_users_feed_the_feature_builder(real):
    from campaignkit.features import build_features

    few = real.users[real.users["user_id"] < 300]
    events = real.events[real.events["user_id"] < 300]
    feats = build_features(events, few, sb.STARBUCKS_EPOCH + pd.Timedelta(hours=336))
    assert len(feats) == 300
    assert {"tenure_days", "attr_age_band_ord", "attr_gender_f", "attr_income"} <= set(feats.columns)
    np.testing.assert_allclose(
        feats["tenure_days"].to_numpy(), real.customers["tenure_days"][:300].to_numpy() + 14.0
    )


@needs_real
def test_real_catalogue_passes_the_open_catalogue_check(real):
    checked = validate_catalogue(real.catalogue)
    assert checked["type"].tolist()[1:4] == ["bogo", "bogo", "informational"]


# ---------------------------------------------------------------------------------------- hand-written files


def test_small_files_map_to_the_tables(tmp_path):
    data = sb.load_starbucks(_write(tmp_path / "sb"))
    assert not data.checksum_ok
    assert data.customers["user_id"].tolist() == [0, 1, 2]
    assert data.customers["gender"].tolist()[::2] == ["F", "M"]
    assert np.isnan(data.customers["age"][1]) and data.placeholders == 1
    assert data.customers["age_band"].tolist() == ["55-64", pd.NA, "25-34"]
    assert data.customers["tenure_days"][1] == 15.0  # 2018-07-12 to the epoch 2018-07-27
    ev = data.events
    assert ev["user_id"].tolist() == [0, 1, 2] and ev["price"].tolist() == [7.5, 12.25, 3.0]
    assert ev["ts"].tolist() == [sb.STARBUCKS_EPOCH + pd.Timedelta(hours=h) for h in (12, 200, 714)]
    assert (ev["event_type"] == "purchase").all() and (ev["quantity"] == 1).all()
    x = data.exposures
    assert x["campaign_id"].tolist() == ["bogo_5_5_7d", "info_3d", "discount_10_2_10d"]
    assert x["wave"].tolist() == [0, 0, 1] and x["user_id"].tolist() == [0, 2, 1]
    r = data.redemptions
    assert r["campaign_id"].tolist() == ["bogo_5_5_7d", "discount_10_2_10d"] and r["reward"].tolist() == [
        5,
        2,
    ]
    oe = data.offer_events
    assert oe["event"].tolist() == ["received", "received", "viewed", "completed", "received", "completed"]
    assert oe["reward"].isna().sum() == 4
    assert sum(v.rows_quarantined for v in data.validation.values()) == 0


def test_catalogue_from_the_portfolio(tmp_path):
    cat = sb.load_starbucks(_write(tmp_path / "sb")).catalogue
    assert cat["campaign_id"].tolist() == ["control", "bogo_5_5_7d", "discount_10_2_10d", "info_3d"]
    assert cat["type"].tolist() == ["control", "bogo", "spend_get", "informational"]
    np.testing.assert_allclose(cat["depth"], [0.0, 0.5, 0.2, 0.0])
    assert cat["threshold"].tolist() == [0, 5, 10, 0] and cat["amount"].tolist() == [0, 5, 2, 0]
    assert cat["channel"].tolist() == ["none", "email+web", "email+mobile+social", "email"]
    assert cat["duration_days"].tolist() == [0, 7, 10, 3]
    assert cat["offer_hex"].tolist()[1:] == [BOGO, DISC, INFO] and cat["offer_hex"].isna()[0]
    assert (cat["margin_rate"] == sb.STARBUCKS_MARGIN).all() and not cat["targets_category"].any()
    assert (cat["contact_cost"] == 0).all()


def test_clashing_readable_ids_get_the_hex_head():
    p = pd.DataFrame(
        {
            "offer_hex": ["aaaaaa01", "bbbbbb02"],
            "offer_type": ["bogo", "bogo"],
            "difficulty": [5.0, 5.0],
            "reward": [5.0, 5.0],
            "duration": [7.0, 7.0],
            "channels": ["web", "email"],
        }
    )
    cat = sb.starbucks_catalogue(p)
    assert cat["campaign_id"].tolist() == ["control", "bogo_5_5_7d_aaaaaa", "bogo_5_5_7d_bbbbbb"]


def test_load_validates_the_catalogue(tmp_path):
    cat = sb.load_starbucks(_write(tmp_path / "sb")).catalogue
    assert cat["offer_hex"].tolist()[1:] == [BOGO, DISC, INFO] and "duration_days" in cat


def test_blank_lines_and_exact_repeats_are_quarantined(tmp_path):
    lines = _lines(TRANSCRIPT)
    lines = lines[:4] + ["", "   "] + lines[4:5] + [lines[4]] + lines[5:]
    data = sb.load_starbucks(_write(tmp_path / "sb", transcript=lines))
    t = data.validation["transcript"]
    assert _rules(t) == {4: sb.BLANK_LINE_RULE, 5: sb.BLANK_LINE_RULE, 7: "duplicate"}
    assert t.quarantine["reason"].tolist()[:2] == ["blank line", "blank line"]
    assert t.rows_in == len(lines) and t.rows_kept == len(TRANSCRIPT)
    assert data.blank_lines["transcript"] == 2 and len(data.redemptions) == 2
    rep = data.report().set_index("file")
    assert rep.loc["transcript.json", ["blank_lines", "duplicate", "rows_quarantined"]].tolist() == [2, 1, 3]


def test_checksums(tmp_path, monkeypatch):
    folder = _write(tmp_path / "sb")
    assert not sb.load_starbucks(folder).checksum_ok
    for key, name in sb.STARBUCKS_FILES.items():
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        monkeypatch.setitem(sb.STARBUCKS_SHA256, key, digest)
    data = sb.load_starbucks(folder)
    assert data.checksum_ok and data.report()["checksum_ok"].all()
    (folder / "profile.json").write_text((folder / "profile.json").read_text() + "\n")
    data = sb.load_starbucks(folder)
    assert not data.checksum_ok
    assert data.report().set_index("file")["checksum_ok"].to_dict() == {
        "portfolio.json": True,
        "profile.json": False,
        "transcript.json": True,
    }


def test_missing_files_name_the_folder(tmp_path, monkeypatch):
    folder = _write(tmp_path / "sb")
    (folder / "transcript.json").unlink()
    with pytest.raises(DataNotFoundError, match="no stable public address") as err:
        sb.load_starbucks(folder)
    assert str(folder) in str(err.value) and "transcript.json" in str(err.value)
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(tmp_path / "home"))
    with pytest.raises(DataNotFoundError, match="CAMPAIGNKIT_DATA_HOME") as err:
        sb.load_starbucks()
    assert str(tmp_path / "home" / "starbucks") in str(err.value)


def test_default_folder_is_the_data_home(tmp_path, monkeypatch):
    _write(tmp_path / "starbucks")
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(tmp_path))
    assert sb.load_starbucks().path == tmp_path / "starbucks"


def test_bad_events_are_quarantined_by_rule(tmp_path):
    bad = [
        _ev("p0", "offer clicked", 7, **{"offer id": BOGO}),  # 9: unknown event
        _ev("p2", "offer received", 168, **{"offer id": "f" * 32}),  # 10: offer not in the portfolio
        _ev("nobody", "transaction", 20, amount=4.0),  # 11: customer not in the profile
        _ev("p0", "transaction", 30),  # 12: a transaction without amount
        _ev("p0", "offer completed", 30, offer_id=BOGO),  # 13: a completion without reward
        _ev("p0", "transaction", 800, amount=1.0),  # 14: after the horizon
        _ev("p0", "transaction", 40, amount=-1.0),  # 15: negative amount
        '{"person": "p0", "event": "transaction", "value": {"amount": 2.0}, "time": 4',  # 16: not JSON
        _ev("p0", "transaction", 41, amount="two"),  # 17: not a number
    ]
    data = sb.load_starbucks(_write(tmp_path / "sb", transcript=_lines(TRANSCRIPT) + [b for b in bad]))
    t = data.validation["transcript"]
    assert _rules(t) == {
        9: "vocabulary",
        10: "unknown_campaign",
        11: "unknown_user",
        12: "missing_value",
        13: "missing_value",
        14: "range",
        15: "range",
        16: sb.BLANK_LINE_RULE,
        17: "dtype",
    }
    reasons = t.quarantine.set_index("source_row")["reason"]
    assert "f" * 32 in reasons[10] and reasons[16].startswith("not a JSON object")
    assert t.rows_in == len(TRANSCRIPT) + len(bad) and t.rows_kept == len(TRANSCRIPT)
    assert len(data.events) == 3 and len(data.exposures) == 3


def test_bad_profile_and_portfolio_rows(tmp_path):
    profile = PROFILE + [
        {"gender": "X", "age": 40, "id": "p3", "became_member_on": "20170101", "income": 1},  # 3: vocabulary
        {"gender": "F", "age": 40, "id": "p4", "became_member_on": "20180801", "income": 1},  # 4: window
        {"gender": "F", "age": 40, "id": "p5", "became_member_on": "2017-13-45", "income": 1},  # 5: timestamp
        {"gender": "F", "age": 40, "id": "p0", "became_member_on": "20170101", "income": 1},  # 6: duplicate
    ]
    portfolio = PORTFOLIO + [
        {**PORTFOLIO[0], "id": "x1", "channels": ["web", "pigeon"]},  # 3: unknown channel
        {**PORTFOLIO[2], "id": "x2", "reward": 3},  # 4: an informational offer with a reward
        {**PORTFOLIO[0], "id": "x3", "offer_type": "cashback"},  # 5: unknown type
    ]
    data = sb.load_starbucks(_write(tmp_path / "sb", portfolio=portfolio, profile=profile))
    assert _rules(data.validation["profile"]) == {
        3: "vocabulary",
        4: "window",
        5: "timestamp",
        6: "duplicate",
    }
    assert _rules(data.validation["portfolio"]) == {3: "vocabulary", 4: "range", 5: "vocabulary"}
    assert "pigeon" in data.validation["portfolio"].quarantine["reason"][0]
    assert len(data.customers) == 3 and len(data.catalogue) == 4


def test_send_time_off_the_waves_is_an_error(tmp_path):
    lines = _lines(TRANSCRIPT + [_ev("p2", "offer received", 100, **{"offer id": BOGO})])
    with pytest.raises(SchemaError, match="wave times") as err:
        sb.load_starbucks(_write(tmp_path / "sb", transcript=lines))
    assert err.value.column == "time" and err.value.row == len(TRANSCRIPT)


def test_file_faults_raise(tmp_path):
    with pytest.raises(SchemaError, match="empty_file"):
        sb.load_starbucks(_write(tmp_path / "a", transcript=["", ""]))
    no_time = [{k: v for k, v in r.items() if k != "time"} for r in TRANSCRIPT]
    with pytest.raises(SchemaError) as err:
        sb.load_starbucks(_write(tmp_path / "b", transcript=_lines(no_time)))
    assert err.value.rule == "required_column" and err.value.column == "time"
