"""Budgeted assignment: the Lagrangian plan against HiGHS, known answers, the certificate and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.data import make_world
from campaignkit.design import (
    AssignmentProblem,
    assign,
    constraint_set,
    constraint_usage,
    random_chunks,
    solve_lp,
    solve_milp,
)
from campaignkit.design.dual import dual_pass
from campaignkit.errors import ParameterError
from campaignkit.evaluation import true_problem
from campaignkit.models import Prediction, best_campaign


@pytest.fixture(scope="module")
def world_problem():
    world = make_world(1_000, random_state=3)
    ids = np.arange(world.n_users)
    segment = np.array(["a", "b", "c"], dtype=object)[ids % 3]
    prob = true_problem(world, ids, segment=segment)
    best = prob.value.argmax(axis=1)
    on = prob.value.max(axis=1) > 0
    full = float(prob.spend[np.arange(len(ids)), best][on].astype(np.float64).sum())
    return prob, full


CASES = {
    "budget": dict(frac=0.4),
    "budget_caps": dict(frac=0.6, caps={"flash_sale_30": 20, "cart_reminder": 150}),
    "spend_caps": dict(frac=0.5, spend_caps={"threshold_200_40": 60.0}),
    "coverage": dict(frac=0.3, caps={"percent_20": 25}, min_coverage={"a": 0.9}),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_objective_matches_highs(world_problem, case):
    prob, full = world_problem
    kw = dict(CASES[case])
    budget = kw.pop("frac") * full
    plan = assign(prob, budget, **kw)
    exact = solve_milp(prob, budget, mip_rel_gap=1e-7, **kw)
    cons = constraint_set(prob, budget, kw.get("caps"), kw.get("spend_caps"), kw.get("min_coverage"))
    used = constraint_usage(prob, cons, plan.choice)
    assert np.all(used <= cons.rhs + 1e-6 * np.maximum(np.abs(cons.rhs), 1)), "the plan breaks a limit"
    assert plan.objective <= exact["objective"] * (1 + 1e-6) + 1e-9  # HiGHS is optimal
    assert plan.objective >= exact["objective"] * (1 - 1e-4), (plan.objective, exact["objective"])
    # the certificate: an upper bound on every plan, so on HiGHS's optimum too, and a small gap
    assert plan.bound >= exact["objective"] * (1 - 1e-9)
    assert 0 <= plan.gap <= 1e-4
    # the plan's reported usage is its real usage
    table = plan.constraints
    assert np.allclose(np.where(table["kind"] == "coverage", -table["used"], table["used"]), used)


def test_shadow_prices_match_the_lp(world_problem):
    prob, full = world_problem
    caps = {"flash_sale_30": 20, "cart_reminder": 150}
    plan = assign(prob, 0.6 * full, caps=caps)
    lp = solve_lp(prob, 0.6 * full, caps=caps)
    assert plan.bound == pytest.approx(lp["objective"], rel=1e-5)
    # the budget's price is the LP's; a cap's may differ where the LP's duals are not unique, but then both
    # price vectors give the same dual value
    assert plan.constraints["shadow_price"].iloc[0] == pytest.approx(lp["shadow_prices"][0], abs=2e-3)
    cons = constraint_set(prob, 0.6 * full, caps)
    at_lp = dual_pass(prob, cons, lp["shadow_prices"], exact=True)["value"]
    assert at_lp == pytest.approx(plan.bound, rel=1e-5)
    assert lp["n_fractional"] <= len(caps) + 1  # one budget and K caps: at most K + 1 fractional users


def test_known_answer():
    # three users, two campaigns; budget 3 buys either user 0's c1 (value 5, spend 3) or users 1 and 2's
    # c1 (4 + 3, spend 1 + 2): the second is better; c2 costs too much for everyone
    value = np.array([[5.0, 6.0], [4.0, 4.5], [3.0, 1.0]])
    spend = np.array([[3.0, 10.0], [1.0, 9.0], [2.0, 9.0]])
    prob = AssignmentProblem(value, spend, ("c1", "c2"))
    plan = assign(prob, 3.0)
    assert plan.choice.tolist() == [0, 1, 1]
    assert plan.objective == pytest.approx(7.0)
    assert plan.spend == pytest.approx(3.0)
    # no budget: each user's best positive campaign, as best_campaign chooses
    free = assign(prob)
    assert free.choice.tolist() == best_campaign(np.hstack([np.zeros((3, 1)), value])).tolist()
    assert free.gap == pytest.approx(0.0, abs=1e-12)
    # a user cap of 1 on c1: the best single user of c1 within budget 3 is user 0 (5). On three users the
    # rounding of the LP may miss it, but the certificate must then say so: bound >= 5 >= objective
    capped = assign(prob, 3.0, caps={"c1": 1})
    exact = solve_milp(prob, 3.0, caps={"c1": 1})
    assert exact["objective"] == pytest.approx(5.0)
    assert capped.bound >= 5.0 - 1e-9 >= capped.objective - 2e-9
    assert capped.gap == pytest.approx((capped.bound - capped.objective) / capped.bound)
    assert (capped.choice == 1).sum() <= 1 and capped.spend <= 3.0 + 1e-9


def test_streaming_chunks_equal_one_array():
    chunks = list(random_chunks(6_000, 5, chunk_size=1_000, random_state=1))
    whole = AssignmentProblem(
        np.concatenate([c[0] for c in chunks]),
        np.concatenate([c[1] for c in chunks]),
        [f"c{j}" for j in range(1, 6)],
    )
    streamed = AssignmentProblem.from_chunks(iter(chunks))
    a = assign(whole, 2_000.0, caps={"c3": 300})
    b = assign(streamed, 2_000.0, caps={"c3": 300})
    assert np.array_equal(a.choice, b.choice)
    assert a.objective == pytest.approx(b.objective)


def test_sampled_dual_path_keeps_a_small_certified_gap():
    # more users than the sample: prices come from a sample, then all users
    prob = AssignmentProblem.from_chunks(random_chunks(60_000, 6, chunk_size=20_000, random_state=2))
    plan = assign(prob, 30_000.0, caps={"c2": 2_000}, sample_size=10_000)
    assert plan.info["sample_passes"] > 0
    assert plan.spend <= 30_000.0 * (1 + 1e-9)
    assert plan.gap < 1e-3


def _prediction(n=50, k=3, seed=0, with_std=True):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, k))
    fields = {
        f: np.abs(rng.normal(size=(n, k)))
        for f in ("participate", "convert", "revenue", "discount", "contact")
    }
    fields["discount"][:, 0] = fields["contact"][:, 0] = 0.0
    std = {"profit_uplift": np.abs(rng.normal(size=(n, k))) * 2} if with_std else {}
    return Prediction(
        user_id=np.arange(n), campaign_ids=("control", "a", "b"), profit=base, retain=None, std=std, **fields
    )


def test_risk_setting_uses_the_lower_bound():
    pred = _prediction()
    mean = AssignmentProblem.from_prediction(pred)
    cautious = AssignmentProblem.from_prediction(pred, risk=1.0)
    expected = pred.uplift("profit")[:, 1:] - pred.std["profit_uplift"][:, 1:]
    np.testing.assert_allclose(cautious.value, expected, rtol=1e-6, atol=1e-6)
    assert (assign(cautious).choice > 0).sum() < (assign(mean).choice > 0).sum()
    with pytest.raises(ParameterError, match="ensemble sd"):
        AssignmentProblem.from_prediction(_prediction(with_std=False), risk=1.0)


def test_bad_input_is_refused_before_work():
    prob = AssignmentProblem(
        np.ones((4, 2)), np.ones((4, 2)), ("a", "b"), segment=np.array(["x", "x", "y", "y"])
    )
    with pytest.raises(ParameterError, match="budget must be finite and >= 0"):
        assign(prob, -1.0)
    with pytest.raises(ParameterError, match="unknown campaign 'zz'"):
        assign(prob, 1.0, caps={"zz": 1})
    with pytest.raises(ParameterError, match="unknown segment"):
        assign(prob, 1.0, min_coverage={"nope": 1})
    with pytest.raises(ParameterError, match="caps allow at most 1 users"):
        assign(prob, 10.0, caps={"a": 1, "b": 0}, min_coverage={"x": 2})
    with pytest.raises(ParameterError, match="budget is 1: infeasible"):
        assign(prob, 1.0, min_coverage={"x": 2})
    with pytest.raises(ParameterError, match="segment has 2"):
        assign(prob, 10.0, min_coverage={"y": 3})
    bad = np.ones((4, 2))
    bad[2, 1] = np.nan
    with pytest.raises(ParameterError, match="NaN or infinite"):
        AssignmentProblem(bad, np.ones((4, 2)), ("a", "b"))
    with pytest.raises(ParameterError, match="spend must be >= 0"):
        AssignmentProblem(np.ones((4, 2)), -np.ones((4, 2)), ("a", "b"))


def test_prediction_chunks_equal_the_whole_prediction():
    pred = _prediction(n=90, seed=4)
    whole = AssignmentProblem.from_prediction(pred, risk=0.5)
    chunks = (pred.take(np.arange(lo, min(lo + 25, 90))) for lo in range(0, 90, 25))
    streamed = AssignmentProblem.from_chunks(chunks, risk=0.5, n_users=90)
    np.testing.assert_array_equal(streamed.value, whole.value)
    np.testing.assert_array_equal(streamed.spend, whole.spend)
    assert streamed.campaign_ids == ("a", "b") and np.array_equal(streamed.user_id, pred.user_id)
    with pytest.raises(ParameterError, match="not n_users=100"):
        AssignmentProblem.from_chunks((pred.take(np.arange(10)) for _ in range(1)), n_users=100)
