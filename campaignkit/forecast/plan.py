"""Forecast a plan's effect before it runs: totals per campaign and segment, each with an interval.

:func:`forecast_plan` sums the fold models' calibrated predictions over the plan's users (their mean, or with
``user_fold`` each user's one fold model's; :mod:`campaignkit.forecast.calibrate`) and gives every total an
interval that combines

- **model uncertainty**: the spread of the calibrated total over bootstrap replicates of the log
  (the calibration re-fitted on re-weighted rows; the models themselves are not refitted), and
- **sampling noise** of what the run will measure: with a holdout share ``h``, a campaign's realised lift is
  measured as ``n (mean of the contacted - mean of the held out)`` (:func:`~campaignkit.forecast.realised_lift`),
  whose variance is ``n (s1^2 / (1 - h) + s0^2 / h)`` with ``s1``, ``s0`` the outcome's spread under the
  campaign and under control among logged users like the plan's (the log's rows of that arm whose predicted
  uplift lies within the plan users' 10th-90th percentile; all the arm's rows when fewer than 30 qualify).

Intervals are for the sums a plan needs, not for single users (a binary outcome's individual effect interval is
nearly [-1, 1]). ``holdout=0`` forecasts the expectation only (nothing would measure the lift).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from campaignkit.errors import ParameterError
from campaignkit.forecast.calibrate import MIN_LIKE_ROWS, CalibrationRows, calibrate, check_folds, like_rows
from campaignkit.models.crossfit import CrossFit
from campaignkit.models.inputs import as_user_data
from campaignkit.models.outcomes import outcome
from campaignkit.models.profit import catalogue_arrays

__all__ = ["PlanForecast", "forecast_plan", "FORECAST_METRICS", "plan_choice", "plan_campaigns"]

FORECAST_METRICS: dict[str, tuple[str, bool]] = {
    "participants": ("participate", False),
    "incremental_conversions": ("convert", True),
    "incremental_revenue": ("revenue", True),
    "discount_cost": ("discount", False),
    "incremental_profit": ("profit", True),
}
"""Forecast total -> (prediction field, whether it is an effect against control rather than a level)."""

TOTAL_COLUMNS = (
    "reach",
    *FORECAST_METRICS,
    "contact_cost",
    "cost",
    "roi",
)
"""The totals of a forecast, in table order (``cost`` = discount + contact cost; ``roi`` = profit / cost)."""


@dataclass
class PlanForecast:
    """A plan's forecast effect.

    Attributes:
        table: One row per total (``metric``): ``forecast``, ``lower``, ``upper`` (the interval of what the
            run will measure), ``model_sd``, ``sampling_sd``, ``raw`` (the uncalibrated sum of the models'
            predictions).
        by_campaign: One row per campaign of the plan: ``campaign_id``, ``reach``, each total's forecast and
            ``<total>_lower`` / ``<total>_upper``.
        by_segment: The same per ``segment`` (None without segments); segments with fewer than
            ``MIN_GROUP_SIZE`` users are blanked.
        confidence: Nominal coverage of the intervals.
        holdout: The holdout share the sampling noise assumes.
    """

    table: pd.DataFrame
    by_campaign: pd.DataFrame
    by_segment: pd.DataFrame | None
    confidence: float
    holdout: float

    def __getitem__(self, metric: str) -> dict:
        """``forecast["incremental_profit"]`` -> the table's row as a dict."""
        rows = self.table[self.table["metric"] == metric]
        if rows.empty:
            raise KeyError(f"no total {metric!r}; totals: {list(self.table['metric'])}")
        return rows.iloc[0].to_dict()


def plan_campaigns(plan: pd.DataFrame, campaign_ids) -> np.ndarray:
    """Check a plan table and return the catalogue row of each of its rows' campaign.

    Args:
        plan: DataFrame ``user_id, campaign_id``, one row per user at most.
        campaign_ids: The catalogue's campaign ids (control first).

    Returns:
        Array of shape (n_plan_rows,) of ints.

    Raises:
        ParameterError: The plan is not a DataFrame, lacks a column, repeats a user or names a campaign not in the
            catalogue (the message names the plan row).
    """
    if not isinstance(plan, pd.DataFrame):
        raise ParameterError(
            f"plan must be a DataFrame with user_id and campaign_id, got {type(plan).__name__}"
        )
    missing = [c for c in ("user_id", "campaign_id") if c not in plan.columns]
    if missing:
        raise ParameterError(f"plan lacks column(s) {missing}; it needs user_id and campaign_id")
    dup = plan["user_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise ParameterError(f"plan row {row}: user {plan['user_id'].iloc[row]!r} is planned twice")
    col = pd.Index([str(c) for c in campaign_ids]).get_indexer(plan["campaign_id"].astype(str))
    if np.any(col < 0):
        row = int(np.flatnonzero(col < 0)[0])
        raise ParameterError(
            f"plan row {row}: campaign {plan['campaign_id'].iloc[row]!r} is not in the catalogue "
            f"{list(campaign_ids)}"
        )
    return col


def plan_choice(plan: pd.DataFrame, user_id: np.ndarray, campaign_ids) -> np.ndarray:
    """Catalogue row of each user's planned campaign (0, control, for users the plan leaves out).

    Args:
        plan: DataFrame ``user_id, campaign_id``, one row per user at most.
        user_id: The users, array of shape (n_users,).
        campaign_ids: The catalogue's campaign ids (control first).

    Returns:
        Array of shape (n_users,) of ints.

    Raises:
        ParameterError: The plan is not a DataFrame, lacks a column, repeats a user, names a user not among
            ``user_id`` or a campaign not in the catalogue.
    """
    col = plan_campaigns(plan, campaign_ids)
    pos = pd.Index(np.asarray(user_id)).get_indexer(plan["user_id"].to_numpy())
    if np.any(pos < 0):
        row = int(np.flatnonzero(pos < 0)[0])
        raise ParameterError(
            f"plan row {row}: user {plan['user_id'].iloc[row]!r} is not among the users scored"
        )
    choice = np.zeros(len(user_id), dtype=np.int64)
    choice[pos] = col
    return choice


def _spread(values: np.ndarray) -> float:
    return float(values.var(ddof=1)) if len(values) > 1 else 0.0


def _per_user(by_model: np.ndarray, own: np.ndarray | None) -> np.ndarray:
    """From an array (n_models, n_users): the models' mean per user, or with ``own`` each user's own model's."""
    return by_model.mean(axis=0) if own is None else by_model[own, np.arange(by_model.shape[1])]


def _sampling_var(
    cal: CalibrationRows,
    name: str,
    uplift: bool,
    pred_u: list,
    rows,
    camp,
    holdout: float,
    k: int,
    own: np.ndarray | None = None,
):
    """Per campaign, the variance of one user's share of the measured total (times n gives the total's); the plan
    users' predicted uplift is the fold models' mean, or with ``own`` each user's own fold model's."""
    y = cal.log[outcome(name).column].to_numpy(dtype=float)
    log_u, seen = np.zeros((len(y), k)), np.zeros(len(y))
    for r, pred in cal.views:  # each row's mean predicted profit uplift over the models not fitted on it
        q = np.asarray(pred.profit, dtype=float)
        log_u[r] += q - q[:, :1]
        seen[r] += 1
    log_u /= np.maximum(seen, 1)[:, None]
    var = np.zeros(k)
    for c in np.unique(camp):
        if c == 0:
            continue
        u_plan = _per_user(
            np.array([p[rows[camp == c], c] for p in pred_u]), None if own is None else own[camp == c]
        )
        like = like_rows(log_u[:, c], u_plan)

        def arm_var(arm, like=like):
            sel = cal.arms == arm
            return _spread(y[sel & like]) if (sel & like).sum() >= MIN_LIKE_ROWS else _spread(y[sel])

        s1 = arm_var(c)
        var[c] = s1 / (1.0 - holdout) + (arm_var(0) / holdout if uplift else 0.0)
    return var


def forecast_plan(
    cf: CrossFit,
    data,
    plan: pd.DataFrame,
    *,
    segment=None,
    holdout: float = 0.1,
    confidence: float = 0.9,
    n_boot: int = 200,
    random_state=None,
    predictions: list | None = None,
    calibration_log: pd.DataFrame | None = None,
    calibration_fold: np.ndarray | None = None,
    user_fold: np.ndarray | None = None,
) -> PlanForecast:
    """Forecast a plan's totals with intervals (see the module docstring).

    Args:
        cf: Cross-fitted models of a randomised (or logged-propensity) log (:func:`~campaignkit.models.crossfit`).
        data: Model input of the users the plan covers (users of ``data`` the plan leaves out get control).
        plan: DataFrame ``user_id, campaign_id`` (``campaign_id`` may be control).
        segment: Optional array of shape (n_users,) of segment labels, aligned with ``data``.
        holdout: Share of each campaign's planned users to be held out to measure the lift, in [0, 1).
        confidence: Nominal coverage of the intervals, in (0, 1).
        n_boot: Bootstrap replicates of the calibration.
        random_state: Seed.
        predictions: The fold models' predictions of ``data`` (``cf.predict(data)``), when already computed.
        calibration_log: A randomised (or logged-propensity) log of users of ``data`` that no fold model was
            fitted on - e.g. the plan's own users' rows of an earlier randomised campaign. Every fold model is
            then corrected on all its rows. Without it each fold model is corrected on the fold of ``cf``'s log it
            never saw; but if the plan was chosen by all the fold models together, the other models were fitted on
            that fold, the plan's composition follows its noise (campaigns whose rows happened to do well get more
            users) and the correction is biased towards the models' optimism. Pass an independent log whenever
            the plan comes from these models.
        calibration_fold: With ``calibration_log``, array of shape (n_log_rows,) of ints: for each of its rows
            the fold of ``cf`` it was held out from (``cf.fold`` of that row), or -1 for a row no fold model was
            fitted on. Fold model ``f`` is then corrected only on the rows with ``calibration_fold == f`` or -1,
            never on rows it was fitted on - for a ``calibration_log`` that holds rows of ``cf``'s own log (as the
            feedback loop's plan users' logged rows do). None: every model on every row.
        user_fold: None (each user's forecast is the mean of the fold models' corrected predictions), or array of
            shape (n_users,) of ints in ``[0, n_folds)``, aligned with ``data``: the one fold model that forecasts
            each user - for a plan whose every user's campaign was chosen by the fold model not fitted on the
            user's rows (cross-fitted planning); that model alone then predicts the user, corrected on the
            calibration rows it is corrected on (``calibration_fold``, or its held-out fold of ``cf``'s log)
            and post-stratified to its own users of the plan. Entries of users the plan leaves out are ignored.

    Returns:
        A :class:`PlanForecast`.

    Raises:
        ParameterError: On a bad plan (unknown user or campaign, a user twice), bad ``holdout`` /
            ``confidence``, a segment of the wrong length, a ``calibration_fold`` without ``calibration_log``,
            of the wrong length, with a fold out of range or leaving a fold model no row
            (:meth:`CalibrationRows.from_log <campaignkit.forecast.calibrate.CalibrationRows.from_log>`), or a
            ``user_fold`` of the wrong shape or with a fold out of range.
    """
    _check_shares(holdout, confidence)
    data = as_user_data(data)
    ids = cf.prediction.campaign_ids
    k = len(ids)
    choice = plan_choice(plan, data.user_id, ids)
    preds = _fold_predictions(cf, data, predictions)
    seg = _segment(segment, len(data))
    rows = np.flatnonzero(choice > 0)
    camp = choice[rows]
    own = None
    if user_fold is not None:
        own = check_folds(user_fold, len(data), cf.n_folds, name="user_fold", per="one fold per user of data")
        own = own[rows]
    cal_rows = _calibration_rows(cf, data, preds, calibration_log, calibration_fold)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    contact = catalogue_arrays(cf.catalogue)["contact"]

    cells = {"campaign": (camp, k)}
    seg_labels = None
    if seg is not None:
        seg_codes, seg_labels = pd.factorize(seg[rows], sort=True)
        cells["segment"] = (seg_codes * k + camp, len(seg_labels) * k)
    out = {
        level: {"reach": _const(np.bincount(cell, minlength=n_cells).astype(float), n_boot)}
        for level, (cell, n_cells) in cells.items()
    }
    profit_u = [np.asarray(p.profit) - np.asarray(p.profit)[:, :1] for p in preds]
    for metric, (name, uplift) in FORECAST_METRICS.items():
        if getattr(cf.prediction, name, None) is None:
            continue
        u = [np.asarray(getattr(p, name), dtype=float) for p in preds]
        if uplift:
            u = [a - a[:, :1] for a in u]
        cal = calibrate(
            cal_rows,
            name,
            uplift=uplift,
            plan_predictions=[a[rows] for a in u],
            plan_campaign=camp,
            n_boot=n_boot,
            random_state=random_state,
            plan_fold=own,
        )
        per_user = np.zeros(k)
        if holdout > 0:
            per_user = _sampling_var(cal_rows, name, uplift, profit_u, rows, camp, holdout, k, own)
        raw_user = _per_user(np.array([a[rows, camp] for a in u]), own)
        for level, cell in _cell_totals(cal, u, rows, camp, cells, per_user, raw_user, own).items():
            out[level][metric] = cell
    for level, (cell, n_cells) in cells.items():
        out[level]["contact_cost"] = _const(
            np.bincount(cell, weights=contact[camp], minlength=n_cells), n_boot
        )

    tables = {level: _cell_table(res, z, n_boot, random_state) for level, res in out.items()}
    by_campaign = tables["campaign"]
    by_campaign.insert(0, "campaign_id", list(ids))
    by_campaign = by_campaign[by_campaign["reach"] > 0].reset_index(drop=True)
    totals = _cell_table({m: _sum_cells(v) for m, v in out["campaign"].items()}, z, n_boot, random_state)
    table = _long(totals.iloc[0], out["campaign"], n_boot, z)
    by_segment = None if seg is None else _segment_table(tables["segment"], ids, seg_labels)
    return PlanForecast(table, by_campaign, by_segment, float(confidence), float(holdout))


def _check_shares(holdout, confidence) -> None:
    if not isinstance(holdout, (int, float, np.floating)) or not 0 <= holdout < 1:
        raise ParameterError(f"holdout must be a number in [0, 1), got {holdout!r}")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie in (0, 1), got {confidence!r}")


def _cell_totals(cal, u, rows, camp, cells: dict, per_user, raw_user, own) -> dict:
    """Per level of cells: one total's ``(calibrated total, bootstrap totals, sampling variance, raw sum)``."""
    out = {}
    for level, (cell, n_cells) in cells.items():
        total, boot = cal.total(u, rows, camp, n_cells, cell, fold=own)
        samp = np.bincount(cell, weights=per_user[camp], minlength=n_cells)
        raw = np.bincount(cell, weights=raw_user, minlength=n_cells)
        out[level] = (total, boot, samp, raw)
    return out


def _fold_predictions(cf: CrossFit, data, predictions) -> list:
    """The fold models' predictions of ``data``: ``predictions`` checked, or computed."""
    preds = cf.predict(data) if predictions is None else list(predictions)
    if len(preds) != cf.n_folds or any(len(p.user_id) != len(data) for p in preds):
        raise ParameterError(
            "predictions must be cf.predict(data): one per fold model, one row per user of data"
        )
    return preds


def _segment(segment, n_users: int) -> np.ndarray | None:
    """``segment`` as an array of shape (n_users,), checked (None stays None)."""
    if segment is None:
        return None
    seg = np.asarray(segment)
    if seg.shape != (n_users,):
        raise ParameterError(f"segment must have shape ({n_users},), got {seg.shape}")
    return seg


def _calibration_rows(cf: CrossFit, data, preds, calibration_log, calibration_fold) -> CalibrationRows:
    """The rows the forecast is corrected on: ``calibration_log`` (by ``calibration_fold``), else ``cf``'s folds."""
    if calibration_fold is not None and calibration_log is None:
        raise ParameterError(
            "calibration_fold says which fold each calibration_log row was held out from; "
            "pass calibration_log with it"
        )
    if calibration_log is None:
        return CalibrationRows.from_crossfit(cf)
    return CalibrationRows.from_log(calibration_log, cf.catalogue, data, preds, fold=calibration_fold)


def _segment_table(t: pd.DataFrame, ids, seg_labels) -> pd.DataFrame:
    """The per-(segment, campaign) cells with their labels; cells of too few users blanked."""
    from campaignkit.privacy import MIN_GROUP_SIZE

    n_seg = len(seg_labels)
    t.insert(0, "campaign_id", np.tile(np.asarray(ids, dtype=object), n_seg))
    t.insert(0, "segment", np.repeat(np.asarray(seg_labels, dtype=object), len(ids)))
    t = t[t["reach"] > 0].reset_index(drop=True)
    small = t["reach"] < MIN_GROUP_SIZE
    t.loc[small, [c for c in t.columns if c not in ("segment", "campaign_id")]] = np.nan
    return t


def _const(values: np.ndarray, n_boot: int):
    """A total known exactly (reach, contact cost): no model or sampling spread."""
    return values, np.repeat(values[None], n_boot, 0), np.zeros_like(values), values.copy()


def _sum_cells(v):
    total, boot, samp, raw = v
    return (
        total.sum(keepdims=True),
        boot.sum(axis=1, keepdims=True),
        samp.sum(keepdims=True),
        raw.sum(keepdims=True),
    )


def _cell_table(res: dict, z: float, n_boot: int, random_state) -> pd.DataFrame:
    """Forecast and interval per cell for every total, cost and ROI included (ROI by simulation)."""
    cols = {}
    draws = {}
    rng = np.random.default_rng(0 if random_state is None else random_state)
    for metric, (total, boot, samp, _raw) in res.items():
        sd = np.sqrt(np.var(boot, axis=0, ddof=1) + samp) if metric != "reach" else np.zeros_like(total)
        cols[metric] = total
        if metric != "reach":
            cols[f"{metric}_lower"] = total - z * sd
            cols[f"{metric}_upper"] = total + z * sd
        draws[metric] = boot - boot.mean(axis=0) + total + rng.normal(size=boot.shape) * np.sqrt(samp)
    if "discount_cost" in res:
        cost = res["discount_cost"][0] + res["contact_cost"][0]
        cost_draws = draws["discount_cost"] + draws["contact_cost"]
        cols["cost"] = cost
        cost_sd = cost_draws.std(axis=0, ddof=1)
        cols["cost_lower"], cols["cost_upper"] = cost - z * cost_sd, cost + z * cost_sd
        if "incremental_profit" in res:
            with np.errstate(divide="ignore", invalid="ignore"):
                roi = np.where(cost > 0, res["incremental_profit"][0] / cost, np.nan)
                roi_draws = np.where(cost_draws > 0, draws["incremental_profit"] / cost_draws, np.nan)
            tail = (1 - (2 * stats.norm.cdf(z) - 1)) / 2
            cols["roi"] = roi
            with warnings.catch_warnings():  # cells with no spend have no ROI: NaN, said in the table
                warnings.simplefilter("ignore", RuntimeWarning)
                cols["roi_lower"] = np.nanquantile(roi_draws, tail, axis=0)
                cols["roi_upper"] = np.nanquantile(roi_draws, 1 - tail, axis=0)
    return pd.DataFrame(cols)


def _long(row: pd.Series, res: dict, n_boot: int, z: float) -> pd.DataFrame:
    """The totals as one row per metric (forecast, interval, model and sampling sd, raw sum)."""
    recs = []
    for metric in TOTAL_COLUMNS:
        if metric not in row.index:
            continue
        total, boot, samp, raw = _sum_cells(res[metric]) if metric in res else (None, None, None, None)
        recs.append(
            {
                "metric": metric,
                "forecast": float(row[metric]),
                "lower": float(row.get(f"{metric}_lower", row[metric])),
                "upper": float(row.get(f"{metric}_upper", row[metric])),
                "model_sd": float(boot.std(ddof=1)) if boot is not None and n_boot > 1 else np.nan,
                "sampling_sd": float(np.sqrt(samp[0])) if samp is not None else np.nan,
                "raw": float(raw[0]) if raw is not None else np.nan,
            }
        )
    return pd.DataFrame(recs)
