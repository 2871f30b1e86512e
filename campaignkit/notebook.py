"""Record key metrics from a notebook and read them back (a small stand-in for scrapbook).

``glue(name, value)`` displays the value under a custom MIME type; the executed notebook then carries it
in its outputs, and :func:`read_glued` collects every glued value from the ``.ipynb`` file.
"""

from __future__ import annotations

import json
import math
from numbers import Number
from pathlib import Path
from typing import Any

GLUE_MIMETYPE = "application/vnd.campaignkit.glue+json"

__all__ = ["GLUE_MIMETYPE", "glue", "read_glued"]


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


def glue(name: str, value: Any, display: bool = True) -> None:
    """Record ``value`` under ``name`` in the running notebook's outputs.

    Args:
        name: Metric name, e.g. ``"n_users"``.
        value: A JSON scalar (int, float, bool, str, None), a numpy scalar, or a small dict of those.
        display: Also show a plain-text line ``name = value`` in the notebook.

    Raises:
        TypeError: ``value`` is not a JSON scalar or a small dict of them.
    """
    if not isinstance(name, str) or not name:
        raise ValueError("glue(name, value): name must be a non-empty string")
    payload = _to_jsonable(value, name)
    try:
        from IPython.display import display as ipy_display
    except ImportError:  # pragma: no cover - IPython ships with the kit
        return
    text = f"{name} = {payload!r}" if display else ""
    ipy_display(
        {GLUE_MIMETYPE: {"name": name, "value": payload}, "text/plain": text},
        raw=True,
    )


def read_glued(path: str | Path) -> dict[str, Any]:
    """Read every glued value from an executed notebook.

    Args:
        path: Path to an executed ``.ipynb``.

    Returns:
        ``{name: value}`` in the order they were glued (a later glue of the same name wins).
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) or []:
            data = output.get("data", {})
            if GLUE_MIMETYPE in data:
                rec = data[GLUE_MIMETYPE]
                if isinstance(rec, str):
                    rec = json.loads(rec)
                out[rec["name"]] = rec["value"]
    return out
