"""SHAP values of the gradient-boosting learners' uplift: exact where the uplift is a sum of trees.

The learners (:mod:`campaignkit.models.baselines`, :mod:`campaignkit.models.mediated`) are scikit-learn
``HistGradientBoosting`` models, which shap's ``TreeExplainer`` reads. Path-dependent Tree SHAP is exact and
linear in the model, so for an uplift that is a *weighted sum of regression trees* - ``Σ w_j m_j(x) + const`` -
the SHAP values are ``Σ w_j SHAP(m_j)``, exact, adding up to the output to float precision:

- T-learner: ``m_c(x) - m_a(x)``; its profit is ``margin (rev_c - rev_a) - (disc_c - disc_a)`` less the contact
  costs (constants). The learner clips revenue and discount at 0: the sum is exact only where no clip binds
  at the explained users, which is checked; otherwise (and for binary outcomes, whose probabilities are not
  sums of trees) the clipped composition is explained by :class:`shap.PermutationExplainer`.
- S-learner: ``m(x, campaign c) - m(x, campaign a)``, over the user's features and their share of the
  target category (:data:`MATCH_FEATURE`); the campaign attribute columns are summed into one
  ``"campaign attributes"`` column - the part of the uplift the campaign carries for an average user.
- Mediated learner: its participation uplift is the X-learner blend ``s τ0(x) + (1 - s) τ1(x)`` - exact. Its
  profit ``b + p (v - b) - (1 - p) contact`` multiplies trees, so no tree algorithm gives its Shapley values:
  it is explained by :class:`shap.PermutationExplainer` on the wrapped prediction (``exact=False``).

Permutation estimates add up to the output by construction (each antithetic walk telescopes from the base
value to the prediction) and estimate the Shapley values; ``Explanation.exact`` and ``.method`` say which
one a result is.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import shap
from sklearn.ensemble import HistGradientBoostingClassifier

from campaignkit.explain._core import Explanation, Target, permutation_explainer
from campaignkit.models.baselines import SLearner, TLearner
from campaignkit.models.boosting import predict_boosting
from campaignkit.models.inputs import TabularEncoder, UserData
from campaignkit.models.mediated import MediatedLearner
from campaignkit.models.profit import campaign_matrix, catalogue_arrays

__all__ = ["explain_trees", "tree_outcomes", "TREE_LEARNERS", "MATCH_FEATURE"]

MATCH_FEATURE = "target_category_share"
"""Name of the S-learner's extra column: the user's share of events in the campaign's target category."""

TREE_LEARNERS = (TLearner, SLearner, MediatedLearner)
"""The learners :func:`explain_trees` explains."""


def _tree_shap(estimator, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Exact path-dependent Tree SHAP values and expected value of one fitted regressor (or a constant).

    Path-dependent, not interventional: shap's interventional algorithm failed its own additivity on these
    ``HistGradientBoosting`` trees (errors of 0.1 on a unit-scale output with shap 0.51; deep trees, see
    shap issue #3267), while the path-dependent one adds up to 1e-14. Its expectation is over the training
    rows the trees saw (node counts), not over a chosen background.
    """
    if isinstance(estimator, float):  # a learner fitted on a constant outcome
        return np.zeros_like(x), float(estimator)
    explainer = shap.TreeExplainer(estimator, feature_perturbation="tree_path_dependent")
    values = np.asarray(explainer.shap_values(x, check_additivity=False), dtype=np.float64)
    return values, float(np.ravel(explainer.expected_value)[-1])


def _is_exact(terms, z: np.ndarray) -> bool:
    """Tree SHAP is exact for a weighted sum of regressors (probabilities of classifiers are not sums) when
    no clip of the model binds at the explained rows (then the sum is the model's output there)."""
    for _, est, design, floor in terms:
        if isinstance(est, HistGradientBoostingClassifier):
            return False
        if floor is not None and np.any(predict_boosting(est, design(z)) < floor):
            return False
    return True


def _exact_values(terms, z: np.ndarray, p: int):
    """``Σ w SHAP(est)`` over ``terms`` = [(weight, estimator, design, floor)], on the player columns ``:p``.

    ``design(z, estimator_input)`` builds each estimator's input from the players; columns beyond the players
    (the S-learner's campaign attributes) are summed into one extra column, the campaign's own part.
    """
    values, base = np.zeros((len(z), p + 1)), 0.0
    for weight, est, design, _ in terms:
        if weight == 0.0:
            continue
        v, b = _tree_shap(est, design(z))
        players = getattr(design, "players", np.arange(p))
        rest = np.setdiff1d(np.arange(v.shape[1]), players)
        values[:, :p] += weight * v[:, players]
        values[:, p] += weight * v[:, rest].sum(1)
        base += weight * b
    return values, base


def _terms_function(terms, const: float):
    """The uplift as a function of the player matrix: ``Σ w max(est(design(z)), floor) + const``, clipped as
    the model clips (revenue and discount at 0)."""

    def clip(v, floor):
        return v if floor is None else np.maximum(v, floor)

    def f(z):
        z = np.asarray(z, dtype=np.float64)
        return (
            sum(w * clip(predict_boosting(est, design(z)), floor) for w, est, design, floor in terms) + const
        )

    return f


def _permutation_values(f, z: np.ndarray, bg: np.ndarray, n_permutations: int, random_state):
    """Permutation SHAP of ``f`` at the rows ``z`` against the background rows ``bg``."""
    explainer = permutation_explainer(f, bg, random_state)
    res = explainer(z, max_evals=n_permutations * (2 * z.shape[1] + 1), silent=True)
    return np.asarray(res.values, dtype=np.float64), np.asarray(res.base_values, dtype=np.float64).ravel()


def _linear_terms(model, outcome: str, c: int, a: int, design_of):
    """``[(weight, estimator, design, floor)]`` and a constant whose sum (each term clipped at its floor) is
    the uplift of c vs a."""
    cat = catalogue_arrays(model.catalogue_)
    no_discount = (cat["amount"] <= 0) & (cat["depth"] <= 0)
    parts = {outcome: 1.0} if outcome != "profit" else {"revenue": None, "discount": -1.0}
    terms, const = [], 0.0
    for k, sign in ((c, 1.0), (a, -1.0)):
        for name, weight in parts.items():
            w = cat["margin"][k] if weight is None else weight
            if name == "discount" and no_discount[k]:
                continue
            est = model.models_[k, name] if isinstance(model, TLearner) else model.models_[name]
            floor = 0.0 if name in ("revenue", "discount") else None  # BoostingLearner._finish clips these
            terms.append((sign * w, est, design_of(k), floor))
        if outcome == "profit":
            const -= sign * cat["contact"][k]
    return terms, const


def tree_outcomes(model) -> tuple[str, ...]:
    """Outcomes of a fitted gradient-boosting learner that can be explained (modelled ones plus ``profit``)."""
    return tuple(dict.fromkeys((*model._modelled(), "profit")))


def explain_trees(target: Target, n_permutations: int, random_state) -> Explanation:
    """SHAP values of a gradient-boosting learner's uplift (or choice), for
    :func:`~campaignkit.explain.explain_uplift` (which checks the arguments and resolves the ``target``).

    Args:
        target: The fitted :class:`~campaignkit.models.TLearner`, :class:`~campaignkit.models.SLearner` or
            :class:`~campaignkit.models.MediatedLearner`, outcome, campaigns, users and background sample.
        n_permutations: Permutations of the estimate, where one is needed (the mediated learner's
            non-participation outcomes).
        random_state: Seed of the permutations.

    Returns:
        An :class:`~campaignkit.explain.Explanation` over the model's encoded features (the S-learner's also
        over :data:`MATCH_FEATURE`); ``exact`` says whether the values are exact Shapley values.
    """
    model, outcome = target.model, target.outcome
    data, bg_data, c, a = target.data, target.background, target.campaign, target.against
    with model._context():
        pred = model.predict_outcomes(data)
        x, bg = model._features(data), model._features(bg_data)
    names, z, z_bg = list(model.feature_names_), x, bg
    if isinstance(model, SLearner):  # players: the user's features and their share of the target category
        match = model._match(data.sequences, np.arange(len(data)), np.asarray(pred.target_category))
        bg_match = model._match(bg_data.sequences, np.arange(len(bg_data)), model._targets(bg_data, None))
        z, z_bg = np.hstack([x, match[:, None]]), np.hstack([bg, bg_match[:, None]])
        names = [*names, MATCH_FEATURE]
    p = z.shape[1]
    with model._context():
        if isinstance(model, MediatedLearner) and outcome != "participate":
            f, terms = _mediated_function(model, outcome, c, a), None
        else:
            terms, const = _model_terms(model, outcome, c, a, p)
            f = _terms_function(terms, const)
        if terms is not None and _is_exact(terms, z):
            values, base = _exact_values(terms, z, p)
            base += const
            method = "TreeExplainer (path-dependent, exact) on a weighted sum of regression trees"
            exact = True
            if isinstance(model, SLearner):
                names = [*names, "campaign attributes"]
                z = np.hstack([z, np.zeros((len(z), 1))])
            else:
                values = values[:, :p]
        else:
            values, base = _permutation_values(f, z, z_bg, n_permutations, random_state)
            method = (
                f"PermutationExplainer ({n_permutations} antithetic permutation(s), {len(z_bg)} background users) "
                "on the model's non-linear composition, additive, Shapley values estimated"
            )
            exact = False
    return target.explanation(
        pred,
        values=values,
        base_values=np.broadcast_to(np.asarray(base, dtype=np.float64), (len(x),)).copy(),
        data=z,
        feature_names=names,
        method=method,
        exact=exact,
    )


def _model_terms(model, outcome: str, c: int, a: int, p: int):
    """The uplift of T-/S-learners (any outcome) and the mediated participation as weighted trees."""
    if isinstance(
        model, MediatedLearner
    ):  # participation: the X-learner blend s tau0 + (1 - s) tau1 of each side
        terms = []
        for k, sign in ((c, 1.0), (a, -1.0)):
            if k:
                tau1, tau0, share = model.arm_models_[k]
                terms += [
                    (sign * share, tau0, _identity, None),
                    (sign * (1.0 - share), tau1, _identity, None),
                ]
        return terms, 0.0
    if isinstance(model, TLearner):
        return _linear_terms(model, outcome, c, a, lambda k: _identity)
    camp = campaign_matrix(model.catalogue_, model.identity_ids_)
    targeted = model.catalogue_["targets_category"].to_numpy(dtype=bool)

    def design_of(k):
        def design(z):  # features, campaign k's columns, the match share where k targets a category
            return np.hstack(
                [z[:, : p - 1], np.repeat(camp[k : k + 1], len(z), 0), z[:, p - 1 :] * targeted[k]]
            )

        design.players = np.r_[np.arange(p - 1), p - 1 + camp.shape[1]]  # the match is the last input column
        return design

    return _linear_terms(model, outcome, c, a, design_of)


def _identity(z):
    return z


def _mediated_function(model, outcome: str, c: int, a: int):
    """A mediated learner's uplift of c vs a as a function of encoded feature rows."""
    twin, names = _encoded_copy(model), list(model.feature_names_)
    cols = [0, c] if a == 0 else [0, c, a]
    sub = model.catalogue_.iloc[cols].reset_index(drop=True)
    ref = 0 if a == 0 else 2

    def f(z):
        users = UserData(pd.DataFrame(np.asarray(z, dtype=np.float64), columns=names))
        out = twin._predict(users, sub, -1)[outcome]
        return out[:, 1] - out[:, ref]

    return f


def _encoded_copy(model):
    """A shallow copy of ``model`` that reads already-encoded feature matrices (an identity encoder)."""
    twin = copy.copy(model)
    twin.encoder_ = TabularEncoder.from_state(
        {"numeric": list(model.feature_names_), "categories": {}, "dropped": {}}
    )
    return twin
