"""Bench: effect prediction - forecast accuracy, interval coverage, off-policy coverage and speed.

Parts (``--parts``, all by default):

- ``accuracy``: worlds of ``--accuracy-users`` users (40,000), seeds ``--seeds``; the bench set-up of
  ``bench/decision.py`` (feature store, a uniformly randomised 12-arm log of every user, a 70/30 user split);
  the kit's recommended model with levels for forecasting (``MediatedLearner(nonparticipants="observed")``)
  cross-fitted in three folds on the 70%; the plan for the
  30% is the fold models' mean highest predicted profit uplift (contact only when positive);
  ``forecast_plan`` forecasts it (``holdout=0.1``; corrected on the 30%'s own randomised log rows, which no
  model was fitted on) and the world gives the exact expectation
  (``evaluate_plan``) and one realised run (``run_plan``, measured by ``realised_lift``). Reported: forecast,
  interval, the models' uncalibrated sum, exact and realised for incremental revenue and profit and
  participants, and the relative error of forecast and raw sum against the exact expectation.
- ``coverage``: ``--runs`` seeded runs of ``campaignkit.forecast.audit.audit_run`` (each a new world of
  ``--coverage-users`` users, ``--folds`` cross-fitting folds, a new fit of a fast ``MediatedLearner(boosting=Boosting(max_iter=30,
  learning_rate=0.15, max_leaf_nodes=7), nonparticipants="observed")`` on the world's observed user table - attributes and RFM history - a new draw): share of
  runs whose realised total lies in the 90% forecast interval, the mean interval width beside the width an
  oracle that knew the exact expectation would need for the measurement noise alone; share of runs whose DR 95%
  interval of the plan's incremental profit per user covers the truth, for the plan chosen on a different log
  and (cross-fitted) on the same log, and on the first ``--naive-runs`` runs the same-log value without
  cross-fitting (its bias is the optimism cross-fitting removes).
- ``speed``: IPS, SNIPS and DR of a label policy over ``--speed-rows`` (10,000,000) logged rows x 13 arms,
  best of three, beside the same estimates through the dense (rows x arms) policy matrix in the same run.

    .venv/bin/python bench/forecast.py --quick                  # smoke: small sizes, README untouched
    .venv/bin/python bench/forecast.py --parts speed
    .venv/bin/python bench/forecast.py --parts coverage --runs 200 --jobs 2

Results merge into ``bench/results/forecast.json`` (a part's new results replace its old ones) and the
``forecast`` section of ``bench/README.md``. Nothing here is tuned to meet a target.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from readme_section import markers, write_section  # noqa: E402 (bench/ is on the path when run)

HERE = Path(__file__).resolve().parent
START, END = markers("forecast")
METRICS = ("incremental_revenue", "incremental_profit", "participants")


def accuracy_world(n_users: int, seed: int) -> dict:
    """One accuracy world (see the module docstring)."""
    from worlds import world_split  # noqa: E402

    from campaignkit.forecast import crossfit, forecast_plan, realised_lift
    from campaignkit.models import MediatedLearner
    from campaignkit.models.policy import best_campaign, plan_frame

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        s = world_split(n_users, seed, root, name="w", max_len=32)
        cat = s.world.catalogue
        model = MediatedLearner(nonparticipants="observed", random_state=seed)
        cf = crossfit(model, s.train, s.train_log, cat, n_folds=3, random_state=seed)
        preds = cf.predict(s.test)
        up = np.mean([p.profit - p.profit[:, :1] for p in preds], axis=0)
        choice = best_campaign(up)
        test_ids = np.asarray(s.test_ids)
        plan = plan_frame(test_ids, choice, cat, preds[0].target_category)
        plan = plan[plan["campaign_id"] != cat["campaign_id"].iloc[0]].reset_index(drop=True)
        fc = forecast_plan(
            cf,
            s.test,
            plan[["user_id", "campaign_id"]],
            holdout=0.1,
            random_state=seed,
            predictions=preds,
            calibration_log=s.test_log,
        )
        exact = s.world.evaluate_plan(plan)
        run = s.world.run_plan(plan, holdout=0.1, random_state=seed + 7)
        floor = information_floor(s, cf, len(test_ids))
    real = realised_lift(run, confidence=0.9)
    real = real[real["campaign_id"] == "all"].set_index("metric")
    row = {"n_users": n_users, "seed": seed, "reach": len(plan), "seconds": time.perf_counter() - t0}
    for m in METRICS:
        f = fc[m]
        row.update(
            {
                f"{m}_forecast": f["forecast"],
                f"{m}_lower": f["lower"],
                f"{m}_upper": f["upper"],
                f"{m}_raw": f["raw"],
                f"{m}_model_sd": f["model_sd"],
                f"{m}_sampling_sd": f["sampling_sd"],
                f"{m}_exact": exact[m],
                f"{m}_realised": float(real.loc[m, "value"]),
                f"{m}_rel_error": f["forecast"] / exact[m] - 1,
                f"{m}_raw_rel_error": f["raw"] / exact[m] - 1,
            }
        )
    for m, v in floor.items():
        row[f"{m}_floor_se"] = v["fitted"]
        row[f"{m}_floor_se_exact_q"] = v["exact"]
    print(
        f"accuracy N={n_users} seed={seed}: "
        + ", ".join(
            f"{m} {row[f'{m}_forecast']:.0f} (exact {row[f'{m}_exact']:.0f}, raw {row[f'{m}_raw']:.0f})"
            for m in METRICS
        )
        + f" in {row['seconds']:.0f}s",
        file=sys.stderr,
        flush=True,
    )
    return row


def information_floor(s, cf, n_plan: int) -> dict:
    """How precisely the training log itself pins down the plan's incremental totals.

    The cross-fitted models' plan for the log's own users (``crossfit_plan_value``), valued by DR against
    control on the same rows: its paired standard error per user, times the users the forecast plan covers, is
    the error any estimate built from this log carries without assuming the world's functional form. With the
    world's exact expected outcomes as the DR outcome model (``exact``) only the outcomes' own noise and the
    users' spread are left: no fitted model can do better.
    """
    from campaignkit.forecast import crossfit_plan_value, off_policy_values

    ids = cf.prediction.campaign_ids
    choice = crossfit_plan_value(cf)["choice"]
    expected = s.world.expected_outcomes(cf.log["user_id"].to_numpy())
    out = {}
    for metric, field, col in (
        ("incremental_profit", "profit", "profit"),
        ("incremental_revenue", "revenue", "revenue"),
    ):
        se = {}
        for name, q in (
            ("fitted", getattr(cf.prediction, field)),
            ("exact", np.asarray(expected[col], float)),
        ):
            dr = off_policy_values(cf.log, {"plan": choice}, ids, q_hat=q, metric=col)
            se[name] = float(dr.loc[dr["method"] == "dr", "diff_se"].iloc[0]) * n_plan
        out[metric] = se
    return out


def fast_model():
    """The audit's fast model."""
    from campaignkit.models import Boosting, MediatedLearner

    return MediatedLearner(
        boosting=Boosting(max_iter=30, learning_rate=0.15, max_leaf_nodes=7), nonparticipants="observed"
    )


def coverage_run(task) -> dict:
    """One audit run (a process pool calls this)."""
    from threadpoolctl import threadpool_limits

    from campaignkit.forecast.audit import audit_run

    seed, n_users, naive, n_folds = task
    with threadpool_limits(1):
        t0 = time.perf_counter()
        out = audit_run(seed, fast_model(), n_users=n_users, in_sample=naive, n_folds=n_folds)
    out["seconds"] = time.perf_counter() - t0
    print(f"coverage run seed={seed}: {out['seconds']:.0f}s", file=sys.stderr, flush=True)
    return out


def speed(n_rows: int, n_arms: int = 13) -> dict:
    """IPS / SNIPS / DR over ``n_rows`` logged rows, label path vs dense policy matrix."""
    from campaignkit.metrics import policy_values

    rng = np.random.default_rng(0)
    a = rng.integers(0, n_arms, n_rows)
    y = rng.normal(size=n_rows) + 0.1 * a
    q = rng.normal(size=(n_rows, n_arms)).astype(np.float64)
    pol = rng.integers(0, n_arms, n_rows)
    p = np.full(n_rows, 1.0 / n_arms)
    arms = np.arange(n_arms)

    def best_of(fn, k=3):
        times = []
        for _ in range(k):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    fast = best_of(lambda: policy_values(y, pol, a, propensity=p, q_hat=q, arms=arms))
    dense_rows = min(n_rows, 2_000_000)  # the dense matrix at 10M x 13 floats alone is 1 GB
    mat = np.eye(n_arms)[pol[:dense_rows]]
    dense = best_of(
        lambda: policy_values(
            y[:dense_rows], mat, a[:dense_rows], propensity=p[:dense_rows], q_hat=q[:dense_rows], arms=arms
        ),
        k=2,
    )
    return {
        "rows": n_rows,
        "arms": n_arms,
        "seconds": fast,
        "dense_rows": dense_rows,
        "dense_seconds": dense,
        "dense_seconds_per_row_ratio": (dense / dense_rows) / (fast / n_rows),
    }


def _fmt(v, spec=".0f"):
    return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else format(v, spec)


def readme_section(res: dict) -> str:
    lines = [START, "## Effect prediction (`bench/forecast.py`)", ""]
    acc = res.get("accuracy")
    if acc:
        lines += [
            f"Forecast of the kit's plan against the world's exact expectation: {acc['n_users'][0]:,}-user worlds, "
            "MediatedLearner cross-fitted in 3 folds on the 70%, plan and forecast for the 30%, 90% intervals "
            "(`forecast` = calibrated; `raw` = the fold models' own sum).",
            "",
            "| seed | total | forecast [90% interval] | raw | exact | realised | forecast error | raw error |",
            "|---:|---|---|---:|---:|---:|---:|---:|",
        ]
        for i, seed in enumerate(acc["seed"]):
            for m in METRICS:
                lines.append(
                    f"| {seed} | {m} | {acc[m + '_forecast'][i]:,.0f} [{acc[m + '_lower'][i]:,.0f}, "
                    f"{acc[m + '_upper'][i]:,.0f}] | {acc[m + '_raw'][i]:,.0f} | {acc[m + '_exact'][i]:,.0f} | "
                    f"{acc[m + '_realised'][i]:,.0f} | {acc[m + '_rel_error'][i]:+.0%} | "
                    f"{acc[m + '_raw_rel_error'][i]:+.0%} |"
                )
        lines.append("")
        if "incremental_profit_floor_se" in acc:
            lines += [
                "What the 70%'s log itself can tell about the plan's totals (`information_floor`): the standard error "
                "of the DR estimate of the cross-fitted plan's incremental total against control on the log's rows, "
                "scaled to the plan's users, with the fitted models as DR's outcome model and with the world's exact "
                "expected outcomes (only the outcomes' noise left: no model can do better), as a share of the exact "
                "expectation. A forecast within +-10% of the exact value needs an error several times below it.",
                "",
                "| seed | total | exact | floor se (fitted) | floor se (exact outcome model) |",
                "|---:|---|---:|---:|---:|",
            ]
            for i, seed in enumerate(acc["seed"]):
                for m in ("incremental_revenue", "incremental_profit"):
                    ex = acc[m + "_exact"][i]
                    lines.append(
                        f"| {seed} | {m} | {ex:,.0f} | {acc[m + '_floor_se'][i]:,.0f} "
                        f"({acc[m + '_floor_se'][i] / ex:.0%}) | {acc[m + '_floor_se_exact_q'][i]:,.0f} "
                        f"({acc[m + '_floor_se_exact_q'][i] / ex:.0%}) |"
                    )
            lines.append("")
    cov = res.get("coverage")
    if cov:
        lines += [
            f"Coverage over {cov['runs']} seeded runs (each a new {cov['n_users']:,}-user world, a new fit of the fast "
            f"model cross-fitted in {cov.get('folds', '?')} folds, a new draw; forecast intervals 90%, DR intervals "
            "95%):",
            "",
            "| quantity | runs | coverage | mean width | oracle width | mean bias |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in cov["summary"]:
            lines.append(
                f"| {r['quantity']} | {r['runs']} | {r['coverage']:.1%} | {_fmt(r['mean_width'], ',.2f')} | "
                f"{_fmt(r['oracle_width'], ',.2f')} | {_fmt(r['bias'], '+,.3f')} |"
            )
        lines.append("")
    sp = res.get("speed")
    if sp:
        lines += [
            f"IPS + SNIPS + DR of a plan over {sp['rows']:,} logged rows x {sp['arms']} arms: **{sp['seconds']:.2f} s** "
            f"(best of 3, {res.get('cpus', '?')} cores); through the dense policy matrix "
            f"{sp['dense_seconds_per_row_ratio']:.1f}x as long per row (measured on {sp['dense_rows']:,} rows).",
            "",
        ]
    lines += [
        f"_Written {res.get('written', '?')} at commit {res.get('commit', '?')}; "
        "`python bench/forecast.py` reruns it._",
        END,
    ]
    return "\n".join(lines)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--parts",
        nargs="+",
        default=["accuracy", "coverage", "speed"],
        choices=["accuracy", "coverage", "speed"],
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--accuracy-users", type=int, default=40_000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=1000, help="seed of the first coverage run")
    ap.add_argument("--coverage-users", type=int, default=4_000)
    ap.add_argument("--folds", type=int, default=2, help="cross-fitting folds of the coverage runs")
    ap.add_argument(
        "--naive-runs", type=int, default=20, help="coverage runs that also fit without cross-fitting"
    )
    ap.add_argument("--speed-rows", type=int, default=10_000_000)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-readme", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="ignore coverage runs already on file")
    ap.add_argument(
        "--merge", nargs="*", default=[], help="JSON files whose parts are copied into --out first"
    )
    ap.add_argument(
        "--report-only", action="store_true", help="rewrite the README section from --out, run nothing"
    )
    args = ap.parse_args(argv)
    if args.report_only:
        args.parts = []
    if args.quick:
        args.seeds, args.accuracy_users, args.runs, args.coverage_users = [0], 3000, 4, 1500
        args.naive_runs, args.speed_rows = 2, 200_000
    out = Path(args.out or HERE / "results" / ("forecast_quick.json" if args.quick else "forecast.json"))
    res = json.loads(out.read_text()) if out.exists() else {}
    for extra in args.merge:
        res.update(
            {
                k: v
                for k, v in json.loads(Path(extra).read_text()).items()
                if k in ("accuracy", "coverage", "speed")
            }
        )
    pool = None
    if args.jobs > 1:
        pool = ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"))
    if "speed" in args.parts:
        res["speed"] = speed(args.speed_rows)
        print(f"speed: {res['speed']}", file=sys.stderr)
    if "accuracy" in args.parts:
        tasks = [(args.accuracy_users, s) for s in args.seeds]
        rows = (
            list(pool.map(accuracy_world, *zip(*tasks, strict=True)))
            if pool
            else [accuracy_world(*t) for t in tasks]
        )
        res["accuracy"] = pd.DataFrame(rows).to_dict(orient="list")
    if "coverage" in args.parts:
        from campaignkit.forecast.audit import coverage_summary

        # every finished run is appended to a JSON-lines file at once, so an interrupted bench resumes where it was
        runs_file = out.with_name(out.stem + "_runs.jsonl")
        done = {}
        if runs_file.exists() and not args.fresh:
            for line in runs_file.read_text().splitlines():
                r = json.loads(line)
                if r.get("n_users") == args.coverage_users and r.get("n_folds", 3) == args.folds:
                    done[r["seed"]] = r
        tasks = [
            (args.first_seed + i, args.coverage_users, i < args.naive_runs, args.folds)
            for i in range(args.runs)
        ]
        todo = [t for t in tasks if t[0] not in done or (t[2] and "dr_naive_inside" not in done[t[0]])]
        with runs_file.open("a") as fh:
            for r in pool.map(coverage_run, todo) if pool else map(coverage_run, todo):
                fh.write(json.dumps(r, default=float) + "\n")
                fh.flush()
                done[r["seed"]] = r
        runs = [done[t[0]] for t in tasks]
        res["coverage"] = {
            "runs": len(runs),
            "n_users": args.coverage_users,
            "folds": args.folds,
            "rows": runs,
            "summary": coverage_summary(runs).to_dict(orient="records"),
        }
    if pool:
        pool.shutdown()
    import subprocess

    res["commit"] = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    res["written"] = datetime.now(UTC).strftime("%Y-%m-%d")
    res["cpus"] = multiprocessing.cpu_count()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1, default=float))
    section = readme_section(res)
    print(section)
    if not (args.quick or args.no_readme):
        write_section(section, "forecast")
    return res


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
