"""The campaign catalogue: configurations described by attributes and a cost model.

A campaign is a row of attributes (``type``, ``depth``, ``threshold``, ``channel``, ``targets_category``,
``duration_days``) plus its cost model (``contact_cost`` per contacted user, the reward its offer type pays
on redeemed orders, and the ``margin_rate`` earned on revenue). Describing campaigns by attributes, not
only by id, lets a model score a configuration it has never seen: :func:`campaign_features` turns the
catalogue into the numeric matrix a campaign encoder reads.

The vocabularies are open. An offer type is data, an :class:`OfferType` in the registry
:data:`OFFER_TYPES`: its name, how a redemption's cost is computed (``cost``) and whether anybody can
redeem (complete) it at all (``redeemable``). Built in are the nine types of the kit's seed catalogue
(:data:`CAMPAIGN_TYPES`) plus ``bogo`` (buy one get one: spend ``threshold``, get ``amount`` back),
``spend_get`` (spend ``threshold``, get ``amount`` off) and ``informational`` (a message nobody can
redeem). Channels live in :data:`OFFER_CHANNELS`: the seed's :data:`CHANNELS` plus ``web``, ``mobile``,
``social`` and ``mail``. Add your own before validating a catalogue that uses them::

    register_offer_type(OfferType("personalised_coupons", cost="fixed", redeemable=True))
    register_channel("in_store")

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

Cost of a redemption (a row that participated and converted), by the type's ``cost`` rule:
``"fixed"`` pays the row's ``amount``; ``"proportional"`` pays ``depth`` x the order's revenue;
``"amount_or_depth"`` (the seed types) pays ``amount`` when it is > 0, else ``depth`` x revenue;
``"none"`` pays nothing, and neither does a type that is not ``redeemable``. See
:func:`campaignkit.models.profit.realised_discount`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError

__all__ = [
    "CAMPAIGN_TYPES",
    "CHANNELS",
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
"""Campaign types of the seed's catalogue (control = no contact; recommendation = 推荐活动), in the order of
the encodings the synthetic world and :func:`campaign_features` use. Every registered type:
:data:`OFFER_TYPES` (or :func:`campaignkit.data.schema.campaign_types`)."""

CHANNELS: tuple[str, ...] = ("none", "email", "sms", "app_push")
"""Contact channels of the seed's catalogue; ``none`` is reserved for control. Every registered channel:
:data:`OFFER_CHANNELS`."""

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

COST_RULES: tuple[str, ...] = ("amount_or_depth", "fixed", "proportional", "none")
"""How an offer type's redemption cost is computed (see the module docstring)."""

DEPTH_RULES: tuple[str, ...] = ("stated", "amount_over_threshold", "amount_over_total", "zero")
"""How an offer type's depth is defined (see :func:`offer_depth`)."""

DEFAULT_MARGIN_RATE = 0.35
"""The kit's gross margin on revenue, assumed (with a warning) where a catalogue states none."""

_THRESHOLD_SCALE = 100.0  # thresholds and amounts are divided by this in campaign_features
_DURATION_SCALE = 30.0  # durations (days) are divided by this in campaign_features
_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
_CHANNEL_SEP = "+"


@dataclass(frozen=True)
class OfferType:
    """An offer type: a name plus how its redemptions cost and whether it can be redeemed.

    Attributes:
        name: Lower-case name (letters, digits, ``_``, ``-``, ``.``), as written in a catalogue's ``type``.
        cost: How a redemption's cost is computed, one of :data:`COST_RULES`: ``"fixed"`` (the row's
            ``amount`` per redeemed order), ``"proportional"`` (``depth`` x the order's revenue),
            ``"amount_or_depth"`` (``amount`` when > 0, else proportional: the seed types), ``"none"``.
        redeemable: False for a type nobody can redeem or complete (control, a reminder, an informational
            message): it never pays a reward, and its depth is 0 unless the catalogue states one.
        description: One line for people.
        depth: How the row's depth is defined, one of :data:`DEPTH_RULES` (see :func:`offer_depth`).
    """

    name: str
    cost: str = "amount_or_depth"
    redeemable: bool = True
    description: str = ""
    depth: str = "stated"

    def __post_init__(self) -> None:
        _check_name(self.name, "offer type")
        if self.cost not in COST_RULES:
            raise ParameterError(
                f"offer type {self.name!r}: cost must be one of {list(COST_RULES)}, got {self.cost!r}"
            )
        if self.depth not in DEPTH_RULES:
            raise ParameterError(
                f"offer type {self.name!r}: depth must be one of {list(DEPTH_RULES)}, got {self.depth!r}"
            )
        if not isinstance(self.redeemable, bool | np.bool_):
            raise ParameterError(f"offer type {self.name!r}: redeemable must be True or False")


def _check_name(name, what: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ParameterError(
            f"{what} name must be a lower-case word of letters, digits, '_', '-' or '.', got {name!r}"
        )


_SEED_TYPES = (
    OfferType("control", "none", False, "no contact: the reference every campaign is compared with", "zero"),
    OfferType("threshold_discount", description="满减: spend at least threshold, get amount off"),
    OfferType("percent_discount", description="打折: depth x the order off"),
    OfferType("flash_sale", description="a short, deep percent discount"),
    OfferType("coupon", description="a coupon: a fixed amount over a threshold, or a percent"),
    OfferType("points_bonus", description="loyalty points worth depth x the order"),
    OfferType("member_exclusive", description="a percent discount for members"),
    OfferType("reminder", "none", False, "a reminder (an open cart, a favourite); nothing to redeem", "zero"),
    OfferType("recommendation", "none", False, "推荐活动: recommended items; nothing to redeem", "zero"),
)
_BUILTIN_TYPES = _SEED_TYPES + (
    OfferType(
        "bogo", "fixed", True, "buy one get one: spend threshold, get amount back", "amount_over_total"
    ),
    OfferType("spend_get", "fixed", True, "spend threshold, get amount off", "amount_over_threshold"),
    OfferType("informational", "none", False, "a message with nothing to redeem", "zero"),
)

OFFER_TYPES: dict[str, OfferType] = {t.name: t for t in _BUILTIN_TYPES}
"""Registered offer types by name, in registration order (extend with :func:`register_offer_type`)."""

OFFER_CHANNELS: dict[str, str] = {
    "none": "no contact (control only)",
    "email": "e-mail",
    "sms": "text message",
    "app_push": "app push notification",
    "web": "the web site",
    "mobile": "the mobile app",
    "social": "social media",
    "mail": "post (paper mail)",
}
"""Registered channels by name with a description, in registration order (extend with
:func:`register_channel`)."""

_BUILTIN_TYPE_NAMES = frozenset(t.name for t in _BUILTIN_TYPES)
_BUILTIN_CHANNELS = frozenset(OFFER_CHANNELS)


def register_offer_type(offer_type: OfferType, *, replace: bool = False) -> OfferType:
    """Register an offer type so that catalogues may use it.

    Example: ``register_offer_type(OfferType("personalised_coupons", cost="fixed", redeemable=True))``.

    Args:
        offer_type: The type.
        replace: Replace a type of the same name registered before (built-in types cannot be replaced:
            the default catalogue and the synthetic world depend on them).

    Returns:
        The registered type.

    Raises:
        ParameterError: Not an :class:`OfferType`, or the name is taken by another definition.
    """
    if not isinstance(offer_type, OfferType):
        raise ParameterError(
            f"register_offer_type needs an OfferType, got {type(offer_type).__name__}; e.g. "
            "register_offer_type(OfferType('personalised_coupons', cost='fixed', redeemable=True))"
        )
    old = OFFER_TYPES.get(offer_type.name)
    if old is not None and old != offer_type:
        if offer_type.name in _BUILTIN_TYPE_NAMES:
            raise ParameterError(f"offer type {offer_type.name!r} is built in and cannot be redefined")
        if not replace:
            raise ParameterError(
                f"offer type {offer_type.name!r} is already registered as {old}; pass replace=True to redefine it"
            )
    OFFER_TYPES[offer_type.name] = offer_type
    return offer_type


def register_channel(name: str, description: str = "") -> str:
    """Register a contact channel so that catalogues may use it (registering a known one changes nothing).

    Args:
        name: Lower-case name (letters, digits, ``_``, ``-``, ``.``; not ``+``, which joins channels).
        description: One line for people.

    Returns:
        The name.

    Raises:
        ParameterError: On a malformed name.
    """
    _check_name(name, "channel")
    if name not in OFFER_CHANNELS:
        OFFER_CHANNELS[name] = str(description)
    return name


def get_offer_type(name: str) -> OfferType:
    """Return the registered offer type called ``name``.

    Raises:
        ParameterError: Naming the value, the known types and the call that registers a new one.
    """
    found = OFFER_TYPES.get(name) if isinstance(name, str) else None
    if found is None:
        raise ParameterError(
            f"unknown campaign type {name!r}; known types are {list(OFFER_TYPES)}; register a new one first "
            f"with campaignkit.data.catalogue.register_offer_type(OfferType({str(name)!r}, cost='fixed', "
            "redeemable=True))"
        )
    return found


def offer_depth(offer_type, threshold: float = 0.0, amount: float = 0.0, depth=None) -> float:
    """The depth of an offer (the fraction of the order it pays back), by its type's depth rule.

    ``"amount_over_total"`` (``bogo``): ``amount / (threshold + amount)`` (a BOGO 5/5 is 0.5);
    ``"amount_over_threshold"`` (``spend_get``): ``amount / threshold``; ``"zero"`` (control, reminders,
    informational): 0; ``"stated"`` (the other seed types): ``depth`` as given, or ``amount / threshold`` for
    a fixed amount over a threshold when no depth is given (``depth`` is read by this rule only). :func:`validate_catalogue` uses this to fill a
    missing or NaN ``depth``; a depth given in the catalogue is kept as is.

    Args:
        offer_type: A type name or :class:`OfferType`.
        threshold: Spend needed to redeem.
        amount: Fixed money off (or back).
        depth: The stated depth, if any (None or NaN: none).

    Returns:
        The depth.

    Raises:
        ParameterError: When the rule cannot give a depth (a stated-depth type with neither a depth nor a
            fixed amount over a threshold, a spend-get offer without a threshold).
    """
    t = offer_type if isinstance(offer_type, OfferType) else get_offer_type(offer_type)
    thr, amt = float(threshold), float(amount)
    stated = None if depth is None or pd.isna(depth) else float(depth)
    if t.depth == "zero":
        return 0.0
    if t.depth == "amount_over_total":
        return amt / (thr + amt) if thr + amt > 0 else 0.0
    if t.depth == "stated":
        if stated is not None:
            return stated
        if amt > 0 and thr > 0:
            return amt / thr
    elif thr > 0:
        return amt / thr
    elif amt == 0:
        return 0.0
    raise ParameterError(
        f"offer type {t.name!r} (depth rule {t.depth!r}): cannot give a depth from threshold {thr:g}, "
        f"amount {amt:g} and no stated depth; state the depth"
    )


def split_channels(value) -> tuple[str, ...]:
    """The channels of a catalogue's ``channel`` cell: ``"email+mobile"`` or a list, in the order given.

    Args:
        value: A string of channels joined by ``+`` (spaces around them ignored) or a list/tuple/array.

    Returns:
        The channel names, first occurrence kept where one repeats (not checked against the registry).

    Raises:
        ParameterError: On a missing value or an empty channel name.
    """
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        parts = [str(v).strip() for v in value]
    elif isinstance(value, str):
        parts = [v.strip() for v in value.split(_CHANNEL_SEP)]
    else:
        raise ParameterError(
            f"channel must be a string like 'email+mobile' or a list of names, got {value!r}"
        )
    if not parts or any(p == "" for p in parts):
        raise ParameterError(f"channel {value!r} has an empty channel name")
    return tuple(dict.fromkeys(parts))


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
        out.append(_CHANNEL_SEP.join(parts))
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


def require_seed_vocabulary(catalogue: pd.DataFrame, user: str) -> None:
    """Raise unless every row has a seed type (:data:`CAMPAIGN_TYPES`) and one seed channel (:data:`CHANNELS`).

    For code that encodes campaigns by the seed's vocabularies, such as the synthetic world.

    Args:
        catalogue: A validated catalogue.
        user: Who needs the seed vocabulary, for the message (``"the synthetic world"``).

    Raises:
        ParameterError: Naming the first row that uses another type or channel, or several channels.
    """
    for i, (t, ch) in enumerate(zip(catalogue["type"], catalogue["channel"], strict=True)):
        if t not in CAMPAIGN_TYPES or ch not in CHANNELS:
            raise ParameterError(
                f"{user} knows only the seed types {list(CAMPAIGN_TYPES)} and one seed channel of "
                f"{list(CHANNELS)} per campaign; catalogue row {i} has type {t!r} and channel {ch!r}"
            )


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
