"""Fixtures the features tests share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.features._helpers import CUT, DAY, ev


@pytest.fixture
def tiny():
    events = ev(
        [
            # user 1: views, a cart, a purchase of the carted item (2 units at 10), one abandoned cart
            (1, 40.0, "view", 100, 1, 10.0, 1),
            (1, 10.0, "view", 101, 2, 30.0, 1),
            (1, 5.0, "cart", 100, 1, 10.0, 1),
            (1, 4.0, "cart", 101, 2, 30.0, 1),
            (1, 2.0, "purchase", 100, 1, 10.0, 2),
            # user 2: two orders 20 days apart, no views
            (2, 25.0, "purchase", 200, 3, 5.0, 1),
            (2, 5.0, "purchase", 201, 3, 7.0, 3),
        ]
    )
    users = pd.DataFrame(
        {
            "user_id": np.array([3, 2, 1], dtype="int64"),  # unsorted on purpose
            "region": ["north", "south", "north"],
            "signup_ts": [CUT - 100 * DAY, CUT + 5 * DAY, CUT - 10 * DAY],
        }
    )
    return events, users
