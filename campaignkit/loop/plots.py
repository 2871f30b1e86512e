"""Plots of the feedback loop; each takes ``ax=None`` and returns the Axes (nothing is shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_rounds", "plot_regret"]


def plot_rounds(table: pd.DataFrame, *, z: float = 1.645, ax=None) -> Axes:
    """Per round: the forecast interval, the realised profit (with its measurement interval) and the exact value.

    Args:
        table: :class:`~campaignkit.loop.FeedbackLoop`'s result table (``round, forecast, lower, upper,
            realised, realised_se`` and, when present, ``exact``).
        z: Normal quantile of the realised value's error bars (1.645: 90%).
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    r = table["round"].to_numpy()
    ax.vlines(
        r - 0.08,
        table["lower"],
        table["upper"],
        color="tab:blue",
        linewidth=8,
        alpha=0.35,
        label="forecast interval",
    )
    ax.plot(r - 0.08, table["forecast"], "_", color="tab:blue", markersize=18, label="forecast")
    ax.errorbar(
        r + 0.08,
        table["realised"],
        yerr=z * table["realised_se"],
        fmt="o",
        color="tab:orange",
        label="realised (measurement interval)",
    )
    if "exact" in table:
        ax.plot(r, table["exact"], "D", color="black", markersize=5, label="exact expectation")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_xticks(r)
    ax.set_xlabel("round")
    ax.set_ylabel("incremental profit of the plan")
    ax.legend(fontsize=8)
    return ax


def plot_regret(tables: dict, *, share: bool = False, ax=None) -> Axes:
    """Regret to the oracle over rounds, one line per loop variant.

    Args:
        tables: ``{label: result table}``.
        share: Plot ``regret_share`` (regret over the oracle's profit) instead of the regret.
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    col = "regret_share" if share else "regret"
    for label, t in tables.items():
        ax.plot(t["round"], t[col], "o-", label=label)
    rounds = np.unique(np.concatenate([t["round"].to_numpy() for t in tables.values()]))
    ax.set_xticks(rounds)
    ax.set_xlabel("round")
    ax.set_ylabel("regret / oracle profit" if share else "regret to the oracle (profit)")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.legend(fontsize=8)
    return ax
