"""The report runner: parameters, selection, outputs, the index, quiet quick runs and same-seed metrics,
on small notebooks the tests write (``conftest.py``)."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import nbformat
import pytest

from campaignkit.errors import ParameterError
from campaignkit.report import parse_parameter, run_report, select_notebooks
from tests._helpers import write_notebook_cells


def test_parse_parameter():
    assert parse_parameter("N=5") == ("N", 5)
    assert parse_parameter("NAME=hello") == ("NAME", "hello")
    assert parse_parameter("X=[1, 2]") == ("X", [1, 2])
    for bad in ("N", "=3", "1N=3", "N-1=2"):
        with pytest.raises(ParameterError):
            parse_parameter(bad)


def test_select_unknown_number(nbdir):
    from campaignkit.report import discover_notebooks

    nbs = discover_notebooks(nbdir)
    assert [p.name for p in nbs] == ["00_first.ipynb", "01_second.ipynb"]
    assert [p.name for p in select_notebooks(nbs, "1")] == ["01_second.ipynb"]
    with pytest.raises(ParameterError, match="07"):
        select_notebooks(nbs, "00,07")


def test_run_report_writes_everything(nbdir, tmp_path, capfd):
    out = tmp_path / "rep"
    res = run_report(out=out, quick=True, parameters={"N": 4}, notebooks_dir=nbdir, kernel_name="python3")
    captured = capfd.readouterr()
    err = captured.err
    assert "without encryption" not in err and "KeyboardInterrupt" not in err  # the kernels' log is here
    assert "report [1/2] 00_first.ipynb: done in" in err and "1/2 targets met" in err
    out_lines = captured.out.splitlines() + err.splitlines()
    report_lines = [line for line in out_lines if line.startswith("report [")]
    assert len(report_lines) == 2, report_lines  # one line per notebook, nothing else from the runner
    assert res.metrics == {"00_first": {"n": 40, "ratio": 2 / 3}, "01_second": {"scale": 1.0}}
    for name in (
        "00_first.ipynb",
        "00_first.html",
        "01_second.html",
        "metrics.json",
        "manifest.json",
        "index.html",
    ):
        assert (out / name).is_file(), name
    assert json.loads((out / "metrics.json").read_text())["00_first"]["n"] == 40
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"] == {"N": 4, "QUICK": True}
    assert set(manifest["inputs_sha256"]) >= {"notebooks/00_first.ipynb", "notebooks/01_second.ipynb"}
    assert manifest["versions"]["papermill"]
    assert "00_first.html" in (out / "index.html").read_text()
    log = (out / "progress.log").read_text()  # per notebook, and what the kernels print as progress
    assert "== 00_first.ipynb: running" in log and "== 01_second.ipynb: done in" in log
    assert "fit: epoch 1/1 · val/loss 0.5" in log


def test_kernels_get_curve_keys_or_ipc_never_plain_tcp(monkeypatch):
    import zmq

    from campaignkit.report import _kernel_config

    for kernel in ("python3", "no-such-kernel"):
        settings = dict(_kernel_config(kernel).get("KernelManager", {}))
        assert settings in ({"transport_encryption": "auto"}, {"transport": "ipc"}), (kernel, settings)
    monkeypatch.setattr(zmq, "has", lambda feature: False)
    assert dict(_kernel_config("python3")["KernelManager"]) == {"transport": "ipc"}


class _IndexParser(HTMLParser):
    """Collect the headline tables (rows of cell texts), the thumbnails and every script/style URL."""

    def __init__(self):
        super().__init__()
        self.tables, self.thumbs, self.urls, self._cell, self._row = [], [], [], None, None
        self._link, self._in = None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "headline" in (a.get("class") or ""):
            self.tables.append([])
            self._in = True
        elif tag == "tr" and self._in:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""
        elif tag == "a":
            self._link = a.get("href")
        elif tag == "img" and (a.get("src") or "").startswith("data:image/png;base64,"):
            self.thumbs.append((self._link, a["src"]))
        if tag in ("script", "img", "iframe") and re.match(r"https?:", a.get("src") or ""):
            self.urls.append(a["src"])
        if tag == "link" and re.match(r"https?:", a.get("href") or ""):
            self.urls.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "table":
            self._in = False
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self.tables:
                self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _parse(path):
    parser = _IndexParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _no_network(text):
    """Script/style/font URLs on the network, in tags or in CSS."""
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']?(https?://[^\"' >]+)", text)
    css = re.findall(r"(?:@import\s+(?:url\()?|url\()[\"']?(https?://[^\"') ]+)", text)
    return tags + css


def test_index_has_headline_tables_and_thumbnails_offline(nbdir, tmp_path):
    out = tmp_path / "rep"
    run_report(out=out, quick=True, notebooks_dir=nbdir, kernel_name="python3")
    page = _parse(out / "index.html")
    assert len(page.tables) == 2, "one headline table per notebook"
    header, *rows = page.tables[0]
    assert header[:5] == ["metric", "value", "unit", "what it measures", "target"]
    by_name = {r[0]: r for r in rows}
    assert by_name["n"][1:5] == ["30", "rows", "rows made", "0 – 100"] and "pass" in by_name["n"][5]
    assert by_name["ratio"][1] == "66.7 %" and "fail" in by_name["ratio"][5]  # 0.667 < 0.9
    (scale,) = page.tables[1][1:]  # glued without keywords: still listed, no description, no mark
    assert scale[:2] == ["scale", "1"] and scale[3] == "–" and scale[5] == ""
    (thumb,) = page.thumbs  # only the first notebook shows a figure; it links to its HTML
    assert thumb[0] == "00_first.html"
    assert base64.b64decode(thumb[1].split(",", 1)[1]).startswith(b"\x89PNG")
    text = (out / "index.html").read_text()
    assert "First notebook" in text and "1 of 2 targets met" in text and "QUICK=true" in text
    assert not page.urls and not _no_network(text)
    # the notebook pages: maths as MathML, no MathJax / require.js / mermaid loader, nothing from the network
    text = (out / "00_first.html").read_text()
    assert not _no_network(text) and "<script" not in text.lower(), _no_network(text)
    assert text.count("<math") == 2 and 'display="block"' in text and "$$" not in text


_NOISE = re.compile(
    r"Kernel is running over TCP|KeyboardInterrupt|/work/|/home/|/root/|np\.(float|int)\d+\(|<Axes|"
    r"Text\(\d|<matplotlib\.|Warning:"
)


@pytest.mark.slow
@pytest.mark.notebooks
def test_quick_report_outputs_are_quiet(tmp_path, capfd):
    """The real notebooks in quick mode: no transport warning, machine path, repr or library warning shown."""
    run_report(out=tmp_path, quick=True, html_output=False, progress=False)
    assert "without encryption" not in capfd.readouterr().err
    found = []
    for path in sorted(tmp_path.glob("*.ipynb")):
        for i, cell in enumerate(nbformat.read(str(path), as_version=4).cells):
            for out in cell.get("outputs", []):
                text = (
                    out.get("text", "")
                    if out.output_type == "stream"
                    else out.get("data", {}).get("text/plain", "")
                )
                if _NOISE.search(text) or (out.output_type == "stream" and out.name == "stderr"):
                    found.append(f"{path.name} cell {i}: {text[:120]!r}")
    assert not found, "\n".join(found)


def test_explicit_values_win_over_quick_and_manifest_records_them(sizes_nbdir, tmp_path):
    out = tmp_path / "rep"
    res = run_report(
        out=out,
        quick=True,
        parameters={"N_USERS": 42},
        notebooks_dir=sizes_nbdir,
        kernel_name="python3",
        html_output=False,
    )
    assert res.metrics["00_sizes"] == {"n_users": 42, "share": 0.25}  # explicit wins, quick fills the rest
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"] == {"N_USERS": 42, "QUICK": True}
    used = manifest["notebook_parameters"]["00_sizes"]
    assert used["N_USERS"] == 42 and used["SHARE"] == 0.25 and used["QUICK"] is True and used["DEPTH"] == 3
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporaries left


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
    write_notebook_cells(d / "00_pipeline.ipynb", "QUICK = False\nSEED = 0\nN_USERS = 300", PIPELINE)
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
