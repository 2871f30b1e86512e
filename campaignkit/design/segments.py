"""Segments of users and their profiles: value tiers (RFM), churn-risk tiers, personas.

- :func:`value_tiers` - an RFM score (recency, frequency and monetary value, each ranked into quintiles) cut
  into ``high / middle / low`` tiers.
- :func:`churn_risk_tiers` - ``high / medium / low`` risk from the model's predicted retention without a
  campaign; when the model predicts no retention (a log that does not record it), from the days since the
  last purchase instead (the returned ``source`` says which).
- :class:`Personas` - k-means on the standardised user features (or on any representation, such as a
  model's user embedding), each persona named by its most distinctive feature.
- :func:`segment_profile` - one row per segment: size, customer value, predicted response without a
  campaign, the predicted profit uplift of every campaign and the best one; segments smaller than ``k``
  users are suppressed (:func:`campaignkit.privacy.suppress_small`).
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans

from campaignkit.config import resolve_seed
from campaignkit.errors import ParameterError
from campaignkit.privacy import MIN_GROUP_SIZE, suppress_small

__all__ = [
    "value_tiers",
    "churn_risk_tiers",
    "Personas",
    "segment_profile",
    "plan_by_segment",
    "DEFAULT_MIN_SEGMENT",
]

DEFAULT_MIN_SEGMENT = MIN_GROUP_SIZE
"""Segments with fewer users are suppressed in profile tables (the kit's one group-size floor)."""

PERSONA_COLUMNS = (
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "n_view",
    "n_cart",
    "cart_abandonment_rate",
    "deal_seeking_ratio",
    "category_entropy",
    "activity_trend",
    "tenure_days",
)
"""Default behaviour features the personas cluster on (those present in the table are used)."""


def _quintile(x: np.ndarray) -> np.ndarray:
    """Quintile score 1..5 by rank (ties share the average rank)."""
    ranks = pd.Series(x).rank(method="average", pct=True).to_numpy()
    return np.clip(np.ceil(ranks * 5), 1, 5)


def _tiers(score: np.ndarray, shares, labels) -> np.ndarray:
    cut = np.cumsum(shares)
    if len(shares) != len(labels) - 1 or np.any(np.asarray(shares) <= 0) or cut[-1] >= 1:
        raise ParameterError(f"shares must be {len(labels) - 1} positive numbers summing to less than 1")
    ranks = pd.Series(score).rank(method="first", ascending=False, pct=True).to_numpy()
    out = np.full(len(score), labels[-1], dtype=object)
    for c, lab in zip(cut[::-1], labels[-2::-1], strict=True):
        out[ranks <= c] = lab
    return out


def value_tiers(
    features: pd.DataFrame,
    shares=(0.2, 0.3),
    labels=("high", "middle", "low"),
    columns=("recency_days", "frequency", "monetary"),
) -> np.ndarray:
    """RFM value tiers.

    Args:
        features: User feature table with the recency, frequency and monetary ``columns``.
        shares: Shares of users in the tiers before the last (highest first).
        labels: Tier names, highest first.
        columns: Recency (lower is better), frequency and monetary columns.

    Returns:
        Array of shape (n_users,) of tier labels.
    """
    missing = [c for c in columns if c not in features]
    if missing:
        raise ParameterError(f"value_tiers needs feature column(s) {missing}")
    rec, freq, mon = (features[c].to_numpy(dtype=float) for c in columns)
    score = _quintile(-rec) + _quintile(freq) + _quintile(mon) + 1e-6 * _quintile(mon)
    return _tiers(score, shares, labels)


def churn_risk_tiers(
    prediction=None,
    features: pd.DataFrame | None = None,
    shares=(0.25, 0.35),
    labels=("high", "medium", "low"),
) -> tuple[np.ndarray, str]:
    """Churn-risk tiers from the predicted retention without a campaign, or from recency as a fallback.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction` (its ``retain[:, 0]``), or None.
        features: User features with ``recency_purchase_days`` (or ``recency_days``), used when the
            prediction has no retention.
        shares: Shares of users in the riskier tiers (highest risk first).
        labels: Tier names, highest risk first.

    Returns:
        ``(tiers, source)``: array of shape (n_users,) of labels, and ``"retain"`` or the recency column used.
    """
    if prediction is not None and getattr(prediction, "retain", None) is not None:
        return _tiers(1.0 - np.asarray(prediction.retain)[:, 0], shares, labels), "retain"
    if features is None:
        raise ParameterError("the prediction has no retention: pass features= for the recency fallback")
    for col in ("recency_purchase_days", "recency_days"):
        if col in features:
            return _tiers(features[col].to_numpy(dtype=float), shares, labels), col
    raise ParameterError("churn_risk_tiers needs retain predictions or a recency column")


class Personas(BaseEstimator):
    """K-means personas on standardised (log-scaled) user features or a representation.

    Args:
        n_personas: Number of clusters.
        columns: Feature columns to cluster on (default :data:`PERSONA_COLUMNS` present in the table); ignored
            for a plain array.
        random_state: Seed.
    """

    def __init__(self, n_personas: int = 5, columns=None, random_state=None):
        self.n_personas, self.columns, self.random_state = n_personas, columns, random_state

    def _matrix(self, x) -> np.ndarray:
        if isinstance(x, pd.DataFrame):
            cols = self.columns_
            missing = [c for c in cols if c not in x]
            if missing:
                raise ParameterError(f"missing persona feature column(s) {missing}")
            m = x[list(cols)].to_numpy(dtype=float)
            m = np.sign(m) * np.log1p(np.abs(m))
        else:
            m = np.asarray(x, dtype=float)
        return np.nan_to_num(m)

    def fit(self, x, y=None) -> Self:
        """Fit the clusters on a feature table or an array of shape (n_users, d); returns self."""
        if not isinstance(self.n_personas, int) or self.n_personas < 2:
            raise ParameterError(f"n_personas must be an int >= 2, got {self.n_personas!r}")
        if isinstance(x, pd.DataFrame):
            self.columns_ = list(self.columns or [c for c in PERSONA_COLUMNS if c in x])
            if not self.columns_:
                raise ParameterError("no persona feature columns in the table")
        else:
            self.columns_ = [f"dim_{j}" for j in range(np.asarray(x).shape[1])]
        m = self._matrix(x)
        self.mean_, self.scale_ = m.mean(axis=0), m.std(axis=0) + 1e-9
        z = (m - self.mean_) / self.scale_
        self.kmeans_ = KMeans(
            self.n_personas, n_init=4, random_state=resolve_seed(self.random_state, bits=31)
        ).fit(z)
        centres = self.kmeans_.cluster_centers_
        names = []
        for c in centres:
            j = int(np.argmax(np.abs(c)))
            names.append(f"{'high' if c[j] > 0 else 'low'} {self.columns_[j]}")
        self.names_ = [f"P{i} {nm}" for i, nm in enumerate(names)]
        return self

    def predict(self, x) -> np.ndarray:
        """Persona name per user: array of shape (n_users,)."""
        z = (self._matrix(x) - self.mean_) / self.scale_
        return np.asarray(self.names_, dtype=object)[self.kmeans_.predict(z)]

    def fit_predict(self, x, y=None) -> np.ndarray:
        """Fit, then name each user's persona."""
        return self.fit(x).predict(x)


def segment_profile(
    segment,
    prediction,
    features: pd.DataFrame | None = None,
    *,
    value_column: str = "monetary",
    min_size: int = DEFAULT_MIN_SEGMENT,
) -> pd.DataFrame:
    """One row per segment: size, value, predicted response and the predicted uplift of each campaign.

    Args:
        segment: Array of shape (n_users,) of labels.
        prediction: A :class:`~campaignkit.models.prediction.Prediction` of the same users.
        features: Optional user features (for the mean ``value_column``).
        value_column: Customer value column of ``features``.
        min_size: Segments with fewer users are suppressed (their statistics blanked).

    Returns:
        DataFrame indexed by segment: ``n_users``, ``value`` (mean ``value_column``), ``convert_control``,
        ``retain_control`` (when predicted), ``profit_uplift:<campaign>`` per campaign (mean per user),
        ``best_campaign`` and ``best_uplift`` and ``suppressed``.
    """
    segment = np.asarray(segment)
    n = len(prediction.user_id)
    if segment.shape != (n,):
        raise ParameterError(f"segment must have shape ({n},), got {segment.shape}")
    df = pd.DataFrame({"segment": segment})
    df["value"] = (
        features[value_column].to_numpy(float)
        if features is not None and value_column in features
        else np.nan
    )
    df["convert_control"] = prediction.convert[:, 0]
    if prediction.retain is not None:
        df["retain_control"] = prediction.retain[:, 0]
    up = prediction.uplift("profit")
    ids = list(prediction.campaign_ids)
    up_cols = [f"profit_uplift:{c}" for c in ids[1:]]
    df[up_cols] = up[:, 1:]
    g = df.groupby("segment", sort=True)
    table = g.mean()
    table.insert(0, "n_users", g.size())
    table["best_campaign"] = [ids[1:][j] for j in np.argmax(table[up_cols].to_numpy(), axis=1)]
    table["best_uplift"] = table[up_cols].max(axis=1)
    out = suppress_small(table, count_col="n_users", min_size=min_size)
    out.loc[out["suppressed"], "best_campaign"] = None
    return out


def plan_by_segment(choice, segment, campaign_ids, *, min_size: int = DEFAULT_MIN_SEGMENT) -> pd.DataFrame:
    """Who gets what: the share of each segment's users per campaign of a plan.

    Args:
        choice: Array of shape (n_users,) of catalogue rows (0 = control).
        segment: Array of shape (n_users,) of segment labels.
        campaign_ids: Catalogue ids, control first.
        min_size: Segments with fewer users are suppressed.

    Returns:
        DataFrame indexed by segment: ``n_users``, ``reach`` and one share column per campaign that anyone gets.
    """
    choice, segment = np.asarray(choice), np.asarray(segment)
    if choice.shape != segment.shape:
        raise ParameterError("choice and segment must have the same shape")
    ids = np.asarray(campaign_ids, dtype=object)
    table = pd.crosstab(
        pd.Series(segment, name="segment"), pd.Series(ids[choice], name="campaign"), normalize="index"
    )
    table = table[[c for c in ids if c in table.columns]]
    table.insert(0, "reach", 1.0 - table["control"] if "control" in table else 1.0)
    table.insert(0, "n_users", pd.Series(segment).value_counts().reindex(table.index).to_numpy())
    return suppress_small(table, count_col="n_users", min_size=min_size)
