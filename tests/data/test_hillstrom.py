"""Hillstrom loader: the published randomised effects from the real file; lookup order; a faked download.

The real file is read from ``$CAMPAIGNKIT_DATA_HOME/hillstrom.csv`` (``tests/conftest.py`` and CI point it at
``../shared/data``); the download is tested against a local ``file://`` address, never the network.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaignkit.config import data_home
from campaignkit.data import hillstrom as hs
from campaignkit.data.hillstrom import arm_effects
from campaignkit.errors import CampaignkitError, DataNotFoundError, SchemaError

Z95 = 1.959963984540054  # normal 0.975 quantile
Z90 = 1.6448536269514722  # normal 0.95 quantile

REAL = data_home() / "hillstrom.csv"
needs_real = pytest.mark.skipif(
    not REAL.is_file(),
    reason=f"Hillstrom file not at {REAL}: set CAMPAIGNKIT_DATA_HOME to the folder holding it",
)

FAKE = (
    "recency,history_segment,history,mens,womens,zip_code,newbie,channel,segment,visit,conversion,spend\n"
    "10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,1,1,30.5\n"
    "6,3) $200 - $350,329.08,1,1,Rural,1,Web,No E-Mail,0,0,0\n"
    "7,2) $100 - $200,180.65,0,1,Surburban,1,Web,Mens E-Mail,1,0,0\n"
    "9,5) $500 - $750,675.83,1,0,Rural,1,Web,Kids E-Mail,0,0,0\n"
    "2,1) $0 - $100,45.34,1,0,Urban,0,Web,Mens E-Mail,2,0,0\n"
    "3,1) $0 - $100,45.34,1,0,Urban,0,Web,No E-Mail,0,0,-4\n"
)


@needs_real
def test_real_file_reproduces_the_published_effects():
    data = hs.load_hillstrom()
    assert data.checksum_ok and data.path.resolve() == REAL.resolve()
    assert len(data) == 64_000 and data.validation.rows_quarantined == 0
    assert data.exposures["campaign_id"].value_counts().to_dict() == {
        "womens_email": 21_387,
        "mens_email": 21_307,
        "control": 21_306,
    }
    eff = data.arm_effects().set_index(["arm", "outcome"])["effect"]
    # visit in percentage points to 2 decimals, conversion to 3, spend in dollars to 3 (the published figures)
    assert round(eff["mens_email", "participated"] * 100, 2) == 7.66
    assert round(eff["womens_email", "participated"] * 100, 2) == 4.52
    assert round(eff["mens_email", "converted"] * 100, 3) == 0.681
    assert round(eff["womens_email", "converted"] * 100, 3) == 0.311
    assert round(eff["mens_email", "revenue"], 3) == 0.770
    assert round(eff["womens_email", "revenue"], 3) == 0.424


@needs_real
def test_real_file_maps_to_the_canonical_tables():
    data = hs.load_hillstrom(REAL)
    log = data.campaign_log()
    assert list(log.columns) == [
        "user_id",
        "campaign_id",
        "propensity",
        "target_category",
        "participated",
        "converted",
        "revenue",
        "retained",
    ]
    assert log["user_id"].is_unique and (log["target_category"] == -1).all()
    np.testing.assert_allclose(log["propensity"], 1 / 3)
    assert set(log["participated"].unique()) == {0, 1} and (log["revenue"] >= 0).all()
    assert (log["revenue"][log["converted"] == 0] == 0).all()
    assert data.users["user_id"].tolist() == log["user_id"].tolist()
    assert data.users[["recency", "history", "zip_code", "channel"]].notna().all().all()
    assert data.campaigns["campaign_id"].tolist() == ["control", "mens_email", "womens_email"]
    raw = pd.read_csv(REAL)
    assert data.outcomes["spend"].sum() == pytest.approx(raw["spend"].sum())
    assert (data.exposures["arm"].to_numpy() == raw["segment"].to_numpy()).all()


def test_bad_rows_are_quarantined_and_effects_follow_known_arithmetic(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text(FAKE)
    data = hs.load_hillstrom(p)
    assert not data.checksum_ok
    v = data.validation
    assert (v.rows_in, v.rows_kept, v.rows_quarantined) == (6, 3, 3)
    assert v.quarantine.set_index("source_row")["rule"].to_dict() == {
        3: "unknown_campaign",
        4: "range",
        5: "range",
    }
    eff = data.arm_effects().set_index(["arm", "outcome"])["effect"]
    assert eff["womens_email", "revenue"] == pytest.approx(30.5)  # control spend 0
    assert eff["mens_email", "participated"] == pytest.approx(1.0)


def test_missing_column_is_a_schema_error(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text(FAKE.replace(",spend", ""))
    with pytest.raises(SchemaError) as err:
        hs.load_hillstrom(p)
    assert err.value.column == "spend" and str(p) in str(err.value)


def test_explicit_missing_path_and_no_download(tmp_path, monkeypatch):
    with pytest.raises(DataNotFoundError, match="CAMPAIGNKIT_DATA_HOME"):
        hs.load_hillstrom(tmp_path / "nope.csv")
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(tmp_path))
    with pytest.raises(DataNotFoundError, match=str(tmp_path / "hillstrom.csv")):
        hs.load_hillstrom(download=False)


def test_data_home_copy_wins_over_download(tmp_path, monkeypatch):
    (tmp_path / "hillstrom.csv").write_text(FAKE)
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(hs, "HILLSTROM_URL", "http://127.0.0.1:9/must-not-be-used")
    assert hs.load_hillstrom().path == tmp_path / "hillstrom.csv"


def _serve(tmp_path: Path, text: str) -> str:
    src = tmp_path / "served" / "remote.csv"
    src.parent.mkdir()
    src.write_text(text)
    return src.as_uri()


def test_download_verifies_checksum_and_writes_atomically(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(home))
    monkeypatch.setattr(hs, "HILLSTROM_URL", _serve(tmp_path, FAKE))
    monkeypatch.setattr(hs, "HILLSTROM_SHA256", hashlib.sha256(FAKE.encode()).hexdigest())
    data = hs.load_hillstrom()
    assert data.path == home / "hillstrom.csv" and data.path.read_text() == FAKE
    assert data.checksum_ok and data.validation.rows_in == 6
    assert [f.name for f in home.iterdir()] == ["hillstrom.csv"]  # no temporary file left


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(home))
    monkeypatch.setattr(hs, "HILLSTROM_URL", _serve(tmp_path, FAKE))  # the real checksum will not match
    with pytest.raises(CampaignkitError, match="checksum"):
        hs.load_hillstrom()
    assert not home.exists() or not any(home.iterdir())


def test_no_network_says_where_to_put_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(hs, "HILLSTROM_URL", "http://127.0.0.1:9/hillstrom.csv")  # closed local port
    with pytest.raises(DataNotFoundError) as err:
        hs.load_hillstrom()
    msg = str(err.value)
    assert str(tmp_path / "hillstrom.csv") in msg and hs.HILLSTROM_SHA256 in msg


SMALL_LOG = pd.DataFrame(
    {
        "campaign_id": ["control", "a", "a", "control", "b", "a", "control", "a"],
        "participated": [0, 1, 1, 1, 0, 0, 0, 1],
        "converted": [0, 1, 0, 0, 1, 0, 0, 1],
        "revenue": [0.0, 3.5, 0.0, 0.0, 7.0, 0.0, 0.0, 12.25],
    }
)


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_arm_effects_gives_the_old_numbers(confidence):
    z = {0.95: Z95, 0.9: Z90}[confidence]
    got = arm_effects(SMALL_LOG, confidence=confidence).set_index(["arm", "outcome"])
    assert list(got.columns) == [
        "n_arm",
        "n_control",
        "mean_arm",
        "mean_control",
        "effect",
        "se",
        "ci_low",
        "ci_high",
    ]
    ctl = SMALL_LOG[SMALL_LOG["campaign_id"] == "control"]
    for arm in ("a", "b"):
        grp = SMALL_LOG[SMALL_LOG["campaign_id"] == arm]
        for outcome in ("participated", "converted", "revenue"):
            # the formula arm_effects had inline before it called difference_in_means
            a, c = grp[outcome].to_numpy(float), ctl[outcome].to_numpy(float)
            eff = a.mean() - c.mean()
            se = (
                float(np.sqrt(a.var(ddof=1) / len(a) + c.var(ddof=1) / len(c)))
                if min(len(a), len(c)) > 1
                else float("nan")
            )
            row = got.loc[(arm, outcome)]
            assert (row["n_arm"], row["n_control"]) == (len(a), len(c))
            assert (row["mean_arm"], row["mean_control"], row["effect"]) == (a.mean(), c.mean(), eff)
            np.testing.assert_array_equal(
                row[["se", "ci_low", "ci_high"]].to_numpy(float), [se, eff - z * se, eff + z * se]
            )
    assert math.isnan(got.loc[("b", "revenue"), "se"])  # one row in arm b
    # by hand: arm a revenue 3.5, 0, 0, 12.25 (mean 3.9375) vs control all 0
    assert got.loc[("a", "revenue"), "effect"] == 3.9375


def test_arm_effects_without_control_is_a_schema_error():
    with pytest.raises(SchemaError, match="no 'control' arm"):
        arm_effects(SMALL_LOG[SMALL_LOG["campaign_id"] != "control"])
