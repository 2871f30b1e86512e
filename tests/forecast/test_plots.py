"""The forecast plots draw."""

from __future__ import annotations

import pandas as pd

from campaignkit.forecast import (
    crossfit,
    forecast_check,
    forecast_plan,
    realised_lift,
)
from tests.forecast._helpers import WorldModel, _plan


def test_forecast_plots_draw(setup):
    import matplotlib

    matplotlib.use("Agg")
    from campaignkit.forecast.audit import coverage_curve
    from campaignkit.forecast.plots import plot_coverage, plot_forecast_check, plot_plan_values

    world, users, log, a, b = setup
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], log[log.user_id.isin(a)], world.catalogue)
    plan = _plan(world, b)
    fc = forecast_plan(cf, users[users.user_id.isin(b)], plan, holdout=0.3)
    real = realised_lift(world.run_plan(plan, holdout=0.3, random_state=1))
    ax = plot_forecast_check(forecast_check(fc, real, world.evaluate_plan(plan)))
    assert len(ax.get_yticklabels()) == 5
    runs = pd.DataFrame(
        {f"incremental_profit_{k}": [1.0, 2.0] for k in ("forecast", "realised", "model_sd", "sampling_sd")}
    )
    assert plot_coverage({"x": coverage_curve(runs)}).get_xlabel() == "nominal coverage"
    table = pd.DataFrame({"label": ["a"], "value": [1.0], "lower": [0.0], "upper": [2.0]})
    assert plot_plan_values(table, truth={"a": 1.0}).get_xlabel().startswith("incremental")
