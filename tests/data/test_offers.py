"""Tests of the open vocabularies: offer types, channels, depth rules."""

from __future__ import annotations

import pytest

from campaignkit.data import (
    OFFER_CHANNELS,
    OFFER_TYPES,
    OfferType,
    offer_depth,
    register_channel,
    register_offer_type,
)
from campaignkit.data.offers import split_channels
from campaignkit.errors import ParameterError


def test_offer_depth_by_type():
    assert offer_depth("bogo", 5, 5) == 0.5 and offer_depth("bogo", 10, 10) == 0.5
    assert offer_depth("spend_get", 20, 5) == 0.25 and offer_depth("informational", 0, 0) == 0
    assert offer_depth("threshold_discount", 200, 40) == 0.2
    assert offer_depth("percent_discount", depth=0.3) == 0.3 and offer_depth("reminder", depth=0.3) == 0
    with pytest.raises(ParameterError, match="spend_get"):
        offer_depth("spend_get", 0, 5)
    with pytest.raises(ParameterError, match="unknown campaign type 'lottery'"):
        offer_depth("lottery", 5, 5)


def test_registry_refuses_redefinitions_and_bad_types(registry):
    with pytest.raises(ParameterError, match="built in"):
        register_offer_type(OfferType("bogo", cost="proportional"))
    register_offer_type(OfferType("lottery", cost="fixed"))
    with pytest.raises(ParameterError, match="replace=True"):
        register_offer_type(OfferType("lottery", cost="none"))
    assert register_offer_type(OfferType("lottery", cost="none"), replace=True).cost == "none"
    with pytest.raises(ParameterError, match="cost must be one of"):
        OfferType("raffle", cost="free")
    with pytest.raises(ParameterError, match="lower-case"):
        OfferType("Big Sale")
    with pytest.raises(ParameterError, match="lower-case"):
        register_channel("email+sms")
    with pytest.raises(ParameterError, match="OfferType"):
        register_offer_type("raffle")


def test_registry_fixture_undoes_registrations(registry):
    assert "lottery" not in OFFER_TYPES and "in_store" not in OFFER_CHANNELS


def test_split_channels_keeps_the_given_order_once():
    assert split_channels("web + email+web") == ("web", "email")
    assert split_channels(["mobile", "email", "mobile"]) == ("mobile", "email")
    with pytest.raises(ParameterError, match="empty channel"):
        split_channels("email+")
    with pytest.raises(ParameterError, match="channel must be"):
        split_channels(float("nan"))
