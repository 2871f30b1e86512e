"""The one trainer factory: CPU, one GPU (bf16-mixed) or DDP with the same code.

``make_trainer(quick=True)`` holds the quick settings used by tests and quick mode (one epoch, a few
batches, no logger, no checkpoint files, no progress bar). With checkpoints on, files are written atomically
and carry the random states, so ``trainer.fit(module, datamodule=dm, ckpt_path="last")`` resumes a killed
fit to the weights an uninterrupted one reaches.
"""

from __future__ import annotations

import copy
import logging
import random
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback, EarlyStopping, ModelCheckpoint, TQDMProgressBar
from pytorch_lightning.loggers import CSVLogger
from pytorch_lightning.plugins.io import TorchCheckpointIO

from campaignkit._atomic import atomic_path
from campaignkit.errors import ParameterError

__all__ = [
    "make_trainer",
    "resolve_accelerator",
    "BestWeights",
    "History",
    "AtomicCheckpointIO",
    "TrainingState",
]


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, through a temporary sibling renamed into place (a kill leaves the old
    checkpoint or the new one; see :mod:`campaignkit._atomic`)."""

    def save_checkpoint(self, checkpoint, path, storage_options=None) -> None:
        if storage_options is not None:
            raise ParameterError("AtomicCheckpointIO takes no storage_options")
        with atomic_path(path) as tmp:
            torch.save(checkpoint, tmp)


class TrainingState(Callback):
    """Carry the random states and the training loader's shuffling generator in every checkpoint.

    Lightning restores weights, optimiser, epoch and callbacks but not the random number generators, so a
    fit resumed with ``ckpt_path="last"`` would shuffle and mask differently from an uninterrupted one.
    With this callback it draws the same numbers, and ends with the same weights.
    """

    def __init__(self):
        self._pending = None

    @staticmethod
    def _train_generator(trainer: pl.Trainer):
        loader = trainer.train_dataloader
        return getattr(getattr(loader, "sampler", None), "generator", None) or getattr(
            loader, "generator", None
        )

    def state_dict(self) -> dict:
        trainer = getattr(self, "_trainer", None)
        gen = self._train_generator(trainer) if trainer is not None else None
        kind, keys, pos, has_gauss, gauss = np.random.get_state()
        version, py_state, py_gauss = random.getstate()
        # tensors and plain numbers only: checkpoints load with torch.load(weights_only=True)
        return {
            "torch": torch.get_rng_state(),
            "loader": None if gen is None else gen.get_state(),
            "numpy": {
                "kind": kind,
                "keys": torch.as_tensor(keys.astype(np.int64)),
                "pos": int(pos),
                "has_gauss": int(has_gauss),
                "gauss": float(gauss),
            },
            "python": {"version": version, "state": list(py_state), "gauss": py_gauss},
        }

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        self._trainer = trainer

    def load_state_dict(self, state_dict: dict) -> None:
        self._pending = state_dict

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        torch.set_rng_state(state["torch"])
        npy = state["numpy"]
        np.random.set_state(
            (npy["kind"], npy["keys"].numpy().astype(np.uint32), npy["pos"], npy["has_gauss"], npy["gauss"])
        )
        py = state["python"]
        random.setstate((py["version"], tuple(py["state"]), py["gauss"]))
        gen = self._train_generator(trainer)
        if gen is not None and state["loader"] is not None:
            gen.set_state(state["loader"])
        # Lightning opened (and pre-fetched from) the training iterator before this hook, with the old
        # states: open it again, as an uninterrupted fit does at the start of the next epoch
        fetcher = getattr(trainer.fit_loop, "_data_fetcher", None)
        if fetcher is not None:
            iter(fetcher)


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

    def state_dict(self) -> dict:
        return {"best_score": self.best_score, "best_epoch": self.best_epoch, "best_state": self.best_state}

    def load_state_dict(self, state_dict: dict) -> None:
        self.best_score, self.best_epoch = state_dict["best_score"], state_dict["best_epoch"]
        self.best_state = state_dict["best_state"]

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
    epoch_lines: str | None = None,
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
        checkpoint: Save the best and the last checkpoint (``ModelCheckpoint``) under ``root_dir``, atomically
            and with the random states (:class:`TrainingState`), so a killed fit can resume.
        logger: Log every metric with ``CSVLogger`` (``metrics.csv``).
        progress_bar: Show a tqdm progress bar.
        deterministic: Passed to the Trainer.
        epoch_lines: Print one line per epoch labelled with this (:class:`~campaignkit.progress.EpochLine`); None:
            no lines.
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
    if checkpoint:  # best and last, so fit(..., ckpt_path="last") resumes where a killed run stopped
        callbacks.append(
            ModelCheckpoint(
                monitor=monitor, mode="min", save_top_k=1, filename="best-{epoch}", save_last=True
            )
        )
        callbacks.append(TrainingState())
        kwargs.setdefault("plugins", [AtomicCheckpointIO()])
    if progress_bar:
        callbacks.append(TQDMProgressBar(refresh_rate=10))
    if epoch_lines is not None:
        from campaignkit.progress import EpochLine

        callbacks.append(EpochLine(epoch_lines))
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

    def state_dict(self) -> dict:
        return {"rows": list(self.rows)}

    def load_state_dict(self, state_dict: dict) -> None:
        self.rows = list(state_dict["rows"])

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        row = {"epoch": int(trainer.current_epoch)}
        for k, v in trainer.callback_metrics.items():
            if k.startswith(("train/", "val/")):
                row[k] = float(v)
        self.rows.append(row)
