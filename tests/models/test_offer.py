"""The structural price-offer model: it recovers a known threshold-reach curve and pull-up, extrapolates to
thresholds and depths the log never tried, keeps the estimator contract, and its bootstrap feeds a risk-aware
choice of parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone

from campaignkit.design import choose_parameters, threshold_grid
from campaignkit.errors import ParameterError
from campaignkit.models import Boosting, PriceOfferModel
from campaignkit.models.offer import threshold_reach

KAPPA, MU, PULL_UP = 2.0, np.log(100.0), 1.3
FAST = {"boosting": Boosting(max_iter=30), "random_state": 0}


def _catalogue():
    rows = [
        ("control", "control", 0.0, 0.0, 0.0, "none", 0.0),
        ("percent_10", "percent_discount", 0.10, 0.0, 0.0, "email", 0.02),
        ("percent_20", "percent_discount", 0.20, 0.0, 0.0, "email", 0.02),
        ("coupon_50_5", "coupon", 0.10, 50.0, 5.0, "email", 0.02),
        ("threshold_100_10", "threshold_discount", 0.10, 100.0, 10.0, "app_push", 0.01),
        ("threshold_200_40", "threshold_discount", 0.20, 200.0, 40.0, "app_push", 0.01),
    ]
    cat = pd.DataFrame(
        rows, columns=["campaign_id", "type", "depth", "threshold", "amount", "channel", "contact_cost"]
    )
    return cat.assign(targets_category=False, margin_rate=0.35)


def _truth(users, cat):
    """Expected participation, buying and order of every (user, campaign) under the generating process."""
    f0, f1 = users["f0"].to_numpy()[:, None], users["f1"].to_numpy()[:, None]
    d, t = cat["depth"].to_numpy()[None, :], cat["threshold"].to_numpy()[None, :]
    push = (cat["channel"] == "app_push").to_numpy()[None, :]
    part = expit(-2.2 + 8.0 * d + 0.4 * f1 + 0.3 * push + threshold_reach(t, KAPPA, MU))
    part = np.where((cat["type"] == "control").to_numpy()[None, :], 0.0, part)
    base = -1.0 + 0.5 * f0
    order = 60.0 * np.exp(0.3 * f1)
    order_part = np.where(t > 0, np.maximum(order, PULL_UP * t), order * (1 + 1.0 * d))
    return part, expit(base).ravel(), expit(base + 1.0 + 2.0 * d), order.ravel(), order_part


def _problem(n=8000, seed=0):
    rng = np.random.default_rng(seed)
    users = pd.DataFrame({"user_id": np.arange(n), "f0": rng.normal(size=n), "f1": rng.normal(size=n)})
    cat = _catalogue()
    part, buy0, buy1, order, order_part = _truth(users, cat)
    arm = rng.integers(0, len(cat), n)
    i = np.arange(n)
    took = rng.random(n) < part[i, arm]
    bought = rng.random(n) < np.where(took, buy1[i, arm], buy0[i])
    spend = np.where(took, order_part[i, arm], order[i]) * np.exp(0.3 * rng.normal(size=n) - 0.045)
    log = pd.DataFrame(
        {
            "user_id": i,
            "campaign_id": cat["campaign_id"].to_numpy()[arm],
            "propensity": 1 / len(cat),
            "target_category": -1,
            "participated": took,
            "converted": bought,
            "revenue": np.where(bought, spend, 0.0),
        }
    )
    return users, log, cat


@pytest.fixture(scope="module")
def fitted():
    users, log, cat = _problem()
    return users, log, cat, PriceOfferModel(n_bootstrap=3, **FAST).fit(users, log, cat)


def test_recovers_the_reach_curve_and_the_pull_up(fitted):
    _, _, _, model = fitted
    kappa, half = model.reach_
    assert kappa == pytest.approx(KAPPA, rel=0.35) and half == pytest.approx(np.exp(MU), rel=0.25)
    assert model.pull_up_ == pytest.approx(PULL_UP, abs=0.1)
    assert model.buy_lift_[0] == pytest.approx(1.0, abs=0.4)


def test_extrapolates_to_thresholds_and_depths_the_log_never_tried(fitted):
    users, _, cat, model = fitted
    grid = threshold_grid(thresholds=(50.0, 300.0), depths=(0.05, 0.25), contact_cost=0.01, margin_rate=0.35)
    pred = model.predict_outcomes(users, grid)
    part, *_ = _truth(users, grid)
    # the two log campaigns at T = 100 / 200 have nearly equal participation; the grid spreads it ten-fold
    np.testing.assert_allclose(pred.participate.mean(0)[1:], part.mean(0)[1:], rtol=0.45)
    assert part.mean(0)[2] / part.mean(0)[3] > 10
    # a model without the structure (flat in the threshold) would miss the spread
    assert pred.participate.mean(0)[2] > 4 * pred.participate.mean(0)[3]
    # the catalogue's profit identity
    np.testing.assert_allclose(pred.profit, 0.35 * pred.revenue - pred.discount - pred.contact)
    amount = grid["amount"].to_numpy()[None, 1:]  # paid by participants who buy: between 0 and p x amount
    assert (pred.discount[:, 1:] > 0).all() and (
        pred.discount[:, 1:] <= pred.participate[:, 1:] * amount + 1e-9
    ).all()
    logged = model.predict_outcomes(users, cat)
    assert logged.participate[:, 0].max() == 0.0 and (logged.discount[:, 0] == 0).all()


def test_contract_and_clear_errors(fitted):
    users, log, cat, model = fitted
    twin = clone(model)
    assert twin.get_params()["n_bootstrap"] == 3 and not hasattr(twin, "reach_")
    with pytest.raises(ParameterError, match="c must be"):
        PriceOfferModel(c=0).fit(users, log, cat)
    with pytest.raises(ParameterError, match="n_bootstrap"):
        PriceOfferModel(n_bootstrap=-1).fit(users, log, cat)
    other = pd.concat(
        [cat, cat.iloc[[1]].assign(campaign_id="points", type="points_bonus")], ignore_index=True
    )
    with pytest.raises(ParameterError, match="points"):
        model.predict_outcomes(users, other)
    sms = pd.concat([cat, cat.iloc[[4]].assign(campaign_id="thr_sms", channel="sms")], ignore_index=True)
    with pytest.raises(ParameterError, match="sms"):
        model.predict_outcomes(users, sms)
    one_depth = log[log["campaign_id"].isin(["control", "percent_10", "coupon_50_5", "threshold_100_10"])]
    with pytest.raises(ParameterError, match="two depths"):
        PriceOfferModel(**FAST).fit(users, one_depth, cat)
    with pytest.raises(ParameterError, match="control rows"):
        PriceOfferModel(**FAST).fit(users, log[log["campaign_id"] != "control"], cat)


def test_bootstrap_sd_feeds_a_risk_aware_choice(fitted):
    users, _, cat, model = fitted
    grid = threshold_grid(thresholds=(100.0, 400.0), depths=(0.1, 0.2), contact_cost=0.01, margin_rate=0.35)
    pred = model.predict_outcomes(users, grid)
    sd = pred.std["profit_uplift"]
    assert sd.shape == pred.profit.shape and (sd[:, 0] == 0).all() and (sd[:, 1:] > 0).all()
    # the threshold farthest from the log's is the least certain
    assert sd[:, 3:].mean() > sd[:, 1:3].mean()
    seg = np.where(users["f0"].to_numpy() > 0, "a", "b")
    mean_pick = choose_parameters(pred, seg, grid=grid)
    safe = choose_parameters(pred, seg, grid=grid, risk=50.0)
    assert (safe["predicted_sd"] <= 1.0001 * pred.std["profit_uplift"][:, 1:].mean(0).max()).all()
    assert (safe["threshold"] <= mean_pick["threshold"]).all() and (safe["threshold"] == 100.0).all()
    with pytest.raises(ParameterError, match="risk must be"):
        choose_parameters(pred, seg, risk=-1.0)
    plain = PriceOfferModel(**FAST).fit(users, _problem(2000, seed=1)[1], cat).predict_outcomes(users, grid)
    with pytest.raises(ParameterError, match="std"):
        choose_parameters(plain, seg, risk=1.0)


def test_propensity_weights_reach_every_part(fitted):
    users, log, cat, model = fitted
    # uniform propensities weigh every row alike: the weighted fit is the unweighted one
    same = PriceOfferModel(weight_by_propensity=True, **FAST).fit(users, log, cat)
    assert same.reach_ == pytest.approx(model.reach_, rel=1e-6) and same.pull_up_ == pytest.approx(
        model.pull_up_
    )
    # a log that over-samples one threshold campaign's participants is biased unless its propensities are used
    took = (log["campaign_id"] == "threshold_200_40") & log["participated"]
    skewed = pd.concat([log, log[took], log[took]], ignore_index=True)
    # each participant of that arm was logged three times: three times as likely to be in the log
    skewed.loc[list(took[took].index) + list(range(len(log), len(skewed))), "propensity"] = 3 / len(cat)
    grid = threshold_grid(thresholds=(200.0,), depths=(0.2,), contact_cost=0.01, margin_rate=0.35)
    truth = _truth(users, grid)[0][:, 1].mean()
    naive = (
        PriceOfferModel(**FAST).fit(users, skewed, cat).predict_outcomes(users, grid).participate[:, 1].mean()
    )
    weighted = PriceOfferModel(weight_by_propensity=True, **FAST).fit(users, skewed, cat)
    fixed = weighted.predict_outcomes(users, grid).participate[:, 1].mean()
    assert abs(fixed - truth) < abs(naive - truth) / 2, (truth, naive, fixed)
