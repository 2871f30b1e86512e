"""World summaries against the world's truth, and the plots that draw them."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import response_type_shares
from campaignkit.data.world import compare_log_to_truth
from campaignkit.data.world.summary import events_by_weekday, funnel
from campaignkit.errors import ParameterError

Z95 = 1.959963984540054  # normal 0.975 quantile


def test_summaries_and_plots(world):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from campaignkit.data.world import compare_log_to_truth, plots, sequence_signal, uplift_summary

    sig = sequence_signal(world).set_index("campaign_id")
    assert sig.loc["cart_reminder", "gain"] > 0.3
    assert sig.loc["percent_20", "gain"] > 0.01  # a slowing rhythm predicts the retention effect
    assert sig.loc["category_coupon", "gain"] > 0.01  # recent views reveal the shifted taste
    log = world.log_randomised(random_state=4)
    check = compare_log_to_truth(world, log, "convert")
    assert len(check) == len(world.campaign_ids) - 1 and (check["se"] > 0).all()
    summ = uplift_summary(world, "convert")
    assert np.allclose(summ["ate"], world.true_uplift("convert", campaign_ids=world.campaign_ids[1:]).mean(0))

    def bars(ax, size="height"):
        return np.array([getattr(b, f"get_{size}")() for b in ax.patches])

    ax = plots.plot_events_per_user(world.events, world.n_users)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert bars(ax).sum() == world.events["user_id"].nunique()  # every active user in one bin
    week = events_by_weekday(world.events)
    np.testing.assert_allclose(bars(plots.plot_weekday(week)), week.to_numpy())
    table = funnel(world.events)
    np.testing.assert_allclose(bars(plots.plot_funnel(table), "width"), table["users"].to_numpy()[::-1])
    up = np.zeros((10, 2)) + [0.1, -0.1]
    ax = plots.plot_uplift_distribution(up, ["a", "b"])
    np.testing.assert_allclose(ax.collections[-1].get_offsets()[:, 0], up.mean(0))
    shares = response_type_shares(world)
    ax = plots.plot_response_types(shares)
    np.testing.assert_allclose(bars(ax, "width")[: len(shares)], shares["sure_thing"].to_numpy())
    ax = plots.plot_log_vs_truth(check)
    np.testing.assert_allclose(ax.collections[-1].get_offsets()[:, 0], check["truth"].to_numpy())
    plt.close("all")


def _stub_world(campaign_ids, exact):
    """Just what compare_log_to_truth reads: the campaign ids and each arm's expected outcome."""
    return SimpleNamespace(
        campaign_ids=campaign_ids, expected_outcomes=lambda: {"convert": np.array([exact])}
    )


def test_compare_log_to_truth_by_hand():
    world = _stub_world(["control", "a", "b", "c"], [0.25, 0.5, 0.25, 0.0])
    log = pd.DataFrame(
        {"campaign_id": ["control"] * 4 + ["a"] * 4 + ["b"], "converted": [0, 1, 0, 0, 1, 1, 0, 1, 1]}
    )
    table = compare_log_to_truth(world, log, "convert")
    assert table.index.tolist() == ["a", "b"]  # c has no row
    a = table.loc["a"]
    # treated 3 of 4, control 1 of 4; ddof=1 variances 0.25 each -> se^2 = 0.25/4 + 0.25/4
    se = math.sqrt(0.125)
    assert (a["n"], a["estimate"], a["truth"]) == (4, 0.5, 0.25)
    assert a["se"] == pytest.approx(se, rel=1e-15)
    assert a["ci_low"] == pytest.approx(0.5 - Z95 * se, rel=1e-15) and a["covered"]
    assert (
        table.loc["b", "estimate"] == 0.75
        and math.isnan(table.loc["b", "se"])
        and not table.loc["b", "covered"]
    )
    with pytest.raises(ParameterError, match="no 'control' row"):
        compare_log_to_truth(world, log[log["campaign_id"] != "control"], "convert")
