"""Data-quality teaching aids: inject known dirt into a clean log, and plot what validation did.

:func:`inject_dirt` corrupts disjoint random rows of a clean event log in the ways real logs go wrong
(repeated rows, missing fields, negative prices, broken timestamps, unknown users, a bot, price outliers)
and returns the truth of what it did, so a test or a notebook can check that validation finds exactly that.
Plots take ``ax=None`` and return the Axes; the package never calls ``plt.show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes
from campaignkit.config import resolve_rng
from campaignkit.data.validate import ValidationResult
from campaignkit.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DIRT_KINDS", "inject_dirt", "expected_rules", "plot_validation_report", "plot_before_after"]

DIRT_KINDS: dict[str, str | None] = {
    "duplicate_row": "duplicate",
    "missing_price": "missing_value",
    "negative_price": "range",
    "broken_timestamp": "timestamp",
    "unknown_user": "unknown_user",
    "unknown_event_type": "vocabulary",
    "missing_category": None,  # kept: category is optional, the imputer fills it
    "price_outlier": None,  # kept: the winsoriser clips it
}
"""Kinds of dirt and the validation rule that should catch each (``None``: the row is valid, preprocessing
handles it)."""

_BROKEN_TS = ["2024-13-45T25:61:00Z", "not a date", "2024-02-30T10:00:00Z", "00/00/0000", "1e12"]


def inject_dirt(
    events: pd.DataFrame, *, rate: float = 0.01, bot_events: int = 0, random_state=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a dirty copy of a clean canonical event log, and what was done to it.

    Each kind of :data:`DIRT_KINDS` hits ``round(rate * n)`` distinct rows (kinds never share a row; the
    repeated rows copy untouched rows), so the rule counts of a later validation are known exactly.

    Args:
        events: Clean canonical events (``user_id, ts, event_type, item_id, category, price, quantity``).
        rate: Fraction of rows per kind of dirt, in (0, 0.1].
        bot_events: Append this many events, 3 s apart, to one existing user picked at random, who
            becomes bot-like (for :class:`~campaignkit.data.clean.BotFlagger`; 0 for none). Their id is in
            ``truth`` as the ``rows`` of kind ``bot_user_id``.
        random_state: int, None (the kit's seed) or a Generator.

    Returns:
        ``(dirty, truth)``: ``dirty`` has ``ts`` and ``price`` as text-like object columns where broken;
        ``truth`` has one row per kind: ``kind, rule, rows``.

    Raises:
        ParameterError: ``rate`` out of range or too few rows.
    """
    if not 0.0 < rate <= 0.1:
        raise ParameterError(f"inject_dirt: rate must be in (0, 0.1], got {rate}")
    rng = resolve_rng(random_state)
    df = events.reset_index(drop=True).copy()
    n = len(df)
    k = int(round(rate * n))
    kinds = list(DIRT_KINDS)
    if k == 0 or k * len(kinds) > n:
        raise ParameterError(f"inject_dirt: {n} rows are too few for rate={rate}")
    picks = rng.choice(n, size=k * len(kinds), replace=False)
    rows = {kind: np.sort(picks[i * k : (i + 1) * k]) for i, kind in enumerate(kinds)}
    df["ts"] = df["ts"].astype(object)
    df["price"] = df["price"].astype(object)
    df["event_type"] = df["event_type"].astype(object)
    df["category"] = df["category"].astype(object)
    max_user = int(pd.to_numeric(df["user_id"]).max())
    df.loc[rows["missing_price"], "price"] = None
    df.loc[rows["negative_price"], "price"] = (
        -np.abs(events["price"].to_numpy()[rows["negative_price"]]) - 1.0
    )
    df.loc[rows["broken_timestamp"], "ts"] = rng.choice(_BROKEN_TS, size=k)
    df.loc[rows["unknown_user"], "user_id"] = max_user + 1000 + rng.integers(0, 10**6, size=k)
    df.loc[rows["unknown_event_type"], "event_type"] = rng.choice(["click", "wishlist", "refund"], size=k)
    df.loc[rows["missing_category"], "category"] = None
    p = pd.to_numeric(events["price"]).to_numpy()
    df.loc[rows["price_outlier"], "price"] = np.quantile(p, 0.999) * rng.uniform(20, 100, size=k)
    copies = df.loc[rows["duplicate_row"]].copy()
    parts = [df, copies]
    if bot_events:
        t0 = pd.to_datetime(events["ts"]).max() - pd.Timedelta(hours=1)
        bot_id = int(rng.choice(pd.to_numeric(events["user_id"]).to_numpy()))
        bot = pd.DataFrame(
            {
                "user_id": bot_id,
                "ts": list(t0 + pd.to_timedelta(np.arange(bot_events) * 3, unit="s")),
                "event_type": "view",
                "item_id": rng.choice(pd.to_numeric(events["item_id"]).to_numpy(), size=bot_events),
                "category": rng.choice(events["category"].dropna().to_numpy(), size=bot_events),
                "price": rng.choice(p, size=bot_events),
                "quantity": 1,
            }
        )
        parts.append(bot[df.columns.intersection(bot.columns)])
    dirty = pd.concat(parts, ignore_index=True)
    order = rng.permutation(len(dirty))  # repeated rows land anywhere, as in a real log
    dirty = dirty.iloc[order].reset_index(drop=True)
    truth = pd.DataFrame({"kind": kinds, "rule": [DIRT_KINDS[x] for x in kinds], "rows": k})
    if bot_events:
        truth.loc[len(truth)] = {"kind": "bot_user_events", "rule": None, "rows": bot_events}
        truth.loc[len(truth)] = {"kind": "bot_user_id", "rule": None, "rows": bot_id}
    return dirty, truth


def expected_rules(truth: pd.DataFrame) -> dict[str, int]:
    """Turn :func:`inject_dirt`'s truth into the per-rule counts a validation should report.

    Note that a repeated row is found once the first copy is kept: the copy is the one quarantined, and
    which of the two comes first depends on the shuffle, so only the count is known.
    """
    got = truth.dropna(subset=["rule"]).groupby("rule")["rows"].sum()
    return {str(r): int(v) for r, v in got.items()}


def plot_validation_report(result: ValidationResult, ax=None, truth: dict | None = None) -> Axes:
    """Bar chart of quarantined rows per rule (and the injected truth, when given).

    Args:
        result: A validation result.
        ax: Matplotlib Axes (a new figure when ``None``).
        truth: Optional ``{rule: rows}`` drawn as outlined bars for comparison.

    Returns:
        The Axes.
    """
    ax = axes(ax, (7, 3.2))
    rep = result.report()
    rep = rep[(rep["rule"] != "kept") & ((rep["rows"] > 0) | rep["rule"].isin(list(truth or {})))]
    y = np.arange(len(rep))
    ax.barh(y, rep["rows"], color="tab:red", alpha=0.75, label="quarantined")
    if truth:
        ax.barh(y, [truth.get(r, 0) for r in rep["rule"]], fill=False, edgecolor="black", label="injected")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, frameon=False)
    ax.set_yticks(y, rep["rule"])
    ax.invert_yaxis()
    ax.set_xlabel("rows")
    ax.set_title(
        f"{result.rows_in:,} rows in = {result.rows_kept:,} kept + {result.rows_quarantined:,} quarantined"
    )
    return ax


def plot_before_after(
    before, after, ax=None, bins: int = 50, labels=("before", "after"), log: bool = True, log_x: bool = False
) -> Axes:
    """Overlay two histograms of one numeric column (e.g. price before and after winsorising).

    Args:
        before: Array-like of numbers.
        after: Array-like of numbers.
        ax: Matplotlib Axes (a new figure when ``None``).
        bins: Number of bins.
        labels: Legend labels.
        log: Log-scale count axis.
        log_x: Log-spaced bins and a log value axis (for money; values <= 0 are left out).

    Returns:
        The Axes.
    """
    ax = axes(ax, (6, 3))
    b = pd.to_numeric(pd.Series(before), errors="coerce").dropna().to_numpy(float)
    a = pd.to_numeric(pd.Series(after), errors="coerce").dropna().to_numpy(float)
    if log_x:
        b, a = b[b > 0], a[a > 0]
        both = np.concatenate([b, a])
        edges = np.geomspace(both.min(), both.max(), bins + 1)
        ax.set_xscale("log")
    else:
        edges = np.histogram_bin_edges(np.concatenate([b, a]), bins=bins)
    ax.hist(b, bins=edges, alpha=0.5, label=labels[0])
    ax.hist(a, bins=edges, alpha=0.5, label=labels[1])
    if log:
        ax.set_yscale("log")
    ax.legend(frameon=False)
    return ax
