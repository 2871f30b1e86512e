"""The world and its true model, shared by the forecast tests."""

from __future__ import annotations

import pytest

from tests.forecast._helpers import world_setup


@pytest.fixture(scope="package")
def setup():
    return world_setup(3000, seed=3, train_share=0.5, split_seed=0)
