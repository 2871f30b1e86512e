"""Hillstrom: each kit model's per-customer plan against "everyone the best e-mail" and "no e-mail".

The protocol of notebook 11 over seeds: 64,000 customers of a three-arm randomised e-mail test (men's, women's,
none), one row each; per seed a 70/30 split stratified by arm x visit x conversion
(:func:`campaignkit.evaluation.split_log` with :data:`~campaignkit.evaluation.PLAN_STRATA`); every model is
fitted on the train rows over the seven customer attributes and its plan valued by DR on the held-out rows
against "everyone the best single e-mail" (chosen on the train rows) and "no e-mail", paired
(:func:`campaignkit.evaluation.dr_plan_value`); each e-mail's mean predicted profit uplift is set beside its
measured held-out effect (:func:`~campaignkit.evaluation.offer_calibration`). Rows and the table are those of
``bench/protocol.py``, as ``bench/starbucks.py`` writes them.

    python bench/hillstrom.py                 # seeds 0-4: calibrated, mediated, t_learner, s_learner
    python bench/hillstrom.py --quick         # 6,000 customers, seed 0, 30 iterations (smoke run)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from protocol import TREE_MODELS, add_to_previous, score_split, summarise, table_lines, tree_model  # noqa: E402

from campaignkit.data import load_hillstrom
from campaignkit.data.hillstrom import HILLSTROM_FEATURES
from campaignkit.evaluation import PLAN_STRATA, protocol_users, split_log

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "hillstrom.json"
MODELS = TREE_MODELS


def readme_section(result: dict) -> str:
    """The bench's section of ``bench/README.md``."""
    from readme_section import markers

    start, end = markers("hillstrom")
    meta = result["meta"]
    lines = [
        start,
        "## hillstrom",
        "",
        f"`python bench/hillstrom.py` (commit {meta['commit']}{' + uncommitted changes' if meta['dirty'] else ''}, "
        f"{meta['date']}): Hillstrom's randomised e-mail test, {meta['n_customers']:,} customers; seeds "
        f"{', '.join(map(str, meta['seeds']))} re-split them 70/30 (stratified by arm x visit x conversion); "
        f"boosting max_iter={meta['max_iter']}; the seven attributes. Best single e-mail (chosen on the train "
        f"rows): {', '.join(sorted(set(meta['best_offers'])))}. Differences are $ of profit (the file's spend; "
        "e-mails cost nothing) per customer on the held-out rows, DR, paired; mean over seeds with the mean "
        "paired se; < -1 se / worse / better = seeds below -1 se / below -2 se / above +2 se. Calibrated = "
        "e-mails whose mean predicted profit uplift lies in the measured 95% interval. The second table: the "
        "personalised plan `calibrated` weighed (deployed or not), on the same rows, and the floor, the smallest "
        "gain over the best e-mail those rows could detect (2.8 se).",
        "",
        *table_lines(result["summary"]),
        end,
    ]
    return "\n".join(lines)


def main(argv=None) -> dict:
    from readme_section import git_state, output_args, quick_outputs, save_run, write_section

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    ap.add_argument("--max-iter", type=int, default=200)
    ap.add_argument("--add", action="store_true", help="add this run's rows to the rows already in --out")
    ap.add_argument("--quick", action="store_true", help="6,000 customers, seed 0, 30 iterations")
    output_args(ap, DEFAULT_OUT)
    args = ap.parse_args(argv)
    quick_outputs(args, DEFAULT_OUT)
    if args.readme_only:
        write_section(readme_section(json.loads(args.out.read_text())), "hillstrom")
        return {}
    if args.quick:
        args.seeds, args.max_iter = [0], 30
    state = git_state()
    hill = load_hillstrom()
    log = hill.campaign_log()
    if args.quick:
        log = log.sample(6_000, random_state=0).reset_index(drop=True)
    users = protocol_users(hill, HILLSTROM_FEATURES)
    rows = []
    for seed in args.seeds:
        train, test = split_log(log, PLAN_STRATA, seed=seed, test_size=0.3)
        rows += [
            score_split(m, tree_model(m, seed, args.max_iter), users, train, test, hill.campaigns, seed)
            for m in args.models
        ]
    meta = {
        "seeds": args.seeds,
        "models": list(args.models),
        "max_iter": args.max_iter,
        "n_customers": len(log),
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d"),
        **state,
    }
    if args.add and args.out.exists():
        rows = add_to_previous(args.out, rows, meta, args.models)
    meta["best_offers"] = [r["best_offer"] for r in rows]
    result = {"meta": meta, "rows": rows, "summary": summarise(rows)}
    save_run(result, args.out, "hillstrom", None if args.no_readme else readme_section(result))
    return result


if __name__ == "__main__":
    main()
