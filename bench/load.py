"""Benchmark: load canonical events from Parquet, raw read versus read + full validation (rows/s).

Writes ``--rows`` synthetic canonical events to partitioned Parquet (files of ``--chunk`` rows), then times,
each in a fresh process so each has its own peak memory, alternated ``--repeats`` times:
(1) the reference: ``pyarrow.parquet.read_table(...).to_pandas()`` of the same files, and
(2) :func:`campaignkit.data.load_events` (streamed read, provenance, every row rule incl. exact repeats
across the whole input, quarantine). Writes ``bench/results/load.json`` and this bench's section of
``bench/README.md``. The issue's size is 30M events (``--rows 30000000``): targets < 4 GB peak and at least
half the raw read's speed.

Usage::

    nice .venv/bin/python bench/load.py --rows 30000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from campaignkit.data import load_events
from campaignkit.data.stream import CHUNK_ROWS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme_section import markers, write_section  # noqa: E402

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


def _phase(phase: str, folder: Path, rows: int) -> dict:
    """Run one phase in this process and return its seconds and peak RSS (this process's VmHWM)."""
    files = sorted(folder.glob("part-*.parquet"))
    t = time.perf_counter()
    if phase == "raw":
        df = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
        n_in, n_kept, n_q, counts = len(df), len(df), 0, {}
    else:
        res = load_events(folder)
        n_in, n_kept, n_q = res.rows_in, res.rows_kept, res.rows_quarantined
        counts = {k: v for k, v in res.counts.items() if v}
    seconds = time.perf_counter() - t
    if n_in != rows or n_kept + n_q != rows:
        raise SystemExit(f"{phase}: row count mismatch: {n_in} in, {n_kept} kept, {n_q} quarantined")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    return {
        "seconds": seconds,
        "peak_rss_gb": round(peak, 2),
        "rows_kept": n_kept,
        "rows_quarantined": n_q,
        "quarantine_by_rule": counts,
    }


def _in_child(phase: str, folder: Path, rows: int) -> dict:
    """Each phase in a fresh interpreter, so each peak is its own."""
    code = (
        f"import json,sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import load; "
        f"print(json.dumps(load._phase({phase!r}, load.Path({str(folder)!r}), {rows})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def section(out: dict) -> str:
    """This bench's part of ``bench/README.md``."""
    start, end = markers("load")
    return f"""{start}
## load

`bench/load.py`: {out["rows"]:,} canonical events in {out["files"]} Parquet files ({out["parquet_mb"]} MB),
read raw (`pyarrow.parquet.read_table(...).to_pandas()`, the reference) and loaded with
`campaignkit.data.load_events` (read, provenance, every row rule, exact repeats across the whole input,
quarantine), each phase in its own process, alternated, best of {out["repeats"]}. The loader streams
Parquet in batches of {out["chunk_rows"]:,} rows (`campaignkit/data/stream.py`).
Written {out["date"]} from `bench/results/load.json` at {out["git"]} ({out["machine"]}).

| phase | seconds | rows/s | peak RSS GB |
|---|---:|---:|---:|
| raw Parquet read | {out["raw_read_s"]} | {out["raw_read_rows_per_s"]:,} | {out["raw_peak_rss_gb"]} |
| load + validate | {out["load_validate_s"]} | {out["load_validate_rows_per_s"]:,} | {out["load_peak_rss_gb"]} |

Speed of load + validate relative to the raw read (same run): **{out["speed_vs_raw_read"]}x**
(target >= 0.5x); peak memory of load + validate: **{out["load_peak_rss_gb"]} GB** (target < 4 GB).
Every run, in order (seconds): raw {out["all_raw_s"]}, load {out["all_load_s"]} (a shared machine: noisy).
Command: `nice .venv/bin/python bench/load.py --rows {out["rows"]}`.
{end}"""


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--chunk", type=int, default=2_500_000, help="rows per Parquet file written")
    ap.add_argument("--repeats", type=int, default=2, help="alternated runs of each phase; the best counts")
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
        raw, load = [], []
        for _ in range(args.repeats):
            raw.append(_in_child("raw", folder, args.rows))
            load.append(_in_child("load", folder, args.rows))
    best_raw = min(raw, key=lambda r: r["seconds"])
    best_load = min(load, key=lambda r: r["seconds"])
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    out = {
        "rows": args.rows,
        "files": len(files),
        "parquet_mb": round(size / 1e6, 1),
        "chunk_rows": CHUNK_ROWS,
        "repeats": args.repeats,
        "write_s": round(t_write, 2),
        "raw_read_s": round(best_raw["seconds"], 2),
        "raw_read_rows_per_s": round(args.rows / best_raw["seconds"]),
        "raw_peak_rss_gb": max(r["peak_rss_gb"] for r in raw),
        "load_validate_s": round(best_load["seconds"], 2),
        "load_validate_rows_per_s": round(args.rows / best_load["seconds"]),
        "load_peak_rss_gb": max(r["peak_rss_gb"] for r in load),
        "speed_vs_raw_read": round(best_raw["seconds"] / best_load["seconds"], 2),
        "all_raw_s": [round(r["seconds"], 2) for r in raw],
        "all_load_s": [round(r["seconds"], 2) for r in load],
        "rows_kept": best_load["rows_kept"],
        "rows_quarantined": best_load["rows_quarantined"],
        "quarantine_by_rule": best_load["quarantine_by_rule"],
        "date": time.strftime("%Y-%m-%d"),
        "git": git,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, shared",
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(out, indent=2))
    write_section(section(out), "load")
    for k, v in out.items():
        print(f"{k:>26}: {v}")
    return out


if __name__ == "__main__":
    main()
