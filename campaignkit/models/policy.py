"""The decision rule: from predicted outcomes to one campaign per user, and a choice as a plan.

- :func:`best_campaign` - the kit's one choice rule: the campaign with the highest predicted profit uplift
  (optionally its lower bound, mean minus ``penalty`` x ensemble sd), control unless that is positive.
- :func:`plan_frame` - a per-user choice as a plan table (``user_id, campaign_id, target_category``).
- :class:`DecisionMixin` - ``choose`` and ``plan`` for every model that predicts outcomes.
- :class:`Policy` - base of the rules that choose without predicting outcomes (the seed's value tiers,
  response-model targeting): they are policies, not models, and have no ``predict_uplift``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from campaignkit.errors import ParameterError
from campaignkit.models.inputs import as_user_data, history_top_category

__all__ = ["best_campaign", "plan_frame", "DecisionMixin", "Policy"]


def best_campaign(profit_uplift, std=None, *, penalty: float = 0.0) -> np.ndarray:
    """Each user's campaign: the highest (lower-bound) predicted profit uplift, control unless positive.

    Args:
        profit_uplift: Array of shape (n_users, n_campaigns): predicted profit minus control profit.
        std: Optional array of the same shape: the uplift's uncertainty (ensemble sd).
        penalty: The bound is ``profit_uplift - penalty x std`` (0: choose on the mean).

    Returns:
        Array of shape (n_users,) of catalogue rows (0 = control).
    """
    bound = np.array(profit_uplift, dtype=float, copy=True)
    if std is not None and penalty:
        bound = bound - float(penalty) * np.asarray(std, dtype=float)
    if bound.ndim != 2 or bound.shape[1] < 2:
        raise ParameterError(f"profit_uplift must have shape (n_users, n_campaigns >= 2), got {bound.shape}")
    bound[:, 0] = 0.0
    return bound.argmax(axis=1)


def plan_frame(user_id, choice, catalogue: pd.DataFrame, target_category=None) -> pd.DataFrame:
    """A per-user choice as a plan.

    Args:
        user_id: Array of shape (n_users,).
        choice: Array of shape (n_users,) of catalogue rows.
        catalogue: The campaigns.
        target_category: Array of shape (n_users,) for category-targeted campaigns (None: -1).

    Returns:
        DataFrame ``user_id, campaign_id, target_category`` (-1 unless the chosen campaign targets one; text
        categories, e.g. ``'transaction'``, come back in an object column beside -1).
    """
    choice = np.asarray(choice, dtype=int)
    targeted = catalogue["targets_category"].to_numpy(dtype=bool)[choice]
    tc = np.full(len(choice), -1) if target_category is None else np.asarray(target_category)
    if tc.dtype.kind not in "iu":  # text (or mixed) categories: -1 beside them needs an object array
        tc = tc.astype(object)
    return pd.DataFrame(
        {
            "user_id": np.asarray(user_id),
            "campaign_id": catalogue["campaign_id"].to_numpy()[choice],
            "target_category": np.where(targeted, tc, -1),
        }
    )


class DecisionMixin:
    """``choose`` and ``plan`` for a model with ``predict_outcomes`` returning a ``Prediction``."""

    uncertainty_penalty: float = 0.0

    def choose_from_outcomes(self, prediction) -> np.ndarray:
        """Each user's campaign from a prediction (see :func:`best_campaign`; ensembles use their sd).

        Args:
            prediction: A :class:`~campaignkit.models.prediction.Prediction`.

        Returns:
            Array of shape (n_users,) of ints (0 = control).
        """
        std = prediction.get("profit_uplift_std")
        return best_campaign(prediction.uplift("profit"), std, penalty=self.uncertainty_penalty)

    def choose(self, data, catalogue=None, **kwargs) -> np.ndarray:
        """Each user's campaign (row of the catalogue); array of shape (n_users,).

        Args:
            data: Model input (see :func:`~campaignkit.models.inputs.as_user_data`).
            catalogue: The campaigns (default: the fitted catalogue).
            **kwargs: Passed to ``predict_outcomes``.
        """
        return self.choose_from_outcomes(self.predict_outcomes(data, catalogue, **kwargs))

    def plan(self, data, catalogue=None, **kwargs) -> pd.DataFrame:
        """The per-user choice as a plan (see :func:`plan_frame`)."""
        pred = self.predict_outcomes(data, catalogue, **kwargs)
        cat = self.catalogue_ if catalogue is None else catalogue
        return plan_frame(pred.user_id, self.choose_from_outcomes(pred), cat, pred.target_category)


class Policy(BaseEstimator):
    """A rule that chooses a campaign per user without predicting outcomes (subclasses: ``fit``,
    ``choose``)."""

    def choose(self, data, catalogue) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def plan(self, data, catalogue) -> pd.DataFrame:
        """The rule's choice as a plan (see :func:`plan_frame`)."""
        data = as_user_data(data)
        return plan_frame(
            data.user_id,
            self.choose(data, catalogue),
            catalogue,
            history_top_category(data.sequences, n=len(data)),
        )
