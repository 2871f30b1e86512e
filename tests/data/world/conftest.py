"""The synthetic world the data/world tests share: built once for the package."""

from __future__ import annotations

import pytest

from campaignkit.data import make_world


@pytest.fixture(scope="package")
def world():
    return make_world(n_users=20_000, random_state=0)
