"""Bench: what caps the mediated learner's decisions? Swap each of its parts for a noise-free fit or the exact value.

The :class:`~campaignkit.models.MediatedLearner` chooses the campaign with the highest
``u_c = p_c (v_c - b) - (1 - p_c) contact_c``: ``p_c`` the probability of taking part, ``v_c`` a participant's
profit (contact paid), ``b`` the profit under control. On ``bench/decision.py``'s set-up (``make_world(N)``,
a uniformly randomised log, 70/30 user split, the store's tabular features) this bench fits the learner (the
kit's defaults) and scores the held-out users' choice - by the same rule, contact only if ``u_c > 0`` - with
every combination of the three parts taken from

- ``m``: the model;
- ``f``: the *feature-best* fit - gradient boosting on the same features, fitted on the training users' exact
  values for every campaign (no outcome noise, every user under every campaign: what the features can carry
  when the log is no limit);
- ``t``: the world's exact value: ``p`` = the participation ``r e``, ``v`` = a participant's expected profit
  (``margin p_eng m_eng - p_eng disc - contact``), ``b`` = the control profit.

Reported as the share of the oracle's incremental profit (true-interest targets, as in ``bench/decision.py``);
``t t t`` is the ceiling of the mediated formula itself (it assumes a campaign does nothing to those who ignore
it), ``truth`` the exact argmax with the model's target categories, and ``direct f`` the choice by a
feature-best fit of each campaign's exact profit uplift (no mediated formula). ``--draws K`` fits the learner on
a log of ``K`` independent randomised draws per training user (``K`` times the logged rows per campaign), to
show what a larger log buys.

    .venv/bin/python bench/decision_ceiling.py --sizes 40000 --seeds 0 1 2
    .venv/bin/python bench/decision_ceiling.py --sizes 200000 --seeds 0 --draws 2

Results go to ``bench/results/decision_ceiling.json`` (rows of other (N, seed, draws) are kept) and the
``decision_ceiling`` section of ``bench/README.md``. The world's internals (``World._branches_grid``) are read
here only, to get the exact parts; the learner is fitted on the log alone.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from readme_section import git_state, markers, write_section  # noqa: E402 (bench/ is on the path when run)
from worlds import world_split  # noqa: E402 (bench/ is on the path when run)

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "decision_ceiling.json"
COMBOS = ["".join(c) for c in itertools.product("mft", repeat=3)]  # p, v, b: model, feature-best or truth
SHOWN = ["mmm", "fmm", "mff", "fff", "mtt", "ftt", "tmm", "ttt"]
"""The combinations the README table shows (the JSON keeps all 27)."""
FEATURE_BEST = dict(max_iter=300, max_leaf_nodes=31, learning_rate=0.1, early_stopping=False)
"""Gradient-boosting settings of the noise-free fits (targets without noise: no early stopping needed)."""


def exact_parts(world, ids: np.ndarray, target: np.ndarray) -> dict:
    """The world's exact ``p``, ``v``, ``u`` (profit uplift), ``contact`` (each (n, k)) and ``b`` (n, 1)."""
    from campaignkit.data.world.response import expected

    idx = world._user_index(ids)
    br = world._branches_grid(idx, world._campaign_index(None), world._targets(idx, target))
    ex = expected(br)
    shape = np.shape(ex["participate"])
    b = {k: np.broadcast_to(v, shape) for k, v in br.items()}
    profit = np.asarray(np.broadcast_to(ex["profit"], shape), dtype=float)
    return {
        "p": np.asarray(b["r"] * b["e"], dtype=float),
        "v": np.asarray(
            b["margin"] * b["p_eng"] * b["m_eng"] - b["p_eng"] * b["disc"] - b["contact"], dtype=float
        ),
        "b": profit[:, :1],
        "u": profit - profit[:, :1],
        "contact": np.asarray(b["contact"], dtype=float),
    }


def feature_best(x_train: np.ndarray, train: dict, x_test: np.ndarray, seed: int) -> dict:
    """Gradient boosting fitted on the training users' exact parts, read on the test users (column 0 of p, v, u: 0)."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    def fit(y):
        with threadpool_limits(limits=1):
            model = HistGradientBoostingRegressor(random_state=seed, **FEATURE_BEST).fit(x_train, y)
            return model.predict(x_test)

    k = train["p"].shape[1]
    out = {part: np.zeros((len(x_test), k)) for part in ("p", "v", "u")}
    for part in out:
        for c in range(1, k):
            out[part][:, c] = fit(train[part][:, c])
    out["p"] = np.clip(out["p"], 0.0, 1.0)
    out["b"] = fit(train["b"][:, 0])[:, None]
    return out


def draws_log(w, draws: int, seed: int):
    """The training users' log with ``draws - 1`` more independent randomised draws appended (same users)."""
    import pandas as pd

    logs = [w.train_log]
    for d in range(1, draws):
        log = w.world.log_randomised(random_state=seed + 1 + 1000 * d)
        logs.append(log[log["user_id"].isin(w.train_ids)])
    return pd.concat(logs, ignore_index=True)


def _mean_corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.nanmean([np.corrcoef(a[:, c], b[:, c])[0, 1] for c in range(1, a.shape[1])]))


def run_world(n_users: int, seed: int, draws: int = 1) -> dict:
    """Fit the learner on one world (``draws`` log draws per training user) and score every part-swap."""
    from campaignkit.evaluation import oracle_choice, true_value_mean
    from campaignkit.models import MediatedLearner, history_top_category
    from campaignkit.models.inputs import as_user_data
    from campaignkit.models.policy import best_campaign

    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        w = world_split(n_users, seed, root, name="bench_ceiling", max_len=32)
        world, ids = w.world, np.asarray(w.test_ids)
        log = draws_log(w, draws, seed)
        model = MediatedLearner(n_threads=1, random_state=seed).fit(w.train, log, world.catalogue)
        pred = model.predict_outcomes(w.test, world.catalogue)
        train_data = as_user_data(w.train)
        train_target = history_top_category(train_data.sequences, n=len(train_data))  # as the learner targets
        x_train, x_test = model._features(train_data), model._features(as_user_data(w.test))
    target = pred.target_category
    truth = exact_parts(world, ids, target)
    fitted = {"p": pred.participate, "v": pred.extra["engaged_profit"], "b": pred.profit[:, :1]}
    best = feature_best(
        x_train, exact_parts(world, np.asarray(train_data.user_id), train_target), x_test, seed
    )
    oracle, oracle_target = oracle_choice(world, ids)
    oracle_value = true_value_mean(world, ids, oracle, oracle_target)["incremental_profit"]

    def share(uplift) -> float:
        u = np.array(uplift, dtype=float, copy=True)
        u[:, 0] = 0.0
        return true_value_mean(world, ids, best_campaign(u), target)["incremental_profit"] / oracle_value

    source = {"m": fitted, "f": best, "t": truth}
    row = {
        "n_users": n_users,
        "seed": seed,
        "draws": draws,
        "log_rows": len(log),
        "model": share(pred.uplift("profit")),
        "truth": share(truth["u"]),
        "direct_f": share(best["u"]),
    }
    for combo in COMBOS:
        p, v, base = (source[s][part] for part, s in zip("pvb", combo, strict=True))
        row[combo] = share(p * (v - base) - (1.0 - p) * truth["contact"])
    row["corr_p"] = _mean_corr(fitted["p"], truth["p"])
    row["corr_p_f"] = _mean_corr(best["p"], truth["p"])
    row["corr_v_minus_b"] = _mean_corr(fitted["v"] - fitted["b"], truth["v"] - truth["b"])
    row["corr_v_minus_b_f"] = _mean_corr(best["v"] - best["b"], truth["v"] - truth["b"])
    row["seconds"] = time.perf_counter() - t0
    print(
        f"N={n_users} seed={seed} draws={draws}: "
        + ", ".join(f"{c} {row[c]:+.3f}" for c in ("model", *SHOWN, "truth", "direct_f"))
        + f" in {row['seconds']:.0f}s",
        file=sys.stderr,
        flush=True,
    )
    return row


def readme_section(rows: list[dict]) -> str:
    start, end = markers("decision_ceiling")
    lines = [
        start,
        "## decision_ceiling",
        "",
        "`bench/decision_ceiling.py`: the `MediatedLearner`'s choice (kit defaults, `bench/decision.py`'s set-up) with",
        "each part of `u_c = p_c (v_c - b) - (1 - p_c) contact_c` taken from the model (**m**), from a *feature-best*",
        "fit (**f**: gradient boosting on the same features fitted on the training users' exact values under every",
        "campaign - no outcome noise and twelve times the rows, what the features carry when the log is no limit) or",
        "from the world's exact value (**t**), in the order p (participation), v (a participant's profit), b (control",
        "profit); share of the oracle's incremental profit. **t t t** is the ceiling of the mediated formula (no",
        "effect on those who ignore a campaign); **truth** the exact argmax with the model's target categories;",
        "**direct f** the choice by a feature-best fit of each campaign's exact profit uplift. **log ×** = independent",
        "randomised draws per training user the model was fitted on (1: `bench/decision.py`'s log). **corr** = mean",
        "over campaigns of the Pearson correlation with the exact part, of the model's (m) and the feature-best (f).",
        f"Written {datetime.now(UTC):%Y-%m-%d} (code at {', '.join(sorted({r.get('commit', 'unknown') for r in rows}))};",
        f"{platform.system()} {platform.machine()}, shared 2-CPU machine).",
        "",
        "| N | seed | log × | model | "
        + " | ".join(" ".join(c) for c in SHOWN)
        + " | truth | direct f | corr p m / f | corr v-b m / f |",
        "|---:|---:|---:|---:|" + "---:|" * (len(SHOWN) + 4),
    ]
    for r in sorted(rows, key=lambda r: (r["n_users"], r["draws"], r["seed"])):
        lines.append(
            f"| {r['n_users']:,} | {r['seed']} | {r['draws']} | {r['model']:+.2f} | "
            + " | ".join(f"{r[c]:+.2f}" for c in SHOWN)
            + f" | {r['truth']:+.2f} | {r['direct_f']:+.2f} | {r['corr_p']:.2f} / {r['corr_p_f']:.2f}"
            + f" | {r['corr_v_minus_b']:.2f} / {r['corr_v_minus_b_f']:.2f} |"
        )
    lines += [end]
    return "\n".join(lines)


def _load(out: Path) -> list[dict]:
    """The rows saved at ``out`` (none if it does not exist)."""
    return json.loads(out.read_text())["rows"] if out.exists() else []


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--draws", type=int, default=1, help="independent log draws per training user")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument(
        "--readme-only", action="store_true", help="rewrite the README section from --out, fit nothing"
    )
    args = ap.parse_args(argv)
    out = Path(args.out)
    commit = git_state()["commit"] or "unknown"  # the code the run imports: read before the run, not after
    key = lambda r: (r["n_users"], r["seed"], r["draws"])  # noqa: E731
    for n in [] if args.readme_only else args.sizes:
        for seed in args.seeds:
            row = {**run_world(n, seed, args.draws), "commit": commit}
            # read just before writing: another run may have added rows meanwhile
            rows = [r for r in _load(out) if key(r) != key(row)] + [row]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({"rows": rows}, indent=1))
    rows = _load(out)
    if not args.no_readme:
        write_section(readme_section(rows), "decision_ceiling")
    return rows


if __name__ == "__main__":
    main()
