"""A tiny world and one loop run over it, built once for the package."""

from __future__ import annotations

import pytest

from campaignkit.data import make_world
from campaignkit.data.catalogue import default_catalogue
from tests.loop._helpers import ARMS, N_ROUNDS, _loop


@pytest.fixture(scope="package")
def world():
    # a tiny world with three campaigns: every fold model fits a few dozen small boosting models, in seconds
    catalogue = default_catalogue()
    return make_world(400, random_state=2, catalogue=catalogue[catalogue["campaign_id"].isin(ARMS)])


@pytest.fixture(scope="package")
def result(world):
    return _loop().run(world, N_ROUNDS)
