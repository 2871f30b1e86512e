"""Off-policy value of a multi-arm targeting policy from a randomised log, with standard errors.

Signature ``policy_value(y_true, policy, treatment, *, propensity, ...)``: ``y_true`` is the logged
outcome, ``treatment`` the logged arm, ``policy`` the arm the evaluated policy would choose (array of
shape (n,)) or its probabilities over arms (array of shape (n, n_arms)). Estimators:

- IPS: ``mean(w * y)`` with ``w = pi(a_i | x_i) / p_i``;
- SNIPS (self-normalised): ``sum(w * y) / sum(w)``, standard error by the delta method;
- DR (doubly robust): ``mean(sum_a pi(a | x_i) q(x_i, a) + w * (y - q(x_i, a_i)))`` with an outcome
  model ``q`` of shape (n, n_arms).
"""

from __future__ import annotations

import numpy as np

from campaignkit.errors import ParameterError
from campaignkit.metrics._checks import as_1d, same_length

__all__ = ["policy_value", "policy_values", "direct_method_value"]

_METHODS = ("ips", "snips", "dr")


def _arm_index(labels, arms) -> np.ndarray:
    lookup = {a: i for i, a in enumerate(arms)}
    try:
        return np.array([lookup[a] for a in np.asarray(labels).tolist()], dtype=int)
    except KeyError as exc:
        raise ParameterError(f"arm {exc.args[0]!r} is not in arms") from exc


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


def policy_value(
    y_true,
    policy,
    treatment,
    *,
    propensity,
    method: str = "dr",
    q_hat=None,
    arms=None,
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

    Returns:
        Dict with ``value`` (per-user mean), ``se`` (standard error), ``n`` and ``ess`` (effective
        sample size of the importance weights).

    Raises:
        ParameterError: On a bad method, shapes, propensities or a missing ``q_hat``.
    """
    if method not in _METHODS:
        raise ParameterError(f"method must be one of {_METHODS}, got {method!r}")
    y = as_1d("y_true", y_true)
    p = as_1d("propensity", propensity)
    a_logged = np.asarray(treatment)
    n = same_length(y_true=y, treatment=a_logged, propensity=p)
    if np.any(p <= 0) or np.any(p > 1):
        raise ParameterError("propensity must lie in (0, 1]")
    pol_arr = np.asarray(policy)
    if arms is None:
        if pol_arr.ndim == 2:
            arms = list(range(pol_arr.shape[1]))
        else:
            arms = sorted(set(a_logged.tolist()) | set(pol_arr.tolist()))
    arms = list(arms)
    pi = _policy_matrix(policy, arms, n)
    ai = _arm_index(a_logged, arms)
    w = pi[np.arange(n), ai] / p
    ess = float(w.sum() ** 2 / np.sum(w**2)) if np.any(w > 0) else 0.0
    if method == "ips":
        terms = w * y
        value, se = terms.mean(), terms.std(ddof=1) / np.sqrt(n)
    elif method == "snips":
        if w.sum() == 0:
            raise ParameterError("no logged action matches the policy: SNIPS is undefined")
        value = np.sum(w * y) / np.sum(w)
        se = np.sqrt(np.sum((w * (y - value)) ** 2)) / np.sum(w)
    else:
        if q_hat is None:
            raise ParameterError("method='dr' needs q_hat of shape (n, n_arms)")
        q = np.asarray(q_hat, dtype=float)
        if q.shape != (n, len(arms)):
            raise ParameterError(f"q_hat must have shape ({n}, {len(arms)}), got {q.shape}")
        terms = np.sum(pi * q, axis=1) + w * (y - q[np.arange(n), ai])
        value, se = terms.mean(), terms.std(ddof=1) / np.sqrt(n)
    return {"value": float(value), "se": float(se), "n": int(n), "ess": ess}


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


def policy_values(y_true, policy, treatment, *, propensity, q_hat=None, arms=None) -> dict:
    """IPS, SNIPS and (when ``q_hat`` is given) DR estimates at once.

    Args:
        y_true: Array of shape (n,) of logged outcomes.
        policy: Arm labels of shape (n,) or probabilities of shape (n, n_arms).
        treatment: Array of shape (n,) of logged arms.
        propensity: Array of shape (n,) of logging probabilities.
        q_hat: Optional array of shape (n, n_arms) for the DR estimate.
        arms: Arm labels in column order.

    Returns:
        ``{method: {"value", "se", "n", "ess"}}``.
    """
    out = {}
    for m in _METHODS:
        if m == "dr" and q_hat is None:
            continue
        out[m] = policy_value(
            y_true, policy, treatment, propensity=propensity, method=m, q_hat=q_hat, arms=arms
        )
    return out
