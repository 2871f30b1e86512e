"""The deep model's datamodule: a seeded split by user."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.errors import SchemaError
from campaignkit.models import realised_discount
from campaignkit.models.deep.datamodule import BehaviourDataModule, LogTensors, UserTensors
from campaignkit.models.profit import realised_profit


def test_datamodule_split_is_seeded_and_by_user(toy):
    users = UserTensors.build(
        toy["features"], toy["sequences"], np.zeros(6), np.ones(6), toy["features"].columns
    )
    log = toy["log"].assign(
        discount=realised_discount(toy["log"], toy["catalogue"]),
        profit=realised_profit(toy["log"], toy["catalogue"]),
    )
    logt = LogTensors.build(log, users, toy["catalogue"]["campaign_id"], toy["sequences"])
    a = BehaviourDataModule(users, logt, random_state=3)
    b = BehaviourDataModule(users, logt, random_state=3)
    a.setup(), b.setup()
    np.testing.assert_array_equal(a.val_rows, b.val_rows)
    rows = logt.tensors["row"].numpy()
    assert not set(rows[a.train_rows]) & set(rows[a.val_rows])
    batch = next(iter(a.train_dataloader()))
    assert batch["tabular"].shape[1] == 6 and batch["category"].shape[1] == 12
    bad = log.assign(campaign_id="nope")
    with pytest.raises(SchemaError):
        LogTensors.build(bad, users, toy["catalogue"]["campaign_id"], toy["sequences"])
