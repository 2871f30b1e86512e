"""The world as referee: one seeded run of the whole forecast-and-check cycle, for coverage audits.

:func:`audit_run` builds a new world, logs a randomised campaign, cross-fits a model on 70% of the users,
plans the other 30% with the fold models, forecasts the plan (corrected on those users' own logged rows, which no
model was fitted on), runs it in the world with a random holdout and
measures the realised lift; it also values plans off-policy against the world's exact truth - the plan chosen
on a different log (the held-out users' rows) and the plan chosen on the same log, with cross-fitting and,
optionally, without. Repeating it over many seeds (a new world, a new fit, a new draw each time) tells whether
the intervals cover as often as they say (:func:`coverage_summary`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone

from campaignkit.data import make_world, world_user_table
from campaignkit.evaluation import true_value_mean
from campaignkit.forecast.ope import off_policy_values
from campaignkit.forecast.plan import forecast_plan
from campaignkit.forecast.realised import realised_lift
from campaignkit.models.crossfit import crossfit
from campaignkit.models.policy import best_campaign

__all__ = ["audit_run", "coverage_summary", "coverage_curve"]

AUDITED = ("incremental_profit", "incremental_revenue", "participants")
"""Totals whose interval coverage :func:`audit_run` records."""


def _choice(preds) -> np.ndarray:
    """The fold models' plan: highest mean predicted profit uplift, contact only when positive."""
    up = np.mean([p.profit - p.profit[:, :1] for p in preds], axis=0)
    return best_campaign(up)


def audit_run(
    seed: int,
    model,
    *,
    n_users: int = 10_000,
    holdout: float = 0.1,
    n_folds: int = 3,
    confidence: float = 0.9,
    dr_confidence: float = 0.95,
    in_sample: bool = False,
    n_boot: int = 200,
) -> dict:
    """One seeded run: new world, new fit, new draw; forecast and off-policy values against the truth.

    Args:
        seed: World seed (the log, split, folds and run are seeded from it).
        model: An unfitted kit model (cloned).
        n_users: Users of the world.
        holdout: Holdout share of the run.
        n_folds: Cross-fitting folds.
        confidence: Nominal coverage of the forecast intervals.
        dr_confidence: Nominal coverage of the doubly robust intervals.
        in_sample: Also fit ``model`` on the whole 70% and value its plan on the same rows without cross-fitting
            (one more fit), to show the optimism cross-fitting removes.
        n_boot: Bootstrap replicates of the forecast.

    Returns:
        Dict: per audited total ``<total>_forecast, _lower, _upper, _exact, _realised, _realised_se, _inside``;
        ``dr_other_*`` (the held-out plan valued on the held-out users' log rows: per-user incremental profit
        ``value, se, lower, upper, truth, inside``), ``dr_same_*`` (the cross-fitted plan on the fitting log)
        and, with ``in_sample``, ``dr_naive_*``.
    """
    world = make_world(n_users, random_state=seed)
    users = world_user_table(world)
    log = world.log_randomised(random_state=seed + 1)
    ids = users["user_id"].to_numpy()
    train = np.random.default_rng(seed + 2).random(len(ids)) < 0.7
    a, b = ids[train], ids[~train]
    log_a = log[log["user_id"].isin(a)].reset_index(drop=True)
    log_b = log[log["user_id"].isin(b)].reset_index(drop=True)
    data_a, data_b = users[train].reset_index(drop=True), users[~train].reset_index(drop=True)
    cf = crossfit(model, data_a, log_a, world.catalogue, n_folds=n_folds, random_state=seed + 3)
    preds = cf.predict(data_b)
    choice = _choice(preds)
    cids = np.asarray(world.campaign_ids, dtype=object)
    plan = pd.DataFrame({"user_id": b[choice > 0], "campaign_id": cids[choice[choice > 0]]})
    out: dict = {
        "seed": seed,
        "n_users": n_users,
        "n_folds": n_folds,
        "reach": int((choice > 0).sum()),
        "confidence": confidence,
    }
    if not len(plan):
        return out
    fc = forecast_plan(
        cf,
        data_b,
        plan,
        holdout=holdout,
        confidence=confidence,
        n_boot=n_boot,
        random_state=seed,
        predictions=preds,
        calibration_log=log_b,
    )
    exact = world.evaluate_plan(plan)
    run = world.run_plan(plan, holdout=holdout, random_state=seed + 4)
    real = realised_lift(run, confidence=confidence)
    real = real[real["campaign_id"] == "all"].set_index("metric")
    for metric in AUDITED:
        f = fc[metric]
        out.update(
            {
                f"{metric}_forecast": f["forecast"],
                f"{metric}_raw": f["raw"],
                f"{metric}_lower": f["lower"],
                f"{metric}_upper": f["upper"],
                f"{metric}_model_sd": f["model_sd"],
                f"{metric}_sampling_sd": f["sampling_sd"],
                f"{metric}_exact": float(exact[metric]),
                f"{metric}_realised": float(real.loc[metric, "value"]),
                f"{metric}_realised_se": float(real.loc[metric, "se"]),
                f"{metric}_inside": bool(f["lower"] <= real.loc[metric, "value"] <= f["upper"]),
            }
        )
    # off-policy: the held-out plan on the held-out users' own log rows (a log the plan was not chosen on)
    q_b = np.mean([p.profit for p in preds], axis=0)
    rows_b = pd.Index(b).get_indexer(log_b["user_id"].to_numpy())
    other = off_policy_values(
        log_b, {"plan": choice[rows_b]}, world.campaign_ids, q_hat=q_b[rows_b], confidence=dr_confidence
    )
    truth_b = true_value_mean(world, log_b["user_id"].to_numpy(), choice[rows_b])["incremental_profit"]
    out.update(_dr_fields("dr_other", other, truth_b))
    # the plan chosen on the same log, valued with cross-fitted predictions
    same_choice = best_campaign(cf.prediction.profit - cf.prediction.profit[:, :1])
    same = off_policy_values(
        cf.log,
        {"plan": same_choice},
        world.campaign_ids,
        q_hat=cf.prediction.profit,
        confidence=dr_confidence,
    )
    truth_a = true_value_mean(world, cf.log["user_id"].to_numpy(), same_choice)["incremental_profit"]
    out.update(_dr_fields("dr_same", same, truth_a))
    if in_sample:
        full = clone(model).fit(data_a, log_a, world.catalogue)
        pa = full.predict_outcomes(data_a.iloc[pd.Index(a).get_indexer(log_a["user_id"].to_numpy())])
        naive_choice = best_campaign(pa.profit - pa.profit[:, :1])
        naive = off_policy_values(
            log_a, {"plan": naive_choice}, world.campaign_ids, q_hat=pa.profit, confidence=dr_confidence
        )
        truth_n = true_value_mean(world, log_a["user_id"].to_numpy(), naive_choice)["incremental_profit"]
        out.update(_dr_fields("dr_naive", naive, truth_n))
    return out


def _dr_fields(prefix: str, values: pd.DataFrame, truth: float) -> dict:
    dr = values[values["method"] == "dr"].iloc[0]
    return {
        f"{prefix}_value": float(dr["diff"]),
        f"{prefix}_se": float(dr["diff_se"]),
        f"{prefix}_lower": float(dr["diff_lower"]),
        f"{prefix}_upper": float(dr["diff_upper"]),
        f"{prefix}_truth": float(truth),
        f"{prefix}_inside": bool(dr["diff_lower"] <= truth <= dr["diff_upper"]),
    }


def coverage_summary(runs: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Coverage and widths over audit runs.

    Args:
        runs: :func:`audit_run` results.

    Returns:
        DataFrame, one row per audited quantity: ``runs``, ``coverage`` (share inside), ``mean_width``,
        ``oracle_width`` (for forecasts: the width an oracle that knew the exact expectation would need for the
        measurement noise alone, ``2 z x realised_se``), ``bias`` (mean estimate minus truth) and
        ``mean_abs_rel_error`` (forecasts: against the exact expectation).
    """
    from scipy import stats

    df = pd.DataFrame(runs)
    recs = []
    for metric in AUDITED:
        if f"{metric}_inside" not in df:
            continue
        d = df.dropna(subset=[f"{metric}_inside"])
        width = d[f"{metric}_upper"] - d[f"{metric}_lower"]
        z = stats.norm.ppf(0.5 + d["confidence"] / 2)
        exact = d[f"{metric}_exact"]
        recs.append(
            {
                "quantity": f"forecast {metric}",
                "runs": len(d),
                "coverage": float(d[f"{metric}_inside"].mean()),
                "mean_width": float(width.mean()),
                "oracle_width": float((2 * z * d[f"{metric}_realised_se"]).mean()),
                "bias": float((d[f"{metric}_forecast"] - exact).mean()),
                "mean_abs_rel_error": float((d[f"{metric}_forecast"] / exact - 1).abs().mean()),
            }
        )
    for prefix, label in (
        ("dr_other", "DR, plan from another log"),
        ("dr_same", "DR, same log, cross-fitted"),
        ("dr_naive", "DR, same log, not cross-fitted"),
    ):
        if f"{prefix}_inside" not in df:
            continue
        d = df.dropna(subset=[f"{prefix}_inside"])
        recs.append(
            {
                "quantity": label,
                "runs": len(d),
                "coverage": float(d[f"{prefix}_inside"].mean()),
                "mean_width": float((d[f"{prefix}_upper"] - d[f"{prefix}_lower"]).mean()),
                "oracle_width": np.nan,
                "bias": float((d[f"{prefix}_value"] - d[f"{prefix}_truth"]).mean()),
                "mean_abs_rel_error": np.nan,
            }
        )
    return pd.DataFrame(recs)


def coverage_curve(
    runs: list[dict] | pd.DataFrame, metric: str = "incremental_profit", levels=None
) -> pd.DataFrame:
    """Empirical coverage of the forecast intervals at several nominal levels, over audit runs.

    Each run's interval at level ``L`` is ``forecast +/- z_L sqrt(model_sd^2 + sampling_sd^2)``; a calibrated
    forecast covers the realised total in a share ``L`` of the runs at every level.

    Args:
        runs: :func:`audit_run` results.
        metric: An audited total.
        levels: Nominal levels (default 0.5, 0.6, ..., 0.9, 0.95).

    Returns:
        DataFrame with ``nominal``, ``empirical`` and ``runs``.
    """
    from scipy import stats

    df = pd.DataFrame(runs).dropna(subset=[f"{metric}_forecast"])
    levels = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 0.95] if levels is None else levels, dtype=float)
    sd = np.sqrt(df[f"{metric}_model_sd"] ** 2 + df[f"{metric}_sampling_sd"] ** 2).to_numpy()
    err = np.abs(df[f"{metric}_realised"] - df[f"{metric}_forecast"]).to_numpy()
    emp = [float(np.mean(err <= stats.norm.ppf(0.5 + lv / 2) * sd)) for lv in levels]
    return pd.DataFrame({"nominal": levels, "empirical": emp, "runs": len(df)})
