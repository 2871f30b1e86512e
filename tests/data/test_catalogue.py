"""Tests of the campaign catalogue and its attribute encoding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import (
    CAMPAIGN_TYPES,
    campaign_feature_names,
    campaign_features,
    default_catalogue,
    make_world,
    validate_catalogue,
)
from campaignkit.data.catalogue import CATALOGUE_COLUMNS
from campaignkit.errors import ParameterError


def test_default_catalogue_covers_the_seed_types():
    cat = default_catalogue()
    assert list(cat.columns) == list(CATALOGUE_COLUMNS)
    assert cat.loc[0, "campaign_id"] == "control" and cat.loc[0, "contact_cost"] == 0
    assert len(cat) >= 11 and cat["campaign_id"].is_unique
    assert set(CAMPAIGN_TYPES) == set(cat["type"])  # every type, recommendation included
    assert (cat["type"] == "threshold_discount").sum() == 2 and (cat["type"] == "percent_discount").sum() == 2
    assert set(cat.loc[cat["targets_category"], "campaign_id"]) == {"category_coupon", "recommendation_push"}
    assert (cat.loc[1:, "contact_cost"] > 0).all()
    assert cat["targets_category"].dtype == bool and cat["depth"].dtype == np.float64


def test_campaign_features_encode_attributes():
    cat = default_catalogue()
    x = campaign_features(cat)
    names = campaign_feature_names()
    assert x.shape == (len(cat), len(names)) and x.dtype == np.float64
    types = x[:, : len(CAMPAIGN_TYPES)]
    assert np.allclose(types.sum(1), 1)
    assert types[0, CAMPAIGN_TYPES.index("control")] == 1
    assert np.allclose(x[:, names.index("depth")], cat["depth"])
    assert np.allclose(x[:, names.index("threshold_scaled")], cat["threshold"] / 100)
    assert np.allclose(x[:, names.index("targets_category")], cat["targets_category"])
    assert len({tuple(r) for r in x}) == len(cat)  # every configuration is distinguishable


def test_unseen_configuration_is_scored_by_its_attributes():
    cat = pd.concat(
        [
            default_catalogue(),
            pd.DataFrame(
                [
                    {
                        "campaign_id": "percent_35_sms",
                        "type": "percent_discount",
                        "depth": 0.35,
                        "threshold": 0.0,
                        "amount": 0.0,
                        "channel": "sms",
                        "targets_category": False,
                        "contact_cost": 0.08,
                        "margin_rate": 0.35,
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    w = make_world(2_000, catalogue=cat, random_state=0)
    up = w.true_uplift("participate", campaign_ids=["percent_20", "percent_35_sms"])
    assert np.isfinite(up).all() and up[:, 1].mean() > 0


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("type", "lottery", "unknown campaign type"),
        ("channel", "pigeon", "unknown channel"),
        ("depth", 1.5, "depth"),
        ("contact_cost", -1.0, "contact_cost"),
        ("campaign_id", "percent_10", "duplicate"),
    ],
)
def test_bad_catalogue_rows(column, value, message):
    cat = default_catalogue()
    cat.loc[4, column] = value
    with pytest.raises(ParameterError, match=message):
        validate_catalogue(cat)


def test_catalogue_needs_control_first():
    cat = default_catalogue().iloc[1:]
    with pytest.raises(ParameterError, match="row 0"):
        validate_catalogue(cat)
    with pytest.raises(ParameterError, match="missing column"):
        validate_catalogue(default_catalogue().drop(columns="channel"))
