"""Bench: how long explaining 1,000 users' uplift takes with the deep model, and how faithful it is.

On a synthetic world (``--users``, 70% for training) the deep model (``BehaviourUpliftModel``) and the
participation-mediated learner are fitted on a randomised log. Then, on held-out users:

- **seconds**: :func:`campaignkit.explain.explain_uplift` of the deep model's profit uplift of ``--campaign``
  for ``--explain`` users (``--background`` background users, ``--permutations`` antithetic permutations),
  torch on ``--threads`` threads (default 1: a second thread oversubscribes shared cores, see
  ``bench/NOTES.md``), after a one-user warm-up (shap compiles its masking code with numba once per
  process: that compile is reported apart);
- **additivity**: the deep explanation's largest gap to the model's output, relative to the output spread;
  the largest gap of the learner's exact explanations (participation uplift of every campaign);
- **recall**: :func:`~campaignkit.explain.top_driver_recall` of the learner's participation explanations
  (top ``--top-k``; all structural drivers, and the campaign-specific ones), with the chance level;
- **stability**: :func:`~campaignkit.explain.reason_code_stability` of the deep explanation of ``--stability-users``
  users under two background samples (events grouped by type).

    .venv/bin/python bench/explain.py                 # 20,000-user world, 1,000 users explained, 1 thread
    .venv/bin/python bench/explain.py --quick         # smoke run

Results go to ``bench/results/explain.json`` (committed) and, unless ``--no-readme``, the ``explain`` section of
``bench/README.md`` (between its markers; the rest of the file is left as it is); ``--quick`` writes
``explain_quick.json`` (git-ignored) and leaves the README alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def run(args) -> dict:
    from campaignkit.data import make_world
    from campaignkit.explain import (
        additivity_error,
        driver_table,
        explain_uplift,
        reason_code_stability,
        top_driver_recall,
    )
    from campaignkit.features import FeatureStore, split_users
    from campaignkit.models import BehaviourUpliftModel, Boosting, MediatedLearner

    t0 = time.perf_counter()
    world = make_world(args.users, random_state=args.seed)
    store = FeatureStore.build(
        f"bench_explain_{args.users}_{args.seed}", world.events, world.users, world.cutoff, max_len=32
    )
    log = world.log_randomised(random_state=args.seed + 1)
    split = split_users(store.user_ids, val_size=0.0, test_size=0.3, random_state=args.seed)
    train, test = store.subset(split["train"]), store.subset(split["test"])
    train_log = log[log["user_id"].isin(split["train"])].reset_index(drop=True)
    cat = world.catalogue
    deep = BehaviourUpliftModel(
        max_epochs=args.max_epochs,
        pretrain_epochs=1,
        d_model=32,
        accelerator="cpu",
        n_threads=args.threads,
        random_state=args.seed,
    ).fit(train, train_log, cat)
    mediated = MediatedLearner(boosting=Boosting(max_iter=args.boost_iter), random_state=args.seed).fit(
        train, train_log, cat
    )
    setup_seconds = time.perf_counter() - t0
    ids = split["test"]
    kw = dict(n_background=args.background, n_permutations=args.permutations, background=train)
    t = time.perf_counter()
    explain_uplift(deep, test, args.campaign, user_ids=ids[:1], **kw)
    warmup_seconds = time.perf_counter() - t
    t = time.perf_counter()
    deep_expl = explain_uplift(
        deep, test, args.campaign, user_ids=ids[: args.explain], random_state=args.seed, **kw
    )
    seconds = time.perf_counter() - t
    n_stab = min(args.stability_users, args.explain)
    again = explain_uplift(deep, test, args.campaign, user_ids=ids[:n_stab], random_state=args.seed + 1, **kw)
    stability = reason_code_stability(
        deep_expl.take(np.arange(n_stab)).grouped("event_type"), again.grouped("event_type"), k=args.top_k
    )
    by_campaign = {
        c: explain_uplift(mediated, test, c, outcome="participate", user_ids=ids[:400])
        for c in cat["campaign_id"][1:]
    }
    roles = ("specific", "contact")
    table = driver_table(by_campaign, cat, k=args.top_k, roles=roles)
    counted = table[table["proxies"].map(len) > 0]
    return {
        "users": args.users,
        "explained": len(deep_expl),
        "campaign": args.campaign,
        "threads": args.threads,
        "background": args.background,
        "permutations": args.permutations,
        "features": len(deep_expl.feature_names),
        "seconds": seconds,
        "seconds_per_1000": seconds / len(deep_expl) * 1000,
        "warmup_seconds": warmup_seconds,
        "setup_seconds": setup_seconds,
        "additivity_deep_relative": additivity_error(deep_expl, relative=True),
        "additivity_trees_max": max(additivity_error(e) for e in by_campaign.values()),
        "top_driver_recall": top_driver_recall(by_campaign, cat, k=args.top_k, roles=roles),
        "top_driver_recall_specific": top_driver_recall(by_campaign, cat, k=args.top_k),
        "recall_chance": float(counted.groupby("campaign_id")["chance"].max().mean()),
        "reason_code_stability": stability,
        "stability_users": n_stab,
        "top_k": args.top_k,
        "misses": sorted(set(counted["campaign_id"]) - set(counted.loc[counted["in_top_k"], "campaign_id"])),
    }


def readme_section(r: dict) -> str:
    from readme_section import markers

    start, end = markers("explain")
    rev = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    ok = r["seconds_per_1000"] <= 180
    return "\n".join(
        [
            start,
            "## explain",
            "",
            f"`python bench/explain.py` (commit {rev}): a {r['users']:,}-user world, 70% for training; the deep model's profit "
            f"uplift of `{r['campaign']}` explained for {r['explained']:,} held-out users by permutation SHAP over "
            f"{r['features']} players (tabular features and event positions), {r['background']} background users, "
            f"{r['permutations']} antithetic permutation(s), torch on {r['threads']} thread(s) of a 2-core machine shared with "
            "other work (2 threads oversubscribe it: 8.5x slower in the quick run).",
            "",
            "| figure | value |",
            "|---|---:|",
            f"| seconds for {r['explained']:,} users (deep model) | {r['seconds']:.1f} |",
            f"| seconds per 1,000 users | {r['seconds_per_1000']:.1f} |",
            f"| one-off warm-up (shap's numba compile, one user) | {r['warmup_seconds']:.1f} |",
            f"| additivity gap, deep model, share of output spread | {r['additivity_deep_relative']:.1e} |",
            f"| additivity gap, exact Tree SHAP (mediated participation, 11 campaigns) | {r['additivity_trees_max']:.1e} |",
            f"| top-{r['top_k']} driver recall, all structural drivers (mediated, participation) | {r['top_driver_recall']:.2f} |",
            f"| same, campaign-specific drivers only | {r['top_driver_recall_specific']:.2f} |",
            f"| chance level of the recall | {r['recall_chance']:.2f} |",
            f"| top-{r['top_k']} stability across two background samples ({r['stability_users']} users) | {r['reason_code_stability']:.2f} |",
            "",
            f"Done-when (issue 15): 1,000 users in <= 3 minutes on 2 cores: **{'yes' if ok else 'no'}**; recall >= 0.8: "
            f"**{'yes' if r['top_driver_recall'] >= 0.8 else 'no'}** (campaigns missed: {', '.join(r['misses']) or 'none'}). "
            "No GPU figure: no device was lent to this task.",
            end,
        ]
    )


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=20_000)
    p.add_argument("--explain", type=int, default=1_000)
    p.add_argument("--campaign", default="cart_reminder")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--background", type=int, default=32)
    p.add_argument("--permutations", type=int, default=1)
    p.add_argument("--max-epochs", type=int, default=3)
    p.add_argument("--boost-iter", type=int, default=100)
    p.add_argument("--stability-users", type=int, default=200)
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--no-readme", action="store_true")
    p.add_argument("--out", default=str(HERE / "results" / "explain.json"))
    args = p.parse_args(argv)
    from readme_section import quick_outputs

    quick_outputs(args, HERE / "results" / "explain.json")
    if args.quick:
        args.users, args.explain, args.max_epochs, args.boost_iter, args.stability_users = (
            1_500,
            20,
            1,
            30,
            10,
        )
    result = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    if not args.no_readme:
        from readme_section import write_section

        write_section(readme_section(result), "explain")
    return result


if __name__ == "__main__":
    main()
