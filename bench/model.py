"""Bench: the deep behaviour model vs the baselines on the world's held-out users, in TRUE expected profit.

For each seed (default 0, 1, 2) builds a world, its feature store and a randomised log; fits on 70% of
users and scores the other 30% against ``world.expected_outcomes``. Reports, per model and seed, then as
mean and sd over seeds: the true expected profit of its per-user campaign choice (total and incremental
over all-control, per user), the true-effect Qini coefficient (mean over campaigns), observed AUC / DR
policy value on the held-out log, and the pre-trained next-category head's top-k accuracy against
``world.interest``. Pre-training on vs off; the deep ensemble's lower-bound choice vs its mean choice.

    .venv/bin/python bench/model.py            # full run (3 seeds x 8,000 users, ~10-14 min on 2 shared cores)
    .venv/bin/python bench/model.py --quick    # smoke run (one small world, 1 epoch)

Results go to ``bench/results/model.json`` (git-ignored). Nothing here is tuned to meet a target.
8,000 users per seed (5,600 to fit, 2,400 held out) rather than one 20,000-user world: three draws say
more about the verdict than one bigger one, within the time budget.

Measured (full run, seeds 0/1/2, 8,000 users each, deep ensemble of 3 choosing by the lower bound
mean - 1 sd of the profit uplift; 2 shared CPU cores, 1 torch thread, 837 s), true expected profit per
held-out user, mean +/- sd over seeds (oracle +0.691 +/- 0.064 incremental):

    model                            incremental      reach  true-Qini(profit)  fit s
    deep (pre-trained)               +0.088 +/- 0.154  0.83   0.127 +/- 0.203   125
    deep (no pre-training)           +0.063 +/- 0.082  0.77   0.134 +/- 0.171    96
    deep (pre-trained, mean choice)  +0.073 +/- 0.098  1.00   0.127 +/- 0.203     -
    t_learner                        -0.007 +/- 0.069  0.93   0.024 +/- 0.124    25
    s_learner                        -0.055 +/- 0.109  0.75   0.134 +/- 0.058     7
    response_model                   -0.186 +/- 0.146  0.50   -                   2
    value_tier_rule                  -0.234 +/- 0.012  1.00   -                   0

Per seed, deep (pre-trained) incremental profit vs the best baseline of that seed: seed 0 +0.258 vs
+0.070 (T), seed 1 +0.051 vs -0.028 (T), seed 2 -0.043 vs -0.010 (S); true Qini deep vs T-learner
0.362/0.145, 0.004/0.028, 0.017/-0.102. The mean beats every baseline, but seed 2 does not, and the
spread across seeds is as large as the margins. The lower-bound choice earned more than the mean choice
of the same ensemble (+0.088 vs +0.073). Pre-training: +0.088 vs +0.063 incremental, Qini 0.127 vs 0.134
- no clear help. Next-category head top-1 0.375-0.435 vs the history's most frequent category
0.458-0.481: the pre-trained head does not beat the simple rule.
(Earlier single-seed run, 20,000 users, one member, mean choice: deep +0.072, T-learner +0.034.)

Tried and reverted (same command, same seeds; baselines unchanged): (a) each member validating on its
own users + cosine learning-rate decay + gradient clipping at 1.0: deep (pre-trained) -0.008 +/- 0.051,
true Qini 0.000; (b) the per-member validation split alone: -0.025 +/- 0.052, Qini 0.116 (seed 0 fell
from +0.258 to -0.076). So the deep model's profit on one world moves by ~0.3 per user with nothing
but which users early stopping watches: the +0.088 mean above rests mostly on seed 0, and the issue's
targets (>= 10% over the best baseline, Qini above the T-learner) are not met robustly. Why: 5,600
logged rows over 12 arms (~470 per arm) and heavy-tailed profits; the validation loss that early
stopping reads is dominated by the profit head's squared error, which jumps by 0.1-0.2 (in units of
the log's variance) between epochs (seed 1: val/profit 0.47, 0.49, 0.43, 0.55, 0.69, 0.44, ...).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from campaignkit.data import make_world
from campaignkit.features import FeatureStore, split_users
from campaignkit.models import BehaviourUpliftModel
from campaignkit.models.baselines import (
    ResponseModelTargeting,
    SLearner,
    TLearner,
    ValueTierRule,
    history_top_category,
)
from campaignkit.models.evaluate import category_top_k_accuracy, compare_models

DEEP = ("deep (pre-trained)", "deep (no pre-training)")
BASELINES = ("t_learner", "s_learner", "response_model", "value_tier_rule")


def run_seed(seed: int, args) -> tuple[pd.DataFrame, dict]:
    """Build one world (``seed``), fit every model on 70% of its users, score the other 30%."""
    world = make_world(args.n_users, random_state=seed)
    with tempfile.TemporaryDirectory() as root:
        store = FeatureStore.build(
            "bench_model", world.events, world.users, world.cutoff, root=root, max_len=args.max_len
        )
        log = world.log_randomised(random_state=seed + 1)
        split = split_users(store.user_ids, val_size=0.0, test_size=0.3, random_state=seed)
        train_ids, test_ids = split["train"], split["test"]
        train, test = store.subset(train_ids), store.subset(test_ids)
        train_log = log[log["user_id"].isin(train_ids)].reset_index(drop=True)
        test_log = log[log["user_id"].isin(test_ids)].reset_index(drop=True)
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
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--n-ensemble", type=int, default=3)
    ap.add_argument("--uncertainty-penalty", type=float, default=1.0)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--pretrain-epochs", type=int, default=3)
    ap.add_argument("--d-model", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "model.json"))
    args = ap.parse_args(argv)
    if args.quick:
        args.n_users, args.epochs, args.pretrain_epochs, args.seeds = 3000, 1, 1, args.seeds[:1]
    torch.set_num_threads(args.threads)
    t_all = time.perf_counter()
    tables, per_seed = [], []
    for seed in args.seeds:
        table, cats = run_seed(seed, args)
        tables.append(table.assign(seed=seed))
        best = max(BASELINES, key=lambda m: table.loc[m, "incremental_profit"])
        deep, base = table.loc[DEEP[0]], table.loc[best]
        per_seed.append(
            {
                "seed": seed,
                "best_baseline": best,
                "deep_vs_best_baseline_incremental_profit_pct": float(
                    100
                    * (deep["incremental_profit"] - base["incremental_profit"])
                    / abs(base["incremental_profit"])
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
