"""Off-policy value of a multi-arm targeting policy from a randomised log, with standard errors.

Signature ``policy_value(y_true, policy, treatment, *, propensity, ...)``: ``y_true`` is the logged
outcome, ``treatment`` the logged arm, ``policy`` the arm the evaluated policy would choose (array of
shape (n,)) or its probabilities over arms (array of shape (n, n_arms)). Estimators:

- IPS: ``mean(w * y)`` with ``w = pi(a_i | x_i) / p_i``;
- SNIPS (self-normalised): ``sum(w * y) / sum(w)``, standard error by the delta method;
- DR (doubly robust): ``mean(sum_a pi(a | x_i) q(x_i, a) + w * (y - q(x_i, a_i)))`` with an outcome
  model ``q`` of shape (n, n_arms). :func:`dr_scores` returns the per-row terms, so two policies scored on
  the same rows can be compared with a paired standard error (:func:`policy_difference`).

Standard errors treat rows as independent unless ``groups=`` names a cluster per row (the customer behind rows
logged in several waves: :func:`campaignkit.data.schema.log_units`). The value of IPS and DR is a mean of
per-row terms ``t_i``; clustered, its standard error is the cluster-robust (CR1) one
``sqrt(G / (G - 1) * sum_g (S_g - n_g * mean)^2) / n`` with ``S_g`` the sum of the terms of group ``g``, ``n_g``
its rows and ``G`` the groups (:func:`mean_and_se`). SNIPS's delta-method error sums ``w_i (y_i - value)``
within each group the same way. With one row per group every error is the unclustered one, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from campaignkit.errors import ParameterError
from campaignkit.metrics._checks import as_1d, group_codes, same_length

__all__ = [
    "policy_value",
    "policy_values",
    "policy_difference",
    "dr_scores",
    "direct_method_value",
    "mean_and_se",
    "minimum_detectable_difference",
]

_METHODS = ("ips", "snips", "dr")


def _arm_index(labels, arms) -> np.ndarray:
    """Column of each label in ``arms`` (integer labels of arms ``0..k-1`` directly, others by hash lookup)."""
    arms = list(arms)
    lab = np.asarray(labels)
    if lab.dtype.kind in "iu" and all(
        isinstance(a, (int, np.integer)) and a == i for i, a in enumerate(arms)
    ):
        bad = (lab < 0) | (lab >= len(arms))
        if bad.any():
            raise ParameterError(f"arm {lab[np.flatnonzero(bad)[0]]!r} is not in arms {arms}")
        return lab.astype(np.int64, copy=False)
    idx = pd.Index(arms).get_indexer(lab)
    if np.any(idx < 0):
        bad = np.asarray(labels)[np.flatnonzero(idx < 0)[0]]
        raise ParameterError(f"arm {bad!r} is not in arms {list(arms)}")
    return idx


def _policy_matrix(policy, arms, n: int) -> np.ndarray:
    pol = np.asarray(policy)
    if pol.ndim == 2:
        if pol.shape != (n, len(arms)):
            raise ParameterError(f"policy probabilities must have shape ({n}, {len(arms)}), got {pol.shape}")
        pol = pol.astype(float)
        if np.any(pol < 0) or not np.allclose(pol.sum(axis=1), 1.0, atol=1e-6):
            raise ParameterError("policy probabilities must be >= 0 and sum to 1 per row")
        return pol
    if pol.ndim != 1 or len(pol) != n:
        raise ParameterError(f"policy must be of shape ({n},) or ({n}, n_arms)")
    out = np.zeros((n, len(arms)))
    out[np.arange(n), _arm_index(pol, arms)] = 1.0
    return out


def _weights_and_dm(policy, arms, n: int, ai: np.ndarray, p: np.ndarray, q=None):
    """Importance weights ``pi(a_i | x_i) / p_i`` and, with ``q``, the direct term ``sum_a pi(a | x_i) q(x_i, a)``.

    A label policy (shape (n,)) is handled without an (n, n_arms) matrix, so ten million rows stay cheap.
    """
    pol = np.asarray(policy)
    if pol.ndim == 1 and len(pol) == n:
        chosen = _arm_index(pol, arms)
        w = (chosen == ai) / p
        dm = None if q is None else q[np.arange(n), chosen]
        return w, dm
    pi = _policy_matrix(policy, arms, n)
    w = pi[np.arange(n), ai] / p
    dm = None if q is None else np.sum(pi * q, axis=1)
    return w, dm


def _logged(y_true, treatment, propensity):
    y = as_1d("y_true", y_true)
    p = as_1d("propensity", propensity)
    a_logged = np.asarray(treatment)
    n = same_length(y_true=y, treatment=a_logged, propensity=p)
    if np.any(p <= 0) or np.any(p > 1):
        raise ParameterError("propensity must lie in (0, 1]")
    return y, p, a_logged, n


def _arms(arms, a_logged, *policies) -> list:
    if arms is not None:
        return list(arms)
    pols = [np.asarray(pol) for pol in policies]
    if any(pol.ndim == 2 for pol in pols):
        return list(range(next(pol for pol in pols if pol.ndim == 2).shape[1]))
    labels = set(pd.unique(a_logged).tolist())
    for pol in pols:
        labels |= set(pd.unique(pol).tolist())
    return sorted(labels)


def _dr_terms(y, p, a_logged, n, policy, arms, q_hat, ai=None) -> np.ndarray:
    if q_hat is None:
        raise ParameterError("the doubly robust estimate needs q_hat of shape (n, n_arms)")
    q = np.asarray(q_hat, dtype=float)
    if q.shape != (n, len(arms)):
        raise ParameterError(f"q_hat must have shape ({n}, {len(arms)}), got {q.shape}")
    ai = _arm_index(a_logged, arms) if ai is None else ai
    w, dm = _weights_and_dm(policy, arms, n, ai, p, q)
    return dm + w * (y - q[np.arange(n), ai])


def dr_scores(y_true, policy, treatment, *, propensity, q_hat, arms=None) -> np.ndarray:
    """Per-row doubly robust terms of a policy's value; their mean is the DR estimate.

    Row ``i`` contributes ``sum_a pi(a | x_i) q(x_i, a) + pi(a_i | x_i) / p_i * (y_i - q(x_i, a_i))``.

    Args:
        y_true: Array of shape (n,) of logged outcomes.
        policy: Array of shape (n,) of arm labels, or of shape (n, n_arms) of probabilities.
        treatment: Array of shape (n,) of the logged arm labels.
        propensity: Array of shape (n,) of the logging probability of the logged arm, in (0, 1].
        q_hat: Array of shape (n, n_arms) of predicted outcomes per arm.
        arms: The arm labels in column order (defaults as in :func:`policy_value`).

    Returns:
        Array of shape (n,).

    Raises:
        ParameterError: On bad shapes, propensities or arms.
    """
    y, p, a_logged, n = _logged(y_true, treatment, propensity)
    return _dr_terms(y, p, a_logged, n, policy, _arms(arms, a_logged, policy), q_hat)


def _mean_se(terms: np.ndarray, codes: np.ndarray | None = None) -> tuple[float, float]:
    """Mean of per-row terms and its standard error, cluster-robust (CR1) over ``codes`` when given."""
    if codes is None:
        return float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(len(terms)))
    n, mean = len(terms), terms.mean()
    n_groups = int(codes.max()) + 1
    sums = np.bincount(codes, weights=terms, minlength=n_groups)
    sizes = np.bincount(codes, minlength=n_groups)
    var = n_groups / (n_groups - 1) * np.sum((sums - sizes * mean) ** 2)
    return float(mean), float(np.sqrt(var) / n)


def _snips(w: np.ndarray, y: np.ndarray, codes: np.ndarray | None) -> tuple[float, float]:
    if w.sum() == 0:
        raise ParameterError("no logged action matches the policy: SNIPS is undefined")
    value = np.sum(w * y) / np.sum(w)
    resid = w * (y - value)
    if codes is not None:
        resid = np.bincount(codes, weights=resid)
    se = np.sqrt(np.sum(resid**2)) / np.sum(w)
    return float(value), float(se)


def mean_and_se(values, *, groups=None) -> tuple[float, float]:
    """Mean of per-row values (e.g. :func:`dr_scores`, or the difference of two policies' scores) and its error.

    Without ``groups``: ``sd(values, ddof=1) / sqrt(n)``. With ``groups``, the cluster-robust (CR1) error of
    the mean, ``sqrt(G / (G - 1) * sum_g (S_g - n_g * mean)^2) / n`` (``S_g`` the sum of group ``g``'s values,
    ``n_g`` its rows, ``G`` the groups): rows of one group (a customer's waves) may be correlated, groups are
    independent. With one row per group it is the unclustered error, bit for bit.

    Args:
        values: Array of shape (n,), finite.
        groups: Optional array of shape (n,) of group labels.

    Returns:
        ``(mean, se)``.

    Raises:
        ParameterError: Non-finite values, or ``groups`` of the wrong shape, with missing labels or one group.
    """
    v = as_1d("values", values)
    same_length(values=v)
    return _mean_se(v, group_codes(groups, len(v)))


def minimum_detectable_difference(se: float, *, confidence: float = 0.95, power: float = 0.8) -> float:
    """The smallest true difference a normal test of this standard error detects: ``(z_(1-a/2) + z_power) x se``.

    The information floor of a comparison: a difference of two plans (or a plan and a reference) smaller than
    this is as likely missed as seen, so "no significant gain" below it means "no power", not "no gain".

    Args:
        se: Standard error of the estimated difference (e.g. ``policy_difference(...)["se"]``).
        confidence: Two-sided level of the test (0.95: 5% false alarms).
        power: Probability of detecting a difference of the returned size.

    Returns:
        The minimum detectable difference, in the units of ``se`` (2.80 x ``se`` at the defaults).

    Raises:
        ParameterError: ``se`` is negative or not finite, or ``confidence`` / ``power`` outside (0, 1).
    """
    if not (0 < confidence < 1 and 0 < power < 1):
        raise ParameterError(f"confidence and power must lie in (0, 1), got {confidence!r}, {power!r}")
    if not np.isfinite(se) or se < 0:
        raise ParameterError(f"se must be a finite number >= 0, got {se!r}")
    return float((stats.norm.ppf(1 - (1 - confidence) / 2) + stats.norm.ppf(power)) * se)


def _weighted(y_true, policy, treatment, propensity, arms, groups) -> tuple:
    """The checked log, cluster codes, arms and the policy's importance weights with their effective size."""
    y, p, a_logged, n = _logged(y_true, treatment, propensity)
    codes = group_codes(groups, n)
    arms = _arms(arms, a_logged, policy)
    ai = _arm_index(a_logged, arms)
    w, _ = _weights_and_dm(policy, arms, n, ai, p)
    ess = float(w.sum() ** 2 / np.sum(w**2)) if np.any(w > 0) else 0.0
    return y, p, a_logged, n, codes, arms, ai, w, ess


def policy_value(
    y_true,
    policy,
    treatment,
    *,
    propensity,
    method: str = "dr",
    q_hat=None,
    arms=None,
    groups=None,
) -> dict:
    """Estimate the mean outcome per user had ``policy`` chosen the arms, from a randomised log.

    Args:
        y_true: Array of shape (n,) of logged outcomes (e.g. profit).
        policy: Array of shape (n,) of arm labels, or of shape (n, n_arms) of probabilities.
        treatment: Array of shape (n,) of the logged arm labels.
        propensity: Array of shape (n,) of the logging probability of the logged arm, in (0, 1].
        method: ``"ips"``, ``"snips"`` or ``"dr"``.
        q_hat: Array of shape (n, n_arms) of predicted outcomes per arm (required for ``"dr"``).
        arms: The arm labels in column order; default ``sorted(set(treatment) | set(policy))`` for
            label policies, ``range(n_arms)`` for probability policies.
        groups: Optional array of shape (n,) of cluster labels (the customer of each row): the standard error
            is then cluster-robust (module docstring); None: rows independent.

    Returns:
        Dict with ``value`` (per-row mean), ``se`` (standard error), ``n`` and ``ess`` (effective
        sample size of the importance weights).

    Raises:
        ParameterError: On a bad method, shapes, propensities, groups or a missing ``q_hat``.
    """
    if method not in _METHODS:
        raise ParameterError(f"method must be one of {_METHODS}, got {method!r}")
    y, p, a_logged, n, codes, arms, ai, w, ess = _weighted(
        y_true, policy, treatment, propensity, arms, groups
    )
    if method == "ips":
        value, se = _mean_se(w * y, codes)
    elif method == "snips":
        value, se = _snips(w, y, codes)
    else:
        if q_hat is None:
            raise ParameterError("method='dr' needs q_hat of shape (n, n_arms)")
        value, se = _mean_se(_dr_terms(y, p, a_logged, n, policy, arms, q_hat, ai), codes)
    return {"value": float(value), "se": float(se), "n": int(n), "ess": ess}


def policy_difference(
    y_true, policy, reference, treatment, *, propensity, q_hat, arms=None, groups=None
) -> dict:
    """Doubly robust difference in value between two policies on the same logged rows, paired.

    Both policies are scored on the same rows (:func:`dr_scores`); the standard error is that of the
    per-row *difference* of their terms, ``sd(d_i) / sqrt(n)`` (cluster-robust over ``groups`` when given,
    :func:`mean_and_se`). The two estimates share most of their
    noise (the same users, the same outcomes), so this is usually far smaller than either policy's own
    standard error - and the right one for "does the policy beat the reference?".

    Args:
        y_true: Array of shape (n,) of logged outcomes.
        policy: The evaluated policy: arm labels of shape (n,) or probabilities of shape (n, n_arms).
        reference: The policy it is compared with, same forms (e.g. every row one arm).
        treatment: Array of shape (n,) of the logged arm labels.
        propensity: Array of shape (n,) of logging probabilities.
        q_hat: Array of shape (n, n_arms) of predicted outcomes per arm.
        arms: The arm labels in column order (default: every label in the log and both policies).
        groups: Optional array of shape (n,) of cluster labels (the customer of each row): every standard
            error is then cluster-robust; None: rows independent.

    Returns:
        Dict with ``value`` (policy minus reference, per row), ``se``, ``policy_value``,
        ``policy_se``, ``reference_value``, ``reference_se`` and ``n``.

    Raises:
        ParameterError: On bad shapes, propensities or arms.
    """
    y, p, a_logged, n = _logged(y_true, treatment, propensity)
    codes = group_codes(groups, n)
    arms = _arms(arms, a_logged, policy, reference)
    ai = _arm_index(a_logged, arms)
    a = _dr_terms(y, p, a_logged, n, policy, arms, q_hat, ai)
    b = _dr_terms(y, p, a_logged, n, reference, arms, q_hat, ai)
    (va, sa), (vb, sb), (vd, sd) = _mean_se(a, codes), _mean_se(b, codes), _mean_se(a - b, codes)
    return {
        "value": vd,
        "se": sd,
        "policy_value": va,
        "policy_se": sa,
        "reference_value": vb,
        "reference_se": sb,
        "n": int(n),
    }


def direct_method_value(policy, q_hat, *, arms=None) -> float:
    """Mean of the outcome model under the policy (no log needed; biased if the model is).

    Args:
        policy: Array of shape (n,) of arm labels or (n, n_arms) of probabilities.
        q_hat: Array of shape (n, n_arms) of outcomes per arm (e.g. the world's true expectations).
        arms: Arm labels in column order; default ``range(n_arms)``.

    Returns:
        Per-user mean outcome.
    """
    q = np.asarray(q_hat, dtype=float)
    arms = list(range(q.shape[1])) if arms is None else list(arms)
    pi = _policy_matrix(policy, arms, q.shape[0])
    return float(np.mean(np.sum(pi * q, axis=1)))


def policy_values(y_true, policy, treatment, *, propensity, q_hat=None, arms=None, groups=None) -> dict:
    """IPS, SNIPS and (when ``q_hat`` is given) DR estimates at once (inputs checked and indexed once).

    Args:
        y_true: Array of shape (n,) of logged outcomes.
        policy: Arm labels of shape (n,) or probabilities of shape (n, n_arms).
        treatment: Array of shape (n,) of logged arms.
        propensity: Array of shape (n,) of logging probabilities.
        q_hat: Optional array of shape (n, n_arms) for the DR estimate.
        arms: Arm labels in column order.
        groups: Optional array of shape (n,) of cluster labels: cluster-robust standard errors.

    Returns:
        ``{method: {"value", "se", "n", "ess"}}``, the same numbers :func:`policy_value` gives per method.
    """
    y, p, a_logged, n, codes, arms, ai, w, ess = _weighted(
        y_true, policy, treatment, propensity, arms, groups
    )
    out = {}
    value, se = _mean_se(w * y, codes)
    out["ips"] = {"value": value, "se": se, "n": int(n), "ess": ess}
    value, se = _snips(w, y, codes)
    out["snips"] = {"value": value, "se": se, "n": int(n), "ess": ess}
    if q_hat is not None:
        value, se = _mean_se(_dr_terms(y, p, a_logged, n, policy, arms, q_hat, ai), codes)
        out["dr"] = {"value": value, "se": se, "n": int(n), "ess": ess}
    return out
