"""The forecast audit: the coverage curve of calibrated runs."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_coverage_curve_of_calibrated_runs_follows_the_diagonal():
    from campaignkit.forecast.audit import coverage_curve

    rng = np.random.default_rng(0)
    n = 4000
    model_sd, sampling_sd = rng.uniform(1, 3, n), rng.uniform(1, 3, n)
    forecast = rng.normal(size=n) * 10
    realised = forecast + rng.normal(size=n) * np.hypot(model_sd, sampling_sd)
    runs = pd.DataFrame(
        {
            "incremental_profit_forecast": forecast,
            "incremental_profit_realised": realised,
            "incremental_profit_model_sd": model_sd,
            "incremental_profit_sampling_sd": sampling_sd,
        }
    )
    curve = coverage_curve(runs)
    assert np.allclose(curve["empirical"], curve["nominal"], atol=0.03)
    runs["incremental_profit_model_sd"] /= 3  # over-confident intervals cover less than they say
    assert (coverage_curve(runs)["empirical"] < curve["nominal"] - 0.05).all()
