"""Shared test settings: headless plotting, few threads, the Hillstrom data home."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests._helpers import write_notebook, write_notebook_cells

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()
if "CAMPAIGNKIT_DATA_HOME" not in os.environ and SHARED_DATA.is_dir():
    os.environ["CAMPAIGNKIT_DATA_HOME"] = str(SHARED_DATA)


@pytest.fixture(autouse=True)
def _few_threads(monkeypatch):
    """Keep numerical libraries from oversubscribing the two CI cores."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, "2"))


@pytest.fixture
def nbdir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    write_notebook(
        d / "00_first.ipynb",
        "QUICK = False\nN = 3",
        "from campaignkit.notebook import glue\n"
        "glue('n', N * (10 if QUICK else 1), description='rows made', unit='rows', target=(0, 100))\n"
        "glue('ratio', 2 / 3, description='a share', unit='share', target=(0.9, None))",
        title="# First notebook\n\nThe identity $e^{i\\pi} + 1 = 0$ and $$\\sum_{k=1}^n k = \\frac{n(n+1)}{2}$$",
        extra=[
            "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.title('key');"
        ],
    )
    write_notebook(
        d / "01_second.ipynb",
        "QUICK = False\nSCALE = 1.0",
        "from campaignkit.notebook import glue\nglue('scale', SCALE)",
        extra=["from campaignkit.progress import step_line\nstep_line('fit: epoch 1/1 · val/loss 0.5')"],
    )
    (d / "notes.ipynb").write_text("{}")  # not numbered: ignored
    return d


@pytest.fixture
def sizes_nbdir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    write_notebook_cells(
        d / "00_sizes.ipynb",
        "QUICK = False  # small\nSEED = 0  # seed\nN_USERS = 5_000  # users\nSHARE = 0.5  # of users\n"
        "DEPTH = 3  # levels [1, 5]\nLABEL = 'x'  # a name",
        "if QUICK:\n    N_USERS, SHARE = 100, 0.25",
        "from campaignkit.notebook import glue\nglue('n_users', N_USERS)\nglue('share', SHARE)",
    )
    return d
