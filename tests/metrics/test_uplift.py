"""Uplift metrics: Qini and uplift curves, uplift by decile; hand-computed small cases and agreement with
scikit-uplift."""

from __future__ import annotations

import math

import numpy as np
import pytest

from campaignkit import metrics as M
from campaignkit.errors import ParameterError
from campaignkit.metrics import uplift_by_decile

Z90 = 1.6448536269514722  # normal 0.95 quantile


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


def test_input_errors():
    with pytest.raises(ParameterError):
        M.roc_auc([1, 1], [0.2, 0.3])
    with pytest.raises(ParameterError):
        M.qini_curve([1, 0], [0.1, 0.2, 0.3], [1, 0])
    with pytest.raises(ParameterError):
        M.qini_curve([1, 0], [0.1, np.nan], [1, 0])
    with pytest.raises(ParameterError):
        M.uplift_at_k(YQ, SQ, TQ, k=1.5)


def test_uplift_by_decile_uses_plugin_variance_and_keeps_one_arm_bins():
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    score = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    t = np.array([1, 1, 0, 1, 0, 0])  # bins (top first): treated only; one of each; control only
    table = uplift_by_decile(y, score, t, bins=3)
    assert table["n_treatment"].tolist() == [2, 1, 0] and table["n_control"].tolist() == [0, 1, 2]
    assert table.loc[1, "response_rate_treatment"] == 0.5 and math.isnan(
        table.loc[1, "response_rate_control"]
    )
    assert table.loc[3, "response_rate_control"] == 1.0 and math.isnan(
        table.loc[3, "response_rate_treatment"]
    )
    for b in (1, 3):
        assert table.loc[b, ["uplift", "se", "ci_low", "ci_high"]].isna().all()
    # bin 2: treated 0, control 1 -> uplift -1; one row each and ddof=0 -> se 0, a zero-width interval
    assert table.loc[2, ["uplift", "se", "ci_low", "ci_high"]].tolist() == [-1.0, 0.0, -1.0, -1.0]
    with pytest.raises(ParameterError, match="confidence"):
        uplift_by_decile(y, score, t, bins=3, confidence=1.5)


def test_uplift_by_decile_matches_the_old_inline_formula():
    rng = np.random.default_rng(1)
    n = 400
    t, s = rng.integers(0, 2, n), rng.normal(size=n).round(1)
    y = (rng.uniform(size=n) < 0.3 + 0.1 * t).astype(float)
    table = uplift_by_decile(y, s, t, bins=8, confidence=0.9)
    order = np.argsort(s, kind="mergesort")[::-1]
    for b, part in enumerate(np.array_split(order, 8), start=1):
        yt, yc = y[part][t[part] == 1], y[part][t[part] == 0]
        se = np.sqrt(yt.var() / len(yt) + yc.var() / len(yc))
        assert table.loc[b, "uplift"] == yt.mean() - yc.mean()
        assert table.loc[b, "se"] == se
        assert table.loc[b, "ci_low"] == yt.mean() - yc.mean() - Z90 * se
