"""Scoring against the world's truth: the helpers by hand, one truth in three units, the oracle on top."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.data import make_world
from campaignkit.design import assign
from campaignkit.errors import ParameterError
from campaignkit.evaluation import (
    category_top_k_accuracy,
    mean_true_qini,
    oracle_choice,
    oracle_target,
    true_problem,
    true_value_mean,
    true_value_per_user,
    true_value_total,
)


def test_evaluation_helpers_by_hand():
    interest = np.array([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.2, 0.3, 0.5]])  # truth: 1, 0, 2
    scores = np.array([[0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.5, 0.1, 0.4]])  # top-1: 1, 2, 0
    assert category_top_k_accuracy(interest, scores, 1) == pytest.approx(1 / 3)
    assert category_top_k_accuracy(interest, scores, 2) == pytest.approx(2 / 3)  # top-2: {1,2} {2,1} {0,2}
    assert category_top_k_accuracy(interest, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    truth = np.array([[0.0, 3.0, 1.0], [0.0, 1.0, 1.0], [0.0, -1.0, 1.0], [0.0, -3.0, 1.0]])
    # column 1 ranked perfectly; column 2 has no ranking to get right and is skipped
    assert mean_true_qini(truth, truth) == pytest.approx(1.0)
    assert mean_true_qini(truth, -truth) == pytest.approx(-1.0)


def test_one_truth_in_three_units_and_the_oracle_on_top():
    world = make_world(600, random_state=7)
    ids = np.arange(world.n_users)
    choice = np.random.default_rng(0).integers(0, len(world.campaign_ids), len(ids))
    per_user = true_value_per_user(world, ids, choice)
    mean = true_value_mean(world, ids, choice)
    total = true_value_total(world, ids, choice)
    assert mean["incremental_profit"] == pytest.approx(per_user["incremental_profit"].mean())
    assert total["incremental_profit"] == pytest.approx(per_user["incremental_profit"].sum(), rel=1e-5)
    assert mean["reach"] == total["reach"] == pytest.approx(np.mean(choice > 0))
    assert (per_user["incremental_profit"][choice == 0] == 0).all()
    # the unbudgeted oracle beats the random choice, and the budgeted oracle solves the exact problem
    oracle, target = oracle_choice(world, ids)
    np.testing.assert_array_equal(target, oracle_target(world, ids))
    best = true_value_mean(world, ids, oracle, target)["incremental_profit"]
    assert best >= mean["incremental_profit"]
    plan = assign(true_problem(world, ids, target), total["spend"])
    assert (
        true_value_total(world, ids, plan.choice, target)["incremental_profit"] >= total["incremental_profit"]
    )
    with pytest.raises(ParameterError, match="choice must have shape"):
        true_value_total(world, ids, choice[:-1])
