"""Fixtures of the data tests."""

from __future__ import annotations

import pytest

from campaignkit.data.offers import OFFER_CHANNELS, OFFER_TYPES


@pytest.fixture
def registry():
    """Undo what a test registers."""
    types, channels = dict(OFFER_TYPES), dict(OFFER_CHANNELS)
    yield
    OFFER_TYPES.clear()
    OFFER_TYPES.update(types)
    OFFER_CHANNELS.clear()
    OFFER_CHANNELS.update(channels)
