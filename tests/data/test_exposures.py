"""Campaign logs from exposures: hand-computed outcomes, windows, propensities, control rows, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data.catalogue import default_catalogue
from campaignkit.data.exposures import LOG_COLUMNS, build_campaign_log
from campaignkit.data.schema import CAMPAIGN_LOG_COLUMNS, UNIT_COLUMN
from campaignkit.errors import ParameterError, SchemaError

W0, W1, END = (pd.Timestamp(s, tz="UTC") for s in ("2024-01-01", "2024-01-08", "2024-01-15"))
DAY = pd.Timedelta(days=1)


def _events(rows):
    df = pd.DataFrame(rows, columns=["user_id", "ts", "event_type", "price", "quantity"])
    df["item_id"], df["category"] = np.int64(1), np.int64(1)
    return df.astype({"user_id": "int64", "price": "float64", "quantity": "int64"})


@pytest.fixture
def case():
    """Customers 1-4, two waves; 4 is never exposed (a control row in each wave)."""
    exposures = pd.DataFrame(
        {
            "user_id": [1, 2, 1, 3],
            "campaign_id": ["percent_10", "coupon_5", "cart_reminder", "percent_20"],
            "sent_at": [W0, W0, W1, W1],
        }
    )
    events = _events(
        [
            (1, W0 + DAY, "purchase", 10.0, 1),  # wave 0, redeemed percent_10
            (1, W1, "purchase", 5.0, 1),  # exactly at wave 1's send: wave 1, not wave 0
            (1, W1 + DAY, "purchase", 20.0, 2),  # wave 1: 40
            (2, W0 + 2 * DAY, "view", 50.0, 1),  # not a purchase
            (3, W0 + DAY, "purchase", 7.0, 1),  # wave 0 control
            (3, W1 + 2 * DAY, "purchase", 3.0, 1),  # wave 1 percent_20
            (3, END, "purchase", 100.0, 1),  # at the horizon: outside every window
        ]
    )
    redemptions = pd.DataFrame(
        {
            "user_id": [1, 3, 2],
            "campaign_id": ["percent_10", "percent_20", "percent_10"],
            "ts": [W0 + DAY, END + DAY, W0 + DAY],  # in window; after the horizon; never sent to 2
            "reward": [2.5, 4.0, 1.0],
        }
    )
    return exposures, events, redemptions


def test_hand_computed_log(case):
    exposures, events, redemptions = case
    out = build_campaign_log(
        exposures, events, default_catalogue(), window="next_wave", population=[1, 2, 3, 4],
        redemptions=redemptions, horizon_end=END,
    )  # fmt: skip
    log = out.log
    assert list(log.columns) == list(LOG_COLUMNS) and set(CAMPAIGN_LOG_COLUMNS) <= set(log.columns)
    assert log["user_id"].tolist() == list(range(8)) and log["user_id"].dtype == np.int64
    assert log[UNIT_COLUMN].tolist() == [1, 2, 3, 4, 1, 2, 3, 4]
    assert log["campaign_id"].tolist() == [
        "percent_10", "coupon_5", "control", "control", "cart_reminder", "control", "percent_20", "control",
    ]  # fmt: skip
    assert log["participated"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert log["converted"].tolist() == [1, 0, 1, 0, 1, 0, 1, 0]
    assert log["revenue"].tolist() == [10, 0, 7, 0, 45, 0, 3, 0]
    assert log["discount_cost"].tolist() == [2.5, 0, 0, 0, 0, 0, 0, 0]
    assert log["contact_cost"].tolist() == [0.02, 0.02, 0, 0, 0.01, 0, 0.02, 0]
    expected_profit = 0.35 * log["revenue"] - log["discount_cost"] - log["contact_cost"]
    np.testing.assert_allclose(log["profit"], expected_profit)
    assert log["profit"].iloc[0] == pytest.approx(0.35 * 10 - 2.5 - 0.02)
    # design: control is half of each wave, every offer a quarter
    assert log["propensity"].tolist() == [0.25, 0.25, 0.5, 0.5, 0.25, 0.5, 0.25, 0.5]
    assert (log["target_category"] == -1).all() and log["retained"].isna().all()
    assert (
        log["window_end"].tolist() == [W1] * 4 + [END] * 4 and log["sent_at"].tolist() == [W0] * 4 + [W1] * 4
    )
    assert out.waves[["n_rows", "n_exposed", "n_control"]].to_numpy().tolist() == [[4, 2, 2], [4, 2, 2]]
    assert out.counts["propensity_source"] == "design" and out.counts["n_control_rows"] == 4
    assert (out.counts["redemptions_matched"], out.counts["redemptions_outside_window"]) == (1, 1)
    assert out.counts["redemptions_no_exposure"] == 1
    assert out.exposures.columns.tolist() == ["user_id", UNIT_COLUMN, "sent_at"]


def test_cost_model_when_no_reward_is_given(case):
    exposures, events, redemptions = case
    reminder = pd.DataFrame({"user_id": [1], "campaign_id": ["cart_reminder"], "ts": [W1 + DAY]})
    redemptions = pd.concat([redemptions.drop(columns="reward"), reminder], ignore_index=True)
    out = build_campaign_log(
        exposures, events, default_catalogue(), window="next_wave", redemptions=redemptions, horizon_end=END
    )
    # percent_10: depth 0.10 of the redeemed order's 10.0
    assert out.log["discount_cost"].tolist() == [1.0, 0, 0, 0]
    assert out.log["profit"].iloc[0] == pytest.approx(3.5 - 1.0 - 0.02)
    assert out.counts["n_control_rows"] == 0  # no population: no control rows
    # a reminder cannot be redeemed: counted, not taken as participation
    assert out.counts["redemptions_not_redeemable"] == 1 and out.log["participated"].iloc[2] == 0


@pytest.mark.parametrize(
    "column, value, rule", [("campaign_id", "nope", "unknown_campaign"), ("reward", -1.0, "range")]
)
def test_bad_redemptions_name_rule_and_row(case, column, value, rule):
    exposures, events, redemptions = case
    redemptions.loc[2, column] = value
    with pytest.raises(SchemaError) as info:
        build_campaign_log(exposures, events, default_catalogue(), window=DAY, redemptions=redemptions)
    assert (info.value.rule, info.value.column, info.value.row) == (rule, column, 2)


def test_no_redemptions_leave_participation_unobserved(case):
    exposures, events, _ = case
    with pytest.warns(UserWarning, match="no redemptions"):
        log = build_campaign_log(exposures, events, default_catalogue(), window=7 * DAY).log
    # percent_10, coupon_5, percent_20 can be redeemed: NaN; the reminder cannot: 0
    assert log["participated"].isna().tolist() == [True, True, False, True]
    assert log["participated"].iloc[2] == 0 and np.isnan(log["profit"].iloc[0])
    assert log["revenue"].tolist() == [10, 0, 45, 3]


def test_fixed_window_against_next_wave(case):
    exposures, events, redemptions = case
    log = build_campaign_log(
        exposures, events, default_catalogue(), window=DAY, redemptions=redemptions, population=[1, 2, 3, 4]
    ).log
    # [send, send + 1 day): the purchases a day after each send fall outside, the one at W1 inside
    assert log["revenue"].tolist() == [0, 0, 0, 0, 5, 0, 0, 0]
    assert log["participated"].sum() == 0  # the redemption a day after the send is outside
    assert log["window_end"].tolist() == [W0 + DAY] * 4 + [W1 + DAY] * 4
    capped = build_campaign_log(
        exposures, events, default_catalogue(), window=10 * DAY, redemptions=redemptions, horizon_end=END
    ).log
    assert capped["window_end"].tolist() == [W0 + 10 * DAY] * 2 + [END] * 2
    assert capped["revenue"].tolist() == [55, 0, 45, 3]  # wave 0 now sees wave 1's purchases too


def test_offer_duration_window(case):
    exposures, events, redemptions = case
    cat = default_catalogue()
    with pytest.raises(SchemaError, match="states no duration_days > 0"):  # the default catalogue states none
        build_campaign_log(exposures, events, cat, window="offer_duration", redemptions=redemptions)
    cat["duration_days"] = [0.0] + [2.0] * (len(cat) - 1)
    cat.loc[cat["campaign_id"] == "coupon_5", "duration_days"] = 3.0
    log = build_campaign_log(
        exposures, events, cat, window="offer_duration", redemptions=redemptions, population=[1, 2, 3, 4]
    ).log
    assert log["window_end"].tolist()[:4] == [W0 + 2 * DAY, W0 + 3 * DAY, W0 + 3 * DAY, W0 + 3 * DAY]
    assert log["revenue"].tolist() == [10, 0, 7, 0, 45, 0, 0, 0]  # control: the wave's longest offer window
    cat.loc[cat["campaign_id"] == "coupon_5", "duration_days"] = 0.0
    with pytest.raises(SchemaError, match="coupon_5"):
        build_campaign_log(exposures, events, cat, window="offer_duration")


def test_waves_given_and_propensity_given(case):
    exposures, events, redemptions = case
    exposures = exposures.assign(sent_at=exposures["sent_at"] + pd.Timedelta(hours=3), propensity=0.2)
    out = build_campaign_log(
        exposures, events, default_catalogue(), window="next_wave", population=[1, 2, 3, 4],
        redemptions=redemptions, waves=[W0, W1], horizon_end=END,
    )  # fmt: skip
    log = out.log
    assert log["wave"].tolist() == [0] * 4 + [1] * 4
    assert log["sent_at"].tolist() == [W0 + pd.Timedelta(hours=3)] * 2 + [W0] * 2 + [
        W1 + pd.Timedelta(hours=3),
        W1,
        W1 + pd.Timedelta(hours=3),
        W1,
    ]
    # wave 0's windows end at wave 1's send time; customer 1's purchase at exactly W1 comes before its own
    # wave-1 send (W1 + 3 h), so it counts for no row
    assert log["revenue"].tolist() == [10, 0, 7, 0, 40, 0, 3, 0]
    assert log["window_end"].tolist() == [W1] * 4 + [END] * 4
    assert log["propensity"].tolist() == [0.2, 0.2, 0.5, 0.5, 0.2, 0.5, 0.2, 0.5]
    assert out.counts["propensity_source"] == "given"
    mapped = build_campaign_log(
        case[0], events, default_catalogue(), window=DAY, population=[1, 2, 3, 4], redemptions=redemptions,
        propensity={"control": 0.25, "percent_10": 0.25, "percent_20": 0.25, "coupon_5": 0.25, "cart_reminder": 0.25},
    )  # fmt: skip
    assert (mapped.log["propensity"] == 0.25).all() and mapped.counts["propensity_source"] == "mapping"


def test_propensity_from_distinct_send_times_without_waves(case):
    exposures, events, redemptions = case
    exposures = exposures.iloc[[0, 1, 3]]
    log = build_campaign_log(exposures, events, default_catalogue(), window=DAY, redemptions=redemptions).log
    assert log["wave"].tolist() == [0, 0, 1] and log["propensity"].tolist() == [0.5, 0.5, 1.0]


def test_events_from_parquet_match_the_frame(case, tmp_path):
    exposures, events, redemptions = case
    events.to_parquet(tmp_path / "events.parquet")
    kw = dict(window="next_wave", population=[1, 2, 3, 4], redemptions=redemptions, horizon_end=END)
    a = build_campaign_log(exposures, events, default_catalogue(), **kw).log
    b = build_campaign_log(exposures, tmp_path / "events.parquet", default_catalogue(), **kw).log
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    "change, rule, row",
    [
        (lambda e: e.assign(sent_at=[W0, W0, W0, W1]), "duplicate", 2),  # customer 1 twice in one wave
        (
            lambda e: e.assign(campaign_id=["percent_10", "nope", "percent_10", "percent_10"]),
            "unknown_campaign",
            1,
        ),
        (lambda e: e.assign(propensity=[0.5, 0.0, 0.5, 0.5]), "range", 1),
        (lambda e: e.assign(propensity=[0.5, 0.5, 1.5, 0.5]), "range", 2),
        (lambda e: e.assign(user_id=[1, 2, 1, 9]), "unknown_user", 3),  # 9 is not in the population
        (lambda e: e.assign(sent_at=[W0, None, W1, W1]), "missing_value", 1),
        (lambda e: e.drop(columns="sent_at"), "required_column", None),
    ],
)
def test_errors_name_rule_column_and_row(case, change, rule, row):
    exposures, events, _ = case
    with pytest.raises(SchemaError) as info:
        build_campaign_log(
            change(exposures), events, default_catalogue(), window=DAY, population=[1, 2, 3, 4]
        )
    assert info.value.rule == rule and info.value.row == row


def test_argument_errors(case):
    exposures, events, _ = case
    with pytest.raises(ParameterError, match="horizon_end"):
        build_campaign_log(exposures, events, default_catalogue(), window="next_wave")
    with pytest.raises(ParameterError, match="window must be"):
        build_campaign_log(exposures, events, default_catalogue(), window="two weeks")
    with pytest.raises(ParameterError, match="no probability"):
        build_campaign_log(exposures, events, default_catalogue(), window=DAY, propensity={"percent_10": 0.5})
    with pytest.raises(SchemaError, match="empty"):
        build_campaign_log(exposures, events, default_catalogue(), window=DAY, horizon_end=W0)
    with pytest.raises(SchemaError, match="ts"):
        build_campaign_log(exposures, events.drop(columns="ts"), default_catalogue(), window=DAY)
