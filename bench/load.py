"""Benchmark: load canonical events from Parquet, raw read versus read + full validation (rows/s).

Writes ``--rows`` synthetic canonical events to partitioned Parquet (chunks of ``--chunk`` rows), then times
(1) the reference: ``pyarrow.parquet.read_table(...).to_pandas()`` of the same files, and
(2) :func:`campaignkit.data.load_events` (read, provenance, every row rule incl. duplicates, quarantine).
Prints rows/s of both and their ratio, and writes ``bench/results/load.json``. The issue's target size is
30M events (``--rows 30000000``, about 10 GB of peak memory); the default 5M fits a shared laptop.

Usage::

    python bench/load.py --rows 5000000
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from campaignkit.data import load_events

RESULTS = Path(__file__).resolve().parent / "results"


def write_events(folder: Path, rows: int, chunk: int, seed: int = 0) -> list[Path]:
    """Write ``rows`` canonical events in files of ``chunk`` rows; return the files."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2024-01-01T00:00:00", "us").astype("int64")
    types = np.array(["view", "cart", "fav", "purchase"])
    files = []
    for i, start in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - start)
        ts = t0 + np.sort(rng.integers(0, 180 * 86400 * 10**6, n))
        table = pa.table(
            {
                "user_id": pa.array(rng.integers(0, 10_000_000, n), pa.int64()),
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "event_type": pa.array(types[rng.choice(4, n, p=[0.8, 0.1, 0.05, 0.05])]),
                "item_id": pa.array(rng.integers(0, 1_000_000, n), pa.int64()),
                "category": pa.array(rng.integers(0, 50, n), pa.int64()),
                "price": pa.array(np.round(rng.gamma(2.0, 20.0, n), 2)),
                "quantity": pa.array(rng.integers(1, 4, n), pa.int64()),
            }
        )
        path = folder / f"part-{i:04d}.parquet"
        pq.write_table(table, path)
        files.append(path)
    return files


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--chunk", type=int, default=2_500_000)
    ap.add_argument(
        "--folder", type=Path, default=None, help="where to write the Parquet files (default: a temp dir)"
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        files = write_events(folder, args.rows, args.chunk)
        t_write = time.perf_counter() - t
        size = sum(f.stat().st_size for f in files)

        t = time.perf_counter()
        ref = pa.concat_tables([pq.read_table(f) for f in files])
        ref_df = ref.to_pandas()
        t_ref = time.perf_counter() - t
        assert len(ref_df) == args.rows
        del ref, ref_df
        gc.collect()

        t = time.perf_counter()
        res = load_events(folder)
        t_load = time.perf_counter() - t
    if res.rows_in != args.rows or res.rows_kept + res.rows_quarantined != args.rows:
        raise SystemExit(f"row count mismatch: {res.summary()}")
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    out = {
        "rows": args.rows,
        "files": len(files),
        "parquet_mb": round(size / 1e6, 1),
        "write_s": round(t_write, 2),
        "raw_read_s": round(t_ref, 2),
        "raw_read_rows_per_s": round(args.rows / t_ref),
        "load_validate_s": round(t_load, 2),
        "load_validate_rows_per_s": round(args.rows / t_load),
        "slowdown_vs_raw_read": round(t_load / t_ref, 2),
        "rows_kept": res.rows_kept,
        "rows_quarantined": res.rows_quarantined,
        "quarantine_by_rule": {k: v for k, v in res.counts.items() if v},
        "peak_rss_gb": round(peak_gb, 2),
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(out, indent=2))
    for k, v in out.items():
        print(f"{k:>26}: {v}")
    return out


if __name__ == "__main__":
    main()
