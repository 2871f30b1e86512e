"""Scoring against the synthetic world's exact truth: choices, plans, oracles and fitted models.

The world (:class:`~campaignkit.data.world.World`) keeps the physics: ``expected_outcomes`` gives the exact
expected outcome of every (user, campaign) pair and ``evaluate_plan`` a plan's exact KPIs over the whole world.
This module reads them to score what a model or a rule decided:

- the exact value of a per-user choice in three units - :func:`true_value_per_user` (arrays, one value per
  user), :func:`true_value_mean` (means per user) and :func:`true_value_total` (totals, with the spend);
- the oracle, which knows each user's true interest and every exact effect: :func:`oracle_target` (the
  category it targets), :func:`oracle_choice` (its best campaign per user, no budget) and, for a budget,
  :func:`true_problem` with ``target_category=oracle_target(world, user_ids)`` (the exact
  :class:`~campaignkit.design.problem.AssignmentProblem` the budgeted oracle solves);
- models side by side: :func:`compare_models`, :func:`mean_true_qini`, :func:`category_top_k_accuracy` and
  :func:`choice_and_target` (what a fitted model or policy chooses).

Models (deep and baselines alike) are scored through ``predict_outcomes`` and ``choose_from_outcomes``;
policies (rules that predict no outcomes) through ``choose``. The truth comes from ``world.expected_outcomes``
with *each model's own* target categories, so a model that picks a better category for the category-targeted
campaigns is credited for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.design.problem import AssignmentProblem
from campaignkit.errors import ParameterError
from campaignkit.metrics import (
    policy_value,
    qini_coefficient,
    qini_coefficient_true,
    roc_auc,
)
from campaignkit.models.inputs import as_user_data, history_top_category

__all__ = [
    "true_value_per_user",
    "true_value_mean",
    "true_value_total",
    "true_problem",
    "oracle_target",
    "oracle_choice",
    "category_top_k_accuracy",
    "compare_models",
    "mean_true_qini",
    "choice_and_target",
]


def choice_and_target(model, data, catalogue) -> tuple[np.ndarray, np.ndarray]:
    """A fitted model's or policy's campaign per user and the category its targeted campaigns would target.

    Models choose from their predicted outcomes (``choose_from_outcomes``) and target their own pick;
    policies (which predict no outcomes) choose by their rule and target the user's most frequent recent
    category (-1 without event sequences).

    Returns:
        ``(choice, target_category)``, arrays of shape (n_users,).
    """
    if hasattr(model, "predict_outcomes"):
        out = model.predict_outcomes(data, catalogue)
        return model.choose_from_outcomes(out), np.asarray(out.target_category)
    data = as_user_data(data)
    return model.choose(data, catalogue), history_top_category(data.sequences, n=len(data))


def true_value_per_user(world, user_ids, choice, target_category=None) -> dict[str, np.ndarray]:
    """Exact expected value per user of a per-user campaign choice, against sending nothing.

    Args:
        world: The synthetic world.
        user_ids: Array of shape (n,) of users.
        choice: Array of shape (n,) of catalogue rows (0 = control).
        target_category: Array of shape (n,) of categories for targeted campaigns (None: world default).

    Returns:
        Dict of arrays of shape (n,): ``profit`` (expected profit under the choice), ``incremental_profit``
        and ``incremental_conversions`` (against control).
    """
    e = world.expected_outcomes(user_ids, target_category=target_category)
    rows = np.arange(len(user_ids))
    choice = np.asarray(choice, dtype=int)
    return {
        "profit": e["profit"][rows, choice],
        "incremental_profit": e["profit"][rows, choice] - e["profit"][:, 0],
        "incremental_conversions": e["convert"][rows, choice] - e["convert"][:, 0],
    }


def true_value_mean(world, user_ids, choice, target_category=None) -> dict:
    """Exact expected value of a per-user campaign choice, as means per user.

    Args:
        world, user_ids, choice, target_category: As in :func:`true_value_per_user`.

    Returns:
        Dict: ``profit`` (mean per user), ``incremental_profit`` (vs all-control), ``incremental_conversions``
        (per user) - the means of :func:`true_value_per_user` - and ``reach`` (share contacted).
    """
    per_user = true_value_per_user(world, user_ids, choice, target_category)
    return {
        **{k: float(v.mean()) for k, v in per_user.items()},
        "reach": float(np.mean(np.asarray(choice, dtype=int) > 0)),
    }


def true_value_total(world, user_ids, choice, target_category=None) -> dict:
    """Exact expected totals of a per-user campaign choice against sending nothing.

    The values are those of :func:`true_problem` (float32, as an assignment problem holds them), summed in
    float64 over the contacted users.

    Args:
        world: The world.
        user_ids: Array of shape (n,).
        choice: Array of shape (n,) of catalogue rows (0 = control).
        target_category: Categories the chosen targeted campaigns target (None: the world's default).

    Returns:
        Dict with ``incremental_profit`` (total), ``spend`` (total discount + contact cost), ``reach`` (share
        contacted) and ``n_users``.

    Raises:
        ParameterError: ``choice`` does not have the shape of ``user_ids``.
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


def true_problem(world, user_ids, target_category=None, segment=None) -> AssignmentProblem:
    """The world's exact incremental profit and spend of every campaign for ``user_ids``.

    With ``target_category=oracle_target(world, user_ids)`` this is the problem the budgeted oracle solves
    (``assign(true_problem(...), budget)``).

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


def oracle_target(world, user_ids) -> np.ndarray:
    """The category the oracle targets: each user's truly most interesting one, array of shape (n,)."""
    return world.interest[np.asarray(user_ids)].argmax(axis=1)


def oracle_choice(world, user_ids) -> tuple[np.ndarray, np.ndarray]:
    """The best possible choice without a budget: the :func:`oracle_target`, then argmax true profit.

    Returns:
        ``(choice, target_category)``, arrays of shape (n,).
    """
    target = oracle_target(world, user_ids)
    e = world.expected_outcomes(user_ids, target_category=target)
    return e["profit"].argmax(axis=1), target


def category_top_k_accuracy(interest, scores, k: int = 1) -> float:
    """Share of users whose truly most-interesting category is among the top ``k`` scored.

    Args:
        interest: Array of shape (n, n_categories), the true current interest.
        scores: Array of shape (n, n_categories) of predicted scores (or an array of shape (n,) of
            single picks, for k = 1).
        k: Top-k.

    Returns:
        Accuracy in [0, 1].
    """
    truth = np.asarray(interest).argmax(axis=1)
    scores = np.asarray(scores)
    if scores.ndim == 1:
        if k != 1:
            raise ParameterError("single picks only support k = 1")
        return float(np.mean(scores == truth))
    top = np.argsort(-scores, axis=1)[:, :k]
    return float(np.mean((top == truth[:, None]).any(axis=1)))


def mean_true_qini(true_uplift, pred_uplift) -> float:
    """Mean over campaigns (columns 1..) of the true-effect Qini coefficient of the predicted uplift.

    Campaigns whose true effect ranks nobody (the perfect curve has no area above random) are skipped.
    """
    values = []
    for c in range(1, true_uplift.shape[1]):
        try:
            values.append(qini_coefficient_true(true_uplift[:, c], pred_uplift[:, c]))
        except ParameterError:
            continue
    return float(np.mean(values)) if values else float("nan")


def compare_models(
    models: dict, world, store, user_ids, catalogue: pd.DataFrame, log: pd.DataFrame | None = None
) -> pd.DataFrame:
    """All figures for several fitted models on held-out users, side by side.

    Args:
        models: ``{name: fitted model}``.
        world: The world (truth).
        store: ``(features, sequences)`` of ``user_ids`` (e.g. ``FeatureStore.subset``).
        user_ids: Array of shape (n,) of held-out users, aligned with ``store``.
        catalogue: The campaigns.
        log: The randomised log restricted to ``user_ids`` (for observed AUC, Qini and DR value).

    Returns:
        DataFrame, one row per model plus ``oracle`` and ``all_control``: true ``profit``,
        ``incremental_profit``, ``reach``, ``qini_true_profit`` (mean over campaigns, world default
        targets), observed ``auc_convert`` and ``qini_observed`` on the log, and ``dr_value`` with
        ``dr_se`` (doubly robust estimate of the choice's profit from the log).
    """
    user_ids = np.asarray(user_ids)
    default_target = world.default_target[user_ids]
    truth_profit = world.true_uplift("profit", user_ids, target_category=default_target)
    if truth_profit.shape[1] != len(catalogue):  # worlds that leave out the control column
        truth_profit = np.hstack([np.zeros((len(user_ids), 1)), truth_profit])
    if log is not None:
        pos = pd.Index(user_ids).get_indexer(log["user_id"].to_numpy())
        arm = pd.Index(catalogue["campaign_id"]).get_indexer(log["campaign_id"])
    rows = []
    for name, model in models.items():
        if not hasattr(model, "predict_outcomes"):  # a policy: it chooses, it predicts no outcomes
            choice, target = choice_and_target(model, store, catalogue)
            rows.append({"model": name, **true_value_mean(world, user_ids, choice, target)})
            continue
        out = model.predict_outcomes(store, catalogue)
        choice = model.choose_from_outcomes(out)
        row = {"model": name, **true_value_mean(world, user_ids, choice, out.target_category)}
        pred = model.predict_uplift(store, catalogue, outcome="profit", target_category=default_target)
        row["qini_true_profit"] = mean_true_qini(truth_profit, pred)
        if log is not None:
            conv = out["convert"][pos, arm]
            row["auc_convert"] = roc_auc(log["converted"].to_numpy(int), conv)
            treated = (arm > 0).astype(int)
            score = out["profit"][pos, 1:].max(axis=1) - out["profit"][pos, 0]
            row["qini_observed"] = qini_coefficient(log["profit"].to_numpy(float), score, treated)
            dr = policy_value(
                log["profit"].to_numpy(float),
                choice[pos],
                arm,
                propensity=log["propensity"].to_numpy(),
                method="dr",
                q_hat=out["profit"][pos],
                arms=list(range(len(catalogue))),
            )
            row["dr_value"], row["dr_se"] = dr["value"], dr["se"]
        rows.append(row)
    oracle, target = oracle_choice(world, user_ids)
    rows.append(
        {"model": "oracle", **true_value_mean(world, user_ids, oracle, target), "qini_true_profit": 1.0}
    )
    rows.append({"model": "all_control", **true_value_mean(world, user_ids, np.zeros(len(user_ids), int))})
    return pd.DataFrame(rows).set_index("model")
