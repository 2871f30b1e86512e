"""Faithfulness of explanations: top-driver recall against the world's true drivers, proxies."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.data import make_world
from campaignkit.explain import (
    TRAIT_PROXIES,
    Explanation,
    driver_table,
    explain_uplift,
    proxy_features,
    top_driver_recall,
)
from campaignkit.features import FeatureStore
from campaignkit.models import Boosting, MediatedLearner
from tests.explain._helpers import N_USERS


def _fake_explanation(campaign, names, values):
    values = np.asarray(values, dtype=float)
    n = len(values)
    return Explanation(
        values=values,
        base_values=np.zeros(n),
        output=values.sum(1),
        data=np.ones_like(values),
        feature_names=list(names),
        user_id=np.arange(n),
        campaign=campaign,
        against="control",
        outcome="participate",
        model="fake",
        method="fake",
        exact=True,
    )


def test_top_driver_recall_counts_hits_against_the_truth():
    from campaignkit.data.catalogue import default_catalogue

    cat = default_catalogue()
    names = [
        "recency_cart_days",
        "attr_member_tier_ord",
        "noise_a",
        "noise_b",
        "noise_c",
        "noise_d",
        "noise_e",
    ]
    good = {
        "cart_reminder": _fake_explanation("cart_reminder", names, [[5, 0, 1, 1, 1, 1, 1]] * 3),
        "member_exclusive_15": _fake_explanation("member_exclusive_15", names, [[0, 5, 1, 1, 1, 1, 1]] * 3),
    }
    assert top_driver_recall(good, cat, k=1) == 1.0
    bad = {
        "cart_reminder": _fake_explanation("cart_reminder", names, [[0, 5, 1, 1, 1, 1, 1]] * 3),
        "member_exclusive_15": _fake_explanation("member_exclusive_15", names, [[5, 0, 1, 1, 1, 1, 1]] * 3),
    }
    assert top_driver_recall(bad, cat, k=1) == 0.0
    table = driver_table(bad, cat, k=1)
    assert set(table["best_rank"].dropna()) == {7.0}  # each proxy ranks last (zero attribution)
    # a campaign whose drivers have no proxy among the features is not counted
    only_noise = {"cart_reminder": _fake_explanation("cart_reminder", names[2:], [[1, 2, 3, 4, 5]])}
    assert np.isnan(top_driver_recall(only_noise, cat, k=1))


def test_true_drivers_rank_on_top_small(world_data, mediated):
    """On 1,500 users the mediated learner finds the crisp driver of the reminder (an open cart)."""
    world, data, _ = world_data
    e = explain_uplift(mediated, data, "cart_reminder", outcome="participate", user_ids=np.arange(400))
    table = driver_table({"cart_reminder": e}, world.catalogue, k=5)
    assert table.loc[table["driver"] == "open_cart", "in_top_k"].all()


@pytest.mark.slow
def test_true_drivers_rank_on_top_full():
    """The recall asserted at the notebook's full size (20,000 users): >= 0.8 over all structural drivers."""
    world = make_world(20_000, random_state=0)
    store = FeatureStore.build("test_explain_20k", world.events, world.users, world.cutoff, max_len=32)
    data, cat = store.subset(store.user_ids), world.catalogue
    model = MediatedLearner(boosting=Boosting(max_iter=100), random_state=0).fit(
        data, world.log_randomised(random_state=1), cat
    )
    ex = {
        c: explain_uplift(model, data, c, outcome="participate", user_ids=np.arange(400))
        for c in cat["campaign_id"][1:]
    }
    assert top_driver_recall(ex, cat, k=5, roles=("specific", "contact")) >= 0.8
    assert top_driver_recall(ex, cat, k=5) >= 0.6  # the campaign-specific drivers alone


def test_proxies_track_their_traits(world_data):
    world, data, _ = world_data
    feats = data[0].loc[np.arange(N_USERS)].reset_index(drop=True)
    tr = world.traits.reset_index(drop=True)
    traits = {
        "value_sensitivity": tr["price_sens"] + tr["deal_seeking"],
        "basket": tr["basket"],
        "tier": tr["tier"],
        "open_cart": tr["open_cart"],
        "channel_affinity": tr["aff_email"],
    }
    for driver, truth in traits.items():
        cols = proxy_features(driver, feats.columns)
        best = feats[cols].rank().corrwith(truth.rank()).abs().max()
        assert best >= 0.2, (driver, best)
    assert TRAIT_PROXIES["fatigue"] == ()  # drawn independently of everything observed
