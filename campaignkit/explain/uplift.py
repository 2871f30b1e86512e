"""One entry point for every model: :func:`explain_uplift` (why this campaign) and :func:`explain_choice`
(why campaign A rather than B), dispatching to the deep or the tree explainer."""

from __future__ import annotations

from campaignkit.errors import ParameterError
from campaignkit.explain._core import Explanation, check_fitted
from campaignkit.explain.deep import explain_deep
from campaignkit.explain.trees import explain_trees

__all__ = ["explain_uplift", "explain_choice"]


def explain_uplift(model, data, campaign, *, outcome: str = "profit", **kwargs) -> Explanation:
    """SHAP values of a model's predicted uplift of ``campaign`` (against control).

    Args:
        model: A fitted :class:`~campaignkit.models.BehaviourUpliftModel` (permutation SHAP over tabular
            features and events, :func:`~campaignkit.explain.deep.explain_deep`) or a gradient-boosting
            learner (Tree SHAP, :func:`~campaignkit.explain.trees.explain_trees`).
        data: Model input of the users to explain.
        campaign: Campaign id.
        outcome: ``"profit"`` (the decision quantity) or a learned response such as ``"participate"``.
        **kwargs: Passed on (``background``, ``n_background``, ``n_permutations``, ``user_ids``,
            ``random_state``).

    Returns:
        An :class:`~campaignkit.explain.Explanation`.

    Raises:
        ParameterError: Unfitted or unsupported model, unknown campaign or outcome.
        SchemaError: Unknown user in ``user_ids``.
    """
    check_fitted(model)
    if hasattr(model, "networks_"):
        return explain_deep(model, data, campaign, outcome=outcome, **kwargs)
    if hasattr(model, "models_") or hasattr(model, "arm_models_"):
        return explain_trees(model, data, campaign, outcome=outcome, **kwargs)
    raise ParameterError(f"no explainer for a {type(model).__name__}")


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
