"""Per-offer effects on a randomised log of repeated exposures, clustered by customer; single offer values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import SchemaError
from campaignkit.evaluation import offer_effects, single_offer_values
from campaignkit.metrics import difference_in_means
from tests.evaluation._waves import REVENUE_EFFECT, repeated_exposures


def test_offer_effects_pooled_and_per_wave_recover_the_planted_effects():
    _, log, catalogue = repeated_exposures(600)
    pooled = offer_effects(log, catalogue=catalogue)
    assert list(pooled.columns) == [
        "offer",
        "outcome",
        "n_offer",
        "n_control",
        "n_units",
        "mean_offer",
        "mean_control",
        "effect",
        "se",
        "ci_low",
        "ci_high",
    ]
    rev = pooled[pooled["outcome"] == "revenue"].set_index("offer")
    for offer, effect in REVENUE_EFFECT.items():
        assert rev.loc[offer, "ci_low"] < effect < rev.loc[offer, "ci_high"]
        assert rev.loc[offer, "n_offer"] + rev.loc[offer, "n_control"] == (
            log["campaign_id"].isin([offer, "control"]).sum()
        )
    # profit is computed by the kit (margin 0.35, no reward, no contact cost)
    profit = pooled[pooled["outcome"] == "profit"].set_index("offer")
    np.testing.assert_allclose(profit["effect"], 0.35 * rev["effect"])
    # the standard error is the unit-clustered one
    both = log["campaign_id"].isin(["mail_b", "control"]).to_numpy()
    d = difference_in_means(
        log["revenue"].to_numpy()[both],
        log["campaign_id"].to_numpy()[both] == "mail_b",
        groups=log["unit_id"].to_numpy()[both],
    )
    assert rev.loc["mail_b", "se"] == d.se and rev.loc["mail_b", "n_units"] == len(
        np.unique(log["unit_id"][both])
    )
    assert d.se != difference_in_means(log["revenue"][both], log["campaign_id"][both] == "mail_b").se
    waves = offer_effects(log, catalogue=catalogue, outcomes=("revenue",), by="wave")
    assert len(waves) == 2 * 3 and list(waves.columns[:3]) == ["offer", "wave", "outcome"]
    assert (waves.groupby("offer")["n_offer"].sum() == rev["n_offer"]).all()
    assert (waves["ci_low"] < waves["effect"]).all() and np.isfinite(waves["se"]).all()


def test_offer_effects_says_what_it_leaves_out_and_refuses_unknown_columns():
    _, log, catalogue = repeated_exposures(200)
    no_a_in_wave_2 = log[~((log["wave"] == 2) & (log["campaign_id"] == "mail_a"))]
    with pytest.warns(UserWarning, match=r"mail_a \(wave=2\)"):
        out = offer_effects(no_a_in_wave_2, catalogue=catalogue, outcomes=("revenue",), by="wave")
    assert len(out) == 5
    with pytest.raises(SchemaError, match="no column 'week'"):
        offer_effects(log, catalogue=catalogue, by="week")
    with pytest.raises(SchemaError, match="no outcome column 'clicks'"):
        offer_effects(log, catalogue=catalogue, outcomes=("clicks",))
    with pytest.raises(SchemaError, match="not in the catalogue"):
        offer_effects(log.replace({"campaign_id": {"mail_a": "mail_z"}}), catalogue=catalogue)
    _, plain, _ = repeated_exposures(200, with_units=False)
    with pytest.warns(UserWarning, match="users appear on several rows"):
        offer_effects(plain, catalogue=catalogue, outcomes=("revenue",))


def test_single_offer_values_is_the_self_normalised_ipw_mean_by_hand():
    _, _, catalogue = repeated_exposures(5)
    log = pd.DataFrame(
        {
            "user_id": np.arange(5),
            "campaign_id": ["mail_a", "mail_a", "control", "mail_b", "control"],
            "propensity": [0.5, 0.25, 0.5, 0.25, 0.25],
            "participated": 0,
            "converted": [1, 1, 0, 1, 1],
            "revenue": [1.0, 3.0, 2.0, 5.0, 4.0],
        }
    )
    out = single_offer_values(log, catalogue, outcome="revenue")
    assert list(out.index) == ["control", "mail_a", "mail_b"] and out.name == "revenue"
    np.testing.assert_allclose(out, [(2 / 0.5 + 4 / 0.25) / (2 + 4), (1 / 0.5 + 3 / 0.25) / (2 + 4), 5.0])
    np.testing.assert_allclose(single_offer_values(log, catalogue), 0.35 * out)  # profit by default
