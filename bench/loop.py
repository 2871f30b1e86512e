"""The feedback loop over five rounds on a world that moves on: forecast coverage and regret, three seeds.

For each seed: ``make_world(N, random_state=seed)``; a uniformly randomised log of every user starts the log;
then ``campaignkit.loop.FeedbackLoop`` runs five rounds - score (the world's user table as of its cutoff and the
loop's contact history), plan under a budget of 0.25 per user on predicted spend (on the predicted uplift minus
one sd across the fold models), 10% of users explore (uniformly random campaign), 10% of the planned contacts are
held out, forecast the executed plan (90% interval, corrected on the logged rows of a quarter of the users kept
out of every fit, ``--reserve``), run it with ``world.step`` (the world moves one campaign window on: churn,
fatigue, taste drift), measure the lift against the holdout, log with the design's propensities and retrain (cross-fitted ``MediatedLearner``, propensity-weighted).

Done-when (issue 16): on each seed the realised profit lies inside the 90% forecast interval in at least 4 of 5
rounds, and the regret to the oracle (exact profit of the oracle's plan at the same budget minus the plan's) is
lower in round 5 than in round 1.

    python bench/loop.py                 # 40,000 users, seeds 0 1 2, five rounds -> bench/results/loop.json + README
    python bench/loop.py --users 8000    # smaller worlds
    python bench/loop.py --quick         # one 2,000-user world, three rounds, 30 iterations -> loop_quick.json only
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


RESERVE_TEXT = "the logged rows of a reserve of users kept out of every fit"
"""What the forecasts are corrected on. The other corrections (``--calibration plan_log / plan_folds / folds``) and
cross-fitted planning (``--planning crossfit``) lost to it and left the library; their last figures are the
"Earlier runs" in ``bench/README.md``."""


def run_seed(seed: int, args) -> list[dict]:
    """One world, one loop: the result table's rows, with the seed."""
    from campaignkit.data import make_world
    from campaignkit.loop import FeedbackLoop
    from campaignkit.models import Boosting, MediatedLearner

    warnings.filterwarnings("ignore", category=UserWarning)
    world = make_world(args.users, random_state=seed)
    model = MediatedLearner(
        boosting=Boosting(max_iter=args.max_iter),
        nonparticipants=args.nonparticipants,
        weight_by_propensity=not args.unweighted,
        random_state=seed,
    )
    loop = FeedbackLoop(
        model,
        budget_per_user=args.budget_per_user,
        holdout=args.holdout,
        explore=args.explore,
        initial_users=args.initial_users,
        n_folds=args.n_folds,
        risk=args.risk,
        reserve=args.reserve,
        random_state=seed,
    )
    t0 = time.perf_counter()
    table = loop.run(world, args.rounds).table
    print(f"seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)
    print(
        table[["round", "forecast", "lower", "upper", "realised", "exact", "regret", "regret_share"]]
        .round(1)
        .to_string(index=False),
        flush=True,
    )
    return [{"seed": seed, **r} for r in table.to_dict("records")]


def summarise(rows: list[dict], n_rounds: int) -> dict:
    """Per seed: rounds inside the interval, regret in the first and last round; and the verdict."""
    import pandas as pd

    df = pd.DataFrame(rows)
    per_seed = []
    for seed, d in df.groupby("seed"):
        d = d.sort_values("round")
        per_seed.append(
            {
                "seed": int(seed),
                "rounds_inside": int(d["inside"].sum()),
                "regret_first": float(d["regret"].iloc[0]),
                "regret_last": float(d["regret"].iloc[-1]),
                "regret_share_first": float(d["regret_share"].iloc[0]),
                "regret_share_last": float(d["regret_share"].iloc[-1]),
                "mean_abs_forecast_error": float((d["forecast"] - d["exact"]).abs().mean()),
                "seconds": float(d["seconds"].sum()),
            }
        )
    need = n_rounds - 1
    verdict = {
        "inside_at_least_4_of_5_every_seed": all(s["rounds_inside"] >= need for s in per_seed),
        "regret_last_below_first_every_seed": all(s["regret_last"] < s["regret_first"] for s in per_seed),
        "regret_share_last_below_first_every_seed": all(
            s["regret_share_last"] < s["regret_share_first"] for s in per_seed
        ),
    }
    return {"per_seed": per_seed, "verdict": verdict}


def _mean_width(rows: list[dict]) -> float:
    return sum(r["upper"] - r["lower"] for r in rows) / max(len(rows), 1)


def _exact_text(rows: list[dict]) -> str:
    """The executed plans' exact profit per seed: round 1, then the lowest and highest of the later rounds."""
    seeds = sorted({r["seed"] for r in rows})
    parts = []
    for seed in seeds:
        d = sorted((r for r in rows if r["seed"] == seed), key=lambda r: r["round"])
        later = [r["exact"] for r in d[1:]]
        parts.append(
            f"{d[0]['exact']:,.0f}" + (f" then {min(later):,.0f} to {max(later):,.0f}" if later else "")
        )
    return "exact profit of the executed plans, round 1 then later rounds, per seed " + "; ".join(parts)


def other_run_lines(paths) -> list[str]:
    """One line per other run of this bench (its JSON): its settings, rounds inside per seed, forecast error."""
    lines = []
    for path in paths or []:
        r = json.loads(Path(path).read_text())
        m, per = r["meta"], r["summary"]["per_seed"]
        inside = ", ".join(f"seed {p['seed']}: {p['rounds_inside']}" for p in per)
        err = ", ".join(f"{p['mean_abs_forecast_error']:,.0f}" for p in per)
        regret = ", ".join(f"{p['regret_first']:,.0f} -> {p['regret_last']:,.0f}" for p in per)
        lines += [
            "",
            f"Other run, `{Path(path).name}` (commit {m['commit']}, {m['users']:,} users, features "
            f'`{m.get("features", "world_user_table")}`, `nonparticipants="{m["nonparticipants"]}"`, '
            f"{'unweighted' if m['unweighted'] else 'propensity-weighted'}, forecast corrected on "
            f"{RESERVE_TEXT}): "
            f"rounds inside the interval {inside}; mean interval "
            f"width {_mean_width(r['rows']):,.0f}; mean absolute forecast error against the exact expectation per "
            f"seed {err}; regret round 1 -> {m['rounds']} per seed {regret}; {_exact_text(r['rows'])}.",
        ]
    return lines


def readme_section(result: dict, others=()) -> str:
    """The bench's section of ``bench/README.md`` (between its markers)."""
    from readme_section import markers

    start, end = markers("loop")
    m, s = result["meta"], result["summary"]
    flags = " --quick" if m["quick"] else f" --users {m['users']}" if m["users"] != 40_000 else ""
    lines = [
        start,
        "## loop",
        "",
        f"`python bench/loop.py{flags}` (commit {m['commit']}): worlds of {m['users']:,} users, seeds "
        f"{', '.join(map(str, m['seeds']))}, {m['rounds']} rounds; features `{m.get('features', 'world_user_table')}` "
        f"and the loop's contact history; `MediatedLearner(boosting=Boosting(max_iter={m['max_iter']}), "
        f'nonparticipants="{m["nonparticipants"]}", weight_by_propensity={not m["unweighted"]})` cross-fitted '
        f"({m['n_folds']} folds) on a randomised log of {m['initial_users']:.0%} of the users and every round's log; "
        f"risk={m['risk']}, budget {m['budget_per_user']} per user on predicted spend, {m['explore']:.0%} exploration, "
        f"{m['holdout']:.0%} holdout, 90% forecast intervals corrected on "
        + RESERVE_TEXT
        + ". Per round: forecast [interval], realised (measured "
        "against the holdout), exact expectation of the executed plan, regret to the oracle at the same budget "
        "(and as a share of the oracle's profit).",
        "",
        "| seed | round | lost | forecast [90% interval] | realised ± se | exact | inside | regret | regret share "
        "| holdout needed / used |",
        "|---:|---:|---:|---|---|---:|:---:|---:|---:|---|",
    ]
    for r in result["rows"]:
        need = "inf" if r["holdout_needed"] == float("inf") else f"{r['holdout_needed']:,.0f}"
        lines.append(
            f"| {r['seed']} | {r['round']} | {r['lost_share']:.0%} | {r['forecast']:,.0f} [{r['lower']:,.0f}, "
            f"{r['upper']:,.0f}] | {r['realised']:,.0f} ± {r['realised_se']:,.0f} | {r['exact']:,.0f} "
            f"| {'yes' if r['inside'] else 'no'} | {r['regret']:,.0f} | {r['regret_share']:.2f} "
            f"| {need} / {r['held_out']:,} |"
        )
    v = s["verdict"]
    inside = ", ".join(f"seed {p['seed']}: {p['rounds_inside']}" for p in s["per_seed"])
    regret = ", ".join(
        f"seed {p['seed']}: {p['regret_first']:,.0f} -> {p['regret_last']:,.0f}" for p in s["per_seed"]
    )
    err = ", ".join(f"{p['mean_abs_forecast_error']:,.0f}" for p in s["per_seed"])
    lines += [
        "",
        f"Mean interval width {_mean_width(result['rows']):,.0f}; mean absolute forecast error against the exact "
        f"expectation per seed {err}; {_exact_text(result['rows'])}.",
        "",
        f"Done-when (issue 16): realised inside the 90% interval in at least {m['rounds'] - 1} of {m['rounds']} "
        f"rounds on every seed: **{'yes' if v['inside_at_least_4_of_5_every_seed'] else 'no'}** ({inside}); "
        f"regret lower in the last round than in the first on every seed: "
        f"**{'yes' if v['regret_last_below_first_every_seed'] else 'no'}** ({regret}); as a share of the oracle's "
        f"profit: **{'yes' if v['regret_share_last_below_first_every_seed'] else 'no'}**. The oracle's profit "
        "falls as users churn, so the regret in profit falls with it; the share is the stricter reading.",
        *other_run_lines(others),
        end,
    ]
    return "\n".join(lines)


def main(argv=None) -> dict:
    from readme_section import git_state, output_args, quick_outputs, save_run, write_section

    from campaignkit.loop import FeedbackLoop

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=40_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--max-iter", type=int, default=50)
    ap.add_argument("--nonparticipants", default="control", choices=["control", "observed", "modelled"])
    ap.add_argument("--unweighted", action="store_true", help="retrain without the logged propensities")
    ap.add_argument("--budget-per-user", type=float, default=0.25)
    ap.add_argument("--holdout", type=float, default=0.1)
    ap.add_argument("--explore", type=float, default=0.1)
    ap.add_argument("--initial-users", type=float, default=1.0)
    ap.add_argument("--n-folds", type=int, default=2)
    ap.add_argument("--risk", type=float, default=1.0, help="plan on uplift - risk x the fold models' spread")
    ap.add_argument("--reserve", type=float, default=0.25, help="share of users only calibrating (reserve)")
    ap.add_argument("--quick", action="store_true", help="one 2,000-user world, three rounds, 30 iterations")
    output_args(ap, HERE / "results" / "loop.json")
    args = ap.parse_args(argv)
    quick_outputs(args, HERE / "results" / "loop.json")
    if args.quick:
        args.users, args.seeds, args.rounds, args.max_iter = 2_000, [0], 3, 30
    if args.readme_only:
        write_section(readme_section(json.loads(args.out.read_text()), args.also), "loop")
        return {}
    state = git_state()  # the code the run imports: read before a long run, not after
    rows = []
    for seed in args.seeds:
        rows += run_seed(seed, args)
    result = {
        "meta": {
            "users": args.users,
            "seeds": args.seeds,
            "rounds": args.rounds,
            "max_iter": args.max_iter,
            "nonparticipants": args.nonparticipants,
            "unweighted": args.unweighted,
            "budget_per_user": args.budget_per_user,
            "holdout": args.holdout,
            "explore": args.explore,
            "initial_users": args.initial_users,
            "n_folds": args.n_folds,
            "risk": args.risk,
            "reserve": args.reserve,
            "features": inspect.signature(FeedbackLoop).parameters["features"].default.__name__,
            "quick": args.quick,
            **state,
        },
        "rows": rows,
        "summary": summarise(rows, args.rounds),
    }
    save_run(result, args.out, "loop", None if args.no_readme else readme_section(result, args.also))
    print(json.dumps(result["summary"]["verdict"]))
    return result


if __name__ == "__main__":
    main()
