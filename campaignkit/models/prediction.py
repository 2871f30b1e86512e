"""The prediction object every model returns: named arrays of shape (n_users, n_campaigns).

Each field means the same in every model: the *expected* outcome of each user under each campaign of the
catalogue (column 0 is control). ``retain`` is None when the training log did not record retention.
Ensemble models also fill ``std`` (standard deviations across members, same keys as the fields, plus
``profit_uplift``), all through :meth:`Prediction.average`; model-specific diagnostics (the deep model's alternative profit estimates) go to
``extra``. ``prediction["profit"]`` reads a field too, and ``prediction["profit_std"]`` its ``std``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from campaignkit.errors import ParameterError
from campaignkit.models.outcomes import OUTCOME_NAMES

__all__ = ["Prediction", "PREDICTION_FIELDS"]

PREDICTION_FIELDS: tuple[str, ...] = (*OUTCOME_NAMES, "contact")
"""The outcome arrays of a :class:`Prediction` (``contact``: the contact cost paid per user)."""


@dataclass
class Prediction:
    """Expected outcomes of users under campaigns.

    Attributes:
        user_id: Array of shape (n_users,).
        campaign_ids: The catalogue's campaign ids, in column order (column 0 control).
        participate: Array of shape (n_users, n_campaigns): probability of taking part.
        convert: Array of shape (n_users, n_campaigns): probability of buying.
        revenue: Array of shape (n_users, n_campaigns): expected revenue.
        discount: Array of shape (n_users, n_campaigns): expected discount paid.
        profit: Array of shape (n_users, n_campaigns): expected profit (margin x revenue - discount - contact).
        contact: Array of shape (n_users, n_campaigns): contact cost.
        retain: Array of shape (n_users, n_campaigns) (probability of staying), or None when not modelled.
        std: ``{field: array}``: ensemble standard deviations (empty for single models); ``profit_uplift``
            is the sd of profit minus control profit.
        target_category: Array of shape (n_users,): the category a category-targeted campaign would target
            (-1: none).
        extra: Model-specific arrays (diagnostics), same shape.
    """

    user_id: np.ndarray
    campaign_ids: tuple
    participate: np.ndarray
    convert: np.ndarray
    revenue: np.ndarray
    discount: np.ndarray
    profit: np.ndarray
    contact: np.ndarray
    retain: np.ndarray | None = None
    std: dict = field(default_factory=dict)
    target_category: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.campaign_ids = tuple(str(c) for c in self.campaign_ids)
        shape = (len(self.user_id), len(self.campaign_ids))
        for name in PREDICTION_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            value = np.asarray(value, dtype=np.float64)
            if value.shape != shape:
                raise ParameterError(f"prediction field {name!r} has shape {value.shape}, expected {shape}")
            setattr(self, name, value)
        if self.target_category is None:
            self.target_category = np.full(shape[0], -1)

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_campaigns)``."""
        return len(self.user_id), len(self.campaign_ids)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcome fields this prediction holds (``retain`` only when modelled)."""
        return tuple(k for k in PREDICTION_FIELDS if getattr(self, k) is not None)

    def uplift(self, outcome: str = "profit") -> np.ndarray:
        """An outcome minus its control column: array of shape (n_users, n_campaigns), column 0 zero."""
        value = self[outcome]
        return value - value[:, :1]

    def __getitem__(self, key: str):
        if key in PREDICTION_FIELDS:
            value = getattr(self, key)
            if value is None:
                raise KeyError(f"{key!r} is not predicted (the training log did not record it)")
            return value
        if key == "target_category":
            return self.target_category
        if key.endswith("_std") and key[:-4] in self.std:
            return self.std[key[:-4]]
        if key in self.extra:
            return self.extra[key]
        raise KeyError(f"unknown prediction field {key!r}; fields: {list(self.outcomes)}")

    def __contains__(self, key: str) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def keys(self) -> list[str]:
        """Every readable key: the outcome fields, ``target_category``, ``<field>_std`` and ``extra``'s."""
        return [*self.outcomes, "target_category", *(f"{k}_std" for k in self.std), *self.extra]

    def __iter__(self):
        return iter(self.keys())

    def get(self, key: str, default=None) -> Any:
        """``self[key]``, or ``default`` when absent."""
        return self[key] if key in self else default

    def take(self, rows) -> Prediction:
        """The users at row positions ``rows``."""
        rows = np.asarray(rows)
        return Prediction(
            user_id=self.user_id[rows],
            campaign_ids=self.campaign_ids,
            **{k: None if getattr(self, k) is None else getattr(self, k)[rows] for k in PREDICTION_FIELDS},
            std={k: v[rows] for k, v in self.std.items()},
            target_category=np.asarray(self.target_category)[rows],
            extra={k: v[rows] for k, v in self.extra.items()},
        )

    @classmethod
    def average(cls, predictions, *, ddof: int = 0) -> Prediction:
        """The mean of several predictions of the same users and campaigns, with their spread in ``std``.

        The one ensemble average of the kit: the deep model's members (``ddof=0``), the bootstrap refits of
        :class:`~campaignkit.models.offer.PriceOfferModel` (``ddof=0``) and the loop's fold models
        (``ddof=1``) all go through it.

        Args:
            predictions: Predictions of the same users under the same catalogue. The fields and ``extra``
                keys of the first are averaged (a field None in the first stays None).
            ddof: Delta degrees of freedom of the standard deviations (0: the members' own spread; 1: the
                sample estimate of a population of models).

        Returns:
            A :class:`Prediction` of the means, with the first prediction's user ids, campaign ids and target
            categories, and ``std`` holding the standard deviation of every averaged field and ``extra`` key plus
            ``profit_uplift`` (the sd of profit minus control profit); ``std`` is empty with ``ddof`` or fewer
            predictions.

        Raises:
            ParameterError: When ``predictions`` is empty.
        """
        predictions = list(predictions)
        if not predictions:
            raise ParameterError("no predictions to average")
        first = predictions[0]
        fields = [k for k in PREDICTION_FIELDS if getattr(first, k) is not None]
        spread = len(predictions) > ddof
        mean, std = {}, {}
        for k in (*fields, *first.extra):  # one stack at a time: bounded memory
            stack = np.stack([getattr(p, k) if k in fields else p.extra[k] for p in predictions])
            mean[k] = stack.mean(0)
            if spread:
                std[k] = stack.std(0, ddof=ddof)
        if spread:
            std["profit_uplift"] = np.stack([p.profit - p.profit[:, :1] for p in predictions]).std(
                0, ddof=ddof
            )
        return cls(
            user_id=first.user_id,
            campaign_ids=first.campaign_ids,
            **{k: mean.get(k) for k in PREDICTION_FIELDS},
            std=std,
            target_category=first.target_category,
            extra={k: mean[k] for k in first.extra},
        )

    @classmethod
    def concat(cls, parts) -> Prediction:
        """Stack the predictions of consecutive user chunks."""
        parts = list(parts)
        if not parts:
            raise ParameterError("no predictions to concatenate")
        first = parts[0]
        cat = lambda get: np.concatenate([get(p) for p in parts])  # noqa: E731
        return cls(
            user_id=cat(lambda p: p.user_id),
            campaign_ids=first.campaign_ids,
            **{
                k: None if getattr(first, k) is None else cat(lambda p, k=k: getattr(p, k))
                for k in PREDICTION_FIELDS
            },
            std={k: cat(lambda p, k=k: p.std[k]) for k in first.std},
            target_category=cat(lambda p: np.asarray(p.target_category)),
            extra={k: cat(lambda p, k=k: p.extra[k]) for k in first.extra},
        )
