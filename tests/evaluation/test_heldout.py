"""Models fitted once, scored on held-out rows of a repeated-exposure log: Qini per offer, calibration per offer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.evaluation import heldout_qini, offer_calibration, offer_effects, split_log
from campaignkit.models import Prediction
from tests.evaluation._waves import ARMS, REVENUE_EFFECT, repeated_exposures


def _oracle_prediction(users, scale: float = 1.0) -> Prediction:
    """A prediction whose revenue uplift is the planted one (times ``scale``): mail_a +10 for all, mail_b +30 for
    customers above the median level."""
    level = users["level"].to_numpy()
    high = level > np.median(level)
    n = len(users)
    revenue = np.column_stack([np.zeros(n), np.full(n, 10.0), np.where(high, 30.0, 0.0)]) * scale
    zeros = np.zeros((n, len(ARMS)))
    return Prediction(
        user_id=users["user_id"].to_numpy(),
        campaign_ids=ARMS,
        participate=zeros + 0.2,
        convert=zeros + 0.5,
        revenue=revenue,
        discount=zeros,
        contact=zeros,
        profit=0.35 * revenue,
    )


@pytest.fixture(scope="module")
def waves():
    users, log, cat = repeated_exposures(600)
    _, test = split_log(log, (), seed=0)
    return users, test, cat


def test_heldout_qini_ranks_the_planted_uplift_above_a_random_one(waves):
    users, test, cat = waves
    good = _oracle_prediction(users)
    noise = np.random.default_rng(0).normal(size=good.revenue.shape)
    bad = _oracle_prediction(users)
    bad.revenue[:] = noise
    bad.profit[:] = noise
    q = heldout_qini({"oracle": good, "random": bad}, test, cat, arms="mail_b", outcomes=("revenue", "profit"),
                     n_boot=50, random_state=0)  # fmt: skip
    assert list(q.columns) == ["model", "arm", "outcome", "qini", "ci_low", "ci_high", "n_rows", "n_units"]
    s = q.set_index(["model", "outcome"])
    assert s.loc[("oracle", "revenue"), "qini"] > s.loc[("random", "revenue"), "ci_high"]
    assert (s["ci_low"] <= s["qini"]).all() and (s["qini"] <= s["ci_high"]).all()
    rows = test["campaign_id"].isin(["mail_b", "control"])
    assert s.loc[("oracle", "revenue"), "n_rows"] == rows.sum()
    assert s.loc[("oracle", "revenue"), "n_units"] == test.loc[rows, "unit_id"].nunique()
    none = heldout_qini({"oracle": good}, test, cat, arms="mail_b", n_boot=0)
    assert none["ci_low"].isna().all()


def test_heldout_qini_errors_name_the_arm_and_the_missing_rows(waves):
    users, test, cat = waves
    pred = _oracle_prediction(users)
    with pytest.raises(ParameterError, match="arm 'mail_z'"):
        heldout_qini({"m": pred}, test, cat, arms="mail_z")
    with pytest.raises(ParameterError, match="outcome 'retained'"):
        heldout_qini({"m": pred}, test, cat, arms="mail_a", outcomes="retained")
    some = _oracle_prediction(users.iloc[:10])
    with pytest.raises(ParameterError, match="has no prediction"):
        heldout_qini({"m": some}, test, cat, arms="mail_a", n_boot=0)


def test_offer_calibration_counts_the_offers_whose_prediction_is_inside(waves):
    users, test, cat = waves
    right = offer_calibration(_oracle_prediction(users), test, cat, outcome="revenue")
    assert list(right["offer"]) == ["mail_a", "mail_b"]
    assert right["inside"].all(), right
    measured = offer_effects(test, catalogue=cat, outcomes=("revenue",)).set_index("offer")
    np.testing.assert_allclose(right["measured"], measured.loc[right["offer"], "effect"])
    rows = pd.Index(users["user_id"]).get_indexer(test["user_id"])
    level = users["level"].to_numpy()
    expected_b = 30.0 * (level > np.median(level))[rows].mean()
    assert right.set_index("offer").loc["mail_b", "predicted"] == pytest.approx(expected_b)
    wrong = offer_calibration(_oracle_prediction(users, scale=3.0), test, cat, outcome="revenue")
    assert not wrong["inside"].any()
    assert REVENUE_EFFECT["mail_a"] * 3 == pytest.approx(wrong.set_index("offer").loc["mail_a", "predicted"])
    with pytest.raises(ParameterError, match="outcome 'spend'"):
        offer_calibration(_oracle_prediction(users), test, cat, outcome="spend")
