"""Metrics: classification and calibration, uplift (Qini/AUUC), arm effects, and off-policy value.

One signature everywhere: ``metric(y_true, score, treatment, *, ...)``; plain classification metrics
omit ``treatment``; :func:`difference_in_means` (an arm's average effect) omits ``score``. Plots live in
:mod:`campaignkit.metrics.plots`, take ``ax=None`` and return the Axes.
"""

from campaignkit.metrics.bootstrap import BootstrapInterval, bootstrap_interval
from campaignkit.metrics.classification import (
    accuracy,
    brier_score,
    calibration_curve,
    classification_summary,
    expected_calibration_error,
    f1,
    log_loss,
    pr_auc,
    precision,
    recall,
    roc_auc,
)
from campaignkit.metrics.effects import DifferenceInMeans, difference_in_means
from campaignkit.metrics.plots import (
    plot_calibration,
    plot_policy_values,
    plot_qini,
    plot_training_curves,
    plot_true_qini,
    plot_uplift_by_decile,
    plot_uplift_curve,
)
from campaignkit.metrics.policy import (
    direct_method_value,
    dr_scores,
    policy_difference,
    policy_value,
    policy_values,
)
from campaignkit.metrics.uplift import (
    auuc,
    perfect_qini_curve,
    perfect_uplift_curve,
    qini_coefficient,
    qini_coefficient_true,
    qini_curve,
    true_qini_curve,
    uplift_at_k,
    uplift_by_decile,
    uplift_curve,
)

__all__ = [
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "pr_auc",
    "log_loss",
    "brier_score",
    "calibration_curve",
    "expected_calibration_error",
    "classification_summary",
    "uplift_curve",
    "qini_curve",
    "perfect_uplift_curve",
    "perfect_qini_curve",
    "qini_coefficient",
    "auuc",
    "uplift_at_k",
    "uplift_by_decile",
    "true_qini_curve",
    "qini_coefficient_true",
    "difference_in_means",
    "DifferenceInMeans",
    "policy_value",
    "policy_values",
    "policy_difference",
    "dr_scores",
    "direct_method_value",
    "bootstrap_interval",
    "BootstrapInterval",
    "plot_qini",
    "plot_uplift_curve",
    "plot_true_qini",
    "plot_calibration",
    "plot_uplift_by_decile",
    "plot_training_curves",
    "plot_policy_values",
]
