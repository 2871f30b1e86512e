"""The world and its true model, shared by the forecast tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import make_world


@pytest.fixture(scope="package")
def setup():
    world = make_world(3000, random_state=3)
    users = pd.DataFrame({"user_id": world.users["user_id"].to_numpy(), "x": 0.0})
    log = world.log_randomised(random_state=4)
    ids = users["user_id"].to_numpy()
    half = np.random.default_rng(0).random(len(ids)) < 0.5
    return world, users, log, ids[half], ids[~half]
