"""Data stage: the synthetic world with known truth, loaders, validation with quarantine, preprocessing."""

from campaignkit.data.catalogue import (
    CAMPAIGN_TYPES,
    CHANNELS,
    campaign_feature_names,
    campaign_features,
    default_catalogue,
    validate_catalogue,
)
from campaignkit.data.world import (
    World,
    event_stats,
    funnel,
    make_world,
    observed_rfm,
    read_world_parquet,
    response_type_shares,
    write_world_parquet,
)

__all__ = [
    # synthetic world and campaign catalogue
    "CAMPAIGN_TYPES",
    "CHANNELS",
    "World",
    "campaign_feature_names",
    "campaign_features",
    "default_catalogue",
    "event_stats",
    "funnel",
    "make_world",
    "observed_rfm",
    "read_world_parquet",
    "response_type_shares",
    "validate_catalogue",
    "write_world_parquet",
]
