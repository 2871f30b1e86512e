"""The command line: one-line errors with exit code 2, refused values before any kernel starts."""

from __future__ import annotations

import pytest

from campaignkit.cli import main
from tests._helpers import write_notebook


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
    write_notebook(d / "03_broken.ipynb", "QUICK = False", "x = 1\nraise ValueError('boom')")
    out = tmp_path / "o"
    code = main(["report", "--notebooks", str(d), "--out", str(out), "--kernel", "python3", "--no-html"])
    err = capsys.readouterr().err
    assert code == 1
    assert "03_broken.ipynb" in err and "cell 2" in err and "boom" in err
    assert (out / "03_broken.ipynb").is_file()


def _no_kernel(monkeypatch):
    import papermill

    def boom(*a, **k):
        raise AssertionError("a kernel started before the parameters were checked")

    monkeypatch.setattr(papermill, "execute_notebook", boom)


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
def test_cli_refuses_bad_values_before_any_kernel(sizes_nbdir, tmp_path, capsys, monkeypatch, arg, fragment):
    _no_kernel(monkeypatch)
    code = main(
        ["report", "--notebooks", str(sizes_nbdir), "--out", str(tmp_path / "o"), "--quick", "-p", arg]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and fragment in err and "00_sizes.ipynb" in err, err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()  # refused before anything was written


def test_cli_unknown_kernel_is_one_line(sizes_nbdir, tmp_path, capsys, monkeypatch):
    _no_kernel(monkeypatch)
    code = main(
        ["report", "--notebooks", str(sizes_nbdir), "--out", str(tmp_path / "o"), "--kernel", "nope-kernel"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and "nope-kernel" in err and "installed" in err and len(err.splitlines()) == 1


def test_cli_unexpected_error_is_one_line(sizes_nbdir, tmp_path, capsys, monkeypatch):
    import campaignkit.report as report

    monkeypatch.setattr(
        report, "run_report", lambda **kw: (_ for _ in ()).throw(RuntimeError("disk\non fire"))
    )
    code = main(["report", "--notebooks", str(sizes_nbdir)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and "RuntimeError" in err and len(err.splitlines()) == 1
