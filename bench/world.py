"""Benchmark: generate the synthetic world to partitioned Parquet (seconds, events/s, peak memory).

Times (1) the reference: writing the same number of rows of plain random columns with the events'
schema to Parquet (the I/O and encoding floor), then (2)
:func:`campaignkit.data.write_world_parquet` (traits, histories, funnels, per-user determinism), chunk by
chunk. Prints seconds, events/s, their ratio and the peak resident memory (``ru_maxrss``) after each
phase, and writes ``bench/results/world_<n_users>.json``. Targets of issue 3: 1M users (about 30M
events) within 60 s and 4 GB on 2 cores; 10M users in chunks within 24 GB.

Usage::

    python bench/world.py --n-users 1000000
    python bench/world.py --n-users 10000000 --chunk-users 250000 --skip-reference
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from campaignkit.data import write_world_parquet

RESULTS = Path(__file__).resolve().parent / "results"


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def reference_write(folder: Path, rows: int, chunk_rows: int, seed: int = 0) -> float:
    """Write ``rows`` random rows with the events' schema to Parquet; return seconds."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for i, start in enumerate(range(0, rows, chunk_rows)):
        n = min(chunk_rows, rows - start)
        table = pa.table(
            {
                "user_id": np.sort(rng.integers(0, rows // 30 + 1, n)),
                "ts": pa.array(rng.integers(0, 90 * 86_400, n) * 10**9, pa.timestamp("ns", tz="UTC")),
                "event_type": pa.DictionaryArray.from_arrays(
                    rng.integers(0, 4, n).astype(np.int8), ["view", "cart", "fav", "purchase"]
                ),
                "item_id": rng.integers(0, 4_800, n),
                "category": rng.integers(0, 12, n),
                "price": np.round(rng.gamma(2.0, 20.0, n), 2),
                "quantity": 1 + rng.poisson(0.3, n),
            }
        )
        pq.write_table(table, folder / f"part-{i:05d}.parquet", compression="snappy")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-users", type=int, default=1_000_000)
    ap.add_argument("--chunk-users", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the written world")
    ap.add_argument("--skip-reference", action="store_true")
    args = ap.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="campaignkit_world_"))
    rss0 = peak_rss_gb()
    res = write_world_parquet(
        out / "world", args.n_users, chunk_users=args.chunk_users, random_state=args.seed, overwrite=True
    )
    rss_world = peak_rss_gb()
    size_mb = sum(f.stat().st_size for f in (out / "world").rglob("*.parquet")) / 1024**2
    result = {
        "n_users": args.n_users,
        "chunk_users": args.chunk_users,
        "n_events": res["n_events"],
        "events_per_user": res["n_events"] / args.n_users,
        "world_seconds": round(res["seconds"], 2),
        "world_events_per_s": round(res["n_events"] / res["seconds"]),
        "peak_rss_gb_after_world": round(rss_world, 3),
        "peak_rss_gb_before": round(rss0, 3),
        "parquet_mb": round(size_mb, 1),
        "targets": {"seconds_1M": 60, "peak_gb_1M": 4, "peak_gb_10M": 24},
        "python": platform.python_version(),
        "cpus": __import__("os").cpu_count(),
    }
    if not args.skip_reference:
        ref_s = reference_write(out / "reference", res["n_events"], chunk_rows=6_000_000)
        result["reference_seconds"] = round(ref_s, 2)
        result["reference_events_per_s"] = round(res["n_events"] / ref_s)
        result["world_over_reference_time"] = round(res["seconds"] / ref_s, 2)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"world_{args.n_users}.json"
    path.write_text(json.dumps(result, indent=2))
    for k, v in result.items():
        print(f"{k:>28}: {v}")
    print(f"written {path}")


if __name__ == "__main__":
    main()
