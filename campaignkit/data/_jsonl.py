"""JSON-lines files read fast, every line accounted for: records, blank lines, lines that do not parse.

:func:`read_jsonl` reads with pyarrow (one pass in C) and falls back to ``json.loads`` line by line only when
that fails (a line that is not JSON, or a field whose type changes between records). Nested objects are
flattened (``value.amount`` -> ``amount``). Blank lines and lines that are not a JSON object come back as
quarantine rows (rule :data:`BLANK_LINE_RULE`, reason ``blank line`` or ``not a JSON object: ...``), to pass to
:func:`~campaignkit.data.validate.validate` as ``prior_quarantine``: they count in ``rows_in``, none vanishes.
Rows are numbered by their 0-based line in the file (file line = row + 1), blank lines included.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from campaignkit.data.validate import SOURCE_FILE, SOURCE_ROW
from campaignkit.errors import SchemaError

__all__ = ["BLANK_LINE_RULE", "JsonLines", "read_jsonl"]

BLANK_LINE_RULE = "field_count"
"""Quarantine rule of a line that holds no record (blank, or not a JSON object): it has no fields."""
_WHITESPACE = (9, 11, 12, 13, 32)


@dataclass
class JsonLines:
    """A JSON-lines file read.

    Attributes:
        frame: One row per record, nested fields flattened, with ``line`` (0-based line in the file) and the
            provenance columns ``_source_file``, ``_source_row`` (= ``line``).
        rejected: The lines without a record, in the quarantine layout (``rule, reason, source_file,
            source_row``).
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame


def _line_spans(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of every line; the empty tail after a final newline is not a line."""
    buf = np.frombuffer(raw, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.concatenate([[0], nl + 1])
    ends = np.concatenate([nl, [len(buf)]])
    if starts[-1] == len(buf):
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def _blank_mask(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Lines holding only whitespace; only lines that are empty or start with whitespace are looked at."""
    buf = np.frombuffer(raw, dtype=np.uint8)
    blank = starts == ends
    first = buf[np.minimum(starts, max(len(buf) - 1, 0))] if len(buf) else np.zeros(0, dtype=np.uint8)
    maybe = np.flatnonzero(~blank & np.isin(first, _WHITESPACE))
    for i in maybe:  # rare: indented or whitespace-only lines
        blank[i] = not raw[starts[i] : ends[i]].strip()
    return blank


def _parse_slow(raw: bytes, starts, ends, lines: np.ndarray) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Line by line: every record that parses, and ``(line, reason)`` for those that do not."""
    records, kept, bad = [], [], []
    for i in lines:
        text = raw[starts[i] : ends[i]].decode("utf-8", errors="replace")
        try:
            rec = json.loads(text)
        except ValueError as exc:
            bad.append((int(i), f"not a JSON object: {exc}"))
            continue
        if not isinstance(rec, dict):
            bad.append((int(i), f"not a JSON object: {type(rec).__name__}"))
            continue
        records.append(rec)
        kept.append(int(i))
    frame = pd.json_normalize(records) if records else pd.DataFrame()
    frame["line"] = np.asarray(kept, dtype="int64")
    return frame, bad


def read_jsonl(path) -> JsonLines:
    """Read a JSON-lines file fast (pyarrow), line by line only when that fails; blank lines counted.

    Args:
        path: The file.

    Returns:
        A :class:`JsonLines`.

    Raises:
        SchemaError: The file holds no record (``empty_file``).
    """
    path = Path(path)
    raw = path.read_bytes()
    starts, ends = _line_spans(raw)
    blank = _blank_mask(raw, starts, ends)
    full = np.flatnonzero(~blank)
    if not len(full):
        raise SchemaError("empty_file", "the file holds no JSON record", file=str(path))
    bad: list[tuple[int, str]] = [(int(i), "blank line") for i in np.flatnonzero(blank)]
    try:
        table = pa_json.read_json(io.BytesIO(raw))
        if table.num_rows != len(full):
            raise pa.ArrowInvalid("record count differs from the non-blank lines")
        frame = table.flatten().to_pandas()
        frame["line"] = full.astype("int64")
    except pa.ArrowInvalid:
        frame, errors = _parse_slow(raw, starts, ends, full)
        bad += errors
    frame.columns = [c.removeprefix("value.") for c in frame.columns]
    frame[SOURCE_FILE] = str(path)
    frame[SOURCE_ROW] = frame["line"]
    rejected = pd.DataFrame(
        {
            "rule": BLANK_LINE_RULE,
            "reason": [r for _, r in bad],
            "source_file": str(path),
            "source_row": np.asarray([i for i, _ in bad], dtype="int64"),
        }
    )
    return JsonLines(frame, rejected)
