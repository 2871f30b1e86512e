"""Uplift metrics on randomised data, signature ``metric(y_true, score, treatment, *, ...)``.

Definitions follow scikit-uplift (``sklift.metrics``) so figures are comparable with the literature:
the Qini curve at the top ``n`` users is ``Y_t(n) - Y_c(n) * N_t(n) / N_c(n)``; the uplift curve is
``(Y_t(n)/N_t(n) - Y_c(n)/N_c(n)) * n``; the normalised Qini coefficient is
``(area(model) - area(random)) / (area(perfect) - area(random))``. Tied scores are grouped.
Unlike scikit-uplift, ``y_true`` may be continuous (e.g. revenue); the formulas are unchanged.

Where the true individual effect is known (the synthetic world), :func:`qini_coefficient_true` scores a
ranking against it directly, with no sampling noise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError
from campaignkit.metrics._checks import as_1d, binary, same_length
from campaignkit.metrics.effects import difference_in_means

__all__ = [
    "uplift_curve",
    "qini_curve",
    "perfect_uplift_curve",
    "perfect_qini_curve",
    "qini_coefficient",
    "auuc",
    "uplift_at_k",
    "uplift_by_decile",
    "true_qini_curve",
    "qini_coefficient_true",
]


def _inputs(y_true, score, treatment):
    y = as_1d("y_true", y_true)
    s = as_1d("score", score)
    t = binary("treatment", as_1d("treatment", treatment))
    same_length(y_true=y, score=s, treatment=t)
    return y, s, t


def _cumulative(y, s, t):
    """Cumulative treated/control counts and outcome sums at the last position of each tie group."""
    order = np.argsort(s, kind="mergesort")[::-1]
    y, s, t = y[order], s[order], t[order]
    idx = np.r_[np.where(np.diff(s))[0], len(s) - 1]
    n_t = np.cumsum(t)[idx].astype(float)
    y_t = np.cumsum(y * t)[idx]
    y_c = np.cumsum(y * (1 - t))[idx]
    n_all = (idx + 1).astype(float)
    return n_all, n_t, n_all - n_t, y_t, y_c


def _start_at_origin(x, v):
    if x.size == 0 or x[0] != 0 or v[0] != 0:
        x, v = np.r_[0.0, x], np.r_[0.0, v]
    return x, v


def _div(a, b):
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b != 0)


def uplift_curve(y_true, score, treatment) -> tuple[np.ndarray, np.ndarray]:
    """Uplift curve: ``(mean_t - mean_c) * n`` among the top-``n`` users by score.

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift (higher = target first).
        treatment: Array of shape (n,) of 0/1 treatment flags.

    Returns:
        ``(n_targeted, curve)``, arrays starting at (0, 0).
    """
    y, s, t = _inputs(y_true, score, treatment)
    n_all, n_t, n_c, y_t, y_c = _cumulative(y, s, t)
    return _start_at_origin(n_all, (_div(y_t, n_t) - _div(y_c, n_c)) * n_all)


def qini_curve(y_true, score, treatment) -> tuple[np.ndarray, np.ndarray]:
    """Qini curve: ``Y_t(n) - Y_c(n) * N_t(n) / N_c(n)`` among the top-``n`` users by score.

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 treatment flags.

    Returns:
        ``(n_targeted, curve)``, arrays starting at (0, 0).
    """
    y, s, t = _inputs(y_true, score, treatment)
    n_all, n_t, n_c, y_t, y_c = _cumulative(y, s, t)
    return _start_at_origin(n_all, y_t - y_c * _div(n_t, n_c))


def perfect_qini_curve(y_true, treatment, *, negative_effect: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The best attainable Qini curve for these outcomes (scikit-uplift's definition).

    Args:
        y_true: Array of shape (n,) of outcomes.
        treatment: Array of shape (n,) of 0/1 treatment flags.
        negative_effect: If True the perfect ranking also puts control responders last.

    Returns:
        ``(n_targeted, curve)``.
    """
    y = as_1d("y_true", y_true)
    t = binary("treatment", as_1d("treatment", treatment))
    same_length(y_true=y, treatment=t)
    if negative_effect:
        return qini_curve(y, y * t - y * (1 - t), t)
    total = y[t == 1].sum() - (t == 1).sum() * y[t == 0].sum() / max((t == 0).sum(), 1)
    return np.array([0.0, total, len(y)]), np.array([0.0, total, total])


def perfect_uplift_curve(y_true, treatment) -> tuple[np.ndarray, np.ndarray]:
    """The best attainable uplift curve for binary outcomes (scikit-uplift's definition).

    Args:
        y_true: Array of shape (n,) of 0/1 outcomes.
        treatment: Array of shape (n,) of 0/1 treatment flags.

    Returns:
        ``(n_targeted, curve)``.
    """
    y = binary("y_true", as_1d("y_true", y_true))
    t = binary("treatment", as_1d("treatment", treatment))
    same_length(y_true=y, treatment=t)
    cr = np.sum((y == 1) & (t == 0))
    tn = np.sum((y == 0) & (t == 1))
    summand = y if cr > tn else t
    return uplift_curve(y, 2 * (y == t) + summand, t)


def _normalised_area(x_act, v_act, x_best, v_best) -> float:
    base = np.trapezoid([0.0, v_best[-1]], [0.0, x_best[-1]])
    best = np.trapezoid(v_best, x_best) - base
    if best == 0:
        raise ParameterError("the perfect curve has no area above random: the coefficient is undefined")
    return float((np.trapezoid(v_act, x_act) - base) / best)


def qini_coefficient(y_true, score, treatment, *, negative_effect: bool = True) -> float:
    """Normalised Qini coefficient (``sklift.metrics.qini_auc_score``).

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 treatment flags.
        negative_effect: Passed to :func:`perfect_qini_curve`.

    Returns:
        ``(area(model) - area(random)) / (area(perfect) - area(random))``; 1 is perfect, 0 random.
    """
    x, v = qini_curve(y_true, score, treatment)
    xb, vb = perfect_qini_curve(y_true, treatment, negative_effect=negative_effect)
    return _normalised_area(x, v, xb, vb)


def auuc(y_true, score, treatment, *, normalise: bool = True) -> float:
    """Area under the uplift curve.

    Args:
        y_true: Array of shape (n,) of outcomes (0/1 when ``normalise``).
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 treatment flags.
        normalise: If True, return ``sklift.metrics.uplift_auc_score`` (area above random over the
            perfect curve's); else the raw area divided by ``n`` (mean uplift-curve height).

    Returns:
        The (normalised) AUUC.
    """
    x, v = uplift_curve(y_true, score, treatment)
    if not normalise:
        return float(np.trapezoid(v, x) / x[-1])
    xb, vb = perfect_uplift_curve(y_true, treatment)
    return _normalised_area(x, v, xb, vb)


def uplift_at_k(y_true, score, treatment, *, k: float | int = 0.3, strategy: str = "overall") -> float:
    """Observed uplift (treated mean minus control mean) among the top ``k`` by score.

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 treatment flags.
        k: Fraction in (0, 1) or a count of users.
        strategy: ``"overall"`` (top k of all users) or ``"by_group"`` (top k of each arm).

    Returns:
        Uplift at k.
    """
    y, s, t = _inputs(y_true, score, treatment)
    n = len(y)
    is_frac = isinstance(k, float)
    if (is_frac and not 0 < k < 1) or (not is_frac and not 0 < k < n):
        raise ParameterError(f"k={k} must be a fraction in (0, 1) or a count in (0, {n})")
    order = np.argsort(s, kind="mergesort")[::-1]
    y, t = y[order], t[order]
    if strategy == "overall":
        m = int(n * k) if is_frac else int(k)
        yt, tt = y[:m], t[:m]
        if tt.sum() == 0 or (1 - tt).sum() == 0:
            raise ParameterError("the top k hold only one arm; uplift@k is undefined")
        return float(yt[tt == 1].mean() - yt[tt == 0].mean())
    if strategy == "by_group":
        yt, yc = y[t == 1], y[t == 0]
        mt = int(len(yt) * k) if is_frac else int(k)
        mc = int(len(yc) * k) if is_frac else int(k)
        if mt < 1 or mc < 1:
            raise ParameterError("k selects no user in one arm")
        return float(yt[:mt].mean() - yc[:mc].mean())
    raise ParameterError(f"strategy must be 'overall' or 'by_group', got {strategy!r}")


def uplift_by_decile(y_true, score, treatment, *, bins: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """Observed uplift in equal-size score bins (top bin first), with normal confidence intervals.

    Args:
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of 0/1 treatment flags.
        bins: Number of bins (``numpy.array_split`` of the score-sorted users, as scikit-uplift).
        confidence: Two-sided level of the intervals.

    Returns:
        DataFrame, one row per bin: ``n_treatment, n_control, response_rate_treatment,
        response_rate_control, uplift, se, ci_low, ci_high, mean_score``. The standard error uses each
        arm's plug-in variance (``ddof=0`` of :func:`~campaignkit.metrics.difference_in_means`: ``p(1-p)/n``
        for 0/1 outcomes, as scikit-uplift). A bin holding one arm only gets NaN for the other arm's rate,
        the uplift and its interval.
    """
    y, s, t = _inputs(y_true, score, treatment)
    if not 1 <= bins < len(y):
        raise ParameterError(f"bins must be in [1, {len(y)}), got {bins}")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie in (0, 1), got {confidence}")
    order = np.argsort(s, kind="mergesort")[::-1]
    rows = []
    for part in np.array_split(order, bins):
        yb, tb = y[part], t[part]
        n_t = int(tb.sum())
        n_c = len(tb) - n_t
        if n_t and n_c:
            d = difference_in_means(yb, tb, confidence=confidence, ddof=0)
            rt, rc, uplift, se, lo, hi = d.mean_treated, d.mean_control, d.effect, d.se, d.ci_low, d.ci_high
        else:
            rt = yb.mean() if n_t else np.nan
            rc = yb.mean() if n_c else np.nan
            uplift = se = lo = hi = np.nan
        rows.append(
            {
                "n_treatment": n_t,
                "n_control": n_c,
                "response_rate_treatment": rt,
                "response_rate_control": rc,
                "uplift": uplift,
                "se": se,
                "ci_low": lo,
                "ci_high": hi,
                "mean_score": float(s[part].mean()),
            }
        )
    out = pd.DataFrame(rows)
    out.index = pd.RangeIndex(1, bins + 1, name="bin")
    return out


def true_qini_curve(true_uplift, score) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative *true* uplift when users are targeted in decreasing score order.

    Args:
        true_uplift: Array of shape (n,) of each user's known expected effect.
        score: Array of shape (n,) of predicted uplift.

    Returns:
        ``(fraction_targeted, cumulative_true_uplift / n)``, starting at (0, 0). Ties in ``score``
        get the mean effect of their group (the expected value under random tie-breaking).
    """
    u = as_1d("true_uplift", true_uplift)
    s = as_1d("score", score)
    n = same_length(true_uplift=u, score=s)
    order = np.argsort(s, kind="mergesort")[::-1]
    u, s = u[order], s[order]
    idx = np.r_[np.where(np.diff(s))[0], n - 1]
    cum = np.cumsum(u)[idx]
    x = (idx + 1) / n
    return np.r_[0.0, x], np.r_[0.0, cum / n]


def qini_coefficient_true(true_uplift, score) -> float:
    """Normalised Qini coefficient of a ranking against the known individual effects.

    ``(area(model) - area(random)) / (area(perfect) - area(random))`` where the perfect ranking sorts
    by the true effect and random targeting accrues the mean effect linearly.

    Args:
        true_uplift: Array of shape (n,) of each user's known expected effect.
        score: Array of shape (n,) of predicted uplift.

    Returns:
        1 for a perfect ranking, about 0 for a random one, negative for a reversed one.
    """
    x, v = true_qini_curve(true_uplift, score)
    xb, vb = true_qini_curve(true_uplift, true_uplift)
    return _normalised_area(x, v, xb, vb)
