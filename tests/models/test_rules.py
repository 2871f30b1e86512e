"""Policies that predict no effect: the response-model targeting and the value-tier rule."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.errors import ParameterError
from campaignkit.models import (
    ResponseModelTargeting,
    ValueTierRule,
)
from campaignkit.models.toy import toy_problem
from tests.models._helpers import FAST


def test_response_model_contacts_the_top_share(toy, store):
    model = ResponseModelTargeting(target_share=0.3, **FAST).fit(store, toy["log"], toy["catalogue"])
    choice = model.choose(store, toy["catalogue"])
    assert abs(np.mean(choice > 0) - 0.3) < 0.02
    # users it contacts have a higher true response when contacted than those it leaves out
    contacted_response = toy["true_convert"][:, 1]
    assert contacted_response[choice > 0].mean() > contacted_response[choice == 0].mean()


def test_value_tier_rule_by_hand():
    toy = toy_problem(n_users=10, random_state=2)
    feats = toy["features"].copy()
    feats["monetary"] = np.arange(10.0)  # values 0..9
    rule = ValueTierRule(high_share=0.2, middle_share=0.3).fit((feats, toy["sequences"]))
    from campaignkit.data import default_catalogue

    cat = default_catalogue()
    choice = cat["campaign_id"].to_numpy()[rule.choose((feats, toy["sequences"]), cat)]
    # top 2 users -> the deepest 满减, next 3 -> flash sale, rest -> the untargeted coupon
    assert list(choice[8:]) == ["threshold_200_40"] * 2
    assert list(choice[5:8]) == ["flash_sale_30"] * 3
    assert list(choice[:5]) == ["coupon_5"] * 5
    with pytest.raises(ParameterError):
        ValueTierRule(value_column="nope").fit((feats, toy["sequences"]))
