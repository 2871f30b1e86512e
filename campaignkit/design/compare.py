"""Plans at the same budget, side by side on the synthetic world's truth.

- :func:`true_problem` - the assignment problem of the world's *exact* effects (what the oracle optimises);
  :func:`oracle_problem` targets each user's truly most interesting category, as
  :func:`~campaignkit.models.evaluate.oracle_choice` does.
- :func:`true_plan_value` - exact expected incremental profit, spend and reach of any per-user choice.
- :func:`fit_to_budget` - cut a rule's choice down to a budget, keeping its users in its own priority order
  (rules have no cost model: they are given the exact spend, which flatters them).
- :func:`rule_priority` - the order a policy would contact users in (value for the value-tier rule, predicted
  response for response targeting).
- :func:`blanket_at_budget` - "the best campaign for everyone": one campaign, sent to users in random order
  until the budget is spent, the campaign picked by the truth (the strongest version of that baseline).
"""

from __future__ import annotations

import numpy as np

from campaignkit.design.problem import AssignmentProblem
from campaignkit.errors import ParameterError

__all__ = [
    "true_problem",
    "oracle_problem",
    "true_plan_value",
    "fit_to_budget",
    "rule_priority",
    "blanket_at_budget",
]


def true_problem(world, user_ids, target_category=None, segment=None) -> AssignmentProblem:
    """The world's exact incremental profit and spend of every campaign for ``user_ids``.

    Args:
        world: The synthetic world.
        user_ids: Array of shape (n,) of users.
        target_category: Categories for the category-targeted campaigns (None: the world's default).
        segment: Optional segment labels, array of shape (n,).

    Returns:
        An :class:`~campaignkit.design.problem.AssignmentProblem`.
    """
    user_ids = np.asarray(user_ids)
    e = world.expected_outcomes(user_ids, target_category=target_category)
    value = (e["profit"] - e["profit"][:, :1])[:, 1:]
    spend = (e["discount_cost"] + e["contact_cost"])[:, 1:]
    tc = (
        world._targets(user_ids, target_category)
        if target_category is not None
        else world.default_target[user_ids]
    )
    return AssignmentProblem(value, spend, world.campaign_ids[1:], user_ids, segment, tc)


def oracle_problem(world, user_ids, segment=None) -> AssignmentProblem:
    """:func:`true_problem` with each user's truly most interesting category as target."""
    user_ids = np.asarray(user_ids)
    return true_problem(world, user_ids, world.interest[user_ids].argmax(axis=1), segment)


def true_plan_value(world, user_ids, choice, target_category=None) -> dict:
    """Exact expected totals of a per-user choice against sending nothing.

    Args:
        world: The world.
        user_ids: Array of shape (n,).
        choice: Array of shape (n,) of catalogue rows (0 = control).
        target_category: Categories the chosen targeted campaigns target (None: the world's default).

    Returns:
        Dict with ``incremental_profit`` (total), ``spend`` (total discount + contact cost), ``reach`` (share
        contacted) and ``n_users``.
    """
    user_ids, choice = np.asarray(user_ids), np.asarray(choice, dtype=int)
    if choice.shape != user_ids.shape:
        raise ParameterError(f"choice must have shape {user_ids.shape}, got {choice.shape}")
    tc = None if target_category is None else np.asarray(target_category)
    prob = true_problem(world, user_ids, tc)
    on = np.flatnonzero(choice > 0)
    return {
        "incremental_profit": float(prob.value[on, choice[on] - 1].astype(np.float64).sum()),
        "spend": float(prob.spend[on, choice[on] - 1].astype(np.float64).sum()),
        "reach": float(np.mean(choice > 0)),
        "n_users": int(len(choice)),
    }


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
        truth: The world's :func:`true_problem` (the campaign is picked by it).
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
