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


def _randomised(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 3, n)
    q = rng.normal(size=(n, 3))
    y = q[np.arange(n), a] + rng.normal(size=n)
    return y, a, np.full(n, 1 / 3), q, rng.integers(0, 3, n)


def test_clustered_se_with_one_row_per_group_is_the_unclustered_one_exactly():
    y, a, p, q, pol = _randomised(300)
    singles = np.arange(300)[::-1] * 7  # one row per group, any labels
    for method in ("ips", "snips", "dr"):
        plain = M.policy_value(y, pol, a, propensity=p, method=method, q_hat=q)
        assert M.policy_value(y, pol, a, propensity=p, method=method, q_hat=q, groups=singles) == plain
    plain = M.policy_difference(y, pol, np.zeros(300, int), a, propensity=p, q_hat=q)
    assert M.policy_difference(y, pol, np.zeros(300, int), a, propensity=p, q_hat=q, groups=singles) == plain
    assert policy_values(y, pol, a, propensity=p, q_hat=q, groups=singles) == policy_values(
        y, pol, a, propensity=p, q_hat=q
    )
    assert M.mean_and_se(y, groups=singles) == M.mean_and_se(y) == (y.mean(), y.std(ddof=1) / np.sqrt(300))


def test_clustered_se_by_hand_and_about_sqrt2_on_duplicated_rows():
    v = np.array([1.0, 2.0, 4.0, 0.0, 3.0])
    g = np.array(["a", "a", "b", "c", "c"])
    m = v.mean()
    sums = np.array([3.0 - 2 * m, 4.0 - m, 3.0 - 2 * m])
    assert M.mean_and_se(v, groups=g)[1] == pytest.approx(np.sqrt(3 / 2 * np.sum(sums**2)) / 5)
    # every row twice, the pair one group: the clustered error is the one of the n distinct rows, ~sqrt(2) x naive
    y, a, p, q, pol = _randomised(2000, seed=3)
    twice = {k: np.repeat(x, 2, axis=0) for k, x in {"y": y, "a": a, "p": p, "q": q, "pol": pol}.items()}
    pair = np.repeat(np.arange(2000), 2)
    for method in ("ips", "snips", "dr"):
        once = M.policy_value(y, pol, a, propensity=p, method=method, q_hat=q)
        naive = M.policy_value(
            twice["y"], twice["pol"], twice["a"], propensity=twice["p"], method=method, q_hat=twice["q"]
        )
        clustered = M.policy_value(
            twice["y"],
            twice["pol"],
            twice["a"],
            propensity=twice["p"],
            method=method,
            q_hat=twice["q"],
            groups=pair,
        )
        assert clustered["value"] == pytest.approx(naive["value"])
        assert clustered["se"] / naive["se"] == pytest.approx(np.sqrt(2), rel=0.01), method
        assert clustered["se"] == pytest.approx(once["se"], rel=1e-3), method
    d = M.policy_difference(
        twice["y"], twice["pol"], np.zeros(4000, int), twice["a"], propensity=twice["p"], q_hat=twice["q"]
    )
    dc = M.policy_difference(
        twice["y"],
        twice["pol"],
        np.zeros(4000, int),
        twice["a"],
        propensity=twice["p"],
        q_hat=twice["q"],
        groups=pair,
    )
    for key in ("se", "policy_se", "reference_se"):
        assert dc[key] / d[key] == pytest.approx(np.sqrt(2), rel=0.01)
    with pytest.raises(ParameterError, match="one label per row"):
        M.policy_value(y, pol, a, propensity=p, method="ips", groups=pair)
    with pytest.raises(ParameterError, match="at least 2"):
        M.mean_and_se(v, groups=np.zeros(5))


def test_minimum_detectable_difference_is_the_power_calculation():
    from scipy import stats

    from campaignkit.metrics import minimum_detectable_difference

    assert minimum_detectable_difference(1.0) == pytest.approx(1.959964 + 0.841621, rel=1e-6)
    assert minimum_detectable_difference(0.5, confidence=0.9, power=0.5) == pytest.approx(
        0.5 * stats.norm.ppf(0.95), rel=1e-9
    )
    assert minimum_detectable_difference(0.0) == 0.0
    for bad in (
        {"se": -1.0},
        {"se": float("nan")},
        {"se": 1.0, "power": 1.0},
        {"se": 1.0, "confidence": 0.0},
    ):
        with pytest.raises(ParameterError):
            minimum_detectable_difference(**bad)
