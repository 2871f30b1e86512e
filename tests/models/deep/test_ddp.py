"""DDP: one epoch with ``strategy="ddp"`` on 2 CPU processes (gloo), run as a subprocess script
(Lightning's DDP launcher re-executes the script for rank 1)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

SCRIPT = textwrap.dedent(
    """
    import os, sys
    import numpy as np, torch
    torch.set_num_threads(1)
    from campaignkit.models import BehaviourUpliftModel
    from campaignkit.models.toy import toy_problem

    out_dir = sys.argv[1]
    toy = toy_problem(n_users=400, random_state=0)
    store = (toy["features"], toy["sequences"])
    model = BehaviourUpliftModel(max_epochs=1, pretrain_epochs=1, d_model=16, n_heads=2, n_layers=1,
                                 batch_size=64, accelerator="cpu", devices=2, strategy="ddp",
                                 random_state=0).fit(store, toy["log"], toy["catalogue"])
    rank = int(os.environ.get("LOCAL_RANK", "0"))
    world = torch.distributed.get_world_size() if torch.distributed.is_initialized() else 1
    out = model.predict_outcomes(store, toy["catalogue"])
    np.save(os.path.join(out_dir, f"profit_rank{rank}.npy"), out["profit"])
    with open(os.path.join(out_dir, f"world_rank{rank}.txt"), "w") as fh:
        fh.write(str(world))
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # two worker processes and a rendezvous: about 20 s
def test_ddp_two_cpu_processes_train_and_predict(tmp_path):
    script = tmp_path / "ddp_fit.py"
    script.write_text(SCRIPT)
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / "world_rank0.txt").read_text() == "2"  # a real 2-process group was formed
    p0 = np.load(tmp_path / "profit_rank0.npy")
    p1 = np.load(tmp_path / "profit_rank1.npy")
    assert p0.shape == (400, 4) and np.isfinite(p0).all()
    # DDP keeps the replicas in sync: both ranks end with the same weights, hence the same predictions
    np.testing.assert_allclose(p0, p1, rtol=1e-5, atol=1e-6)
