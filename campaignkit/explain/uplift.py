"""One entry point for every model: :func:`explain_uplift` (why this campaign) and :func:`explain_choice`
(why campaign A rather than B), dispatching to the deep or the tree explainer."""

from __future__ import annotations

from campaignkit.errors import ParameterError
from campaignkit.explain._core import Explanation, Target, check_fitted
from campaignkit.explain.deep import deep_outcomes, explain_deep
from campaignkit.explain.trees import TREE_LEARNERS, explain_trees, tree_outcomes
from campaignkit.models.calibrated import CalibratedLearner

__all__ = ["explain_uplift", "explain_choice"]


def explain_uplift(
    model,
    data,
    campaign,
    *,
    against="control",
    outcome: str = "profit",
    background=None,
    n_background: int = 32,
    n_permutations: int = 1,
    user_ids=None,
    random_state=None,
) -> Explanation:
    """SHAP values of a model's predicted uplift of ``campaign`` (against control, or another campaign).

    Args:
        model: A fitted :class:`~campaignkit.models.BehaviourUpliftModel` (permutation SHAP over tabular
            features and events, :func:`~campaignkit.explain.deep.explain_deep`) or a
            :class:`~campaignkit.models.TLearner`, :class:`~campaignkit.models.SLearner` or
            :class:`~campaignkit.models.MediatedLearner` (Tree SHAP where the uplift is a sum of trees,
            :func:`~campaignkit.explain.trees.explain_trees`), or a
            :class:`~campaignkit.models.CalibratedLearner` around one of them: its per-campaign shift is a
            constant, so the values are its base model's and the shift moves ``base_values`` and ``output``.
        data: Model input of the users to explain (with event sequences, when the deep model has them).
        campaign: Campaign id (or catalogue row) whose uplift is explained.
        against: ``"control"`` (explain the uplift) or another campaign id: explain the *choice*, the
            difference ``uplift(campaign) - uplift(against)`` (see :func:`explain_choice`).
        outcome: ``"profit"`` (the decision quantity) or a learned response such as ``"participate"``.
        background: Model input the background sample is drawn from (default ``data``).
        n_background: Background users (interventional expectation over their tabular features).
        n_permutations: Antithetic permutations per user, where the values are estimated (the deep model,
            the mediated learner's non-participation outcomes, clipped T-learner sums); each costs
            ``2 p + 1`` evaluations, ``p`` the user's varying players.
        user_ids: Explain only these users of ``data`` (default all).
        random_state: Seed of the background sample and of the permutations.

    Returns:
        An :class:`~campaignkit.explain.Explanation`; ``exact`` says whether the values are exact Shapley
        values, ``method`` how they were computed.

    Raises:
        ParameterError: Unfitted or unsupported model, unknown campaign or outcome, ``against`` equal to
            ``campaign``, ``n_background`` or ``n_permutations`` below 1.
        SchemaError: A user of ``user_ids`` is not in ``data``.
    """
    check_fitted(model)
    if isinstance(model, CalibratedLearner):
        return _explain_calibrated(
            model,
            data,
            campaign,
            against=against,
            outcome=outcome,
            background=background,
            n_background=n_background,
            n_permutations=n_permutations,
            user_ids=user_ids,
            random_state=random_state,
        )
    if hasattr(model, "networks_"):
        explain, valid = explain_deep, deep_outcomes(model)
    elif isinstance(model, TREE_LEARNERS):
        explain, valid = explain_trees, tree_outcomes(model)
    else:
        raise ParameterError(f"no explainer for a {type(model).__name__}")
    if outcome not in valid:
        raise ParameterError(f"outcome must be one of {valid}, got {outcome!r}")
    if n_background < 1 or n_permutations < 1:
        raise ParameterError("n_background and n_permutations must be >= 1")
    target = Target.resolve(
        model, data, campaign, against, outcome, background, n_background, user_ids, random_state
    )
    return explain(target, n_permutations, random_state)


def _explain_calibrated(model: CalibratedLearner, data, campaign, **kwargs) -> Explanation:
    """The base model's explanation, with the calibration's shift of the explained difference added to the
    expected value and the output (probabilities the shift clips are the exception: the values stay the base's)."""
    expl = explain_uplift(model.model_, data, campaign, **kwargs)
    shifts = model.shifts_.get(expl.outcome, {})
    moved = shifts.get(expl.campaign, 0.0) - (
        0.0 if expl.against == "control" else shifts.get(expl.against, 0.0)
    )
    expl.base_values = expl.base_values + moved
    expl.output = expl.output + moved
    expl.model = f"CalibratedLearner({expl.model})"
    expl.method = f"{expl.method}; calibration shift {moved:+.4g} added to the expected value"
    return expl


def explain_choice(model, data, campaign, against, *, outcome: str = "profit", **kwargs) -> Explanation:
    """Why ``campaign`` rather than ``against``: SHAP values of ``uplift(campaign) - uplift(against)``.

    Args:
        model: As in :func:`explain_uplift`.
        data: Model input of the users to explain.
        campaign: The campaign chosen (or considered).
        against: The alternative it is compared with.
        outcome: As in :func:`explain_uplift`.
        **kwargs: As in :func:`explain_uplift`.

    Returns:
        An :class:`~campaignkit.explain.Explanation` with ``against`` set; positive values favour
        ``campaign``.
    """
    if against in (None, "control"):
        raise ParameterError("explain_choice compares two campaigns; for the uplift use explain_uplift")
    return explain_uplift(model, data, campaign, outcome=outcome, against=against, **kwargs)
