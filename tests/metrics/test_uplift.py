"""Metrics: hand-computed small cases (always) and agreement with scikit-learn / scikit-uplift."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from campaignkit import metrics as M
from campaignkit.errors import ParameterError

Y4 = np.array([1, 0, 1, 0])
S4 = np.array([0.9, 0.6, 0.4, 0.1])


def test_label_metrics_by_hand():
    # threshold 0.5 -> predictions 1,1,0,0: tp=fp=fn=tn=1
    assert M.accuracy(Y4, S4) == 0.5
    assert M.precision(Y4, S4) == 0.5
    assert M.recall(Y4, S4) == 0.5
    assert M.f1(Y4, S4) == 0.5
    assert M.precision(Y4, S4, threshold=0.95) == 0.0
    assert M.recall(Y4, S4, threshold=0.0) == 1.0


def test_ranking_metrics_by_hand():
    # positive/negative pairs: (.9,.6) (.9,.1) (.4,.1) right, (.4,.6) wrong -> 3/4
    assert M.roc_auc(Y4, S4) == pytest.approx(0.75)
    assert M.roc_auc([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # tie counts a half
    # AP: recall .5 at precision 1, recall 1 at precision 2/3
    assert M.pr_auc(Y4, S4) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_probability_metrics_by_hand():
    assert M.log_loss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    assert M.brier_score([1, 0], [0.8, 0.4]) == pytest.approx((0.04 + 0.16) / 2)
    # bins [0,.5) and [.5,1]: |0-.2| and |1-.9| weighted equally
    assert M.expected_calibration_error([1, 1, 0, 0], [0.9, 0.9, 0.1, 0.3], n_bins=2) == pytest.approx(0.15)
    cc = M.calibration_curve([1, 1, 0, 0], [0.9, 0.9, 0.1, 0.3], n_bins=2)
    np.testing.assert_allclose(cc["mean_predicted"], [0.2, 0.9])
    np.testing.assert_allclose(cc["fraction_positive"], [0.0, 1.0])


def test_classification_agrees_with_sklearn():
    skm = pytest.importorskip("sklearn.metrics")
    from sklearn.calibration import calibration_curve as sk_cal

    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.uniform(size=300).round(2)  # rounding creates ties
        y = (rng.uniform(size=300) < p).astype(int)
        assert M.roc_auc(y, p) == pytest.approx(skm.roc_auc_score(y, p))
        assert M.pr_auc(y, p) == pytest.approx(skm.average_precision_score(y, p))
        assert M.log_loss(y, p) == pytest.approx(skm.log_loss(y, np.clip(p, 1e-12, 1 - 1e-12)))
        assert M.f1(y, p) == pytest.approx(skm.f1_score(y, p >= 0.5))
        assert M.precision(y, p) == pytest.approx(skm.precision_score(y, p >= 0.5))
        assert M.brier_score(y, p) == pytest.approx(skm.brier_score_loss(y, p))
        frac, mean = sk_cal(y, p, n_bins=10)
        cc = M.calibration_curve(y, p, n_bins=10)
        np.testing.assert_allclose(cc["fraction_positive"], frac)
        np.testing.assert_allclose(cc["mean_predicted"], mean)


# Qini/uplift by hand: sorted by score, y = 1,0,1,0 and treatment = 1,0,0,1
YQ, TQ, SQ = np.array([1, 0, 1, 0]), np.array([1, 0, 0, 1]), np.array([4.0, 3.0, 2.0, 1.0])


def test_qini_and_uplift_curves_by_hand():
    x, v = M.qini_curve(YQ, SQ, TQ)
    np.testing.assert_allclose(x, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(v, [0, 1, 1, 0.5, 0])  # Y_t - Y_c * N_t / N_c
    x, v = M.uplift_curve(YQ, SQ, TQ)
    np.testing.assert_allclose(v, [0, 1, 2, 1.5, 0])  # (mean_t - mean_c) * n
    # the top 2 by score: treated mean 1, control mean 0
    assert M.uplift_at_k(YQ, SQ, TQ, k=2) == 1.0


def test_qini_coefficient_extremes():
    rng = np.random.default_rng(1)
    n = 2000
    t = rng.integers(0, 2, n)
    tau = rng.uniform(-0.2, 0.4, n)
    y = (rng.uniform(size=n) < 0.3 + t * tau).astype(int)
    good = M.qini_coefficient(y, tau, t)
    bad = M.qini_coefficient(y, -tau, t)
    assert good > 0.05 > -0.05 > bad
    assert M.qini_coefficient(y, y * t - y * (1 - t), t) == pytest.approx(1.0)


def test_true_qini_coefficient():
    u = np.array([3.0, 1.0, -1.0, -3.0])
    assert M.qini_coefficient_true(u, u) == pytest.approx(1.0)
    assert M.qini_coefficient_true(u, -u) == pytest.approx(-1.0)
    assert M.qini_coefficient_true(u, np.zeros(4)) == pytest.approx(0.0)  # one tie group = random
    # by hand: order 1,3,2,4 -> cumulative 3,2,3,0 (/4) vs perfect 3,4,3,0 (/4); random area 0
    x, v = M.true_qini_curve(u, np.array([4.0, 2.0, 3.0, 1.0]))
    np.testing.assert_allclose(v * 4, [0, 3, 2, 3, 0])
    assert M.qini_coefficient_true(u, np.array([4.0, 2.0, 3.0, 1.0])) == pytest.approx(
        np.trapezoid([0, 3, 2, 3, 0]) / np.trapezoid([0, 3, 4, 3, 0])
    )


def test_uplift_by_decile_intervals_cover_truth():
    rng = np.random.default_rng(2)
    n = 20000
    t = rng.integers(0, 2, n)
    score = rng.uniform(size=n)
    y = (rng.uniform(size=n) < 0.2 + 0.2 * t * score).astype(int)  # true uplift 0.2*score
    table = M.uplift_by_decile(y, score, t, bins=5)
    assert list(table.columns[:5]) == [
        "n_treatment",
        "n_control",
        "response_rate_treatment",
        "response_rate_control",
        "uplift",
    ]
    truth = 0.2 * table["mean_score"]
    inside = (table["ci_low"] <= truth) & (truth <= table["ci_high"])
    assert inside.sum() >= 4
    assert table["uplift"].iloc[0] > table["uplift"].iloc[-1]


def test_uplift_metrics_agree_with_sklift():
    skm = pytest.importorskip("sklift.metrics")
    rng = np.random.default_rng(3)
    for _ in range(5):
        n = 500
        t = rng.integers(0, 2, n)
        s = rng.normal(size=n).round(1)  # ties
        y = (rng.uniform(size=n) < 0.3 + 0.1 * t + 0.1 * t * (s > 0)).astype(int)
        assert M.qini_coefficient(y, s, t) == pytest.approx(skm.qini_auc_score(y, s, t))
        assert M.qini_coefficient(y, s, t, negative_effect=False) == pytest.approx(
            skm.qini_auc_score(y, s, t, negative_effect=False)
        )
        assert M.auuc(y, s, t) == pytest.approx(skm.uplift_auc_score(y, s, t))
        for ours, theirs in ((M.qini_curve, skm.qini_curve), (M.uplift_curve, skm.uplift_curve)):
            xo, vo = ours(y, s, t)
            xs, vs = theirs(y, s, t)
            np.testing.assert_allclose(xo, xs)
            np.testing.assert_allclose(vo, vs)
        for strategy in ("overall", "by_group"):
            assert M.uplift_at_k(y, s, t, k=0.3, strategy=strategy) == pytest.approx(
                skm.uplift_at_k(y, s, t, strategy=strategy, k=0.3)
            )
        theirs = skm.uplift_by_percentile(y, s, t, bins=10, std=True)
        ours = M.uplift_by_decile(y, s, t, bins=10)
        np.testing.assert_allclose(ours["uplift"], theirs["uplift"])
        np.testing.assert_allclose(ours["n_treatment"], theirs["n_treatment"])
        np.testing.assert_allclose(ours["se"], theirs["std_uplift"])


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


def test_input_errors():
    with pytest.raises(ParameterError):
        M.roc_auc([1, 1], [0.2, 0.3])
    with pytest.raises(ParameterError):
        M.qini_curve([1, 0], [0.1, 0.2, 0.3], [1, 0])
    with pytest.raises(ParameterError):
        M.qini_curve([1, 0], [0.1, np.nan], [1, 0])
    with pytest.raises(ParameterError):
        M.uplift_at_k(YQ, SQ, TQ, k=1.5)


def test_plots_draw_the_computed_numbers():
    rng = np.random.default_rng(5)
    n = 400
    t = rng.integers(0, 2, n)
    s = rng.normal(size=n)
    y = (rng.uniform(size=n) < 0.3).astype(int)
    p = rng.uniform(size=n)
    import matplotlib.pyplot as plt

    def line(ax, i):
        return tuple(np.asarray(a, float) for a in ax.lines[i].get_data())

    ax = M.plot_qini(y, s, t)
    assert isinstance(ax, matplotlib.axes.Axes)
    np.testing.assert_allclose(line(ax, 0), M.qini_curve(y, s, t))
    x, v = M.qini_curve(y, s, t)
    np.testing.assert_allclose(line(ax, 1), ([0, x[-1]], [0, v[-1]]))
    np.testing.assert_allclose(line(ax, 2), M.perfect_qini_curve(y, t))
    np.testing.assert_allclose(line(M.plot_uplift_curve(y, s, t), 0), M.uplift_curve(y, s, t))
    ax = M.plot_true_qini(s, {"a": s, "b": -s})
    np.testing.assert_allclose(line(ax, 0), M.true_qini_curve(s, s))
    np.testing.assert_allclose(line(ax, 1), M.true_qini_curve(s, -s))
    cc = M.calibration_curve(y, p)
    np.testing.assert_allclose(
        line(M.plot_calibration(y, {"p": p}), 0), (cc["mean_predicted"], cc["fraction_positive"])
    )
    table = M.uplift_by_decile(y, s, t)
    np.testing.assert_allclose(line(M.plot_uplift_by_decile(y, s, t), 0), (table.index, table["uplift"]))
    ax = M.plot_training_curves(pd.DataFrame({"epoch": [0, 1], "train/loss": [1.0, 0.5]}))
    np.testing.assert_allclose(line(ax, 0), ([0, 1], [1.0, 0.5]))
    ax = M.plot_policy_values({"a": {"value": 1.0, "se": 0.1}, "b": 0.5}, oracle=1.2)
    assert [b.get_width() for b in ax.patches] == [1.0, 0.5]
    plt.close("all")
