"""Features at scale: per-user RFM / behaviour aggregates and event sequences, computed by DuckDB.

- :mod:`~campaignkit.features.tabular` - :func:`build_features`: one row per user as of a cutoff (SQL in
  ``sql/user_features.sql``; the DuckDB plumbing in the private ``_duck``)
- :mod:`~campaignkit.features.sequences` - :func:`build_sequences`: last-L events per user, right-aligned,
  chunked into memmaps
- :mod:`~campaignkit.features.store` - :class:`FeatureStore`: ``data/processed/<name>/`` with features,
  sequences and a manifest
- :mod:`~campaignkit.features.splits` - :func:`split_users`: seeded (stratified) train / val / test split by user
- :mod:`~campaignkit.features.descriptions` - :data:`FEATURE_DESCRIPTIONS`: every feature name and its meaning
- :mod:`~campaignkit.features.summary` - :func:`rfm_scores`, :func:`rfm_segment_table`,
  :func:`uplift_correlations`: numbers for reports
- :mod:`~campaignkit.features.reference` - a plain pandas version of the behaviour features, to check DuckDB's
- :mod:`~campaignkit.features.plots` - plots of features and sequences
"""

from campaignkit.features.descriptions import FEATURE_DESCRIPTIONS, SEQUENCE_CHANNELS, feature_group
from campaignkit.features.sequences import SequenceArrays, build_sequences
from campaignkit.features.splits import split_users
from campaignkit.features.store import FeatureStore
from campaignkit.features.summary import (
    RFM_SEGMENTS,
    feature_summary,
    rfm_scores,
    rfm_segment_table,
    uplift_correlations,
)
from campaignkit.features.tabular import build_features

__all__ = [
    "build_features",
    "build_sequences",
    "SequenceArrays",
    "FeatureStore",
    "split_users",
    "FEATURE_DESCRIPTIONS",
    "SEQUENCE_CHANNELS",
    "feature_group",
    "rfm_scores",
    "rfm_segment_table",
    "uplift_correlations",
    "feature_summary",
    "RFM_SEGMENTS",
]

# point-in-time features and sequences of a log built from exposures (one row per exposure)
from campaignkit.features.pointintime import PointInTimeFeatures, exposure_features, exposure_keys  # noqa: E402

__all__ += ["PointInTimeFeatures", "exposure_features", "exposure_keys"]
