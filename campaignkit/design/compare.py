"""Rule and blanket baselines at a budget, to set beside a budgeted plan.

- :func:`fit_to_budget` - cut a rule's choice down to a budget, keeping its users in its own priority order
  (rules have no cost model: they are given the exact spend, which flatters them).
- :func:`rule_priority` - the order a policy would contact users in (value for the value-tier rule, predicted
  response for response targeting).
- :func:`blanket_at_budget` - "the best campaign for everyone": one campaign, sent to users in random order
  until the budget is spent, the campaign picked by the problem it is given (the world's truth: the strongest
  version of that baseline).

The plans are scored on the world's truth by :mod:`campaignkit.evaluation.truth`
(:func:`~campaignkit.evaluation.true_value_total`, :func:`~campaignkit.evaluation.true_problem`).
"""

from __future__ import annotations

import numpy as np

from campaignkit.design.problem import AssignmentProblem
from campaignkit.errors import ParameterError

__all__ = [
    "fit_to_budget",
    "rule_priority",
    "blanket_at_budget",
]


def fit_to_budget(choice, priority, spend, budget: float) -> np.ndarray:
    """Keep a rule's contacts in its priority order while the total spend stays within the budget.

    Args:
        choice: Array of shape (n,) of catalogue rows (0 = control).
        priority: Array of shape (n,): higher goes first.
        spend: Array of shape (n, n_campaigns), control first: the spend of each campaign per user.
        budget: Total spend allowed (>= 0).

    Returns:
        Array of shape (n,): the choice with the users past the budget set to control.
    """
    if budget < 0:
        raise ParameterError(f"budget must be >= 0, got {budget}")
    choice = np.asarray(choice, dtype=int).copy()
    spend = np.asarray(spend, dtype=float)
    if spend.ndim != 2 or len(spend) != len(choice) or spend.shape[1] <= choice.max(initial=0):
        raise ParameterError(f"spend must have shape ({len(choice)}, n_campaigns) with control first")
    cost = spend[np.arange(len(choice)), choice] * (choice > 0)
    order = np.argsort(-np.asarray(priority, dtype=float), kind="stable")
    within = np.cumsum(cost[order]) <= budget + 1e-9
    choice[order[~within]] = 0
    return choice


def rule_priority(policy, data, catalogue) -> np.ndarray:
    """The order a policy contacts users in when the budget runs short: array of shape (n,), higher first.

    The value-tier rule goes by customer value (its ``value_column``); response targeting by the best
    predicted response; any other policy by nothing (ties: the input order).
    """
    from campaignkit.models.inputs import as_user_data

    data = as_user_data(data)
    if hasattr(policy, "predict_response"):
        return np.nanmax(policy.predict_response(data, catalogue)[:, 1:], axis=1)
    column = getattr(policy, "value_column", None)
    if column is not None and column in data.features:
        return data.features[column].to_numpy(dtype=float)
    return np.zeros(len(data))


def blanket_at_budget(truth: AssignmentProblem, budget: float, random_state=0) -> tuple[np.ndarray, str]:
    """The best single campaign sent to users in random order until the budget is spent.

    Args:
        truth: The world's :func:`~campaignkit.evaluation.true_problem` (the campaign is picked by it).
        budget: Total spend allowed.
        random_state: Seed of the random order.

    Returns:
        ``(choice, campaign_id)``: array of shape (n,) of catalogue rows, and the campaign picked.
    """
    n, k = truth.shape
    order = np.random.default_rng(random_state).permutation(n)
    best, best_value, best_c = None, -np.inf, 0
    for c in range(k):
        cost = truth.spend[order, c].astype(np.float64)
        m = int(np.searchsorted(np.cumsum(cost), budget + 1e-9, side="right"))
        value = float(truth.value[order[:m], c].astype(np.float64).sum())
        if value > best_value:
            best_value, best_c = value, c
            best = np.zeros(n, int)
            best[order[:m]] = c + 1
    return best, truth.campaign_ids[best_c]
