"""Average effect of a randomised treatment: difference in means with a normal interval.

Signature ``difference_in_means(y_true, treatment, *, confidence, ddof)`` (the metric order with no score):
``effect = mean(y | treated) - mean(y | control)``, ``se = sqrt(var_t / n_t + var_c / n_c)`` (Neyman's
conservative standard error), interval ``effect -/+ z * se`` with ``z`` the normal ``1 - (1 - confidence) / 2`` quantile.
Every estimate of an arm's effect in the kit (score bins, world logs, the Hillstrom arms, a plan's holdout,
per-offer effects of any randomised log) goes through it.

With ``groups=`` (the customer behind each row of a log with several waves; a customer may have rows in both
arms) the standard error is cluster-robust: each row's influence on the effect, ``(y - mean_t) / n_t`` for a
treated row and ``-(y - mean_c) / n_c`` for a control row, is summed within its group into ``S_g``, and
``se = sqrt(G / (G - ddof) * sum_g S_g^2)`` over the ``G`` groups. With one row per group it is Neyman's error
as without groups, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from campaignkit.errors import ParameterError
from campaignkit.metrics._checks import as_1d, binary, group_codes, same_length

__all__ = ["DifferenceInMeans", "difference_in_means"]


@dataclass(frozen=True)
class DifferenceInMeans:
    """Result of :func:`difference_in_means`.

    Attributes:
        effect: ``mean_treated - mean_control``.
        se: Standard error of ``effect``; NaN when an arm has ``n <= ddof`` rows (its variance is undefined).
        ci_low: Lower end of the two-sided normal interval of level ``confidence`` (NaN with ``se``).
        ci_high: Upper end of the interval (NaN with ``se``).
        n_treated: Rows with ``treatment == 1``.
        n_control: Rows with ``treatment == 0``.
        mean_treated: Mean outcome of the treated rows.
        mean_control: Mean outcome of the control rows.
    """

    effect: float
    se: float
    ci_low: float
    ci_high: float
    n_treated: int
    n_control: int
    mean_treated: float
    mean_control: float


def difference_in_means(
    y_true, treatment, *, confidence: float = 0.95, ddof: int = 1, groups=None
) -> DifferenceInMeans:
    """Difference in mean outcome between treated and control rows, with its standard error and interval.

    Args:
        y_true: Array of shape (n,) of outcomes (0/1 or continuous), finite.
        treatment: Array of shape (n,) of 0/1 (or boolean) treatment flags.
        confidence: Nominal coverage of the two-sided interval, in (0, 1).
        ddof: Delta degrees of freedom of each arm's variance: 1 for the unbiased sample variance, 0 for
            the plug-in ``p(1-p)`` of a 0/1 outcome (the scikit-uplift convention). Clustered, the small-sample
            factor is ``G / (G - ddof)``.
        groups: Optional array of shape (n,) of cluster labels (e.g. the customer of each row): the standard
            error is then cluster-robust (module docstring); None: rows independent.

    Returns:
        A :class:`DifferenceInMeans`.

    Raises:
        ParameterError: Inputs not 1-d, of unequal or zero length, non-finite, a non-binary treatment, an
            arm with no row, ``confidence`` outside (0, 1), a negative ``ddof``, or bad ``groups``.
    """
    y = as_1d("y_true", y_true)
    t = binary("treatment", as_1d("treatment", treatment))
    n = same_length(y_true=y, treatment=t)
    codes = group_codes(groups, n)
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie in (0, 1), got {confidence}")
    if int(ddof) != ddof or ddof < 0:
        raise ParameterError(f"ddof must be a non-negative integer, got {ddof}")
    yt, yc = y[t == 1], y[t == 0]
    n_t, n_c = len(yt), len(yc)
    if n_t == 0 or n_c == 0:
        empty = "treated" if n_t == 0 else "control"
        raise ParameterError(
            f"no {empty} row: the difference in means needs both arms (n={n_t} treated, {n_c} control)"
        )
    mean_t, mean_c = float(yt.mean()), float(yc.mean())
    effect = mean_t - mean_c
    if codes is not None:
        se = _clustered_se(y, t, codes, (mean_t, n_t), (mean_c, n_c), ddof)
    elif min(n_t, n_c) > ddof:
        se = float(np.sqrt(yt.var(ddof=ddof) / n_t + yc.var(ddof=ddof) / n_c))
    else:
        se = float("nan")
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    return DifferenceInMeans(
        effect=effect,
        se=se,
        ci_low=float(effect - z * se),
        ci_high=float(effect + z * se),
        n_treated=n_t,
        n_control=n_c,
        mean_treated=mean_t,
        mean_control=mean_c,
    )


def _clustered_se(y, t, codes, treated: tuple, control: tuple, ddof: int) -> float:
    """Cluster-robust standard error of ``mean_t - mean_c``: row influences summed per group (NaN: G <= ddof)."""
    (mean_t, n_t), (mean_c, n_c) = treated, control
    influence = np.where(t == 1, (y - mean_t) / n_t, -(y - mean_c) / n_c)
    sums = np.bincount(codes, weights=influence)
    n_groups = len(sums)
    if n_groups <= ddof:
        return float("nan")
    return float(np.sqrt(n_groups / (n_groups - ddof) * np.sum(sums**2)))
