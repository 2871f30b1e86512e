"""`data/fixtures/`: small CSVs that load through the kit's loaders and match the script that writes them."""

from __future__ import annotations

import importlib.util

import pytest

from campaignkit.config import FIXTURES_DIR
from campaignkit.data.loaders import load_table

SCRIPT = FIXTURES_DIR / "make_fixtures.py"


def _script():
    spec = importlib.util.spec_from_file_location("make_fixtures", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("table", ["users", "events", "campaigns", "exposures", "outcomes"])
def test_each_fixture_loads_with_no_row_quarantined(table):
    path = FIXTURES_DIR / f"{table}.csv"
    assert path.stat().st_size < 16_000, f"{path.name} should stay a few KB"
    res = load_table(path, table)
    assert res.rows_in > 0 and res.rows_quarantined == 0, res.counts
    assert res.sources == [str(path)]


def test_fixtures_share_users_and_campaigns():
    users = load_table(FIXTURES_DIR / "users.csv", "users").kept
    ids = set(users["user_id"])
    campaigns = set(load_table(FIXTURES_DIR / "campaigns.csv", "campaigns").kept["campaign_id"])
    for table in ("events", "exposures", "outcomes"):
        kept = load_table(FIXTURES_DIR / f"{table}.csv", table).kept
        assert set(kept["user_id"]) <= ids, table
        if "campaign_id" in kept:
            assert set(kept["campaign_id"]) <= campaigns, table
    assert len(ids) == _script().N_USERS


def test_script_reproduces_the_committed_files(tmp_path):
    mod = _script()
    for path in mod.make_fixtures(tmp_path):
        committed = FIXTURES_DIR / path.name
        assert path.read_bytes() == committed.read_bytes(), (
            f"{committed} is stale: run `.venv/bin/python data/fixtures/make_fixtures.py`"
        )
