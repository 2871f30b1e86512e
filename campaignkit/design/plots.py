"""Plots of campaign design; each takes ``ax=None`` and returns the Axes (the package never shows a figure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_budget_curves", "plot_segment_uplift"]


def plot_budget_curves(
    curves: dict, *, budget: float | None = None, ax=None, label_marginal: bool = False
) -> Axes:
    """Incremental profit against spend, one line per curve.

    Args:
        curves: ``{name: DataFrame}`` with ``spend`` and ``incremental_profit`` columns (and optionally ``se``:
            a band of +/- 1.96 se is drawn; and ``marginal_campaign``).
        budget: Draw a vertical line at this spend.
        ax: Axes to draw on (None: a new figure).
        label_marginal: Annotate the first curve's points with their marginal campaign where it changes.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    for i, (name, df) in enumerate(curves.items()):
        x = np.r_[0.0, df["spend"].to_numpy(float)]
        y = np.r_[0.0, df["incremental_profit"].to_numpy(float)]
        (line,) = ax.plot(x, y, marker="." if len(x) < 60 else None, label=name)
        if "se" in df:
            se = np.r_[0.0, df["se"].to_numpy(float)]
            ax.fill_between(x, y - 1.96 * se, y + 1.96 * se, color=line.get_color(), alpha=0.2)
        if label_marginal and i == 0 and "marginal_campaign" in df:
            last = None
            for xs, ys, m in zip(x[1:], y[1:], df["marginal_campaign"], strict=True):
                if m and m != last:
                    ax.annotate(str(m), (xs, ys), fontsize=7, rotation=30, alpha=0.8)
                    last = m
    if budget is not None:
        ax.axvline(budget, color="grey", linestyle="--", linewidth=1, label="budget")
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("expected spend (discount + contact cost)")
    ax.set_ylabel("incremental profit")
    ax.legend()
    return ax


def plot_segment_uplift(profile: pd.DataFrame, *, ax=None) -> Axes:
    """Heat map of the mean predicted profit uplift per segment (rows) and campaign (columns).

    Args:
        profile: :func:`~campaignkit.design.segments.segment_profile`'s table.
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    cols = [c for c in profile.columns if c.startswith("profit_uplift:")]
    data = profile[cols].to_numpy(float)
    ax = axes(ax, figsize=(1 + 0.6 * len(cols), 1 + 0.4 * len(profile)))
    lim = np.nanmax(np.abs(data)) if np.isfinite(data).any() else 1.0
    im = ax.imshow(data, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_xticks(range(len(cols)), [c.split(":", 1)[1] for c in cols], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(profile)), [str(s) for s in profile.index], fontsize=8)
    ax.figure.colorbar(im, ax=ax, label="predicted profit uplift per user")
    return ax
