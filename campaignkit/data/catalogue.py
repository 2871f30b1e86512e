"""The campaign catalogue: configurations described by attributes and a cost model.

A campaign is a row of attributes (``type``, ``depth``, ``threshold``, ``channel``, ``targets_category``)
plus its cost model (``contact_cost`` per contacted user, a fixed ``amount`` or a proportional ``depth``
paid only on redeemed orders, and the ``margin_rate`` earned on revenue). Describing campaigns by
attributes, not only by id, lets a model score a configuration it has never seen:
:func:`campaign_features` turns the catalogue into the numeric matrix a campaign encoder reads.

Columns of a catalogue (one row per configuration, row 0 is ``control``):

==================  ======  ====================================================================
column              dtype   meaning
==================  ======  ====================================================================
campaign_id         str     unique name
type                str     one of :data:`CAMPAIGN_TYPES`
depth               float   fraction of the order paid back (for a fixed amount: amount/threshold)
threshold           float   spend needed to redeem (满减 threshold), 0 for none
amount              float   fixed money off per redeemed order (满减 and coupons), 0 if proportional
channel             str     one of :data:`CHANNELS` (``none`` only for control)
targets_category    bool    the offer is for one category chosen per user
contact_cost        float   cost per contacted user (message, SMS fee...)
margin_rate         float   gross margin earned on revenue
==================  ======  ====================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError

__all__ = [
    "CAMPAIGN_TYPES",
    "CHANNELS",
    "CATALOGUE_COLUMNS",
    "default_catalogue",
    "validate_catalogue",
    "campaign_features",
    "campaign_feature_names",
]

CAMPAIGN_TYPES: tuple[str, ...] = (
    "control",
    "threshold_discount",
    "percent_discount",
    "flash_sale",
    "coupon",
    "points_bonus",
    "member_exclusive",
    "reminder",
    "recommendation",
)
"""Campaign types of the seed's catalogue (control = no contact; recommendation = 推荐活动)."""

CHANNELS: tuple[str, ...] = ("none", "email", "sms", "app_push")
"""Contact channels; ``none`` is reserved for control."""

CATALOGUE_COLUMNS: tuple[str, ...] = (
    "campaign_id",
    "type",
    "depth",
    "threshold",
    "amount",
    "channel",
    "targets_category",
    "contact_cost",
    "margin_rate",
)

_THRESHOLD_SCALE = 100.0  # thresholds are divided by this in campaign_features

_DEFAULT_ROWS = [
    # campaign_id, type, depth, threshold, amount, channel, targets_category, contact_cost
    ("control", "control", 0.0, 0.0, 0.0, "none", False, 0.0),
    ("threshold_100_10", "threshold_discount", 0.10, 100.0, 10.0, "app_push", False, 0.01),
    ("threshold_200_40", "threshold_discount", 0.20, 200.0, 40.0, "app_push", False, 0.01),
    ("percent_10", "percent_discount", 0.10, 0.0, 0.0, "email", False, 0.02),
    ("percent_20", "percent_discount", 0.20, 0.0, 0.0, "email", False, 0.02),
    ("flash_sale_30", "flash_sale", 0.30, 0.0, 0.0, "sms", False, 0.08),
    ("coupon_5", "coupon", 0.10, 50.0, 5.0, "email", False, 0.02),
    ("points_x3", "points_bonus", 0.06, 0.0, 0.0, "app_push", False, 0.01),
    ("member_exclusive_15", "member_exclusive", 0.15, 0.0, 0.0, "email", False, 0.02),
    ("cart_reminder", "reminder", 0.0, 0.0, 0.0, "app_push", False, 0.01),
    ("category_coupon", "coupon", 0.15, 0.0, 0.0, "app_push", True, 0.01),
    ("recommendation_push", "recommendation", 0.0, 0.0, 0.0, "app_push", True, 0.01),
]

DEFAULT_MARGIN_RATE = 0.35


def default_catalogue(margin_rate: float = DEFAULT_MARGIN_RATE) -> pd.DataFrame:
    """Return the kit's default catalogue of 12 configurations (row 0 is control).

    It covers every type of :data:`CAMPAIGN_TYPES`, two depths of 满减 and of percent discounts, and two
    category-targeted campaigns (``category_coupon`` and ``recommendation_push``).

    Args:
        margin_rate: Gross margin earned on revenue, the same for every row.

    Returns:
        DataFrame with the columns of :data:`CATALOGUE_COLUMNS`.
    """
    cols = [c for c in CATALOGUE_COLUMNS if c != "margin_rate"]
    cat = pd.DataFrame(_DEFAULT_ROWS, columns=cols)
    cat["margin_rate"] = float(margin_rate)
    return validate_catalogue(cat)


def validate_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Check a catalogue and return a clean copy with canonical dtypes.

    Args:
        catalogue: One row per configuration with the columns of :data:`CATALOGUE_COLUMNS`
            (``amount`` and ``margin_rate`` may be omitted: 0 and 0.35 are filled in).

    Returns:
        A copy with canonical dtypes, index 0..n-1.

    Raises:
        ParameterError: On a missing column, unknown type or channel, duplicate id, negative cost, a
            depth outside [0, 1), or when row 0 is not a ``control`` row.
    """
    cat = _complete(catalogue)
    _check_vocabularies(cat)
    _check_ids(cat)
    _check_numbers(cat)
    _check_control(cat)
    cat["campaign_id"] = cat["campaign_id"].astype(str)
    cat["type"] = cat["type"].astype(str)
    cat["channel"] = cat["channel"].astype(str)
    cat["targets_category"] = cat["targets_category"].astype(bool)
    return cat[list(CATALOGUE_COLUMNS)]


def _complete(catalogue) -> pd.DataFrame:
    """A copy with ``amount`` and ``margin_rate`` filled in when omitted; every column there, two rows at least."""
    if not isinstance(catalogue, pd.DataFrame):
        raise ParameterError(f"catalogue must be a pandas DataFrame, got {type(catalogue).__name__}")
    cat = catalogue.copy().reset_index(drop=True)
    if "amount" not in cat:
        cat["amount"] = 0.0
    if "margin_rate" not in cat:
        cat["margin_rate"] = DEFAULT_MARGIN_RATE
    missing = [c for c in CATALOGUE_COLUMNS if c not in cat]
    if missing:
        raise ParameterError(f"catalogue is missing column(s) {missing}; expected {list(CATALOGUE_COLUMNS)}")
    if len(cat) < 2:
        raise ParameterError("catalogue needs a control row and at least one campaign")
    return cat


def _check_vocabularies(cat: pd.DataFrame) -> None:
    for i, t in enumerate(cat["type"]):
        if t not in CAMPAIGN_TYPES:
            raise ParameterError(
                f"catalogue row {i}: unknown campaign type {t!r}; allowed types are {list(CAMPAIGN_TYPES)}"
            )
    for i, ch in enumerate(cat["channel"]):
        if ch not in CHANNELS:
            raise ParameterError(f"catalogue row {i}: unknown channel {ch!r}; allowed are {list(CHANNELS)}")


def _check_ids(cat: pd.DataFrame) -> None:
    """Row 0 and only row 0 is control; no campaign id twice."""
    if cat.loc[0, "type"] != "control" or cat.loc[0, "campaign_id"] != "control":
        raise ParameterError(
            "catalogue row 0 must be the 'control' row (campaign_id 'control', type 'control')"
        )
    if (cat["type"] == "control").sum() != 1:
        raise ParameterError("catalogue must hold exactly one row of type 'control'")
    if cat["campaign_id"].duplicated().any():
        dup = cat.loc[cat["campaign_id"].duplicated(), "campaign_id"].tolist()
        raise ParameterError(f"catalogue has duplicate campaign_id(s) {dup}")


def _check_numbers(cat: pd.DataFrame) -> None:
    """Numeric columns to float64 in place: finite and >= 0, depth < 1, margin_rate <= 1."""
    for col in ("depth", "threshold", "amount", "contact_cost", "margin_rate"):
        cat[col] = pd.to_numeric(cat[col], errors="raise").astype("float64")
        bad = np.flatnonzero(~np.isfinite(cat[col].to_numpy()) | (cat[col].to_numpy() < 0))
        if bad.size:
            raise ParameterError(f"catalogue row {bad[0]}: column {col!r} must be finite and >= 0")
    if (cat["depth"] >= 1).any():
        raise ParameterError(f"catalogue row {int(np.argmax(cat['depth'] >= 1))}: depth must be < 1")
    if (cat["margin_rate"] > 1).any():
        raise ParameterError("catalogue: margin_rate must be <= 1")


def _check_control(cat: pd.DataFrame) -> None:
    """The control row contacts nobody and costs nothing; only it has channel ``none``."""
    ctrl = cat.loc[0]
    if ctrl["channel"] != "none" or ctrl["contact_cost"] != 0 or ctrl["depth"] != 0 or ctrl["amount"] != 0:
        raise ParameterError(
            "catalogue row 0 (control) must have channel 'none', zero depth, amount and cost"
        )
    if (cat.loc[1:, "channel"] == "none").any():
        raise ParameterError("catalogue: only the control row may have channel 'none'")
    if cat.loc[0, "targets_category"]:
        raise ParameterError("catalogue row 0 (control) cannot target a category")


def campaign_feature_names() -> list[str]:
    """Return the column names of :func:`campaign_features`.

    Returns:
        ``type=...`` one-hots, ``depth``, ``threshold_scaled``, ``amount_scaled``, ``channel=...``
        one-hots and ``targets_category``.
    """
    return (
        [f"type={t}" for t in CAMPAIGN_TYPES]
        + ["depth", "threshold_scaled", "amount_scaled"]
        + [f"channel={c}" for c in CHANNELS]
        + ["targets_category"]
    )


def campaign_features(catalogue: pd.DataFrame) -> np.ndarray:
    """Encode campaigns by their attributes, for a model's campaign encoder.

    Args:
        catalogue: A catalogue (validated on the way in).

    Returns:
        Array of shape (n_campaigns, n_attrs) of float64: type one-hot, depth, threshold / 100,
        amount / 100, channel one-hot, targets_category; names in :func:`campaign_feature_names`.
    """
    cat = validate_catalogue(catalogue)
    n = len(cat)
    type_oh = (cat["type"].to_numpy()[:, None] == np.array(CAMPAIGN_TYPES)[None, :]).astype(float)
    chan_oh = (cat["channel"].to_numpy()[:, None] == np.array(CHANNELS)[None, :]).astype(float)
    num = np.column_stack(
        [
            cat["depth"].to_numpy(float),
            cat["threshold"].to_numpy(float) / _THRESHOLD_SCALE,
            cat["amount"].to_numpy(float) / _THRESHOLD_SCALE,
        ]
    )
    out = np.hstack([type_oh, num, chan_oh, cat["targets_category"].to_numpy(float).reshape(n, 1)])
    return out.astype("float64")
