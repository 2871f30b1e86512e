"""The one trainer factory: CPU, one GPU (bf16-mixed) or DDP with the same code.

``make_trainer(quick=True)`` holds the quick settings used by tests and quick mode (one epoch, a few
batches, no logger, no checkpoint files, no progress bar).
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback, EarlyStopping, ModelCheckpoint, TQDMProgressBar
from pytorch_lightning.loggers import CSVLogger

from campaignkit.errors import ParameterError

__all__ = ["make_trainer", "resolve_accelerator", "BestWeights", "History"]


class BestWeights(Callback):
    """Keep, in memory, the weights of the epoch with the lowest ``monitor`` value.

    Args:
        monitor: Logged metric to minimise (e.g. ``"val/loss"``).
    """

    def __init__(self, monitor: str = "val/loss"):
        self.monitor = monitor
        self.best_score = float("inf")
        self.best_epoch = -1
        self.best_state = None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        value = trainer.callback_metrics.get(self.monitor)
        if value is None:
            return
        value = float(value)
        if value < self.best_score:
            self.best_score, self.best_epoch = value, trainer.current_epoch
            self.best_state = {k: v.detach().cpu().clone() for k, v in pl_module.state_dict().items()}

    def restore(self, pl_module: pl.LightningModule) -> None:
        """Load the best weights into ``pl_module`` (no-op if none were recorded)."""
        if self.best_state is not None:
            pl_module.load_state_dict(copy.deepcopy(self.best_state))


def resolve_accelerator(accelerator: str = "auto") -> str:
    """Return ``"gpu"`` when ``accelerator`` is ``"auto"`` and CUDA is available, else ``"cpu"``."""
    if accelerator == "auto":
        return "gpu" if torch.cuda.is_available() else "cpu"
    if accelerator in ("cuda", "gpu"):
        return "gpu"
    return accelerator


def make_trainer(
    *,
    max_epochs: int = 10,
    accelerator: str = "auto",
    devices="auto",
    strategy="auto",
    num_nodes: int = 1,
    precision=None,
    quick: bool = False,
    root_dir: str | Path | None = None,
    name: str = "behaviour",
    monitor: str = "val/loss",
    patience: int | None = 3,
    checkpoint: bool = True,
    logger: bool = True,
    progress_bar: bool = True,
    deterministic: bool = False,
    **kwargs,
) -> pl.Trainer:
    """Build a ``pytorch_lightning.Trainer`` with the kit's callbacks.

    Args:
        max_epochs: Epoch limit (early stopping may stop sooner).
        accelerator: ``"auto"`` (one GPU if CUDA is there, else CPU), ``"cpu"`` or ``"gpu"``.
        devices: Devices per node (``"auto"``, an int or a list).
        strategy: ``"auto"``, ``"ddp"`` (gloo on CPU, NCCL on GPU), ``"ddp_spawn"``, or a strategy object.
        num_nodes: Nodes for multi-node DDP.
        precision: ``None`` picks ``"bf16-mixed"`` on a GPU that supports it, else ``"32-true"``.
        quick: Test settings: 1 epoch, at most 4 batches per split, no logger, checkpoint or progress bar.
        root_dir: Where the CSV logs and checkpoints go (a temporary Lightning default when None).
        name: Sub-folder name of the CSV logger.
        monitor: Metric watched by early stopping, checkpointing and :class:`BestWeights`.
        patience: Early-stopping patience in epochs (None: no early stopping, e.g. without validation).
        checkpoint: Save the best checkpoint (``ModelCheckpoint``) under ``root_dir``.
        logger: Log every metric with ``CSVLogger`` (``metrics.csv``).
        progress_bar: Show a tqdm progress bar.
        deterministic: Passed to the Trainer.
        **kwargs: Any other ``Trainer`` argument (e.g. ``limit_train_batches``).

    Returns:
        The Trainer; its :class:`BestWeights` callback is at ``trainer.best_weights`` and its
        :class:`History` at ``trainer.history``.
    """
    if max_epochs < 1:
        raise ParameterError(f"max_epochs must be >= 1, got {max_epochs}")
    acc = resolve_accelerator(accelerator)
    if not progress_bar or quick:  # keep notebooks and test logs free of Lightning's banner lines
        for name_ in ("pytorch_lightning.utilities.rank_zero", "pytorch_lightning.accelerators.cuda"):
            logging.getLogger(name_).setLevel(logging.WARNING)
    if precision is None:
        bf16 = acc == "gpu" and torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        precision = "bf16-mixed" if bf16 else "32-true"
    if quick:
        max_epochs = 1
        kwargs.setdefault("limit_train_batches", 4)
        kwargs.setdefault("limit_val_batches", 2)
        logger = checkpoint = progress_bar = False
    kwargs.setdefault("log_every_n_steps", 10)
    best, history = BestWeights(monitor), History()
    callbacks = [best, history]
    if patience is not None:
        callbacks.append(EarlyStopping(monitor=monitor, mode="min", patience=patience))
    if checkpoint:
        callbacks.append(ModelCheckpoint(monitor=monitor, mode="min", save_top_k=1, filename="best-{epoch}"))
    if progress_bar:
        callbacks.append(TQDMProgressBar(refresh_rate=10))
    root = None if root_dir is None else str(root_dir)
    trainer = pl.Trainer(
        max_epochs=max_epochs,
        accelerator=acc,
        devices=devices,
        strategy=strategy,
        num_nodes=num_nodes,
        precision=precision,
        default_root_dir=root,
        logger=CSVLogger(root or "lightning_logs", name=name) if logger else False,
        callbacks=callbacks,
        enable_checkpointing=checkpoint,
        enable_progress_bar=progress_bar,
        enable_model_summary=False,
        deterministic=deterministic,
        num_sanity_val_steps=0,
        **kwargs,
    )
    trainer.best_weights, trainer.history = best, history
    return trainer


class History(Callback):
    """Record every epoch's logged metrics (train and val) in memory, logger or not.

    Attributes:
        rows: One dict per epoch: ``epoch`` plus every ``train/...`` and ``val/...`` value.
    """

    def __init__(self):
        self.rows: list[dict] = []

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        row = {"epoch": int(trainer.current_epoch)}
        for k, v in trainer.callback_metrics.items():
            if k.startswith(("train/", "val/")):
                row[k] = float(v)
        self.rows.append(row)
