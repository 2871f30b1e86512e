"""Plots of explanations: global (bar, beeswarm) and local (waterfall). Each takes ``ax=None`` and returns
the Axes; nothing here computes SHAP values or calls ``plt.show()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from campaignkit._helpers import axes
from campaignkit.explain._core import Explanation

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_importance", "plot_beeswarm", "plot_waterfall", "plot_side_by_side"]


def _title(expl: Explanation) -> str:
    what = "uplift" if expl.against == "control" else f"{expl.campaign} minus {expl.against}"
    return f"{expl.model}: {expl.outcome} {what}" + (
        f" of {expl.campaign}" if expl.against == "control" else ""
    )


def plot_importance(explanation: Explanation, max_features: int = 12, ax=None) -> Axes:
    """Bar chart of the mean |SHAP| per feature (the global ranking), largest on top.

    Args:
        explanation: An :class:`~campaignkit.explain.Explanation`.
        max_features: Features shown.
        ax: Matplotlib Axes (new figure when None).

    Returns:
        The Axes.
    """
    ax = axes(ax, (7, 4.5))
    imp = explanation.importance().head(max_features)[::-1]
    ax.barh(imp.index.astype(str), imp.to_numpy(), color="tab:blue")
    ax.set_xlabel("mean |SHAP value|")
    ax.set_title(_title(explanation))
    return ax


def plot_beeswarm(explanation: Explanation, max_features: int = 12, ax=None, random_state: int = 0) -> Axes:
    """One dot per user and feature: its SHAP value, coloured by the feature's value (rank within feature).

    Args:
        explanation: An :class:`~campaignkit.explain.Explanation`.
        max_features: Features shown (the top ones by mean |SHAP|).
        ax: Matplotlib Axes (new figure when None).
        random_state: Seed of the vertical jitter.

    Returns:
        The Axes.
    """
    ax = axes(ax, (7, 5))
    rng = np.random.default_rng(random_state)
    names = list(explanation.importance().head(max_features).index)[::-1]
    pos = {f: i for i, f in enumerate(explanation.feature_names)}
    for row, name in enumerate(names):
        v = explanation.values[:, pos[name]]
        d = explanation.data[:, pos[name]]
        colour = (np.argsort(np.argsort(d)) / max(len(d) - 1, 1)) if np.ptp(d) > 0 else np.full(len(d), 0.5)
        ax.scatter(
            v, row + rng.uniform(-0.3, 0.3, len(v)), c=colour, cmap="coolwarm", s=8, alpha=0.8, linewidths=0
        )
    ax.axvline(0.0, color="grey", lw=0.8)
    ax.set_yticks(range(len(names)), [str(n) for n in names])
    ax.set_xlabel("SHAP value (colour: feature value, low blue - high red)")
    ax.set_title(_title(explanation))
    return ax


def plot_waterfall(explanation: Explanation, row: int = 0, max_features: int = 8, ax=None) -> Axes:
    """How one user's prediction is built from the base value, feature by feature (largest |SHAP| first).

    Args:
        explanation: An :class:`~campaignkit.explain.Explanation`.
        row: Which explained user (row position; the title shows no user id).
        max_features: Features drawn; the rest are one "other features" bar.
        ax: Matplotlib Axes (new figure when None).

    Returns:
        The Axes.
    """
    ax = axes(ax, (7, 4.5))
    vals = explanation.values[row]
    order = np.argsort(-np.abs(vals), kind="stable")
    top, rest = order[:max_features], order[max_features:]
    labels = [f"{explanation.feature_names[i]} = {explanation.data[row, i]:.3g}" for i in top]
    steps = list(vals[top])
    if rest.size:
        labels.append(f"{rest.size} other features")
        steps.append(float(vals[rest].sum()))
    start = float(explanation.base_values[row])
    for i, step in enumerate(steps):
        ax.barh(len(steps) - 1 - i, step, left=start, color="tab:red" if step > 0 else "tab:blue")
        start += step
    ax.set_yticks(range(len(steps)), labels[::-1])
    ax.axvline(float(explanation.base_values[row]), color="grey", ls=":", lw=0.8, label="base value")
    ax.axvline(start, color="black", lw=0.8, label=f"prediction {start:.3g}")
    ax.set_xlabel(f"{explanation.outcome} ({explanation.campaign} vs {explanation.against})")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_side_by_side(explanations: dict, max_features: int = 10, ax=None) -> Axes:
    """Mean |SHAP| of several explanations of the same campaign (e.g. the deep model and a learner),
    each normalised to sum to one over the features shown, on the union of their top features.

    Args:
        explanations: ``{label: Explanation}``.
        max_features: Top features taken from each.
        ax: Matplotlib Axes (new figure when None).

    Returns:
        The Axes.
    """
    ax = axes(ax, (8, 5))
    imps = {k: e.importance() for k, e in explanations.items()}
    names = list(dict.fromkeys(f for imp in imps.values() for f in imp.head(max_features).index))
    width = 0.8 / max(len(imps), 1)
    for j, (label, imp) in enumerate(imps.items()):
        v = imp.reindex(names).fillna(0.0).to_numpy()
        ax.barh(np.arange(len(names)) + j * width, v / max(v.sum(), 1e-12), height=width, label=label)
    ax.set_yticks(np.arange(len(names)) + 0.4 - width / 2, names)
    ax.invert_yaxis()
    ax.set_xlabel("share of mean |SHAP| among the features shown")
    ax.legend(fontsize=8)
    return ax
