"""Load and validate Parquet files chunk by chunk, so memory follows the kept table, not the input.

:func:`load_parquet_chunked` reads each file in batches of ``chunk_rows``, validates every batch with
:func:`~campaignkit.data.validate.validate` (all row rules but ``duplicate``), and keeps a 64-bit hash of
every kept row. Exact repeats are then found across the whole input: equal hashes are candidates, and a full
comparison of the candidate rows decides, so the result is the same as one validation of everything
(first occurrence kept, later ones quarantined under ``duplicate``). The kept columns are assembled one at a
time, each freed from the batches as soon as it is copied, so the peak is about one kept table plus one
batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from campaignkit.data.schema import ROW_RULES, TableSchema
from campaignkit.data.validate import SOURCE_FILE, SOURCE_ROW, ValidationResult, validate
from campaignkit.errors import SchemaError

__all__ = ["CHUNK_ROWS", "iter_parquet_chunks", "load_parquet_chunked", "open_parquet", "row_hash"]

CHUNK_ROWS = 2_000_000
"""Rows per batch when a Parquet input is validated in chunks."""

_MIX = np.uint64(0x9E3779B97F4A7C15)
_MUL = np.uint64(0xBF58476D1CE4E5B9)


def open_parquet(path: Path) -> tuple[pq.ParquetFile, list[str]]:
    """Open a Parquet file and return it with its column names, or a SchemaError (empty, unreadable, a
    column named twice) naming the file."""
    file = str(path)
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        if path.stat().st_size == 0:
            raise SchemaError("empty_file", "the file is empty", file=file) from None
        raise SchemaError("encoding", f"not a readable Parquet file: {exc}", file=file) from None
    names = pf.schema_arrow.names
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SchemaError(
            "duplicate_column", f"the file names {dupes} more than once", file=file, column=dupes[0]
        )
    return pf, names


def _batches(path: Path, columns, chunk_rows: int, dictionary: list[str]) -> Iterator[pa.Table]:
    """Whole row groups, gathered up to about ``chunk_rows`` rows (read with threads), else sliced."""
    pf = pq.ParquetFile(
        path, read_dictionary=[c for c in dictionary if c in pq.ParquetFile(path).schema_arrow.names]
    )
    meta = pf.metadata
    group, rows = [], 0
    for i in range(meta.num_row_groups):
        n = meta.row_group(i).num_rows
        if group and rows + n > chunk_rows:
            yield pf.read_row_groups(group, columns=columns)
            group, rows = [], 0
        group.append(i)
        rows += n
    if group:
        table = pf.read_row_groups(group, columns=columns)
        for lo in range(0, table.num_rows, chunk_rows):  # one huge row group: slices (views, no copy)
            yield table.slice(lo, chunk_rows)


def iter_parquet_chunks(
    files: list[Path],
    columns: list[str] | None,
    chunk_rows: int,
    nullable_int: dict,
    dictionary: list[str] = (),
) -> Iterator[pd.DataFrame]:
    """Yield each file's rows in batches, with ``_source_file`` (categorical) and ``_source_row``.

    Columns in ``dictionary`` are read as categoricals (text with few distinct values: cheap to check).
    """
    for path in files:
        file = str(path)
        pf, names = open_parquet(path)
        cols = None if columns is None else [c for c in columns if c in set(names)]
        offset = 0
        try:
            for batch in _batches(path, cols, chunk_rows, dictionary):
                frame = batch.to_pandas()
                for i, f in enumerate(batch.schema):
                    if pa.types.is_integer(f.type) and batch.column(i).null_count:
                        frame[f.name] = batch.column(i).to_pandas(types_mapper=nullable_int.get)
                n = len(frame)
                frame[SOURCE_FILE] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[file])
                frame[SOURCE_ROW] = np.arange(offset, offset + n, dtype=np.int64)
                offset += n
                yield frame
        except (pa.ArrowException, OSError) as exc:
            raise SchemaError("encoding", f"the Parquet data do not read: {exc}", file=file) from None
        if offset == 0:  # a file without rows still has a schema: validate an empty frame of it
            frame = pf.schema_arrow.empty_table().to_pandas()
            frame[SOURCE_FILE] = pd.Categorical([], categories=[file])
            frame[SOURCE_ROW] = np.zeros(0, dtype=np.int64)
            yield frame


def row_hash(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit hash of each row over ``columns`` (equal rows, equal hashes; a collision only costs a check).

    Returns:
        Array of shape (n_rows,) of uint64.
    """
    h = np.full(len(frame), _MIX, dtype=np.uint64)
    for c in columns:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype):  # codes -1 (missing) pick the last entry
            v = _hash_values(s.cat.categories)[s.cat.codes.to_numpy()]
        elif isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(s.dtype):
            v = s.astype("int64").to_numpy().view(np.uint64)  # epoch ticks; NaT a fixed value
        elif s.dtype in (np.int64, np.float64):
            v = s.to_numpy().view(np.uint64)
        else:
            codes, uniq = pd.factorize(s, use_na_sentinel=True)
            v = _hash_values(uniq)[codes]
        with np.errstate(over="ignore"):
            h = (h ^ v) * _MUL
            h ^= h >> np.uint64(31)
    return h


def _hash_values(values) -> np.ndarray:
    """Hashes of distinct values as text, plus one last entry for a missing value (code -1)."""
    text = np.asarray([str(v) for v in values], dtype=object)
    return np.append(pd.util.hash_array(text) if len(text) else np.zeros(0, np.uint64), np.uint64(1))


def load_parquet_chunked(
    files: list[Path],
    schema: TableSchema,
    *,
    label: str,
    chunk_rows: int = CHUNK_ROWS,
    columns: list[str] | None = None,
    prepare=None,
    nullable_int: dict | None = None,
    check_duplicates: bool = True,
    **validate_kw,
) -> ValidationResult:
    """Validate Parquet files batch by batch into one :class:`ValidationResult`.

    Args:
        files: Parquet files, in order.
        schema: The canonical table.
        label: File label for messages.
        chunk_rows: Rows per batch.
        columns: Read only these columns when present.
        prepare: ``frame -> frame`` applied to each batch before validation (column and value maps).
        nullable_int: Arrow integer type -> pandas nullable dtype, for integer columns with gaps.
        check_duplicates: Quarantine exact repeats of an earlier row, across the whole input.
        **validate_kw: Passed to :func:`~campaignkit.data.validate.validate`.

    Returns:
        The result: the same rows kept and quarantined as one validation of everything.
    """
    kept_parts, quarantine_parts, hashes, where = [], [], [], []
    counts = dict.fromkeys(ROW_RULES, 0)
    rows_in = 0
    key = None
    # text columns with a vocabulary (event_type) have few values: read them as categoricals
    dictionary = [c.name for c in schema.columns if c.kind == "str" and c.vocabulary is not None]
    for frame in iter_parquet_chunks(files, columns, chunk_rows, nullable_int or {}, dictionary):
        if prepare is not None:
            frame = prepare(frame)
        res = validate(frame, schema, source_file=label, check_duplicates=False, **validate_kw)
        start = int(frame[SOURCE_ROW].iloc[0]) if len(frame) else 0
        where.append(
            (
                str(frame[SOURCE_FILE].cat.categories[0]),
                start,
                len(frame),
                res.quarantine["source_row"].to_numpy(dtype=np.int64),
            )
        )
        del frame
        pa.default_memory_pool().release_unused()  # hand the batch's Arrow buffers back now
        rows_in += res.rows_in
        for r, v in res.counts.items():
            counts[r] += v
        if len(res.quarantine):
            quarantine_parts.append(res.quarantine)
        if check_duplicates:
            key = list(schema.key) if schema.key else [c.name for c in schema.columns]
            hashes.append(row_hash(res.kept, key))
        kept_parts.append(res.kept)
    if not kept_parts:
        raise SchemaError("empty_file", "no Parquet rows or schema to read", file=label)
    if check_duplicates and rows_in:
        dup = _exact_repeats(kept_parts, hashes, key, where)
        if dup is not None:
            quarantine_parts.append(dup[1])
            counts["duplicate"] += len(dup[1])
            kept_parts = dup[0]
    kept = _concat_columns(kept_parts)
    quarantine = (
        pd.concat(quarantine_parts, ignore_index=True) if quarantine_parts else _empty_quarantine(kept)
    )
    quarantine = quarantine.sort_values(["source_file", "source_row"], kind="stable").reset_index(drop=True)
    return ValidationResult(kept, quarantine, counts, rows_in, schema.name, [str(f) for f in files])


def _exact_repeats(parts: list[pd.DataFrame], hashes: list[np.ndarray], key: list[str], where: list[tuple]):
    """Find later repeats of kept rows across batches; None when there are none.

    ``where`` holds, per batch, its file, first source row, row count and quarantined source rows, from
    which a kept row's source row is recovered (only for the few repeats found).
    """
    h = np.concatenate(hashes)
    hashes.clear()
    ordered = np.sort(h)  # a sort beats a hash table on tens of millions of uint64
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    del ordered
    if not len(repeated):
        return None
    cand = np.isin(h, repeated)
    bounds = np.cumsum([0] + [len(p) for p in parts])
    idx = np.flatnonzero(cand)
    rows = pd.concat(
        [
            parts[i].iloc[idx[(idx >= bounds[i]) & (idx < bounds[i + 1])] - bounds[i]]
            for i in range(len(parts))
        ],
        ignore_index=True,
    )
    repeat = idx[rows[key].duplicated(keep="first").to_numpy()]
    if not len(repeat):
        return None
    drop = np.zeros(len(h), dtype=bool)
    drop[repeat] = True
    kept, removed = [], []
    for i, p in enumerate(parts):
        d = drop[bounds[i] : bounds[i + 1]]
        if d.any():
            file, start, n, quarantined = where[i]
            source = np.setdiff1d(np.arange(start, start + n, dtype=np.int64), quarantined)[np.flatnonzero(d)]
            q = p[d].astype("object").reset_index(drop=True)
            q.insert(0, "rule", "duplicate")
            q.insert(1, "reason", f"repeats an earlier row on {key}")
            q.insert(2, "source_file", file)
            q.insert(3, "source_row", source)
            removed.append(q)
            p = p[~d].reset_index(drop=True)
        kept.append(p)
    return kept, pd.concat(removed, ignore_index=True)


def _concat_columns(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate batches column by column, dropping each column from the batches once copied."""
    if len(parts) == 1:
        return parts[0]
    names = list(parts[0].columns)
    cols = {}
    for c in names:
        cols[c] = pd.concat([p[c] for p in parts], ignore_index=True)
        for p in parts:
            del p[c]
    return pd.DataFrame(cols, copy=False)


def _empty_quarantine(kept: pd.DataFrame) -> pd.DataFrame:
    q = pd.DataFrame(
        {
            "rule": pd.Series(dtype=object),
            "reason": pd.Series(dtype=object),
            "source_file": pd.Series(dtype=object),
            "source_row": pd.Series(dtype="int64"),
        }
    )
    for c in kept.columns:
        q[c] = pd.Series(dtype=object)
    return q
