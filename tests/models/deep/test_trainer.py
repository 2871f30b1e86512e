"""The trainer factory: quick settings and the logged keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from campaignkit.models.deep import BehaviourNet, make_trainer
from campaignkit.models.deep.datamodule import BehaviourDataModule, UserTensors
from campaignkit.models.deep.lightning import BehaviourLightningModule
from tests.models.deep._helpers import TINY


def test_trainer_factory_quick_and_log_keys(toy, tmp_path):
    trainer = make_trainer(quick=True, accelerator="cpu")
    assert trainer.max_epochs == 1 and trainer.logger is None
    assert trainer.precision == "32-true"
    users = UserTensors.build(
        toy["features"], toy["sequences"], np.zeros(6), np.ones(6), toy["features"].columns
    )
    net = BehaviourNet(toy["sequences"].vocab_sizes, 12, 6, 4, 4, TINY)
    module = BehaviourLightningModule(net, torch.randn(4, 4), stage="pretrain")
    trainer = make_trainer(
        max_epochs=2,
        accelerator="cpu",
        root_dir=tmp_path,
        progress_bar=False,
        limit_train_batches=2,
        limit_val_batches=1,
    )
    trainer.fit(module, datamodule=BehaviourDataModule(users, None, batch_size=64))
    metrics = pd.read_csv(next(tmp_path.rglob("metrics.csv")))
    assert {"train/loss", "val/loss", "val/next_category", "val/masked_category"} <= set(metrics.columns)
    assert list(tmp_path.rglob("*.ckpt")), "a checkpoint is written"
    assert trainer.best_weights.best_state is not None
    assert len(trainer.history.rows) == 2
