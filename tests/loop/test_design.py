"""The loop's design propensities and holdout."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.errors import ParameterError
from campaignkit.loop import (
    design_propensity,
    draw_design,
    holdout_needed,
)


def test_design_propensity_by_hand():
    k, e, h = 4, 0.2, 0.1
    planned = np.array([0, 0, 2, 2, 2])
    executed = np.array([0, 3, 2, 0, 1])
    expected = [
        e / k + (1 - e),  # planned control, got control
        e / k,  # planned control, explored into campaign 3
        e / k + (1 - e) * (1 - h),  # planned 2, sent 2
        e / k + (1 - e) * h,  # planned 2, held out (or explored into control)
        e / k,  # planned 2, explored into campaign 1
    ]
    np.testing.assert_allclose(
        design_propensity(planned, executed, explore=e, holdout=h, n_campaigns=k), expected
    )


def test_design_propensities_sum_to_one_and_match_frequencies():
    k, e, h = 5, 0.1, 0.2
    # the design's probabilities over every campaign a user could get sum to 1
    for c in range(k):
        p = [design_propensity([c], [a], explore=e, holdout=h, n_campaigns=k)[0] for a in range(k)]
        assert sum(p) == pytest.approx(1.0)
    # and they are the frequencies the draw produces
    planned = np.repeat(np.arange(k), 40_000)
    d = draw_design(planned, explore=e, holdout=h, n_campaigns=k, rng=np.random.default_rng(0))
    assert ((d.propensity > 0) & (d.propensity <= 1)).all()
    for c in (0, 3):
        got = d.executed[planned == c]
        for a in range(k):
            p = design_propensity([c], [a], explore=e, holdout=h, n_campaigns=k)[0]
            assert np.mean(got == a) == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / got.size) + 1e-9)
    assert not (d.held & d.explored).any() and not d.held[planned == 0].any()


def test_holdout_needed():
    z = 1.959964 + 0.841621
    # a huge contacted group: n0 = (z s0 / d)^2
    assert holdout_needed(0.5, 1.0, 2.0, 10**12) == pytest.approx(np.ceil((z * 2.0 / 0.5) ** 2))
    assert holdout_needed(0.0, 1.0, 1.0, 100) == np.inf
    assert holdout_needed(0.01, 5.0, 1.0, 100) == np.inf  # the contacted group alone is too noisy
    with pytest.raises(ParameterError, match="n_contacted"):
        holdout_needed(1.0, 1.0, 1.0, 0)
