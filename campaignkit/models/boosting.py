"""Gradient boosting, once for every tree learner of the kit: its settings, fitting, prediction, the learner base.

- :class:`Boosting` - the ``HistGradientBoosting`` settings (``max_iter``, ``learning_rate``, ``max_leaf_nodes``,
  ``min_samples_leaf``) as one value, passed as ``boosting=`` to every tree learner (as scikit-uplift passes
  its base estimators in); a field left None takes the learner's ``default_boosting``.
- :func:`boosting_params` - an estimator's settings as keyword arguments; :func:`fit_boosting` /
  :func:`predict_boosting` - one binary or continuous outcome (a constant when a binary one never varies).
- :func:`propensity_weights` - inverse-propensity row weights, for fitting on targeted logs.
- :class:`BoostingMixin` - the settings and the OpenMP thread limit of an estimator; :class:`BoostingLearner` -
  the base of the uplift learners on gradient boosting (:mod:`~campaignkit.models.baselines`,
  :mod:`~campaignkit.models.mediated`, :mod:`~campaignkit.models.offer`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from campaignkit.errors import ParameterError
from campaignkit.models.base import UpliftModel
from campaignkit.models.inputs import UserData, history_top_category
from campaignkit.models.outcomes import LEARNED_OUTCOMES
from campaignkit.models.prediction import Prediction
from campaignkit.models.profit import catalogue_arrays

__all__ = [
    "Boosting",
    "BOOSTING_DEFAULTS",
    "boosting_params",
    "fit_boosting",
    "predict_boosting",
    "propensity_weights",
    "BoostingMixin",
    "BoostingLearner",
]


@dataclass(frozen=True)
class Boosting:
    """Gradient-boosting settings: arguments of scikit-learn's ``HistGradientBoosting`` models.

    A frozen value, so one instance can be shared by several learners and ``clone`` copies it. A field left None
    takes the learner's default (:data:`BOOSTING_DEFAULTS`; :class:`~campaignkit.models.MediatedLearner` learns
    slower), so ``Boosting(max_iter=50)`` changes the iterations only.

    Attributes:
        max_iter: Boosting iterations.
        learning_rate: Shrinkage.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows per leaf.
    """

    max_iter: int | None = None
    learning_rate: float | None = None
    max_leaf_nodes: int | None = None
    min_samples_leaf: int | None = None

    def over(self, defaults: Boosting) -> Boosting:
        """These settings, with ``defaults``' value in every field left None."""
        return Boosting(
            **{f.name: _first_set(getattr(self, f.name), getattr(defaults, f.name)) for f in fields(self)}
        )


def _first_set(value, default):
    return default if value is None else value


BOOSTING_DEFAULTS = Boosting(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40)
"""The tree learners' settings where neither the learner nor its ``boosting`` argument says otherwise."""


def boosting_params(est) -> dict:
    """The ``HistGradientBoosting`` keyword arguments of an estimator: its ``boosting`` over its
    ``default_boosting``.

    Raises:
        ParameterError: When ``boosting`` is neither None nor a :class:`Boosting`.
    """
    own = Boosting() if est.boosting is None else est.boosting
    if not isinstance(own, Boosting):
        raise ParameterError(f"boosting must be a Boosting(...) or None, got {type(own).__name__}")
    return asdict(own.over(est.default_boosting))


def fit_boosting(
    kind: str, x, y, seed: int, params: dict, sample_weight=None
) -> HistGradientBoostingClassifier | HistGradientBoostingRegressor | float:
    """Fit one outcome.

    Args:
        kind: ``"binary"`` (a classifier, ``y`` taken as ints) or anything else (a regressor).
        x: Array of shape (n_rows, n_features).
        y: Array of shape (n_rows,).
        seed: Random state of the model.
        params: ``HistGradientBoosting`` keyword arguments (:func:`boosting_params`, plus e.g. ``loss``).
        sample_weight: Array of shape (n_rows,), or None.

    Returns:
        The fitted model, or the constant as a float when a binary outcome takes one value only.
    """
    if kind == "binary":
        y = np.asarray(y).astype(int)
        if y.min() == y.max():
            return float(y[0])
        model = HistGradientBoostingClassifier(random_state=seed, **params)
    else:
        model = HistGradientBoostingRegressor(random_state=seed, **params)
    return model.fit(x, y, sample_weight=sample_weight)


def predict_boosting(model, x) -> np.ndarray:
    """Predictions of a :func:`fit_boosting` model: array of shape (n_rows,) (a probability for a binary one)."""
    if isinstance(model, float):
        return np.full(len(x), model)
    if isinstance(model, HistGradientBoostingClassifier):
        return model.predict_proba(x)[:, 1]
    return model.predict(x)


def propensity_weights(log: pd.DataFrame, arms: np.ndarray) -> np.ndarray:
    """Inverse-propensity weights ``1 / propensity`` of a log's rows, normalised to mean 1 within each arm.

    Weighted, the rows of an arm stand for the whole population as if every user had been sent that arm
    (Horvitz-Thompson), so a model fitted on a targeted log learns the arm's response of *all* users rather
    than of the users the targeting picked; normalising per arm keeps each arm's total weight its row count.

    Args:
        log: Campaign log with a ``propensity`` column (the probability the logged arm had for that user).
        arms: Array of shape (n_rows,) of catalogue rows of the logged arms.

    Returns:
        Array of shape (n_rows,) of float64.

    Raises:
        ParameterError: When ``propensity`` is absent, missing, or not in (0, 1].
    """
    if "propensity" not in log:
        raise ParameterError("weight_by_propensity=True needs a 'propensity' column in the log")
    p = pd.to_numeric(log["propensity"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        raise ParameterError(
            f"propensity must be in (0, 1] on every row to weight by it; row {int(np.flatnonzero(bad)[0])} "
            f"has {p[bad][0]!r}"
        )
    w = 1.0 / p
    arms = np.asarray(arms)
    mean = np.bincount(arms, weights=w) / np.maximum(np.bincount(arms), 1)
    return w / mean[arms]


class BoostingMixin:
    """Gradient-boosting settings of an estimator that stores ``boosting`` and ``n_threads``."""

    default_boosting: Boosting = BOOSTING_DEFAULTS
    """The settings of every field ``boosting`` leaves None."""

    def _params(self) -> dict:
        return boosting_params(self)

    def _context(self):
        """Limit OpenMP threads (boosting on shared cores is many times faster with one thread)."""
        return threadpool_limits(limits=self.n_threads)


class BoostingLearner(BoostingMixin, UpliftModel):
    """Base of the uplift learners on gradient boosting: settings, row weights, target categories, and the
    catalogue's cost model applied to the predicted outcomes.

    Args:
        boosting: Gradient-boosting settings (:class:`Boosting`; None or a field left None: the learner's
            ``default_boosting``).
        n_threads: OpenMP threads while fitting and predicting (default 1: more oversubscribe shared
            cores and ran 5-15x slower on 2 busy ones; None: the library default, one per core).
        random_state: Seed.
        weight_by_propensity: Weight each log row by ``1 / propensity`` (normalised per arm,
            :func:`propensity_weights`): for targeted logs, whose arms went to different kinds of users.
    """

    def __init__(
        self,
        boosting: Boosting | None = None,
        n_threads: int | None = 1,
        random_state=None,
        weight_by_propensity: bool = False,
    ):
        self.boosting, self.n_threads = boosting, n_threads
        self.random_state, self.weight_by_propensity = random_state, weight_by_propensity

    def _row_weights(self, log: pd.DataFrame, arms) -> np.ndarray | None:
        """Per-row sample weights: :func:`propensity_weights` when ``weight_by_propensity``, else None."""
        return propensity_weights(log, arms) if self.weight_by_propensity else None

    def _targets(self, data: UserData, target_category):
        n = len(data)
        if target_category is None:
            return history_top_category(data.sequences, n=n)
        return np.broadcast_to(np.asarray(target_category), (n,))

    def _modelled(self) -> list[str]:
        return [k for k in LEARNED_OUTCOMES if k in self.outcomes_]

    def _finish(self, out: dict, catalogue: pd.DataFrame, data: UserData, target_category) -> Prediction:
        """Clip, add contact and profit by the catalogue's cost model, and wrap as a Prediction."""
        cat = catalogue_arrays(catalogue)
        no_discount = (cat["amount"] <= 0) & (cat["depth"] <= 0)
        out["discount"] = np.where(no_discount[None, :], 0.0, np.clip(out["discount"], 0.0, None))
        out["revenue"] = np.clip(out["revenue"], 0.0, None)
        out["contact"] = np.broadcast_to(cat["contact"][None, :], out["revenue"].shape).copy()
        out["profit"] = cat["margin"][None, :] * out["revenue"] - out["discount"] - out["contact"]
        return Prediction(
            user_id=data.user_id,
            campaign_ids=cat["ids"],
            target_category=np.asarray(self._targets(data, target_category)),
            **out,
        )
