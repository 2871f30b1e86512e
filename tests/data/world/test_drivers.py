"""The true drivers of each campaign's effect, read from the world's structural equations."""

from __future__ import annotations

import pytest

from campaignkit.data.world import campaign_drivers
from campaignkit.errors import ParameterError


def test_campaign_drivers_follow_the_equations():
    from campaignkit.data.catalogue import default_catalogue

    d = campaign_drivers(default_catalogue(), "participate")
    spec = d[d["role"] == "specific"].groupby("campaign_id")["driver"].apply(set)
    assert spec["cart_reminder"] == {"open_cart"}
    assert spec["member_exclusive_15"] == {"value_sensitivity", "tier"}
    assert spec["recommendation_push"] == {"category_interest"}
    assert "control" not in set(d["campaign_id"])
    prof = campaign_drivers(default_catalogue(), "profit")
    assert {"fatigue", "spend_level"} <= set(prof.loc[prof["campaign_id"] == "percent_10", "driver"])
    with pytest.raises(ParameterError):
        campaign_drivers(default_catalogue(), "revenue")
