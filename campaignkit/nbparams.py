"""What a notebook's parameters are, and which values a report run really uses.

A numbered notebook declares its parameters in the cell tagged ``parameters`` (``N_USERS = 6_000  # users``);
its quick settings follow in a cell ``if QUICK: ...``. :func:`declared` reads both without a kernel:

* the **type** of each parameter is the type of its default (an int is accepted where a float is declared);
* the **range** is the one written in its comment as ``[low, high]`` (either side may be empty, e.g.
  ``[1, ]``), else the kit's convention by name (:data:`IMPLIED_RANGES`): seeds, counts, epochs, days,
  lengths, iterations and threads are >= 0, shares, rates, fractions and probabilities lie in [0, 1];
* the **quick values** are the literal assignments of the ``if QUICK:`` block.

:func:`check` refuses a value of the wrong type or out of range with a one-line
:class:`~campaignkit.errors.ParameterError`, before any kernel starts. :func:`effective` gives the values a
run uses: the defaults, then the quick values under ``--quick``, then the explicit ``-p`` values, which win;
:func:`pin_explicit` makes the executed notebook honour that order.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from campaignkit.errors import ParameterError

if TYPE_CHECKING:
    from nbformat import NotebookNode

__all__ = [
    "Parameter",
    "NotebookParameters",
    "IMPLIED_RANGES",
    "declared",
    "check",
    "effective",
    "pin_explicit",
]

IMPLIED_RANGES: tuple[tuple[str, tuple[str, ...], float | None, float | None], ...] = (
    (
        r"^(N_USERS|N_CATEGORIES|N_SEEDS|N_ENSEMBLE|MAX_LEN|MAX_EPOCHS|BATCH_SIZE|D_MODEL|CHUNK_USERS)$",
        ("int",),
        1,
        None,
    ),
    (
        r"^(SEED|N_\w+|\w*_(EPOCHS|DAYS|LEN|ITER|USERS|EVENTS|SEEDS|CATEGORIES)|MAX_\w+|MIN_\w+|THREADS|CHUNK_\w+|BOOTSTRAP)$",
        ("int", "float"),
        0,
        None,
    ),
    (r"^\w*(SHARE|RATE|FRACTION|PROB|ALPHA|HOLDOUT|SIZE)$", ("float",), 0.0, 1.0),
)
"""(name pattern, types, low, high): the range of a parameter whose comment states none; first match wins."""

_RANGE_RE = re.compile(r"\[\s*([^,\]]*)\s*,\s*([^\]]*)\]")
PIN_TAG = "explicit-parameters"


@dataclass
class Parameter:
    """One declared parameter: default, type name, inclusive range and help text."""

    name: str
    default: Any
    kind: str
    low: float | None = None
    high: float | None = None
    help: str = ""


@dataclass
class NotebookParameters:
    """The parameters of one notebook and the literal values of its ``if QUICK:`` block."""

    path: Path
    params: dict[str, Parameter] = field(default_factory=dict)
    quick: dict[str, Any] = field(default_factory=dict)
    quick_cell: int | None = None


def _literal(node) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return _Computed(ast.unparse(node))


class _Computed(str):
    """A value the notebook computes (not a literal): recorded as its source text."""


def _kind(value) -> str:
    for t in (bool, int, float, str):
        if isinstance(value, t) and not isinstance(value, _Computed):
            return t.__name__
    return "any"


def _range(name: str, comment: str, kind: str) -> tuple[float | None, float | None]:
    m = _RANGE_RE.search(comment)
    if m:
        lo, hi = (float(x.replace("_", "")) if x.strip() else None for x in m.groups())
        return lo, hi
    for pattern, kinds, lo, hi in IMPLIED_RANGES:
        if kind in kinds and re.match(pattern, name):
            return lo, hi
    return None, None


def _assignments(src: str) -> dict[str, Any]:
    out = {}
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = _literal(node.value)
                elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    for t, v in zip(target.elts, node.value.elts, strict=False):
                        if isinstance(t, ast.Name):
                            out[t.id] = _literal(v)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            out[node.target.id] = _literal(node.value)
    return out


def _is_quick_block(src: str) -> ast.If | None:
    try:
        body = ast.parse(src).body
    except SyntaxError:
        return None
    if (
        body
        and isinstance(body[0], ast.If)
        and isinstance(body[0].test, ast.Name)
        and body[0].test.id == "QUICK"
    ):
        return body[0]
    return None


def declared(path: str | Path) -> NotebookParameters:
    """Read a notebook's parameters cell and its ``if QUICK:`` block, without a kernel.

    Args:
        path: A ``.ipynb`` file.

    Returns:
        A :class:`NotebookParameters` (empty when the notebook has no ``parameters`` cell).
    """
    path = Path(path)
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    out = NotebookParameters(path)
    start = None
    for i, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            start = i
            src = "".join(cell.get("source", []))
            comments = {}
            for line in src.splitlines():
                m = re.match(r"^\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=.*?#(.*)$", line)
                if m:
                    comments[m.group(1)] = m.group(2).strip()
            for name, value in _assignments(src).items():
                kind = _kind(value)
                lo, hi = _range(name, comments.get(name, ""), kind)
                out.params[name] = Parameter(name, value, kind, lo, hi, comments.get(name, ""))
            break
    if start is None:
        return out
    for j in range(start + 1, len(cells)):
        cell = cells[j]
        if cell.get("cell_type") != "code":
            continue
        block = _is_quick_block("".join(cell.get("source", [])))
        if block is not None:
            out.quick_cell = j
            out.quick = _assignments(ast.unparse(ast.Module(body=block.body, type_ignores=[])))
        break  # only the first code cell after the parameters may be the quick block
    return out


def check(name: str, value: Any, spec: Parameter, notebook: str) -> None:
    """Refuse ``value`` for ``spec`` when its type or range is wrong.

    Raises:
        ParameterError: One line naming the parameter, the value, the notebook and what it accepts.
    """
    where = f"-p {name}={value!r}: {notebook} declares {name} = {spec.default!r}"
    ok_type = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
    }.get(spec.kind, True)
    if not ok_type:
        raise ParameterError(f"{where}, so it takes a {spec.kind}, not a {type(value).__name__}")
    if spec.kind in ("int", "float"):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParameterError(f"{where}, so it takes a finite number")
        if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
            lo = "" if spec.low is None else f"{spec.low:g}"
            hi = "" if spec.high is None else f"{spec.high:g}"
            raise ParameterError(f"{where}, so it takes a value in [{lo}, {hi}]")


def effective(spec: NotebookParameters, explicit: dict[str, Any], quick: bool) -> dict[str, Any]:
    """The values a run of this notebook uses: defaults, then quick values, then explicit ones.

    Values the notebook computes rather than states are recorded as their source text.
    """
    out = {name: p.default for name, p in spec.params.items()}
    if quick and "QUICK" in spec.params:
        out["QUICK"] = True
        out.update({k: v for k, v in spec.quick.items() if k in spec.params})
    out.update({k: v for k, v in explicit.items() if k in spec.params})
    return {k: (str(v) if isinstance(v, _Computed) else v) for k, v in out.items()}


def pin_explicit(nb, spec: NotebookParameters, explicit: dict[str, Any]) -> NotebookNode:
    """Insert, after the ``if QUICK:`` cell, a cell that sets again the explicit values it would override.

    Args:
        nb: The notebook (``nbformat`` node), changed in place.
        spec: Its :class:`NotebookParameters`.
        explicit: The ``-p`` values given to this notebook.

    Returns:
        ``nb``.
    """
    import nbformat

    names = [k for k in explicit if k in spec.quick and k != "QUICK"]
    if spec.quick_cell is None or not names:
        return nb
    src = "# explicit -p values win over the quick settings above\n" + "\n".join(
        f"{k} = {explicit[k]!r}" for k in names
    )
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = [PIN_TAG]
    nb.cells.insert(spec.quick_cell + 1, cell)
    return nb
