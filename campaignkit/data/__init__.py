"""Data stage: the synthetic world with known truth, loaders, validation with quarantine, preprocessing.

- :mod:`~campaignkit.data.world` - the synthetic world (a subpackage: :func:`make_world`, :class:`World`)
- :mod:`~campaignkit.data.catalogue` - the campaign catalogue: attributes, cost model, checks
- :mod:`~campaignkit.data.offers` - offer types and channels as open registries (:func:`register_offer_type`,
  :func:`register_channel`), depth rules
- :mod:`~campaignkit.data.costs` - what a logged row cost and earned (discount, profit), defined once
- :mod:`~campaignkit.data.exposures` - a campaign log from exposures and events: one row per exposure, outcome
  windows, control rows, propensities from the design (:func:`build_campaign_log`)
- :mod:`~campaignkit.data.schema` - the canonical schema of every table, the log columns and ``EVENT_TYPES``
- :mod:`~campaignkit.data.validate` - :func:`validate`: rows checked against the schema, bad ones quarantined
  (its rule families in the private ``_checks``)
- :mod:`~campaignkit.data.loaders` - CSV and Parquet files, folders and globs into validated tables
- :mod:`~campaignkit.data.stream` - Parquet validated chunk by chunk, in bounded memory
- :mod:`~campaignkit.data.hillstrom` - the Hillstrom e-mail RCT: find, verify, load, map to the canonical tables
- :mod:`~campaignkit.data.retailrocket` - an adapter for RetailRocket-style event logs
- :mod:`~campaignkit.data.starbucks` - the Starbucks rewards-app offers data: verify, validate, map to the kit's tables
- :mod:`~campaignkit.data.clean` - preprocessing as scikit-learn transformers (duplicates, outliers, missing
  values, normalisation)
- :mod:`~campaignkit.data.quality` - teaching aids: known dirt injected into a clean log, and plots of validation
"""

from campaignkit.data.catalogue import (
    CAMPAIGN_TYPES,
    CHANNELS,
    OFFER_CHANNELS,
    OFFER_TYPES,
    OfferType,
    campaign_feature_names,
    campaign_features,
    default_catalogue,
    offer_depth,
    register_channel,
    register_offer_type,
    validate_catalogue,
)
from campaignkit.data.world import (
    World,
    event_stats,
    funnel,
    make_world,
    observed_cart,
    observed_rfm,
    read_world_parquet,
    response_type_shares,
    world_user_state,
    world_user_table,
    write_world_parquet,
)

__all__ = [
    # synthetic world and campaign catalogue
    "CAMPAIGN_TYPES",
    "CHANNELS",
    "OFFER_CHANNELS",
    "OFFER_TYPES",
    "OfferType",
    "World",
    "campaign_feature_names",
    "campaign_features",
    "default_catalogue",
    "event_stats",
    "funnel",
    "make_world",
    "observed_cart",
    "observed_rfm",
    "offer_depth",
    "read_world_parquet",
    "register_channel",
    "register_offer_type",
    "response_type_shares",
    "validate_catalogue",
    "world_user_state",
    "world_user_table",
    "write_world_parquet",
]

# loaders, validation with quarantine, exposure logs, Hillstrom, RetailRocket and Starbucks adapters, preprocessing
from campaignkit.data.clean import (  # noqa: E402
    BotFlagger,
    Deduplicator,
    MissingImputer,
    Normalizer,
    Winsorizer,
    deduplicate,
)
from campaignkit.data.exposures import ExposureLog, build_campaign_log  # noqa: E402
from campaignkit.data.hillstrom import HillstromData, arm_effects, download_hillstrom, load_hillstrom  # noqa: E402
from campaignkit.data.loaders import (  # noqa: E402
    load_campaigns,
    load_events,
    load_exposures,
    load_table,
    load_users,
    read_table,
)
from campaignkit.data.retailrocket import load_retailrocket  # noqa: E402
from campaignkit.data.schema import EVENT_TYPES, SCHEMAS, UNIT_COLUMN, TableSchema, get_schema, log_units  # noqa: E402
from campaignkit.data.starbucks import StarbucksData, load_starbucks  # noqa: E402
from campaignkit.data.validate import ValidationResult, validate  # noqa: E402

__all__ += [
    "ExposureLog",
    "StarbucksData",
    "UNIT_COLUMN",
    "build_campaign_log",
    "load_starbucks",
    "log_units",
    "BotFlagger",
    "Deduplicator",
    "EVENT_TYPES",
    "HillstromData",
    "MissingImputer",
    "Normalizer",
    "SCHEMAS",
    "TableSchema",
    "ValidationResult",
    "Winsorizer",
    "arm_effects",
    "deduplicate",
    "download_hillstrom",
    "get_schema",
    "load_campaigns",
    "load_events",
    "load_exposures",
    "load_hillstrom",
    "load_retailrocket",
    "load_table",
    "load_users",
    "read_table",
    "validate",
]
