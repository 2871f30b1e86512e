"""Off-policy values: DR with true outcomes and the paired difference."""

from __future__ import annotations

import numpy as np

from campaignkit.forecast import (
    compare_plans,
    off_policy_values,
)
from tests.forecast._helpers import _plan


def test_dr_with_true_outcomes_and_the_paired_difference(setup):
    world, users, log, a, b = setup
    lg = log.reset_index(drop=True)
    e = world.expected_outcomes(lg["user_id"].to_numpy())
    q = np.asarray(e["profit"])
    plan = _plan(world, lg["user_id"].to_numpy())
    choice = off_policy_values(
        lg, {"plan": plan, "all_reminder": np.full(len(lg), "cart_reminder")}, world.campaign_ids, q_hat=q
    )
    dr = choice[(choice.plan == "plan") & (choice.method == "dr")].iloc[0]
    truth = world.evaluate_plan(plan)
    truth_per_user = (truth["profit"]) / world.n_users
    assert dr["lower"] < truth_per_user < dr["upper"]
    exact_diff = (truth["profit"] - truth["profit_control"]) / world.n_users
    assert dr["diff_lower"] < exact_diff < dr["diff_upper"]
    cmp = compare_plans(lg, plan, np.full(len(lg), "cart_reminder"), world.campaign_ids, q_hat=q)
    assert cmp["se"] < np.hypot(cmp["a_se"], cmp["b_se"])  # pairing removes the shared noise
    assert set(choice["method"]) == {"ips", "snips", "dr"}
