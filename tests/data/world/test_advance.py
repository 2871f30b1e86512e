"""The world moves on: :meth:`World.advance` after a plan has run (campaignkit/data/world/advance.py).

Determinism, round 0 untouched, lost users stay lost, fatigue from contact carries over, histories grow,
tastes drift, and later periods draw random numbers of their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import make_world
from campaignkit.errors import ParameterError

N = 1_500


@pytest.fixture(scope="module")
def world():
    return make_world(N, random_state=3)


@pytest.fixture(scope="module")
def plan():
    # every other user gets the SMS flash sale (the most intrusive channel)
    return pd.DataFrame({"user_id": np.arange(0, N, 2), "campaign_id": "flash_sale_30"})


@pytest.fixture(scope="module")
def step1(world, plan):
    realised = world.run_plan(plan, holdout=0.1, random_state=11)
    return realised, world.advance(realised)


def test_same_seed_same_future(world, plan, step1):
    realised, w1 = step1
    again = make_world(N, random_state=3)
    r2, w1b = again.step(plan, holdout=0.1, random_state=11)
    pd.testing.assert_frame_equal(realised, r2)
    pd.testing.assert_frame_equal(w1.events, w1b.events)
    pd.testing.assert_frame_equal(w1.traits, w1b.traits)
    np.testing.assert_array_equal(w1.interest, w1b.interest)
    # and the next period's draws too
    pd.testing.assert_frame_equal(w1.run_plan(plan), w1b.run_plan(plan))


def test_round_zero_is_untouched(world, step1):
    _, w1 = step1
    assert world.period == 0 and w1.period == 1
    assert len(world.events) < len(w1.events)
    assert "lost" not in world.traits and not world.lost.any()
    fresh = make_world(N, random_state=3)
    pd.testing.assert_frame_equal(world.traits, fresh.traits)
    pd.testing.assert_frame_equal(world.events, fresh.events)


def test_lost_users_stay_lost(world, plan, step1):
    realised, w1 = step1
    lost1 = w1.lost
    np.testing.assert_array_equal(lost1, ~realised["retained"].to_numpy())
    assert 0.05 < lost1.mean() < 0.5
    # a lost user buys nothing, takes part in nothing and is never retained, whatever they are sent
    e = w1.expected_outcomes(np.flatnonzero(lost1))
    assert np.all(e["retain"] == 0) and np.all(e["participate"] == 0) and np.all(e["convert"] < 1e-6)
    assert np.all(w1.true_uplift("retain", np.flatnonzero(lost1)) == 0)
    r1, w2 = w1.step(plan, holdout=0.0, random_state=12)
    assert not r1["retained"].to_numpy()[lost1].any()
    assert (w2.lost >= lost1).all() and w2.lost.sum() > lost1.sum()
    # the lost leave no events after the period they left in
    new = w2.events[w2.events["ts"] >= w1.cutoff]
    assert not np.isin(new["user_id"].to_numpy(), np.flatnonzero(lost1)).any()


def test_fatigue_from_contact_carries_over(world, step1):
    realised, w1 = step1
    f0, f1 = world.traits["fatigue"].to_numpy(), w1.traits["fatigue"].to_numpy()
    contacted = realised["executed_campaign_id"].to_numpy() != "control"
    ignored = contacted & ~realised["participated"].to_numpy()
    assert ignored.sum() > 100
    assert np.all(f1[ignored] > f0[ignored])
    np.testing.assert_allclose(f1[~contacted], f0[~contacted])  # no contact: still the base
    np.testing.assert_allclose(w1.traits["fatigue_base"], f0)
    # a quiet period halves the excess over the base
    w2 = w1.advance(w1.run_plan(pd.DataFrame({"user_id": [], "campaign_id": []}), random_state=5))
    np.testing.assert_allclose(w2.traits["fatigue"] - f0, 0.5 * (f1 - f0))
    # and the annoyance shows in the next round's truth: the same SMS pushes the annoyed out more
    quiet = world.advance(world.run_plan(pd.DataFrame({"user_id": [], "campaign_id": []}), random_state=11))
    both = np.flatnonzero(ignored & ~w1.lost & ~quiet.lost)
    sms = ["flash_sale_30"]
    assert w1.true_uplift("retain", both, sms).mean() < quiet.true_uplift("retain", both, sms).mean()


def test_histories_grow(world, step1):
    realised, w1 = step1
    W = world.campaign_days
    assert w1.cutoff == world.cutoff + pd.Timedelta(days=W)
    assert w1.history_days == world.history_days + W and w1.base_history_days == world.history_days
    old = w1.events[w1.events["ts"] < world.cutoff].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        old, world.events.sort_values(["user_id", "ts"], kind="stable", ignore_index=True)
    )
    new = w1.events[w1.events["ts"] >= world.cutoff]
    assert len(new) > 2 * N and new["ts"].max() < w1.cutoff
    assert set(new["event_type"].unique()) == {"view", "cart", "fav", "purchase"}
    np.testing.assert_array_equal(w1.users["tenure_days"], world.users["tenure_days"] + W)
    # every realised campaign order is a purchase in the new history
    orders = realised["participated"] & realised["converted"]
    buyers = new.loc[new["event_type"] == "purchase", "user_id"].unique()
    assert np.isin(realised.loc[orders, "user_id"], buyers).all()


def test_tastes_drift(world, step1):
    _, w1 = step1
    np.testing.assert_array_equal(w1.past_interest, world.interest)
    np.testing.assert_allclose(w1.interest.sum(1), 1.0)
    moved = np.abs(w1.interest - world.interest).sum(1)
    assert moved.mean() > 0.01 and np.corrcoef(moved, world.traits["drift"])[0, 1] > 0.3


def test_later_periods_draw_their_own_numbers(world, step1):
    _, w1 = step1
    a = world.log_randomised()
    b = w1.log_randomised()
    assert not np.array_equal(a["campaign_id"].to_numpy(), b["campaign_id"].to_numpy())


def test_advance_needs_every_user(world, step1):
    realised, _ = step1
    with pytest.raises(ParameterError, match="every user"):
        world.advance(realised.iloc[:10])
    with pytest.raises(ParameterError, match="missing column"):
        world.advance(realised.drop(columns="retained"))


def test_observed_cart_shows_the_open_carts_before_and_after_a_period(world, step1):
    from campaignkit.data import observed_cart

    # an unbought cart of the last week is what the world calls an open cart (what reminders work on)
    for w in (world, step1[1]):
        seen = observed_cart(w)
        assert len(seen) == w.n_users and seen["days_since_cart"].between(0, w.history_days).all()
        recent = (seen["cart_unbought"].to_numpy() == 1) & (seen["days_since_cart"].to_numpy() < 7)
        truth = w.traits["open_cart"].to_numpy(bool)
        # a user lost at the period's end keeps the unbought cart in the history but no longer has an open one
        stays = ~w.traits["lost"].to_numpy(bool) if "lost" in w.traits else np.ones(w.n_users, bool)
        assert truth.any() and recent.any() and not truth[~stays].any()
        hit, miss = truth[recent & stays].mean(), truth[~recent].mean()
        assert hit > 0.95 and miss < 0.05, (hit, miss)
