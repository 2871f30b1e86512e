"""Plots of a world: activity, weekly rhythm, funnel, true effects and response types.

Every function takes ``ax=None`` (a new figure is made when absent) and returns the Axes; none calls
``plt.show()``. Numbers come from :mod:`campaignkit.data.world.summary`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_events_per_user",
    "plot_weekday",
    "plot_funnel",
    "plot_uplift_distribution",
    "plot_response_types",
    "plot_log_vs_truth",
]


def plot_events_per_user(events: pd.DataFrame, n_users: int | None = None, ax=None) -> Axes:
    """Histogram of events per user on log-log axes (heavy tail).

    Args:
        events: Canonical events.
        n_users: Population size (users without events count as zero and are left off the log axis).
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (6, 3.5))
    counts = np.bincount(events["user_id"].to_numpy(), minlength=n_users or 0)
    counts = counts[counts > 0]
    bins = np.unique(np.logspace(0, np.log10(max(counts.max(), 2)) + 0.01, 40).astype(int))
    ax.hist(counts, bins=bins, color="#4C72B0")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events per user (90 days)")
    ax.set_ylabel("users")
    ax.set_title("Activity is heavy-tailed")
    return ax


def plot_weekday(shares: pd.Series, ax=None) -> Axes:
    """Bar chart of the share of events per weekday.

    Args:
        shares: Output of :func:`~campaignkit.data.world.summary.events_by_weekday`.
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5, 3))
    ax.bar(shares.index, shares.to_numpy(), color="#55A868")
    ax.axhline(1 / 7, color="grey", lw=1, ls="--", label="flat week")
    ax.set_ylabel("share of events")
    ax.set_title("Weekly rhythm")
    ax.legend(loc="lower right")
    return ax


def plot_funnel(table: pd.DataFrame, ax=None) -> Axes:
    """Funnel bars: users reaching each stage, annotated with the event ratio to the stage before.

    Args:
        table: Output of :func:`~campaignkit.data.world.summary.funnel`.
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (5, 3))
    ax.barh(table.index[::-1], table["users"].to_numpy()[::-1], color="#8172B2")
    for i, (stage, row) in enumerate(table.iloc[::-1].iterrows()):
        if stage != table.index[0]:
            ax.text(row["users"], i, f"  {row['rate_from_previous']:.0%} of events", va="center")
    ax.set_xlabel("users reaching the stage")
    ax.set_title("Funnel: view -> cart -> purchase")
    return ax


def plot_uplift_distribution(uplift: np.ndarray, campaign_ids, metric: str = "convert", ax=None) -> Axes:
    """Box plot of the true per-user effect of each campaign (whiskers at the 5th/95th percentiles).

    Args:
        uplift: Array of shape (n_users, n_campaigns) of true effects against control.
        campaign_ids: Names of the columns.
        metric: Label of the outcome.
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (7, 4))
    import matplotlib

    major, minor = (int(v) for v in matplotlib.__version__.split(".")[:2])
    side = {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}
    ax.boxplot(uplift, whis=(5, 95), showfliers=False, tick_labels=list(campaign_ids), **side)
    ax.scatter(uplift.mean(0), np.arange(1, uplift.shape[1] + 1), color="#C44E52", zorder=3, label="ATE")
    ax.axvline(0, color="grey", lw=1)
    ax.set_xlabel(f"true effect on {metric} (campaign - control)")
    ax.set_title("Effects are heterogeneous, and negative for some users")
    ax.legend(loc="lower right")
    return ax


def plot_response_types(shares: pd.DataFrame, ax=None) -> Axes:
    """Stacked bars of sure things, persuadables, lost causes and sleeping dogs per campaign.

    Args:
        shares: Output of :func:`~campaignkit.data.world.summary.response_type_shares`.
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (7, 4))
    cols = ["sure_thing", "persuadable", "sleeping_dog", "lost_cause"]
    colours = ["#4C72B0", "#55A868", "#C44E52", "#BBBBBB"]
    left = np.zeros(len(shares))
    for c, col in zip(cols, colours, strict=True):
        ax.barh(shares.index, shares[c], left=left, color=col, label=c.replace("_", " "))
        left += shares[c].to_numpy()
    ax.set_xlabel("share of users (coupled potential outcomes)")
    ax.set_title("Response types per campaign")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=4, fontsize=8, frameon=False)
    return ax


def plot_log_vs_truth(table: pd.DataFrame, ax=None) -> Axes:
    """Estimated arm effects with 95 % intervals against the exact effects.

    Args:
        table: Output of :func:`~campaignkit.data.world.summary.compare_log_to_truth`.
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (6, 4))
    y = np.arange(len(table))
    ax.errorbar(table["estimate"], y, xerr=1.96 * table["se"], fmt="o", color="#4C72B0", label="log estimate")
    ax.scatter(table["truth"], y, marker="x", color="#C44E52", zorder=3, label="exact effect")
    ax.set_yticks(y, table.index)
    ax.axvline(0, color="grey", lw=1)
    ax.set_title("Randomised log vs exact truth")
    ax.legend(loc="lower right")
    return ax
