"""Tests of the synthetic world: schema, truth, logs, plans, determinism and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import CAMPAIGN_TYPES, default_catalogue, make_world
from campaignkit.errors import ParameterError


@pytest.fixture(scope="module")
def world():
    return make_world(n_users=6_000, random_state=0)


def test_schema(world):
    ev = world.events
    assert list(ev.columns) == ["user_id", "ts", "event_type", "item_id", "category", "price", "quantity"]
    assert str(ev["ts"].dtype) == "datetime64[ns, UTC]"
    assert (ev["ts"] < world.cutoff).all()
    assert set(ev["event_type"].astype(str).unique()) == {"view", "cart", "fav", "purchase"}
    assert ev["category"].between(0, world.n_categories - 1).all()
    assert (ev["price"] >= 0).all() and (ev["quantity"] >= 1).all()
    assert (world.users["user_id"].to_numpy() == np.arange(world.n_users)).all()
    assert np.allclose(world.interest.sum(1), 1.0)
    assert world.traits.index.equals(world.users.index)
    cat = world.catalogue
    assert cat.loc[0, "campaign_id"] == "control" and len(cat) >= 11
    assert set(cat["type"]) <= set(CAMPAIGN_TYPES)
    assert set(cat.loc[cat["targets_category"], "campaign_id"]) == {"category_coupon", "recommendation_push"}


def test_expected_outcomes_shapes_and_profit_identity(world):
    out = world.expected_outcomes(user_ids=np.arange(100), campaign_ids=["control", "percent_20"])
    for v in out.values():
        assert v.shape == (100, 2)
    margin = world.catalogue["margin_rate"].iloc[0]
    assert np.allclose(out["profit"], margin * out["revenue"] - out["discount_cost"] - out["contact_cost"])
    assert np.all(out["participate"][:, 0] == 0) and np.all(out["discount_cost"][:, 0] == 0)
    up = world.true_uplift("convert", campaign_ids=["percent_20"])
    full = world.expected_outcomes(campaign_ids=["control", "percent_20"])["convert"]
    assert np.allclose(up[:, 0], full[:, 1] - full[:, 0])


def test_bad_parameters():
    with pytest.raises(ParameterError, match="n_users"):
        make_world(n_users=-5)
    cat = default_catalogue()
    cat.loc[3, "type"] = "lottery"
    with pytest.raises(ParameterError, match="unknown campaign type"):
        make_world(n_users=10, catalogue=cat)
