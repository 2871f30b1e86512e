"""Calibrating a model's predicted effects against a randomised log, with bootstrap replicates.

A plan picks the users whose predicted uplift is highest, so summing the model's predictions over a plan
overstates its effect (the winner's curse), and a model's level can be off altogether. The log corrects both.
For each logged row ``j`` and campaign ``c`` the doubly robust pseudo-outcome

    G_j(c) = q_j(c) + 1[a_j = c] (y_j - q_j(c)) / p_j

(``q`` the cross-fitted prediction, ``a_j`` the logged campaign, ``p_j`` its propensity) has the row's true
expected outcome under ``c`` as its mean; its uplift form is ``G_j(c) - G_j(0)``. The mean of ``G - q`` over the
logged rows, post-stratified on the prediction to match the plan's users (:func:`strata`), is how far such
predictions are off; adding it per user corrects the plan's total. Every fold model is corrected on the rows it never saw, and
bootstrap replicates re-weight the log's rows (Poisson weights, independent per row) to give the corrected
totals' sampling distribution without refitting a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from campaignkit.errors import ParameterError
from campaignkit.forecast.crossfit import CrossFit
from campaignkit.models.outcomes import outcome

__all__ = ["Calibration", "calibrate", "pseudo_outcomes", "like_rows", "strata"]


def pseudo_outcomes(cf: CrossFit, name: str, *, uplift: bool) -> np.ndarray:
    """Doubly robust pseudo-outcomes of every log row under every campaign.

    Args:
        cf: A :class:`~campaignkit.forecast.crossfit.CrossFit`.
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
    rows = np.arange(len(y))
    g = np.array(q, dtype=float, copy=True)
    g[rows, cf.arms] += (y - q[rows, cf.arms]) / cf.propensity
    return g - g[:, :1] if uplift else g


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

    def total(self, predictions: list[np.ndarray], rows: np.ndarray, campaign: np.ndarray, n_cells: int, cell):
        """Calibrated totals per cell, and their bootstrap replicates.

        Args:
            predictions: One array (n_users, n_campaigns) per fold model: the prediction (uplift when
                ``uplift``) of the plan's users.
            rows: Users (rows of the predictions) to total over.
            campaign: Catalogue row of each of those users' planned campaign.
            n_cells: Number of cells.
            cell: Cell (e.g. campaign, or segment x campaign) of each user, ints in [0, n_cells).

        Returns:
            ``(total, boot)``: arrays of shape (n_cells,) and (n_boot, n_cells).
        """
        n_folds = len(predictions)
        users = np.zeros((n_cells, self.bias.shape[1]))
        np.add.at(users, (cell, campaign), 1.0)  # users per (cell, campaign)
        total = np.zeros(n_cells)
        boot = np.zeros((self.bias_boot.shape[0], n_cells))
        for k, pred in enumerate(predictions):
            raw = np.bincount(cell, weights=pred[rows, campaign], minlength=n_cells)
            total += (raw + users @ self.bias[k]) / n_folds
            boot += (raw[None, :] + self.bias_boot[:, k] @ users.T) / n_folds
        return total, boot


def calibrate(
    cf: CrossFit,
    name: str,
    *,
    uplift: bool,
    plan_predictions: list[np.ndarray],
    plan_campaign: np.ndarray,
    n_boot: int = 200,
    random_state=None,
) -> Calibration:
    """Per fold and campaign, how far the fold model's predictions of users like the plan's are off on the log.

    For campaign ``c`` and fold ``k``: the log rows of fold ``k`` (predicted by model ``k``, which never saw them)
    are post-stratified on their prediction for ``c`` in quantile strata of model ``k``'s predictions of the
    plan's users of ``c`` (:func:`strata`); the correction is the mean, over the strata weighted by the plan's
    users in each, of the doubly robust pseudo-outcome minus the prediction. Bootstrap replicates re-weight the
    log's rows (Poisson weights).

    Args:
        cf: A :class:`~campaignkit.forecast.crossfit.CrossFit`.
        name: The outcome (a prediction field).
        uplift: Correct the effect against control (incremental totals) or the level (participants, discount).
        plan_predictions: One array (n_plan_users, n_campaigns) per fold model: its predictions (uplift when
            ``uplift``) of the users the plan contacts.
        plan_campaign: Array (n_plan_users,): each of those users' planned campaign.
        n_boot: Bootstrap replicates.
        random_state: Seed of the replicates.

    Returns:
        A :class:`Calibration`.
    """
    from campaignkit.config import resolve_seed

    g = pseudo_outcomes(cf, name, uplift=uplift)
    q = np.asarray(getattr(cf.prediction, name), dtype=float)
    u = q - q[:, :1] if uplift else q
    resid = g - u
    rng = np.random.default_rng(resolve_seed(random_state))
    n_folds, k = cf.n_folds, g.shape[1]
    bias = np.zeros((n_folds, k))
    boot = np.zeros((n_boot, n_folds, k))
    for f in range(n_folds):
        sel = np.flatnonzero(cf.fold == f)
        w = rng.poisson(1.0, size=(n_boot, len(sel))).astype(float)
        for c in np.unique(plan_campaign):
            if c == 0:
                continue
            share, member = strata(u[sel, c], plan_predictions[f][plan_campaign == c, c])
            r = resid[sel, c]
            for s_share, m in zip(share, member, strict=True):
                mf = m.astype(float)
                bias[f, c] += s_share * (r[m].mean())
                wm = w @ mf
                boot[:, f, c] += s_share * (w @ (r * mf)) / np.where(wm > 0, wm, 1.0)
    return Calibration(name, uplift, bias, boot)
