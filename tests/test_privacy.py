"""Parameters, privacy and determinism of reports (issue 17), on small notebooks the tests write."""

from __future__ import annotations

import hashlib
import json
import re

import nbformat
import numpy as np
import pandas as pd
import pytest

from campaignkit.cli import main
from campaignkit.nbparams import declared
from campaignkit.privacy import KEY_ENV, MIN_GROUP_SIZE, pseudonymise, suppress_small
from campaignkit.report import run_report


def _write_nb(path, params_src, *cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_markdown_cell("# t"), p] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))


@pytest.fixture
def nbdir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    _write_nb(
        d / "00_sizes.ipynb",
        "QUICK = False  # small\nSEED = 0  # seed\nN_USERS = 5_000  # users\nSHARE = 0.5  # of users\n"
        "DEPTH = 3  # levels [1, 5]\nLABEL = 'x'  # a name",
        "if QUICK:\n    N_USERS, SHARE = 100, 0.25",
        "from campaignkit.notebook import glue\nglue('n_users', N_USERS)\nglue('share', SHARE)",
    )
    return d


def _no_kernel(monkeypatch):
    import papermill

    def boom(*a, **k):
        raise AssertionError("a kernel started before the parameters were checked")

    monkeypatch.setattr(papermill, "execute_notebook", boom)


def test_declared_types_ranges_and_quick_block(nbdir):
    spec = declared(nbdir / "00_sizes.ipynb")
    p = spec.params
    assert (p["N_USERS"].kind, p["N_USERS"].low, p["N_USERS"].high) == ("int", 1, None)
    assert (p["SHARE"].kind, p["SHARE"].low, p["SHARE"].high) == ("float", 0.0, 1.0)
    assert (p["DEPTH"].low, p["DEPTH"].high) == (1.0, 5.0)  # written in the comment
    assert p["QUICK"].kind == "bool" and p["LABEL"].kind == "str" and p["SEED"].low == 0
    assert spec.quick == {"N_USERS": 100, "SHARE": 0.25}


@pytest.mark.parametrize(
    "arg, fragment",
    [
        ("N_USERS=abc", "takes a int, not a str"),
        ("N_USERS=2.5", "takes a int, not a float"),
        ("N_USERS=0", "in [1, ]"),
        ("SHARE=1.5", "in [0, 1]"),
        ("SHARE=True", "takes a float, not a bool"),
        ("DEPTH=9", "in [1, 5]"),
        ("QUICK=3", "takes a bool"),
        ("SEED=-1", "in [0, ]"),
        ("LABEL=5", "takes a str"),
    ],
)
def test_cli_refuses_bad_values_before_any_kernel(nbdir, tmp_path, capsys, monkeypatch, arg, fragment):
    _no_kernel(monkeypatch)
    code = main(["report", "--notebooks", str(nbdir), "--out", str(tmp_path / "o"), "--quick", "-p", arg])
    err = capsys.readouterr().err.strip()
    assert code == 2 and fragment in err and "00_sizes.ipynb" in err, err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_cli_unknown_kernel_is_one_line(nbdir, tmp_path, capsys, monkeypatch):
    _no_kernel(monkeypatch)
    code = main(
        ["report", "--notebooks", str(nbdir), "--out", str(tmp_path / "o"), "--kernel", "nope-kernel"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "nope-kernel" in err and "installed" in err and len(err.splitlines()) == 1


def test_cli_unexpected_error_is_one_line(nbdir, tmp_path, capsys, monkeypatch):
    import campaignkit.report as report

    monkeypatch.setattr(
        report, "run_report", lambda **kw: (_ for _ in ()).throw(RuntimeError("disk\non fire"))
    )
    code = main(["report", "--notebooks", str(nbdir)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "RuntimeError" in err and len(err.splitlines()) == 1


def test_explicit_values_win_over_quick_and_manifest_records_them(nbdir, tmp_path):
    out = tmp_path / "rep"
    res = run_report(
        out=out,
        quick=True,
        parameters={"N_USERS": 42},
        notebooks_dir=nbdir,
        kernel_name="python3",
        html_output=False,
    )
    assert res.metrics["00_sizes"] == {"n_users": 42, "share": 0.25}  # explicit wins, quick fills the rest
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"] == {"N_USERS": 42, "QUICK": True}
    used = manifest["notebook_parameters"]["00_sizes"]
    assert used["N_USERS"] == 42 and used["SHARE"] == 0.25 and used["QUICK"] is True and used["DEPTH"] == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporaries left


# ---------------------------------------------------------------------------------------------- privacy
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
    _write_nb(
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


# ---------------------------------------------------------------------------------------------- determinism
PIPELINE = """from campaignkit.data import make_world, validate
from campaignkit.features.store import FeatureStore
from campaignkit.notebook import glue
import tempfile
w = make_world(n_users=N_USERS, random_state=SEED)
res = validate(w.events, 'events')
store = FeatureStore.build('det', res.kept, w.users, w.cutoff, root=tempfile.mkdtemp(), max_len=8, threads=1)
f = store.features
glue('rows_kept', res.rows_kept)
glue('mean_features', {c: float(f[c].mean()) for c in f.columns[:12]})
glue('n_nonempty', int(store.manifest['row_counts']['n_users_with_events']))
"""


@pytest.mark.slow  # two whole report runs: about 10 s
def test_same_seed_same_metrics_json(tmp_path):
    d = tmp_path / "nbs"
    d.mkdir()
    _write_nb(d / "00_pipeline.ipynb", "QUICK = False\nSEED = 0\nN_USERS = 300", PIPELINE)
    blobs = []
    for run in range(2):
        out = tmp_path / f"rep{run}"
        run_report(out=out, notebooks_dir=d, kernel_name="python3", parameters={"SEED": 3}, html_output=False)
        blobs.append((out / "metrics.json").read_bytes())
    assert blobs[0] == blobs[1]
    from campaignkit.data import make_world, validate

    got = json.loads(blobs[0])["00_pipeline"]["rows_kept"]
    assert got == validate(make_world(n_users=300, random_state=3).events, "events").rows_kept
    assert got != validate(make_world(n_users=300, random_state=4).events, "events").rows_kept  # seed matters
