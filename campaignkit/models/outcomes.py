"""The outcome channels, defined once: what a campaign log records and every model predicts.

One :class:`Outcome` per channel names the prediction field (``participate``), the log column it is read
from (``participated``), its kind and whether a log may lack it. Networks, losses, base rates, baselines and
the prediction object all look outcomes up here by name, never by position.

A log may lack an *optional* outcome (Hillstrom records no retention): a column that is absent or entirely
missing is left out - its heads are not trained and its predictions not returned. A missing value in an
outcome a model needs, or a partly missing optional one, is a :class:`~campaignkit.errors.SchemaError` naming
the column and the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.errors import SchemaError

__all__ = [
    "Outcome",
    "OUTCOMES",
    "OUTCOME_NAMES",
    "LEARNED_OUTCOMES",
    "outcome",
    "present_outcomes",
    "check_outcomes",
]


@dataclass(frozen=True)
class Outcome:
    """One outcome channel.

    Attributes:
        name: The prediction field (``participate``, ``convert``, ...).
        column: The campaign-log column it is read from.
        kind: ``"binary"`` (a probability), ``"nonnegative"`` (an amount >= 0) or ``"real"``.
        required: Whether every campaign log must record it.
        derived: Computed by the kit from the log and the catalogue (discount paid, profit) rather than read.
    """

    name: str
    column: str
    kind: str
    required: bool = True
    derived: bool = False


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("participate", "participated", "binary"),
    Outcome("convert", "converted", "binary"),
    Outcome("revenue", "revenue", "nonnegative"),
    Outcome("discount", "discount", "nonnegative", derived=True),
    Outcome("profit", "profit", "real", derived=True),
    Outcome("retain", "retained", "binary", required=False),
)
"""Every outcome channel, in the order predictions list them."""

OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)

LEARNED_OUTCOMES: tuple[str, ...] = tuple(k for k in OUTCOME_NAMES if k != "profit")
"""Outcomes every model learns from the log; profit follows from them and the campaign economics
(:mod:`campaignkit.models.profit`)."""

_BY_NAME = {o.name: o for o in OUTCOMES}


def outcome(name: str) -> Outcome:
    """The :class:`Outcome` called ``name`` (raises ``KeyError`` naming the known ones)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r}; known: {list(OUTCOME_NAMES)}") from None


def _first_rows(mask: np.ndarray, k: int = 5) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask)[:k]]


def present_outcomes(log: pd.DataFrame) -> tuple[str, ...]:
    """Names of the outcomes a log records (derived ones always count), in :data:`OUTCOMES` order.

    An optional outcome counts when its column exists and holds at least one value.
    """
    names = []
    for o in OUTCOMES:
        if o.derived or o.required:
            names.append(o.name)
        elif o.column in log.columns and log[o.column].notna().any():
            names.append(o.name)
    return tuple(names)


def check_outcomes(log: pd.DataFrame, *, source: str = "campaign log") -> tuple[str, ...]:
    """Check the outcome columns of a campaign log and return the outcomes it records.

    Args:
        log: Campaign log.
        source: How the log is named in error messages (a file name, say).

    Returns:
        Names of the recorded outcomes (see :func:`present_outcomes`).

    Raises:
        SchemaError: A required outcome column is absent or holds a missing value, or an optional one is
            only partly recorded; the message names the column and the first rows.
    """
    for o in OUTCOMES:
        if o.derived:
            continue
        if o.column not in log.columns:
            if o.required:
                raise SchemaError(
                    "required_column", f"{source} lacks the outcome column {o.column!r}", column=o.column
                )
            continue
        values = pd.to_numeric(log[o.column], errors="coerce").to_numpy(dtype=float)
        missing = ~np.isfinite(values)
        if not missing.any() or (not o.required and missing.all()):
            continue
        rows = _first_rows(missing)
        what = "a required outcome" if o.required else "an optional outcome recorded for some rows only"
        raise SchemaError(
            "missing_value",
            f"{source}: column {o.column!r} ({what}) has {int(missing.sum())} missing or non-numeric "
            f"value(s), first at rows {rows}; drop or fill those rows before fitting",
            column=o.column,
            row=rows[0],
        )
    return present_outcomes(log)
