"""Benchmark: per-user features and sequences with DuckDB, against a plain pandas groupby, and at scale.

Two modes, results printed and written to ``bench/results/features_<mode>_<n_users>.json``:

``compare`` (default) - one in-memory event log (the synthetic world, or ``--synthetic`` for the simple
generator in :mod:`campaignkit.features.reference`), timed in the same run:

1. core aggregates (counts per event type, recency, frequency, monetary): one DuckDB query vs the same
   with pandas ``groupby`` (events/s and ratio);
2. the full feature set: :func:`build_features` vs :func:`~campaignkit.features.reference.pandas_features`
   (every behaviour column; the max abs difference is reported and must be ~0);
3. sequences: :func:`build_sequences` (in memory).

``scale`` - writes the world's partitioned Parquet in a child process (so its memory does not count),
then builds a :class:`FeatureStore` (features + sequences as memmaps) from the Parquet glob in user
chunks, and reports seconds, events/s and the peak resident memory of the building process
(``ru_maxrss``, which includes DuckDB's buffers). Issue 5 targets: aggregates >= 3x pandas and
>= 10M events/s on 2 cores; 10M users (~300M events) within 24 GB.

Usage::

    python bench/features.py --n-users 100000
    python bench/features.py --mode scale --n-users 1000000 --chunk-users 250000

The figures measured on 2026-11-28 (both modes, up to 10M users) are in ``bench/NOTES.md``, section
"features".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from campaignkit.features import FeatureStore, _duck, build_features, build_sequences
from campaignkit.features.reference import pandas_features, random_events

RESULTS = Path(__file__).resolve().parent / "results"

CORE_SQL = """
SELECT user_id,
       count_if(event_type = 'view')                              AS n_view,
       count_if(event_type = 'cart')                              AS n_cart,
       count_if(event_type = 'fav')                               AS n_fav,
       count_if(event_type = 'purchase')                          AS n_purchase,
       ({cut} - max(epoch_us(CAST(ts AS TIMESTAMPTZ)))) / 86400000000.0 AS recency_days,
       sum(price * quantity) FILTER (WHERE event_type = 'purchase') AS monetary
FROM events_src
WHERE epoch_us(CAST(ts AS TIMESTAMPTZ)) < {cut}
GROUP BY user_id
"""


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def core_duckdb(events: pd.DataFrame, cutoff, threads: int) -> pd.DataFrame:
    con = _duck.connect(threads=threads)
    _duck.register_source(con, "events_src", events)
    out = con.sql(CORE_SQL.format(cut=_duck.to_cutoff_us(cutoff))).df()
    con.close()
    return out.set_index("user_id").sort_index()


def core_pandas(events: pd.DataFrame, cutoff) -> pd.DataFrame:
    ev = events[events["ts"] < pd.Timestamp(cutoff)]
    et = ev["event_type"]  # str or categorical, used as it comes
    counts = ev.groupby(["user_id", et], observed=True).size().unstack(fill_value=0)
    out = pd.DataFrame(
        {f"n_{k}": counts[k] if k in counts else 0 for k in ("view", "cart", "fav", "purchase")}
    )
    last = ev.groupby("user_id")["ts"].max()
    out["recency_days"] = (pd.Timestamp(cutoff) - last).dt.total_seconds() / 86400
    buy = ev[et == "purchase"]
    out["monetary"] = (buy["price"] * buy["quantity"]).groupby(buy["user_id"]).sum()
    return out.sort_index()


REPEAT = 1


def timed(fn, *args, **kwargs):
    """Run ``fn`` REPEAT times; return its (last) result and the best wall time (noise on a shared box)."""
    best, out = float("inf"), None
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return out, best


def load_data(n_users: int, synthetic: bool, seed: int):
    if synthetic:
        events, users = random_events(n_users, events_per_user=30, random_state=seed)
        return events, users, pd.Timestamp("2024-08-01", tz="UTC"), "reference.random_events"
    from campaignkit.data import make_world

    world = make_world(n_users=n_users, random_state=seed)
    return world.events, world.users, world.cutoff, "campaignkit.data.make_world"


def run_compare(args) -> dict:
    events, users, cutoff, source = load_data(args.n_users, args.synthetic, args.seed)
    n = len(events)
    print(f"data: {source}, {args.n_users:,} users, {n:,} events, cutoff {cutoff}")
    out = {
        "mode": "compare",
        "source": source,
        "n_users": args.n_users,
        "n_events": n,
        "by_threads": {},
        "repeat": REPEAT,
    }
    print(f"timings: best of {REPEAT} runs each")
    core_p, t_cp = timed(core_pandas, events, cutoff)
    print(f"core aggregates  pandas           {t_cp:7.2f}s ({n / t_cp / 1e6:6.2f} M ev/s)")
    ref = None
    for threads in args.threads:
        core_d, t_cd = timed(core_duckdb, events, cutoff, threads)
        diff_core = float(np.nanmax(np.abs(core_d[core_p.columns].to_numpy(float) - core_p.to_numpy(float))))
        print(
            f"core aggregates  duckdb {threads} thr.   {t_cd:7.2f}s ({n / t_cd / 1e6:6.2f} M ev/s)   "
            f"pandas/duckdb {t_cp / t_cd:5.2f}x   max|diff| {diff_core:.2e}"
        )
        feats, t_fd = timed(build_features, events, users, cutoff, threads=threads)
        if ref is None:
            ref, t_fp = timed(pandas_features, events, users["user_id"], cutoff, feats.attrs["categories"])
            print(
                f"full features    pandas           {t_fp:7.2f}s ({n / t_fp / 1e6:6.2f} M ev/s)   "
                f"({ref.shape[1]} behaviour features)"
            )
        diff_full = float(np.max(np.abs(feats[ref.columns].to_numpy(float) - ref.to_numpy(float))))
        print(
            f"full features    duckdb {threads} thr.   {t_fd:7.2f}s ({n / t_fd / 1e6:6.2f} M ev/s)   "
            f"pandas/duckdb {t_fp / t_fd:5.2f}x   max|diff| {diff_full:.2e}   ({feats.shape[1]} features)"
        )
        seqs, t_s = timed(build_sequences, events, cutoff, users["user_id"], max_len=64, threads=threads)
        print(
            f"sequences L=64   duckdb {threads} thr.   {t_s:7.2f}s ({n / t_s / 1e6:6.2f} M ev/s)   "
            f"users {len(seqs):,}"
        )
        out["by_threads"][str(threads)] = {
            "core": {
                "duckdb_s": t_cd,
                "pandas_s": t_cp,
                "ratio": t_cp / t_cd,
                "duckdb_events_per_s": n / t_cd,
                "pandas_events_per_s": n / t_cp,
                "max_abs_diff": diff_core,
            },
            "full": {
                "duckdb_s": t_fd,
                "pandas_s": t_fp,
                "ratio": t_fp / t_fd,
                "duckdb_events_per_s": n / t_fd,
                "pandas_events_per_s": n / t_fp,
                "max_abs_diff": diff_full,
                "n_features": feats.shape[1],
                "n_compared": ref.shape[1],
            },
            "sequences": {"seconds": t_s, "events_per_s": n / t_s},
        }
    out["from_parquet"] = compare_from_parquet(events, cutoff, max(args.threads))
    out["peak_rss_gb"] = peak_rss_gb()
    return out


def compare_from_parquet(events: pd.DataFrame, cutoff, threads: int) -> dict:
    """Same core aggregates when the log starts as Parquet on disk: DuckDB scans it, pandas reads it first."""
    n = len(events)
    with tempfile.TemporaryDirectory(prefix="ck_features_pq_") as tmp:
        path = Path(tmp) / "events.parquet"
        events.to_parquet(path, row_group_size=1_000_000)

        def duck():
            con = _duck.connect(threads=threads)
            _duck.register_source(con, "events_src", str(path))
            res = con.sql(CORE_SQL.format(cut=_duck.to_cutoff_us(cutoff))).df()
            con.close()
            return res

        def pand():
            return core_pandas(pd.read_parquet(path), cutoff)

        _, t_d = timed(duck)
        _, t_p = timed(pand)
    print(
        f"core from Parquet duckdb {threads} thr. {t_d:7.2f}s ({n / t_d / 1e6:6.2f} M ev/s)   "
        f"pandas read+groupby {t_p:7.2f}s   pandas/duckdb {t_p / t_d:5.2f}x"
    )
    return {
        "duckdb_s": t_d,
        "pandas_s": t_p,
        "ratio": t_p / t_d,
        "duckdb_events_per_s": n / t_d,
        "threads": threads,
    }


def write_parquet_child(folder: Path, n_users: int, chunk_users: int, seed: int, synthetic: bool) -> dict:
    """Write the input Parquet in a child process, so its memory does not count in the build's peak."""
    code = (
        "import json,sys; from campaignkit.data import write_world_parquet as w; "
        f"print(json.dumps(w({str(folder)!r}, n_users={n_users}, chunk_users={chunk_users}, "
        f"random_state={seed}, overwrite=True, progress=False)))"
    )
    if synthetic:
        code = (
            "import json, pandas as pd; from pathlib import Path; "
            "from campaignkit.features.reference import random_events; "
            f"root=Path({str(folder)!r}); (root/'events').mkdir(parents=True, exist_ok=True); "
            "(root/'users').mkdir(exist_ok=True); n=0\n"
            f"for i, lo in enumerate(range(0, {n_users}, {chunk_users})):\n"
            f"    e, u = random_events(min({chunk_users}, {n_users} - lo), random_state={seed} + i)\n"
            "    e['user_id'] += lo; u['user_id'] += lo; n += len(e)\n"
            "    e.to_parquet(root/'events'/f'part-{i:05d}.parquet'); u.to_parquet(root/'users'/f'part-{i:05d}.parquet')\n"
            "print(json.dumps({'n_events': n}))"
        )
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    info = json.loads(res.stdout.strip().splitlines()[-1])
    info["write_seconds"] = time.perf_counter() - t0
    return info


def run_scale(args) -> dict:
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ck_features_bench_"))
    data = work / "world"
    if args.data:
        data = Path(args.data)
        info = {"n_events": None, "write_seconds": None}
    else:
        print(f"writing {args.n_users:,} users to {data} ...", flush=True)
        info = write_parquet_child(data, args.n_users, args.chunk_users, args.seed, args.synthetic)
        print(f"  {info['n_events']:,} events in {info['write_seconds']:.1f}s", flush=True)
    cutoff = (
        json.loads((data / "world.json").read_text())["cutoff"]
        if (data / "world.json").exists()
        else "2024-08-01"
    )
    rss0 = peak_rss_gb()
    t0 = time.perf_counter()
    store = FeatureStore.build(
        "bench",
        str(data / "events" / "*.parquet"),
        str(data / "users" / "*.parquet"),
        cutoff,
        root=work / "store",
        max_len=64,
        chunk_users=args.chunk_users,
        force=True,
        threads=args.threads[0],
        memory_limit=args.memory_limit,
    )
    secs = time.perf_counter() - t0
    rc = store.manifest["row_counts"]
    n = rc["n_events_in_log"]
    disk = sum(p.stat().st_size for p in (work / "store" / "bench").rglob("*") if p.is_file()) / 1e9
    print(
        f"store built: {rc['n_users']:,} users, {n:,} events, {rc['n_features']} features, L=64 "
        f"in {secs:.1f}s ({n / secs / 1e6:.2f} M ev/s), peak RSS {peak_rss_gb():.2f} GB "
        f"(before build {rss0:.2f} GB), store on disk {disk:.2f} GB"
    )
    out = {
        "mode": "scale",
        "n_users": rc["n_users"],
        "n_events": n,
        "threads": args.threads[0],
        "memory_limit": args.memory_limit,
        "chunk_users": args.chunk_users,
        "build_seconds": secs,
        "events_per_s": n / secs,
        "peak_rss_gb": peak_rss_gb(),
        "store_gb": disk,
        "write_seconds": info.get("write_seconds"),
    }
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["compare", "scale"], default="compare")
    p.add_argument("--n-users", type=int, default=100_000)
    p.add_argument("--chunk-users", type=int, default=250_000)
    p.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="DuckDB thread counts to time (compare mode); the first is used in scale mode",
    )
    p.add_argument("--memory-limit", default="8GB", help="DuckDB memory limit (scale mode)")
    p.add_argument("--synthetic", action="store_true", help="simple generator instead of the world")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", help="scale mode: existing world Parquet folder (events/, users/, world.json)")
    p.add_argument("--workdir", help="scale mode: where to write data and store (default: a temp dir)")
    p.add_argument("--keep", action="store_true", help="scale mode: keep the written data and store")
    p.add_argument("--repeat", type=int, default=3, help="compare mode: best of this many runs per timing")
    args = p.parse_args(argv)
    global REPEAT
    REPEAT = max(1, args.repeat) if args.mode == "compare" else 1
    res = run_compare(args) if args.mode == "compare" else run_scale(args)
    res.update(
        {
            "duckdb": duckdb.__version__,
            "pandas": pd.__version__,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "load_avg_1m": os.getloadavg()[0],
        }
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"features_{res['mode']}_{args.n_users}.json"
    out.write_text(json.dumps(res, indent=2))
    print(f"wrote {out}")
    return res


if __name__ == "__main__":
    main()
