"""What a run measured: the realised lift of a plan against its random holdout, beside the forecast.

After a plan runs with a holdout (some of each campaign's planned users randomly not contacted), the lift of
campaign ``c`` is measured as ``n_c (mean of the contacted - mean of the held out)`` for each outcome, with the
difference-in-means standard error; levels (participants, discount paid) as ``n_c x mean of the contacted``.
``n_c`` counts every user planned ``c``, so the measured totals estimate the plan as planned, the totals a
:class:`~campaignkit.forecast.PlanForecast` predicts and the world's ``evaluate_plan`` computes exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from campaignkit.errors import ParameterError
from campaignkit.metrics.effects import difference_in_means

__all__ = ["realised_lift", "forecast_check", "REALISED_COLUMNS"]

REALISED_COLUMNS: dict[str, tuple[str, bool]] = {
    "participants": ("participated", False),
    "incremental_conversions": ("converted", True),
    "incremental_revenue": ("revenue", True),
    "discount_cost": ("discount_cost", False),
    "incremental_profit": ("profit", True),
}
"""Measured total -> (column of the run's table, whether it is a lift against the holdout)."""


def realised_lift(run: pd.DataFrame, *, confidence: float = 0.9) -> pd.DataFrame:
    """Measured totals of an executed plan, per campaign and overall, with normal intervals.

    Args:
        run: One row per planned user: ``campaign_id`` (planned), ``holdout`` (bool) and the outcome columns
            (``participated, converted, revenue, discount_cost, profit``; absent ones are skipped), as
            :meth:`~campaignkit.data.world.World.run_plan` returns. Users planned control are ignored.
        confidence: Nominal coverage of the intervals.

    Returns:
        DataFrame, one row per (``campaign_id``, ``metric``) and the overall rows (``campaign_id`` =
        ``"all"``): ``value``, ``se``, ``lower``, ``upper``, ``n_contacted``, ``n_holdout``, ``pooled_holdout``.

    A campaign with fewer than two held-out (or contacted) users of its own is compared with every held-out user
    of the run instead (``pooled_holdout`` True; rare, for campaigns planned to a handful of users); one whose
    planned users were all held out measured nothing and counts 0 (``n_contacted`` 0).

    Raises:
        ParameterError: A required column is missing, or the run held nobody out.
    """
    missing = [c for c in ("campaign_id", "holdout") if c not in run.columns]
    if missing:
        raise ParameterError(f"run lacks column(s) {missing}")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie in (0, 1), got {confidence!r}")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    planned = run[run["campaign_id"].astype(str) != "control"]
    held = planned["holdout"].to_numpy(dtype=bool)
    recs = []
    for cid, idx in planned.groupby(planned["campaign_id"].astype(str), sort=False).indices.items():
        for metric, (col, lift) in REALISED_COLUMNS.items():
            if col in planned.columns:
                y_all = planned[col].to_numpy(dtype=float)
                recs.append({"campaign_id": cid, "metric": metric, **_measure(y_all, held, idx, lift)})
    columns = ["campaign_id", "metric", "value", "se", "n_contacted", "n_holdout", "pooled_holdout"]
    out = pd.DataFrame(recs, columns=columns)
    total = (
        out.groupby("metric", sort=False)
        .agg(
            value=("value", "sum"),
            se=("se", lambda s: float(np.sqrt(np.sum(np.square(s))))),
            n_contacted=("n_contacted", "sum"),
            n_holdout=("n_holdout", "sum"),
            pooled_holdout=("pooled_holdout", "any"),
        )
        .reset_index()
    )
    total.insert(0, "campaign_id", "all")
    out = pd.concat([out, total[out.columns]], ignore_index=True)
    out["lower"] = out["value"] - z * out["se"]
    out["upper"] = out["value"] + z * out["se"]
    return out


def _measure(y_all: np.ndarray, held: np.ndarray, idx: np.ndarray, lift: bool) -> dict:
    """One campaign's measured total of one outcome (its planned users ``idx`` of the run's planned users).

    Args:
        y_all: Array of shape (n_planned,): the outcome of every planned user of the run.
        held: Array of shape (n_planned,) of bool: held out.
        idx: Positions of the campaign's planned users.
        lift: Measure a lift against the holdout (else a level among the contacted).

    Returns:
        ``value, se, n_contacted, n_holdout, pooled_holdout`` of the campaign's row.
    """
    n, h, y = len(idx), held[idx], y_all[idx]
    pooled = False
    if not (~h).any():  # every planned user of the campaign was held out: nothing ran to measure
        value, se = 0.0, 0.0
    elif lift:
        if not held.any():
            raise ParameterError(
                "the run has no held-out user: measuring a lift needs a plan run with holdout > 0"
            )
        if h.all() or not h.any() or min(h.sum(), (~h).sum()) < 2:
            # too few of this campaign's own users on one side: compare with every held-out user instead
            pooled = True
            d = difference_in_means(
                np.r_[y[~h], y_all[held]], np.r_[np.ones((~h).sum()), np.zeros(held.sum())]
            )
        else:
            d = difference_in_means(y, (~h).astype(int))
        value, se = n * d.effect, n * d.se
        if not np.isfinite(se):
            se = 0.0
    else:
        yt = y[~h]
        value = n * float(yt.mean()) if len(yt) else 0.0
        se = n * float(yt.std(ddof=1) / np.sqrt(len(yt))) if len(yt) > 1 else 0.0
    return {
        "value": value,
        "se": se,
        "n_contacted": int((~h).sum()),
        "n_holdout": int(h.sum()),
        "pooled_holdout": pooled,
    }


def forecast_check(forecast, realised: pd.DataFrame, exact: dict | None = None) -> pd.DataFrame:
    """Forecast, measured and (on the world) exact totals side by side.

    Args:
        forecast: A :class:`~campaignkit.forecast.PlanForecast`.
        realised: :func:`realised_lift` of the run.
        exact: Optional exact expectations, e.g. ``world.evaluate_plan(plan)``.

    Returns:
        DataFrame per metric: ``forecast, lower, upper, realised, realised_se, inside`` (the measured value within
        the forecast interval), and with ``exact``: ``exact`` and ``rel_error`` (forecast / exact - 1).
    """
    real = realised[realised["campaign_id"] == "all"].set_index("metric")
    rows = []
    for metric in REALISED_COLUMNS:
        if metric not in real.index:
            continue
        f = forecast[metric]
        rec = {
            "metric": metric,
            "forecast": f["forecast"],
            "lower": f["lower"],
            "upper": f["upper"],
            "realised": float(real.loc[metric, "value"]),
            "realised_se": float(real.loc[metric, "se"]),
        }
        rec["inside"] = bool(f["lower"] <= rec["realised"] <= f["upper"])
        if exact is not None and metric in exact:
            rec["exact"] = float(exact[metric])
            rec["rel_error"] = rec["forecast"] / rec["exact"] - 1.0 if rec["exact"] != 0 else np.nan
        rows.append(rec)
    return pd.DataFrame(rows)
