"""Policy values: IPS, SNIPS and DR by hand and against a randomised log's truth."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit import metrics as M
from campaignkit.errors import ParameterError
from campaignkit.metrics import policy_values


def test_policy_value_by_hand():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    a = np.array([0, 1, 0, 1])
    p = np.full(4, 0.5)
    always1 = np.ones(4, dtype=int)
    # weights 0,2,0,2 -> IPS (4 + 8) / 4 = 3, SNIPS 12 / 4 = 3
    assert M.policy_value(y, always1, a, propensity=p, method="ips")["value"] == pytest.approx(3.0)
    assert M.policy_value(y, always1, a, propensity=p, method="snips")["value"] == pytest.approx(3.0)
    q = np.full((4, 2), 3.0)
    dr = M.policy_value(y, always1, a, propensity=p, method="dr", q_hat=q)
    # terms 3 + w (y - 3) = 3, 1, 3, 5
    assert dr["value"] == pytest.approx(3.0)
    assert dr["se"] == pytest.approx(np.std([3, 1, 3, 5], ddof=1) / 2)
    # string arms and a probability policy give the same answer
    labels = np.array(["control", "coupon"])
    v = M.policy_value(y, labels[always1], labels[a], propensity=p, method="ips", arms=list(labels))
    assert v["value"] == pytest.approx(3.0)
    probs = np.tile([0.0, 1.0], (4, 1))
    assert M.policy_value(y, probs, a, propensity=p, method="ips")["value"] == pytest.approx(3.0)
    with pytest.raises(ParameterError):
        M.policy_value(y, always1, a, propensity=p, method="dr")
    with pytest.raises(ParameterError):
        M.policy_value(y, always1, a, propensity=np.zeros(4), method="ips")


def test_policy_value_recovers_truth_on_a_randomised_log():
    rng = np.random.default_rng(4)
    n, k = 40000, 3
    x = rng.uniform(size=n)
    means = np.stack([np.zeros(n), 2 * x - 0.5, 1 - 2 * x], axis=1)
    a = rng.integers(0, k, n)
    y = means[np.arange(n), a] + rng.normal(size=n)
    pol = means.argmax(axis=1)
    truth = means.max(axis=1).mean()
    prop = np.full(n, 1 / k)
    noisy_q = means + rng.normal(0, 0.3, size=means.shape)
    for method in ("ips", "snips", "dr"):
        r = M.policy_value(y, pol, a, propensity=prop, method=method, q_hat=noisy_q)
        assert abs(r["value"] - truth) < 4 * r["se"], (method, r, truth)
    ips = M.policy_value(y, pol, a, propensity=prop, method="ips")
    dr = M.policy_value(y, pol, a, propensity=prop, method="dr", q_hat=means)
    assert dr["se"] < ips["se"]  # a good outcome model reduces variance
    assert M.direct_method_value(pol, means) == pytest.approx(truth)


def test_fast_label_policy_equals_the_probability_matrix():
    rng = np.random.default_rng(0)
    n, k = 5000, 4
    a = rng.integers(0, k, n)
    y = rng.normal(size=n) + a
    q = rng.normal(size=(n, k))
    pol = rng.integers(0, k, n)
    p = np.full(n, 1 / k)
    labels = policy_values(y, pol, a, propensity=p, q_hat=q, arms=range(k))
    matrix = policy_values(y, np.eye(k)[pol], a, propensity=p, q_hat=q, arms=range(k))
    for m in ("ips", "snips", "dr"):
        assert labels[m]["value"] == pytest.approx(matrix[m]["value"])
        assert labels[m]["se"] == pytest.approx(matrix[m]["se"])
