"""Bench: the deep behaviour model vs the baselines on the world's held-out users, in TRUE expected profit.

For each seed (default 0-4) builds a world, its feature store and a randomised log; fits on 70% of
users and scores the other 30% against ``world.expected_outcomes``. Reports, per model and seed, then as
mean and sd over seeds: the true expected profit of its per-user campaign choice (total and incremental
over all-control, per user), the true-effect Qini coefficient (mean over campaigns), observed AUC / DR
policy value on the held-out log, and the pre-trained next-category head's top-k accuracy against
``world.interest``. Pre-training on vs off; the deep ensemble's lower-bound choice vs its mean choice.
Per seed, ``per_seed`` says whether the deep model (with and without pre-training) beat that seed's best
baseline by >= 10%, beat doing nothing, and beat the T-learner's true Qini. The ablations reuse the fitted
ensembles: the mean choice (no uncertainty penalty) and the direct profit head's choice.

    .venv/bin/python bench/model.py            # full run (5 seeds x 8,000 users, 2 jobs: ~14 min on 2 cores)
    .venv/bin/python bench/model.py --quick    # smoke run (one small world, 1 epoch)

8,000 users per seed (5,600 to fit, 2,400 held out) rather than one big world: five draws say more
about the verdict than one bigger one, within the time budget.

Results go to ``bench/results/model.json`` (no README section). Nothing here is tuned to meet a target.
What the runs showed (the 5-world run with the mediated profit, what made the difference, what was tried and
reverted) is in ``bench/NOTES.md``, section "model".
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from worlds import world_split  # noqa: E402 (bench/ is on the path when run)

from campaignkit.evaluation import category_top_k_accuracy, compare_models
from campaignkit.models import (
    BehaviourUpliftModel,
    ResponseModelTargeting,
    SLearner,
    TLearner,
    ValueTierRule,
    history_top_category,
)

DEEP = ("deep (pre-trained)", "deep (no pre-training)")
BASELINES = ("t_learner", "s_learner", "response_model", "value_tier_rule")


def run_seed(seed: int, args) -> tuple[pd.DataFrame, dict]:
    """Build one world (``seed``), fit every model on 70% of its users, score the other 30%."""
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as root:
        w = world_split(args.n_users, seed, root, name="bench_model", max_len=args.max_len)
        world, test_ids, train, test = w.world, w.test_ids, w.train, w.test
        train_log, test_log = w.train_log, w.test_log
        cat = world.catalogue
        deep_kw = dict(
            max_epochs=args.epochs,
            n_ensemble=args.n_ensemble,
            uncertainty_penalty=args.uncertainty_penalty,
            d_model=args.d_model,
            n_heads=4,
            n_layers=2,
            batch_size=256,
            lr=2e-3,
            patience=3,
            n_threads=args.threads,
            random_state=seed,
        )
        models, seconds = {}, {}
        candidates = {
            DEEP[0]: BehaviourUpliftModel(pretrain_epochs=args.pretrain_epochs, **deep_kw),
            DEEP[1]: BehaviourUpliftModel(pretrain_epochs=0, **deep_kw),
            "t_learner": TLearner(random_state=seed),
            "s_learner": SLearner(random_state=seed),
            "response_model": ResponseModelTargeting(random_state=seed),
            "value_tier_rule": ValueTierRule(),
        }
        for name, model in candidates.items():
            t0 = time.perf_counter()
            models[name] = model.fit(train, train_log, cat)
            seconds[name] = time.perf_counter() - t0
            print(f"seed {seed}: fitted {name} in {seconds[name]:.1f}s", file=sys.stderr, flush=True)
        # the same fitted ensemble, choosing by the mean alone (no uncertainty penalty): an ablation
        mean_choice = copy.copy(models[DEEP[0]])
        mean_choice.uncertainty_penalty = 0.0
        models["deep (pre-trained, mean choice)"] = mean_choice
        # the same fitted ensembles, choosing by the direct profit head instead of the mediated profit
        for name in DEEP:
            head = copy.copy(models[name])
            head.profit_estimate = "head"
            models[name.replace(")", ", profit head)")] = head
        table = compare_models(models, world, test, test_ids, cat, test_log)
        table["fit_seconds"] = [seconds.get(m, np.nan) for m in table.index]
        interest = world.interest[test_ids]
        next_cat = models[DEEP[0]].predict_next_category(test)
        cats = {
            "pretrained_head_top1": category_top_k_accuracy(interest, next_cat, 1),
            "pretrained_head_top3": category_top_k_accuracy(interest, next_cat, 3),
            "history_most_frequent_top1": category_top_k_accuracy(interest, history_top_category(test[1]), 1),
            "world_default_target_top1": category_top_k_accuracy(interest, world.default_target[test_ids], 1),
        }
    return table, cats


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n-users", type=int, default=8_000, help="users per seed's world")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--n-ensemble", type=int, default=5)
    ap.add_argument("--uncertainty-penalty", type=float, default=1.0)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--pretrain-epochs", type=int, default=3)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="seeds run in parallel processes (1 thread each)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "model.json"))
    args = ap.parse_args(argv)
    if args.quick:
        args.n_users, args.epochs, args.pretrain_epochs, args.seeds = 3000, 1, 1, args.seeds[:1]
    t_all = time.perf_counter()
    tables, per_seed = [], []
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(run_seed, args.seeds, [args] * len(args.seeds)))
    else:
        results = [run_seed(seed, args) for seed in args.seeds]
    for seed, (table, cats) in zip(args.seeds, results, strict=True):
        tables.append(table.assign(seed=seed))
        best = max(BASELINES, key=lambda m: table.loc[m, "incremental_profit"])
        base = table.loc[best]
        ref = base["incremental_profit"]
        beats = {n: bool(table.loc[n, "incremental_profit"] >= ref + 0.1 * abs(ref)) for n in DEEP}
        deep = table.loc[DEEP[0]]
        per_seed.append(
            {
                "seed": seed,
                "best_baseline": best,
                "deep_vs_best_baseline_incremental_profit_pct": float(
                    100
                    * (deep["incremental_profit"] - base["incremental_profit"])
                    / abs(base["incremental_profit"])
                ),
                "deep_beats_best_baseline_by_10pct": beats[DEEP[0]],
                "deep_no_pretraining_beats_best_baseline_by_10pct": beats[DEEP[1]],
                "deep_beats_all_control": bool(deep["incremental_profit"] > 0),
                "deep_qini_beats_tlearner": bool(
                    deep["qini_true_profit"] > table.loc["t_learner", "qini_true_profit"]
                ),
                "qini_true_deep": float(deep["qini_true_profit"]),
                "qini_true_tlearner": float(table.loc["t_learner", "qini_true_profit"]),
                "category_accuracy": cats,
            }
        )
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(f"seed {seed}\n{table.round(4)}", flush=True)
    every = pd.concat(tables)
    cols = [
        "profit",
        "incremental_profit",
        "reach",
        "qini_true_profit",
        "auc_convert",
        "dr_value",
        "fit_seconds",
    ]
    grouped = every.groupby(level=0, sort=False)[cols]
    summary_table = grouped.mean().join(grouped.std(), rsuffix="_sd")
    mean = summary_table
    best = max(BASELINES, key=lambda m: mean.loc[m, "incremental_profit"])
    summary = {
        "n_users_per_seed": args.n_users,
        "seeds": args.seeds,
        "quick": args.quick,
        "n_ensemble": args.n_ensemble,
        "uncertainty_penalty": args.uncertainty_penalty,
        "best_baseline_by_mean": best,
        "deep_vs_best_baseline_incremental_profit_pct_of_means": float(
            100
            * (mean.loc[DEEP[0], "incremental_profit"] - mean.loc[best, "incremental_profit"])
            / abs(mean.loc[best, "incremental_profit"])
        ),
        "per_seed": per_seed,
        "total_seconds": time.perf_counter() - t_all,
        "mean_sd_table": json.loads(summary_table.reset_index().to_json(orient="records")),
        "tables": json.loads(every.reset_index().to_json(orient="records")),
    }
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print("mean and sd over seeds\n", summary_table.round(3))
    print(json.dumps({k: v for k, v in summary.items() if k not in ("tables", "mean_sd_table")}, indent=1))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    main()
