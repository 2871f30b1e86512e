"""Tests of the campaign catalogue and its attribute encoding."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import (
    CAMPAIGN_TYPES,
    CHANNELS,
    OFFER_CHANNELS,
    OFFER_TYPES,
    OfferType,
    campaign_feature_names,
    campaign_features,
    default_catalogue,
    make_world,
    register_channel,
    register_offer_type,
    validate_catalogue,
)
from campaignkit.data.catalogue import CATALOGUE_COLUMNS
from campaignkit.data.schema import campaign_types
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


# ---------------------------------------------------------------- the open catalogue (issue 29)

# campaign_features(default_catalogue()) and its names on main before the catalogue was opened: the synthetic
# world's models read this matrix, so it must not change by a bit.
FROZEN_NAMES = [
    "type=control",
    "type=threshold_discount",
    "type=percent_discount",
    "type=flash_sale",
    "type=coupon",
    "type=points_bonus",
    "type=member_exclusive",
    "type=reminder",
    "type=recommendation",
    "depth",
    "threshold_scaled",
    "amount_scaled",
    "channel=none",
    "channel=email",
    "channel=sms",
    "channel=app_push",
    "targets_category",
]
_T = np.eye(9)
# rows: type index, depth, threshold / 100, amount / 100, channel index, targets_category
_FROZEN_ROWS = [
    (0, 0.0, 0.0, 0.0, 0, 0.0),
    (1, 0.1, 100.0 / 100.0, 10.0 / 100.0, 3, 0.0),
    (1, 0.2, 200.0 / 100.0, 40.0 / 100.0, 3, 0.0),
    (2, 0.1, 0.0, 0.0, 1, 0.0),
    (2, 0.2, 0.0, 0.0, 1, 0.0),
    (3, 0.3, 0.0, 0.0, 2, 0.0),
    (4, 0.1, 50.0 / 100.0, 5.0 / 100.0, 1, 0.0),
    (5, 0.06, 0.0, 0.0, 3, 0.0),
    (6, 0.15, 0.0, 0.0, 1, 0.0),
    (7, 0.0, 0.0, 0.0, 3, 0.0),
    (4, 0.15, 0.0, 0.0, 3, 1.0),
    (8, 0.0, 0.0, 0.0, 3, 1.0),
]
FROZEN_FEATURES = np.array(
    [[*_T[t], d, th, am, *np.eye(4)[ch], tc] for t, d, th, am, ch, tc in _FROZEN_ROWS], dtype=np.float64
)
FROZEN_SHA256 = "92feadf3c96ef145a56e3b6d057003011160a18e5b8cf6961f43c6ad97275df5"


def starbucks_catalogue() -> pd.DataFrame:
    """The ten offers of the Starbucks portfolio (offer type, reward, difficulty, duration, channels) + control."""
    offers = [
        ("bogo_10_10_7", "bogo", 10, 10, 7, ["email", "mobile", "social"]),
        ("bogo_10_10_5", "bogo", 10, 10, 5, ["web", "email", "mobile", "social"]),
        ("info_4", "informational", 0, 0, 4, ["web", "email", "mobile"]),
        ("bogo_5_5_7", "bogo", 5, 5, 7, ["web", "email", "mobile"]),
        ("disc_20_5_10", "spend_get", 20, 5, 10, ["web", "email"]),
        ("disc_7_3_7", "spend_get", 7, 3, 7, ["web", "email", "mobile", "social"]),
        ("disc_10_2_10", "spend_get", 10, 2, 10, ["web", "email", "mobile", "social"]),
        ("info_3", "informational", 0, 0, 3, ["email", "mobile", "social"]),
        ("bogo_5_5_5", "bogo", 5, 5, 5, ["web", "email", "mobile", "social"]),
        ("disc_10_2_7", "spend_get", 10, 2, 7, ["web", "email", "mobile"]),
    ]
    rows = [("control", "control", 0.0, 0.0, 0.0, "none")] + [
        (cid, t, float(thr), float(amt), float(days), ch) for cid, t, thr, amt, days, ch in offers
    ]
    cat = pd.DataFrame(
        rows, columns=["campaign_id", "type", "threshold", "amount", "duration_days", "channel"]
    )
    return cat.assign(targets_category=False, contact_cost=0.0, margin_rate=0.35)  # no depth: filled by rule


def test_default_catalogue_features_are_frozen():
    x = campaign_features(default_catalogue())
    assert campaign_feature_names() == FROZEN_NAMES == campaign_feature_names(default_catalogue())
    assert x.dtype == np.float64 and x.shape == FROZEN_FEATURES.shape == (12, 17)
    np.testing.assert_array_equal(x, FROZEN_FEATURES)
    assert hashlib.sha256(x.tobytes()).hexdigest() == FROZEN_SHA256  # bit for bit


def test_default_catalogue_states_no_duration_and_the_seed_vocabularies():
    cat = default_catalogue()
    assert CATALOGUE_COLUMNS[-1] == "duration_days" and (cat["duration_days"] == 0).all()
    assert (
        tuple(OFFER_TYPES)[: len(CAMPAIGN_TYPES)] == CAMPAIGN_TYPES and campaign_types()[:9] == CAMPAIGN_TYPES
    )
    assert {"bogo", "spend_get", "informational"} <= set(campaign_types())
    assert tuple(OFFER_CHANNELS)[: len(CHANNELS)] == CHANNELS
    assert {"web", "mobile", "social", "mail"} <= set(OFFER_CHANNELS)


def test_starbucks_portfolio_validates_with_depths_channels_and_durations():
    cat = validate_catalogue(starbucks_catalogue())
    depth = cat.set_index("campaign_id")["depth"]
    assert depth["bogo_5_5_7"] == 0.5 and depth["bogo_10_10_5"] == 0.5  # amount / (threshold + amount)
    assert depth["disc_20_5_10"] == 0.25 and depth["disc_7_3_7"] == pytest.approx(3 / 7)  # amount / threshold
    assert depth["info_4"] == 0 and depth["control"] == 0
    assert (
        cat.loc[1, "channel"] == "email+mobile+social" and cat.loc[2, "channel"] == "web+email+mobile+social"
    )
    assert cat["duration_days"].tolist() == [0, 7, 5, 4, 7, 10, 7, 10, 3, 5, 7]
    assert list(cat.columns) == list(CATALOGUE_COLUMNS)


def test_starbucks_features_append_types_channels_and_duration():
    cat = starbucks_catalogue()
    names = campaign_feature_names(cat)
    x = campaign_features(cat)
    assert names[:17] == FROZEN_NAMES
    extra = ["type=bogo", "type=spend_get", "type=informational", "channel=web", "channel=mobile"]
    assert names[17:] == [*extra, "channel=social", "duration_scaled"] and x.shape == (11, 24)
    col = {n: x[:, i] for i, n in enumerate(names)}
    row1 = {n for n in names if n.startswith("channel=") and col[n][1] == 1}
    assert row1 == {"channel=email", "channel=mobile", "channel=social"}  # multi-hot
    assert col["type=bogo"].tolist() == [0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0]
    assert col["duration_scaled"][1] == 7 / 30 and col["channel=none"][0] == 1
    assert np.allclose(x[:, : len(CAMPAIGN_TYPES)].sum(1) + x[:, 17:20].sum(1), 1)  # one type each


def test_features_of_a_seed_catalogue_with_several_channels_keep_the_seed_columns():
    cat = default_catalogue()
    cat.loc[3, "channel"] = "email+sms+email"
    x = campaign_features(cat)
    names = campaign_feature_names(cat)
    assert names == FROZEN_NAMES
    assert validate_catalogue(cat).loc[3, "channel"] == "email+sms"
    assert x[3, names.index("channel=email")] == 1 and x[3, names.index("channel=sms")] == 1
    np.testing.assert_array_equal(np.delete(x, 3, axis=0), np.delete(FROZEN_FEATURES, 3, axis=0))


def test_features_encode_to_the_columns_a_model_was_fitted_on():
    names = campaign_feature_names(starbucks_catalogue())
    x = campaign_features(default_catalogue(), names=names)
    np.testing.assert_array_equal(x[:, :17], FROZEN_FEATURES)
    assert (x[:, 17:] == 0).all()
    with pytest.raises(ParameterError, match="type=bogo"):
        campaign_features(starbucks_catalogue(), names=FROZEN_NAMES)
    with pytest.raises(ParameterError, match="unknown feature"):
        campaign_features(default_catalogue(), names=[*FROZEN_NAMES, "colour=red"])


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("type", "lottery", r"row 4: unknown campaign type 'lottery'.*'bogo'.*register_offer_type"),
        ("channel", "pigeon", r"row 4: unknown channel 'pigeon'.*'mail'.*register_channel\('pigeon'\)"),
        ("channel", "email+pigeon", r"row 4: unknown channel 'pigeon'"),
        ("channel", "email+none", r"row 4: channel 'none' cannot be combined"),
        ("channel", "email++sms", r"row 4: .*empty channel"),
        ("depth", 1.01, r"row 4: depth must be <= 1"),
        ("duration_days", -1.0, r"row 4: column 'duration_days'"),
    ],
)
def test_open_catalogue_errors_name_the_row_and_value(column, value, message):
    cat = default_catalogue()
    cat.loc[4, column] = value
    with pytest.raises(ParameterError, match=message):
        validate_catalogue(cat)


def test_mail_channel_list_channels_and_full_depth_validate():
    cat = starbucks_catalogue()
    cat.loc[3, "channel"] = "mail"
    cat["channel"] = cat["channel"].astype(object)
    cat.at[4, "channel"] = ("mail", "web")
    cat.loc[5, ["type", "threshold", "amount"]] = ["bogo", 0.0, 5.0]  # a free item: depth 1 is allowed
    out = validate_catalogue(cat)
    assert out.loc[3, "channel"] == "mail" and out.loc[4, "channel"] == "mail+web"
    assert out.loc[5, "depth"] == 1.0
    assert "channel=mail" in campaign_feature_names(cat)


def test_missing_depth_without_a_rule_is_an_error():
    cat = default_catalogue()
    cat.loc[3, "depth"] = np.nan  # percent_10: nothing to compute a percent from
    with pytest.raises(ParameterError, match=r"row 3: depth is missing.*percent_discount"):
        validate_catalogue(cat)
    cat = default_catalogue()
    cat.loc[1, "depth"] = np.nan  # threshold 100, amount 10: amount / threshold
    assert validate_catalogue(cat).loc[1, "depth"] == 0.1


def test_registered_type_and_channel_are_accepted(registry):
    cat = starbucks_catalogue()
    cat.loc[5, ["type", "channel"]] = ["personalised_coupons", "mail+in_store"]  # spend 20, get 5
    with pytest.raises(ParameterError, match="personalised_coupons"):
        validate_catalogue(cat)
    new = OfferType("personalised_coupons", cost="fixed", redeemable=True, depth="amount_over_threshold")
    assert register_offer_type(new) is new and register_channel("in_store") == "in_store"
    assert register_offer_type(new) is new  # the same definition again changes nothing
    out = validate_catalogue(cat)
    assert out.loc[5, "depth"] == 0.25 and out.loc[5, "channel"] == "mail+in_store"
    assert "personalised_coupons" in campaign_types()
    names = campaign_feature_names(cat)
    assert names.index("type=personalised_coupons") > names.index("type=informational")
    assert "channel=in_store" in names


def test_missing_margin_warns_that_the_kit_margin_was_assumed():
    cat = default_catalogue().drop(columns="margin_rate")
    with pytest.warns(UserWarning, match=r"margin 0\.35.*assumed"):
        out = validate_catalogue(cat)
    assert (out["margin_rate"] == 0.35).all()


def test_default_catalogue_and_world_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_catalogue(default_catalogue())
        make_world(200, random_state=0)


def test_the_world_refuses_types_and_channels_it_cannot_simulate():
    with pytest.raises(
        ParameterError, match=r"synthetic world knows only the seed types.*row 1 has type 'bogo'"
    ):
        make_world(50, catalogue=starbucks_catalogue(), random_state=0)
    cat = default_catalogue()
    cat.loc[3, "channel"] = "email+sms"
    with pytest.raises(ParameterError, match=r"row 3 has type 'percent_discount' and channel 'email\+sms'"):
        make_world(50, catalogue=cat, random_state=0)
