"""Plots of forecasts and their checks; each takes ``ax=None`` and returns the Axes (nothing is shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_forecast_check", "plot_coverage", "plot_plan_values"]


def plot_forecast_check(check: pd.DataFrame, *, ax=None) -> Axes:
    """Forecast interval, realised value (with its 90% measurement interval) and exact expectation per total.

    Args:
        check: :func:`~campaignkit.forecast.forecast_check`'s table (with ``exact`` when known).
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    y = np.arange(len(check))[::-1]
    scale = np.maximum(np.abs(check[["lower", "upper", "realised"]]).max(axis=1).to_numpy(), 1e-12)
    lo, hi = check["lower"] / scale, check["upper"] / scale
    ax.hlines(y, lo, hi, color="tab:blue", linewidth=6, alpha=0.35, label="forecast interval")
    ax.plot(check["forecast"] / scale, y, "|", color="tab:blue", markersize=16, label="forecast")
    ax.errorbar(
        check["realised"] / scale,
        y - 0.15,
        xerr=1.645 * check["realised_se"] / scale,
        fmt="o",
        color="tab:orange",
        label="realised (90% measurement interval)",
    )
    if "exact" in check:
        ax.plot(check["exact"] / scale, y + 0.15, "D", color="black", label="exact expectation")
    ax.axvline(0.0, color="grey", linewidth=0.5)
    ax.set_yticks(y, check["metric"])
    ax.set_xlabel("value / largest |value| of the row")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_coverage(curves: dict, *, ax=None) -> Axes:
    """Empirical against nominal interval coverage over repeated runs (the diagonal is perfect calibration).

    Args:
        curves: ``{label: DataFrame}`` of :func:`~campaignkit.forecast.audit.coverage_curve` tables.
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax, figsize=(5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    for label, df in curves.items():
        ax.plot(df["nominal"], df["empirical"], marker="o", label=f"{label} ({int(df['runs'].iloc[0])} runs)")
    ax.set_xlim(0.4, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("nominal coverage")
    ax.set_ylabel("share of runs covering the realised total")
    ax.legend(fontsize=8)
    return ax


def plot_plan_values(table: pd.DataFrame, *, truth: dict | None = None, ax=None) -> Axes:
    """Off-policy estimates of plans with 95% intervals, one row per (plan, estimator), and the truth if known.

    Args:
        table: Rows with ``label``, ``value``, ``lower``, ``upper``.
        truth: Optional ``{label: true value}``.
        ax: Axes to draw on.

    Returns:
        The Axes.
    """
    ax = axes(ax)
    y = np.arange(len(table))[::-1]
    v = table["value"].to_numpy(float)
    ax.errorbar(
        v,
        y,
        xerr=[v - table["lower"].to_numpy(float), table["upper"].to_numpy(float) - v],
        fmt="o",
        capsize=3,
        label="estimate (95%)",
    )
    if truth:
        tv = [truth.get(lbl, np.nan) for lbl in table["label"]]
        ax.plot(tv, y, "D", color="black", label="truth")
    ax.axvline(0.0, color="grey", linewidth=0.5)
    ax.set_yticks(y, table["label"])
    ax.set_xlabel("incremental profit per user")
    ax.legend(fontsize=8)
    return ax
