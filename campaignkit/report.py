"""The report runner: execute the numbered notebooks headlessly with papermill into a report folder.

``campaignkit report`` (see :mod:`campaignkit.cli`) calls :func:`run_report`. For each selected
``notebooks/NN_topic.ipynb`` it writes the executed notebook and its HTML rendering, then
``metrics.json`` (every glued value, ``{notebook stem: {name: value}}``), ``manifest.json`` (parameters as
given and as used by each notebook, package versions, git revision, checksums of inputs) and an
``index.html`` linking all of it. Every file is written to a temporary sibling and renamed into place.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as _dt
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from campaignkit import __version__, config, nbparams
from campaignkit._atomic import atomic_path, write_text
from campaignkit._helpers import sha256_file
from campaignkit.errors import NotebookError, ParameterError
from campaignkit.notebook import Glued, read_glued_records
from campaignkit.privacy import KEY_ENV
from campaignkit.progress import REPORT_ENV, interactive, step_line

__all__ = [
    "NotebookResult",
    "ReportResult",
    "discover_notebooks",
    "notebook_parameters",
    "parse_parameter",
    "run_report",
    "select_notebooks",
]

PROGRESS_LOG = "progress.log"
"""The run's progress log in the report folder: one line per notebook start and end, and every line the
kernels print to stderr (the kit's step and per-epoch lines) as it comes."""

_NB_RE = re.compile(r"^(\d{2})_[A-Za-z0-9_]+\.ipynb$")
_PARAM_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_VERSIONED = (
    "numpy",
    "pandas",
    "pyarrow",
    "duckdb",
    "scikit-learn",
    "scipy",
    "torch",
    "pytorch-lightning",
    "shap",
    "papermill",
    "nbconvert",
    "matplotlib",
)


@dataclass
class NotebookResult:
    """What one executed notebook produced."""

    stem: str
    ipynb: Path
    html: Path | None
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    seconds: float
    glued: dict[str, Glued] = field(default_factory=dict)


@dataclass
class ReportResult:
    """What :func:`run_report` wrote."""

    out_dir: Path
    notebooks: list[NotebookResult] = field(default_factory=list)

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """``{notebook stem: {glued name: value}}``."""
        return {nb.stem: nb.metrics for nb in self.notebooks}


def discover_notebooks(notebooks_dir: str | Path | None = None) -> list[Path]:
    """List the numbered notebooks ``NN_topic.ipynb`` in reading order.

    Args:
        notebooks_dir: Folder to search; defaults to ``config.NOTEBOOKS_DIR``.

    Returns:
        Sorted list of paths.
    """
    folder = Path(notebooks_dir) if notebooks_dir else config.NOTEBOOKS_DIR
    return sorted(p for p in folder.glob("*.ipynb") if _NB_RE.match(p.name))


def select_notebooks(notebooks: list[Path], only: str | list[str] | None) -> list[Path]:
    """Keep the notebooks whose two-digit number is in ``only``.

    Args:
        notebooks: Candidates from :func:`discover_notebooks`.
        only: ``"00,03"``, a list of numbers, or None for all.

    Returns:
        The selected notebooks in reading order.

    Raises:
        ParameterError: A requested number has no notebook.
    """
    if only is None:
        return list(notebooks)
    wanted = [w.strip() for w in (only.split(",") if isinstance(only, str) else only) if str(w).strip()]
    by_num = {_NB_RE.match(p.name).group(1): p for p in notebooks}
    bad = [w for w in wanted if w.zfill(2) not in by_num]
    if not wanted or bad:
        raise ParameterError(
            f"--only: unknown notebook number(s) {', '.join(bad) or repr(only)}; "
            f"available: {', '.join(sorted(by_num)) or 'none'}"
        )
    keep = {w.zfill(2) for w in wanted}
    return [p for p in notebooks if _NB_RE.match(p.name).group(1) in keep]


def parse_parameter(text: str) -> tuple[str, Any]:
    """Parse one ``-p NAME=VALUE``; the value is a Python literal when it parses as one, else a string.

    Raises:
        ParameterError: ``text`` is not ``NAME=VALUE`` with an identifier for NAME.
    """
    m = _PARAM_RE.match(text)
    if not m:
        raise ParameterError(f"-p {text!r}: expected NAME=VALUE with NAME a Python identifier")
    name, raw = m.group(1), m.group(2).strip()
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return name, value


def notebook_parameters(path: str | Path) -> dict[str, Any]:
    """Return the parameters a notebook declares in its ``parameters`` cell, with their defaults."""
    import papermill

    declared = papermill.inspect_notebook(str(path))
    return {name: info.get("default") for name, info in declared.items()}


def _default_kernel() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    names = KernelSpecManager().find_kernel_specs()
    return config.KERNEL_NAME if config.KERNEL_NAME in names else "python3"


def _kernel_config(kernel: str):
    """Kernel-manager settings that keep code and outputs off plain TCP.

    A kernel on unencrypted TCP logs "Kernel is running over TCP without encryption" to the run's stderr,
    once per notebook. It sees CurveZMQ keys where pyzmq has Curve, jupyter_client can provision keys and the
    kernelspec declares it takes them (ipykernel >= 7); otherwise it talks over IPC sockets on POSIX. Elsewhere
    the settings are left alone.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    try:
        declared = KernelSpecManager().get_kernel_spec(kernel).metadata.get("supported_encryption") or ()
    except NoSuchKernel:
        declared = ()
    declared = {declared} if isinstance(declared, str) else set(declared)
    try:
        import zmq

        curve = bool(zmq.has("curve"))
    except ImportError:  # pragma: no cover - pyzmq comes with jupyter_client
        curve = False
    if curve and "curve" in declared and "transport_encryption" in KernelManager.class_trait_names():
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    if os.name == "posix":
        return Config({"KernelManager": {"transport": "ipc"}})
    return Config()


def _kernel_manager_class():
    """nbclient's kernel manager, less the SIGINT it sends before every shutdown.

    jupyter_client interrupts a kernel before asking it to shut down; an idle ipykernel (>= 7) then logs
    "KeyboardInterrupt caught in kernel" to the run's stderr once per notebook. A kernel that is still busy
    is terminated after the shutdown wait as before.
    """
    from jupyter_client import AsyncKernelManager

    class QuietShutdownKernelManager(AsyncKernelManager):
        async def _async_interrupt_kernel(self) -> None:
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return QuietShutdownKernelManager


def _check_kernel(name: str) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    names = sorted(KernelSpecManager().find_kernel_specs())
    if name not in names:
        raise ParameterError(
            f"--kernel {name!r} is not an installed Jupyter kernel; installed: {', '.join(names)}"
        )


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise ParameterError(f"--out {str(out)!r} is not writable: {exc.strerror or exc}") from None


def _git_revision() -> str | None:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if rev.returncode != 0:
        return None
    return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version(), "campaignkit": __version__}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _input_checksums(notebooks: list[Path]) -> dict[str, str]:
    sums = {f"notebooks/{p.name}": sha256_file(p) for p in notebooks}
    home = config.data_home()
    if home.is_dir():
        for p in sorted(home.glob("*.csv")) + sorted(home.glob("*.parquet")):
            sums[f"data_home/{p.name}"] = sha256_file(p)
    return sums


def _to_html(ipynb: Path) -> Path:
    from campaignkit.report_html import notebook_to_html

    return notebook_to_html(ipynb)


def run_report(
    out: str | Path | None = None,
    only: str | list[str] | None = None,
    quick: bool = False,
    parameters: dict[str, Any] | None = None,
    *,
    notebooks_dir: str | Path | None = None,
    kernel_name: str | None = None,
    html_output: bool = True,
    progress: bool | None = None,
) -> ReportResult:
    """Execute the numbered notebooks in order and write a report folder.

    Args:
        out: Report folder; defaults to ``reports/<UTC timestamp>/``.
        only: Notebook numbers to run (``"00,03"``); None runs all.
        quick: Pass ``QUICK=True`` (small data, few epochs) to every notebook that declares it.
        parameters: ``{NAME: value}``; each notebook receives the ones it declares, checked first against
            the type and range it declares (:mod:`campaignkit.nbparams`). Explicit values win over the
            notebook's quick settings.
        notebooks_dir: Where the notebooks live; defaults to ``config.NOTEBOOKS_DIR``.
        kernel_name: Jupyter kernel; defaults to ``campaignkit`` when registered, else ``python3``.
        html_output: Also render each executed notebook to HTML.
        progress: True: a bar and a line per notebook; None: a bar in a terminal, else a line per notebook
            (``make run > log`` shows them); False: silent.

    Returns:
        A :class:`ReportResult` describing what was written.

    Raises:
        ParameterError: Unknown notebook or kernel, a parameter no selected notebook declares or of the
            wrong type or range, unwritable ``out`` - all before any kernel starts.
        NotebookError: A notebook failed; the message names notebook and cell, the partial copy is kept.
    """
    notebooks = select_notebooks(discover_notebooks(notebooks_dir), only)
    if not notebooks:
        raise ParameterError(
            f"no numbered notebooks (NN_topic.ipynb) found in {notebooks_dir or config.NOTEBOOKS_DIR}"
        )
    explicit = dict(parameters or {})
    parameters = dict(explicit)
    if quick:
        parameters.setdefault("QUICK", True)  # an explicit -p QUICK=... wins
    specs = {p: nbparams.declared(p) for p in notebooks}
    all_declared = set().union(*(s.params.keys() for s in specs.values()))
    unknown = sorted(set(parameters) - all_declared - ({"QUICK"} if quick else set()))
    if unknown:
        raise ParameterError(
            f"parameter(s) {', '.join(unknown)} not declared by any selected notebook; "
            f"declared: {', '.join(sorted(all_declared)) or 'none'}"
        )
    for src, spec in specs.items():  # type and range, before any kernel starts
        for name, value in explicit.items():
            if name in spec.params:
                nbparams.check(name, value, spec.params[name], src.name)
    kernel = kernel_name or _default_kernel()
    _check_kernel(kernel)
    stamp = _dt.datetime.now(_dt.UTC)
    out_dir = Path(out) if out else config.reports_dir() / stamp.strftime("%Y%m%dT%H%M%SZ")
    out_dir = out_dir.expanduser().resolve()
    _check_writable(out_dir)
    result = ReportResult(out_dir=out_dir)
    manifest: dict[str, Any] = {
        "created": stamp.isoformat(timespec="seconds"),
        "parameters": parameters,
        "quick": quick,
        "kernel": kernel,
        "notebooks": [p.name for p in notebooks],
        "versions": _versions(),
        "platform": {
            "system": platform.system(),
            "machine": platform.machine(),
            "python": sys.version.split()[0],
        },
        "git_revision": _git_revision(),
        "inputs_sha256": _input_checksums(notebooks),
        "data_home": str(config.data_home()),
    }
    show_bar = interactive() if progress is None else progress
    bar = tqdm(notebooks, desc="notebooks", unit="nb", disable=not show_bar)
    # one line per notebook, when it is done: in a terminal the bar names the one running, in a log
    # `progress.log` in the report folder does
    say = tqdm.write if show_bar else step_line
    with _run_pseudonym_key(), _report_env():
        for i, src in enumerate(bar, 1):
            bar.set_postfix_str(src.stem)
            _execute(src, specs[src], parameters, explicit, quick, kernel, out_dir, html_output, result)
            if progress is not False:
                say(f"report [{i}/{len(notebooks)}] {src.name}: {_summary(result.notebooks[-1])}")
    manifest["notebook_parameters"] = {nb.stem: nb.parameters for nb in result.notebooks}
    manifest["seconds"] = {nb.stem: round(nb.seconds, 2) for nb in result.notebooks}
    write_text(out_dir / "metrics.json", json.dumps(result.metrics, indent=2, default=str))
    write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2, default=str))
    from campaignkit.report_index import write_index

    write_index(result, manifest)
    return result


def _summary(nb: NotebookResult) -> str:
    judged = [g.passed for g in nb.glued.values() if g.passed is not None]
    met = f", {judged.count(True)}/{len(judged)} targets met" if judged else ""
    return f"done in {nb.seconds:.1f} s, {len(nb.metrics)} metrics{met}"


@contextlib.contextmanager
def _report_env():
    """Kernels of a report know they are writing a document: progress as lines, no live bars."""
    old = os.environ.get(REPORT_ENV)
    os.environ[REPORT_ENV] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(REPORT_ENV, None)
        else:
            os.environ[REPORT_ENV] = old


@contextlib.contextmanager
def _run_pseudonym_key():
    """One random pseudonym key for all the kernels of a run (unless the user set one); never recorded."""
    if os.environ.get(KEY_ENV):
        yield
        return
    os.environ[KEY_ENV] = secrets.token_hex(32)
    try:
        yield
    finally:
        os.environ.pop(KEY_ENV, None)


def _execute(
    src: Path,
    spec,
    parameters,
    explicit,
    quick,
    kernel,
    out_dir: Path,
    html_output: bool,
    result: ReportResult,
) -> None:
    """Execute one notebook into ``out_dir`` and append its :class:`NotebookResult`."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    nb_params = {k: v for k, v in parameters.items() if k in spec.params}
    used = nbparams.effective(spec, explicit, quick)
    notebook = nbparams.pin_explicit(nbformat.read(str(src), as_version=4), spec, explicit)
    target = out_dir / src.name
    t0 = _dt.datetime.now()
    failure = None
    # the kernels' stderr (the kit's step and epoch lines) goes, as it comes, to one progress log of the run
    with atomic_path(target) as tmp, open(out_dir / PROGRESS_LOG, "a", encoding="utf-8") as log:
        log.write(f"== {src.name}: running\n")
        log.flush()
        try:
            papermill.execute_notebook(
                notebook,
                str(tmp),
                parameters=nb_params,
                kernel_name=kernel,
                progress_bar=False,
                cwd=str(out_dir),
                config=_kernel_config(kernel),
                kernel_manager_class=_kernel_manager_class(),
                stderr_file=log,
            )
        except PapermillExecutionError as exc:
            failure = exc
        log.write(
            f"== {src.name}: {'failed' if failure else 'done'} in "
            f"{(_dt.datetime.now() - t0).total_seconds():.1f} s\n"
        )
    if failure is not None:
        raise NotebookError(
            f"{src.name} failed in cell {failure.cell_index} (execution count {failure.exec_count}): "
            f"{failure.ename}: {failure.evalue}. Partial executed copy kept at {target}"
        )
    seconds = (_dt.datetime.now() - t0).total_seconds()
    html_path = _to_html(target) if html_output else None
    glued = read_glued_records(target)
    metrics = {name: rec.value for name, rec in glued.items()}
    result.notebooks.append(NotebookResult(src.stem, target, html_path, used, metrics, seconds, glued))
