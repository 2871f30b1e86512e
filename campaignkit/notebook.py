"""Record key metrics from a notebook and read them back (a small stand-in for scrapbook).

``glue(name, value, description=..., unit=..., target=...)`` displays the value under a custom MIME type,
with its description, unit and target in the output's metadata; the executed notebook then carries both in
its outputs. :func:`read_glued` collects every glued value from the ``.ipynb`` file, :func:`read_glued_records`
the values with what describes them (the report index shows those), so a metric is described in one place:
next to the call that records it.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from dataclasses import dataclass
from numbers import Number
from pathlib import Path
from typing import Any

GLUE_MIMETYPE = "application/vnd.campaignkit.glue+json"

__all__ = [
    "GLUE_MIMETYPE",
    "LIBRARY_MODULES",
    "Glued",
    "format_value",
    "glue",
    "quiet_warnings",
    "read_glued",
    "read_glued_records",
]

LIBRARY_MODULES = (
    "pytorch_lightning",
    "lightning",
    "lightning_fabric",
    "lightning_utilities",
    "torch",
    "torchmetrics",
    "sklearn",
    "shap",
    "numba",
    "pandas",
    "pyarrow",
    "duckdb",
    "matplotlib",
    "scipy",
    "jupyter_client",
)
"""Libraries whose deprecation notices :func:`quiet_warnings` keeps out of notebooks and reports."""


@dataclass(frozen=True)
class Glued:
    """One glued metric as an executed notebook recorded it.

    Attributes:
        name: Metric name.
        value: The JSON value (int, float, bool, str, None or a small dict).
        description: What it measures, in a few words (None when the notebook gave none).
        unit: Its unit, e.g. ``"users"``, ``"s"``, ``"$ per user"``; ``"share"`` is a fraction shown in %.
        target: ``(low, high)`` the value should lie in (either bound may be None), or None.
    """

    name: str
    value: Any
    description: str | None = None
    unit: str | None = None
    target: tuple[float | None, float | None] | None = None

    @property
    def passed(self) -> bool | None:
        """True/False when there is a target and a numeric value, else None."""
        if self.target is None or isinstance(self.value, bool) or not isinstance(self.value, Number):
            return None
        low, high = self.target
        if not math.isfinite(self.value):
            return False
        return (low is None or self.value >= low) and (high is None or self.value <= high)

    @property
    def text(self) -> str:
        """The value rounded for reading (see :func:`format_value`)."""
        return format_value(self.value, self.unit)

    @property
    def target_text(self) -> str:
        """The target as ``≥ low``, ``≤ high`` or ``low – high`` ("" without one)."""
        if self.target is None:
            return ""
        low, high = (None if b is None else format_value(b, self.unit) for b in self.target)
        if low is not None and high is not None:
            return low if low == high else f"{low} – {high}"
        return f"≥ {low}" if low is not None else f"≤ {high}"


def format_value(value: Any, unit: str | None = None) -> str:
    """Round a metric for reading: three significant digits, thousands separators, no float noise.

    Args:
        value: A glued value.
        unit: ``"share"`` shows a fraction as a percentage; any other unit leaves the number as it is.

    Returns:
        E.g. ``"12,345"``, ``"0.812"``, ``"27.8 %"``, ``"1.2e-05"``, ``"yes"``.
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v, unit)}" for k, v in value.items())
    if value is None or isinstance(value, str) or not isinstance(value, Number):
        return "–" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    suffix = ""
    if unit == "share":
        value, suffix = value * 100.0, " %"
    size = abs(value)
    if size == 0:
        text = "0"
    elif size >= 1000:
        text = f"{round(value):,}"
    elif size >= 1e-3:
        text = f"{float(f'{value:.3g}'):g}" if size < 100 else f"{value:.1f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.2g}"
    return text + suffix


def quiet_warnings(modules: tuple[str, ...] = LIBRARY_MODULES) -> None:
    """Hide the deprecation notices that libraries raise about their own internals.

    A ``DeprecationWarning``, ``PendingDeprecationWarning`` or ``FutureWarning`` attributed to one of
    ``modules`` (e.g. Lightning's about a torch internal) tells a notebook's reader nothing they can act on,
    and shows the machine's paths in a report. Warnings from the kit and from the notebook's own code, and
    every other category, still show. Notebooks call it once, after their imports.

    Args:
        modules: Top-level package names whose notices are hidden.
    """
    names = "|".join(re.escape(m) for m in modules)
    pattern = rf"({names})(\..*)?$"
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category, module=pattern)


def _target(target: Any, name: str) -> list[float | None] | None:
    if target is None:
        return None
    if not isinstance(target, (tuple, list)) or len(target) != 2:
        raise ValueError(f"glue({name!r}): target must be (low, high), either bound may be None")
    bounds = [None if b is None else float(b) for b in target]
    if all(b is None for b in bounds) or (None not in bounds and bounds[0] > bounds[1]):
        raise ValueError(f"glue({name!r}): target {tuple(target)} is not an interval")
    return bounds


def _to_jsonable(value: Any, name: str) -> Any:
    """Convert numpy scalars and small dicts to plain JSON types, or raise a clear error."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Number):
        value = float(value) if not isinstance(value, int) else value
        if isinstance(value, float) and not math.isfinite(value):
            return value  # recorded as-is; tests decide whether non-finite is acceptable
        return value
    if isinstance(value, dict):
        if len(value) > 200:
            raise ValueError(f"glue({name!r}): a dict of {len(value)} entries is too large; glue a summary")
        return {str(k): _to_jsonable(v, f"{name}.{k}") for k, v in value.items()}
    raise TypeError(
        f"glue({name!r}): value of type {type(value).__name__} is not a JSON scalar or small dict"
    )


def glue(
    name: str,
    value: Any,
    display: bool = True,
    *,
    description: str | None = None,
    unit: str | None = None,
    target: tuple[float | None, float | None] | None = None,
) -> None:
    """Record ``value`` under ``name`` in the running notebook's outputs.

    Args:
        name: Metric name, e.g. ``"n_users"``.
        value: A JSON scalar (int, float, bool, str, None), a numpy scalar, or a small dict of those.
        display: Also show a plain-text line ``name = value unit`` in the notebook.
        description: What the metric measures, in a few words; the report index shows it.
        unit: Its unit (``"users"``, ``"s"``, ``"$ per user"``, ``"share"`` for a fraction shown in %).
        target: ``(low, high)`` where the known truth says the value should lie (None for an open bound);
            the index marks the metric pass or fail.

    Raises:
        TypeError: ``value`` is not a JSON scalar or a small dict of them.
        ValueError: empty ``name`` or a ``target`` that is not an interval.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("glue(name, value): name must be a non-empty string")
    payload = _to_jsonable(value, name)
    meta = {"description": description, "unit": unit, "target": _target(target, name)}
    meta = {k: v for k, v in meta.items() if v is not None}
    try:
        from IPython.display import display as ipy_display
    except ImportError:  # pragma: no cover - IPython ships with the kit
        return
    rec = Glued(name, payload, description, unit, None if "target" not in meta else tuple(meta["target"]))
    text = ""
    if display:
        text = f"{name} = {rec.text}" + (f" {unit}" if unit and unit != "share" else "")
        if rec.passed is not None:
            text += f"  (target {rec.target_text}: {'pass' if rec.passed else 'FAIL'})"
    ipy_display(
        {GLUE_MIMETYPE: {"name": name, "value": payload}, "text/plain": text},
        raw=True,
        metadata={GLUE_MIMETYPE: meta} if meta else None,
    )


def read_glued(path: str | Path) -> dict[str, Any]:
    """Read every glued value from an executed notebook.

    Args:
        path: Path to an executed ``.ipynb``.

    Returns:
        ``{name: value}`` in the order they were glued (a later glue of the same name wins).
    """
    return {name: rec.value for name, rec in read_glued_records(path).items()}


def read_glued_records(path: str | Path) -> dict[str, Glued]:
    """Read every glued metric from an executed notebook, with its description, unit and target.

    Args:
        path: Path to an executed ``.ipynb``.

    Returns:
        ``{name: Glued}`` in the order they were glued (a later glue of the same name wins); a metric
        glued without keywords has ``description``, ``unit`` and ``target`` None.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, Glued] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {})
            if GLUE_MIMETYPE not in data:
                continue
            rec = data[GLUE_MIMETYPE]
            if isinstance(rec, str):
                rec = json.loads(rec)
            meta = (output.get("metadata") or {}).get(GLUE_MIMETYPE) or {}
            target = meta.get("target")
            out.pop(rec["name"], None)
            out[rec["name"]] = Glued(
                rec["name"],
                rec["value"],
                meta.get("description"),
                meta.get("unit"),
                tuple(target) if target is not None else None,
            )
    return out
