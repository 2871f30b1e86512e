r"""Churn risk and retention by uplift: whom a retention campaign *saves*, not who is most likely to leave.

The customers at the highest churn risk are often not the ones a campaign keeps, and some are pushed out by
the contact itself (Ascarza 2018; Lemmens & Gupta 2020). This module puts a value on keeping a customer and
lets the kit's budgeted optimiser (:func:`~campaignkit.design.assign.assign`) spend on retention *uplift*:

- :func:`customer_value` - what a retained customer is worth: their expected margin per period without a
  campaign, summed over a horizon of ``H`` periods while they stay,
  ``V = m0 · Σ_{h=0}^{H-1} r0^h`` (``m0`` the control profit of one campaign window, ``r0`` the retention
  without a campaign), from a model's prediction or from the world's truth (:func:`true_customer_value`).
- :func:`retention_problem` - per user and campaign, the objective
  ``Δprofit_c + Δretain_c · V`` (the window's incremental profit, which already pays the discount and the
  contact, plus the value of the extra retention) as an
  :class:`~campaignkit.design.problem.AssignmentProblem`; :func:`true_retention_problem` is the same from the
  world's exact effects (what the policies are scored on).
- :func:`risk_tiers` / :func:`tiered_rule` - the seed's rule: high risk → reminder, medium → member offer,
  low → nothing; :func:`target_by_risk` - the riskiest users first, one fixed campaign, up to the budget.
- :func:`sleeping_dogs` - users whom a campaign pushes out: the world's exact ``Δretain < 0``;
  :func:`dog_detection` - per campaign, how well a model's predicted retention uplift tells them apart.
- :func:`retention_policy_value` scores a choice on the truth; :func:`compare_retention_policies` puts the
  three policies side by side at the same budgets (a budget curve); :func:`risk_uplift_table` is the per-user
  view of risk against uplift.

Plots live in :mod:`campaignkit.design.retention_plots`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.design.assign import assign
from campaignkit.design.compare import fit_to_budget
from campaignkit.design.problem import AssignmentProblem
from campaignkit.design.segments import _tiers
from campaignkit.errors import ParameterError

__all__ = [
    "DEFAULT_HORIZON",
    "TIERED_RULE",
    "customer_value",
    "true_customer_value",
    "retention_problem",
    "true_retention_problem",
    "risk_tiers",
    "tiered_rule",
    "target_by_risk",
    "best_fixed_campaign",
    "sleeping_dogs",
    "dog_detection",
    "retention_policy_value",
    "compare_retention_policies",
    "risk_uplift_table",
]

DEFAULT_HORIZON = 6
"""Periods (campaign windows) over which a retained customer's margin is counted."""

TIERED_RULE = {"high": "cart_reminder", "medium": "member_exclusive_15"}
"""The seed's retention rule: campaign per risk tier (a tier not listed gets nothing)."""


def _check_horizon(horizon) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ParameterError(f"horizon must be an integer >= 1 (periods), got {horizon!r}")
    return int(horizon)


def _value(margin0: np.ndarray, retain0: np.ndarray, horizon: int) -> np.ndarray:
    """``max(m0, 0) · Σ_{h<H} r0^h`` (a geometric sum, exact at r0 = 1)."""
    r = np.clip(np.asarray(retain0, float), 0.0, 1.0)
    h = _check_horizon(horizon)
    periods = np.where(r < 1 - 1e-9, (1 - r**h) / np.maximum(1 - r, 1e-12), float(h))
    return np.clip(np.asarray(margin0, float), 0.0, None) * periods


def customer_value(prediction, horizon: int = DEFAULT_HORIZON) -> np.ndarray:
    """A retained customer's expected margin over ``horizon`` periods, by a model's prediction.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction` with ``retain`` (a log that records
            retention); its control column gives ``m0`` (profit) and ``r0`` (retention).
        horizon: Periods counted (the current one included).

    Returns:
        Array of shape (n_users,): ``max(m0, 0) · Σ_{h<H} r0^h``.

    Raises:
        ParameterError: When the prediction has no retention, or on a bad horizon.
    """
    if getattr(prediction, "retain", None) is None:
        raise ParameterError(
            "customer_value needs predicted retention: fit the model on a log with 'retained'"
        )
    return _value(prediction.profit[:, 0], prediction.retain[:, 0], horizon)


def true_customer_value(world, user_ids, horizon: int = DEFAULT_HORIZON) -> np.ndarray:
    """:func:`customer_value` from the world's exact control outcomes: array of shape (n_users,)."""
    e = world.expected_outcomes(np.asarray(user_ids), campaign_ids=["control"])
    return _value(e["profit"][:, 0], e["retain"][:, 0], horizon)


def _objective(d_profit, d_retain, value, spend, immediate: bool) -> np.ndarray:
    ret = d_retain * value[:, None]
    return ret + (d_profit if immediate else -spend)


def retention_problem(
    prediction,
    horizon: int = DEFAULT_HORIZON,
    *,
    value=None,
    immediate: bool = True,
    segment=None,
) -> AssignmentProblem:
    """The budgeted assignment problem with retention value in the objective.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction` with ``retain``.
        horizon: Periods a retained customer's margin is counted over (:func:`customer_value`).
        value: Array of shape (n_users,) of customer values to use instead (e.g. the world's).
        immediate: Objective ``Δprofit + Δretain · V`` (True: the window's incremental profit, costs
            included) or ``Δretain · V - spend`` (False: retention value only, minus the campaign cost).
        segment: Optional segment labels, array of shape (n_users,).

    Returns:
        An :class:`~campaignkit.design.problem.AssignmentProblem` (control excluded), spend = expected discount
        + contact cost, as in :meth:`~campaignkit.design.problem.AssignmentProblem.from_prediction`.
    """
    v = customer_value(prediction, horizon) if value is None else np.asarray(value, float)
    if v.shape != (len(prediction.user_id),):
        raise ParameterError(f"value must have shape ({len(prediction.user_id)},), got {v.shape}")
    spend = (prediction.discount + prediction.contact)[:, 1:]
    obj = _objective(
        prediction.uplift("profit")[:, 1:], prediction.uplift("retain")[:, 1:], v, spend, immediate
    )
    return AssignmentProblem(
        obj,
        np.clip(spend, 0.0, None),
        prediction.campaign_ids[1:],
        prediction.user_id,
        segment,
        prediction.target_category,
    )


def true_retention_problem(
    world,
    user_ids,
    horizon: int = DEFAULT_HORIZON,
    *,
    target_category=None,
    immediate: bool = True,
    segment=None,
) -> AssignmentProblem:
    """:func:`retention_problem` from the world's exact effects and customer values (the truth policies are scored on).

    Args:
        world: The synthetic world.
        user_ids: Array of shape (n,).
        horizon: As in :func:`customer_value`.
        target_category: Categories of the category-targeted campaigns (None: the world's default).
        immediate: As in :func:`retention_problem`.
        segment: Optional segment labels.

    Returns:
        An :class:`~campaignkit.design.problem.AssignmentProblem`.
    """
    user_ids = np.asarray(user_ids)
    e = world.expected_outcomes(user_ids, target_category=target_category)
    v = _value(e["profit"][:, 0], e["retain"][:, 0], horizon)
    spend = (e["discount_cost"] + e["contact_cost"])[:, 1:]
    d_profit = (e["profit"] - e["profit"][:, :1])[:, 1:]
    d_retain = (e["retain"] - e["retain"][:, :1])[:, 1:]
    tc = (
        world.default_target[user_ids]
        if target_category is None
        else world._targets(user_ids, target_category)
    )
    return AssignmentProblem(
        _objective(d_profit, d_retain, v, spend, immediate),
        spend,
        world.campaign_ids[1:],
        user_ids,
        segment,
        tc,
    )


def risk_tiers(prediction, shares=(0.25, 0.35), labels=("high", "medium", "low")) -> np.ndarray:
    """Churn-risk tiers from the predicted retention without a campaign (``1 - retain[:, 0]``), riskiest first.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction` with ``retain``.
        shares: Shares of users in the riskier tiers.
        labels: Tier names, highest risk first.

    Returns:
        Array of shape (n_users,) of labels.
    """
    if getattr(prediction, "retain", None) is None:
        raise ParameterError("risk tiers need predicted retention: fit the model on a log with 'retained'")
    return _tiers(1.0 - prediction.retain[:, 0], shares, labels)


def _column(campaign_ids, campaign: str) -> int:
    ids = list(campaign_ids)
    if campaign not in ids:
        raise ParameterError(f"unknown campaign {campaign!r}; the catalogue has {ids}")
    return ids.index(campaign)


def tiered_rule(tiers, campaign_ids, rule: dict | None = None) -> np.ndarray:
    """The seed's tiered retention rule as a choice.

    Args:
        tiers: Array of shape (n_users,) of risk-tier labels (:func:`risk_tiers`).
        campaign_ids: Catalogue ids, control first.
        rule: ``{tier: campaign_id}`` (default :data:`TIERED_RULE`: high → reminder, medium → member offer).

    Returns:
        Array of shape (n_users,) of catalogue rows (0 = control).
    """
    tiers = np.asarray(tiers)
    choice = np.zeros(len(tiers), int)
    for tier, campaign in (TIERED_RULE if rule is None else rule).items():
        choice[tiers == tier] = _column(campaign_ids, campaign)
    return choice


def best_fixed_campaign(problem: AssignmentProblem, risk, top_share: float = 0.25) -> str:
    """The campaign with the best mean objective among the riskiest ``top_share`` of users, by ``problem``.

    What a risk-targeting team would send: the campaign its model says works best on the at-risk.

    Args:
        problem: A (predicted) :func:`retention_problem`.
        risk: Array of shape (n_users,) of churn risks.
        top_share: Share of riskiest users the campaign is chosen on.

    Returns:
        The campaign id.
    """
    risk = np.asarray(risk, float)
    top = np.argsort(-risk, kind="stable")[: max(1, int(round(top_share * len(risk))))]
    return problem.campaign_ids[int(np.argmax(problem.value[top].astype(np.float64).mean(0)))]


def target_by_risk(risk, campaign: str, campaign_ids, spend, budget: float) -> np.ndarray:
    """One campaign to the riskiest users first, until the budget is spent.

    Args:
        risk: Array of shape (n_users,) of churn risks (higher goes first).
        campaign: The campaign sent.
        campaign_ids: Catalogue ids, control first.
        spend: Array of shape (n_users, n_campaigns), control first: each campaign's spend per user.
        budget: Total spend allowed.

    Returns:
        Array of shape (n_users,) of catalogue rows (0 = control).
    """
    choice = np.full(len(np.asarray(risk)), _column(campaign_ids, campaign))
    return fit_to_budget(choice, risk, spend, budget)


def sleeping_dogs(world, user_ids, target_category=None) -> np.ndarray:
    """Who each campaign pushes out: the world's exact retention uplift is negative.

    Args:
        world: The synthetic world.
        user_ids: Array of shape (n,).
        target_category: As in :meth:`~campaignkit.data.world.World.true_uplift`.

    Returns:
        Bool array of shape (n, n_campaigns), control first (column 0 all False).
    """
    up = world.true_uplift(
        "retain", np.asarray(user_ids), target_category=target_category
    )  # control column 0
    return up < 0


def dog_detection(prediction, dogs) -> pd.DataFrame:
    """Per campaign: how well a model's predicted retention uplift picks out the sleeping dogs.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction` with ``retain``.
        dogs: :func:`sleeping_dogs` of the same users, bool array of shape (n_users, n_campaigns), control first.

    Returns:
        DataFrame, one row per campaign (control left out): ``campaign_id``, ``dog_share`` (users the campaign truly
        pushes out), ``predicted_harm_share`` (users whose predicted retention uplift is negative), ``auc`` (the
        chance that a random sleeping dog has a lower predicted retention uplift than a random other user: 0.5 is
        no better than chance; NaN when the campaign has no dog or only dogs).
    """
    from campaignkit.metrics import roc_auc

    if getattr(prediction, "retain", None) is None:
        raise ParameterError(
            "dog_detection needs predicted retention: fit the model on a log with 'retained'"
        )
    dogs = np.asarray(dogs, dtype=bool)
    up = prediction.uplift("retain")
    if dogs.shape != up.shape:
        raise ParameterError(
            f"dogs must have shape {up.shape} (users x campaigns, control first), got {dogs.shape}"
        )
    rows = []
    for c in range(1, up.shape[1]):
        d = dogs[:, c]
        auc = roc_auc(d.astype(int), -up[:, c]) if 0 < d.sum() < len(d) else float("nan")
        rows.append(
            {
                "campaign_id": prediction.campaign_ids[c],
                "dog_share": float(d.mean()),
                "predicted_harm_share": float((up[:, c] < 0).mean()),
                "auc": float(auc),
            }
        )
    return pd.DataFrame(rows)


def retention_policy_value(truth: AssignmentProblem, choice, world=None, dogs=None) -> dict:
    """A choice scored on the truth: its true objective, spend, reach and the sleeping dogs it contacts.

    Args:
        truth: :func:`true_retention_problem` of the same users (in the same order).
        choice: Array of shape (n_users,) of catalogue rows (0 = control).
        world: Unused when ``dogs`` is given; else the world to read :func:`sleeping_dogs` from.
        dogs: :func:`sleeping_dogs` of the same users (computed from ``world`` when None).

    Returns:
        Dict: ``true_profit`` (total objective on the truth), ``spend`` (true), ``reach`` (share contacted),
        ``contacted`` (users), ``sleeping_dogs_contacted`` (users sent a campaign that lowers their retention)
        and ``sleeping_dog_share`` (of those contacted).
    """
    choice = np.asarray(choice, int)
    if choice.shape != (truth.shape[0],):
        raise ParameterError(f"choice must have shape ({truth.shape[0]},), got {choice.shape}")
    if dogs is None:
        if world is None:
            raise ParameterError("pass the world or the sleeping_dogs table")
        dogs = sleeping_dogs(world, truth.user_id, truth.target_category)
    on = np.flatnonzero(choice > 0)
    col = choice[on] - 1
    dog = int(np.asarray(dogs)[on, choice[on]].sum())
    return {
        "true_profit": float(truth.value[on, col].astype(np.float64).sum()),
        "spend": float(truth.spend[on, col].astype(np.float64).sum()),
        "reach": float(on.size / max(len(choice), 1)),
        "contacted": int(on.size),
        "sleeping_dogs_contacted": dog,
        "sleeping_dog_share": float(dog / on.size) if on.size else 0.0,
    }


def compare_retention_policies(
    prediction,
    truth: AssignmentProblem,
    dogs,
    budgets=None,
    *,
    horizon: int = DEFAULT_HORIZON,
    budget_shares=(0.1, 0.25, 0.5, 0.75, 1.0),
    rule: dict | None = None,
    risk_campaign: str | None = None,
    oracle: bool = False,
) -> pd.DataFrame:
    """The tiered rule, target-by-risk and target-by-uplift at the same budgets, scored on the truth.

    The rules have no cost model: they contact users riskiest first until the budget is spent, and are given
    each user's *exact* spend for it (which flatters them). Target-by-uplift is
    :func:`~campaignkit.design.assign.assign` on the model's :func:`retention_problem` at the budget (its plan is
    budgeted on the model's predicted spend; its true spend is reported).

    Args:
        prediction: The model's :class:`~campaignkit.models.prediction.Prediction` (with ``retain``) of the users.
        truth: :func:`true_retention_problem` of the same users, same order.
        dogs: :func:`sleeping_dogs` of the same users.
        budgets: Budgets to compare at (None: ``budget_shares`` of what the tiered rule spends on everyone).
        horizon: As in :func:`customer_value`.
        budget_shares: Used when ``budgets`` is None.
        rule: The tiered rule (default :data:`TIERED_RULE`).
        risk_campaign: Target-by-risk's campaign (None: :func:`best_fixed_campaign` by the model).
        oracle: Also the optimiser fed the truth itself (``"oracle"``): the most any plan can earn at the budget.

    Returns:
        DataFrame, one row per (budget, policy): ``budget, policy, campaign`` and the keys of
        :func:`retention_policy_value`. ``attrs["risk_campaign"]`` names target-by-risk's campaign.
    """
    ids = prediction.campaign_ids
    if tuple(truth.campaign_ids) != tuple(ids[1:]) or truth.shape[0] != len(prediction.user_id):
        raise ParameterError("prediction and truth must cover the same users and campaigns")
    risk = 1.0 - prediction.retain[:, 0]
    problem = retention_problem(prediction, horizon)
    true_spend = np.hstack([np.zeros((truth.shape[0], 1)), truth.spend.astype(np.float64)])
    rule_choice = tiered_rule(risk_tiers(prediction), ids, rule)
    if budgets is None:
        full = float(true_spend[np.arange(len(rule_choice)), rule_choice].sum())
        budgets = [s * full for s in budget_shares]
    campaign = risk_campaign or best_fixed_campaign(problem, risk)
    rows = []
    for b in budgets:
        plans = {
            "tiered rule": (fit_to_budget(rule_choice, risk, true_spend, b), "rule"),
            "target by risk": (target_by_risk(risk, campaign, ids, true_spend, b), campaign),
            "target by uplift": (assign(problem, b).choice, "optimiser"),
        }
        if oracle:
            plans["oracle"] = (assign(truth, b).choice, "optimiser on the truth")
        for name, (choice, what) in plans.items():
            rows.append(
                {
                    "budget": float(b),
                    "policy": name,
                    "campaign": what,
                    **retention_policy_value(truth, choice, dogs=dogs),
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["risk_campaign"] = campaign
    return out


def risk_uplift_table(prediction, world, horizon: int = DEFAULT_HORIZON) -> pd.DataFrame:
    """Per user: churn risk against retention uplift, predicted and true.

    Args:
        prediction: The model's :class:`~campaignkit.models.prediction.Prediction` (with ``retain``).
        world: The synthetic world (for the truth).
        horizon: As in :func:`customer_value`.

    Returns:
        DataFrame, one row per user: ``user_id, tier`` (predicted), ``risk`` (predicted), ``true_risk``,
        ``uplift`` (predicted retention uplift of the user's best campaign by the model's objective),
        ``best_campaign``, ``true_uplift`` (the world's retention uplift of that campaign), ``sleeping_dog``
        (it truly lowers their retention) and ``true_best_uplift`` (the largest true retention uplift of any
        campaign).
    """
    users = np.asarray(prediction.user_id)
    problem = retention_problem(prediction, horizon)
    best = problem.value.argmax(1) + 1
    rows = np.arange(len(users))
    true_up = world.true_uplift("retain", users, target_category=prediction.target_category)  # control first
    r0 = world.expected_outcomes(users, campaign_ids=["control"])["retain"][:, 0]
    return pd.DataFrame(
        {
            "user_id": users,
            "tier": risk_tiers(prediction),
            "risk": 1.0 - prediction.retain[:, 0],
            "true_risk": 1.0 - r0,
            "uplift": prediction.uplift("retain")[rows, best],
            "best_campaign": np.asarray(prediction.campaign_ids, dtype=object)[best],
            "true_uplift": true_up[rows, best],
            "sleeping_dog": true_up[rows, best] < 0,
            "true_best_uplift": true_up[:, 1:].max(1),
        }
    )
