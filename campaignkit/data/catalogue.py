"""The campaign catalogue: configurations described by attributes and a cost model.

A campaign is a row of attributes (``type``, ``depth``, ``threshold``, ``channel``, ``targets_category``,
``duration_days``) plus its cost model (``contact_cost`` per contacted user, the reward its offer type pays
on redeemed orders, and the ``margin_rate`` earned on revenue). Describing campaigns by attributes, not
only by id, lets a model score a configuration it has never seen: :func:`campaign_features` turns the
catalogue into the numeric matrix a campaign encoder reads.

The vocabularies are open: offer types and channels are registries of :mod:`campaignkit.data.offers`
(re-exported here): the seed's types and channels, ``bogo``, ``spend_get``, ``informational``, ``web``,
``mobile``, ``social``, ``mail``, and what you add with :func:`register_offer_type` /
:func:`register_channel`.

Columns of a catalogue (one row per configuration, row 0 is ``control``):

==================  ======  ====================================================================
column              dtype   meaning
==================  ======  ====================================================================
campaign_id         str     unique name
type                str     a registered offer type (:data:`OFFER_TYPES`)
depth               float   fraction of the order paid back, in [0, 1]; missing or NaN: filled by the
                            type's depth rule (see :func:`offer_depth`)
threshold           float   spend needed to redeem (满减 threshold), 0 for none
amount              float   fixed money off per redeemed order (满减, coupons, BOGO, spend-X-get-Y), 0
                            if proportional; may be omitted (0)
channel             str     one or several registered channels joined by ``+`` (``"email+mobile"``; a
                            list is accepted too); ``none`` only for control and never combined
targets_category    bool    the offer is for one category chosen per user
contact_cost        float   cost per contacted user (message, SMS fee...)
margin_rate         float   gross margin earned on revenue; may be omitted: the kit's
                            :data:`DEFAULT_MARGIN_RATE` (0.35) is filled in, with a warning
duration_days       float   how long the offer runs, in days; 0 = not stated; may be omitted or NaN (0)
==================  ======  ====================================================================

Each type's cost rule says what a redemption costs (:func:`campaignkit.models.profit.realised_discount`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from campaignkit.data.offers import (
    CAMPAIGN_TYPES,
    CHANNEL_SEPARATOR,
    CHANNELS,
    COST_RULES,
    DEPTH_RULES,
    OFFER_CHANNELS,
    OFFER_TYPES,
    OfferType,
    get_offer_type,
    offer_depth,
    register_channel,
    register_offer_type,
    require_seed_vocabulary,
    split_channels,
)
from campaignkit.errors import ParameterError

__all__ = [
    "CAMPAIGN_TYPES",
    "CHANNELS",
    "CHANNEL_SEPARATOR",
    "CATALOGUE_COLUMNS",
    "COST_RULES",
    "DEPTH_RULES",
    "DEFAULT_MARGIN_RATE",
    "OFFER_CHANNELS",
    "OFFER_TYPES",
    "OfferType",
    "register_offer_type",
    "register_channel",
    "get_offer_type",
    "offer_depth",
    "split_channels",
    "require_seed_vocabulary",
    "warn_margin_assumed",
    "default_catalogue",
    "validate_catalogue",
    "campaign_features",
    "campaign_feature_names",
]

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
    "duration_days",
)

DEFAULT_MARGIN_RATE = 0.35
"""The kit's gross margin on revenue, assumed (with a warning) where a catalogue states none."""

_THRESHOLD_SCALE = 100.0  # thresholds and amounts are divided by this in campaign_features
_DURATION_SCALE = 30.0  # durations (days) are divided by this in campaign_features

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


def default_catalogue(margin_rate: float = DEFAULT_MARGIN_RATE) -> pd.DataFrame:
    """Return the kit's default catalogue of 12 configurations (row 0 is control).

    It covers every type of :data:`CAMPAIGN_TYPES`, two depths of 满减 and of percent discounts, and two
    category-targeted campaigns (``category_coupon`` and ``recommendation_push``).

    Args:
        margin_rate: Gross margin earned on revenue, the same for every row.

    Returns:
        DataFrame with the columns of :data:`CATALOGUE_COLUMNS` (``duration_days`` 0: not stated).
    """
    cat = pd.DataFrame(_DEFAULT_ROWS, columns=list(CATALOGUE_COLUMNS[:8]))
    cat["margin_rate"] = float(margin_rate)
    return validate_catalogue(cat)


def validate_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """Check a catalogue and return a clean copy with canonical dtypes.

    Omitted columns are filled in: ``amount`` 0, ``duration_days`` 0 (not stated), ``depth`` by each type's
    depth rule (:func:`offer_depth`; a NaN depth too), and ``margin_rate`` the kit's
    :data:`DEFAULT_MARGIN_RATE` (0.35) *with a UserWarning* saying so. ``channel`` cells are normalised to
    the channels joined by ``+`` in the order given, each once.

    Args:
        catalogue: One row per configuration with the columns of :data:`CATALOGUE_COLUMNS`.

    Returns:
        A copy with canonical dtypes, index 0..n-1, the columns of :data:`CATALOGUE_COLUMNS` in order.

    Raises:
        ParameterError: On a missing column, an unknown type or channel (naming the row, the value, the
            known ones and the register call), a duplicate id, a negative number, a depth outside [0, 1],
            or when row 0 is not a ``control`` row.
    """
    cat = _complete(catalogue)
    _check_types(cat)
    cat["channel"] = _normalised_channels(cat["channel"])
    _check_ids(cat)
    _check_numbers(cat)
    _check_control(cat)
    cat["campaign_id"] = cat["campaign_id"].astype(str)
    cat["type"] = cat["type"].astype(str)
    cat["channel"] = cat["channel"].astype(str)
    cat["targets_category"] = cat["targets_category"].astype(bool)
    return cat[list(CATALOGUE_COLUMNS)]


def _complete(catalogue) -> pd.DataFrame:
    """A copy with the optional columns filled in; every column there, two rows at least."""
    if not isinstance(catalogue, pd.DataFrame):
        raise ParameterError(f"catalogue must be a pandas DataFrame, got {type(catalogue).__name__}")
    cat = catalogue.copy().reset_index(drop=True)
    for col, fill in (("amount", 0.0), ("duration_days", 0.0), ("depth", np.nan)):
        if col not in cat:
            cat[col] = fill
    if "margin_rate" not in cat:
        warn_margin_assumed("the catalogue", stacklevel=4)
        cat["margin_rate"] = DEFAULT_MARGIN_RATE
    missing = [c for c in CATALOGUE_COLUMNS if c not in cat]
    if missing:
        raise ParameterError(f"catalogue is missing column(s) {missing}; expected {list(CATALOGUE_COLUMNS)}")
    if len(cat) < 2:
        raise ParameterError("catalogue needs a control row and at least one campaign")
    return cat


def warn_margin_assumed(where: str, stacklevel: int = 3) -> None:
    """Warn that ``where`` states no ``margin_rate`` and the kit's :data:`DEFAULT_MARGIN_RATE` is used.

    Args:
        where: What lacks the column, for the message (``"the catalogue"``).
        stacklevel: As :func:`warnings.warn`'s, counted from this function (3: the caller's caller).
    """
    warnings.warn(
        f"{where} has no 'margin_rate' column: the kit's margin {DEFAULT_MARGIN_RATE} (DEFAULT_MARGIN_RATE) "
        "was assumed for every campaign; add a margin_rate column to state your own",
        UserWarning,
        stacklevel=stacklevel,
    )


def _check_types(cat: pd.DataFrame) -> None:
    for i, t in enumerate(cat["type"]):
        try:
            get_offer_type(t)
        except ParameterError as err:
            raise ParameterError(f"catalogue row {i}: {err}") from None


def _normalised_channels(col: pd.Series) -> list[str]:
    """Each cell as its channels joined by ``+``; every channel registered, ``none`` never combined."""
    out = []
    for i, value in enumerate(col):
        try:
            parts = split_channels(value)
        except ParameterError as err:
            raise ParameterError(f"catalogue row {i}: {err}") from None
        for p in parts:
            if p not in OFFER_CHANNELS:
                raise ParameterError(
                    f"catalogue row {i}: unknown channel {p!r}; allowed are {list(OFFER_CHANNELS)}; register a "
                    f"new one first with campaignkit.data.catalogue.register_channel({p!r})"
                )
        if "none" in parts and len(parts) > 1:
            raise ParameterError(
                f"catalogue row {i}: channel 'none' cannot be combined with others ({value!r})"
            )
        out.append(CHANNEL_SEPARATOR.join(parts))
    return out


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
    """Numeric columns to float64 in place: depth filled by the type's rule, finite and >= 0, depth and
    margin_rate <= 1."""
    for col in ("depth", "threshold", "amount", "contact_cost", "margin_rate", "duration_days"):
        cat[col] = pd.to_numeric(cat[col], errors="raise").astype("float64")
    cat["duration_days"] = cat["duration_days"].fillna(0.0)  # missing = not stated
    _fill_depth(cat)
    for col in ("depth", "threshold", "amount", "contact_cost", "margin_rate", "duration_days"):
        bad = np.flatnonzero(~np.isfinite(cat[col].to_numpy()) | (cat[col].to_numpy() < 0))
        if bad.size:
            raise ParameterError(f"catalogue row {bad[0]}: column {col!r} must be finite and >= 0")
    if (cat["depth"] > 1).any():
        raise ParameterError(f"catalogue row {int(np.argmax(cat['depth'] > 1))}: depth must be <= 1")
    if (cat["margin_rate"] > 1).any():
        raise ParameterError("catalogue: margin_rate must be <= 1")


def _fill_depth(cat: pd.DataFrame) -> None:
    """A missing (NaN) depth from the row's type rule (:func:`offer_depth`), in place."""
    for i in np.flatnonzero(cat["depth"].isna().to_numpy()):
        row = cat.loc[i]
        try:
            cat.loc[i, "depth"] = offer_depth(row["type"], row["threshold"], row["amount"])
        except (ParameterError, ValueError, TypeError) as err:
            raise ParameterError(f"catalogue row {i}: depth is missing and {err}") from None


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


_BASE_FEATURES: tuple[str, ...] = (
    *(f"type={t}" for t in CAMPAIGN_TYPES),
    "depth",
    "threshold_scaled",
    "amount_scaled",
    *(f"channel={c}" for c in CHANNELS),
    "targets_category",
)


def campaign_feature_names(catalogue: pd.DataFrame | None = None) -> list[str]:
    """Return the column names of :func:`campaign_features`.

    Args:
        catalogue: The catalogue to encode; None gives the columns of a catalogue of seed types and
            channels without durations (the default catalogue's).

    Returns:
        ``type=...`` one-hots of :data:`CAMPAIGN_TYPES`, ``depth``, ``threshold_scaled``,
        ``amount_scaled``, ``channel=...`` of :data:`CHANNELS` and ``targets_category``; then, only for
        what ``catalogue`` uses, ``type=...`` of other types and ``channel=...`` of other channels (in
        registry order) and ``duration_scaled``.
    """
    if catalogue is None:
        return list(_BASE_FEATURES)
    return list(_feature_columns(validate_catalogue(catalogue)))


def campaign_features(catalogue: pd.DataFrame, names=None) -> np.ndarray:
    """Encode campaigns by their attributes, for a model's campaign encoder.

    A catalogue of seed types and channels without durations (the default catalogue, the synthetic
    world's) gets exactly the columns of ``campaign_feature_names()``. Other catalogues get more columns
    after those: a one-hot of each other type present, a multi-hot of each other channel present (in
    registry order) and ``duration_scaled`` (days / 30) when a duration is stated. Channel columns are
    multi-hot: ``email+mobile`` has 1 in ``channel=email`` and in ``channel=mobile``.

    Args:
        catalogue: A catalogue (validated on the way in).
        names: Encode to exactly these columns (e.g. those of the catalogue a model was fitted on): a
            column the catalogue does not use is 0.

    Returns:
        Array of shape (n_campaigns, n_attrs) of float64; names in :func:`campaign_feature_names`.

    Raises:
        ParameterError: When ``names`` holds an unknown column, or lacks one the catalogue needs (a type,
            channel or duration the catalogue uses and ``names`` cannot encode).
    """
    cols = _feature_columns(validate_catalogue(catalogue))
    if names is None:
        names = list(cols)
    else:
        names = list(names)
        _check_names(names, cols)
    n = len(next(iter(cols.values())))
    return np.column_stack([cols.get(k, np.zeros(n)) for k in names]).astype("float64")


def _feature_columns(cat: pd.DataFrame) -> dict[str, np.ndarray]:
    """Named feature columns of a validated catalogue, in the order of :func:`campaign_feature_names`."""
    types = cat["type"].to_numpy()
    chans = [set(split_channels(c)) for c in cat["channel"]]
    on = lambda c: np.array([c in s for s in chans], dtype=float)  # noqa: E731
    cols = {f"type={t}": (types == t).astype(float) for t in CAMPAIGN_TYPES}
    cols["depth"] = cat["depth"].to_numpy(float)
    cols["threshold_scaled"] = cat["threshold"].to_numpy(float) / _THRESHOLD_SCALE
    cols["amount_scaled"] = cat["amount"].to_numpy(float) / _THRESHOLD_SCALE
    cols.update({f"channel={c}": on(c) for c in CHANNELS})
    cols["targets_category"] = cat["targets_category"].to_numpy(float)
    cols.update({f"type={t}": (types == t).astype(float) for t in OFFER_TYPES if t not in CAMPAIGN_TYPES})
    cols.update({f"channel={c}": on(c) for c in OFFER_CHANNELS if c not in CHANNELS})
    cols = {k: v for k, v in cols.items() if k in _BASE_FEATURES or v.any()}
    days = cat["duration_days"].to_numpy(float)
    if (days > 0).any():
        cols["duration_scaled"] = days / _DURATION_SCALE
    return cols


def _is_feature_name(k: str) -> bool:
    return (
        k in _BASE_FEATURES
        or k == "duration_scaled"
        or (k.startswith("type=") and k[5:] in OFFER_TYPES)
        or (k.startswith("channel=") and k[8:] in OFFER_CHANNELS)
    )


def _check_names(names: list[str], cols: dict[str, np.ndarray]) -> None:
    unknown = [k for k in names if not _is_feature_name(k)]
    if unknown:
        raise ParameterError(f"campaign_features: unknown feature name(s) {unknown}")
    lost = [k for k, v in cols.items() if k not in names and v.any()]
    if lost:
        raise ParameterError(
            f"campaign_features: the catalogue uses {lost}, which the requested columns cannot encode "
            "(a type, channel or duration the model was not fitted on)"
        )
