"""Numbers about features, for notebooks and reports: RFM segments, correlations, sequence statistics.

Plots of these live in :mod:`campaignkit.features.plots`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError
from campaignkit.features.descriptions import feature_group
from campaignkit.privacy import MIN_GROUP_SIZE, suppress_small

__all__ = ["rfm_scores", "rfm_segment_table", "uplift_correlations", "feature_summary", "RFM_SEGMENTS"]

RFM_SEGMENTS = {
    "champions": "bought recently and often (R >= 4, F >= 4)",
    "loyal": "buy often but not in the last weeks (F >= 4)",
    "promising": "bought recently, few times (R >= 4, F <= 3)",
    "at risk": "bought often before, not recently (R <= 2, F >= 3)",
    "hibernating": "few purchases, long ago (R <= 2, F <= 2)",
    "needs attention": "middle of the road",
    "never bought": "no purchase before the cutoff",
}
"""Segment names assigned by :func:`rfm_scores` and what they mean."""


def _score(values: pd.Series, n_bins: int, higher_is_better: bool) -> pd.Series:
    """Quantile score 1..n_bins from average ranks (equal values always get equal scores)."""
    r = values.rank(method="average", ascending=higher_is_better, pct=True)
    return np.ceil(r * n_bins).clip(1, n_bins).astype("int64")


def rfm_scores(features: pd.DataFrame, n_bins: int = 5) -> pd.DataFrame:
    """R, F, M quantile scores (1 worst .. ``n_bins`` best) among buyers, and a named segment per user.

    Args:
        features: Output of :func:`build_features` (needs ``recency_purchase_days``, ``frequency``,
            ``monetary``).
        n_bins: Number of quantile bins.

    Returns:
        DataFrame indexed like ``features`` with ``R, F, M`` (0 for users who never bought) and
        ``segment`` (one of :data:`RFM_SEGMENTS`).
    """
    for col in ("recency_purchase_days", "frequency", "monetary"):
        if col not in features.columns:
            raise ParameterError(f"rfm_scores needs the feature {col!r}")
    if n_bins < 2:
        raise ParameterError(f"n_bins must be >= 2, got {n_bins}")
    out = pd.DataFrame(0, index=features.index, columns=["R", "F", "M"], dtype="int64")
    buyers = features["frequency"] > 0
    b = features.loc[buyers]
    if len(b):
        out.loc[buyers, "R"] = _score(b["recency_purchase_days"], n_bins, higher_is_better=False)
        out.loc[buyers, "F"] = _score(b["frequency"], n_bins, higher_is_better=True)
        out.loc[buyers, "M"] = _score(b["monetary"], n_bins, higher_is_better=True)
    # thresholds as on the usual 1..5 scale (4 = "high", 3 = "middle", 2 = "low"), scaled to n_bins
    hi, mid, lo = int(np.ceil(0.8 * n_bins)), int(np.ceil(0.6 * n_bins)), int(np.floor(0.4 * n_bins))
    R, F = out["R"], out["F"]
    seg = np.select(
        [~buyers, (R >= hi) & (F >= hi), F >= hi, R >= hi, (R <= lo) & (F >= mid), (R <= lo) & (F <= lo)],
        ["never bought", "champions", "loyal", "promising", "at risk", "hibernating"],
        default="needs attention",
    )
    out["segment"] = pd.Series(seg, index=features.index, dtype=object)
    return out


def rfm_segment_table(
    features: pd.DataFrame,
    scores: pd.DataFrame | None = None,
    extra: pd.DataFrame | None = None,
    min_size: int = MIN_GROUP_SIZE,
) -> pd.DataFrame:
    """One row per RFM segment: size, share and mean R/F/M (and means of ``extra`` columns).

    Args:
        features: Output of :func:`build_features`.
        scores: Output of :func:`rfm_scores` (computed when None).
        extra: Optional per-user columns indexed like ``features`` (e.g. true uplift per campaign) whose
            segment means are added.
        min_size: Segments with fewer users get their statistics blanked (privacy; default the kit's floor,
            :data:`~campaignkit.privacy.MIN_GROUP_SIZE`).

    Returns:
        DataFrame indexed by segment (no user ids), ordered as :data:`RFM_SEGMENTS`.
    """
    scores = rfm_scores(features) if scores is None else scores
    cols = features[["recency_purchase_days", "frequency", "monetary"]]
    df = pd.concat([cols, scores["segment"]], axis=1)
    if extra is not None:
        df = df.join(extra.reindex(features.index))
    g = df.groupby("segment")
    table = g.mean(numeric_only=True)
    table.insert(0, "n_users", g.size())
    table.insert(1, "share", table["n_users"] / len(df))
    order = [s for s in RFM_SEGMENTS if s in table.index]
    return suppress_small(table.loc[order], count_col="n_users", min_size=min_size)


def uplift_correlations(features: pd.DataFrame, uplift, method: str = "spearman") -> pd.DataFrame:
    """Correlation of every feature with the (true) uplift of each campaign.

    Args:
        features: Output of :func:`build_features`, n rows.
        uplift: array of shape (n,) or (n, n_campaigns), or a DataFrame with n rows (columns = campaigns),
            aligned with ``features``.
        method: ``"spearman"`` (rank, default) or ``"pearson"``.

    Returns:
        DataFrame (features x campaigns) of correlations, plus a ``group`` column; constant features
        give 0.
    """
    if method not in ("spearman", "pearson"):
        raise ParameterError(f"method must be 'spearman' or 'pearson', got {method!r}")
    if isinstance(uplift, pd.DataFrame):
        up = uplift.set_axis(features.index, axis=0) if len(uplift) == len(features) else uplift
    else:
        arr = np.asarray(uplift, dtype=float)
        arr = arr[:, None] if arr.ndim == 1 else arr
        if arr.shape[0] != len(features):
            raise ParameterError(f"uplift has {arr.shape[0]} rows for {len(features)} users")
        up = pd.DataFrame(arr, index=features.index, columns=[f"c{j}" for j in range(arr.shape[1])])
    if len(up) != len(features):
        raise ParameterError(f"uplift has {len(up)} rows for {len(features)} users")
    X = features.astype(float)
    Y = up.astype(float)
    if method == "spearman":
        X, Y = X.rank(), Y.rank()
    Xc = (X - X.mean()) / X.std(ddof=0).replace(0, np.nan)
    Yc = (Y - Y.mean()) / Y.std(ddof=0).replace(0, np.nan)
    corr = (Xc.T.fillna(0) @ Yc.fillna(0)) / len(X)
    corr.insert(len(corr.columns), "group", [feature_group(c) for c in corr.index])
    return corr


def feature_summary(features: pd.DataFrame) -> pd.DataFrame:
    """Per-feature summary: group, mean, std, min, median, max and share of zeros."""
    X = features.astype(float)
    return pd.DataFrame(
        {
            "group": [feature_group(c) for c in X.columns],
            "mean": X.mean(),
            "std": X.std(),
            "min": X.min(),
            "median": X.median(),
            "max": X.max(),
            "share_zero": (X == 0).mean(),
        }
    )
