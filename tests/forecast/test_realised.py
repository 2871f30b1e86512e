"""Realised lift: the measured effect of a plan against the exact effect."""

from __future__ import annotations

import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.forecast import (
    crossfit,
    forecast_check,
    forecast_plan,
    realised_lift,
)
from tests.forecast._helpers import WorldModel, _plan


def test_realised_lift_measures_the_exact_effect_within_its_interval(setup):
    world, users, log, a, b = setup
    plan = _plan(world, b)
    exact = world.evaluate_plan(plan)
    run = world.run_plan(plan, holdout=0.3, random_state=11)
    real = realised_lift(run, confidence=0.99)
    total = real[real["campaign_id"] == "all"].set_index("metric")
    for metric in ("incremental_profit", "incremental_revenue", "participants"):
        assert total.loc[metric, "lower"] < exact[metric] < total.loc[metric, "upper"], metric
    with pytest.raises(ParameterError, match="holdout"):
        realised_lift(world.run_plan(plan, holdout=0.0, random_state=1))
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], log[log.user_id.isin(a)], world.catalogue)
    check = forecast_check(forecast_plan(cf, users[users.user_id.isin(b)], plan, holdout=0.3), real, exact)
    assert set(check.columns) >= {"forecast", "realised", "exact", "rel_error", "inside"}


def test_realised_lift_copes_with_tiny_campaigns():
    run = pd.DataFrame(
        {
            "campaign_id": ["a"] * 6 + ["b"] * 2 + ["c"],
            "holdout": [False, False, False, True, True, True, False, True, True],
            "profit": [3.0, 4.0, 5.0, 1.0, 2.0, 0.0, 7.0, 1.0, 9.0],
        }
    )
    real = realised_lift(run).set_index(["campaign_id", "metric"])
    assert real.loc[("a", "incremental_profit"), "value"] == pytest.approx(6 * (4.0 - 1.0))
    assert bool(real.loc[("b", "incremental_profit"), "pooled_holdout"])  # one held-out user: pooled holdout
    assert real.loc[("c", "incremental_profit"), "value"] == 0.0  # all held out: nothing measured
