"""Off-policy values of plans on a logged campaign: IPS, self-normalised IPS and doubly robust.

A plan is valued on a randomised (or logged-propensity) log by the rows whose logged campaign is the one
the plan would have chosen (:mod:`campaignkit.metrics.policy` holds the estimators). Here plans are
``user_id -> campaign_id`` tables or arrays over the log's rows, values come with standard errors, intervals
and effective sample sizes, and two plans valued on the same rows are compared with the *paired* standard
error of their difference. :func:`crossfit_plan_value` values the plan a model would choose for the log's
own users with cross-fitted predictions (:func:`~campaignkit.models.crossfit`), so a plan chosen on a log
can be valued on that log without the optimism of scoring rows the model was fitted on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import log_units
from campaignkit.errors import ParameterError
from campaignkit.forecast.plan import plan_campaigns
from campaignkit.metrics.policy import policy_difference, policy_values
from campaignkit.models.crossfit import CrossFit, check_propensity
from campaignkit.models.outcomes import outcome
from campaignkit.models.profit import realised_profit

__all__ = ["log_choice", "off_policy_values", "compare_plans", "crossfit_plan_value"]


def log_choice(plan, log: pd.DataFrame, campaign_ids) -> np.ndarray:
    """The catalogue row a plan gives each logged row's user (control for users the plan leaves out).

    Args:
        plan: DataFrame ``user_id, campaign_id``, or an array of shape (n_rows,) of campaign ids or of
            catalogue rows (ints) aligned with the log.
        log: The log (``user_id``).
        campaign_ids: Catalogue ids in column order (control first).

    Returns:
        Array of shape (n_rows,) of ints.

    Raises:
        ParameterError: An unknown campaign, a user planned twice, or an array of the wrong length.
    """
    ids = pd.Index([str(c) for c in campaign_ids])
    if isinstance(plan, pd.DataFrame):
        col = plan_campaigns(plan, campaign_ids)
        pos = pd.Index(plan["user_id"].to_numpy()).get_indexer(log["user_id"].to_numpy())
        return np.where(pos >= 0, col[np.maximum(pos, 0)], 0).astype(np.int64)
    arr = np.asarray(plan)
    if arr.shape != (len(log),):
        raise ParameterError(
            f"a plan given as an array needs one entry per log row ({len(log)}), got {arr.shape}"
        )
    if arr.dtype.kind in "iu":
        if arr.min(initial=0) < 0 or arr.max(initial=0) >= len(ids):
            raise ParameterError(f"catalogue rows must lie in [0, {len(ids)})")
        return arr.astype(np.int64)
    col = ids.get_indexer(arr.astype(str))
    if np.any(col < 0):
        row = int(np.flatnonzero(col < 0)[0])
        raise ParameterError(f"plan entry {row}: campaign {arr[row]!r} is not in the catalogue {list(ids)}")
    return col.astype(np.int64)


def _campaigns(campaign_ids) -> tuple[list, pd.DataFrame | None]:
    """Campaign ids, and the validated catalogue when ``campaign_ids`` is one (a DataFrame)."""
    if isinstance(campaign_ids, pd.DataFrame):
        catalogue = validate_catalogue(campaign_ids)
        return catalogue["campaign_id"].astype(str).tolist(), catalogue
    return list(campaign_ids), None


def _metric_values(log: pd.DataFrame, metric: str, catalogue: pd.DataFrame | None) -> np.ndarray:
    """The logged ``metric``; a missing ``profit`` computed by ``realised_profit`` when the catalogue is known."""
    col = outcome(metric).column if metric in ("participate", "convert", "retain") else metric
    if col in log.columns:
        return log[col].to_numpy(dtype=float)
    if col == "profit" and catalogue is not None:
        return np.asarray(realised_profit(log, catalogue), dtype=float)
    hint = (
        ": pass the catalogue (a DataFrame) as campaign_ids and it is computed with "
        "models.profit.realised_profit (margin_rate x revenue - discount paid - contact cost)"
        if col == "profit"
        else ""
    )
    raise ParameterError(f"the log has no {col!r} column to value plans by{hint}")


def _logged(log: pd.DataFrame, campaign_ids, metric: str):
    campaign_ids, catalogue = _campaigns(campaign_ids)
    ids = pd.Index([str(c) for c in campaign_ids])
    arms = ids.get_indexer(log["campaign_id"].astype(str))
    if np.any(arms < 0):
        row = int(np.flatnonzero(arms < 0)[0])
        raise ParameterError(
            f"log row {row}: campaign {log['campaign_id'].iloc[row]!r} is not in the catalogue"
        )
    return _metric_values(log, metric, catalogue), arms, check_propensity(log)


def _interval(value: float, se: float, confidence: float) -> tuple[float, float]:
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return value - z * se, value + z * se


def off_policy_values(
    log: pd.DataFrame,
    plans: dict,
    campaign_ids,
    *,
    q_hat=None,
    metric: str = "profit",
    reference="control",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """IPS, SNIPS and DR value per user of each plan, and each plan's DR difference from a reference.

    Args:
        log: Logged campaign (``user_id, campaign_id, propensity`` and the ``metric`` column).
        plans: ``{name: plan}``, each a DataFrame ``user_id, campaign_id`` or an array over the log's rows
            (see :func:`log_choice`).
        campaign_ids: Catalogue ids in the column order of ``q_hat`` (control first), or the catalogue itself
            (a DataFrame): then a log without a ``profit`` column gets one from
            :func:`~campaignkit.models.profit.realised_profit` (margin x revenue - discount paid - contact cost).
        q_hat: Array (n_rows, n_campaigns) of predicted ``metric`` per campaign for each row's user (needed for
            DR; cross-fitted when the plans were chosen on this log).
        metric: Log column to value (``profit``, ``revenue``, ``converted`` ...; ``participate`` /
            ``convert`` / ``retain`` name their columns).
        reference: A plan name of ``plans``, ``"control"`` (nobody contacted) or None (no differences).
        confidence: Nominal coverage of the normal intervals.

    Returns:
        DataFrame, one row per (plan, method): ``plan, method, value, se, lower, upper, ess, n`` and, for DR
        with a reference, ``diff``, ``diff_se``, ``diff_lower``, ``diff_upper`` (paired, same rows).

    Raises:
        ParameterError / SchemaError: On unknown campaigns, propensities outside (0, 1] or missing, bad shapes.
    """
    y, arms, p = _logged(log, campaign_ids, metric)
    campaign_ids = _campaigns(campaign_ids)[0]
    k = len(campaign_ids)
    cols = np.arange(k)
    choices = {name: log_choice(plan, log, campaign_ids) for name, plan in plans.items()}
    if reference is None:
        ref = None
    elif isinstance(reference, str) and reference == "control" and "control" not in choices:
        ref = np.zeros(len(log), dtype=np.int64)
    elif reference in choices:
        ref = choices[reference]
    else:
        raise ParameterError(
            f"reference must be 'control', None or one of {list(choices)}, got {reference!r}"
        )
    units = log_units(log)  # standard errors clustered by customer (one row each: the plain ones)
    recs = []
    for name, choice in choices.items():
        vals = policy_values(y, choice, arms, propensity=p, q_hat=q_hat, arms=cols, groups=units)
        for method, v in vals.items():
            lo, hi = _interval(v["value"], v["se"], confidence)
            rec = {
                "plan": name,
                "method": method,
                "value": v["value"],
                "se": v["se"],
                "lower": lo,
                "upper": hi,
                "ess": v["ess"],
                "n": v["n"],
            }
            if method == "dr" and ref is not None:
                d = policy_difference(
                    y, choice, ref, arms, propensity=p, q_hat=q_hat, arms=cols, groups=units
                )
                rec["diff"], rec["diff_se"] = d["value"], d["se"]
                rec["diff_lower"], rec["diff_upper"] = _interval(d["value"], d["se"], confidence)
            recs.append(rec)
    return pd.DataFrame(recs)


def compare_plans(
    log: pd.DataFrame,
    plan_a,
    plan_b,
    campaign_ids,
    *,
    q_hat,
    metric: str = "profit",
    confidence: float = 0.95,
) -> dict:
    """DR value of ``plan_a`` minus ``plan_b`` per user, with the paired standard error.

    Args:
        log: Logged campaign.
        plan_a: A plan (see :func:`log_choice`).
        plan_b: The plan it is compared with.
        campaign_ids: Catalogue ids (column order of ``q_hat``), or the catalogue (see
            :func:`off_policy_values`).
        q_hat: Array (n_rows, n_campaigns) of predicted ``metric``.
        metric: As in :func:`off_policy_values`.
        confidence: Nominal coverage.

    Returns:
        Dict with ``value, se, lower, upper`` (the difference) and each plan's ``a_value, a_se, b_value, b_se``.
    """
    y, arms, p = _logged(log, campaign_ids, metric)
    campaign_ids = _campaigns(campaign_ids)[0]
    a, b = log_choice(plan_a, log, campaign_ids), log_choice(plan_b, log, campaign_ids)
    d = policy_difference(
        y, a, b, arms, propensity=p, q_hat=q_hat, arms=np.arange(len(campaign_ids)), groups=log_units(log)
    )
    lo, hi = _interval(d["value"], d["se"], confidence)
    return {
        "value": d["value"],
        "se": d["se"],
        "lower": lo,
        "upper": hi,
        "a_value": d["policy_value"],
        "a_se": d["policy_se"],
        "b_value": d["reference_value"],
        "b_se": d["reference_se"],
        "n": d["n"],
    }


def crossfit_plan_value(
    cf: CrossFit, choose=None, *, metric: str = "profit", confidence: float = 0.95
) -> dict:
    """Value, on the log itself, of the plan the cross-fitted models choose for the log's users.

    Every row's choice and outcome model come from the fold model that never saw the row, so the estimate has
    no in-sample optimism.

    Args:
        cf: A :class:`~campaignkit.forecast.CrossFit`.
        choose: Function ``Prediction -> array of catalogue rows`` (default: the fold models' own rule,
            ``choose_from_outcomes``: the highest predicted profit uplift, contact only when positive).
        metric: Prediction field and log outcome to value by.
        confidence: Nominal coverage.

    Returns:
        Dict with ``choice`` (catalogue row per log row), ``values`` (:func:`off_policy_values` with reference
        control) and ``dr`` (the DR row as a dict).
    """
    choose = cf.models[0].choose_from_outcomes if choose is None else choose
    choice = np.asarray(choose(cf.prediction), dtype=np.int64)
    q = getattr(cf.prediction, metric, None)
    if q is None:
        raise ParameterError(f"the cross-fitted models predict no {metric!r}")
    col = outcome(metric).column
    values = off_policy_values(
        cf.log, {"plan": choice}, cf.prediction.campaign_ids, q_hat=q, metric=col, confidence=confidence
    )
    return {"choice": choice, "values": values, "dr": values[values["method"] == "dr"].iloc[0].to_dict()}
