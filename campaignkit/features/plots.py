"""Plots of features and sequences. Each takes ``ax=None`` and returns the Axes; nothing calls ``show()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from campaignkit._helpers import axes
from campaignkit.features.sequences import EVENT_TYPE_IDS, SequenceArrays
from campaignkit.privacy import pseudonymise

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_feature_distributions", "plot_uplift_correlations", "plot_rfm_segments", "plot_sequences"]


def plot_feature_distributions(features: pd.DataFrame, columns=None, log1p: bool = True, ax=None) -> Axes:
    """Horizontal box plots of features (``log1p`` of non-negative ones), outliers hidden.

    Args:
        features: Output of :func:`build_features`.
        columns: Features to show (default: up to 16 non one-hot columns).
        log1p: Show ``log(1 + x)`` for features that are never negative.
        ax: Matplotlib Axes (new figure when None).

    Returns:
        The Axes.
    """
    if columns is None:
        columns = [c for c in features.columns if not (features[c].isin([0, 1]).all())][:16]
    data, labels = [], []
    for c in columns:
        x = features[c].to_numpy(dtype=float)
        use_log = log1p and x.min() >= 0
        data.append(np.log1p(x) if use_log else x)
        labels.append(f"log1p({c})" if use_log else c)
    ax = axes(ax, (7, 0.35 * len(columns) + 1))
    ax.boxplot(data, orientation="horizontal", showfliers=False, tick_labels=labels)
    ax.invert_yaxis()
    ax.set_xlabel("value")
    ax.set_title("Feature distributions (boxes: quartiles, whiskers: 1.5 IQR)")
    return ax


def plot_uplift_correlations(corr: pd.DataFrame, column: str, top: int = 15, ax=None) -> Axes:
    """Bar chart of the features most correlated (by absolute value) with one campaign's uplift.

    Args:
        corr: Output of :func:`~campaignkit.features.summary.uplift_correlations`.
        column: The campaign column to show.
        top: Number of features.
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    s = corr[column].astype(float)
    s = s.loc[s.abs().sort_values(ascending=False).index[:top]][::-1]
    ax = axes(ax, (6, 0.3 * len(s) + 1))
    ax.barh(s.index, s.to_numpy(), color=np.where(s.to_numpy() >= 0, "tab:blue", "tab:red"))
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("rank correlation with true uplift")
    ax.set_title(f"Features vs true uplift of {column}")
    return ax


def plot_rfm_segments(table: pd.DataFrame, value: str = "n_users", ax=None) -> Axes:
    """Bar chart of one column of the RFM segment table (suppressed segments left empty).

    Args:
        table: Output of :func:`~campaignkit.features.summary.rfm_segment_table`.
        value: Column to plot (``n_users``, ``monetary``, a campaign's mean uplift...).
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    ax = axes(ax, (6, 3))
    vals = table[value].astype(float)
    ax.bar(table.index.astype(str), vals.fillna(0).to_numpy(), color="tab:green")
    ax.set_ylabel(value)
    ax.tick_params(axis="x", rotation=30)
    ax.set_title(f"RFM segments: {value}")
    return ax


def plot_sequences(
    seqs: SequenceArrays, rows=None, n: int = 12, channel: str = "event_type", ax=None
) -> Axes:
    """Show a few users' sequences as a colour grid (pseudonymised row labels).

    Args:
        seqs: :class:`SequenceArrays`.
        rows: Row positions to show (default: the first ``n`` users with at least one event).
        n: Number of users when ``rows`` is None.
        channel: ``event_type`` (coloured by type) or another channel (id as a colour scale).
        ax: Matplotlib Axes.

    Returns:
        The Axes.
    """
    if rows is None:
        rows = np.flatnonzero(np.asarray(seqs.mask[:, -1]))[:n]
    rows = np.asarray(rows)
    arr = np.asarray(getattr(seqs, channel)[rows]).astype(float)
    arr[~np.asarray(seqs.mask[rows])] = np.nan
    ax = axes(ax, (9, 0.3 * len(rows) + 1.2))
    if channel == "event_type":
        cmap = ListedColormap(["#9ecae1", "#fdae6b", "#c994c7", "#d62728"])
        im = ax.imshow(arr, aspect="auto", cmap=cmap, vmin=0.5, vmax=4.5, interpolation="nearest")
        cbar = ax.figure.colorbar(im, ax=ax, ticks=list(EVENT_TYPE_IDS.values()))
        cbar.ax.set_yticklabels(list(EVENT_TYPE_IDS))
    else:
        im = ax.imshow(arr, aspect="auto", cmap="viridis", interpolation="nearest")
        ax.figure.colorbar(im, ax=ax, label=channel)
    ax.set_yticks(range(len(rows)), pseudonymise(np.asarray(seqs.user_id)[rows]))
    ax.set_xlabel(f"position (right-aligned, latest event at {seqs.max_len - 1}; blank = padding)")
    ax.set_title(f"Example sequences: {channel}")
    return ax
