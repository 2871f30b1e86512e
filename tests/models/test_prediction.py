"""The prediction object: the average of several predictions."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.errors import ParameterError
from campaignkit.models import Prediction


def test_average_of_predictions_keeps_the_spread_with_its_ddof():
    def pred(v):
        full = np.full((2, 3), v)
        return Prediction(np.arange(2), ("control", "a", "b"), *(full for _ in range(6)), extra={"e": full})

    with pytest.raises(ParameterError, match="no predictions"):
        Prediction.average([])
    mean = Prediction.average([pred(1.0), pred(3.0)])
    np.testing.assert_allclose(mean.profit, 2.0)
    np.testing.assert_allclose(mean.extra["e"], 2.0)
    np.testing.assert_allclose(mean.std["profit"], 1.0)  # the members' own spread
    np.testing.assert_allclose(mean.std["e"], 1.0)
    np.testing.assert_allclose(mean.std["profit_uplift"], 0.0)  # every campaign moved with control
    np.testing.assert_allclose(Prediction.average([pred(1.0), pred(3.0)], ddof=1).std["profit"], np.sqrt(2.0))
    assert Prediction.average([pred(1.0)], ddof=1).std == {}  # no sample spread from one prediction
    assert mean.retain is None
