"""Churn risk and retention by uplift (campaignkit/design/retention.py) on a small world's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import make_world
from campaignkit.design import assign
from campaignkit.design.retention import (
    compare_retention_policies,
    customer_value,
    dog_detection,
    retention_policy_value,
    retention_problem,
    risk_tiers,
    risk_uplift_table,
    sleeping_dogs,
    target_by_risk,
    tiered_rule,
    true_customer_value,
    true_retention_problem,
)
from campaignkit.errors import ParameterError
from campaignkit.models.prediction import Prediction


@pytest.fixture(scope="module")
def world():
    return make_world(1_200, random_state=7)


def _truth_prediction(world, users) -> Prediction:
    """The world's exact outcomes as a Prediction (a perfect model)."""
    e = world.expected_outcomes(users)
    return Prediction(
        user_id=users,
        campaign_ids=world.campaign_ids,
        participate=e["participate"],
        convert=e["convert"],
        revenue=e["revenue"],
        discount=e["discount_cost"],
        profit=e["profit"],
        contact=e["contact_cost"],
        retain=e["retain"],
        target_category=world.default_target[users],
    )


def test_customer_value_is_the_margin_over_the_horizon():
    users = np.arange(3)
    ones = np.ones((3, 2))
    profit = np.array([[2.0, 2.5], [1.0, 0.0], [-1.0, 0.0]])
    retain = np.array([[0.5, 0.6], [1.0, 1.0], [0.9, 0.9]])
    pred = Prediction(users, ("control", "c"), ones, ones, ones, 0 * ones, profit, 0 * ones, retain)
    np.testing.assert_allclose(customer_value(pred, horizon=3), [2 * (1 + 0.5 + 0.25), 3.0, 0.0])
    with pytest.raises(ParameterError, match="horizon"):
        customer_value(pred, horizon=0)
    # the objective: window's profit uplift + retention uplift x value
    prob = retention_problem(pred, horizon=3)
    np.testing.assert_allclose(prob.value[:, 0], [0.5 + 0.1 * 3.5, -1.0, 1.0], rtol=1e-6)
    only = retention_problem(pred, horizon=3, immediate=False)
    np.testing.assert_allclose(only.value[:, 0], [0.1 * 3.5, 0.0, 0.0], rtol=1e-6)


def test_truth_problem_and_sleeping_dogs(world):
    users = np.arange(world.n_users)
    truth = true_retention_problem(world, users)
    pred = _truth_prediction(world, users)
    np.testing.assert_allclose(truth.value, retention_problem(pred).value, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(true_customer_value(world, users), customer_value(pred))
    dogs = sleeping_dogs(world, users)
    assert dogs.shape == (world.n_users, len(world.campaign_ids)) and not dogs[:, 0].any()
    np.testing.assert_array_equal(dogs[:, 1:], world.true_uplift("retain", users)[:, 1:] < 0)
    # the seed's reminder pushes most users without an open cart out: they ignore it and are annoyed
    reminder = world.campaign_ids.index("cart_reminder")
    open_cart = world.traits["open_cart"].to_numpy(bool)
    assert dogs[~open_cart, reminder].mean() > 0.7 > dogs[open_cart, reminder].mean()


def test_rules(world):
    users = np.arange(world.n_users)
    pred = _truth_prediction(world, users)
    tiers = risk_tiers(pred)
    assert (tiers == "high").mean() == pytest.approx(0.25, abs=0.01)
    ids = world.campaign_ids
    choice = tiered_rule(tiers, ids)
    assert set(np.asarray(ids)[choice[tiers == "high"]]) == {"cart_reminder"}
    assert set(np.asarray(ids)[choice[tiers == "medium"]]) == {"member_exclusive_15"}
    assert (choice[tiers == "low"] == 0).all()
    risk = 1 - pred.retain[:, 0]
    spend = np.hstack([np.zeros((len(users), 1)), true_retention_problem(world, users).spend])
    picked = target_by_risk(risk, "percent_10", ids, spend, budget=5.0)
    on = picked > 0
    assert spend[on, ids.index("percent_10")].sum() <= 5.0 and on.any()
    assert risk[on].min() >= risk[~on].max()  # riskiest first


def test_uplift_targeting_on_the_truth_beats_both_rules(world):
    users = np.arange(world.n_users)
    pred = _truth_prediction(world, users)
    truth = true_retention_problem(world, users, target_category=pred.target_category)
    dogs = sleeping_dogs(world, users, pred.target_category)
    table = compare_retention_policies(pred, truth, dogs, budget_shares=(0.25, 1.0), oracle=True)
    assert set(table["policy"]) == {"tiered rule", "target by risk", "target by uplift", "oracle"}
    wide = table.pivot(index="budget", columns="policy", values="true_profit")
    assert (wide["target by uplift"] > wide["tiered rule"]).all()
    assert (wide["target by uplift"] > wide["target by risk"]).all()
    spend = table.pivot(index="budget", columns="policy", values="spend")
    assert (spend["tiered rule"] <= spend.index + 1e-6).all()
    row = retention_policy_value(truth, np.zeros(len(users), int), dogs=dogs)
    assert row["true_profit"] == 0 and row["sleeping_dogs_contacted"] == 0
    b = float(wide.index[0])
    assert retention_policy_value(truth, assign(truth, b).choice, dogs=dogs)["true_profit"] == pytest.approx(
        wide.loc[b, "oracle"]
    )


def test_risk_uplift_table(world):
    users = np.arange(300)
    pred = _truth_prediction(world, users)
    tab = risk_uplift_table(pred, world)
    assert isinstance(tab, pd.DataFrame) and len(tab) == 300
    np.testing.assert_allclose(tab["risk"], tab["true_risk"])
    np.testing.assert_allclose(tab["uplift"], tab["true_uplift"], atol=1e-9)
    assert (tab["sleeping_dog"] == (tab["true_uplift"] < 0)).all()


def test_dog_detection(world):
    users = np.arange(300)
    perfect = _truth_prediction(world, users)  # the exact retention uplift tells every dog apart
    dogs = sleeping_dogs(world, users)
    t = dog_detection(perfect, dogs)
    assert list(t["campaign_id"]) == list(world.campaign_ids[1:])
    np.testing.assert_allclose(t["dog_share"], dogs[:, 1:].mean(0))
    np.testing.assert_allclose(t["predicted_harm_share"], t["dog_share"])
    mixed = t["dog_share"].between(0, 1, inclusive="neither")
    assert mixed.any() and (t.loc[mixed, "auc"] == 1.0).all() and t.loc[~mixed, "auc"].isna().all()
    # a prediction that knows nothing of the users: no better than chance on average
    rng = np.random.default_rng(0)
    noise = _truth_prediction(world, users)
    noise.retain = rng.random(noise.retain.shape)
    assert abs(dog_detection(noise, dogs).loc[mixed, "auc"].mean() - 0.5) < 0.1
    with pytest.raises(ParameterError, match="shape"):
        dog_detection(perfect, dogs[:, 1:])
