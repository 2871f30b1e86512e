"""Campaign economics: realised discount and profit, the mediated profit identity, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
