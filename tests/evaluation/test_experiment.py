"""world_experiment: the set-up the notebooks share, identical to doing each step by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import make_world
from campaignkit.errors import ParameterError
from campaignkit.evaluation import world_experiment
from campaignkit.features import FeatureStore, split_users


def test_world_experiment_equals_the_steps_by_hand(tmp_path):
    exp = world_experiment("t_exp", 400, random_state=3, max_len=8, root=tmp_path)
    world = make_world(400, random_state=3)
    store = FeatureStore.build(
        "t_exp_hand", world.events, world.users, world.cutoff, max_len=8, root=tmp_path
    )
    log = world.log_randomised(random_state=4)
    split = split_users(store.user_ids, val_size=0.0, test_size=0.3, random_state=3)

    pd.testing.assert_frame_equal(exp.log, log)
    for part in ("train", "val", "test"):
        np.testing.assert_array_equal(exp.split[part], split[part])
    pd.testing.assert_frame_equal(exp.train[0], store.subset(split["train"])[0])
    np.testing.assert_array_equal(exp.test[1].user_id, split["test"])
    assert set(exp.train_log["user_id"]) <= set(split["train"])
    assert len(exp.train_log) + len(exp.test_log) == len(log)
    assert exp.test_log.index.equals(pd.RangeIndex(len(exp.test_log)))
    assert exp.catalogue is exp.world.catalogue
    assert exp.store.path == tmp_path / "t_exp_400_3_8"


def test_world_experiment_refuses_a_seed_it_cannot_offset():
    with pytest.raises(ParameterError, match="random_state"):
        world_experiment("t_bad", 100, random_state=None)
