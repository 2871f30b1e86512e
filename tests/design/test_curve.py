"""The profit-versus-budget curve: exact LP points, its truth, its DR estimate; plans at a budget on the truth."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.data import make_world
from campaignkit.design import (
    assign,
    blanket_at_budget,
    budget_curve,
    curve_dr,
    curve_true_value,
    fit_to_budget,
    solve_lp,
)
from campaignkit.errors import ParameterError
from campaignkit.evaluation import oracle_target, true_problem, true_value_total


@pytest.fixture(scope="module")
def world():
    return make_world(1_200, random_state=5)


@pytest.fixture(scope="module")
def truth(world):
    return true_problem(world, np.arange(world.n_users))


def test_curve_points_are_lp_optimal_and_end_at_the_unconstrained_best(truth):
    curve = budget_curve(truth, n_points=30)
    t = curve.table
    assert np.all(np.diff(t["spend"]) >= -1e-9) and np.all(np.diff(t["incremental_profit"]) >= -1e-6)
    ret = t["marginal_return"].dropna().to_numpy()
    assert np.all(np.diff(ret) <= 1e-6), "marginal returns must fall along an optimal path"
    assert t["incremental_profit"].iloc[-1] == pytest.approx(
        float(np.clip(truth.value.max(1), 0, None).sum()), rel=1e-6
    )
    for i in (5, 15, 25):  # a point is the LP (and integer) optimum for the budget it spends
        lp = solve_lp(truth, float(t["spend"].iloc[i]))
        assert t["incremental_profit"].iloc[i] == pytest.approx(lp["objective"], rel=1e-6, abs=1e-6)
    assert set(t["marginal_campaign"]) - {""} <= set(truth.campaign_ids)


def test_curve_at_budgets_with_caps_uses_the_optimiser(truth):
    free = float(np.clip(truth.value.max(1), 0, None).sum())
    curve = budget_curve(truth, budgets=[10.0, 50.0, 200.0], caps={"cart_reminder": 100})
    t = curve.table
    assert np.all(t["spend"] <= t["budget"] * (1 + 1e-9))
    assert np.all(np.diff(t["incremental_profit"]) >= -1e-9) and t["incremental_profit"].max() <= free
    assert np.all((curve.choices == truth.campaign_ids.index("cart_reminder") + 1).sum(axis=1) <= 100)
    with pytest.raises(ParameterError, match="explicit budgets"):
        budget_curve(truth, caps={"cart_reminder": 100})


def test_curve_on_its_own_truth_is_itself(truth):
    curve = budget_curve(truth, n_points=10)
    val = curve_true_value(curve, truth)
    np.testing.assert_allclose(val["true_incremental_profit"], curve.table["incremental_profit"], rtol=1e-6)
    np.testing.assert_allclose(val["true_spend"], curve.table["spend"], rtol=1e-6)


def test_dr_estimate_covers_the_truth(world, truth):
    log = world.log_randomised(random_state=7)
    e = world.expected_outcomes(log["user_id"].to_numpy())
    curve = budget_curve(truth, n_points=8)
    dr = curve_dr(curve, log, e["profit"], world.catalogue)
    val = curve_true_value(curve, truth)
    z = (dr["dr_incremental_profit"] - val["true_incremental_profit"]) / dr["dr_se"].where(
        dr["dr_se"] > 0, np.inf
    )
    assert np.all(np.abs(z) < 4.0), z.to_numpy()
    assert (dr["dr_se"].iloc[1:] > 0).all()


def test_rules_and_blanket_fit_the_budget(world, truth):
    n = world.n_users
    spend = np.hstack([np.zeros((n, 1)), truth.spend])
    choice = np.full(n, truth.campaign_ids.index("flash_sale_30") + 1)
    cut = fit_to_budget(choice, -np.arange(n), spend, 30.0)
    kept = np.flatnonzero(cut > 0)
    assert spend[kept, cut[kept]].sum() <= 30.0 + 1e-9 and kept.tolist() == list(range(len(kept)))
    blanket, cid = blanket_at_budget(truth, 30.0)
    val = true_value_total(world, np.arange(n), blanket)
    assert val["spend"] <= 30.0 + 1e-6 and cid in truth.campaign_ids
    # the oracle at the same budget earns at least as much as any of them, on the truth
    oracle = true_problem(world, np.arange(n), oracle_target(world, np.arange(n)))
    best = true_value_total(world, np.arange(n), assign(oracle, 30.0).choice, oracle.target_category)
    assert best["incremental_profit"] >= val["incremental_profit"] - 1e-9
    assert (
        best["incremental_profit"] >= true_value_total(world, np.arange(n), cut)["incremental_profit"] - 1e-9
    )
    with pytest.raises(ParameterError, match="budget must be >= 0"):
        fit_to_budget(choice, np.zeros(n), spend, -1.0)
