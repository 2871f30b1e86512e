"""Campaign economics: realised discount and profit, the mediated profit identity, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data.catalogue import OFFER_TYPES, OfferType
from campaignkit.errors import ParameterError
from campaignkit.models import realised_discount
from campaignkit.models.profit import mediated_profit, realised_profit


def test_realised_discount_by_hand(toy):
    cat = toy["catalogue"]
    log = pd.DataFrame(
        {
            "campaign_id": ["control", "percent_10", "threshold_100_20", "percent_10"],
            "participated": [True, True, True, False],
            "converted": [True, True, True, True],
            "revenue": [50.0, 50.0, 120.0, 50.0],
        }
    )
    # control pays nothing; 10% of 50; the fixed 20; not participating pays nothing
    np.testing.assert_allclose(realised_discount(log, cat), [0.0, 5.0, 20.0, 0.0])
    # profit = 0.35 x revenue - discount - contact cost
    np.testing.assert_allclose(realised_profit(log, cat), [17.5, 12.48, 21.99, 17.48])


def test_mediated_profit_by_hand():
    # user 0: nobody takes part under control -> b + p (v - b) - (1 - p) c = 2 + 0.5 * 8 - 0.5 * 1 = 5.5
    # user 1: half take part under control with v0 = 6, so non-participants earn n0 = (4 - 3) / 0.5 = 2;
    #         campaign: 0.8 * 10 + 0.2 * (2 - 1) = 8.2
    b = np.array([2.0, 4.0])
    p = np.array([[0.0, 0.5], [0.5, 0.8]])
    v = np.array([[0.0, 10.0], [6.0, 10.0]])
    out = mediated_profit(b, p, v, np.array([0.0, 1.0]))
    np.testing.assert_allclose(out, [[2.0, 5.5], [4.0, 8.2]])


def test_mediated_profit_scales_what_nonparticipants_earn():
    # r = 0.5 for the campaign: 0.5 * 10 + 0.5 * (0.5 * 2 - 1) = 5.0; control keeps b
    out = mediated_profit(
        np.array([2.0]),
        np.array([[0.0, 0.5]]),
        np.array([[0.0, 10.0]]),
        np.array([0.0, 1.0]),
        control_takes_part=False,
        nonparticipant_scale=np.array([1.0, 0.5]),
    )
    np.testing.assert_allclose(out, [[2.0, 5.0]])


def _offers() -> pd.DataFrame:
    """Control, a BOGO 5/5, a spend-20-get-5, an informational message, a reminder stating a depth."""
    return pd.DataFrame(
        {
            "campaign_id": ["control", "bogo_5_5", "spend_20_5", "info", "reminder"],
            "type": ["control", "bogo", "spend_get", "informational", "reminder"],
            "depth": [0.0, 0.5, 0.25, 0.0, 0.1],
            "threshold": [0.0, 5.0, 20.0, 0.0, 0.0],
            "amount": [0.0, 5.0, 5.0, 0.0, 0.0],
            "channel": ["none", "email+mobile", "web", "email", "sms"],
            "targets_category": False,
            "contact_cost": [0.0, 0.0, 0.5, 0.0, 0.0],
            "margin_rate": 0.35,
        }
    )


def _redeemed(ids, revenue) -> pd.DataFrame:
    return pd.DataFrame({"campaign_id": ids, "participated": True, "converted": True, "revenue": revenue})


def test_realised_discount_follows_each_offer_types_cost_rule():
    log = _redeemed(["control", "bogo_5_5", "spend_20_5", "info", "reminder", "bogo_5_5"], 40.0)
    log.loc[5, "converted"] = False
    # BOGO and spend-get pay their fixed reward whatever the order; informational messages and reminders
    # cannot be redeemed (the reminder's stated depth pays nothing); an unconverted row pays nothing
    np.testing.assert_array_equal(realised_discount(log, _offers()), [0.0, 5.0, 5.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(realised_profit(log, _offers()), [14.0, 9.0, 8.5, 14.0, 14.0, 14.0])


def test_realised_discount_of_registered_types(monkeypatch):
    monkeypatch.setitem(OFFER_TYPES, "cashback", OfferType("cashback", cost="proportional"))
    monkeypatch.setitem(OFFER_TYPES, "voucher", OfferType("voucher", cost="fixed"))
    cat = _offers().assign(type=["control", "cashback", "voucher", "informational", "reminder"])
    log = _redeemed(["bogo_5_5", "spend_20_5"], [40.0, 40.0])
    # cashback: depth 0.5 x 40 (its amount 5 ignored); voucher: the fixed 5 (its depth ignored)
    np.testing.assert_array_equal(realised_discount(log, cat), [20.0, 5.0])
    with pytest.raises(ParameterError, match="unknown campaign type 'raffle'"):
        realised_discount(log, cat.assign(type=["control", "raffle", "voucher", "informational", "reminder"]))


def test_logged_discount_cost_is_used_as_is():
    log = _redeemed(["bogo_5_5", "spend_20_5"], [40.0, 40.0]).assign(discount_cost=[1.25, 0.0])
    np.testing.assert_array_equal(realised_discount(log, _offers()), [1.25, 0.0])
    np.testing.assert_allclose(realised_profit(log, _offers()), [14.0 - 1.25, 14.0 - 0.5])


def test_seed_types_pay_as_before(toy):
    # amount when > 0, else depth x revenue - the same numbers with or without the type column
    log = _redeemed(
        ["control", "percent_10", "threshold_100_20", "category_coupon"], [50.0, 50.0, 120.0, 80.0]
    )
    cat = toy["catalogue"]
    expect = np.array([0.0, 0.1 * 50.0, 20.0, 0.15 * 80.0])
    np.testing.assert_array_equal(realised_discount(log, cat), expect)
    np.testing.assert_array_equal(realised_discount(log, cat.drop(columns="type")), expect)


def test_profit_without_a_margin_warns_that_the_kit_margin_was_assumed():
    log = _redeemed(["bogo_5_5"], [40.0])
    with pytest.warns(UserWarning, match=r"margin 0\.35.*assumed"):
        profit = realised_profit(log, _offers().drop(columns="margin_rate"))
    np.testing.assert_allclose(profit, [0.35 * 40.0 - 5.0])


def test_a_fitted_model_scores_a_new_catalogue_on_its_own_attribute_columns():
    """Fitted on BOGO and informational offers, a model scores a BOGO configuration it never saw (encoded to the
    fitted columns); an offer type the fitted catalogue lacks is named in a clear error, not a width mismatch."""
    from campaignkit.models import Boosting, SLearner
    from tests.evaluation._waves import repeated_exposures

    users, log, _ = repeated_exposures(200, with_units=True)
    cat = pd.DataFrame(
        {
            "campaign_id": ["control", "mail_a", "mail_b"],
            "type": ["control", "bogo", "informational"],
            "threshold": [0.0, 5.0, 0.0],
            "amount": [0.0, 5.0, 0.0],
            "channel": ["none", "email+mobile", "web"],
            "targets_category": False,
            "contact_cost": 0.0,
            "margin_rate": 0.35,
            "duration_days": [0.0, 7.0, 3.0],
        }
    )
    model = SLearner(boosting=Boosting(max_iter=5)).fit(users, log, cat)
    new = cat.iloc[[0, 1]].assign(
        campaign_id=["control", "bogo_8_8"], threshold=[0.0, 8.0], amount=[0.0, 8.0]
    )
    pred = model.predict_outcomes(users, new)
    assert pred.profit.shape == (len(users), 2) and np.isfinite(pred.profit).all()
    other = cat.iloc[[0, 1]].assign(campaign_id=["control", "spend_10_2"], type=["control", "spend_get"])
    with pytest.raises(ParameterError, match="spend_get"):
        model.predict_outcomes(users, other)
