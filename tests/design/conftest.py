"""The world's exact assignment problem, shared by the design tests."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.data import make_world
from campaignkit.evaluation import true_problem


@pytest.fixture(scope="package")
def world_problem():
    world = make_world(1_000, random_state=3)
    ids = np.arange(world.n_users)
    segment = np.array(["a", "b", "c"], dtype=object)[ids % 3]
    prob = true_problem(world, ids, segment=segment)
    best = prob.value.argmax(axis=1)
    on = prob.value.max(axis=1) > 0
    full = float(prob.spend[np.arange(len(ids)), best][on].astype(np.float64).sum())
    return prob, full
