"""Bench: how good is each model's campaign decision, as a share of what the world's oracle earns?

For every world size ``N`` (``--sizes``) and seed (``--seeds``) it builds a world
(``make_world(N, random_state=seed)``), its feature store (as ``bench/model.py`` does), a uniformly
randomised 12-arm log of every user (``world.log_randomised(random_state=seed + 1)``) and a 70/30 user
split (``split_users(..., val_size=0, test_size=0.3, random_state=seed)``); fits every model on the 70%
(their logged rows, the store's 82 tabular features; the deep model also reads the event sequences) and
scores the 30% held out against the world's truth. One choice rule for every model that predicts
outcomes: ``model.choose_from_outcomes(model.predict_outcomes(test, cat))`` - the highest predicted
profit uplift, contact only if it is positive (the deep ensemble uses its own rule, the lower bound
mean - 1 sd). Policies (no outcomes predicted) choose by their rule
(``campaignkit.evaluation.choice_and_target``).

Per model and world:

- ``share_of_oracle``: true incremental profit of the choice (``true_value_mean(world, test_ids, choice,
  target)["incremental_profit"]``, the model's own target categories) over the oracle's
  (``oracle_choice``); mean and sd over the worlds of each size;
- ``spearman``: within-campaign Spearman correlation, over held-out users, of the predicted profit uplift
  (``predict_uplift(test, cat, outcome="profit", target_category=world.default_target[test_ids])``)
  with the true one (``world.true_uplift("profit", test_ids, target_category=...)``, which leaves out the
  control column: campaign ``c`` of the prediction is column ``c - 1`` of the truth), averaged over
  campaigns 1..; none for policies;
- ``reach`` (share contacted) and ``choice_shares`` (share of users per campaign, control first) beside the
  oracle's; ``flagged`` when one campaign goes to > 80% of users while the oracle sends it to < 40%;
- ``fit_seconds`` and ``predict_seconds``.

Models (``--models``): ``mediated`` (``MediatedLearner``, the kit's defaults), ``recipe`` (issue 12's recipe:
``MediatedLearner(boosting=Boosting(learning_rate=0.05), participant_profit="pooled", nonparticipants="control")``, the reference every kit model is measured
against: ``vs_recipe`` = a model's mean share / the recipe's at the same N, and the number of worlds where it
earns at least the recipe), ``t_learner``, ``s_learner``, ``deep``
(``BehaviourUpliftModel``: 8 epochs, ``--pretrain-epochs`` 3, ``--n-ensemble`` 3, d_model 64, batch 256,
one thread), ``response_model``, ``value_tier_rule`` - the kit's models only (a bench defines none: the
profit X-learner of the earlier runs, row ``x_learner_profit`` of the README's table, is gone; its verdict is
in ``bench/NOTES.md``).

    .venv/bin/python bench/decision.py --quick                      # smoke run: one 2,000-user world
    .venv/bin/python bench/decision.py --sizes 8000 --seeds 0 1 2   # every model, three worlds
    .venv/bin/python bench/decision.py --sizes 40000 --models mediated t_learner s_learner

Results go to ``--out`` (``bench/results/decision.json``, committed): rows already there for other
(model, N, seed) are kept (``--fresh`` drops them), so runs of different sizes add up; the summary and
the ``decision`` section of ``bench/README.md`` (between ``<!-- decision:start -->`` and
``<!-- decision:end -->``; the rest of the file is left as it is) are rebuilt from all rows. ``--quick``
writes ``bench/results/decision_quick.json`` and leaves the README alone. Measured figures live in the
README and the JSON only. Nothing here is tuned to meet a target.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from readme_section import git_state, markers, write_section  # noqa: E402 (bench/ is on the path when run)
from scipy.stats import spearmanr
from worlds import world_split  # noqa: E402 (bench/ is on the path when run)

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
START, END = markers("decision")

ALL_MODELS = (
    "calibrated",
    "mediated",
    "recipe",
    "t_learner",
    "s_learner",
    "deep",
    "response_model",
    "value_tier_rule",
)
ORDER = {m: i for i, m in enumerate(ALL_MODELS)}  # rows of models no longer run (an old JSON) sort last
POLICIES = ("response_model", "value_tier_rule")
FLAG_MODEL_SHARE, FLAG_ORACLE_SHARE = 0.8, 0.4


# ---- one world ----------------------------------------------------------------------------------------------
def _make_model(name: str, seed: int, args):
    from campaignkit.models import (
        BehaviourUpliftModel,
        Boosting,
        CalibratedLearner,
        MediatedLearner,
        ResponseModelTargeting,
        SLearner,
        TLearner,
        ValueTierRule,
    )

    gb = dict(boosting=Boosting(max_iter=args.max_iter), n_threads=1, random_state=seed)
    if name == "calibrated":
        return CalibratedLearner(MediatedLearner(**gb), random_state=seed)
    if name == "mediated":
        return MediatedLearner(**gb)
    if name == "recipe":
        recipe = Boosting(max_iter=args.max_iter, learning_rate=0.05)
        return MediatedLearner(
            **{**gb, "boosting": recipe}, participant_profit="pooled", nonparticipants="control"
        )
    if name == "t_learner":
        return TLearner(**gb)
    if name == "s_learner":
        return SLearner(**gb)
    if name == "response_model":
        return ResponseModelTargeting(**gb)
    if name == "value_tier_rule":
        return ValueTierRule()
    if name == "deep":
        return BehaviourUpliftModel(
            max_epochs=args.max_epochs,
            pretrain_epochs=args.pretrain_epochs,
            n_ensemble=args.n_ensemble,
            d_model=64,
            n_heads=4,
            n_layers=2,
            batch_size=256,
            lr=2e-3,
            patience=3,
            n_threads=1,
            random_state=seed,
        )
    raise ValueError(f"unknown model {name!r}")


def _spearman(pred: np.ndarray, truth: np.ndarray) -> tuple[float, list]:
    """Mean over campaigns 1.. of Spearman(pred[:, c], truth[:, c]); NaN where either side is constant."""
    per = []
    for c in range(1, pred.shape[1]):
        if np.ptp(pred[:, c]) == 0 or np.ptp(truth[:, c]) == 0:
            per.append(float("nan"))
            continue
        per.append(float(spearmanr(pred[:, c], truth[:, c]).statistic))
    vals = [v for v in per if np.isfinite(v)]
    return (float(np.mean(vals)) if vals else float("nan")), per


def _shares(choice: np.ndarray, k: int) -> list[float]:
    return (np.bincount(np.asarray(choice, dtype=int), minlength=k) / len(choice)).tolist()


def _flag(shares: list[float], oracle_shares: list[float], ids: list[str]) -> list[str]:
    return [
        ids[c]
        for c in range(1, len(ids))
        if shares[c] > FLAG_MODEL_SHARE and oracle_shares[c] < FLAG_ORACLE_SHARE
    ]


def run_world(n_users: int, seed: int, models: list[str], args) -> dict:
    """Build one world, fit ``models`` on 70% of its users and score the other 30%; returns rows + oracle."""
    import torch

    from campaignkit.evaluation import choice_and_target, oracle_choice, true_value_mean

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)
    tag = f"N={n_users} seed={seed}"
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as root:
        w = world_split(n_users, seed, root, name="bench_decision", max_len=args.max_len)
        world, test_ids, train, test, train_log = w.world, w.test_ids, w.train, w.test, w.train_log
        cat = world.catalogue
        ids = cat["campaign_id"].astype(str).tolist()
        k = len(ids)
        default_target = world.default_target[test_ids]
        truth = world.true_uplift("profit", test_ids, target_category=default_target)
        if truth.shape[1] == k:  # a world that keeps the control column
            truth = truth[:, 1:]
        truth = np.hstack([np.zeros((len(test_ids), 1)), truth])  # column c = campaign c, as predicted
        oracle, oracle_target = oracle_choice(world, test_ids)
        oracle_value = true_value_mean(world, test_ids, oracle, oracle_target)
        oracle_shares = _shares(oracle, k)
        # reference without personalisation: the one campaign that earns most when sent to everyone (chosen by
        # the truth; targeted campaigns target the world's default, each user's most-viewed category)
        blanket = [
            true_value_mean(world, test_ids, np.full(len(test_ids), c))["incremental_profit"]
            for c in range(1, k)
        ]
        best_blanket = int(np.argmax(blanket)) + 1
        from campaignkit.models.inputs import TabularEncoder

        n_features = len(TabularEncoder().fit(train[0]).feature_names_)
        setup_s = time.perf_counter() - t0
        print(f"{tag}: world + store + log in {setup_s:.0f}s", file=sys.stderr, flush=True)
        for name in models:
            t1 = time.perf_counter()
            model = _make_model(name, seed, args).fit(train, train_log, cat)
            fit_s = time.perf_counter() - t1
            t2 = time.perf_counter()
            spearman, per_campaign = float("nan"), None
            choice, target = choice_and_target(model, test, cat)
            if name not in POLICIES:
                pred = model.predict_uplift(test, cat, outcome="profit", target_category=default_target)
                spearman, per_campaign = _spearman(pred, truth)
            pred_s = time.perf_counter() - t2
            value = true_value_mean(world, test_ids, choice, target)
            shares = _shares(choice, k)
            row = {
                "model": name,
                "n_users": n_users,
                "seed": seed,
                "share_of_oracle": value["incremental_profit"] / oracle_value["incremental_profit"],
                "incremental_profit": value["incremental_profit"],
                "profit": value["profit"],
                "reach": value["reach"],
                "spearman": spearman,
                "spearman_per_campaign": per_campaign,
                "choice_shares": shares,
                "flagged": _flag(shares, oracle_shares, ids),
                "fit_seconds": fit_s,
                "predict_seconds": pred_s,
            }
            if name == "deep":
                row["n_ensemble"], row["pretrain_epochs"] = args.n_ensemble, args.pretrain_epochs
            if name == "calibrated":
                row.update(_calibrated_parts(model, world, test, test_ids, cat, oracle_value))
                print(
                    f"{tag}: calibrated deploys {row['deploy']} ({row['variant']}, oof z "
                    f"{row['oof_gain'] / row['oof_gain_se']:+.2f}); "
                    f"share base {row['share_base']:+.3f} personalised {row['share_personalised']:+.3f} "
                    f"blanket {row['verdict_best_offer']} {row['share_blanket']:+.3f}",
                    file=sys.stderr,
                    flush=True,
                )
            rows.append(row)
            print(
                f"{tag}: {name:<16} fit {fit_s:6.1f}s  share {row['share_of_oracle']:+.3f}  "
                f"spearman {spearman:+.3f}  reach {row['reach']:.2f}"
                + (f"  FLAGGED {row['flagged']}" if row["flagged"] else ""),
                file=sys.stderr,
                flush=True,
            )
    world_row = {
        "n_users": n_users,
        "seed": seed,
        "n_train": int(len(w.train_ids)),
        "n_test": int(len(test_ids)),
        "n_features": n_features,
        "campaign_ids": ids,
        "oracle_incremental_profit": oracle_value["incremental_profit"],
        "oracle_reach": oracle_value["reach"],
        "oracle_choice_shares": oracle_shares,
        "best_blanket_campaign": ids[best_blanket],
        "best_blanket_share_of_oracle": blanket[best_blanket - 1] / oracle_value["incremental_profit"],
        "setup_seconds": setup_s,
        "total_seconds": time.perf_counter() - t0,
    }
    return {"rows": rows, "world": world_row}


def _calibrated_parts(model, world, test, test_ids, cat, oracle_value) -> dict:
    """A CalibratedLearner's verdict, and the share of the oracle of each plan it weighed: the base model's
    own (uncalibrated) choice, the calibrated personalised one, everyone its best offer."""
    from campaignkit.evaluation import choice_and_target, true_value_mean

    def share(choice, target=None):
        return (
            true_value_mean(world, test_ids, choice, target)["incremental_profit"]
            / oracle_value["incremental_profit"]
        )

    v = model.verdict_
    model.set_params(fallback=False)
    personal = share(*choice_and_target(model, test, cat))
    model.set_params(fallback=True)
    ids = cat["campaign_id"].astype(str).tolist()
    return {
        "deploy": v.deploy,
        "variant": v.variant,
        "oof_variants": v.variants.reset_index().to_dict("list"),
        "verdict_best_offer": v.best_offer,
        "oof_gain": v.gain,
        "oof_gain_se": v.gain_se,
        "share_base": share(*choice_and_target(model.model_, test, cat)),
        "share_personalised": personal,
        "share_blanket": share(np.full(len(test_ids), ids.index(v.best_offer))),
        "verdict_table": v.table.reset_index().to_dict("list"),
        "calibration": model.calibration_.query("field == 'profit'")[
            ["campaign_id", "predicted", "measured", "measured_se", "shift"]
        ].to_dict("list"),
    }


def _run_world_star(task):
    return run_world(*task)


# ---- summary, JSON and README ---------------------------------------------------------------------------------
def summarise(rows: list[dict], worlds: list[dict]) -> list[dict]:
    """Per (model, N): mean and sd over worlds of the share of the oracle, and the other figures' means."""
    ok = pd.DataFrame([r for r in rows if "error" not in r])
    if ok.empty:
        return []
    w = pd.DataFrame(worlds).set_index(["n_users", "seed"])
    out = []
    for (model, n), g in sorted(
        ok.groupby(["model", "n_users"]), key=lambda t: (t[0][1], ORDER.get(t[0][0], len(ORDER)))
    ):
        g = g.sort_values("seed")
        ws = w.loc[[(n, s) for s in g["seed"]]]
        share = g["share_of_oracle"].to_numpy()
        out.append(
            {
                "model": model,
                "n_users": int(n),
                "seeds": g["seed"].astype(int).tolist(),
                "share_mean": float(share.mean()),
                "share_sd": float(share.std(ddof=1)) if len(share) > 1 else float("nan"),
                "share_per_world": share.tolist(),
                "incremental_profit_mean": float(g["incremental_profit"].mean()),
                "spearman_mean": float(g["spearman"].mean()),
                "spearman_per_world": g["spearman"].tolist(),
                "reach_mean": float(g["reach"].mean()),
                "oracle_reach_mean": float(ws["oracle_reach"].mean()),
                "choice_shares_mean": np.mean(np.stack(g["choice_shares"].to_list()), 0).tolist(),
                "oracle_choice_shares_mean": np.mean(
                    np.stack(ws["oracle_choice_shares"].to_list()), 0
                ).tolist(),
                "flagged_worlds": int(sum(bool(f) for f in g["flagged"])),
                "flagged_campaigns": sorted({c for f in g["flagged"] for c in f}),
                "fit_seconds_mean": float(g["fit_seconds"].mean()),
                "fit_seconds_per_world": g["fit_seconds"].tolist(),
            }
        )
    recipe = {
        (s["n_users"], seed): v
        for s in out
        if s["model"] == "recipe"
        for seed, v in zip(s["seeds"], s["share_per_world"], strict=True)
    }
    for s in out:
        ref = [recipe.get((s["n_users"], seed)) for seed in s["seeds"]]
        if s["model"] == "recipe" or any(r is None for r in ref):
            continue
        s["vs_recipe"] = s["share_mean"] / float(np.mean(ref))
        s["worlds_at_least_recipe"] = int(sum(v >= r for v, r in zip(s["share_per_world"], ref, strict=True)))
    return out


def _fmt(v, spec="+.2f") -> str:
    return "n/a" if v is None or not np.isfinite(v) else format(v, spec)


def readme_section(summary: list[dict], worlds: list[dict], meta: dict) -> str:
    """The Markdown of the ``decision`` section (between the markers)."""
    lines = [
        START,
        "## decision",
        "",
        "`bench/decision.py`: each model's campaign choice on the synthetic world's held-out 30% of users",
        "(fitted on a uniformly randomised 12-arm log of the other 70%, the feature store's tabular features),",
        "scored against the world's truth. **Share** = true incremental profit of the choice / the oracle's",
        "(mean ± sd over worlds, then per world); **Spearman** = within-campaign rank correlation of predicted",
        "and true profit uplift over held-out users, mean over the 11 campaigns; **reach** = share contacted",
        "(oracle's in brackets); **flagged** = worlds where one campaign goes to > 80% of users while the oracle",
        "sends it to < 40%; **fit s** = seconds to fit, mean over worlds (one thread each).",
        "The gradient-boosting models use scikit-learn's `HistGradientBoosting` defaults beyond the kit's",
        "settings, so early stopping (`early_stopping='auto'`) is on for every fit on more than 10,000 rows:",
        "at N = 40,000 the S-learner's fits and the mediated learner's models over all rows stop early, the",
        "per-campaign fits of the T-learner (about 2,300 rows each) do not; at N = 8,000 none does.",
        f"Written {meta['written']} from `{meta['out']}` (code at {meta.get('commits', '?')}; "
        f"{platform.node() or 'host'}, {meta.get('cpus', '?')} CPUs, shared).",
        "",
        "**× recipe** = mean share / the recipe's at the same N (worlds where the model earns at least the recipe).",
        "",
        "| model | N | share mean ± sd | share per world | × recipe | Spearman | reach (oracle) | flagged | fit s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        per = " / ".join(_fmt(v) for v in s["share_per_world"])
        flag = f"{s['flagged_worlds']}/{len(s['seeds'])}"
        if s["flagged_campaigns"]:
            flag += f" ({', '.join(s['flagged_campaigns'])})"
        vs = "ref" if s["model"] == "recipe" else "n/a"
        if "vs_recipe" in s:
            vs = f"{s['vs_recipe']:.2f} ({s['worlds_at_least_recipe']}/{len(s['seeds'])})"
        lines.append(
            f"| {s['model']} | {s['n_users']:,} | {_fmt(s['share_mean'])} ± {_fmt(s['share_sd'], '.2f')} | {per} "
            f"| {vs} | {_fmt(s['spearman_mean'], '+.3f')} | {s['reach_mean']:.2f} ({s['oracle_reach_mean']:.2f}) "
            f"| {flag} | {s['fit_seconds_mean']:.0f} |"
        )
    blanket = [w for w in worlds if "best_blanket_share_of_oracle" in w]
    for n in sorted({w["n_users"] for w in blanket}):
        ws = [w for w in blanket if w["n_users"] == n]
        per = " / ".join(
            f"{_fmt(w['best_blanket_share_of_oracle'])} ({w['best_blanket_campaign']})" for w in ws
        )
        lines.append(
            f"\nWithout personalisation, N = {n:,}: the best single campaign sent to everyone (picked by the "
            f"truth, default targets) earns {per} of the oracle (seeds {', '.join(str(w['seed']) for w in ws)})."
        )
    ids = next((w["campaign_ids"] for w in worlds), None)
    for n in sorted({s["n_users"] for s in summary}):
        sub = [s for s in summary if s["n_users"] == n]
        if not ids or not sub:
            continue
        lines += [
            "",
            f"Choice distribution, N = {n:,} (share of held-out users per campaign, mean over worlds):",
            "",
            "| model | " + " | ".join(ids) + " |",
            "|---|" + "---:|" * len(ids),
        ]
        lines.append(
            "| oracle | " + " | ".join(f"{v:.2f}" for v in sub[0]["oracle_choice_shares_mean"]) + " |"
        )
        for s in sub:
            lines.append(
                f"| {s['model']} | " + " | ".join(f"{v:.2f}" for v in s["choice_shares_mean"]) + " |"
            )
    if meta.get("notes"):
        lines += [""] + [f"- {note}" for note in meta["notes"]]
    lines.append(END)
    return "\n".join(lines)


def _shown(path: Path) -> Path:
    path = path.resolve()
    return path.relative_to(HERE.parent) if path.is_relative_to(HERE.parent) else path


def calibrated_section(paths: list[Path]) -> str:
    """The ``decision_calibrated`` section of ``bench/README.md``: the calibrated learner's rows of ``paths``."""
    rows, worlds, commits = [], {}, set()
    for path in paths:
        result = json.loads(path.read_text())
        rows += [r for r in result["rows"] if r["model"] == "calibrated" and "error" not in r]
        worlds.update({(w["n_users"], w["seed"]): w for w in result["worlds"]})
        commits |= {
            r["git"]["commit"] + ("+dirty" if r["git"]["dirty"] else "") for r in result["runs"] if "git" in r
        }
    rows.sort(key=lambda r: (r["n_users"], r["seed"]))
    start, end = markers("decision_calibrated")
    lines = [
        start,
        "## decision_calibrated",
        "",
        f"`bench/decision.py --models calibrated` (commits {', '.join(sorted(commits))}; JSON "
        f"{', '.join(f'`{_shown(p)}`' for p in paths)}): `CalibratedLearner(MediatedLearner())` on "
        "`bench/decision.py`'s worlds (same worlds, logs, splits and seeds as the `decision` table; one thread). "
        "Its final model *is* the `mediated` row's (same data, same seed), so the columns split the decision into "
        "its parts on the same held-out users, as shares of the oracle's true incremental profit: **base** = the "
        "mediated learner's own choice, **personalised** = the personalised plan the verdict weighed (on the "
        "calibrated predictions or on the base's own, whichever earned more out of fold: in brackets), "
        "**blanket** = everyone the campaign the verdict picked (DR on the train log), **deployed** = what the "
        "verdict sends (personalised when its out-of-fold gain over the blanket is > 0); **oof z** = that gain in "
        "standard errors; **truth's blanket** = the best single campaign picked by the truth.",
        "",
        "| N | seed | deploys (variant) | oof z | deployed | base | personalised | blanket (campaign) | truth's blanket "
        "| fit s |",
        "|---:|---:|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in rows:
        w = worlds.get((r["n_users"], r["seed"]), {})
        lines.append(
            f"| {r['n_users']:,} | {r['seed']} | {r['deploy']} ({r.get('variant', 'calibrated')}) | {r['oof_gain'] / r['oof_gain_se']:+.2f} | "
            f"{r['share_of_oracle']:+.3f} | {r['share_base']:+.3f} | {r['share_personalised']:+.3f} | "
            f"{r['share_blanket']:+.3f} ({r['verdict_best_offer']}) | {w.get('best_blanket_share_of_oracle', float('nan')):+.3f} | "
            f"{r['fit_seconds']:.0f} |"
        )
    lines += [
        "",
        "| N | worlds | deployed, mean | base (mediated), mean | personalised, mean |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n in sorted({r["n_users"] for r in rows}):
        rs = [r for r in rows if r["n_users"] == n]
        mean = {
            k: np.mean([r[k] for r in rs]) for k in ("share_of_oracle", "share_base", "share_personalised")
        }
        lines.append(
            f"| {n:,} | {len(rs)} | {mean['share_of_oracle']:+.3f} | {mean['share_base']:+.3f} | "
            f"{mean['share_personalised']:+.3f} |"
        )
    lines.append(end)
    return "\n".join(lines)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[8000, 40000], help="users per world")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--models", nargs="+", default=list(ALL_MODELS), choices=ALL_MODELS)
    ap.add_argument(
        "--jobs", type=int, default=1, help="worlds fitted in parallel processes (one thread each)"
    )
    ap.add_argument("--quick", action="store_true", help="one 2,000-user world, 1 seed, few iterations")
    ap.add_argument("--out", default=None, help="JSON (default bench/results/decision.json)")
    ap.add_argument("--fresh", action="store_true", help="drop the rows already in --out")
    ap.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    ap.add_argument("--max-iter", type=int, default=200, help="boosting iterations of the GB learners")
    ap.add_argument("--max-epochs", type=int, default=8)
    ap.add_argument("--pretrain-epochs", type=int, default=3, help="0: the deep model without pre-training")
    ap.add_argument("--n-ensemble", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument(
        "--report-only", action="store_true", help="rebuild summary and README from --out, fit nothing"
    )
    ap.add_argument(
        "--calibrated-section",
        nargs="+",
        type=Path,
        default=None,
        help="rebuild the decision_calibrated README section from these JSON files, fit nothing",
    )
    args = ap.parse_args(argv)
    if args.calibrated_section:
        write_section(calibrated_section(args.calibrated_section), "decision_calibrated")
        return {}
    if args.report_only:
        out = Path(args.out or HERE / "results" / "decision.json")
        result = json.loads(out.read_text())
        result["summary"] = summarise(result["rows"], result["worlds"])
        out.write_text(json.dumps(result, indent=1))
        _report(result, out, write=not args.no_readme)
        return result
    if args.quick:
        args.sizes, args.seeds = [2000], args.seeds[:1]
        args.max_iter, args.max_epochs, args.pretrain_epochs, args.n_ensemble = 20, 1, 1, 2
    out = Path(args.out or HERE / "results" / ("decision_quick.json" if args.quick else "decision.json"))
    models = list(args.models)
    tasks = [(n, seed, models, args) for n in args.sizes for seed in args.seeds]
    git = git_state()
    t0 = time.perf_counter()
    if args.jobs > 1 and len(tasks) > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(args.jobs, len(tasks)), mp_context=ctx) as pool:
            results = list(pool.map(_run_world_star, tasks))
    else:
        results = [run_world(*t) for t in tasks]
    new_rows = [r for res in results for r in res["rows"]]
    new_worlds = [res["world"] for res in results]
    old = json.loads(out.read_text()) if out.exists() and not args.fresh else {}
    done = {(r["model"], r["n_users"], r["seed"]) for r in new_rows}
    rows = [r for r in old.get("rows", []) if (r["model"], r["n_users"], r["seed"]) not in done] + new_rows
    seen = {(w["n_users"], w["seed"]) for w in new_worlds}
    worlds = [w for w in old.get("worlds", []) if (w["n_users"], w["seed"]) not in seen] + new_worlds
    rows.sort(key=lambda r: (r["n_users"], r["seed"], ORDER.get(r["model"], len(ORDER))))
    worlds.sort(key=lambda w: (w["n_users"], w["seed"]))
    summary = summarise(rows, worlds)
    runs = old.get("runs", []) + [
        {
            "argv": sys.argv[1:] if argv is None else list(argv),
            "models": models,
            "sizes": args.sizes,
            "seeds": args.seeds,
            "jobs": args.jobs,
            "n_ensemble": args.n_ensemble,
            "pretrain_epochs": args.pretrain_epochs,
            "max_epochs": args.max_epochs,
            "max_iter": args.max_iter,
            "seconds": time.perf_counter() - t0,
            "git": git,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    ]
    result = {"summary": summary, "rows": rows, "worlds": worlds, "runs": runs}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    _report(result, out, write=not (args.quick or args.no_readme))
    print(f"{len(tasks)} worlds in {time.perf_counter() - t0:.0f}s -> {out}", file=sys.stderr)
    return result


def _report(result: dict, out: Path, write: bool) -> None:
    """Print the README section built from ``result`` (all rows of ``out``) and write it when asked."""
    runs = result["runs"]
    commits = sorted(
        {r["git"]["commit"] + ("+dirty" if r["git"]["dirty"] else "") for r in runs if "git" in r}
    )
    meta = {
        "commits": ", ".join(commits) or "?",
        "written": datetime.now(UTC).strftime("%Y-%m-%d"),
        "out": out.relative_to(HERE.parent) if out.is_relative_to(HERE.parent) else out,
        "cpus": multiprocessing.cpu_count(),
        "notes": sorted({n for r in runs for n in r.get("notes", [])}),  # runs of removed models
    }
    section = readme_section(result["summary"], result["worlds"], meta)
    print(section)
    if write:
        write_section(section, "decision")


if __name__ == "__main__":
    main()
