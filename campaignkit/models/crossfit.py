"""Cross-fitting: every logged user scored by a model that never saw them.

A plan chosen by a model and valued with that model's predictions on the rows it was fitted on looks better
than it is (the model has fitted those rows' noise, and the plan picks the users where the noise was
favourable). :func:`crossfit` splits the log's users (or groups of rows: ``groups``) into folds, fits a clone of
the model on all folds but one and predicts the held-out fold, so every logged row gets outcomes (all campaigns)
from a model fitted without it. The fold models are kept: they score new users too (:meth:`CrossFit.predict`), so a forecast is
made with the same models whose errors were measured on the log, and :meth:`CrossFit.predict_mean` averages
them into the one prediction a plan is assigned from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from campaignkit.config import resolve_seed
from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import UNIT_COLUMN, log_units
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.models.base import prepare_log
from campaignkit.models.inputs import as_user_data, raw_category_array
from campaignkit.models.prediction import PREDICTION_FIELDS, Prediction

__all__ = ["CrossFit", "crossfit", "check_propensity"]


def check_propensity(log: pd.DataFrame, *, source: str = "log") -> np.ndarray:
    """The log's ``propensity`` column as floats in (0, 1], or a clear error naming the column and row.

    Args:
        log: Campaign log.
        source: How to name the log in messages.

    Returns:
        Array of shape (n_rows,).

    Raises:
        SchemaError: The column is missing, or a value is missing, not numeric or outside (0, 1].
    """
    if "propensity" not in log.columns:
        raise SchemaError(
            "missing_propensity",
            f"{source} has no 'propensity' column: off-policy values and forecasts need the probability with "
            "which each logged campaign was assigned (for a uniform randomised log of K arms, 1/K)",
            column="propensity",
        )
    p = pd.to_numeric(log["propensity"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            "propensity_range",
            f"{source}: propensity must lie in (0, 1], got {log['propensity'].iloc[row]!r} "
            f"({int(bad.sum())} bad row(s))",
            column="propensity",
            row=row,
        )
    return p


@dataclass
class CrossFit:
    """Cross-fitted predictions of a log, and the fold models behind them.

    Attributes:
        models: The fitted fold models (one per fold).
        log: The log as prepared for fitting (realised ``discount`` and ``profit`` added), row order kept.
        arms: Array of shape (n_rows,): catalogue row of each logged campaign.
        propensity: Array of shape (n_rows,).
        fold: Array of shape (n_rows,): the fold whose model did *not* see the row.
        prediction: :class:`~campaignkit.models.prediction.Prediction` with one row per *log row* (its user
            scored by the model of the other folds).
        catalogue: The validated catalogue (column order of every prediction).
    """

    models: list
    log: pd.DataFrame
    arms: np.ndarray
    propensity: np.ndarray
    fold: np.ndarray
    prediction: Prediction
    catalogue: pd.DataFrame

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return len(self.models)

    def predict(self, data, *, target_category=None, batch_users: int | None = None) -> list[Prediction]:
        """Every fold model's predictions for new users (same catalogue).

        Args:
            data: Model input of the users to score.
            target_category: As in :meth:`~campaignkit.models.base.UpliftModel.predict_outcomes`.
            batch_users: Score in chunks of this many users.

        Returns:
            One :class:`~campaignkit.models.prediction.Prediction` per fold model.
        """
        return [
            m.predict_outcomes(data, self.catalogue, target_category=target_category, batch_users=batch_users)
            for m in self.models
        ]

    def predict_mean(
        self, data, *, target_category=None, batch_users: int | None = None, ddof: int = 1
    ) -> Prediction:
        """The fold models' mean prediction for new users, one :class:`~campaignkit.models.prediction.Prediction`
        to hand to ``AssignmentProblem.from_prediction`` / ``assign``.

        Args:
            data: Model input of the users to score.
            target_category: As in :meth:`predict`.
            batch_users: As in :meth:`predict`.
            ddof: Delta degrees of freedom of the spread kept in ``std`` (1: the fold models are a sample of
                the models the log could have given, as the feedback loop reads them).

        Returns:
            :meth:`Prediction.average <campaignkit.models.prediction.Prediction.average>` of :meth:`predict`.
        """
        return Prediction.average(
            self.predict(data, target_category=target_category, batch_users=batch_users), ddof=ddof
        )


def _take_rows(pred: Prediction, rows: np.ndarray) -> dict:
    out = {f: getattr(pred, f)[rows] for f in PREDICTION_FIELDS if getattr(pred, f) is not None}
    out["target_category"] = None if pred.target_category is None else pred.target_category[rows]
    return out


def _category_array(values: np.ndarray) -> np.ndarray:
    """Raw categories gathered per fold as one array: int64 when every value is an integer (the synthetic
    world's ids), else an object array (text categories such as ``'CANDY - PACKAGED'`` beside -1, not
    targeted), as :func:`~campaignkit.models.inputs.id_to_category` gives them."""
    return raw_category_array(values)


def _check_groups(groups, n_rows: int) -> np.ndarray:
    """``crossfit``'s ``groups`` as an array of one non-missing label per log row, or a clear error."""
    groups = np.asarray(groups)
    if groups.shape != (n_rows,):
        raise ParameterError(f"groups must hold one label per log row, shape ({n_rows},), got {groups.shape}")
    missing = pd.isna(groups)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ParameterError(
            f"groups row {row}: missing label ({int(missing.sum())} missing); every log row needs "
            "the group its fold follows"
        )
    return groups


def crossfit(
    model,
    data,
    log: pd.DataFrame,
    catalogue: pd.DataFrame,
    *,
    n_folds: int = 3,
    groups=None,
    random_state=None,
) -> CrossFit:
    """Fit ``n_folds`` clones of ``model``, each without one fold of the log's users, and score the held-out fold.

    Args:
        model: An unfitted kit model (anything with ``fit(data, log, catalogue)`` and ``predict_outcomes``;
            cloned with scikit-learn's ``clone``).
        data: Model input holding every log user.
        log: Campaign log (``user_id, campaign_id, propensity`` and the outcomes); a user's rows stay in one
            fold (a group's, with ``groups``).
        catalogue: The campaigns (row 0 control).
        n_folds: Folds, at least 2.
        groups: Optional array of shape (n_rows,): a label per log row; all rows with one label go to one fold
            (e.g. the person behind rows logged under several keys, one per round: no fold model is then fitted on
            any row of a person its fold holds). None: the log's units
            (:func:`~campaignkit.data.schema.log_units`: its ``unit_id`` column when present, else ``user_id``).
        random_state: Seed of the fold split (None: the kit's default seed).

    Returns:
        A :class:`CrossFit`.

    Raises:
        ParameterError: On a bad ``n_folds``, ``groups`` not of one non-missing label per log row, or fewer users
            (groups) than folds.
        SchemaError: The log lacks valid propensities, names an unknown campaign or a user not in ``data``.
    """
    if isinstance(n_folds, bool) or not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise ParameterError(f"n_folds must be an integer >= 2, got {n_folds!r}")
    data = as_user_data(data)
    catalogue = validate_catalogue(catalogue)
    propensity = check_propensity(log)
    prepared, rows, arms = prepare_log(log, catalogue, data)
    if groups is None and UNIT_COLUMN not in log.columns:
        codes, labels = pd.factorize(prepared["user_id"].to_numpy())
    else:
        codes, labels = pd.factorize(
            _check_groups(log_units(log) if groups is None else groups, len(prepared))
        )
    what = "user(s)" if groups is None and UNIT_COLUMN not in log.columns else "group(s)"
    if len(labels) < n_folds:
        raise ParameterError(f"the log has {len(labels)} {what}, fewer than n_folds={n_folds}")
    rng = np.random.default_rng(resolve_seed(random_state))
    group_fold = np.empty(len(labels), dtype=np.int64)
    group_fold[rng.permutation(len(labels))] = np.arange(len(labels)) % n_folds
    fold = group_fold[codes]
    fields: dict[str, np.ndarray] = {}
    target = np.full(len(prepared), -1, dtype=object)  # raw categories: integers or text, as in the events
    models = []
    for k in range(n_folds):
        fitted = clone(model).fit(data, log[fold != k].reset_index(drop=True), catalogue)
        models.append(fitted)
        held = np.flatnonzero(fold == k)
        held_users, inverse = np.unique(rows[held], return_inverse=True)
        pred = fitted.predict_outcomes(data.take(held_users), catalogue)
        part = _take_rows(pred, inverse)
        for name, values in part.items():
            if name == "target_category":
                if values is not None:
                    target[held] = values
                continue
            if name not in fields:
                fields[name] = np.zeros((len(prepared), len(catalogue)))
            fields[name][held] = values
    prediction = Prediction(
        user_id=prepared["user_id"].to_numpy(),
        campaign_ids=tuple(catalogue["campaign_id"].astype(str)),
        target_category=_category_array(target),
        **fields,
    )
    return CrossFit(
        models=models,
        log=prepared,
        arms=np.asarray(arms, dtype=np.int64),
        propensity=propensity,
        fold=fold,
        prediction=prediction,
        catalogue=catalogue,
    )
