"""Calibrating a model's predicted effects against a randomised log, with bootstrap replicates.

A plan picks the users whose predicted uplift is highest, so summing the model's predictions over a plan
overstates its effect (the winner's curse), and a model's level can be off altogether. The log corrects both.
For each logged row ``j`` and campaign ``c`` the doubly robust pseudo-outcome

    G_j(c) = q_j(c) + 1[a_j = c] (y_j - q_j(c)) / p_j

(``q`` the cross-fitted prediction, ``a_j`` the logged campaign, ``p_j`` its propensity) has the row's true
expected outcome under ``c`` as its mean; its uplift form is ``G_j(c) - G_j(0)``. Within each fold, the
*best linear predictor* of the pseudo-outcome from the fold model's prediction,

    E[G | u] ~ alpha_c + beta_c (u - mean u),

says what a prediction ``u`` of campaign ``c`` is worth: ``alpha_c`` the campaign's average effect on the
log's users, ``beta_c`` how much of a prediction's deviation from the average is real (1: all of it; 0: none).
A plan's calibrated total is then ``sum_i alpha_c + beta_c (u_i - mean u)`` over its users, with every fold
model's predictions of them. Bootstrap replicates re-weight the log's rows (Poisson weights, independent per
row) and repeat the fit, which gives the calibrated totals' sampling distribution without refitting a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from campaignkit.errors import ParameterError
from campaignkit.forecast.crossfit import CrossFit
from campaignkit.models.outcomes import outcome

__all__ = ["Calibration", "calibrate", "pseudo_outcomes"]


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


@dataclass
class Calibration:
    """Per-fold linear calibration of one outcome, with bootstrap replicates.

    Attributes:
        name: The outcome.
        uplift: Whether it calibrates the effect against control (else the level under each campaign).
        alpha: Array (n_folds, n_campaigns): mean pseudo-outcome of the fold's rows.
        beta: Array (n_folds, n_campaigns): slope on the prediction.
        center: Array (n_folds, n_campaigns): mean prediction of the fold's rows.
        alpha_boot, beta_boot, center_boot: The same per replicate, shape (n_boot, n_folds, n_campaigns).
    """

    name: str
    uplift: bool
    alpha: np.ndarray
    beta: np.ndarray
    center: np.ndarray
    alpha_boot: np.ndarray
    beta_boot: np.ndarray
    center_boot: np.ndarray

    def total(self, predictions: list[np.ndarray], rows: np.ndarray, campaign: np.ndarray, n_cells: int, cell):
        """Calibrated totals per cell, and their bootstrap replicates.

        Args:
            predictions: One array (n_users, n_campaigns) per fold model: the raw prediction (uplift when
                ``uplift``) of the plan's users.
            rows: Users (rows of the predictions) to total over.
            campaign: Catalogue row of each of those users' planned campaign.
            n_cells: Number of cells.
            cell: Cell (e.g. campaign, or segment x campaign) of each user, ints in [0, n_cells).

        Returns:
            ``(total, boot)``: arrays of shape (n_cells,) and (n_boot, n_cells).
        """
        n_folds = len(predictions)
        total = np.zeros(n_cells)
        boot = np.zeros((self.alpha_boot.shape[0], n_cells))
        for k, pred in enumerate(predictions):
            u = pred[rows, campaign]
            # per user: alpha + beta * (u - center), summed by cell: linear in (1, u), so the users and the sum of
            # their predictions per (cell, campaign) are all that is needed
            by_cell_c = np.zeros((n_cells, self.alpha.shape[1]))
            np.add.at(by_cell_c, (cell, campaign), 1.0)  # users per (cell, campaign)
            sum_u_c = np.zeros_like(by_cell_c)
            np.add.at(sum_u_c, (cell, campaign), u)
            a, b, m = self.alpha[k], self.beta[k], self.center[k]
            total += (by_cell_c @ (a - b * m) + sum_u_c @ b) / n_folds
            ab, bb, mb = self.alpha_boot[:, k], self.beta_boot[:, k], self.center_boot[:, k]
            boot += ((ab - bb * mb) @ by_cell_c.T + bb @ sum_u_c.T) / n_folds
        return total, boot


def _weighted_fit(w: np.ndarray, g: np.ndarray, u: np.ndarray):
    """Weighted least-squares of ``g`` on ``(1, u)`` per column, for every weight row of ``w`` at once.

    Args:
        w: Weights (n_reps, n_rows).
        g: Pseudo-outcomes (n_rows, n_campaigns).
        u: Predictions (n_rows, n_campaigns).

    Returns:
        ``(alpha, beta, center)`` each (n_reps, n_campaigns).
    """
    sw = w.sum(axis=1, keepdims=True)
    mg = (w @ g) / sw
    mu = (w @ u) / sw
    cov = (w @ (g * u)) / sw - mg * mu
    var = (w @ (u * u)) / sw - mu * mu
    beta = np.where(var > 1e-12 * np.maximum(mu * mu, 1.0), cov / np.where(var > 0, var, 1.0), 0.0)
    return mg, beta, mu


def calibrate(cf: CrossFit, name: str, *, uplift: bool, n_boot: int = 200, random_state=None) -> Calibration:
    """Fit the per-fold calibration of one outcome (see the module docstring).

    Args:
        cf: A :class:`~campaignkit.forecast.crossfit.CrossFit`.
        name: The outcome (a prediction field).
        uplift: Calibrate the effect against control (incremental outcomes) or the level (participants,
            discount paid).
        n_boot: Bootstrap replicates (Poisson row weights).
        random_state: Seed of the replicates.

    Returns:
        A :class:`Calibration`.
    """
    from campaignkit.config import resolve_seed

    g = pseudo_outcomes(cf, name, uplift=uplift)
    q = np.asarray(getattr(cf.prediction, name), dtype=float)
    u = q - q[:, :1] if uplift else q
    rng = np.random.default_rng(resolve_seed(random_state))
    k = cf.n_folds
    shape = (k, g.shape[1])
    alpha, beta, center = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    boot = [np.zeros((n_boot, *shape)) for _ in range(3)]
    for f in range(k):
        sel = cf.fold == f
        gf, uf = g[sel], u[sel]
        est = _weighted_fit(np.ones((1, sel.sum())), gf, uf)
        for arr, val in zip((alpha, beta, center), est, strict=True):
            arr[f] = val[0]
        w = rng.poisson(1.0, size=(n_boot, sel.sum())).astype(float)
        w[w.sum(axis=1) == 0] = 1.0
        for arr, val in zip(boot, _weighted_fit(w, gf, uf), strict=True):
            arr[:, f] = val
    return Calibration(name, uplift, alpha, beta, center, *boot)
