"""Offer types and contact channels as data: the open vocabularies of the campaign catalogue.

An offer type is an :class:`OfferType` in the registry :data:`OFFER_TYPES`: its name, how a redemption's
cost is computed (``cost``, one of :data:`COST_RULES`), whether anybody can redeem (complete) it at all
(``redeemable``) and how its depth is defined (``depth``, one of :data:`DEPTH_RULES`, see
:func:`offer_depth`). Built in are the nine types of the kit's seed catalogue (:data:`CAMPAIGN_TYPES`) plus
``bogo`` (buy one get one: spend ``threshold``, get ``amount`` back; depth ``amount / (threshold +
amount)``), ``spend_get`` (spend ``threshold``, get ``amount`` off; depth ``amount / threshold``) and
``informational`` (a message nobody can redeem). Channels live in :data:`OFFER_CHANNELS`: the seed's
:data:`CHANNELS` plus ``web``, ``mobile``, ``social`` and ``mail``; a campaign may use several, joined by
``+`` (:func:`split_channels`). Add your own before validating a catalogue that uses them::

    register_offer_type(OfferType("personalised_coupons", cost="fixed", redeemable=True))
    register_channel("in_store")

Cost of a redemption (a logged row that participated and converted), by the type's ``cost`` rule:
``"fixed"`` pays the row's ``amount``; ``"proportional"`` pays ``depth`` x the order's revenue;
``"amount_or_depth"`` (the seed types) pays ``amount`` when it is > 0, else ``depth`` x revenue;
``"none"`` pays nothing, and neither does a type that is not ``redeemable``. See
:func:`campaignkit.models.profit.realised_discount`. Everything here is re-exported by
:mod:`campaignkit.data.catalogue`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError

__all__ = [
    "CAMPAIGN_TYPES",
    "CHANNELS",
    "CHANNEL_SEPARATOR",
    "COST_RULES",
    "DEPTH_RULES",
    "OFFER_CHANNELS",
    "OFFER_TYPES",
    "OfferType",
    "get_offer_type",
    "offer_depth",
    "register_channel",
    "register_offer_type",
    "require_seed_vocabulary",
    "split_channels",
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
the encodings the synthetic world and :func:`~campaignkit.data.catalogue.campaign_features` use. Every registered type:
:data:`OFFER_TYPES` (or :func:`campaignkit.data.schema.campaign_types`)."""

CHANNELS: tuple[str, ...] = ("none", "email", "sms", "app_push")
"""Contact channels of the seed's catalogue; ``none`` is reserved for control. Every registered channel:
:data:`OFFER_CHANNELS`."""

COST_RULES: tuple[str, ...] = ("amount_or_depth", "fixed", "proportional", "none")
"""How an offer type's redemption cost is computed (see the module docstring)."""

DEPTH_RULES: tuple[str, ...] = ("stated", "amount_over_threshold", "amount_over_total", "zero")
"""How an offer type's depth is defined (see :func:`offer_depth`)."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
CHANNEL_SEPARATOR = "+"
"""Joins the channels of a campaign that uses several (``"email+mobile"``)."""


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
        parts = [v.strip() for v in value.split(CHANNEL_SEPARATOR)]
    else:
        raise ParameterError(
            f"channel must be a string like 'email+mobile' or a list of names, got {value!r}"
        )
    if not parts or any(p == "" for p in parts):
        raise ParameterError(f"channel {value!r} has an empty channel name")
    return tuple(dict.fromkeys(parts))


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
