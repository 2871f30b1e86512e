"""The report runner and its CLI, on small notebooks the tests write."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser

import nbformat
import pytest

from campaignkit.cli import main
from campaignkit.errors import ParameterError
from campaignkit.notebook import GLUE_MIMETYPE, Glued, format_value, glue, read_glued, read_glued_records
from campaignkit.report import parse_parameter, run_report, select_notebooks


def _write_nb(path, params_src, body_src, title="# t", extra=()):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_markdown_cell(title), p, nbformat.v4.new_code_cell(body_src)]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in extra]
    nbformat.write(nb, str(path))


@pytest.fixture
def nbdir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    _write_nb(
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
    _write_nb(
        d / "01_second.ipynb",
        "QUICK = False\nSCALE = 1.0",
        "from campaignkit.notebook import glue\nglue('scale', SCALE)",
        extra=["from campaignkit.progress import step_line\nstep_line('fit: epoch 1/1 · val/loss 0.5')"],
    )
    (d / "notes.ipynb").write_text("{}")  # not numbered: ignored
    return d


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


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--only", "09"], "unknown notebook"),
        (["-p", "N"], "expected NAME=VALUE"),
        (["-p", "NOPE=1"], "not declared"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_cli_bad_input_one_line_exit_2(nbdir, tmp_path, capsys, args, fragment):
    code = (
        main(["report", "--notebooks", str(nbdir), "--out", str(tmp_path / "o"), *args])
        if args[0] != "--bogus"
        else None
    )
    if code is None:
        with pytest.raises(SystemExit) as exc:
            main(["report", *args])
        code = exc.value.code
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert fragment in err and len(err.splitlines()) == 1


def test_cli_unwritable_out(nbdir, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")  # a path below a regular file cannot be created, even as root
    code = main(["report", "--notebooks", str(nbdir), "--out", str(blocker / "sub")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "not writable" in err and len(err.splitlines()) == 1


def test_failing_notebook_names_cell_and_keeps_partial(tmp_path, capsys):
    d = tmp_path / "nbs"
    d.mkdir()
    _write_nb(d / "03_broken.ipynb", "QUICK = False", "x = 1\nraise ValueError('boom')")
    out = tmp_path / "o"
    code = main(["report", "--notebooks", str(d), "--out", str(out), "--kernel", "python3", "--no-html"])
    err = capsys.readouterr().err
    assert code == 1
    assert "03_broken.ipynb" in err and "cell 2" in err and "boom" in err
    assert (out / "03_broken.ipynb").is_file()


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


def test_glue_keywords_round_trip(tmp_path):
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={GLUE_MIMETYPE: {"name": "a", "value": 0.5}},
            metadata={GLUE_MIMETYPE: {"description": "d", "unit": "share", "target": [0.6, None]}},
        ),
        nbformat.v4.new_output("display_data", data={GLUE_MIMETYPE: {"name": "b", "value": 3}}),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells.append(cell)
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    recs = read_glued_records(path)
    assert recs["a"] == Glued("a", 0.5, "d", "share", (0.6, None)) and recs["a"].passed is False
    assert recs["b"] == Glued("b", 3) and recs["b"].passed is None
    assert read_glued(path) == {"a": 0.5, "b": 3}
    with pytest.raises(ValueError, match="target"):
        glue("x", 1.0, target=(2, 1))


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (12345, None, "12,345"),
        (0.81234, None, "0.812"),
        (0.278, "share", "27.8 %"),
        (4567.8, "$", "4,568"),
        (123.456, None, "123.5"),
        (1.2e-5, None, "1.2e-05"),
        (0.0, None, "0"),
        (True, None, "yes"),
        (7.0, None, "7"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_steps_print_lines_outside_a_terminal(capsys, monkeypatch):
    from types import SimpleNamespace

    from campaignkit.progress import REPORT_ENV, EpochLine, steps

    monkeypatch.setenv(REPORT_ENV, "1")  # as in a report's kernel: lines, no bar
    assert list(steps(range(3), "work", unit="chunk", every=0.0)) == [0, 1, 2]
    err = capsys.readouterr().err.splitlines()
    assert all(line.startswith("work: ") for line in err) and err[-1].startswith("work: 3/3 chunks (100%)")
    assert list(steps(range(3), "quiet", progress=False)) == [0, 1, 2] and not capsys.readouterr().err
    trainer = SimpleNamespace(
        callback_metrics={"train/loss": 0.41234, "val/loss": 0.5},
        current_epoch=1,
        max_epochs=6,
        sanity_checking=False,
    )
    cb = EpochLine("fine-tune 1/3")
    cb.on_train_epoch_start(trainer, None)
    cb.on_train_epoch_end(trainer, None)
    line = capsys.readouterr().err.strip()
    assert line.startswith(
        "fine-tune 1/3: epoch 2/6 · train/loss 0.4123 · val/loss 0.5 · "
    ) and line.endswith(" s")


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
