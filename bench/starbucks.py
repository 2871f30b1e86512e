"""Starbucks offers: each kit model's per-customer plan against the best single offer and no offer.

The issue-29 protocol (:func:`campaignkit.evaluation.starbucks_experiment`): one row per (customer, wave),
outcomes until the next wave's send, point-in-time features, propensity = the arm's share in its wave. For each
seed the 17,000 customers are split 70/30 at random (a customer's waves on one side); every model is fitted on the
train rows of all eleven arms and its plan (highest predicted profit uplift, none unless positive) valued by DR on
the held-out rows against "everyone gets the best single offer" (chosen on the train rows) and "no offer", the
differences paired and clustered by customer (:func:`campaignkit.evaluation.dr_plan_value`). Also recorded: how
many offers' mean predicted profit uplift lies inside the measured 95% interval (:func:`offer_calibration`).

    python bench/starbucks.py                      # seeds 0-4, mediated / t_learner / s_learner
    python bench/starbucks.py --models deep --seeds 0 --add  # add the deep model's rows to the JSON
    python bench/starbucks.py --quick              # 3,000 customers, seed 0, 30 iterations (smoke run)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from protocol import TREE_MODELS, add_to_previous, score_split, summarise, table_lines, tree_model  # noqa: E402

from campaignkit.data import load_starbucks
from campaignkit.evaluation import split_log, starbucks_experiment
from campaignkit.models import BehaviourUpliftModel

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "starbucks.json"
MODELS = (*TREE_MODELS, "deep")


def make(name: str, seed: int, args) -> object:
    """A fresh model of the notebook's settings."""
    if name in TREE_MODELS:
        return tree_model(name, seed, args.max_iter)
    return BehaviourUpliftModel(
        max_epochs=args.max_epochs, n_ensemble=args.n_ensemble, batch_size=512, n_threads=1, random_state=seed
    )


def run_seed(exp, seed: int, args) -> list[dict]:
    """Every model's plan on one split."""
    train, test = split_log(exp.log, (), seed=seed, test_size=0.3)
    return [
        score_split(name, make(name, seed, args), exp.users, train, test, exp.catalogue, seed)
        for name in args.models
    ]


def readme_section(result: dict) -> str:
    """The bench's section of ``bench/README.md``."""
    from readme_section import markers

    start, end = markers("starbucks")
    meta = result["meta"]
    lines = [
        start,
        "## starbucks",
        "",
        f"`python bench/starbucks.py` (commit {meta['commit']}, {meta['date']}): the Starbucks offers data, "
        f"{meta['n_customers']:,} customers x 6 waves, the issue-29 protocol; seeds "
        f"{', '.join(map(str, meta['seeds']))} re-split the customers 70/30; boosting max_iter={meta['max_iter']}"
        + (
            f", deep: {meta['max_epochs']} epochs x {meta['n_ensemble']} members"
            if "deep" in meta["models"]
            else ""
        )
        + f". Best single offer (chosen on the train rows): {', '.join(sorted(set(meta['best_offers'])))}. "
        "Differences are $ of profit (35% of spend - reward) per customer-wave on the held-out rows, DR, paired "
        "and clustered by customer; mean over seeds, with the mean paired se; < -1 se / worse / better = seeds "
        "whose difference is below -1 se / below -2 se / above +2 se. Calibrated = offers whose mean predicted "
        "profit uplift lies in the measured 95% interval. `calibrated` is `CalibratedLearner(MediatedLearner())`: "
        "its plan is the one it deploys (personalised, or everyone the best offer when the personalised plan does "
        "not beat it out of fold); the second table is the personalised plan it weighed, on the same held-out rows, "
        "and the floor the smallest gain over the best offer those rows could detect (2.8 se).",
        "",
        *table_lines(result["summary"]),
    ]
    lines.append(end)
    return "\n".join(lines)


def main(argv=None) -> dict:
    from readme_section import git_state, output_args, quick_outputs, save_run, write_section

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--models", nargs="+", default=list(MODELS[:4]), choices=MODELS)
    ap.add_argument("--max-iter", type=int, default=200)
    ap.add_argument("--max-epochs", type=int, default=10)
    ap.add_argument("--n-ensemble", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--add", action="store_true", help="add this run's rows to the rows already in --out")
    ap.add_argument("--quick", action="store_true", help="3,000 customers, seed 0, 30 iterations, 1 epoch")
    output_args(ap, DEFAULT_OUT)
    args = ap.parse_args(argv)
    quick_outputs(args, DEFAULT_OUT)
    n_customers = 3_000 if args.quick else 0
    if args.quick:
        args.seeds, args.max_iter, args.max_epochs, args.n_ensemble = [0], 30, 1, 1
    if args.readme_only:
        write_section(readme_section(json.loads(args.out.read_text())), "starbucks")
        return {}
    state = git_state()
    exp = starbucks_experiment(0, n_customers=n_customers, max_len=args.max_len, data=load_starbucks())
    rows = [r for seed in args.seeds for r in run_seed(exp, seed, args)]
    meta = {
        "seeds": args.seeds,
        "models": list(args.models),
        "max_iter": args.max_iter,
        "max_epochs": args.max_epochs,
        "n_ensemble": args.n_ensemble,
        "max_len": args.max_len,
        "n_customers": int(exp.log["unit_id"].nunique()),
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d"),
        **state,
    }
    if args.add and args.out.exists():
        rows = add_to_previous(args.out, rows, meta, args.models)
    meta["best_offers"] = [r["best_offer"] for r in rows]
    result = {"meta": meta, "rows": rows, "summary": summarise(rows)}
    save_run(result, args.out, "starbucks", None if args.no_readme else readme_section(result))
    return result


if __name__ == "__main__":
    main()
