"""The deep model's LightningModule: targets, losses, logged epoch means, model selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from campaignkit.models import BehaviourUpliftModel, realised_discount
from campaignkit.models.deep import BehaviourNet, make_trainer
from campaignkit.models.deep.datamodule import BehaviourDataModule, LogTensors, UserTensors
from campaignkit.models.deep.lightning import (
    DEFAULT_LOSS_WEIGHTS,
    SELECTION_PARTS,
    BehaviourLightningModule,
    _masked_mse,
    next_category_targets,
)
from campaignkit.models.profit import realised_profit
from tests.models.deep._helpers import SMALL, TINY


def test_next_category_targets():
    batch = {
        "category": torch.tensor([[0, 2, 3, 3], [0, 0, 0, 0]]),
        "mask": torch.tensor([[False, True, True, True], [False] * 4]),
    }
    target, has = next_category_targets(batch, n_next=3, n_categories=5)
    np.testing.assert_allclose(target[0].numpy(), [0, 0, 1 / 3, 2 / 3, 0])
    assert has.tolist() == [True, False]


def test_logged_epoch_means_are_row_weighted_means_of_the_batches(toy):
    """The parts are summed per batch and logged once per epoch: the logged value must be the exact
    row-weighted mean over the epoch's batches (checked on validation, where the weights stay fixed)."""
    users = UserTensors.build(
        toy["features"], toy["sequences"], np.zeros(6), np.ones(6), toy["features"].columns
    )
    net = BehaviourNet(toy["sequences"].vocab_sizes, 12, 6, 4, 4, TINY)
    log = toy["log"].assign(
        discount=realised_discount(toy["log"], toy["catalogue"]),
        profit=realised_profit(toy["log"], toy["catalogue"]),
    )
    logt = LogTensors.build(log, users, toy["catalogue"]["campaign_id"], toy["sequences"])
    module = BehaviourLightningModule(net, torch.randn(4, 4), stage="finetune")
    dm = BehaviourDataModule(users, logt, batch_size=64)  # the last validation batch is smaller
    trainer = make_trainer(
        max_epochs=2, accelerator="cpu", logger=False, checkpoint=False, progress_bar=False
    )
    trainer.fit(module, datamodule=dm)
    rows = trainer.history.rows
    assert len(rows) == 2 and all({"train/loss", "train/profit", "val/effect_l2"} <= set(r) for r in rows)
    logged = trainer.validate(module, datamodule=dm, verbose=False)[0]
    module.eval()
    sums, n = {}, 0
    with torch.no_grad():
        for batch in dm.val_dataloader():
            parts, k = module.finetune_losses(batch), batch["mask"].shape[0]
            sums = {key: sums.get(key, 0.0) + float(v) * k for key, v in parts.items()}
            n += k
    assert n % 64 != 0, "the check needs batches of unequal size"
    for key, total in sums.items():
        assert logged[f"val/{key}"] == pytest.approx(total / n, rel=1e-5), key


def test_masked_mse_by_hand():
    pred, target = torch.tensor([1.0, 2.0, 5.0]), torch.tensor([0.0, 0.0, 1.0])
    assert _masked_mse(pred, target, torch.tensor([1, 0, 1])).item() == pytest.approx((1 + 16) / 2)
    assert _masked_mse(pred, target, torch.zeros(3)).item() == 0.0  # no participants in the batch


def test_model_selection_watches_the_likelihood_parts(toy):
    store = (toy["features"], toy["sequences"])
    model = BehaviourUpliftModel(
        max_epochs=2, pretrain_epochs=0, monitor="val/select", isolate_profit=True, random_state=0, **SMALL
    ).fit(store, toy["log"], toy["catalogue"])
    h = model.history_.dropna(subset=["val/select"])
    w = {**DEFAULT_LOSS_WEIGHTS}
    expect = sum(w[k] * h[f"val/{k}"] for k in SELECTION_PARTS)
    np.testing.assert_allclose(h["val/select"], expect, rtol=1e-5)
    assert np.all(h["val/loss"] > h["val/select"])  # the profit errors are left out
    assert np.isfinite(model.predict_outcomes(store).profit).all()
