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


def test_profit_is_computed_from_the_catalogue_when_the_log_has_none(setup):
    import pandas as pd
    import pytest

    from campaignkit.errors import ParameterError
    from campaignkit.models.profit import realised_profit

    world, users, log, a, b = setup
    lg = log.reset_index(drop=True).drop(columns="profit")
    plans = {"plan": _plan(world, lg["user_id"].to_numpy())}
    got = off_policy_values(lg, plans, world.catalogue)  # a catalogue in place of the ids
    given = off_policy_values(
        lg.assign(profit=realised_profit(lg, world.catalogue)), plans, world.campaign_ids
    )
    pd.testing.assert_frame_equal(got, given)
    q = np.asarray(world.expected_outcomes(lg["user_id"].to_numpy())["profit"])
    cmp = compare_plans(lg, plans["plan"], np.zeros(len(lg), dtype=int), world.catalogue, q_hat=q)
    assert np.isfinite(cmp["value"])
    with pytest.raises(ParameterError, match="no 'profit' column.*catalogue"):
        off_policy_values(lg, plans, world.campaign_ids)
