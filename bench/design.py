"""Bench: campaign design under a budget - the kit's plan against the rules and the oracle, HiGHS, 10M users.

Four parts (``--parts``), each in its own process (so each peak memory is its own):

- ``worlds``: for each seed (``--seeds``) a world of ``--n-users`` users (``bench/worlds.py``: feature store,
  uniformly randomised 12-arm log, 70/30 user split). The kit's recommended model (``MediatedLearner``,
  ``--max-iter`` boosting iterations, one thread) and response targeting are fitted on the 70%; the value-tier
  rule learns its cut-offs there. On the held-out 30%, at budgets of ``--budgets`` times the spend of the
  oracle's unconstrained plan (the oracle = :func:`campaignkit.design.assign` fed the world's exact effects,
  targets = each user's truly most interesting category), every plan is scored by the world's exact expected
  incremental profit (:func:`campaignkit.evaluation.true_value_total`):
  ``model`` (``assign`` on the model's predicted profit uplift and spend, budget only - its *true* spend is
  reported too), ``value_tier_rule`` and ``response_model`` (their own choice, users in their own priority
  order until the budget is spent, each user's *exact* spend given to them), ``blanket`` (the one campaign
  that the truth says earns most at that budget, sent to users in random order, world-default targets) and
  ``oracle``; and ``model_true_budget``: the model's plan cut down, in the order of its own predicted value per
  unit of predicted spend, until its *true* spend fits the budget (the model underestimates spend).
  ``share`` = a plan's true incremental profit / the budget-constrained oracle's.
- ``parameters``: the same worlds; each of :data:`PARAMETER_METHODS` fitted on the 70% picks, per RFM value tier
  of the held-out users, the 满减 configuration with the highest predicted profit uplift (or its lower bound) from
  :func:`~campaignkit.design.threshold_grid` (25 points, two of them in the log); regret = the best grid point's
  true profit per user minus the chosen one's, over the best's (:func:`~campaignkit.design.parameter_regret`).
- ``highs``: ``--highs-users`` users of a random problem (``campaignkit.design.random_chunks``, 11 campaigns),
  budget = half the unconstrained spend, user caps on two campaigns; :func:`~campaignkit.design.assign` against
  the LP optimum (:func:`~campaignkit.design.solve_lp`, HiGHS; it bounds the integer optimum, so the relative
  difference bounds the shortfall from it) and :func:`~campaignkit.design.solve_milp` (HiGHS, ``--highs-time``
  seconds at most; recorded as such when it finds no plan in time): certified gap, seconds.
- ``scale``: ``--scale-users`` users x 11 campaigns (+ control), streamed from ``random_chunks`` in chunks of
  1,000,000 into :meth:`AssignmentProblem.from_chunks` (float32), budget = half the unconstrained spend and
  user caps on two campaigns: seconds to stream (generating the random chunks, a stand-in for scoring them),
  seconds to assign, peak resident memory of the process, certified gap.

    .venv/bin/python bench/design.py --quick      # 3,000-user world, 20k HiGHS, 1M scale; README untouched
    .venv/bin/python bench/design.py --parts parameters   # one part; the rows of the others are kept
    .venv/bin/python bench/design.py              # 40,000 users x seeds 0 1 2, 100k HiGHS, 10M scale

Results: ``--out`` (``bench/results/design.json``, committed; parts not run keep their old rows) and the
``design`` section of ``bench/README.md`` (between ``<!-- design:start -->`` and ``<!-- design:end -->``).
Measured figures live there only. Nothing here is tuned to meet a target.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from readme_section import markers, write_section  # noqa: E402 (bench/ is on the path when run)
from worlds import world_split  # noqa: E402 (bench/ is on the path when run)

HERE = Path(__file__).resolve().parent
START, END = markers("design")
PLANS = ("model", "model_true_budget", "value_tier_rule", "response_model", "blanket", "oracle")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- part 1: worlds -----------------------------------------------------------------------------------------
def run_world(n_users: int, seed: int, budgets: list[float], max_iter: int) -> dict:
    """One world: fit, plan at every budget, score on the truth."""
    from campaignkit.design import (
        AssignmentProblem,
        assign,
        blanket_at_budget,
        fit_to_budget,
        rule_priority,
    )
    from campaignkit.evaluation import oracle_target, true_problem, true_value_total
    from campaignkit.models import Boosting, MediatedLearner, ResponseModelTargeting, ValueTierRule

    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        w = world_split(n_users, seed, root, name="bench_design", max_len=32)
        world, ids, cat = w.world, w.test_ids, w.world.catalogue
        t1 = time.perf_counter()
        model = MediatedLearner(boosting=Boosting(max_iter=max_iter), n_threads=1, random_state=seed).fit(
            w.train, w.train_log, cat
        )
        response = ResponseModelTargeting(
            boosting=Boosting(max_iter=max_iter), n_threads=1, random_state=seed
        ).fit(w.train, w.train_log, cat)
        rule = ValueTierRule().fit(w.train)
        fit_s = time.perf_counter() - t1
        pred = model.predict_outcomes(w.test, cat)
        problem = AssignmentProblem.from_prediction(pred)
        oracle = true_problem(world, ids, oracle_target(world, ids))
        default = true_problem(world, ids)
        free = assign(oracle)
        true_spend = np.hstack([np.zeros((len(ids), 1)), default.spend])
        own = true_problem(world, ids, pred.target_category)  # the truth with the model's own targets
        own_spend = np.hstack([np.zeros((len(ids), 1)), own.spend])
        rule_choice, rule_prio = rule.choose(w.test, cat), rule_priority(rule, w.test, cat)
        resp_choice, resp_prio = response.choose(w.test, cat), rule_priority(response, w.test, cat)
        rows = []
        for share in budgets:
            budget = share * free.spend
            t2 = time.perf_counter()
            plan = assign(problem, budget)
            plan_s = time.perf_counter() - t2
            best = assign(oracle, budget)
            blanket, blanket_id = blanket_at_budget(default, budget, random_state=seed)
            on = np.flatnonzero(plan.choice > 0)
            ratio = np.zeros(len(ids))  # the model's own value per unit of predicted spend
            ratio[on] = problem.value[on, plan.choice[on] - 1] / np.maximum(
                problem.spend[on, plan.choice[on] - 1], 1e-9
            )
            plans = {
                "model": (plan.choice, pred.target_category),
                "model_true_budget": (
                    fit_to_budget(plan.choice, ratio, own_spend, budget),
                    pred.target_category,
                ),
                "value_tier_rule": (fit_to_budget(rule_choice, rule_prio, true_spend, budget), None),
                "response_model": (fit_to_budget(resp_choice, resp_prio, true_spend, budget), None),
                "blanket": (blanket, None),
                "oracle": (best.choice, oracle.target_category),
            }
            values = {k: true_value_total(world, ids, ch, tc) for k, (ch, tc) in plans.items()}
            ref = values["oracle"]["incremental_profit"]
            for name, v in values.items():
                rows.append(
                    {
                        "part": "worlds",
                        "n_users": n_users,
                        "seed": seed,
                        "budget_share": share,
                        "budget": budget,
                        "plan": name,
                        "share": v["incremental_profit"] / ref,
                        "incremental_profit": v["incremental_profit"],
                        "true_spend": v["spend"],
                        "reach": v["reach"],
                        **({"blanket_campaign": blanket_id} if name == "blanket" else {}),
                        **(
                            {
                                "predicted_spend": plan.spend,
                                "predicted_profit": plan.objective,
                                "gap": plan.gap,
                                "assign_seconds": plan_s,
                            }
                            if name == "model"
                            else {}
                        ),
                        **({"gap": best.gap} if name == "oracle" else {}),
                    }
                )
            print(
                f"N={n_users} seed={seed} budget {share:.2f}: "
                + "  ".join(f"{r['plan']} {r['share']:+.3f}" for r in rows[-len(values) :]),
                file=sys.stderr,
                flush=True,
            )
    return {
        "rows": rows,
        "world": {
            "part": "worlds",
            "n_users": n_users,
            "seed": seed,
            "n_test": int(len(ids)),
            "oracle_free_spend": free.spend,
            "oracle_free_incremental_profit": free.objective,
            "fit_seconds": fit_s,
            "seconds": time.perf_counter() - t0,
        },
    }


# ---- part 1b: campaign parameters ----------------------------------------------------------------------------
PARAMETER_METHODS = ("price_offer", "price_offer_lower_bound", "s_learner")
"""Rows of the parameters part: the structural price-offer model choosing on its mean (the kit's recommendation),
the same on ``mean - 1 sd`` of its bootstrap, and the S-learner (attributes as inputs, no structure)."""


def run_parameters(n_users: int, seed: int, max_iter: int) -> dict:
    """One world: each method picks the 满减 threshold and depth per value tier from a grid; regret on the truth."""
    from campaignkit.design import choose_parameters, parameter_regret, threshold_grid, value_tiers
    from campaignkit.models import Boosting, PriceOfferModel, SLearner

    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as root:
        w = world_split(n_users, seed, root, name="bench_design_params", max_len=32)
        cat = w.world.catalogue
        grid = threshold_grid()
        seg = value_tiers(w.test[0])
        models = {
            "price_offer": PriceOfferModel(
                n_bootstrap=20, boosting=Boosting(max_iter=max_iter), n_threads=1, random_state=seed
            ),
            "s_learner": SLearner(boosting=Boosting(max_iter=max_iter), n_threads=1, random_state=seed),
        }
        fits = {}
        for name, model in models.items():
            t1 = time.perf_counter()
            fits[name] = (
                model.fit(w.train, w.train_log, cat).predict_outcomes(w.test, grid),
                time.perf_counter() - t1,
            )
        # method -> (the fit it reads, risk): the lower bound reads the price-offer model's bootstrap
        settings = {
            "price_offer": ("price_offer", 0.0),
            "price_offer_lower_bound": ("price_offer", 1.0),
            "s_learner": ("s_learner", 0.0),
        }
        for method in PARAMETER_METHODS:
            fit, risk = settings[method]
            pred, fit_s = fits[fit]
            chosen = choose_parameters(pred, seg, seen_catalogue=cat, grid=grid, risk=risk)
            reg = parameter_regret(w.world, w.test_ids, seg, grid, chosen)
            rows += [
                {
                    "part": "parameters",
                    "method": method,
                    "n_users": n_users,
                    "seed": seed,
                    "segment": str(s),
                    "chosen": r["chosen"],
                    "in_log": bool(r["in_log"]),
                    "best": r["best"],
                    "true_profit": float(r["true_profit"]),
                    "best_true_profit": float(r["best_true_profit"]),
                    "regret": float(r["regret"]),
                    "fit_seconds": fit_s,
                    "seconds": time.perf_counter() - t0,
                }
                for s, r in reg.iterrows()
            ]
    for method in PARAMETER_METHODS:
        print(
            f"parameters N={n_users} seed={seed} {method}: "
            + ", ".join(
                f"{r['segment']} {r['chosen']} regret {r['regret']:.3f}"
                for r in rows
                if r["method"] == method
            ),
            file=sys.stderr,
            flush=True,
        )
    return {"rows": rows}


# ---- part 2: HiGHS ---------------------------------------------------------------------------------------------
def _half_budget_caps(problem):
    n = problem.shape[0]
    best = problem.value.argmax(axis=1)
    on = problem.value.max(axis=1) > 0
    free = float(problem.spend[np.arange(n), best][on].astype(np.float64).sum())
    ids = problem.campaign_ids
    return 0.5 * free, {ids[-1]: n // 20, ids[3]: n // 50}


def run_highs(n_users: int, time_limit: float, seed: int = 0) -> dict:
    from campaignkit.design import AssignmentProblem, assign, random_chunks, solve_lp, solve_milp
    from campaignkit.errors import CampaignkitError

    problem = AssignmentProblem.from_chunks(random_chunks(n_users, 11, 100_000, random_state=seed))
    budget, caps = _half_budget_caps(problem)
    plan = assign(problem, budget, caps=caps)
    lp = solve_lp(problem, budget, caps=caps)
    out = {
        "part": "highs",
        "n_users": n_users,
        "n_campaigns": problem.shape[1],
        "budget": budget,
        "caps": caps,
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "assign_seconds": plan.seconds,
        "lp_objective": lp["objective"],
        "lp_seconds": lp["seconds"],
        "lp_fractional_users": lp["n_fractional"],
        # the LP optimum bounds the integer optimum, so this bounds the shortfall from HiGHS's MILP optimum
        "rel_diff_to_lp": (lp["objective"] - plan.objective) / abs(lp["objective"]),
        "highs_time_limit": time_limit,
    }
    try:
        exact = solve_milp(problem, budget, caps=caps, time_limit=time_limit, mip_rel_gap=5e-5)
    except CampaignkitError as err:
        out["highs_status"] = str(err)
        return out
    out.update(
        highs_objective=exact["objective"],
        highs_bound=exact["bound"],
        highs_status=exact["status"],
        highs_seconds=exact["seconds"],
        rel_diff_to_highs=(exact["objective"] - plan.objective) / abs(exact["objective"]),
    )
    return out


# ---- part 3: scale ---------------------------------------------------------------------------------------------
def run_scale(n_users: int, seed: int = 0) -> dict:
    from campaignkit.design import AssignmentProblem, assign, random_chunks

    t0 = time.perf_counter()
    problem = AssignmentProblem.from_chunks(
        random_chunks(n_users, 11, 1_000_000, random_state=seed), n_users=n_users
    )
    stream_s = time.perf_counter() - t0
    budget, caps = _half_budget_caps(problem)
    t1 = time.perf_counter()
    plan = assign(problem, budget, caps=caps)
    assign_s = time.perf_counter() - t1
    return {
        "part": "scale",
        "n_users": n_users,
        "n_campaigns": problem.shape[1] + 1,
        "chunk_users": 1_000_000,
        "stream_seconds": stream_s,
        "assign_seconds": assign_s,
        "total_seconds": stream_s + assign_s,
        "peak_mb": _peak_mb(),
        "gap": plan.gap,
        "objective": plan.objective,
        "bound": plan.bound,
        "passes": plan.info["passes"],
        "sample_passes": plan.info["sample_passes"],
        "constraints": plan.constraints.reset_index().to_dict("records"),
    }


def _in_process(fn, *args):
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        return pool.submit(fn, *args).result()


# ---- summary and README ----------------------------------------------------------------------------------------
def summarise(rows: list[dict]) -> list[dict]:
    """Per (N, budget share, plan): mean, sd and per-seed share of the budget-constrained oracle."""
    import pandas as pd

    df = pd.DataFrame([r for r in rows if r["part"] == "worlds"])
    if df.empty:
        return []
    out = []
    order = {p: i for i, p in enumerate(PLANS)}
    for (n, b, plan), g in sorted(
        df.groupby(["n_users", "budget_share", "plan"]), key=lambda t: (t[0][0], t[0][1], order[t[0][2]])
    ):
        g = g.sort_values("seed")
        s = g["share"].to_numpy()
        row = {
            "n_users": int(n),
            "budget_share": float(b),
            "plan": plan,
            "seeds": g["seed"].astype(int).tolist(),
            "share_mean": float(s.mean()),
            "share_sd": float(s.std(ddof=1)) if len(s) > 1 else float("nan"),
            "share_per_seed": s.tolist(),
            "spend_over_budget": float((g["true_spend"] / g["budget"]).mean()),
            "reach": float(g["reach"].mean()),
        }
        if plan == "model":
            row["gap_max"] = float(g["gap"].max())
            row["assign_seconds_mean"] = float(g["assign_seconds"].mean())
            row["predicted_spend_over_budget"] = float((g["predicted_spend"] / g["budget"]).mean())
        if plan == "blanket":
            row["blanket_campaigns"] = sorted(set(g["blanket_campaign"]))
        out.append(row)
    return out


def beats(summary: list[dict]) -> list[str]:
    """Per (N, budget): does the model's plan earn more true profit than every baseline in every seed?"""
    lines = []
    for n in sorted({s["n_users"] for s in summary}):
        for b in sorted({s["budget_share"] for s in summary if s["n_users"] == n}):
            sub = {s["plan"]: s for s in summary if s["n_users"] == n and s["budget_share"] == b}
            for mine in ("model", "model_true_budget"):
                if mine not in sub:
                    continue
                m = np.array(sub[mine]["share_per_seed"])
                lost = [
                    p
                    for p in ("value_tier_rule", "response_model", "blanket")
                    if p in sub and np.any(m <= np.array(sub[p]["share_per_seed"]))
                ]
                verdict = (
                    "every baseline in every seed" if not lost else f"the baselines but {', '.join(lost)}"
                )
                lines.append(f"N = {n:,}, budget {b:.0%}: `{mine}` earns more than {verdict}")
    return lines


def _fmt(v, spec="+.2f") -> str:
    return "n/a" if v is None or not np.isfinite(v) else format(v, spec)


def readme_section(result: dict, meta: dict) -> str:
    summary = result["summary"]
    lines = [
        START,
        "## design",
        "",
        "`bench/design.py`: campaign design under a budget (`campaignkit.design`). Budgets are shares of the spend of",
        "the oracle's unconstrained plan on the held-out 30% of users; **share** = a plan's true incremental profit",
        "(the world's exact expectation) / that of the budget-constrained oracle (the same optimiser fed the",
        "world's exact effects); mean ± sd over seeds, then per seed. **spend/budget** = the plan's *true* spend",
        "over the budget (the model plans on its predicted spend; the rules are given the exact spend).",
        "`model` = `assign` on the `MediatedLearner`'s predictions (`model_true_budget`: cut down until its true spend",
        "fits); `blanket` = the best single campaign",
        "(picked by the truth) to users in random order; the rules contact users in their own priority order.",
        f"Written {meta['written']} from `{meta['out']}` (code at {meta['commits']}; {platform.node() or 'host'}, "
        f"{meta['cpus']} CPUs, shared with other jobs).",
        "",
        "| N | budget | plan | share mean ± sd | share per seed | spend/budget | reach | certified gap (max) |",
        "|---:|---:|---|---:|---|---:|---:|---:|",
    ]
    for s in summary:
        per = " / ".join(_fmt(v) for v in s["share_per_seed"])
        plan = s["plan"] + (f" ({', '.join(s['blanket_campaigns'])})" if s.get("blanket_campaigns") else "")
        gap = f"{s['gap_max']:.1e}" if "gap_max" in s else ""
        lines.append(
            f"| {s['n_users']:,} | {s['budget_share']:.0%} | {plan} | {_fmt(s['share_mean'])} ± "
            f"{_fmt(s['share_sd'], '.2f')} | {per} | {s['spend_over_budget']:.2f} | {s['reach']:.2f} | {gap} |"
        )
    lines += [""] + [f"- {line}" for line in beats(summary)]
    model_rows = [s for s in summary if s["plan"] == "model"]
    if model_rows:
        lines.append(
            "- The model's predicted spend over the budget: "
            + ", ".join(
                f"{s['predicted_spend_over_budget']:.3f} at {s['budget_share']:.0%}" for s in model_rows
            )
            + "; assign seconds per plan (mean): "
            + ", ".join(f"{s['assign_seconds_mean']:.2f}" for s in model_rows)
            + "."
        )
    par = [r for r in result["rows"] if r["part"] == "parameters"]
    if par:
        import pandas as pd

        df = pd.DataFrame(par)
        df["method"] = df["method"].fillna("s_learner") if "method" in df else "s_learner"
        per_seed = df.groupby(["method", "seed"])["regret"].mean().unstack("seed")
        seeds = list(per_seed.columns)
        lines += [
            "",
            f"**Campaign parameters**, N = {df['n_users'].iloc[0]:,}: each method (fitted on the 70%'s log) picks the",
            "满减 threshold and depth per RFM value tier of the held-out users from a 5 x 5 grid (`threshold_grid()`:",
            "thresholds 50-300, depths 0.05-0.25; the log tried two of the 25); regret = (best grid point's true profit",
            "per user - the chosen one's) / the best's. `price_offer`: `PriceOfferModel` (the kit's parameter model),",
            "choosing on its mean; `price_offer_lower_bound`: the same fit choosing on mean - 1 sd of its 20 bootstrap",
            "refits (`choose_parameters(risk=1)`); `s_learner`: `SLearner` (campaign attributes as inputs, no offer",
            "structure). Mean regret over tiers:",
            "",
            "| method | "
            + " | ".join(f"seed {s}" for s in seeds)
            + " | mean | never-tried choices | fit s (mean) |",
            "|---|" + "---:|" * (len(seeds) + 3),
        ]
        for method, r in per_seed.iterrows():
            sub = df[df["method"] == method]
            lines.append(
                f"| `{method}` | " + " | ".join(f"{v:.3f}" for v in r) + f" | {r.mean():.3f} | "
                f"{int((~sub['in_log']).sum())} of {len(sub)} | "
                + (
                    f"{sub['fit_seconds'].mean():.0f}"
                    if "fit_seconds" in sub and sub["fit_seconds"].notna().all()
                    else "-"
                )
                + " |"
            )
        lines += ["", "| method | seed | tier | chosen | best | regret |", "|---|---:|---|---|---|---:|"]
        for r in df.sort_values(["method", "seed", "segment"]).to_dict("records"):
            lines.append(
                f"| `{r['method']}` | {r['seed']} | {r['segment']} | {r['chosen']} | {r['best']} | {r['regret']:.3f} |"
            )
    for h in [r for r in result["rows"] if r["part"] == "highs"]:
        milp = (
            f"HiGHS MILP {h['highs_objective']:.2f} in {h['highs_seconds']:.0f} s ({h['highs_status']}), relative "
            f"difference {h['rel_diff_to_highs']:.1e}"
            if "highs_objective" in h
            else f"HiGHS MILP gave no plan within {h['highs_time_limit']:.0f} s ({h['highs_status']})"
        )
        lines += [
            "",
            f"**HiGHS check**, {h['n_users']:,} users x {h['n_campaigns']} campaigns (random problem), budget = half",
            f"the unconstrained spend, user caps on two campaigns: Lagrangian objective {h['objective']:.2f} in "
            f"{h['assign_seconds']:.1f} s, certified gap {h['gap']:.1e}; HiGHS LP optimum (an upper bound on the "
            f"integer optimum) {h['lp_objective']:.2f} in {h['lp_seconds']:.0f} s with {h['lp_fractional_users']} "
            f"fractional users, so the plan is within {h['rel_diff_to_lp']:.1e} (relative) of the integer optimum; "
            f"{milp}.",
        ]
    for sc in [r for r in result["rows"] if r["part"] == "scale"]:
        lines += [
            "",
            f"**Scale**, {sc['n_users']:,} users x {sc['n_campaigns']} campaigns (control included), budget + two user "
            f"caps, streamed in chunks of {sc['chunk_users']:,}: {sc['stream_seconds']:.1f} s to stream (generating "
            f"the random chunks), {sc['assign_seconds']:.1f} s to assign, {sc['total_seconds']:.1f} s in all; peak "
            f"resident memory {sc['peak_mb'] / 1024:.2f} GiB; certified gap {sc['gap']:.1e} "
            f"({sc['passes']} passes over all users, {sc['sample_passes']} over samples).",
        ]
    lines.append(END)
    return "\n".join(lines)


def _git() -> str:
    import subprocess

    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=HERE.parent, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    dirty = git("status", "--porcelain", "campaignkit", "bench/design.py")  # other stages run too (the model)
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--parts",
        nargs="+",
        default=["worlds", "parameters", "highs", "scale"],
        choices=["worlds", "parameters", "highs", "scale"],
    )
    ap.add_argument("--n-users", type=int, default=40_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--budgets", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    ap.add_argument("--max-iter", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1, help="worlds in parallel processes")
    ap.add_argument("--highs-users", type=int, default=100_000)
    ap.add_argument("--highs-time", type=float, default=300.0)
    ap.add_argument("--scale-users", type=int, default=10_000_000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.n_users, args.seeds, args.max_iter = 3_000, args.seeds[:1], 30
        args.highs_users, args.scale_users = 20_000, 1_000_000
    out = Path(args.out or HERE / "results" / ("design_quick.json" if args.quick else "design.json"))
    old = json.loads(out.read_text()) if out.exists() else {}
    if args.report_only:
        result = old
    else:
        rows, worlds = [], []
        t0 = time.perf_counter()
        if "scale" in args.parts:
            rows.append(_in_process(run_scale, args.scale_users))
            print(
                f"scale: {json.dumps({k: v for k, v in rows[-1].items() if k != 'constraints'})}",
                file=sys.stderr,
            )
        if "highs" in args.parts:
            rows.append(_in_process(run_highs, args.highs_users, args.highs_time))
            print(f"highs: {json.dumps({k: v for k, v in rows[-1].items() if k != 'caps'})}", file=sys.stderr)
        if "worlds" in args.parts:
            tasks = [(args.n_users, s, args.budgets, args.max_iter) for s in args.seeds]
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max(1, min(args.jobs, len(tasks))), mp_context=ctx) as pool:
                for res in pool.map(run_world, *zip(*tasks, strict=True)):
                    rows += res["rows"]
                    worlds.append(res["world"])
        if "parameters" in args.parts:
            tasks = [(args.n_users, s, args.max_iter) for s in args.seeds]
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max(1, min(args.jobs, len(tasks))), mp_context=ctx) as pool:
                for res in pool.map(run_parameters, *zip(*tasks, strict=True)):
                    rows += res["rows"]
        done = set(args.parts)
        old = (
            json.loads(out.read_text()) if out.exists() else {}
        )  # again: a run of other parts may have written
        keep = [r for r in old.get("rows", []) if r["part"] not in done]
        keep_w = [w for w in old.get("worlds", []) if "worlds" not in done]
        result = {
            "rows": keep + rows,
            "worlds": keep_w + worlds,
            "runs": old.get("runs", [])
            + [
                {
                    "argv": sys.argv[1:] if argv is None else list(argv),
                    "seconds": time.perf_counter() - t0,
                    "commit": _git(),
                    "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            ],
        }
    result["summary"] = summarise(result["rows"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=float))
    meta = {
        "written": datetime.now(UTC).strftime("%Y-%m-%d"),
        "out": out.relative_to(HERE.parent) if out.is_relative_to(HERE.parent) else out,
        "cpus": multiprocessing.cpu_count(),
        "commits": ", ".join(sorted({r["commit"] for r in result["runs"]})),
    }
    section = readme_section(result, meta)
    print(section)
    if not (args.quick or args.no_readme):
        write_section(section, "design")
    return result


if __name__ == "__main__":
    main()
