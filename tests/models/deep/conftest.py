"""The toy problem and a fitted deep model, shared by the deep-model tests."""

from __future__ import annotations

import pytest
import torch

from campaignkit.models import BehaviourUpliftModel
from campaignkit.models.toy import toy_problem
from tests.models.deep._helpers import SMALL

torch.set_num_threads(1)  # tiny models: one thread avoids oversubscribing 2 shared cores


@pytest.fixture(scope="package")
def toy():
    return toy_problem(n_users=1500, random_state=0)


@pytest.fixture(scope="package")
def fitted(toy):
    model = BehaviourUpliftModel(
        max_epochs=6, pretrain_epochs=2, n_ensemble=2, lr=5e-3, random_state=0, **SMALL
    )
    return model.fit((toy["features"], toy["sequences"]), toy["log"], toy["catalogue"])
