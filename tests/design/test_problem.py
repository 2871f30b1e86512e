"""The assignment problem built from a prediction: the risk setting and prediction chunks."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.design import (
    AssignmentProblem,
    assign,
)
from campaignkit.errors import ParameterError
from campaignkit.models import Prediction


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
