"""Segments, profiles with small-group suppression, and campaign parameters against the world's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from campaignkit.data import make_world
from campaignkit.data.world.plans import observed_rfm
from campaignkit.design import (
    Personas,
    choose_parameters,
    churn_risk_tiers,
    parameter_regret,
    plan_by_segment,
    segment_profile,
    threshold_grid,
    unseen_config_regret,
    value_tiers,
    world_with_catalogue,
)
from campaignkit.errors import ParameterError
from campaignkit.models import Prediction


@pytest.fixture(scope="module")
def world():
    return make_world(1_000, random_state=11)


def _truth_prediction(world, catalogue=None, retain=True):
    """A 'model' that predicts the world's exact expectations (a known answer)."""
    w = world if catalogue is None else world_with_catalogue(world, catalogue)
    e = w.expected_outcomes()
    return Prediction(
        user_id=np.arange(w.n_users),
        campaign_ids=w.campaign_ids,
        participate=e["participate"],
        convert=e["convert"],
        revenue=e["revenue"],
        discount=e["discount_cost"],
        profit=e["profit"],
        contact=e["contact_cost"],
        retain=e["retain"] if retain else None,
    )


def test_value_tiers_follow_rfm(world):
    rfm = observed_rfm(world)
    tiers = value_tiers(rfm)
    share = pd.Series(tiers).value_counts(normalize=True)
    assert share["high"] == pytest.approx(0.2, abs=0.01) and share["middle"] == pytest.approx(0.3, abs=0.01)
    mon = rfm["monetary"].groupby(tiers).mean()
    assert mon["high"] > mon["middle"] > mon["low"]
    with pytest.raises(ParameterError, match="needs feature column"):
        value_tiers(rfm.drop(columns="frequency"))


def test_churn_risk_tiers_from_retention_or_recency(world):
    pred = _truth_prediction(world)
    tiers, source = churn_risk_tiers(pred)
    assert source == "retain"
    keep = pd.Series(pred.retain[:, 0]).groupby(tiers).mean()
    assert keep["high"] < keep["medium"] < keep["low"]
    tiers2, source2 = churn_risk_tiers(_truth_prediction(world, retain=False), observed_rfm(world))
    assert source2 == "recency_days" and set(tiers2) == {"high", "medium", "low"}
    with pytest.raises(ParameterError, match="recency fallback"):
        churn_risk_tiers(_truth_prediction(world, retain=False))


def test_personas_are_an_estimator(world):
    rfm = observed_rfm(world)
    est = Personas(3, columns=["recency_days", "frequency", "monetary", "n_views"], random_state=0)
    assert clone(est).get_params() == est.get_params()
    a = est.fit_predict(rfm)
    b = clone(est).fit(rfm).predict(rfm)
    assert np.array_equal(a, b) and len(set(a)) == 3 and hasattr(est, "kmeans_")


def test_profiles_suppress_small_segments(world):
    pred = _truth_prediction(world)
    seg = np.where(np.arange(world.n_users) < 10, "tiny", "big")
    prof = segment_profile(seg, pred, observed_rfm(world), min_size=20)
    assert prof.loc["tiny", "suppressed"] and np.isnan(prof.loc["tiny", "best_uplift"])
    assert pd.isna(prof.loc["tiny", "best_campaign"])
    big = pred.uplift("profit")[10:, 1:].mean(axis=0)
    assert prof.loc["big", "best_uplift"] == pytest.approx(big.max())
    choice = np.zeros(world.n_users, int)
    choice[::2] = 3
    table = plan_by_segment(choice, seg, pred.campaign_ids, min_size=20)
    assert table.loc["big", "reach"] == pytest.approx(0.5, abs=0.01) and table.loc["tiny", "suppressed"]


def test_parameter_grid_and_a_perfect_model_has_no_regret(world):
    grid = threshold_grid(thresholds=(50.0, 150.0), depths=(0.1, 0.2))
    assert len(grid) == 5 and np.allclose(grid["amount"][1:], grid["depth"][1:] * grid["threshold"][1:])
    # the same world with another catalogue: its default rows score as the world does
    same = world_with_catalogue(world, world.catalogue)
    np.testing.assert_allclose(same.expected_outcomes()["profit"], world.expected_outcomes()["profit"])
    later = world.advance(random_state=1)  # ... and a world that has moved on stays in its period
    moved = world_with_catalogue(later, grid)
    assert (
        (moved.period, moved.base_history_days)
        == (later.period, later.base_history_days)
        == (1, world.history_days)
    )
    np.testing.assert_allclose(
        moved.expected_outcomes(campaign_ids=["control"])["profit"],
        later.expected_outcomes(campaign_ids=["control"])["profit"],
    )
    seg = value_tiers(observed_rfm(world))
    chosen = choose_parameters(_truth_prediction(world, grid), seg, seen_catalogue=world.catalogue, grid=grid)
    assert not chosen["in_log"].any()  # none of these four configurations is in the default catalogue
    regret = parameter_regret(world, np.arange(world.n_users), seg, grid, chosen)
    assert (regret["chosen"] == regret["best"]).all() and unseen_config_regret(regret) == 0.0
    # a model that always picks the worst grid point has positive regret
    worst = chosen.copy()
    e = world_with_catalogue(world, grid).expected_outcomes()["profit"][:, 1:]
    worst["chosen"] = pd.DataFrame(e, columns=grid["campaign_id"][1:]).groupby(seg).mean().idxmin(axis=1)
    assert unseen_config_regret(parameter_regret(world, np.arange(world.n_users), seg, grid, worst)) > 0
