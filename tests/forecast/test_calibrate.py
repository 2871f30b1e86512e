"""Calibration strata follow the plan users' distribution."""

from __future__ import annotations

import numpy as np


def test_strata_match_the_plan_users_distribution():
    from campaignkit.forecast.calibrate import MIN_LIKE_ROWS, strata

    rng = np.random.default_rng(1)
    u_log, u_plan = rng.normal(size=5000), rng.normal(loc=1.5, size=400)
    share, members = strata(u_log, u_plan)
    assert len(share) == 5 and np.isclose(share.sum(), 1.0)
    assert np.logical_or.reduce(members).all() and sum(m.sum() for m in members) == len(u_log)
    # a plan far in the tail leaves too few logged rows per stratum: fewer strata
    share, members = strata(u_log, rng.normal(loc=3.5, size=400))
    assert len(share) < 5 and min(m.sum() for m in members) >= MIN_LIKE_ROWS
