"""The toy problem the model tests share (a module may define its own `toy` of another size)."""

from __future__ import annotations

import pytest

from campaignkit.models.toy import toy_problem


@pytest.fixture(scope="package")
def toy():
    return toy_problem(n_users=3000, random_state=1)


@pytest.fixture(scope="package")
def store(toy):
    return toy["features"], toy["sequences"]
