"""The synthetic world (``make_world``, ``World``) against its own known truth.

Schema and realism, exact truth identities, sleeping dogs, sequence-only signal and clear errors. Logs and
plans are in ``test_plans.py``, Parquet in ``test_parquet.py``, summaries and plots in ``test_summary.py``;
the 20,000-user world they share is built once in ``conftest.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score

from campaignkit.data import (
    CAMPAIGN_TYPES,
    default_catalogue,
    event_stats,
    make_world,
    observed_rfm,
    response_type_shares,
    write_world_parquet,
)
from campaignkit.data.world.summary import events_by_weekday, funnel
from campaignkit.errors import ParameterError


# ----------------------------------------------------------------------------- schema and realism
def test_schema(world):
    ev = world.events
    assert list(ev.columns) == ["user_id", "ts", "event_type", "item_id", "category", "price", "quantity"]
    assert str(ev["ts"].dtype) == "datetime64[ns, UTC]"
    assert ev["user_id"].dtype == np.int64 and ev["item_id"].dtype == np.int64
    assert ev["category"].dtype == np.int64 and ev["quantity"].dtype == np.int64
    assert (ev["ts"] < world.cutoff).all()
    assert (ev["ts"] >= world.cutoff - pd.Timedelta(days=world.history_days)).all()
    assert set(ev["event_type"].astype(str).unique()) == {"view", "cart", "fav", "purchase"}
    assert ev["category"].between(0, world.n_categories - 1).all()
    assert (ev["price"] >= 0).all() and (ev["quantity"] >= 1).all()
    # sorted by user then time, and no event before the user's signup
    assert (np.diff(ev["user_id"].to_numpy()) >= 0).all()
    signup = world.users["signup_ts"].to_numpy()[ev["user_id"].to_numpy()]
    assert (ev["ts"].to_numpy() >= signup).all()
    u = world.users
    assert (u["user_id"].to_numpy() == np.arange(world.n_users)).all()
    assert {"signup_ts", "tenure_days", "age_band", "region", "member_tier", "channel_pref"} <= set(u.columns)
    assert np.allclose(world.interest.sum(1), 1.0) and world.interest.shape == (world.n_users, 12)
    assert world.traits.index.equals(world.users.index)
    cat = world.catalogue
    assert cat.loc[0, "campaign_id"] == "control" and len(cat) >= 11
    assert set(cat["type"]) <= set(CAMPAIGN_TYPES)
    assert set(cat.loc[cat["targets_category"], "campaign_id"]) == {"category_coupon", "recommendation_push"}


def test_realistic_shapes(world):
    st = event_stats(world.events, world.n_users)
    assert 20 <= st["events_per_user_mean"] <= 45  # ~30 events per user
    assert st["events_per_user_p99"] > 5 * st["events_per_user_median"]  # heavy-tailed activity
    assert st["spend_p99_over_median"] > 5  # heavy-tailed spend
    assert 0.4 < st["cart_abandonment"] < 0.8
    assert st["share_view"] > st["share_cart"] > st["share_purchase"] > 0
    wd = events_by_weekday(world.events)
    assert wd["Sat"] > wd["Tue"] * 1.1  # weekly rhythm
    f = funnel(world.events)
    assert f.loc["view", "users"] > f.loc["cart", "users"] > f.loc["purchase", "users"]
    # every purchase follows a cart of the same item by the same user
    ev = world.events
    carts = ev[ev["event_type"] == "cart"][["user_id", "item_id"]].drop_duplicates()
    buys = ev[ev["event_type"] == "purchase"][["user_id", "item_id"]].drop_duplicates()
    assert len(buys.merge(carts)) == len(buys)
    # observables correlate with latent traits
    tier_rank = world.users["member_tier"].map({"none": 0, "silver": 1, "gold": 2, "platinum": 3})
    assert np.corrcoef(tier_rank, world.traits["z_value"])[0, 1] > 0.4


# ----------------------------------------------------------------------------- exact truth
def test_expected_outcomes_identities(world):
    out = world.expected_outcomes(
        user_ids=np.arange(500), campaign_ids=["control", "percent_20", "flash_sale_30"]
    )
    for v in out.values():
        assert v.shape == (500, 3)
        assert np.isfinite(v).all()
    margin = world.catalogue["margin_rate"].iloc[0]
    assert np.allclose(out["profit"], margin * out["revenue"] - out["discount_cost"] - out["contact_cost"])
    assert (out["participate"][:, 0] == 0).all() and (out["discount_cost"][:, 0] == 0).all()
    assert (out["contact_cost"][:, 1] == 0.02).all()
    for k in ("participate", "convert", "retain"):
        assert ((out[k] >= 0) & (out[k] <= 1)).all()
    up = world.true_uplift("convert", campaign_ids=["percent_20"])
    full = world.expected_outcomes(campaign_ids=["control", "percent_20"])["convert"]
    assert np.allclose(up[:, 0], full[:, 1] - full[:, 0])
    # category campaigns respond to the match between target and current interest
    best = world.interest.argmax(1)
    worst = world.interest.argmin(1)
    ub = world.true_uplift("convert", campaign_ids=["category_coupon"], target_category=best)
    uw = world.true_uplift("convert", campaign_ids=["category_coupon"], target_category=worst)
    assert (ub >= uw).all() and ub.mean() > uw.mean() + 0.005


# ----------------------------------------------------------------------------- heterogeneity
def test_response_types_and_sleeping_dogs(world):
    shares = response_type_shares(world, "convert")
    assert np.allclose(shares[["sure_thing", "persuadable", "lost_cause", "sleeping_dog"]].sum(axis=1), 1)
    assert (shares["users_harmed"] > 0.005).all(), shares["users_harmed"]  # every contact campaign
    assert (shares["sleeping_dog"] > 0).all() and (shares["persuadable"] > 0).all()
    assert (shares["sure_thing"] > 0.05).all() and (shares["lost_cause"] > 0.3).all()
    up = world.true_uplift("profit", campaign_ids=world.campaign_ids[1:])
    assert (up.max(0) > 0).all() and (up.min(0) < 0).all()  # each campaign pays for someone, hurts someone


def test_sequence_only_signal_beats_rfm(world):
    """Order and timing of events predict true uplift beyond RFM and lifetime aggregates."""
    ev = world.events
    n = world.n_users
    uid = ev["user_id"].to_numpy()
    et = ev["event_type"].astype(str).to_numpy()
    age = (world.cutoff - ev["ts"]).dt.total_seconds().to_numpy() / 86_400
    rfm = observed_rfm(world)
    cart, buy = et == "cart", et == "purchase"
    aggregates = np.column_stack(
        [np.log1p(rfm.to_numpy()), np.log1p(np.bincount(uid[cart], minlength=n)), rfm["recency_days"] < 7]
    )
    # sequence feature 1: the last cart is recent and no purchase came after it
    last_cart = np.full(n, np.inf)
    np.minimum.at(last_cart, uid[cart], age[cart])
    last_buy = np.full(n, np.inf)
    np.minimum.at(last_buy, uid[buy], age[buy])
    open_cart_seq = ((last_cart < 7) & (last_buy > last_cart)).astype(float)
    # sequence feature 2: a slowing rhythm (late versus early activity)
    early = np.bincount(uid[age > 30], minlength=n) / (world.history_days - 30)
    late = np.bincount(uid[age <= 30], minlength=n) / 30
    trend = np.log((late + 0.02) / (early + 0.02))

    def r2(x, y):
        return cross_val_score(LinearRegression(), x, y, cv=3, scoring="r2").mean()

    y_rem = world.true_uplift("convert", campaign_ids=["cart_reminder"])[:, 0]
    gain_rem = r2(np.column_stack([aggregates, open_cart_seq]), y_rem) - r2(aggregates, y_rem)
    y_ret = world.true_uplift("retain", campaign_ids=["percent_20"])[:, 0]
    gain_ret = r2(np.column_stack([aggregates, trend]), y_ret) - r2(aggregates, y_ret)
    assert gain_rem > 0.3, gain_rem
    assert gain_ret > 0.015, gain_ret


# ----------------------------------------------------------------------------- errors
def test_bad_parameters(world, tmp_path):
    with pytest.raises(ParameterError, match="n_users"):
        make_world(n_users=-5)
    with pytest.raises(ParameterError, match="n_users"):
        make_world(n_users=2.5)
    with pytest.raises(ParameterError, match="n_categories"):
        make_world(n_users=10, n_categories=1)
    with pytest.raises(ParameterError, match="random_state"):
        make_world(n_users=10, random_state=-1)
    cat = default_catalogue()
    cat.loc[3, "type"] = "lottery"
    with pytest.raises(ParameterError, match="unknown campaign type 'lottery'"):
        make_world(n_users=10, catalogue=cat)
    with pytest.raises(ParameterError, match="sum to 1"):
        world.log_randomised(shares={"control": 0.5, "percent_20": 0.4})
    with pytest.raises(ParameterError, match="unknown campaign_id"):
        world.evaluate_plan(pd.DataFrame({"user_id": [1], "campaign_id": ["mystery"]}))
    with pytest.raises(ParameterError, match="more than once"):
        world.evaluate_plan(pd.DataFrame({"user_id": [1, 1], "campaign_id": ["control", "percent_10"]}))
    with pytest.raises(ParameterError, match="holdout"):
        world.run_plan(pd.DataFrame({"user_id": [1], "campaign_id": ["percent_10"]}), holdout=1.5)
    with pytest.raises(ParameterError, match="target_category"):
        world.expected_outcomes(user_ids=[0, 1], target_category=[0, 99])
    with pytest.raises(ParameterError, match="not a user"):
        world.expected_outcomes(user_ids=[world.n_users])
    with pytest.raises(ParameterError, match="metric"):
        world.true_uplift("happiness")
    write_world_parquet(tmp_path / "w", 10, progress=False)
    with pytest.raises(ParameterError, match="overwrite"):
        write_world_parquet(tmp_path / "w", 10, progress=False)
