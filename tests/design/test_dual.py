"""The dual pass: shadow prices against the LP, the sampled dual path's certified gap."""

from __future__ import annotations

import pytest

from campaignkit.design import (
    AssignmentProblem,
    assign,
    constraint_set,
    random_chunks,
    solve_lp,
)
from campaignkit.design.dual import dual_pass


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


def test_sampled_dual_path_keeps_a_small_certified_gap():
    # more users than the sample: prices come from a sample, then all users
    prob = AssignmentProblem.from_chunks(random_chunks(60_000, 6, chunk_size=20_000, random_state=2))
    plan = assign(prob, 30_000.0, caps={"c2": 2_000}, sample_size=10_000)
    assert plan.info["sample_passes"] > 0
    assert plan.spend <= 30_000.0 * (1 + 1e-9)
    assert plan.gap < 1e-3
