"""The model contract every uplift model of the kit keeps (deep model and gradient-boosting learners alike).

- ``fit(data, log, catalogue)``: ``data`` any model input (:func:`~campaignkit.models.inputs.as_user_data`:
  a FeatureStore, a ``(features, sequences)`` pair, a user table, ``HillstromData``); ``log`` a campaign log
  (outcomes checked by :func:`~campaignkit.models.outcomes.check_outcomes`; a missing optional outcome is
  simply not modelled); ``catalogue`` the campaigns, validated once here and kept as ``catalogue_``.
  A log without ``target_category`` is read as targeting no category (-1 on every row, no warning); a log
  without ``propensity`` fits with a UserWarning (as if randomised with equal shares; a model weighting by
  propensity refuses it); a log whose ``user_id`` repeats without a ``unit_id`` column
  (:data:`~campaignkit.data.schema.UNIT_COLUMN`) fits with a UserWarning (rows treated as independent).
- ``predict_outcomes(data, catalogue=None, *, target_category=None, batch_users=None)``: a
  :class:`~campaignkit.models.prediction.Prediction`; ``iter_outcomes`` streams it in user chunks so any
  number of users scores in bounded memory.
- ``predict_uplift(data, catalogue=None, *, outcome="profit")``, ``choose``, ``plan``.

Models derive from scikit-learn's ``BaseEstimator``: ``__init__`` stores arguments, ``get_params``,
``set_params`` and ``clone`` work, fitted attributes end in ``_``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import log_units
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.models.inputs import ALL_MISSING, TabularEncoder, UserData, as_user_data
from campaignkit.models.outcomes import check_outcomes
from campaignkit.models.policy import DecisionMixin
from campaignkit.models.prediction import Prediction
from campaignkit.models.profit import realised_discount, realised_profit

__all__ = ["UpliftModel", "prepare_log", "warn_log_gaps", "DEFAULT_BATCH_USERS"]

ALL_MISSING_ON_LOG = ALL_MISSING.replace("every value missing", "every value missing on the log's users", 1)
"""Why ``fit`` leaves out a feature that has values only for users outside the log."""

DEFAULT_BATCH_USERS = 100_000
"""Users per chunk when :meth:`UpliftModel.iter_outcomes` streams."""


def prepare_log(
    log: pd.DataFrame, catalogue: pd.DataFrame, data: UserData
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """A copy of the log with the realised ``discount`` and ``profit``, its users' rows and arms
    (``target_category`` -1 on every row when the log has none).

    Args:
        log: Campaign log.
        catalogue: Validated catalogue.
        data: The model input holding every log user.

    Returns:
        ``(log, rows, arms)``: rows of ``data`` and catalogue rows of each log row.

    Raises:
        SchemaError: A log user is not in ``data`` or a campaign is not in the catalogue.
    """
    if not isinstance(log, pd.DataFrame):
        raise ParameterError(f"log must be a DataFrame, got {type(log).__name__}")
    arm = pd.Index(catalogue["campaign_id"]).get_indexer(log["campaign_id"].astype(str))
    if np.any(arm < 0):
        bad = int(np.flatnonzero(arm < 0)[0])
        raise SchemaError(
            "unknown_campaign",
            f"campaign {log['campaign_id'].iloc[bad]!r} of the log is not in the catalogue",
            column="campaign_id",
            row=bad,
        )
    rows = data.rows_of(log["user_id"].to_numpy())
    log = log.copy()
    if "target_category" not in log.columns:  # documented: no column = no campaign targets a category
        log["target_category"] = np.int64(-1)
    log["discount"] = realised_discount(log, catalogue)
    log["profit"] = realised_profit(log, catalogue)
    return log, rows, arm


def warn_log_gaps(log: pd.DataFrame) -> None:
    """UserWarnings for what a fit on ``log`` assumes silently otherwise: no ``propensity`` column (fitted as
    if randomised with equal shares), and users on several rows with no ``unit_id`` column.

    Args:
        log: Campaign log.
    """
    if "propensity" not in log.columns:
        warnings.warn(
            "the log has no 'propensity' column: the model fits as if the log were randomised with equal "
            "shares of every campaign; on a targeted log its effects mix who got which campaign with what the "
            "campaign did (add the assignment probabilities, and weight_by_propensity=True)",
            UserWarning,
            stacklevel=3,
        )
    if "user_id" in log.columns:
        log_units(log, warn=True, source="the training log")


class UpliftModel(DecisionMixin, BaseEstimator):
    """Base class: input handling, catalogue and outcome checks, streaming; subclasses implement
    ``_fit(data, log, rows, arms)`` and ``_predict(data, catalogue, target_category) -> Prediction``."""

    def _context(self):
        """Context entered around fitting and predicting (thread limits); none by default."""
        return nullcontext()

    def _validate_params(self) -> None:
        """Check the constructor arguments (called first in ``fit``); nothing to check by default."""

    def fit(self, data, log: pd.DataFrame, catalogue: pd.DataFrame) -> Self:
        """Fit on a campaign log.

        Args:
            data: Model input holding every log user (see :func:`~campaignkit.models.inputs.as_user_data`).
            log: Campaign log (``user_id, campaign_id, propensity, target_category`` and the outcomes;
                without ``target_category`` no campaign targets a category: -1 on every row; without
                ``propensity`` a UserWarning; optional ``unit_id``, the customer behind each row).
            catalogue: The campaigns of the log (row 0 control).

        Returns:
            self, with ``catalogue_``, ``outcomes_`` (the outcomes modelled), ``encoder_``,
            ``feature_names_`` and ``has_sequences_``.
        """
        self._validate_params()
        data = as_user_data(data)
        self.catalogue_ = validate_catalogue(catalogue)
        self.outcomes_ = check_outcomes(log)
        warn_log_gaps(log)
        log, rows, arms = prepare_log(log, self.catalogue_, data)
        self.encoder_ = TabularEncoder().fit(data.features)
        fitted_on = data.features.iloc[np.unique(rows)][self.encoder_.numeric_columns_]
        self.encoder_.leave_out(fitted_on.columns[fitted_on.isna().all().to_numpy()], ALL_MISSING_ON_LOG)
        self.feature_names_ = list(self.encoder_.feature_names_)
        self.has_sequences_ = data.has_sequences
        with self._context():
            self._fit(data, log, rows, arms)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "catalogue_"):
            raise ParameterError(f"this {type(self).__name__} is not fitted yet: call fit() first")

    def _catalogue(self, catalogue) -> pd.DataFrame:
        return self.catalogue_ if catalogue is None else validate_catalogue(catalogue)

    def _features(self, data: UserData) -> np.ndarray:
        """The encoded feature matrix of ``data``, shape (n_users, n_features)."""
        return self.encoder_.transform(data.features).to_numpy(dtype=np.float64)

    def iter_outcomes(
        self, data, catalogue=None, *, target_category=None, batch_users: int = DEFAULT_BATCH_USERS
    ) -> Iterator[Prediction]:
        """Predictions in consecutive chunks of users, for scoring more users than fit in memory.

        Args:
            data: Model input, or an iterable of model inputs (chunks produced elsewhere, e.g. read from
                Parquet one part at a time; a list, not a tuple - a 2-tuple is a ``(features, sequences)``
                pair). Each is split again into chunks of at most ``batch_users`` users.
            catalogue: The campaigns (default: the fitted catalogue).
            target_category: Raw category per user (array of shape (n_users,) or a scalar), for the
                category-targeted campaigns; default: the model's own pick.
            batch_users: Users per chunk.

        Yields:
            :class:`~campaignkit.models.prediction.Prediction` of each chunk.
        """
        self._check_fitted()
        cat = self._catalogue(catalogue)
        if batch_users < 1:
            raise ParameterError(f"batch_users must be >= 1, got {batch_users}")
        single = isinstance(data, (UserData, tuple, pd.DataFrame)) or hasattr(data, "features")
        if isinstance(data, Iterable) and not single and not hasattr(data, "campaign_log"):
            # pieces made elsewhere, each split again so no forward pass holds more than batch_users users
            chunks = (c for d in data for c in as_user_data(d).chunks(batch_users))
        else:
            chunks = as_user_data(data).chunks(batch_users)
        start = 0
        for chunk in chunks:
            tc = target_category
            if tc is not None and np.ndim(tc) == 1:
                tc = np.asarray(tc)[start : start + len(chunk)]
            start += len(chunk)
            with self._context():
                yield self._predict(chunk, cat, tc)

    def predict_outcomes(
        self, data, catalogue=None, *, target_category=None, batch_users: int | None = None
    ) -> Prediction:
        """Expected outcomes of every user under every campaign.

        Args:
            data: Model input (see :func:`~campaignkit.models.inputs.as_user_data`).
            catalogue: Campaigns to score (default: the fitted catalogue).
            target_category: As in :meth:`iter_outcomes`.
            batch_users: Score in chunks of this many users (None: one pass).

        Returns:
            A :class:`~campaignkit.models.prediction.Prediction`.
        """
        self._check_fitted()
        data = as_user_data(data)
        if batch_users is None:
            with self._context():
                return self._predict(data, self._catalogue(catalogue), target_category)
        return Prediction.concat(
            self.iter_outcomes(data, catalogue, target_category=target_category, batch_users=batch_users)
        )

    def predict_uplift(
        self, data, catalogue=None, *, outcome: str = "profit", target_category=None
    ) -> np.ndarray:
        """Predicted effect of each campaign against control.

        Args:
            data: Model input.
            catalogue: Campaigns (default: the fitted catalogue).
            outcome: A :class:`~campaignkit.models.prediction.Prediction` field (``participate``,
                ``convert``, ``revenue``, ``discount``, ``profit``, ``retain``).
            target_category: As in :meth:`iter_outcomes`.

        Returns:
            Array of shape (n_users, n_campaigns) (column 0 is zero).
        """
        return self.predict_outcomes(data, catalogue, target_category=target_category).uplift(outcome)
