"""Faults (issue 17): writers killed at random moments leave the old version or the new one, never a mix.

Each writer runs in a child process (a ``forkserver`` context with the kit preloaded, so a child starts in
milliseconds), is killed with SIGKILL after a random delay, and what remains under the target name must
load whole as exactly one of the two versions (or, before any version finished, fail with a clear
:class:`~campaignkit.errors.CampaignkitError`). The next write removes what the killed ones left behind.
An interrupted Lightning fit resumes from its last checkpoint to the weights an uninterrupted fit reaches.

The default suite kills each writer a few times; ``-m slow`` kills each at least 20 times.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from campaignkit._atomic import is_leftover, write_text
from campaignkit.data.validate import ValidationResult, validate
from campaignkit.data.world import make_world
from campaignkit.data.world.parquet import read_world_parquet, write_world_parquet
from campaignkit.errors import CampaignkitError
from campaignkit.features.store import FeatureStore
from campaignkit.models.deep.trainer import AtomicCheckpointIO

KILLS_FAST, KILLS_SLOW = 3, 20
KILLS_DONE: dict[str, int] = {}


@pytest.fixture(scope="module")
def ctx():
    c = mp.get_context("forkserver")
    c.set_forkserver_preload(
        [
            "campaignkit.data",
            "campaignkit.features.store",
            "campaignkit.models.deep.trainer",
            "tests.test_atomic",
        ]
    )
    yield c
    print(f"\nwriter kills: {KILLS_DONE}")


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()


# ---------------------------------------------------------------------------------------------- writers
# Each writer writes version v (0 or 1) of its artefact at `path`; each reader returns a digest or raises.
def write_world(path: str, v: int) -> None:
    write_world_parquet(path, n_users=150, chunk_users=30, random_state=v, overwrite=True, progress=False)


def read_world(path: str) -> str:
    return _digest(read_world_parquet(path, "events")) + _digest(read_world_parquet(path, "users"))


def _result(v: int) -> ValidationResult:
    w = make_world(n_users=150 + 50 * v, random_state=v)
    return validate(w.events.astype({"price": "object"}), "events")


def write_validation(path: str, v: int) -> None:
    _result(v).save(path)


def read_validation(path: str) -> str:
    res = ValidationResult.load(path)
    return _digest(res.kept) + str(res.rows_in)


def write_store(path: str, v: int) -> None:
    w = make_world(n_users=120 + 40 * v, random_state=v)
    p = Path(path)
    FeatureStore.build(p.name, w.events, w.users, w.cutoff, root=p.parent, max_len=8, force=True, threads=1)


def read_store(path: str) -> str:
    store = FeatureStore(path)
    store.verify()
    return _digest(store.features.reset_index())


def write_checkpoint(path: str, v: int) -> None:
    g = torch.Generator().manual_seed(v)
    AtomicCheckpointIO().save_checkpoint(
        {"state_dict": {"w": torch.randn(4_000_000, generator=g)}, "v": v}, path
    )


def read_checkpoint(path: str) -> str:
    ck = torch.load(path, weights_only=True)
    return hashlib.sha256(ck["state_dict"]["w"].numpy().tobytes()).hexdigest()


def write_report(path: str, v: int) -> None:
    metrics = {f"nb{i:02d}": {f"m{j}": v * 1000 + i * j for j in range(200)} for i in range(400)}
    write_text(path, pd.Series([metrics]).to_json())


def read_report(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


WRITERS = {
    "world_parquet": (write_world, read_world, "world"),
    "validation_result": (write_validation, read_validation, "validated"),
    "feature_store": (write_store, read_store, "store"),
    "model_checkpoint": (write_checkpoint, read_checkpoint, "last.ckpt"),
    "report_file": (write_report, read_report, "metrics.json"),
}


def _run(writer, path: str, v: int) -> float:
    t = time.perf_counter()
    writer(path, v)
    return time.perf_counter() - t


def _kill_loop(ctx, name: str, tmp_path: Path, kills: int) -> None:
    writer, reader, leaf = WRITERS[name]
    path = str(tmp_path / leaf)
    ref = {}
    for v in (0, 1):  # the two versions, written whole, once
        _run(writer, path, v)
        ref[v] = reader(path)
    assert ref[0] != ref[1]
    # the kill delays span a child's whole life as this machine runs it now, its start and its write (timed
    # on the second child: the first also starts the fork server)
    for _ in range(2):
        t = time.perf_counter()
        child = ctx.Process(target=writer, args=(path, 1))
        child.start()
        child.join()
        seconds = time.perf_counter() - t
    current = 1
    rng = random.Random(name)
    done = 0
    for _ in range(3 * kills):  # until `kills` kills landed while the writer ran (a few finish first)
        if done >= kills:
            break
        new = 1 - current
        child = ctx.Process(target=writer, args=(path, new))
        child.start()
        time.sleep(rng.uniform(0.1, 1.0) * seconds)
        if child.is_alive():
            os.kill(child.pid, signal.SIGKILL)
        child.join()
        landed = child.exitcode == -signal.SIGKILL
        done += landed
        if not landed:  # the writer beat the kill: aim earlier next time
            seconds *= 0.5
        KILLS_DONE[name] = KILLS_DONE.get(name, 0) + landed
        try:
            got = reader(path)
        except CampaignkitError as err:  # allowed only as a clear error; with atomic writes it never happens
            pytest.fail(f"{name}: after a kill the artefact fails to load: {err}")
        assert got in (ref[current], ref[new]), f"{name}: a kill left a mix of versions"
        current = new if got == ref[new] else current
    _run(writer, path, 0)  # the next write cleans every leftover of the killed ones
    assert reader(path) == ref[0]
    assert done >= kills, f"{name}: only {done} kills landed while the writer ran"
    left = [p for p in Path(path).parent.iterdir() if is_leftover(p) or ".building-" in p.name]
    assert not left, f"{name}: leftovers not cleaned: {left}"


@pytest.mark.parametrize("name", list(WRITERS))
def test_killed_writer_leaves_old_or_new(ctx, name, tmp_path):
    _kill_loop(ctx, name, tmp_path, KILLS_FAST)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(WRITERS))
def test_killed_writer_leaves_old_or_new_many(ctx, name, tmp_path):
    _kill_loop(ctx, name, tmp_path, KILLS_SLOW)
    assert KILLS_DONE[name] >= KILLS_SLOW


# ---------------------------------------------------------------------------------------------- resume
class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1)
        )

    def forward(self, x):
        return self.body(x)


def _module_and_data():
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader, TensorDataset

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = _Net()

        def _loss(self, batch):
            x, y = batch
            return torch.nn.functional.mse_loss(self.net(x).squeeze(-1), y)

        def training_step(self, batch, _):
            loss = self._loss(batch)
            self.log("train/loss", loss, on_epoch=True, on_step=False)
            return loss

        def validation_step(self, batch, _):
            self.log("val/loss", self._loss(batch), on_epoch=True)

        def configure_optimizers(self):
            return torch.optim.AdamW(self.parameters(), lr=1e-2)

    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=g)
    y = x[:, 0] * 2 - x[:, 1] + 0.1 * torch.randn(512, generator=g)
    train = DataLoader(
        TensorDataset(x[:400], y[:400]),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(1),
    )
    val = DataLoader(TensorDataset(x[400:], y[400:]), batch_size=64)
    return Module(), train, val


EPOCHS = 6


def fit(root: str, resume: bool = False) -> dict:
    """Train the small module for EPOCHS epochs with the kit's trainer; resume from last.ckpt if asked."""
    import pytorch_lightning as pl

    from campaignkit.models.deep.trainer import make_trainer

    pl.seed_everything(7, verbose=False)
    module, train, val = _module_and_data()
    trainer = make_trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        root_dir=root,
        logger=False,
        progress_bar=False,
        patience=None,
        checkpoint=True,
    )
    last = Path(root) / "checkpoints" / "last.ckpt"
    trainer.fit(module, train, val, ckpt_path=str(last) if resume else None)
    trainer.best_weights.restore(module)
    return {
        "weights": {k: v.clone() for k, v in module.state_dict().items()},
        "history": [r["train/loss"] for r in trainer.history.rows],
    }


def _slow_fit(root: str) -> None:
    fit(root)


def test_interrupted_training_resumes_to_the_same_weights(ctx, tmp_path):
    whole = fit(str(tmp_path / "whole"))
    root = tmp_path / "killed"
    child = ctx.Process(target=_slow_fit, args=(str(root),))
    child.start()
    last = root / "checkpoints" / "last.ckpt"
    deadline = time.time() + 120
    while time.time() < deadline and child.is_alive():
        if last.is_file() and torch.load(last, weights_only=True)["epoch"] >= 1:
            break
        time.sleep(0.01)
    assert child.is_alive(), "the child finished before it could be killed; raise EPOCHS"
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    stopped = torch.load(last, weights_only=True)["epoch"]
    assert 1 <= stopped < EPOCHS - 1
    resumed = fit(str(root), resume=True)
    assert len(resumed["history"]) == EPOCHS
    np.testing.assert_allclose(resumed["history"], whole["history"], rtol=0, atol=0)
    for k, v in whole["weights"].items():
        assert torch.equal(v, resumed["weights"][k]), k
