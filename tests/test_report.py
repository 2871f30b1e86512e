"""The report runner and its CLI, on small notebooks the tests write."""

from __future__ import annotations

import json

import nbformat
import pytest

from campaignkit.cli import main
from campaignkit.errors import ParameterError
from campaignkit.report import parse_parameter, run_report, select_notebooks


def _write_nb(path, params_src, body_src):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_markdown_cell("# t"), p, nbformat.v4.new_code_cell(body_src)]
    nbformat.write(nb, str(path))


@pytest.fixture
def nbdir(tmp_path):
    d = tmp_path / "notebooks"
    d.mkdir()
    _write_nb(d / "00_first.ipynb", "QUICK = False\nN = 3",
              "from campaignkit.notebook import glue\nglue('n', N * (10 if QUICK else 1))")
    _write_nb(d / "01_second.ipynb", "QUICK = False\nSCALE = 1.0",
              "from campaignkit.notebook import glue\nglue('scale', SCALE)")
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
    assert "without encryption" not in capfd.readouterr().err  # the kernels' own log reaches this stderr
    assert res.metrics == {"00_first": {"n": 40}, "01_second": {"scale": 1.0}}
    for name in ("00_first.ipynb", "00_first.html", "01_second.html", "metrics.json", "manifest.json", "index.html"):
        assert (out / name).is_file(), name
    assert json.loads((out / "metrics.json").read_text())["00_first"]["n"] == 40
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"] == {"N": 4, "QUICK": True}
    assert set(manifest["inputs_sha256"]) >= {"notebooks/00_first.ipynb", "notebooks/01_second.ipynb"}
    assert manifest["versions"]["papermill"]
    assert "00_first.html" in (out / "index.html").read_text()


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
    code = main(["report", "--notebooks", str(nbdir), "--out", str(tmp_path / "o"), *args]) if args[0] != "--bogus" \
        else None
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
