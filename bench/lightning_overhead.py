"""Bench: Lightning's overhead against a raw PyTorch loop of the same network on the same batches.

Both loops run the fine-tuning step of :class:`BehaviourLightningModule` (same losses, same AdamW, same
seeded batches from the same DataLoader) for the same number of epochs, after one warm-up epoch each.
Lightning runs without logger, checkpoints or progress bar (the module's logging stays, as in real use).
Reports seconds, sequences per second and the ratio (target: Lightning <= 1.15 x raw).

    .venv/bin/python bench/lightning_overhead.py [--users 8000] [--epochs 3] [--device cpu|cuda]
        [--precision 32-true|bf16-mixed]

Results go to ``--out`` (``bench/results/lightning_overhead.json``; no README section). The figures
measured on 2026-11-28 (CPU and H200) and why the module logs once per epoch are in ``bench/NOTES.md``,
section "lightning_overhead".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from campaignkit.models import realised_discount
from campaignkit.models.deep import make_trainer
from campaignkit.models.deep.datamodule import BehaviourDataModule, LogTensors, UserTensors
from campaignkit.models.deep.lightning import BehaviourLightningModule
from campaignkit.models.deep.networks import Architecture, BehaviourNet
from campaignkit.models.profit import catalogue_arrays, realised_profit
from campaignkit.models.toy import toy_problem


def _setup(n_users: int, max_len: int, d_model: int, batch_size: int, seed: int = 0):
    toy = toy_problem(n_users=n_users, max_len=max_len, random_state=seed)
    f = toy["features"]
    users = UserTensors.build(f, toy["sequences"], np.zeros(f.shape[1]), np.ones(f.shape[1]), f.columns)
    log = toy["log"].assign(
        discount=realised_discount(toy["log"], toy["catalogue"]),
        profit=realised_profit(toy["log"], toy["catalogue"]),
    )
    logt = LogTensors.build(log, users, toy["catalogue"]["campaign_id"], toy["sequences"])
    attrs = torch.as_tensor(catalogue_arrays(toy["catalogue"])["features"])
    torch.manual_seed(seed)
    net = BehaviourNet(
        toy["sequences"].vocab_sizes,
        max_len,
        f.shape[1],
        attrs.shape[1],
        len(toy["catalogue"]),
        Architecture(d_model=d_model, n_heads=4, n_layers=2, dropout=0.1),
    )
    dm = BehaviourDataModule(users, logt, batch_size=batch_size, random_state=seed)
    dm.setup()
    return net, attrs, dm


def raw_loop(module, loader, epochs: int, device, precision: str = "32-true") -> float:
    module.to(device).train()
    opt = module.configure_optimizers()
    bf16 = precision == "bf16-mixed"  # what Lightning's bf16-mixed does: autocast the forward pass
    t0 = time.perf_counter()
    for _ in range(epochs):
        for batch in loader:
            batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = module.finetune_losses(batch)["loss"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def lightning_loop(module, dm, epochs: int, accelerator: str, precision: str = "32-true") -> float:
    trainer = make_trainer(
        max_epochs=epochs,
        accelerator=accelerator,
        devices=1,
        precision=precision,
        logger=False,
        checkpoint=False,
        progress_bar=False,
        limit_val_batches=0,
        patience=None,
    )
    t0 = time.perf_counter()
    trainer.fit(module, train_dataloaders=dm.train_dataloader())
    if accelerator == "gpu":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=8000)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--precision", default="32-true", choices=["32-true", "bf16-mixed"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "lightning_overhead.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    accelerator = "gpu" if device.type == "cuda" else "cpu"
    net, attrs, dm = _setup(args.users, args.max_len, args.d_model, args.batch_size)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    n_rows = len(dm.train_rows)

    def fresh():
        net.load_state_dict(state)
        return BehaviourLightningModule(net, attrs, stage="finetune")

    prec = args.precision
    raw_loop(fresh(), dm.train_dataloader(), 1, device, prec)  # warm-up
    lightning_loop(fresh(), dm, 1, accelerator, prec)
    raw_t, pl_t = [], []
    for _ in range(args.repeats):  # interleaved, so background load hits both alike
        raw_t.append(raw_loop(fresh(), dm.train_dataloader(), args.epochs, device, prec))
        pl_t.append(lightning_loop(fresh(), dm, args.epochs, accelerator, prec))
    raw_s, pl_s = min(raw_t), min(pl_t)
    result = {
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "precision": prec,
        "d_model": args.d_model,
        "users": args.users,
        "max_len": args.max_len,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "raw_seconds": raw_s,
        "lightning_seconds": pl_s,
        "ratio": pl_s / raw_s,
        "raw_seq_per_s": n_rows * args.epochs / raw_s,
        "lightning_seq_per_s": n_rows * args.epochs / pl_s,
        "all_raw_seconds": raw_t,
        "all_lightning_seconds": pl_t,
    }
    print(json.dumps(result, indent=1))
    print(f"Lightning / raw = {result['ratio']:.3f} (target <= 1.15)", file=sys.stderr)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
