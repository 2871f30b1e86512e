"""Plain classification and calibration metrics, signature ``metric(y_true, score, *, ...)``.

Implemented in numpy so that each is checkable by hand on small cases; tests compare them with
scikit-learn on random inputs.
"""

from __future__ import annotations

import numpy as np

from campaignkit.errors import ParameterError
from campaignkit.metrics._checks import as_1d, binary, probability, same_length

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
]


def _labels(y_true, score, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    y = binary("y_true", as_1d("y_true", y_true))
    s = as_1d("score", score)
    same_length(y_true=y, score=s)
    return y, (s >= threshold).astype(int)


def _confusion(y_true, score, threshold: float) -> tuple[int, int, int, int]:
    y, yhat = _labels(y_true, score, threshold)
    tp = int(np.sum((y == 1) & (yhat == 1)))
    fp = int(np.sum((y == 0) & (yhat == 1)))
    fn = int(np.sum((y == 1) & (yhat == 0)))
    tn = int(np.sum((y == 0) & (yhat == 0)))
    return tp, fp, fn, tn


def accuracy(y_true, score, *, threshold: float = 0.5) -> float:
    """Share of correct labels when ``score >= threshold`` predicts 1.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of scores or probabilities.
        threshold: Decision threshold.

    Returns:
        Accuracy in [0, 1].
    """
    tp, fp, fn, tn = _confusion(y_true, score, threshold)
    return (tp + tn) / (tp + fp + fn + tn)


def precision(y_true, score, *, threshold: float = 0.5) -> float:
    """Precision ``tp / (tp + fp)``; 0 when nothing is predicted positive.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of scores.
        threshold: Decision threshold.

    Returns:
        Precision in [0, 1].
    """
    tp, fp, _, _ = _confusion(y_true, score, threshold)
    return tp / (tp + fp) if tp + fp else 0.0


def recall(y_true, score, *, threshold: float = 0.5) -> float:
    """Recall ``tp / (tp + fn)``; 0 when there are no positives.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of scores.
        threshold: Decision threshold.

    Returns:
        Recall in [0, 1].
    """
    tp, _, fn, _ = _confusion(y_true, score, threshold)
    return tp / (tp + fn) if tp + fn else 0.0


def f1(y_true, score, *, threshold: float = 0.5) -> float:
    """Harmonic mean of precision and recall (``2tp / (2tp + fp + fn)``).

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of scores.
        threshold: Decision threshold.

    Returns:
        F1 in [0, 1].
    """
    tp, fp, fn, _ = _confusion(y_true, score, threshold)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def roc_auc(y_true, score) -> float:
    """Area under the ROC curve as the Mann-Whitney probability (ties count one half).

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes, both classes present.
        score: Array of shape (n,) of scores.

    Returns:
        ROC-AUC in [0, 1].

    Raises:
        ParameterError: If only one class is present.
    """
    y = binary("y_true", as_1d("y_true", y_true))
    s = as_1d("score", score)
    same_length(y_true=y, score=s)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ParameterError("roc_auc needs both classes in y_true")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=float)
    sorted_s = s[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def pr_auc(y_true, score) -> float:
    """Area under the precision-recall curve as average precision (step-wise, as scikit-learn).

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes with at least one positive.
        score: Array of shape (n,) of scores.

    Returns:
        Average precision in [0, 1].
    """
    y = binary("y_true", as_1d("y_true", y_true))
    s = as_1d("score", score)
    same_length(y_true=y, score=s)
    if y.sum() == 0:
        raise ParameterError("pr_auc needs at least one positive in y_true")
    order = np.argsort(-s, kind="mergesort")
    y_sorted, s_sorted = y[order], s[order]
    last_of_tie = np.r_[np.where(np.diff(s_sorted))[0], len(s) - 1]
    tp = np.cumsum(y_sorted)[last_of_tie]
    n_pred = last_of_tie + 1
    prec = tp / n_pred
    rec = tp / y.sum()
    rec_prev = np.r_[0.0, rec[:-1]]
    return float(np.sum((rec - rec_prev) * prec))


def log_loss(y_true, score, *, eps: float = 1e-12) -> float:
    """Mean negative log-likelihood of 0/1 outcomes under probabilities ``score``.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of probabilities in [0, 1] (clipped to [eps, 1 - eps]).
        eps: Clipping constant.

    Returns:
        Log loss (natural log), >= 0.
    """
    y = binary("y_true", as_1d("y_true", y_true))
    p = probability("score", as_1d("score", score))
    same_length(y_true=y, score=p)
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier_score(y_true, score) -> float:
    """Mean squared difference between 0/1 outcomes and probabilities.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of probabilities.

    Returns:
        Brier score in [0, 1].
    """
    y = binary("y_true", as_1d("y_true", y_true))
    p = probability("score", as_1d("score", score))
    same_length(y_true=y, score=p)
    return float(np.mean((p - y) ** 2))


def calibration_curve(y_true, score, *, n_bins: int = 10, strategy: str = "uniform") -> dict:
    """Reliability curve: mean predicted probability vs observed frequency per bin.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of probabilities.
        n_bins: Number of bins.
        strategy: ``"uniform"`` (equal-width bins on [0, 1]) or ``"quantile"`` (equal-count bins).

    Returns:
        Dict of arrays of shape (n_nonempty_bins,): ``mean_predicted``, ``fraction_positive``, ``count``.
    """
    y = binary("y_true", as_1d("y_true", y_true))
    p = probability("score", as_1d("score", score))
    same_length(y_true=y, score=p)
    if n_bins < 1:
        raise ParameterError("n_bins must be >= 1")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(p, np.linspace(0.0, 1.0, n_bins + 1))
    else:
        raise ParameterError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")
    idx = np.clip(np.searchsorted(edges[1:-1], p, side="left"), 0, n_bins - 1)  # (a, b] bins, as sklearn
    count = np.bincount(idx, minlength=n_bins)
    sum_p = np.bincount(idx, weights=p, minlength=n_bins)
    sum_y = np.bincount(idx, weights=y, minlength=n_bins)
    keep = count > 0
    return {
        "mean_predicted": sum_p[keep] / count[keep],
        "fraction_positive": sum_y[keep] / count[keep],
        "count": count[keep],
    }


def expected_calibration_error(y_true, score, *, n_bins: int = 10) -> float:
    """Expected calibration error: count-weighted mean |observed - predicted| over uniform bins.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of probabilities.
        n_bins: Number of equal-width bins.

    Returns:
        ECE in [0, 1].
    """
    cc = calibration_curve(y_true, score, n_bins=n_bins)
    w = cc["count"] / cc["count"].sum()
    return float(np.sum(w * np.abs(cc["fraction_positive"] - cc["mean_predicted"])))


def classification_summary(y_true, score, *, threshold: float = 0.5) -> dict:
    """All plain classification metrics at once.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        score: Array of shape (n,) of probabilities.
        threshold: Decision threshold for the label metrics.

    Returns:
        Dict of floats: accuracy, precision, recall, f1, roc_auc, pr_auc, log_loss, brier, ece.
    """
    return {
        "accuracy": accuracy(y_true, score, threshold=threshold),
        "precision": precision(y_true, score, threshold=threshold),
        "recall": recall(y_true, score, threshold=threshold),
        "f1": f1(y_true, score, threshold=threshold),
        "roc_auc": roc_auc(y_true, score),
        "pr_auc": pr_auc(y_true, score),
        "log_loss": log_loss(y_true, score),
        "brier": brier_score(y_true, score),
        "ece": expected_calibration_error(y_true, score),
    }
