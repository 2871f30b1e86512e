"""Calibrating a model's predicted effects against a randomised log, with bootstrap replicates.

A plan picks the users whose predicted uplift is highest, so summing the model's predictions over a plan
overstates its effect (the winner's curse), and a model's level can be off altogether. The log corrects both.
For each logged row ``j`` and campaign ``c`` the doubly robust pseudo-outcome

    G_j(c) = q_j(c) + 1[a_j = c] (y_j - q_j(c)) / p_j

(``q`` the cross-fitted prediction, ``a_j`` the logged campaign, ``p_j`` its propensity) has the row's true
expected outcome under ``c`` as its mean; its uplift form is ``G_j(c) - G_j(0)``. The mean of ``G - q`` over the
logged rows, post-stratified on the prediction to match the plan's users (:func:`strata`), is how far such
predictions are off; adding it per user corrects the plan's total. Every fold model is corrected on the rows it never saw, and
bootstrap replicates re-weight the log's rows (Poisson weights, independent per unit: a customer's rows share one) to give the corrected
totals' sampling distribution without refitting a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.data.schema import log_units
from campaignkit.errors import ParameterError
from campaignkit.models.crossfit import CrossFit
from campaignkit.models.outcomes import outcome

__all__ = [
    "Calibration",
    "CalibrationRows",
    "calibrate",
    "dr_pseudo",
    "pseudo_outcomes",
    "like_rows",
    "strata",
]


def dr_pseudo(
    q: np.ndarray, y: np.ndarray, arms: np.ndarray, propensity: np.ndarray, *, uplift: bool
) -> np.ndarray:
    """Doubly robust pseudo-outcomes ``G(c) = q(c) + 1[a = c] (y - q(c)) / p`` (minus ``G(0)`` when ``uplift``).

    Args:
        q: Array (n_rows, n_campaigns) of predictions.
        y: Array (n_rows,) of logged outcomes.
        arms: Array (n_rows,) of logged catalogue rows.
        propensity: Array (n_rows,) of logging probabilities.
        uplift: Return the effect against control.

    Returns:
        Array (n_rows, n_campaigns).
    """
    rows = np.arange(len(y))
    g = np.array(q, dtype=float, copy=True)
    g[rows, arms] += (y - q[rows, arms]) / propensity
    return g - g[:, :1] if uplift else g


def pseudo_outcomes(cf: CrossFit, name: str, *, uplift: bool) -> np.ndarray:
    """Doubly robust pseudo-outcomes of every log row of a cross-fit under every campaign (:func:`dr_pseudo`).

    Args:
        cf: A :class:`~campaignkit.models.crossfit.CrossFit`.
        name: A prediction field (``participate``, ``convert``, ``revenue``, ``discount``, ``profit``,
            ``retain``).
        uplift: Return ``G(c) - G(0)`` instead of the level ``G(c)``.

    Returns:
        Array of shape (n_rows, n_campaigns).
    """
    q = getattr(cf.prediction, name, None)
    if q is None:
        raise ParameterError(f"the cross-fitted models predict no {name!r}")
    y = cf.log[outcome(name).column].to_numpy(dtype=float)
    return dr_pseudo(np.asarray(q, dtype=float), y, cf.arms, cf.propensity, uplift=uplift)


def check_folds(fold, n: int, n_folds: int, *, name: str, per: str, unseen: bool = False) -> np.ndarray:
    """A per-row (or per-user) array of fold numbers as ints, or a clear error naming ``name``.

    Args:
        fold: The array to check.
        n: Its expected length.
        n_folds: Fold models of the cross-fit (folds run ``0 .. n_folds - 1``).
        name: The argument's name, for the messages.
        per: What the entries are (``"one entry per calibration_log row"``, ``"one fold per user of data"``).
        unseen: Whether ``-1`` (a row no fold model was fitted on) is allowed.

    Returns:
        Array of shape (n,) of int64.

    Raises:
        ParameterError: Wrong shape, a non-integer dtype or a fold out of range.
    """
    fold = np.asarray(fold)
    if fold.shape != (n,):
        raise ParameterError(f"{name} must hold {per}, shape ({n},), got {fold.shape}")
    if fold.size and not np.issubdtype(fold.dtype, np.integer):
        raise ParameterError(
            f"{name} must hold integers (fold numbers{' or -1' if unseen else ''}), got {fold.dtype}"
        )
    bad = (fold < (-1 if unseen else 0)) | (fold >= n_folds)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        extra = ", or -1 for a row no model was fitted on" if unseen else ""
        raise ParameterError(
            f"{name} row {row}: fold {int(fold[row])} is out of range; the cross-fit has "
            f"{n_folds} fold models (0..{n_folds - 1}{extra})"
        )
    return fold.astype(np.int64)


@dataclass
class CalibrationRows:
    """Logged rows a forecast is corrected on, and each fold model's view of them.

    Attributes:
        log: The prepared log (outcome columns as :mod:`campaignkit.models.outcomes` names them).
        arms: Array (n_rows,) of logged catalogue rows.
        propensity: Array (n_rows,).
        views: One ``(rows, prediction)`` per fold model: the rows it is corrected on (never used to fit it) and its
            :class:`~campaignkit.models.prediction.Prediction` of them (same row order).
    """

    log: pd.DataFrame
    arms: np.ndarray
    propensity: np.ndarray
    views: list

    @classmethod
    def from_crossfit(cls, cf: CrossFit) -> CalibrationRows:
        """Each fold model on the fold it never saw (the plan must not be chosen by models fitted on these rows,
        or its composition follows their noise: see :func:`~campaignkit.forecast.forecast_plan`)."""
        views = [(np.flatnonzero(cf.fold == f), cf.prediction) for f in range(cf.n_folds)]
        return cls(cf.log, cf.arms, cf.propensity, [(r, _take(p, r)) for r, p in views])

    @classmethod
    def from_log(
        cls, log: pd.DataFrame, catalogue: pd.DataFrame, data, predictions: list, *, fold=None
    ) -> CalibrationRows:
        """The rows of a log each fold model is corrected on: all of them, or those held out from its fit.

        Args:
            log: A randomised (or logged-propensity) log of users of ``data``.
            catalogue: The validated catalogue the models predict.
            data: Model input (:class:`~campaignkit.models.inputs.UserData`) holding every log user.
            predictions: One :class:`~campaignkit.models.prediction.Prediction` per fold model, one row per user
                of ``data``.
            fold: None (every fold model is corrected on every row: a log no fold model was fitted on), or array
                of shape (n_rows,) of ints: for each log row, the fold of the cross-fit it was held out from
                (``CrossFit.fold``), so fold model ``f`` is corrected only on the rows with ``fold == f``; ``-1``
                marks a row no fold model was fitted on, which corrects every model.

        Returns:
            A :class:`CalibrationRows`.

        Raises:
            ParameterError: ``fold`` is not of length ``len(log)``, holds a non-integer or a value outside
                ``[-1, n_folds)``, or leaves a fold model without a row.
            SchemaError: A log user is not in ``data``, a campaign not in the catalogue or a propensity is bad.
        """
        from campaignkit.models.base import prepare_log
        from campaignkit.models.crossfit import check_propensity

        n_folds = len(predictions)
        every = np.arange(len(log))
        if fold is None:
            keep = [every] * n_folds
        else:
            fold = check_folds(
                fold,
                len(log),
                n_folds,
                name="calibration_fold",
                per="one entry per calibration_log row",
                unseen=True,
            )
            keep = [np.flatnonzero((fold == f) | (fold == -1)) for f in range(n_folds)]
            empty = [f for f, r in enumerate(keep) if len(r) == 0]
            if empty:
                raise ParameterError(
                    f"calibration_fold leaves fold model(s) {empty} without a row to be corrected on: give each "
                    "fold some rows held out from it (or -1 rows)"
                )
        prepared, log_rows, arms = prepare_log(log, catalogue, data)
        views = [(r, _take(p, log_rows[r])) for r, p in zip(keep, predictions, strict=True)]
        return cls(prepared, np.asarray(arms, dtype=np.int64), check_propensity(log), views)

    def fold_arrays(self, name: str, *, uplift: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per fold model: ``(rows, prediction, residual)`` of one outcome, the residual being pseudo-outcome
        minus prediction (uplift forms when ``uplift``)."""
        col = outcome(name).column
        out = []
        for rows, pred in self.views:
            q = getattr(pred, name, None)
            if q is None:
                raise ParameterError(f"the models predict no {name!r}")
            q = np.asarray(q, dtype=float)
            g = dr_pseudo(
                q,
                self.log[col].to_numpy(dtype=float)[rows],
                self.arms[rows],
                self.propensity[rows],
                uplift=uplift,
            )
            u = q - q[:, :1] if uplift else q
            out.append((rows, u, g - u))
        return out


def _take(pred, rows):
    """A prediction restricted to some rows (a light copy of the arrays the calibration reads)."""
    from types import SimpleNamespace

    from campaignkit.models.prediction import PREDICTION_FIELDS

    return SimpleNamespace(
        **{f: (None if getattr(pred, f) is None else getattr(pred, f)[rows]) for f in PREDICTION_FIELDS}
    )


MIN_LIKE_ROWS = 30
"""Fewest logged rows "like" a plan's users (or in one stratum) for a correction to be read from them alone."""

N_STRATA = 5
"""Strata of the plan users' predictions in which the log's rows are compared (fewer when rows run short)."""


def strata(u_log: np.ndarray, u_plan: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Post-stratify logged rows on the prediction, in quantile strata of the plan users' predictions.

    The outermost strata are open-ended, so every logged row falls in one. Up to :data:`N_STRATA` strata, fewer
    when a stratum would hold fewer than :data:`MIN_LIKE_ROWS` logged rows.

    Args:
        u_log: Array (n_rows,): predictions of the logged rows for one campaign.
        u_plan: Array (n_plan,): predictions of the plan's users for that campaign.

    Returns:
        ``(share, members)``: the plan users' share in each stratum, and a boolean mask of the logged rows per
        stratum.
    """
    for n in range(N_STRATA, 0, -1):
        edges = np.quantile(u_plan, np.arange(1, n) / n) if n > 1 else np.array([])
        lb, pb = np.searchsorted(edges, u_log), np.searchsorted(edges, u_plan)
        counts = np.bincount(lb, minlength=n)
        if counts.min() >= MIN_LIKE_ROWS or n == 1:
            share = np.bincount(pb, minlength=n) / len(u_plan)
            return share, [lb == i for i in range(n)]
    raise AssertionError("unreachable")  # pragma: no cover


def like_rows(u_log: np.ndarray, u_plan: np.ndarray) -> np.ndarray:
    """Logged rows whose prediction lies within the 10th-90th percentile of the plan users' predictions.

    Args:
        u_log: Array (n_rows,): predictions of the logged rows for one campaign.
        u_plan: Array (n_plan,): predictions of the plan's users for that campaign.

    Returns:
        Boolean mask of shape (n_rows,); every row when fewer than ``MIN_LIKE_ROWS`` qualify.
    """
    lo, hi = np.quantile(u_plan, [0.1, 0.9])
    like = (u_log >= lo) & (u_log <= hi)
    return like if like.sum() >= MIN_LIKE_ROWS else np.ones_like(like)


@dataclass
class Calibration:
    """Per-fold, per-campaign correction of one outcome's predictions, with bootstrap replicates.

    Attributes:
        name: The outcome.
        uplift: Whether it corrects the effect against control (else the level under each campaign).
        bias: Array (n_folds, n_campaigns): mean of pseudo-outcome minus prediction over the fold's rows,
            post-stratified to the plan's users (0 for campaigns the plan does not use).
        bias_boot: The same per bootstrap replicate, shape (n_boot, n_folds, n_campaigns).
    """

    name: str
    uplift: bool
    bias: np.ndarray
    bias_boot: np.ndarray

    def total(
        self,
        predictions: list[np.ndarray],
        rows: np.ndarray,
        campaign: np.ndarray,
        n_cells: int,
        cell,
        fold: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated totals per cell, and their bootstrap replicates.

        Args:
            predictions: One array (n_users, n_campaigns) per fold model: the prediction (uplift when
                ``uplift``) of the plan's users.
            rows: Users (rows of the predictions) to total over.
            campaign: Catalogue row of each of those users' planned campaign.
            n_cells: Number of cells.
            cell: Cell (e.g. campaign, or segment x campaign) of each user, ints in [0, n_cells).
            fold: None (each user's total is the mean over the fold models of their corrected predictions), or
                array of shape (len(rows),): the one fold model whose corrected prediction counts for each user.

        Returns:
            ``(total, boot)``: arrays of shape (n_cells,) and (n_boot, n_cells).
        """
        n_folds = len(predictions)
        total = np.zeros(n_cells)
        boot = np.zeros((self.bias_boot.shape[0], n_cells))
        for k, pred in enumerate(predictions):
            mine = np.ones(len(rows), dtype=bool) if fold is None else np.asarray(fold) == k
            share = 1.0 / n_folds if fold is None else 1.0
            users = np.zeros((n_cells, self.bias.shape[1]))
            np.add.at(users, (cell[mine], campaign[mine]), 1.0)  # users per (cell, campaign)
            raw = np.bincount(cell[mine], weights=pred[rows[mine], campaign[mine]], minlength=n_cells)
            total += share * (raw + users @ self.bias[k])
            boot += share * (raw[None, :] + self.bias_boot[:, k] @ users.T)
        return total, boot


def calibrate(
    source,
    name: str,
    *,
    uplift: bool,
    plan_predictions: list[np.ndarray],
    plan_campaign: np.ndarray,
    n_boot: int = 200,
    random_state=None,
    plan_fold: np.ndarray | None = None,
) -> Calibration:
    """Per fold model and campaign, how far its predictions of users like the plan's are off on a log.

        For campaign ``c`` and fold model ``k``: the logged rows model ``k`` is corrected on (never used to fit it)
        are post-stratified on their prediction for ``c`` in quantile strata of model ``k``'s predictions of the
        plan's users of ``c`` (:func:`strata`); the correction is the mean, over the strata weighted by the plan's
        users in each, of the doubly robust pseudo-outcome minus the prediction. Bootstrap replicates re-weight the
        log's rows (Poisson weights, one per unit - the log's ``unit_id``, else each row's user - shared by the unit's rows
    and by the fold models that read them).

        Args:
            source: A :class:`CalibrationRows`, or a :class:`~campaignkit.models.crossfit.CrossFit` (its folds).
            name: The outcome (a prediction field).
            uplift: Correct the effect against control (incremental totals) or the level (participants, discount).
            plan_predictions: One array (n_plan_users, n_campaigns) per fold model: its predictions (uplift when
                ``uplift``) of the users the plan contacts.
            plan_campaign: Array (n_plan_users,): each of those users' planned campaign.
            n_boot: Bootstrap replicates.
            random_state: Seed of the replicates.
            plan_fold: None (every fold model forecasts every plan user), or array (n_plan_users,): the one fold
                model that forecasts each plan user; model ``k`` is then post-stratified to its own users only (no
                correction for a campaign none of its users gets).

        Returns:
            A :class:`Calibration`.
    """
    from campaignkit.config import resolve_seed

    rows_src = CalibrationRows.from_crossfit(source) if isinstance(source, CrossFit) else source
    views = rows_src.fold_arrays(name, uplift=uplift)
    rng = np.random.default_rng(resolve_seed(random_state))
    n_folds, k = len(views), plan_predictions[0].shape[1]
    # one Poisson weight per unit (customer), shared by its rows: a customer's waves move together
    units, _ = pd.factorize(log_units(rows_src.log))
    weights = rng.poisson(1.0, size=(n_boot, units.max() + 1 if len(units) else 0)).astype(float)[:, units]
    bias = np.zeros((n_folds, k))
    boot = np.zeros((n_boot, n_folds, k))
    for f, (rows, u, resid) in enumerate(views):
        w = weights[:, rows]
        for c in np.unique(plan_campaign):
            mine = plan_campaign == c
            if plan_fold is not None:
                mine &= np.asarray(plan_fold) == f
            if c == 0 or not mine.any():
                continue
            share, member = strata(u[:, c], plan_predictions[f][mine, c])
            r = resid[:, c]
            for s_share, m in zip(share, member, strict=True):
                mf = m.astype(float)
                bias[f, c] += s_share * (r[m].mean())
                wm = w @ mf
                boot[:, f, c] += s_share * (w @ (r * mf)) / np.where(wm > 0, wm, 1.0)
    return Calibration(name, uplift, bias, boot)
