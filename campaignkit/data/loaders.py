"""Read CSV and Parquet files (single files, folders and globs) into canonical, validated tables.

:func:`read_table` reads raw rows and their provenance (file, 0-based data row); file-level faults raise
:class:`~campaignkit.errors.SchemaError` naming the file and rule; rows with the wrong number of fields
(a truncated last line, a stray delimiter) come back as already-quarantined rows, never dropped.
:func:`load_table` maps the columns to the canonical names and runs
:func:`~campaignkit.data.validate.validate`, returning a
:class:`~campaignkit.data.validate.ValidationResult`.

CSV files are read with every column as text (so a quarantined row shows the value as written), with
pyarrow's CSV reader; blank (empty or whitespace-only) lines are skipped and do not count as rows
(``source_row`` counts records), but their number is reported (``RawTable.blank_lines``,
``ValidationResult.blank_lines``).
"""

from __future__ import annotations

import csv
import glob as _glob
import gzip
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from campaignkit.data.schema import get_schema
from campaignkit.data.stream import CHUNK_ROWS, load_parquet_chunked, open_parquet
from campaignkit.data.validate import SOURCE_FILE, SOURCE_ROW, ValidationResult, validate
from campaignkit.errors import DataNotFoundError, ParameterError, SchemaError

__all__ = [
    "RawTable",
    "resolve_paths",
    "read_table",
    "load_table",
    "load_events",
    "load_exposures",
    "load_users",
    "load_campaigns",
]

_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_OTHER_DELIMITERS = (";", "\t", "|")
_NULLS = ["", "NA", "N/A", "NULL", "null", "None"]
"""Text read as missing; ``NaN`` is not among them, so a NaN price is reported as non-finite."""
_NULLABLE_INT = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
}
_BLANK_LINE = re.compile(r"^[ \t\f\v]+(?=\r?$)", re.M)


@dataclass
class RawTable:
    """Rows as read, before validation.

    Attributes:
        frame: The rows that split into the header's fields, with ``_source_file`` and ``_source_row``.
        rejected: Rows the reader could not split (quarantine columns plus ``raw_line``).
        files: The files read, in order.
        blank_lines: Empty or whitespace-only lines skipped in CSV files (not records).
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    files: list[str]
    blank_lines: int = 0


def resolve_paths(path) -> list[Path]:
    """Expand a file, a folder (every CSV/Parquet file below it) or a glob into sorted file paths.

    Args:
        path: A path, a folder, a glob such as ``"logs/2024-*.parquet"``, or a list of those.

    Returns:
        Sorted list of files.

    Raises:
        DataNotFoundError: Nothing matches.
    """
    if isinstance(path, (list, tuple)):
        return [p for item in path for p in resolve_paths(item)]
    text = str(path)
    if any(ch in text for ch in "*?["):
        files = sorted(Path(p) for p in _glob.glob(text, recursive=True) if Path(p).is_file())
    else:
        p = Path(text).expanduser()
        if p.is_dir():
            files = sorted(f for f in _walk(p) if _fmt_of(f, None, strict=False))
        elif p.is_file():
            files = [p]
        else:
            raise DataNotFoundError(f"[file_not_found] no such file or folder: {text!r}")
    files = _unique_files(files)
    if not files:
        raise DataNotFoundError(f"[file_not_found] {text!r} matches no CSV or Parquet file")
    return files


def _walk(folder: Path) -> list[Path]:
    """Every file below ``folder``, following folder links but entering each real folder once (no loops)."""
    seen, out = set(), []
    for root, dirs, names in os.walk(folder, followlinks=True):
        st = os.stat(root)
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        out += [Path(root) / n for n in names if (Path(root) / n).is_file()]
    return out


def _unique_files(files: list[Path]) -> list[Path]:
    """Drop repeats of one real file (reached through links or a link loop), keeping the first path."""
    seen, out = set(), []
    for f in files:
        real = os.path.realpath(f)
        if real not in seen:
            seen.add(real)
            out.append(f)
    return out


def _fmt_of(path: Path, fmt: str | None, strict: bool = True) -> str | None:
    if fmt:
        if fmt not in ("csv", "parquet"):
            raise ParameterError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in _CSV_SUFFIXES:
        return "csv"
    if last in _PARQUET_SUFFIXES:
        return "parquet"
    if strict:
        raise ParameterError(
            f"cannot tell the format of {str(path)!r} from its name; pass fmt='csv' or 'parquet'"
        )
    return None


def _read_csv(path: Path, sep: str | None, encoding: str) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Rows, rejected rows and the number of blank (empty or whitespace-only) lines skipped."""
    file = str(path)
    if sep is None:
        sep = "\t" if ".tsv" in [s.lower() for s in path.suffixes] else ","
    text = _decode(path, encoding)
    text, sep = _excel_sep_line(_BLANK_LINE.sub("", text), sep)
    blank = sum(1 for ln in text.splitlines() if not ln.strip())
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    names = _header_names(first, sep, file)
    frame, bad = _parse_csv(text, names, sep, file)
    return (*_with_provenance(frame, bad, file), blank)


def _decode(path: Path, encoding: str) -> str:
    """The file's text (gunzipped when ``.gz``); empty files, bytes that do not decode and NULs raise."""
    file = str(path)
    raw = path.read_bytes()
    if path.suffix.lower() == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise SchemaError("encoding", f"not a readable gzip file: {exc}", file=file) from None
    if not raw.strip():
        raise SchemaError("empty_file", "the file is empty: expected a header line and data rows", file=file)
    enc = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = raw.decode(enc)
    except UnicodeDecodeError as exc:
        lines_before = raw[: exc.start].count(b"\n")
        raise SchemaError(
            "encoding",
            f"byte {exc.start} ({raw[exc.start : exc.start + 1]!r}) does not decode as {encoding}; "
            "re-save the file as UTF-8 or pass encoding=",
            file=file,
            row=max(lines_before - 1, 0) if lines_before else None,
        ) from None
    if "\x00" in text:
        _raise_nul(text, encoding, file)
    return text


def _raise_nul(text: str, encoding: str, file: str) -> None:
    nul = text.count("\x00")
    if nul > len(text) // 10:
        raise SchemaError(
            "encoding",
            f"{nul} NUL characters: the file is probably UTF-16, not {encoding}; pass encoding='utf-16'",
            file=file,
        )
    line = text[: text.index("\x00")].count("\n")
    raise SchemaError(
        "encoding",
        "a NUL character inside the text (a binary or corrupted file)",
        file=file,
        row=max(line - 1, 0),
    )


def _excel_sep_line(text: str, sep: str) -> tuple[str, str]:
    """Drop Excel's ``sep=;`` hint line (blank lines already emptied), taking the delimiter it names."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if first.startswith("sep=") and len(first.strip()) == 5:
        sep = first.strip()[4]
        text = text[text.index(first) + len(first) :].lstrip("\r\n")
    return text, sep


def _header_names(first: str, sep: str, file: str) -> list[str]:
    """Column names from the header line (``_unnamed_<i>`` for blanks); a wrong delimiter or a repeat raises."""
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    if len(header) == 1:
        others = [d for d in _OTHER_DELIMITERS if d != sep and d in first]
        if others:
            raise SchemaError(
                "delimiter",
                f"the header {first[:80]!r} is one column when split on {sep!r}; "
                f"the file seems to use {others[0]!r}: pass sep={others[0]!r}",
                file=file,
                row=None,
            )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise SchemaError(
            "duplicate_column", f"the header names {dupes} more than once", file=file, column=dupes[0]
        )
    return [h if h else f"_unnamed_{i}" for i, h in enumerate(header)]


def _parse_csv(text: str, names: list[str], sep: str, file: str) -> tuple[pd.DataFrame, list]:
    """All fields as text, and the records with a wrong field count (number, text, expected, actual)."""
    bad: list[tuple[int | None, str, int, int]] = []

    def handler(row):
        bad.append((row.number, row.text, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names, skip_rows=0),
            parse_options=pacsv.ParseOptions(delimiter=sep, invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=_NULLS
            ),
        )
    except pa.ArrowInvalid as exc:
        raise SchemaError("field_count", f"the CSV reader gave up: {exc}", file=file) from None
    # skip_rows=0 with explicit names reads the header as row 0: drop it, numbers stay 1-based with header=1
    return table.to_pandas().iloc[1:].reset_index(drop=True), bad


def _with_provenance(frame: pd.DataFrame, bad: list, file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attach file and row to the kept records; the rejected ones become ``field_count`` quarantine rows."""
    n_records = len(frame) + len(bad)
    bad_idx = np.array([b[0] - 2 for b in bad if b[0] is not None], dtype="int64")
    kept_idx = np.setdiff1d(np.arange(n_records, dtype="int64"), bad_idx)
    if len(kept_idx) != len(frame):  # pragma: no cover - row numbers unknown: fall back to read order
        kept_idx = np.arange(len(frame), dtype="int64")
    frame[SOURCE_FILE] = file
    frame[SOURCE_ROW] = kept_idx
    rejected = pd.DataFrame(
        {
            "rule": "field_count",
            "reason": [f"{b[3]} fields where the header has {b[2]}" + _hint(b, n_records) for b in bad],
            "source_file": file,
            "source_row": np.array([b[0] - 2 if b[0] is not None else -1 for b in bad], dtype="int64"),
            "raw_line": [b[1] for b in bad],
        }
    )
    return frame, rejected


def _hint(bad: tuple, n_records: int) -> str:
    number, text, expected, actual = bad
    if text.count('"') % 2:
        return " (an unbalanced quote: the record may run over the following lines, kept here in raw_line)"
    if number is not None and number - 2 == n_records - 1 and actual < expected:
        return " (truncated last line?)"
    return ""


def _read_parquet(path: Path, columns: list[str] | None) -> pd.DataFrame:
    file = str(path)
    pf, names = open_parquet(path)
    cols = None
    if columns is not None:
        have = set(names)
        cols = [c for c in columns if c in have]
    try:
        table = pf.read(columns=cols)
        frame = table.to_pandas()
        for i, f in enumerate(table.schema):  # integers with gaps: nullable, not float64 (exact, not "3.0")
            if pa.types.is_integer(f.type) and table.column(i).null_count:
                frame[f.name] = table.column(i).to_pandas(types_mapper=_NULLABLE_INT.get)
    except (pa.ArrowException, OSError) as exc:
        raise SchemaError("encoding", f"the Parquet data do not read: {exc}", file=file) from None
    frame[SOURCE_FILE] = file
    frame[SOURCE_ROW] = np.arange(len(frame), dtype="int64")
    return frame


def read_table(
    path,
    *,
    fmt: str | None = None,
    sep: str | None = None,
    encoding: str = "utf-8",
    columns: list[str] | None = None,
) -> RawTable:
    """Read raw rows from CSV or Parquet files, with provenance.

    Args:
        path: A file, a folder, a glob, or a list of those (see :func:`resolve_paths`).
        fmt: ``"csv"`` or ``"parquet"``; ``None`` infers it from each file's suffix.
        sep: CSV delimiter (``None``: tab for ``.tsv``, else comma).
        encoding: CSV text encoding.
        columns: For Parquet, read only these columns when present (CSV reads every column).

    Returns:
        A :class:`RawTable`.

    Raises:
        DataNotFoundError: Nothing matches ``path``.
        SchemaError: An empty file, undecodable bytes, a wrong delimiter, a duplicated column name.
    """
    frames, rejected, files, blank = [], [], [], 0
    for f in resolve_paths(path):
        kind = _fmt_of(f, fmt)
        if kind == "csv":
            frame, rej, n_blank = _read_csv(f, sep, encoding)
            rejected.append(rej)
            blank += n_blank
        else:
            frame = _read_parquet(f, columns)
        frames.append(frame)
        files.append(str(f))
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    rej = (
        pd.concat(rejected, ignore_index=True)
        if rejected
        else pd.DataFrame(columns=["rule", "reason", "source_file", "source_row", "raw_line"])
    )
    return RawTable(frame, rej, files, blank)


def _key_text(s: pd.Series) -> pd.Series:
    """Join keys as stripped text, whole floats as integers (``11.0`` -> ``"11"``), so a CSV's text ``"11"``,
    a Parquet int 11 and a pandas float 11.0 match."""
    if pd.api.types.is_float_dtype(s):
        v = s.to_numpy(dtype=float)
        ok = np.isfinite(v)
        if np.all(v[ok] == np.round(v[ok])):
            s = s.astype("Int64")
    return s.astype("string").str.strip()


@dataclass
class _Lookup:
    """One lookup join of :func:`load_table`: ``column`` = the value of ``value`` in the row of the table
    whose ``table_key`` equals the row's ``row_key``; misses counted over every batch."""

    column: str
    row_key: str
    table_key: str
    values: pd.Series
    rows: int = 0
    missed: int = 0
    example: object = None

    def apply(self, frame: pd.DataFrame, file: str) -> pd.DataFrame:
        if self.column in frame.columns:
            raise ParameterError(
                f"lookups sets {self.column!r}, a column the file already has (after column_map); "
                "drop it from lookups or from the file"
            )
        if self.row_key not in frame.columns:
            raise SchemaError(
                "required_column",
                f"the lookup of {self.column!r} joins on {self.row_key!r}, which the rows lack (after column_map)",
                file=file,
                column=self.row_key,
            )
        keys = _key_text(frame[self.row_key])
        mapped = keys.map(self.values)
        miss = keys.notna().to_numpy() & mapped.isna().to_numpy()
        self.rows += len(frame)
        self.missed += int(miss.sum())
        if self.example is None and miss.any():
            self.example = keys[miss].iloc[0]
        frame[self.column] = mapped.to_numpy(dtype=object)
        return frame

    def warn(self) -> None:
        if self.missed:
            warnings.warn(
                f"{self.missed} of {self.rows} row(s) have an {self.row_key} (e.g. {self.example!r}) not in the "
                f"lookup table of {self.column!r} (its column {self.table_key!r}): kept, with {self.column!r} "
                "missing (a required column's rule then quarantines them)",
                UserWarning,
                stacklevel=4,
            )


def _lookup(column: str, spec) -> _Lookup:
    """A ``lookups`` entry ``(table, key, value)`` checked and turned into a key -> value map."""
    if not (isinstance(spec, tuple) and len(spec) == 3):
        raise ParameterError(
            f"lookups[{column!r}] must be a tuple (table, key, value), e.g. "
            f"(products, 'item_id', 'category'), got {spec!r}"
        )
    table, key, value = spec
    row_key, table_key = (key, key) if isinstance(key, str) else tuple(key)
    label = "<DataFrame>" if isinstance(table, pd.DataFrame) else str(table)
    frame = table if isinstance(table, pd.DataFrame) else read_table(table).frame
    for col in (table_key, value):
        if col not in frame.columns:
            raise SchemaError(
                "required_column",
                f"the lookup table of {column!r} has no column {col!r}; found {list(frame.columns)[:12]}",
                file=label,
                column=col,
            )
    pairs = pd.DataFrame({"key": _key_text(frame[table_key]), "value": frame[value]})
    pairs = pairs.dropna(subset=["key"]).drop_duplicates()
    repeated = pairs["key"].duplicated(keep=False)
    if repeated.any():
        first = pairs.loc[repeated, "key"].iloc[0]
        n = int((pairs["key"] == first).sum())
        raise ParameterError(
            f"the lookup table of {column!r} ({label}) gives {table_key} {first} {n} different {value!r} "
            f"values ({int(pairs.loc[repeated, 'key'].nunique())} key(s) so): one value per key is needed"
        )
    return _Lookup(column, row_key, table_key, pairs.set_index("key")["value"])


@dataclass
class _Maps:
    """What :func:`load_table` does to the rows before validation: rename, set constants, join lookups,
    translate values (in that order)."""

    column_map: dict | None = None
    value_map: dict | None = None
    constants: dict | None = None
    lookups: list = field(default_factory=list)

    def apply(self, frame: pd.DataFrame, file: str) -> pd.DataFrame:
        frame = _apply_maps(frame, self.column_map, None, file)
        for col, value in (self.constants or {}).items():
            if col in frame.columns:
                raise ParameterError(
                    f"constants sets {col!r}, a column the file already has (after column_map); "
                    "drop it from constants or map the file's column to another name"
                )
            frame[col] = value
        for lk in self.lookups:
            frame = lk.apply(frame, file)
        return _apply_maps(frame, None, self.value_map, file)

    def warn(self) -> None:
        for lk in self.lookups:
            lk.warn()


def _apply_maps(
    frame: pd.DataFrame, column_map: dict | None, value_map: dict | None, file: str
) -> pd.DataFrame:
    if column_map:
        missing = [src for src in column_map if src not in frame.columns]
        targets = list(column_map.values())
        if len(set(targets)) != len(targets):
            raise ParameterError(f"column_map maps two columns to one name: {column_map}")
        if missing:
            raise SchemaError(
                "required_column",
                f"column_map names source column(s) {missing} that the file "
                f"lacks; found {[c for c in frame.columns if not c.startswith('_')]}",
                file=file,
                column=missing[0],
            )
        clash = [t for t in targets if t in frame.columns and t not in column_map]
        frame = frame.drop(columns=clash).rename(columns=column_map)
    if value_map:
        for col, mapping in value_map.items():
            if col in frame.columns:
                s = frame[col]
                key = s.astype("string").str.strip().str.lower()
                low = {str(k).lower(): v for k, v in mapping.items()}
                mapped = key.map(low)
                frame[col] = mapped.where(mapped.notna(), s)
    return frame


def load_table(
    path,
    table: str = "events",
    *,
    column_map: dict | None = None,
    value_map: dict | None = None,
    constants: dict | None = None,
    lookups: dict | None = None,
    fmt: str | None = None,
    sep: str | None = None,
    encoding: str = "utf-8",
    chunk_rows: int = CHUNK_ROWS,
    **validate_kw,
) -> ValidationResult:
    """Read files, map their columns to the canonical names and validate them.

    Args:
        path: A file, folder, glob or list (see :func:`resolve_paths`).
        table: Canonical table: ``events``, ``users``, ``campaigns``, ``exposures`` or ``outcomes``.
        column_map: ``{source_name: canonical_name}``.
        value_map: ``{canonical_column: {source_value: canonical_value}}``, e.g.
            ``{"event_type": {"addtocart": "cart"}}`` (matched case-insensitively).
        constants: ``{canonical_column: value}`` set on every row, for a column the file lacks, e.g.
            ``{"event_type": "purchase", "quantity": 1}`` for a purchase-only transaction file.
        lookups: ``{canonical_column: (table, key, value)}``: the column is joined from ``table`` (a
            DataFrame, or a CSV/Parquet path read with :func:`read_table`), taking its column ``value`` in
            the row whose key matches the row's. ``key`` is a column name both sides share, or a pair
            ``(rows' column, table's column)``, e.g. ``{"category": (products, ("item_id", "PRODUCT_ID"),
            "COMMODITY_DESC")}``. Keys match as text (``"11"`` = 11 = 11.0). A row whose key the table
            lacks is kept with the column missing and counted in a UserWarning (a required column's
            ``missing_value`` rule then quarantines it). The order is: ``column_map``, ``constants``,
            ``lookups``, ``value_map``.
        fmt: ``"csv"``/``"parquet"``; ``None`` infers from the suffix.
        sep: CSV delimiter.
        encoding: CSV encoding.
        chunk_rows: Parquet inputs are read and validated in batches of this many rows
            (:mod:`campaignkit.data.stream`); the result is the same as one validation of everything.
        **validate_kw: Passed to :func:`~campaignkit.data.validate.validate` (``users``, ``campaigns``,
            ``window``, ``naive_tz``, ``ts_unit``, ``nullable``, ``check_duplicates``...).

    Returns:
        A :class:`~campaignkit.data.validate.ValidationResult` whose quarantine includes the rows the
        reader could not split.

    Raises:
        DataNotFoundError: Nothing matches ``path``.
        SchemaError: A file-level fault (see :func:`read_table`), a missing required column, or a join
            column missing from the rows or the lookup table.
        ParameterError: ``constants`` or ``lookups`` set a column the file has, or a lookup table gives one
            key two values.

    Warns:
        UserWarning: Rows whose lookup key the lookup table lacks (kept, the column missing).
    """
    schema = get_schema(table)
    maps = _Maps(column_map, value_map, constants, [_lookup(c, spec) for c, spec in (lookups or {}).items()])
    wanted = (
        None  # Parquet: read every column, or only the canonical (and mapped) ones when extras are dropped
    )
    if not validate_kw.get("keep_extra", True):
        inverse = {v: k for k, v in (column_map or {}).items()}
        wanted = [inverse.get(c, c) for c in schema.names]
    files = resolve_paths(path)
    if all(_fmt_of(f, fmt) == "parquet" for f in files):  # streamed: memory follows the kept rows
        label = str(files[0]) if len(files) == 1 else str(path)
        res = load_parquet_chunked(
            files,
            schema,
            label=label,
            chunk_rows=chunk_rows,
            columns=wanted,
            prepare=lambda fr: maps.apply(fr, label),
            nullable_int=_NULLABLE_INT,
            **validate_kw,
        )
        maps.warn()
        return res
    raw = read_table(path, fmt=fmt, sep=sep, encoding=encoding, columns=wanted)
    label = raw.files[0] if len(raw.files) == 1 else str(path)
    frame = maps.apply(raw.frame, label)
    maps.warn()
    result = validate(frame, schema, source_file=label, prior_quarantine=raw.rejected, **validate_kw)
    result.sources = raw.files
    result.blank_lines = raw.blank_lines
    return result


def load_events(path, **kw) -> ValidationResult:
    """Load canonical events (see :func:`load_table`; ``table="events"``)."""
    return load_table(path, "events", **kw)


def load_users(path, **kw) -> ValidationResult:
    """Load a users table (see :func:`load_table`; ``table="users"``)."""
    return load_table(path, "users", **kw)


def load_exposures(path, **kw) -> ValidationResult:
    """Load exposures (see :func:`load_table`; ``table="exposures"``)."""
    return load_table(path, "exposures", **kw)


def load_campaigns(path, **kw) -> ValidationResult:
    """Load a campaign catalogue (see :func:`load_table`; ``table="campaigns"``)."""
    return load_table(path, "campaigns", **kw)
