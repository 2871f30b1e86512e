"""DuckDB plumbing shared by the feature builders: connections, input sources, validation, cutoffs.

Inputs are either pandas DataFrames (registered as DuckDB views, zero copy where Arrow allows) or
paths / globs / folders of Parquet files (scanned out of core). Everything below works on the
views ``events_src`` and ``users_src`` so the SQL never needs to know where data came from.
"""

from __future__ import annotations

import glob as _glob
import os
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from campaignkit.data.schema import EVENT_TYPES
from campaignkit.errors import DataNotFoundError, ParameterError, SchemaError

__all__ = [
    "EVENT_COLUMNS",
    "connect",
    "register_source",
    "source_columns",
    "to_cutoff_us",
    "check_events",
    "check_users",
    "sql_literal",
    "source_label",
]

EVENT_COLUMNS = ("user_id", "ts", "event_type", "item_id", "category", "price", "quantity")
"""Columns every canonical event log carries (CONTRIBUTING.md, "Stage contracts")."""

US_PER_DAY = 86_400_000_000


def _default_threads() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    env = os.environ.get("CAMPAIGNKIT_DUCKDB_THREADS")
    return int(env) if env else max(1, n)


def _default_memory_limit() -> str:
    env = os.environ.get("CAMPAIGNKIT_DUCKDB_MEMORY")
    if env:
        return env
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return "4GB"
    # Half the machine, at most 16 GB: leaves room for numpy/pandas next to DuckDB's own buffers.
    return f"{max(1, min(16, int(total * 0.5 / 2**30)))}GB"


def connect(
    threads: int | None = None, memory_limit: str | None = None, temp_dir: str | Path | None = None
) -> duckdb.DuckDBPyConnection:
    """Open an in-memory DuckDB connection set up for out-of-core aggregation.

    Args:
        threads: Worker threads; default: the CPUs this process may use (or ``$CAMPAIGNKIT_DUCKDB_THREADS``).
        memory_limit: DuckDB memory limit such as ``"8GB"``; default half the RAM, at most 16 GB
            (or ``$CAMPAIGNKIT_DUCKDB_MEMORY``). Above it DuckDB spills to ``temp_dir``.
        temp_dir: Spill folder; default ``<system tmp>/campaignkit_duckdb``.

    Returns:
        A configured connection (UTC time zone, insertion order not preserved).
    """
    threads = _default_threads() if threads is None else int(threads)
    if threads < 1:
        raise ParameterError(f"threads must be >= 1, got {threads}")
    temp_dir = Path(temp_dir) if temp_dir else Path(tempfile.gettempdir()) / "campaignkit_duckdb"
    temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": memory_limit or _default_memory_limit(),
            "temp_directory": str(temp_dir),
            "preserve_insertion_order": False,
        }
    )
    return con


def _parquet_files(path) -> list[str]:
    """Expand a path, folder or glob (or a list of them) into Parquet files, or raise DataNotFoundError."""
    items = path if isinstance(path, (list, tuple)) else [path]
    files: list[str] = []
    for item in items:
        p = str(item)
        if os.path.isdir(p):
            found = sorted(_glob.glob(os.path.join(p, "**", "*.parquet"), recursive=True))
        elif any(ch in p for ch in "*?["):
            found = sorted(_glob.glob(p, recursive=True))
        else:
            found = [p] if os.path.isfile(p) else []
        if not found:
            raise DataNotFoundError(f"no Parquet file found at {p!r} (give a file, a folder or a glob)")
        files.extend(found)
    return files


def source_label(obj) -> str:
    """A short human name of an input, used in error messages."""
    if isinstance(obj, pd.DataFrame):
        return f"<DataFrame {len(obj)} rows>"
    return str(obj)


def register_source(con: duckdb.DuckDBPyConnection, name: str, obj) -> list[str] | None:
    """Make ``obj`` (DataFrame or Parquet path/glob/folder) queryable as the view ``name``.

    Args:
        con: Connection from :func:`connect`.
        name: View name, e.g. ``"events_src"``.
        obj: A pandas DataFrame, or a path, folder, glob or list of Parquet files.

    Returns:
        The list of Parquet files scanned, or None for a DataFrame.
    """
    if isinstance(obj, pd.DataFrame):
        con.register(f"{name}__df", obj)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name}__raw AS SELECT * FROM {name}__df")
        files = None
    elif isinstance(obj, (str, Path, list, tuple)):
        files = _parquet_files(obj)
        listing = ", ".join(sql_literal(f) for f in files)
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name}__raw AS "
            f"SELECT * FROM read_parquet([{listing}], union_by_name = true)"
        )
    else:
        raise ParameterError(
            f"{name}: expected a pandas DataFrame or a Parquet path/glob, got {type(obj).__name__}"
        )
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}__raw")
    return files


def source_columns(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """Return ``{column: DuckDB type}`` of a view."""
    rows = con.execute(f"DESCRIBE {name}").fetchall()
    return {r[0]: str(r[1]).upper() for r in rows}


def to_cutoff_us(cutoff) -> int:
    """Convert a cutoff (str, datetime, pandas/numpy timestamp) to microseconds since the epoch, UTC.

    A time-zone-naive cutoff is read as UTC.
    """
    if cutoff is None:
        raise ParameterError("cutoff is required: features use only events with ts < cutoff")
    try:
        ts = pd.Timestamp(cutoff)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"cutoff {cutoff!r} is not a timestamp: {exc}") from None
    if ts is pd.NaT:
        raise ParameterError("cutoff is NaT")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1000)


def sql_literal(value) -> str:
    """Render a Python scalar as a DuckDB SQL literal (strings quoted and escaped)."""
    if value is None:
        return "NULL"
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"


def _is_timestamp(duck_type: str) -> bool:
    return duck_type.startswith("TIMESTAMP")


def check_events(con: duckdb.DuckDBPyConnection, cutoff_us: int, label: str = "events") -> dict:
    """Validate the view ``events_src`` against the canonical schema and the cutoff.

    Args:
        con: Connection with ``events_src`` registered.
        cutoff_us: Cutoff in microseconds since the epoch.
        label: Name of the input in messages (a file or ``<DataFrame>``).

    Returns:
        ``{"n_events", "n_before_cutoff", "min_ts_us", "max_ts_us"}``.

    Raises:
        SchemaError: a required column is missing or of the wrong type, the log is empty, an
            ``event_type`` is unknown, or a ``user_id`` / ``ts`` is null.
        ParameterError: no event lies before the cutoff.
    """
    _check_event_columns(con, source_columns(con, "events_src"), label)
    allowed = ", ".join(sql_literal(t) for t in EVENT_TYPES)
    n, n_before, lo, hi, n_bad_type, bad_type, n_null = con.execute(f"""
        SELECT count(*),
               count(*) FILTER (WHERE epoch_us(ts) < {cutoff_us}),
               min(epoch_us(ts)), max(epoch_us(ts)),
               count(*) FILTER (WHERE CAST(event_type AS VARCHAR) NOT IN ({allowed})
                                   OR event_type IS NULL),
               any_value(CAST(event_type AS VARCHAR)) FILTER (WHERE CAST(event_type AS VARCHAR)
                                   NOT IN ({allowed}) OR event_type IS NULL),
               count(*) FILTER (WHERE user_id IS NULL OR ts IS NULL)
        FROM events_src""").fetchall()[0]
    if n == 0:
        raise SchemaError(
            "empty_log", "the event log has no rows: nothing to build features from", file=label
        )
    if n_bad_type:
        raise SchemaError(
            "event_type_domain",
            f"{n_bad_type} events have an event_type outside {set(EVENT_TYPES)} (e.g. {bad_type!r})",
            file=label,
            column="event_type",
        )
    if n_null:
        raise SchemaError("not_null", f"{n_null} events have a null user_id or ts", file=label)
    if n_before == 0:
        first = pd.Timestamp(lo * 1000, tz="UTC")
        cut = pd.Timestamp(cutoff_us * 1000, tz="UTC")
        raise ParameterError(
            f"cutoff {cut} is not after the first event ({first}): no event lies before "
            "the cutoff, so every feature would be empty"
        )
    return {"n_events": int(n), "n_before_cutoff": int(n_before), "min_ts_us": int(lo), "max_ts_us": int(hi)}


def _check_event_columns(con: duckdb.DuckDBPyConnection, cols: dict[str, str], label: str) -> None:
    """Every canonical column there with a usable type; ``ts`` recast to microsecond UTC when it is not."""
    for col in EVENT_COLUMNS:
        if col not in cols:
            raise SchemaError(
                "required_column",
                f"the event log has no column {col!r} (canonical events need {', '.join(EVENT_COLUMNS)})",
                file=label,
                column=col,
            )
    if not _is_timestamp(cols["ts"]):
        raise SchemaError(
            "timestamp_type", f"ts must be a timestamp (UTC), found {cols['ts']}", file=label, column="ts"
        )
    if cols["ts"] != "TIMESTAMP WITH TIME ZONE":
        # nanosecond (TIMESTAMPTZ_NS, from pandas/Arrow/Parquet) or naive timestamps: one microsecond
        # UTC type downstream, so that epoch_us(ts) works everywhere
        con.execute(
            "CREATE OR REPLACE TEMP VIEW events_src AS "
            "SELECT * REPLACE (CAST(ts AS TIMESTAMPTZ) AS ts) FROM events_src__raw"
        )
    for col in ("user_id", "item_id", "quantity"):
        if "INT" not in cols[col]:
            raise SchemaError(
                "integer_type", f"{col} must be an integer, found {cols[col]}", file=label, column=col
            )
    if not any(t in cols["price"] for t in ("DOUBLE", "FLOAT", "DECIMAL", "INT", "REAL")):
        raise SchemaError(
            "numeric_type", f"price must be numeric, found {cols['price']}", file=label, column="price"
        )


def unlisted_event_users(con: duckdb.DuckDBPyConnection, cutoff_us: int) -> tuple[int, int]:
    """Users with events before the cutoff whose ``user_id`` is not in ``users_src``, and their events.

    Args:
        con: Connection with ``events_src`` and ``users_src`` registered.
        cutoff_us: Cutoff in microseconds since the epoch.

    Returns:
        ``(n_users, n_events)`` left out of features built for the users table's users.
    """
    n_users, n_events = con.execute(f"""
        SELECT count(DISTINCT e.user_id), count(*)
        FROM events_src e ANTI JOIN users_src u ON e.user_id = u.user_id
        WHERE epoch_us(e.ts) < {cutoff_us}""").fetchall()[0]
    return int(n_users), int(n_events)


def check_users(con: duckdb.DuckDBPyConnection, label: str = "users") -> dict[str, str]:
    """Validate the view ``users_src``: an integer, non-null, unique ``user_id``.

    Returns:
        ``{column: DuckDB type}`` of the users table.

    Raises:
        SchemaError: ``user_id`` is missing, not an integer, null or duplicated.
    """
    cols = source_columns(con, "users_src")
    if "user_id" not in cols:
        raise SchemaError(
            "required_column", "the users table has no column 'user_id'", file=label, column="user_id"
        )
    if "INT" not in cols["user_id"]:
        raise SchemaError(
            "integer_type",
            f"user_id must be an integer, found {cols['user_id']}",
            file=label,
            column="user_id",
        )
    n, n_distinct, n_null = con.execute(
        "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE user_id IS NULL) FROM users_src"
    ).fetchall()[0]
    if n_null:
        raise SchemaError("not_null", f"{n_null} users have a null user_id", file=label, column="user_id")
    if n_distinct != n:
        raise SchemaError(
            "unique_key", f"user_id is not unique ({n - n_distinct} duplicates)", file=label, column="user_id"
        )
    return cols
