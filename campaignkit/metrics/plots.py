"""Plots of the metrics: each takes ``ax=None`` and returns the Axes; nothing here calls ``plt.show()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from campaignkit._helpers import axes
from campaignkit.metrics.classification import calibration_curve
from campaignkit.metrics.uplift import (
    perfect_qini_curve,
    qini_curve,
    true_qini_curve,
    uplift_by_decile,
    uplift_curve,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_qini",
    "plot_uplift_curve",
    "plot_true_qini",
    "plot_calibration",
    "plot_uplift_by_decile",
    "plot_training_curves",
    "plot_policy_values",
]


def plot_qini(y_true, score, treatment, *, ax=None, label: str = "model", perfect: bool = True) -> Axes:
    """Qini curve of one model with the random diagonal (and the perfect curve).

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 flags.
        ax: Matplotlib Axes to draw on; a new figure when None.
        label: Legend label of the model curve.
        perfect: Also draw the perfect curve.

    Returns:
        The Axes.
    """
    ax = _plot_ranked_curve(ax, qini_curve(y_true, score, treatment), label)
    if perfect:
        xb, vb = perfect_qini_curve(y_true, treatment)
        ax.plot(xb, vb, ":", color="grey", label="perfect")
    ax.set_ylabel("incremental responders (Qini)")
    ax.legend()
    return ax


def plot_uplift_curve(y_true, score, treatment, *, ax=None, label: str = "model") -> Axes:
    """Uplift curve of one model with the random diagonal.

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 flags.
        ax: Axes or None.
        label: Legend label.

    Returns:
        The Axes.
    """
    ax = _plot_ranked_curve(ax, uplift_curve(y_true, score, treatment), label)
    ax.set_ylabel("uplift x n")
    ax.legend()
    return ax


def _plot_ranked_curve(ax, curve, label: str):
    """A curve over users targeted by score (``(x, v)`` of :func:`qini_curve` or :func:`uplift_curve`) and its
    random diagonal, on a new Axes when ``ax`` is None."""
    ax = axes(ax, (5.5, 4))
    x, v = curve
    ax.plot(x, v, label=label)
    ax.plot([0, x[-1]], [0, v[-1]], "k--", lw=1, label="random")
    ax.set_xlabel("users targeted (by score)")
    return ax


def plot_true_qini(true_uplift, scores: dict, *, ax=None) -> Axes:
    """Cumulative true uplift for several rankings, plus perfect and random.

    Args:
        true_uplift: Array of shape (n,) of known individual effects.
        scores: ``{label: array of shape (n,)}`` of predicted uplift.
        ax: Axes or None.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5.5, 4))
    for label, s in scores.items():
        x, v = true_qini_curve(true_uplift, s)
        ax.plot(x, v, label=label)
    xb, vb = true_qini_curve(true_uplift, true_uplift)
    ax.plot(xb, vb, ":", color="grey", label="perfect")
    ax.plot([0, 1], [0, vb[-1]], "k--", lw=1, label="random")
    ax.set_xlabel("fraction of users targeted")
    ax.set_ylabel("cumulative true uplift per user")
    ax.legend()
    return ax


def plot_calibration(y_true, scores: dict, *, n_bins: int = 10, ax=None) -> Axes:
    """Reliability diagram for one or more probability vectors.

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        scores: ``{label: array of shape (n,)}`` of probabilities.
        n_bins: Number of equal-width bins.
        ax: Axes or None.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5.5, 4))
    for label, s in scores.items():
        cc = calibration_curve(y_true, s, n_bins=n_bins)
        ax.plot(cc["mean_predicted"], cc["fraction_positive"], "o-", label=label)
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfectly calibrated")
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed frequency")
    ax.legend()
    return ax


def plot_uplift_by_decile(y_true, score, treatment, *, bins: int = 10, ax=None, label: str = "model") -> Axes:
    """Observed uplift per score bin with confidence intervals (top bin left).

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 flags.
        bins: Number of bins.
        ax: Axes or None.
        label: Legend label.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5.5, 4))
    table = uplift_by_decile(y_true, score, treatment, bins=bins)
    err = np.vstack([table["uplift"] - table["ci_low"], table["ci_high"] - table["uplift"]])
    ax.errorbar(table.index, table["uplift"], yerr=err, fmt="o-", capsize=3, label=label)
    ax.axhline(0, color="k", lw=1)
    ax.set_xlabel("score bin (1 = highest predicted uplift)")
    ax.set_ylabel("observed uplift")
    ax.legend()
    return ax


def plot_training_curves(history, keys=("train/loss", "val/loss"), *, x: str = "epoch", ax=None) -> Axes:
    """Plot logged training metrics (e.g. Lightning's CSVLogger ``metrics.csv``) against epoch.

    Args:
        history: DataFrame with a column ``x`` and one column per logged key (NaN where not logged).
        keys: Columns to draw.
        x: Column for the x axis.
        ax: Axes or None.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5.5, 4))
    for k in keys:
        if k in history.columns:
            d = history[[x, k]].dropna().groupby(x)[k].mean()
            ax.plot(d.index, d.values, "o-", label=k)
    ax.set_xlabel(x)
    ax.set_ylabel("value")
    ax.legend()
    return ax


def plot_policy_values(values: dict, *, ax=None, oracle: float | None = None) -> Axes:
    """Horizontal bars of policy values with +/- 1.96 standard errors.

    Args:
        values: ``{label: {"value": float, "se": float}}`` or ``{label: float}``.
        ax: Axes or None.
        oracle: Optional oracle value drawn as a vertical line.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5.5, 4))
    labels = list(values)
    v = [values[k]["value"] if isinstance(values[k], dict) else values[k] for k in labels]
    se = [values[k].get("se", 0.0) if isinstance(values[k], dict) else 0.0 for k in labels]
    ax.barh(labels, v, xerr=1.96 * np.asarray(se), capsize=3)
    if oracle is not None:
        ax.axvline(oracle, color="k", ls="--", label="oracle")
        ax.legend()
    ax.set_xlabel("value per user")
    return ax
