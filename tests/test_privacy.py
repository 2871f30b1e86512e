"""Privacy: keyed pseudonyms, small-group suppression, and a report that holds no raw id in any form."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd

from campaignkit.privacy import KEY_ENV, MIN_GROUP_SIZE, pseudonymise, suppress_small
from campaignkit.report import run_report
from tests._helpers import write_notebook_cells

RAW_IDS = [73_918_264_501 + 7_919 * i for i in range(60)]


def _old_public_pseudonym(u) -> str:
    return "u_" + hashlib.sha256(f"campaignkit:{u}".encode()).hexdigest()[:10]


def test_pseudonyms_are_keyed_and_stable_under_a_key():
    a = pseudonymise([1, 2, 3], key="k1")
    assert list(a) == list(pseudonymise([1, 2, 3], key="k1"))
    assert not set(a) & set(pseudonymise([1, 2, 3], key="k2"))
    assert all(re.fullmatch(r"u_[0-9a-f]{16}", x) for x in a)
    assert _old_public_pseudonym(1)[2:] not in a[0]


def test_suppress_small_default_k_is_20():
    t = pd.DataFrame({"segment": ["a", "b", "c"], "n_users": [19, 20, 500], "rate": [0.5, 0.4, 0.3]})
    out = suppress_small(t)
    assert MIN_GROUP_SIZE == 20
    assert out["suppressed"].tolist() == [True, False, False]
    assert np.isnan(out.loc[0, "rate"]) and out.loc[1, "rate"] == 0.4 and out.loc[0, "n_users"] == 19
    assert suppress_small(t, "n_users", 50)["suppressed"].tolist() == [True, True, False]  # old call style


def test_report_holds_no_raw_id_in_any_form(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    rng = np.random.default_rng(0)
    events = pd.DataFrame(
        {
            "user_id": np.repeat(RAW_IDS, 3),
            "ts": "2024-01-01T00:00:00Z",
            "event_type": "view",
            "item_id": 1,
            "category": "c",
            "price": rng.uniform(1, 9, 180).round(2),
            "quantity": 1,
        }
    )
    src = tmp_path / "events.csv"
    events.to_csv(src, index=False)
    d = tmp_path / "nbs"
    d.mkdir()
    write_notebook_cells(
        d / "00_ids.ipynb",
        f"SOURCE = {str(src)!r}  # events file",
        "import os\nfrom campaignkit.data import load_events\nfrom campaignkit.privacy import pseudonymise, "
        "suppress_small\nfrom campaignkit.notebook import glue\nev = load_events(SOURCE).kept",
        "ev.head(10).assign(user_id=pseudonymise(ev['user_id'].head(10)))",
        "per = ev.groupby('user_id').agg(n_users=('item_id', 'size'), spend=('price', 'sum')).reset_index()\n"
        "per.assign(user_id=pseudonymise(per['user_id']))",
        "suppress_small(per.assign(user_id=pseudonymise(per['user_id'])), 'n_users')",
        "print(pseudonymise(ev['user_id'].unique()).tolist())\nglue('n_users', int(ev['user_id'].nunique()))",
    )
    out = tmp_path / "rep"
    run_report(out=out, notebooks_dir=d, kernel_name="python3")
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())
    assert "u_" in text  # pseudonyms are there
    sha = [hashlib.sha256(str(u).encode()).hexdigest() for u in RAW_IDS]
    for u, h in zip(RAW_IDS, sha, strict=True):
        assert str(u) not in text, f"raw id {u} in the report"
        assert _old_public_pseudonym(u) not in text and _old_public_pseudonym(u)[2:] not in text
        assert h[:10] not in text
    assert KEY_ENV not in json.loads((out / "manifest.json").read_text()).get("environment", {})
    assert KEY_ENV not in __import__("os").environ  # the run's key was dropped with the run
