"""A small world with a feature store, and fitted models to explain, built once for the package."""

from __future__ import annotations

import pytest

from campaignkit.data import make_world
from campaignkit.features import FeatureStore
from campaignkit.models import BehaviourUpliftModel, Boosting, MediatedLearner
from tests.explain._helpers import N_USERS


@pytest.fixture(scope="package")
def world_data(tmp_path_factory):
    world = make_world(N_USERS, random_state=0)
    store = FeatureStore.build(
        "test_explain",
        world.events,
        world.users,
        world.cutoff,
        max_len=16,
        root=tmp_path_factory.mktemp("fs"),
    )
    data = store.subset(store.user_ids)
    log = world.log_randomised(random_state=1)
    return world, data, log


@pytest.fixture(scope="package")
def mediated(world_data):
    world, data, log = world_data
    return MediatedLearner(boosting=Boosting(max_iter=40), random_state=0).fit(data, log, world.catalogue)


@pytest.fixture(scope="package")
def deep(world_data):
    world, data, log = world_data
    return BehaviourUpliftModel(
        max_epochs=1, pretrain_epochs=1, d_model=16, n_layers=1, accelerator="cpu", random_state=0
    ).fit(data, log, world.catalogue)
