"""Bootstrap confidence intervals for any metric of the one signature ``metric(y_true, score, treatment, ...)``.

Qini, AUUC and uplift@k have no closed-form standard error: :func:`bootstrap_interval` resamples the rows
(within each treatment arm by default, so every replicate keeps the arms' sizes; or all rows together, as the
Qini protocol of :mod:`campaignkit.evaluation.randomised` does), recomputes the metric and reports the
percentile interval, the bootstrap standard error and how many replicates were undefined (e.g. a top-k that
holds a single arm), which are left out rather than failing the whole interval.

With ``groups=`` (the customer behind each row of a log with several waves) it is a *cluster* bootstrap: whole
groups are drawn with replacement and every row of a drawn group enters the replicate, so a group is never
split and the interval reflects the correlation of a customer's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from campaignkit.config import resolve_seed
from campaignkit.errors import ParameterError
from campaignkit.metrics._checks import as_1d, group_codes, same_length

__all__ = ["BootstrapInterval", "bootstrap_interval"]


@dataclass(frozen=True)
class BootstrapInterval:
    """A metric with its bootstrap interval.

    Attributes:
        value: The metric on the data as given.
        lower: Lower percentile bound.
        upper: Upper percentile bound.
        se: Standard deviation of the replicates.
        confidence: Nominal coverage of ``[lower, upper]``.
        n_boot: Replicates drawn.
        n_failed: Replicates where the metric was undefined (left out).
    """

    value: float
    lower: float
    upper: float
    se: float
    confidence: float
    n_boot: int
    n_failed: int

    def as_dict(self) -> dict:
        """The fields as a plain dict (for tables and JSON)."""
        return dict(self.__dict__)


def bootstrap_interval(
    metric,
    y_true,
    score,
    treatment,
    *,
    n_boot: int = 200,
    confidence: float = 0.95,
    random_state=None,
    stratify: bool = True,
    groups=None,
    **kwargs,
) -> BootstrapInterval:
    """Percentile bootstrap interval of ``metric(y_true, score, treatment, **kwargs)``.

    Rows are resampled with replacement within each arm of ``treatment`` (``stratify``), so the treated and
    control sizes are those of the data in every replicate, or among all rows (the arms' sizes vary). The
    percentiles are those of the level as written: 0.95 gives exactly 2.5% and 97.5%.

    Args:
        metric: A function of the kit's signature, e.g. :func:`~campaignkit.metrics.qini_coefficient`,
            :func:`~campaignkit.metrics.auuc` or :func:`~campaignkit.metrics.uplift_at_k`.
        y_true: Array of shape (n,) of outcomes.
        score: Array of shape (n,) of predicted uplift.
        treatment: Array of shape (n,) of arm flags.
        n_boot: Replicates, at least 20.
        confidence: Nominal coverage in (0, 1).
        random_state: Seed (None: the kit's default seed).
        stratify: Resample within each arm (True) or among all rows (False).
        groups: Optional array of shape (n,) of cluster labels: whole groups are resampled (a cluster
            bootstrap), within each arm when ``stratify`` (every group must then lie in one arm). With one row
            per group it is the row bootstrap, bit for bit.
        **kwargs: Passed to ``metric`` (e.g. ``k=0.2``).

    Returns:
        A :class:`BootstrapInterval`.

    Raises:
        ParameterError: On bad arguments, groups spanning arms with ``stratify``, when the metric is undefined
            on the data itself, or when more than half of the replicates are undefined.
    """
    if not callable(metric):
        raise ParameterError(f"metric must be callable, got {metric!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 20:
        raise ParameterError(f"n_boot must be an integer >= 20, got {n_boot!r}")
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie in (0, 1), got {confidence!r}")
    y = as_1d("y_true", y_true)
    s = as_1d("score", score)
    t = np.asarray(treatment)
    n = same_length(y_true=y, score=s, treatment=t)
    codes = group_codes(groups, n)
    value = float(metric(y, s, t, **kwargs))
    rng = np.random.default_rng(resolve_seed(random_state, bits=63))
    draw = _row_sampler(t, n, stratify) if codes is None else _group_sampler(codes, t, stratify)
    reps, failed = [], 0
    for _ in range(int(n_boot)):
        idx = draw(rng)
        try:
            reps.append(float(metric(y[idx], s[idx], t[idx], **kwargs)))
        except ParameterError:
            failed += 1
    if len(reps) < n_boot / 2:
        raise ParameterError(
            f"{getattr(metric, '__name__', 'metric')} is undefined on {failed} of {n_boot} bootstrap samples "
            f"of {n} rows: too few rows for an interval"
        )
    reps = np.asarray(reps)
    tail = float((1 - Fraction(repr(float(confidence)))) / 2)
    lo, hi = np.quantile(reps, [tail, 1.0 - tail])
    return BootstrapInterval(
        value=value,
        lower=float(lo),
        upper=float(hi),
        se=float(reps.std(ddof=1)),
        confidence=float(confidence),
        n_boot=int(n_boot),
        n_failed=int(failed),
    )


def _row_sampler(t: np.ndarray, n: int, stratify: bool):
    """Rows drawn with replacement, within each arm (``stratify``) or among all rows."""
    strata = [np.flatnonzero(t == g) for g in np.unique(t)] if stratify else [np.arange(n)]

    def draw(rng) -> np.ndarray:
        return np.concatenate([g[rng.integers(0, len(g), len(g))] for g in strata])

    return draw


def _group_sampler(codes: np.ndarray, t: np.ndarray, stratify: bool):
    """Whole groups drawn with replacement (within each arm's groups with ``stratify``); their rows returned."""
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if stratify:
        arm_codes = np.unique(t, return_inverse=True)[1].ravel()
        first = arm_codes[order[starts]]
        if np.any(arm_codes[order] != np.repeat(first, sizes)):
            raise ParameterError(
                "groups span several arms: a bootstrap stratified by arm cannot keep them whole; pass "
                "stratify=False"
            )
        strata = [np.flatnonzero(first == a) for a in np.unique(first)]
    else:
        strata = [np.arange(len(sizes))]

    def draw(rng) -> np.ndarray:
        picked = np.concatenate([g[rng.integers(0, len(g), len(g))] for g in strata])
        take = sizes[picked]
        ends = np.cumsum(take)
        within = np.arange(ends[-1]) - np.repeat(ends - take, take)
        return order[np.repeat(starts[picked], take) + within]

    return draw
