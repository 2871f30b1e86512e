"""Plots of churn risk and retention uplift (:mod:`campaignkit.design.retention`); each takes ``ax=None`` and
returns the Axes (the package never shows a figure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_risk_vs_uplift", "plot_retention_policies", "plot_sleeping_dogs"]


def plot_risk_vs_uplift(table: pd.DataFrame, *, ax=None, max_points: int = 4000, random_state=0) -> Axes:
    """Churn risk against the true retention uplift of each user's best campaign, sleeping dogs in red.

    Args:
        table: :func:`~campaignkit.design.retention.risk_uplift_table`'s output.
        ax: Axes to draw on (None: a new figure).
        max_points: Draw at most this many users (a random sample).
        random_state: Seed of the sample.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    if len(table) > max_points:
        table = table.sample(max_points, random_state=random_state)
    dog = table["sleeping_dog"].to_numpy(bool)
    ax.scatter(table["risk"][~dog], table["true_uplift"][~dog], s=5, alpha=0.4, label="retention rises")
    ax.scatter(
        table["risk"][dog],
        table["true_uplift"][dog],
        s=5,
        alpha=0.4,
        color="tab:red",
        label="sleeping dog (contact pushes out)",
    )
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("predicted churn risk (no campaign)")
    ax.set_ylabel("true retention uplift of the best campaign")
    ax.legend(fontsize=8)
    return ax


def plot_retention_policies(table: pd.DataFrame, value: str = "true_profit", *, ax=None) -> Axes:
    """One line per policy of :func:`~campaignkit.design.retention.compare_retention_policies`: ``value`` by budget.

    Args:
        table: The comparison table.
        value: Column to plot (``true_profit``, ``sleeping_dogs_contacted``, ...).
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    for name, df in table.groupby("policy", sort=False):
        x = np.r_[0.0, df["budget"].to_numpy(float)]
        y = np.r_[0.0, df[value].to_numpy(float)]
        ax.plot(x, y, marker="o", label=name)
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("budget (expected discount + contact cost)")
    ax.set_ylabel(value.replace("_", " "))
    ax.legend(fontsize=8)
    return ax


def plot_sleeping_dogs(table: pd.DataFrame, budget: float | None = None, *, ax=None) -> Axes:
    """Bars of contacted users per policy at one budget, the sleeping dogs among them in red.

    Args:
        table: :func:`~campaignkit.design.retention.compare_retention_policies`' table.
        budget: Which budget (None: the largest).
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    b = table["budget"].max() if budget is None else budget
    df = table[np.isclose(table["budget"], b)]
    x = np.arange(len(df))
    ax.bar(x, df["contacted"], color="lightgrey", label="contacted")
    ax.bar(x, df["sleeping_dogs_contacted"], color="tab:red", label="sleeping dogs among them")
    ax.set_xticks(x, df["policy"], rotation=20)
    ax.set_ylabel("users")
    ax.set_title(f"budget {b:.0f}", fontsize=9)
    ax.legend(fontsize=8)
    return ax
