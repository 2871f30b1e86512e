"""Classification metrics: hand-computed small cases and agreement with scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from campaignkit import metrics as M

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
