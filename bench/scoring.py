"""Bench: peak memory of streaming (chunked) scoring against the number of users scored.

Fits each model once on a small synthetic world (its feature store and a randomised log) and saves it
(``joblib`` for the gradient-boosting learners, ``model.save`` for the deep model). Then, for every
(model, users, mode), a fresh child process loads the saved model and scores ``users`` synthetic users:

- ``chunked``: a generator makes the users ``--batch`` at a time (feature rows resampled from the training
  table with multiplicative noise on the float columns, their event sequences copied from the same
  training users, fresh user ids) and ``model.iter_outcomes(generator, batch_users=batch)`` scores them;
  each chunk's :class:`~campaignkit.models.prediction.Prediction` is reduced at once to a running summary
  (users per chosen campaign via ``model.choose_from_outcomes``, summed predicted incremental profit of the
  choice, a user-id checksum), so nothing of size ``users`` is kept. (Given an iterable, ``iter_outcomes``
  scores the chunks as they come: the generator's chunk size is the batch.)
- ``whole`` (reference): the same generator's chunks are concatenated into one input of ``users`` users and
  scored by one ``model.predict_outcomes`` call; run at every size but each model's largest (``--no-whole``:
  never).

Each child reports the peak resident memory of its process (``VmHWM`` of ``/proc/self/status``: ``ru_maxrss``
of a ``subprocess`` child inherits its parent's peak on Linux), its resident memory after importing and
loading the model, the peak while scoring (``VmHWM`` reset after loading), its resident memory after every
chunk, the scoring seconds (the generator's own time and, for ``whole``, the concatenation left out) and
users/s. Streaming keeps memory bounded when the chunked peak does not grow with ``users``: the verdict
divides, per model, the chunked peak at the most users by the one at the fewest (flat: within
``--tolerance``), and gives the trend of the resident memory over the chunks of the largest run.

    .venv/bin/python bench/scoring.py            # T-learner 100k-1M users, deep model 30k-300k
    .venv/bin/python bench/scoring.py --quick    # smoke run (small world and sizes)
    .venv/bin/python bench/scoring.py --models t_learner s_learner --users 100000 1000000 --jobs 1

The deep model scores users several times slower than the T-learner on CPU (a transformer pass per
ensemble member plus the next-category head), so it gets its own, smaller sizes (``--deep-users``). Each
child uses one thread (the models' ``n_threads=1``) and two children run at a time (``--jobs``), so on 2
cores users/s is measured beside another child; ``--jobs 1`` for timings alone. Results go to
``bench/results/scoring.json`` (committed) and the ``scoring`` section of ``bench/README.md`` (between
``<!-- scoring:start -->`` and ``<!-- scoring:end -->``; the rest of the file is left as it is) is rebuilt from
them (``--readme-only`` rebuilds it from the JSON without a run); ``--quick`` writes ``scoring_quick.json``
(git-ignored) and leaves the README alone.
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
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from readme_section import markers, quick_outputs, write_section  # noqa: E402 (bench/ is on the path when run)

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent / "README.md"
START, END = markers("scoring")
MODELS = ("t_learner", "s_learner", "deep")
DEEP_COST = 2.5
"""Rough cost of scoring one user with the bench's deep model, in T-learner users (to order the jobs)."""
ID_OFFSET = 1_000_000_000
"""Scored users get ids from here on (never a training user's)."""


def _status_mb(key: str) -> float:
    """A ``/proc/self/status`` memory line (``VmRSS``, ``VmHWM``) in MB; NaN where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process image, in MB.

    ``VmHWM`` rather than ``ru_maxrss``: a child started by ``subprocess`` (vfork + exec) inherits the
    parent's peak in ``ru_maxrss`` on Linux, so a child of a big parent would report the parent's peak.
    ``ru_maxrss`` is the fallback where ``/proc`` is missing.
    """
    hwm = _status_mb("VmHWM")
    return hwm if np.isfinite(hwm) else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset this process's ``VmHWM`` to its current RSS (Linux >= 4.0); False where not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def rss_mb() -> float:
    """Current resident set size of this process, in MB (NaN without ``/proc``)."""
    return _status_mb("VmRSS")


# ---- the synthetic users --------------------------------------------------------------------------------
def user_chunks(features, sequences, n_users: int, batch: int, seed: int, timer: dict | None = None):
    """Yield ``(features, sequences)`` chunks of at most ``batch`` new users resembling the training users.

    Args:
        features: Training feature table (DataFrame indexed by ``user_id``).
        sequences: Training ``SequenceArrays`` aligned with ``features``, or None (no sequences made).
        n_users: Users to make in all.
        batch: Users per chunk.
        seed: Seed of the resampling and the noise.
        timer: Dict whose ``"seconds"`` accumulates the time spent making chunks (optional).

    Yields:
        ``(DataFrame, SequenceArrays or None)`` of one chunk; ids ``ID_OFFSET + 0, 1, ...`` in order.
    """
    import pandas as pd

    from campaignkit.features import SequenceArrays

    rng = np.random.default_rng(seed)
    columns = {c: features[c].to_numpy() for c in features.columns}
    floats = {c for c, v in columns.items() if np.issubdtype(v.dtype, np.floating)}
    n_train = len(features)
    for start in range(0, n_users, batch):
        t0 = time.perf_counter()
        size = min(batch, n_users - start)
        idx = rng.integers(0, n_train, size)
        ids = np.arange(ID_OFFSET + start, ID_OFFSET + start + size, dtype=np.int64)
        data = {
            c: v[idx] * rng.lognormal(0.0, 0.1, size) if c in floats else v[idx] for c, v in columns.items()
        }
        frame = pd.DataFrame(data, index=pd.Index(ids, name="user_id"))
        seq = None
        if sequences is not None:
            seq = SequenceArrays(
                user_id=ids,
                **{f: np.asarray(getattr(sequences, f))[idx] for f in SEQ_ARRAYS},
                vocab_sizes=dict(sequences.vocab_sizes),
                category_vocab=list(sequences.category_vocab),
                meta=dict(sequences.meta),
            )
        if timer is not None:
            timer["seconds"] = timer.get("seconds", 0.0) + time.perf_counter() - t0
        yield frame, seq


SEQ_ARRAYS = ("event_type", "category", "price_bucket", "gap_bucket", "mask")


def whole_input(chunks):
    """Concatenate generated chunks into one ``(features, sequences)`` input."""
    import pandas as pd

    from campaignkit.features import SequenceArrays

    parts = list(chunks)
    frame = pd.concat([p[0] for p in parts])
    seq = None
    if parts[0][1] is not None:
        first = parts[0][1]
        seq = SequenceArrays(
            user_id=np.concatenate([p[1].user_id for p in parts]),
            **{f: np.concatenate([getattr(p[1], f) for p in parts]) for f in SEQ_ARRAYS},
            vocab_sizes=first.vocab_sizes,
            category_vocab=first.category_vocab,
            meta=first.meta,
        )
    del parts
    return frame, seq


class Summary:
    """Running reduction of predictions: users, choice counts, predicted incremental profit, id checksum."""

    def __init__(self, model):
        self.model, self.n, self.id_sum, self.counts, self.incremental = model, 0, 0, None, 0.0

    def add(self, pred) -> None:
        choice = self.model.choose_from_outcomes(pred)
        counts = np.bincount(choice, minlength=pred.shape[1])
        self.counts = counts if self.counts is None else self.counts + counts
        self.incremental += float(pred.uplift("profit")[np.arange(len(choice)), choice].sum())
        self.n += len(pred.user_id)
        self.id_sum += int(np.asarray(pred.user_id, dtype=np.int64).sum())

    def as_dict(self, campaign_ids) -> dict:
        return {
            "users": self.n,
            "id_checksum_ok": self.id_sum == self.n * ID_OFFSET + self.n * (self.n - 1) // 2,
            "chosen": dict(zip(campaign_ids, (int(c) for c in self.counts), strict=True)),
            "incremental_profit_per_user": self.incremental / max(self.n, 1),
        }


# ---- one measurement, in a fresh process ----------------------------------------------------------------
def child(spec: dict) -> dict:
    """Load the saved model, score ``spec["users"]`` generated users in ``spec["mode"]``, report memory."""
    import joblib

    from campaignkit.models import BehaviourUpliftModel

    if spec["model"] == "deep":
        model = BehaviourUpliftModel.load(spec["model_path"])
    else:
        model = joblib.load(spec["model_path"])
    features, sequences = joblib.load(spec["data_path"])
    load_peak, load_rss = peak_rss_mb(), rss_mb()
    was_reset = reset_peak()  # from here VmHWM is the peak while scoring
    n, batch = spec["users"], spec["batch"]
    timer: dict = {}
    chunks = user_chunks(features, sequences, n, batch, spec["seed"], timer)
    summary, trace = Summary(model), []
    build_seconds = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lightning / sklearn chatter
        if spec["mode"] == "chunked":
            t0 = time.perf_counter()
            for pred in model.iter_outcomes(chunks, batch_users=batch):
                summary.add(pred)
                trace.append(round(rss_mb(), 1))
            seconds = time.perf_counter() - t0 - timer.get("seconds", 0.0)
        else:
            t0 = time.perf_counter()
            data = whole_input(chunks)
            build_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            pred = model.predict_outcomes(data)
            summary.add(pred)
            seconds = time.perf_counter() - t0
            del pred
            trace.append(round(rss_mb(), 1))
    scoring_peak = peak_rss_mb()
    return {
        **{k: spec[k] for k in ("model", "mode", "users", "batch")},
        "peak_rss_mb": max(load_peak, scoring_peak),
        "load_peak_rss_mb": load_peak,
        "load_rss_mb": load_rss,
        "scoring_peak_rss_mb": scoring_peak if was_reset else float("nan"),
        "scoring_peak_over_load_mb": scoring_peak - load_rss if was_reset else float("nan"),
        "seconds": seconds,
        "users_per_s": n / seconds,
        "generate_seconds": timer.get("seconds", 0.0),
        "materialise_seconds": build_seconds,
        "rss_after_chunk_mb": trace,
        "summary": summary.as_dict(list(model.catalogue_["campaign_id"].astype(str))),
    }


def run_child(spec: dict, timeout: float) -> dict:
    """Run :func:`child` in a fresh interpreter and return its JSON (or the error)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        return {**{k: spec[k] for k in ("model", "mode", "users", "batch")}, "error": "\n".join(tail)}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = time.perf_counter() - t0
    return out


# ---- fitting once -----------------------------------------------------------------------------------
def fit_models(args, folder: Path) -> dict:
    """Fit the requested models on one world and save them (and the training table) into ``folder``."""
    import joblib

    from campaignkit.data import make_world
    from campaignkit.features import FeatureStore
    from campaignkit.models import BehaviourUpliftModel, Boosting, SLearner, TLearner

    world = make_world(args.fit_users, random_state=args.seed)
    store = FeatureStore.build(
        "bench_scoring", world.events, world.users, world.cutoff, root=folder, max_len=args.max_len
    )
    features, sequences = store.subset(store.user_ids)
    log = world.log_randomised(random_state=args.seed + 1)
    data_path = folder / "train_data.joblib"
    joblib.dump((features, sequences), data_path)
    fitted = {}
    for name in args.models:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name == "deep":
                model = BehaviourUpliftModel(
                    max_epochs=args.epochs,
                    pretrain_epochs=args.pretrain_epochs,
                    n_ensemble=args.n_ensemble,
                    d_model=args.d_model,
                    n_heads=4,
                    n_layers=args.n_layers,
                    n_threads=1,
                    random_state=args.seed,
                ).fit((features, sequences), log, world.catalogue)
                path = model.save(folder / "deep.pt")
            else:
                cls = TLearner if name == "t_learner" else SLearner
                model = cls(boosting=Boosting(max_iter=args.max_iter), n_threads=1, random_state=args.seed)
                model.fit((features, sequences), log, world.catalogue)
                path = folder / f"{name}.joblib"
                joblib.dump(model, path)
        fitted[name] = {"model_path": str(path), "fit_seconds": time.perf_counter() - t0}
        print(f"fitted {name} in {fitted[name]['fit_seconds']:.1f}s", file=sys.stderr, flush=True)
    return {"data_path": str(data_path), "models": fitted, "n_features": features.shape[1]}


def markdown(rows: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [
        "| model | mode | users | batch | peak RSS MB | after load MB | added by scoring MB | seconds | users/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        head = f"| {r['model']} | {r['mode']} | {r['users']:,} | {r['batch']:,} |"
        if "error" in r:
            lines.append(f"{head} error | | | | |")
            continue
        lines.append(
            f"{head} {r['peak_rss_mb']:,.0f} | {r['load_rss_mb']:,.0f} | {r['scoring_peak_over_load_mb']:,.0f} | "
            f"{r['seconds']:,.1f} | {r['users_per_s']:,.0f} |"
        )
    return "\n".join(lines)


def verdicts(rows: list[dict], tolerance: float) -> dict:
    """Per model: chunked peak RSS at the most users over the peak at the fewest, and whether it is flat.

    Flat: the process peak grows by at most ``tolerance`` from the fewest users to the most. Also given: the
    same ratio for the memory scoring adds over the loaded model (peak while scoring minus the resident
    memory after loading; a noisier, transient-dominated figure), the peaks at every size, and the
    least-squares trend of the resident memory after each chunk of the largest run (a reference kept per
    chunk would show as a steady rise).
    """
    out = {}
    for name in dict.fromkeys(r["model"] for r in rows):
        ok = sorted(
            (r for r in rows if r["model"] == name and r["mode"] == "chunked" and "error" not in r),
            key=lambda r: r["users"],
        )
        if len(ok) < 2:
            continue
        lo, hi = ok[0], ok[-1]
        ratio = hi["peak_rss_mb"] / lo["peak_rss_mb"]
        added = hi["scoring_peak_over_load_mb"] / lo["scoring_peak_over_load_mb"]
        trace = np.asarray(hi["rss_after_chunk_mb"], dtype=float)
        slope = float(np.polyfit(np.arange(len(trace)), trace, 1)[0]) if len(trace) > 2 else float("nan")
        out[name] = {
            "users_low": lo["users"],
            "users_high": hi["users"],
            "chunks_low": -(-lo["users"] // lo["batch"]),
            "peak_rss_mb_low": lo["peak_rss_mb"],
            "peak_rss_mb_high": hi["peak_rss_mb"],
            "ratio": ratio,
            "added_by_scoring_ratio": added,
            "chunks_high": len(trace),
            "rss_trend_mb_per_chunk_high": slope,
            "peak_rss_mb_by_users": {str(r["users"]): r["peak_rss_mb"] for r in ok},
            "flat": bool(ratio <= 1 + tolerance),
        }
    return out


def plan(args, fitted: dict) -> list[dict]:
    """Every child's spec: per model its sizes chunked, and ``whole`` at all but the largest."""
    specs = []
    for name in args.models:
        sizes = sorted(args.deep_users if name == "deep" else args.users)
        for n in sizes:
            modes = ("chunked",) if args.no_whole or n == sizes[-1] else ("chunked", "whole")
            for mode in modes:
                specs.append(
                    {
                        "model": name,
                        "mode": mode,
                        "users": n,
                        "batch": args.batch if mode == "chunked" else n,
                        "seed": args.seed + 100,
                        "model_path": fitted["models"][name]["model_path"],
                        "data_path": fitted["data_path"],
                    }
                )
    return specs


def verdict_lines(summary: dict) -> list[str]:
    """One sentence per model: the chunked peak at the most users against the fewest."""
    lines = []
    for name, v in summary["verdict"].items():
        by_users = v.get("peak_rss_mb_by_users", {})
        lines.append(
            f"{name}: chunked peak RSS {v['peak_rss_mb_high']:,.0f} MB at {v['users_high']:,} users vs "
            f"{v['peak_rss_mb_low']:,.0f} MB at {v['users_low']:,}: ratio {v['ratio']:.3f}, "
            f"{'flat' if v['flat'] else 'NOT flat'} (tolerance {summary['settings']['tolerance']:.0%}). Peaks "
            + " / ".join(f"{p:,.0f}" for p in by_users.values())
            + " MB at "
            + " / ".join(f"{int(u):,}" for u in by_users)
            + f" users; memory added by scoring {v['added_by_scoring_ratio']:.2f}x from the fewest users to the "
            f"most; resident memory after each of the {v['chunks_high']} chunks of the largest run trends by "
            f"{v['rss_trend_mb_per_chunk_high']:+.2f} MB per chunk (least squares)."
        )
    return lines


def readme_section(summary: dict) -> str:
    """The ``scoring`` section of ``bench/README.md`` from a run's summary."""
    st = summary["settings"]
    load = summary.get("load_average", [])
    return "\n".join(
        [
            START,
            "## scoring",
            "",
            "`bench/scoring.py`: peak resident memory of streaming scoring against the number of users scored.",
            f"The models are fitted once on a {st['fit_users']:,}-user world and saved; each row is a fresh process",
            "that loads one and scores generated users (training rows resampled with noise, fresh ids):",
            f"**chunked** = a generator of {st['batch']:,}-user chunks through `model.iter_outcomes(generator,",
            "batch_users=...)`, each chunk reduced at once to running totals (choice counts, incremental profit);",
            "**whole** = the same users concatenated and scored by one `predict_outcomes` call (reference, at",
            "every size but each model's largest).",
            "**peak RSS** = the process's `VmHWM`; **after load** = resident memory once the model and the",
            "training table are loaded (torch imported); **added by scoring** = peak while scoring minus that;",
            "**seconds**, **users/s** = scoring only (making the users left out), "
            f"{st['jobs']} process(es) at a time, one thread each.",
            f"T-learner: {st['max_iter']} boosting iterations; deep: {st['n_ensemble']} members, d_model "
            f"{st['d_model']}, {st['n_layers']} layer(s), sequences of {st['max_len']} events.",
            "",
            "    .venv/bin/python bench/scoring.py",
            "",
            f"Written {summary.get('date', '?')} from `bench/results/scoring.json` at {summary.get('commit') or '?'} "
            f"({summary['machine']}, shared: load average {load[0]:.1f} at the start).\n"
            "Peak memory is `VmHWM`, not `ru_maxrss`: a `subprocess` child's `ru_maxrss` starts at its parent's "
            "peak on Linux."
            if load
            else f"Written {summary.get('date', '?')} from `bench/results/scoring.json` ({summary['machine']}).",
            "",
            markdown(summary["rows"]),
            "",
            *[f"- {line}" for line in verdict_lines(summary)],
            END,
        ]
    )


def machine() -> str:
    """CPUs, memory and Python of this machine, in words."""
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f", {kib / 1024**2:.0f} GB"
    except (OSError, IndexError, ValueError):
        mem = ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs{mem}, Python {platform.python_version()}"


def _commit() -> str:
    """The commit the run imports, with ``+dirty`` when ``campaignkit/`` has uncommitted changes."""

    def git(*a):
        try:
            return subprocess.run(
                ["git", *a], cwd=README.parent, capture_output=True, text=True
            ).stdout.strip()
        except OSError:
            return ""

    head = git("rev-parse", "--short", "HEAD")
    return head + ("+dirty" if head and git("status", "--porcelain", "campaignkit") else "")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: small world and sizes")
    ap.add_argument("--models", nargs="+", choices=MODELS, default=["t_learner", "deep"])
    ap.add_argument(
        "--users",
        type=int,
        nargs="+",
        default=[100_000, 300_000, 1_000_000],
        help="users scored by the gradient-boosting learners",
    )
    ap.add_argument(
        "--deep-users",
        type=int,
        nargs="+",
        default=[30_000, 100_000, 300_000],
        help="users scored by the deep model",
    )
    ap.add_argument("--batch", type=int, default=10_000, help="users per generated chunk (= batch_users)")
    ap.add_argument("--no-whole", action="store_true", help="skip the 'whole' reference")
    ap.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="children run at a time, one thread each (memory is "
        "per child; users/s is with the other children beside it)",
    )
    ap.add_argument(
        "--fit-users", type=int, default=6_000, help="users of the world the models are fitted on"
    )
    ap.add_argument("--max-iter", type=int, default=50, help="boosting iterations of the learners")
    ap.add_argument("--max-len", type=int, default=32, help="sequence length of the feature store")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--pretrain-epochs", type=int, default=1)
    ap.add_argument("--n-ensemble", type=int, default=2)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--n-layers", type=int, default=1)
    ap.add_argument("--tolerance", type=float, default=0.15, help="'flat' means peak ratio <= 1 + tolerance")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per child process")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(RESULTS / "scoring.json"))
    ap.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    ap.add_argument(
        "--readme-only", action="store_true", help="rebuild the README section from --out, no run"
    )
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return {}
    if args.readme_only:
        summary = json.loads(Path(args.out).read_text())
        summary["verdict"] = verdicts(summary["rows"], summary["settings"]["tolerance"])
        Path(args.out).write_text(json.dumps(summary, indent=1))
        write_section(readme_section(summary), "scoring")
        return summary
    quick_outputs(args, RESULTS / "scoring.json")
    if args.quick:
        args.users, args.deep_users, args.batch = [4_000, 12_000], [4_000, 12_000], 2_000
        args.fit_users, args.max_iter, args.epochs = 2_000, 20, 1
    t_all, load_average, commit = time.perf_counter(), list(os.getloadavg()), _commit()
    with tempfile.TemporaryDirectory() as tmp:
        fitted = fit_models(args, Path(tmp))
        specs = plan(args, fitted)
        # longest first (the deep model costs about DEEP_COST T-learner users per user), so the jobs end together
        cost = [s["users"] * (DEEP_COST if s["model"] == "deep" else 1) for s in specs]
        order = sorted(range(len(specs)), key=lambda i: -cost[i])
        with ThreadPoolExecutor(max(args.jobs, 1)) as pool:
            futures = {i: pool.submit(run_child, specs[i], args.timeout) for i in order}
            for i in order:
                row = futures[i].result()
                print(markdown([row]).splitlines()[-1], file=sys.stderr, flush=True)
        rows = [futures[i].result() for i in range(len(specs))]
    verdict = verdicts(rows, args.tolerance)
    summary = {
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d"),
        "commit": commit,
        "load_average": load_average,
        "machine": machine(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("child", "out")},
        "fit_seconds": {k: v["fit_seconds"] for k, v in fitted["models"].items()},
        "n_features": fitted["n_features"],
        "total_seconds": time.perf_counter() - t_all,
        "verdict": verdict,
        "rows": rows,
    }
    print(markdown(rows))
    print("\n".join(verdict_lines(summary)))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1))
    if not args.no_readme:
        write_section(readme_section(summary), "scoring")
    return summary


if __name__ == "__main__":
    main()
