"""The profit-versus-budget curve: a multi-arm Qini curve of incremental profit against spend.

Under a budget alone, every user's best campaign at a price ``lambda`` on spend (``argmax_c v_ic - lambda
s_ic``, control unless positive) is the *exact* optimum for the budget it spends (the Lagrangian is
tight there), so sweeping ``lambda`` from high to low traces the optimal plans from spending nothing to the
unconstrained best. :func:`budget_curve` does that (or calls :func:`~campaignkit.design.assign.assign` at
given budgets when there are caps), recording at each point the spend, the incremental profit, the reach and
the *marginal campaign* (the one that took the largest share of the extra spend since the previous point)
with the marginal return (extra profit per extra unit of spend).

Fed the world's exact effects (:func:`~campaignkit.evaluation.true_problem` with the oracle's targets,
:func:`~campaignkit.evaluation.oracle_target`) the same function gives the true curve; :func:`curve_true_value`
scores a model's curve points on the truth, and :func:`curve_dr` estimates them from a randomised log (doubly
robust, with standard errors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.data.schema import log_units
from campaignkit.design.assign import assign
from campaignkit.design.problem import AssignmentProblem
from campaignkit.errors import ParameterError

__all__ = ["BudgetCurve", "budget_curve", "curve_true_value", "curve_dr"]


@dataclass
class BudgetCurve:
    """Points of a profit-versus-budget curve and the plan behind each.

    Attributes:
        table: DataFrame, one row per point (increasing spend): ``spend``, ``incremental_profit``, ``reach``,
            ``price`` (the lambda, or the budget's shadow price), ``marginal_campaign``, ``marginal_return``.
        choices: Array of shape (n_points, n_users) of catalogue rows (0 = control).
        user_id: Array of shape (n_users,).
        target_category: Array of shape (n_users,).
        campaign_ids: Catalogue ids, control first.
    """

    table: pd.DataFrame
    choices: np.ndarray
    user_id: np.ndarray
    target_category: np.ndarray
    campaign_ids: tuple


def _marginal(table: pd.DataFrame, choices, problem: AssignmentProblem) -> pd.DataFrame:
    k = problem.shape[1]
    spend_by = np.zeros((len(choices), k + 1))
    rows = np.arange(problem.shape[0])
    for p, ch in enumerate(choices):
        sp = np.where(ch > 0, problem.spend[rows, np.maximum(ch - 1, 0)], 0.0)
        spend_by[p] = np.bincount(ch, weights=sp, minlength=k + 1)
    ids = np.array(["control", *problem.campaign_ids], dtype=object)
    d_spend = np.diff(np.vstack([np.zeros(k + 1), spend_by]), axis=0)
    d_spend[:, 0] = -np.inf
    table["marginal_campaign"] = np.where(d_spend.max(axis=1) > 0, ids[d_spend.argmax(axis=1)], "")
    ds = np.diff(np.r_[0.0, table["spend"].to_numpy()])
    dv = np.diff(np.r_[0.0, table["incremental_profit"].to_numpy()])
    table["marginal_return"] = np.where(ds > 0, dv / np.where(ds > 0, ds, 1.0), np.nan)
    return table


def budget_curve(
    problem: AssignmentProblem,
    budgets=None,
    *,
    n_points: int = 40,
    caps: dict | None = None,
    spend_caps: dict | None = None,
    min_coverage: dict | None = None,
) -> BudgetCurve:
    """The optimal plans from spending nothing to the unconstrained best.

    Args:
        problem: The :class:`~campaignkit.design.problem.AssignmentProblem`.
        budgets: Budgets to solve at (then each point is :func:`~campaignkit.design.assign.assign`'s plan);
            None: sweep the price on spend instead (exact points, budget-only).
        n_points: Points of the sweep (spread over quantiles of the users' value-per-spend ratios).
        caps: As in :func:`~campaignkit.design.assign.assign` (need ``budgets``).
        spend_caps: As there.
        min_coverage: As there.

    Returns:
        A :class:`BudgetCurve`.
    """
    n, k = problem.shape
    if budgets is None and (caps or spend_caps or min_coverage):
        raise ParameterError("a curve with caps or coverage needs explicit budgets=[...]")
    rows = np.arange(n)
    if budgets is not None:
        budgets = np.sort(np.asarray(budgets, dtype=float))
        if (budgets < 0).any() or not np.isfinite(budgets).all():
            raise ParameterError("budgets must be finite and >= 0")
        plans = [
            assign(problem, b, caps=caps, spend_caps=spend_caps, min_coverage=min_coverage) for b in budgets
        ]
        choices = np.stack([p.choice for p in plans]).astype(np.int16)
        table = pd.DataFrame(
            {
                "budget": budgets,
                "spend": [p.spend for p in plans],
                "incremental_profit": [p.objective for p in plans],
                "reach": [float(np.mean(p.choice > 0)) for p in plans],
                "price": [float(p.constraints["shadow_price"].iloc[0]) for p in plans],
                "gap": [p.gap for p in plans],
            }
        )
    else:
        if n_points < 2:
            raise ParameterError("n_points must be >= 2")
        v, s = problem.value, problem.spend
        pos = v > 0
        ratio = v[pos] / np.maximum(s[pos], 1e-12)
        if ratio.size:
            prices = np.unique(np.quantile(ratio, np.linspace(0.0, 1.0, n_points - 1)))[::-1]
            prices = np.r_[prices * (1 + 1e-6), 0.0]
        else:
            prices = np.array([0.0])
        choices, spends, values = [], [], []
        for lam in prices:
            r = v - np.float32(lam) * s
            best = r.argmax(axis=1)
            ch = np.where(r[rows, best] > 0, best + 1, 0).astype(np.int16)
            on = ch > 0
            choices.append(ch)
            spends.append(float(s[rows[on], best[on]].astype(np.float64).sum()))
            values.append(float(v[rows[on], best[on]].astype(np.float64).sum()))
        choices = np.stack(choices)
        table = pd.DataFrame(
            {
                "spend": spends,
                "incremental_profit": values,
                "reach": (choices > 0).mean(axis=1),
                "price": prices,
            }
        )
    table = _marginal(table, choices, problem)
    return BudgetCurve(
        table, choices, problem.user_id, problem.target_category, ("control", *problem.campaign_ids)
    )


def curve_true_value(curve: BudgetCurve, truth: AssignmentProblem) -> pd.DataFrame:
    """Each curve point's plan scored on the truth.

    Args:
        curve: A model's :class:`BudgetCurve`.
        truth: :func:`~campaignkit.evaluation.true_problem` of the same users in the same order, with the
            model's target categories.

    Returns:
        DataFrame aligned with ``curve.table``: ``true_spend`` and ``true_incremental_profit``.
    """
    if truth.shape[0] != curve.choices.shape[1]:
        raise ParameterError("truth and curve must cover the same users")
    rows = np.arange(truth.shape[0])
    out = []
    for ch in curve.choices:
        on = ch > 0
        col = np.maximum(ch - 1, 0)
        out.append(
            {
                "true_spend": float(truth.spend[rows[on], col[on]].astype(np.float64).sum()),
                "true_incremental_profit": float(truth.value[rows[on], col[on]].astype(np.float64).sum()),
            }
        )
    return pd.DataFrame(out, index=curve.table.index)


def curve_dr(curve: BudgetCurve, log: pd.DataFrame, q_hat, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Doubly robust estimate of each curve point's incremental profit from a randomised log, with its SE.

    The log's users must be among the curve's; each point's estimate is the paired DR difference between
    its plan and all-control (:func:`~campaignkit.metrics.policy_difference`) per logged user, times the
    curve's number of users.

    Args:
        curve: A :class:`BudgetCurve`.
        log: Randomised log (``user_id, campaign_id, propensity, profit``).
        q_hat: Array of shape (n_log_rows, n_campaigns): predicted profit per campaign (control first) of
            each logged row's user.
        catalogue: The catalogue (column order of ``q_hat``).

    Returns:
        DataFrame aligned with ``curve.table``: ``dr_incremental_profit`` and ``dr_se``.
    """
    from campaignkit.metrics import policy_difference

    pos = pd.Index(curve.user_id).get_indexer(log["user_id"].to_numpy())
    if (pos < 0).any():
        raise ParameterError("the log has users that the curve does not cover")
    arm = pd.Index(catalogue["campaign_id"].astype(str)).get_indexer(log["campaign_id"].astype(str))
    if (arm < 0).any():
        raise ParameterError("the log has campaigns that are not in the catalogue")
    y = log["profit"].to_numpy(float)
    prop = log["propensity"].to_numpy(float)
    arms = list(range(len(catalogue)))
    n = curve.choices.shape[1]
    units = log_units(log)  # clustered by customer when the log has several rows per customer
    rows = []
    for ch in curve.choices:
        d = policy_difference(
            y,
            ch[pos].astype(int),
            np.zeros(len(pos), int),
            arm,
            propensity=prop,
            q_hat=q_hat,
            arms=arms,
            groups=units,
        )
        rows.append({"dr_incremental_profit": d["value"] * n, "dr_se": d["se"] * n})
    return pd.DataFrame(rows, index=curve.table.index)
