"""Budgeted assignment: the Lagrangian plan against HiGHS, known answers, the certificate and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.design import (
    AssignmentProblem,
    assign,
    constraint_set,
    constraint_usage,
    random_chunks,
    solve_milp,
)
from campaignkit.errors import ParameterError
from campaignkit.models import best_campaign

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
