"""Retention by uplift against retention by risk and the seed's tiered rule, at equal budgets, on the truth.

For each seed: world ``make_world(N, random_state=seed)``, its feature store, a uniformly randomised 12-arm
log that records retention, a 70/30 user split (``bench/worlds.py``). The kit's recommended model
(``MediatedLearner``) is fitted on the 70%'s log and predicts, for the 30%, every outcome under every
campaign, retention included. Three policies then spend the same budgets
(``campaignkit.design.retention.compare_retention_policies``):

- tiered rule: predicted risk tiers (25% high, 35% medium) -> high: cart reminder, medium: member offer;
- target by risk: the riskiest users first, one campaign (the one the model rates best on the riskiest 25%);
- target by uplift: ``assign`` on the objective ``profit uplift + retention uplift x customer value``
  (customer value = the control margin over a horizon of 6 campaign windows while the user stays);
- and, as the ceiling, the same optimiser fed the world's exact effects (oracle).

Budgets are shares (10%, 25%, 50%, 75%, 100%) of what the tiered rule spends on everyone. The rules are given
each user's exact spend (which flatters them); the uplift plan is budgeted on the model's predicted spend and
its true spend is reported. Every plan is scored by the world's exact expected objective ("true profit": the
window's incremental profit plus the true retention uplift times the true customer value) and by the sleeping
dogs it contacts (users sent a campaign whose exact retention uplift is negative), and per campaign how well the
model's predicted retention uplift tells the dogs apart (``campaignkit.design.retention.dog_detection``: AUC).

    python bench/retention.py            # 40,000 users, seeds 0 1 2 -> bench/results/retention.json + README
    python bench/retention.py --quick    # one 4,000-user world, fewer iterations -> retention_quick.json only
    python bench/retention.py --n-users 8000 --nonparticipants observed --no-readme --out bench/results/x.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

POLICIES = ("tiered rule", "target by risk", "target by uplift", "oracle")


def run_seed(n_users: int, seed: int, args) -> dict:
    """One world: fit, predict, compare the policies; returns the comparison rows and timings."""
    from worlds import world_split

    from campaignkit.design.retention import (
        compare_retention_policies,
        dog_detection,
        sleeping_dogs,
        true_retention_problem,
    )
    from campaignkit.models import Boosting, MediatedLearner

    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        w = world_split(n_users, seed, root, name="bench_retention", max_len=args.max_len)
        world, test_ids = w.world, w.test_ids
        target = world.default_target[test_ids]
        t1 = time.perf_counter()
        model = MediatedLearner(
            boosting=Boosting(max_iter=args.max_iter), nonparticipants=args.nonparticipants, random_state=seed
        )
        model.fit(w.train, w.train_log, world.catalogue)
        pred = model.predict_outcomes(w.test, target_category=target)
        fit_s = time.perf_counter() - t1
    truth = true_retention_problem(world, test_ids, args.horizon, target_category=target)
    dogs = sleeping_dogs(world, test_ids, target)
    table = compare_retention_policies(
        pred, truth, dogs, horizon=args.horizon, budget_shares=args.shares, oracle=True
    )
    table["share"] = np.repeat(args.shares, len(POLICIES))
    table["seed"] = seed
    table["n_users"] = n_users
    print(
        f"N={n_users} seed={seed}: {time.perf_counter() - t0:.0f}s (fit {fit_s:.0f}s)",
        file=sys.stderr,
        flush=True,
    )
    return {
        "rows": table.to_dict("records"),
        "risk_campaign": table.attrs["risk_campaign"],
        "n_test": int(len(test_ids)),
        "sleeping_dog_pairs": float(dogs[:, 1:].mean()),
        "dog_detection": dog_detection(pred, dogs).to_dict("records"),
        "fit_seconds": fit_s,
    }


def summarise(rows: list[dict]) -> dict:
    """Per budget share: mean true profit and sleeping dogs per policy, and the Done-when verdicts per seed."""
    import pandas as pd

    df = pd.DataFrame(rows)
    out = {"by_share": [], "verdict": {}}
    for share, g in df.groupby("share"):
        wide = g.pivot(index="seed", columns="policy", values="true_profit")
        dogs = g.pivot(index="seed", columns="policy", values="sleeping_dogs_contacted")
        contacted = g.pivot(index="seed", columns="policy", values="contacted")
        spend = g.pivot(index="seed", columns="policy", values="spend")
        dog_share = dogs / contacted
        out["by_share"].append(
            {
                "share": float(share),
                "budget": g["budget"].mean(),
                **{f"profit:{p}": float(wide[p].mean()) for p in POLICIES},
                **{f"dogs:{p}": float(dogs[p].mean()) for p in POLICIES},
                **{f"contacted:{p}": float(contacted[p].mean()) for p in POLICIES},
                **{f"spend:{p}": float(spend[p].mean()) for p in POLICIES},
                "uplift_beats_risk_every_seed": bool(
                    (wide["target by uplift"] > wide["target by risk"]).all()
                ),
                "uplift_beats_rule_every_seed": bool((wide["target by uplift"] > wide["tiered rule"]).all()),
                "fewer_dogs_than_risk_every_seed": bool(
                    (dogs["target by uplift"] < dogs["target by risk"]).all()
                ),
                "fewer_dogs_than_rule_every_seed": bool(
                    (dogs["target by uplift"] < dogs["tiered rule"]).all()
                ),
                # the same count test passed by the exact optimum: can any profit-seeking plan meet it?
                "oracle_fewer_dogs_than_risk_every_seed": bool(
                    (dogs["oracle"] < dogs["target by risk"]).all()
                ),
                "oracle_fewer_dogs_than_rule_every_seed": bool((dogs["oracle"] < dogs["tiered rule"]).all()),
                "oracle_more_dogs_than_risk_seeds": [
                    int(s) for s in dogs.index[dogs["oracle"] >= dogs["target by risk"]]
                ],
                # dogs per user contacted: a plan that reaches more users at the same budget is not penalised
                "lower_dog_share_than_risk_every_seed": bool(
                    (dog_share["target by uplift"] < dog_share["target by risk"]).all()
                ),
                "lower_dog_share_than_rule_every_seed": bool(
                    (dog_share["target by uplift"] < dog_share["tiered rule"]).all()
                ),
            }
        )
    s = out["by_share"]
    out["verdict"] = {
        "more_profit_than_risk_and_rule_at_every_budget": all(
            r["uplift_beats_risk_every_seed"] and r["uplift_beats_rule_every_seed"] for r in s
        ),
        "fewer_sleeping_dogs_than_risk_and_rule_at_every_budget": all(
            r["fewer_dogs_than_risk_every_seed"] and r["fewer_dogs_than_rule_every_seed"] for r in s
        ),
        "oracle_fewer_sleeping_dogs_than_risk_and_rule_at_every_budget": all(
            r["oracle_fewer_dogs_than_risk_every_seed"] and r["oracle_fewer_dogs_than_rule_every_seed"]
            for r in s
        ),
        "lower_dog_share_than_risk_and_rule_at_every_budget": all(
            r["lower_dog_share_than_risk_every_seed"] and r["lower_dog_share_than_rule_every_seed"] for r in s
        ),
    }
    return out


def _share(r: dict, policy: str) -> str:
    """Sleeping dogs as a share of the users a policy contacts (means over seeds of each)."""
    return f"{r[f'dogs:{policy}'] / r[f'contacted:{policy}']:.0%}" if r[f"contacted:{policy}"] else "-"


def detection_lines(worlds: list[dict]) -> list[str]:
    """Per campaign, the dog share and the AUC of the predicted retention uplift, means over the seeds."""
    import pandas as pd

    if not worlds or "dog_detection" not in worlds[0]:
        return []
    d = (
        pd.DataFrame([r for w in worlds for r in w["dog_detection"]])
        .groupby("campaign_id", sort=False)
        .mean()
    )
    lines = [
        "",
        "How well the model's predicted retention uplift tells the sleeping dogs apart, per campaign (means over "
        "seeds; AUC 0.5 is chance):",
        "",
        "| campaign | sleeping dogs (true) | predicted harm | AUC |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {c} | {r['dog_share']:.0%} | {r['predicted_harm_share']:.0%} | {r['auc']:.2f} |"
        for c, r in d.iterrows()
    ]
    return lines


def other_run_lines(paths) -> list[str]:
    """One paragraph per other run of this bench (its JSON): its uplift policy beside the rule and risk."""
    lines = []
    for path in paths or []:
        r = json.loads(Path(path).read_text())
        m = r["meta"]
        by = "; ".join(
            f"{s['share']:.0%}: profit {s['profit:target by uplift']:.0f} (rule {s['profit:tiered rule']:.0f}, "
            f"risk {s['profit:target by risk']:.0f}), dogs {s['dogs:target by uplift']:.0f} "
            f"(rule {s['dogs:tiered rule']:.0f}, risk {s['dogs:target by risk']:.0f}), true spend "
            f"{s['spend:target by uplift']:.0f} (rule {s['spend:tiered rule']:.0f})"
            for s in r["summary"]["by_share"]
        )
        v = r["summary"]["verdict"]
        lines += [
            "",
            f"Other run, `{Path(path).name}`: {m['n_users']:,} users, seeds {', '.join(map(str, m['seeds']))}, "
            f'`nonparticipants="{m.get("nonparticipants", "control")}"`, max_iter={m["max_iter"]} (commit '
            f"{m['commit']}); target by uplift, "
            f"means over seeds - {by}. More profit than both at every budget and seed: "
            f"**{_yes(v['more_profit_than_risk_and_rule_at_every_budget'])}**; fewer dogs: "
            f"**{_yes(v['fewer_sleeping_dogs_than_risk_and_rule_at_every_budget'])}**.",
        ]
        lines += detection_lines(r.get("worlds", []))
    return lines


def _yes(flag) -> str:
    """A verdict as the README writes it."""
    return "yes" if flag else "no"


def oracle_lines(summ: dict) -> list[str]:
    """Whether the exact optimum itself passes the dog-count test, and the test by dogs per user contacted."""
    v = summ["verdict"]
    if "oracle_fewer_sleeping_dogs_than_risk_and_rule_at_every_budget" not in v:
        return []
    fails = "; ".join(
        f"{r['share']:.0%}: seed(s) {', '.join(map(str, r['oracle_more_dogs_than_risk_seeds']))}"
        for r in summ["by_share"]
        if r["oracle_more_dogs_than_risk_seeds"]
    )
    return [
        "",
        "The same count test for the exact optimum (the optimiser fed the world's exact effects, the most profit any "
        "plan can earn at the budget): it contacts fewer sleeping dogs than both at every budget and seed: "
        f"**{_yes(v['oracle_fewer_sleeping_dogs_than_risk_and_rule_at_every_budget'])}**"
        + (
            f" (it contacts at least as many as target-by-risk at {fails}: a risk policy whose one campaign is "
            "dear reaches few users, and few dogs, at a small budget)."
            if fails
            else "."
        ),
        "By dogs per user contacted instead of the count, uplift targeting is lower than both at every budget and "
        f"seed: **{_yes(v['lower_dog_share_than_risk_and_rule_at_every_budget'])}**.",
    ]


def readme_section(result: dict, others=()) -> str:
    """The bench's section of ``bench/README.md`` (between its markers)."""
    from readme_section import markers

    start, end = markers("retention")
    meta, summ = result["meta"], result["summary"]
    n = meta["n_users"]
    lines = [
        start,
        "## retention",
        "",
        f"`python bench/retention.py{' --quick' if meta['quick'] else ''}` (commit {meta['commit']}): "
        f"worlds of {n:,} users, seeds {', '.join(map(str, meta['seeds']))}; the kit's `MediatedLearner` "
        f'(max_iter={meta["max_iter"]}, nonparticipants="{meta.get("nonparticipants", "control")}") fitted on a randomised log of 70% of the users, policies scored on the '
        f"other 30% by the world's exact objective: the window's incremental profit + true retention uplift x "
        f"true customer value (control margin over {meta['horizon']} campaign windows while the user stays). "
        "Budgets are shares of the tiered rule's full spend; the rules get the exact spend, the uplift plan is "
        "budgeted on its predicted spend (true spend in the last columns). Sleeping dogs: users sent a campaign "
        "whose exact retention uplift is negative. Target-by-risk's campaign (the model's best on the riskiest "
        f"25%): {', '.join(result['risk_campaigns'])}. Means over seeds:",
        "",
        "| budget share | tiered rule | by risk | by uplift | oracle | dogs: rule | dogs: risk | dogs: uplift "
        "| dogs: oracle | contacted: rule / risk / uplift | dog share of contacted: rule / risk / uplift "
        "| spend: rule / uplift |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in summ["by_share"]:
        lines.append(
            f"| {r['share']:.0%} | {r['profit:tiered rule']:.1f} | {r['profit:target by risk']:.1f} "
            f"| {r['profit:target by uplift']:.1f} | {r['profit:oracle']:.1f} | {r['dogs:tiered rule']:.0f} "
            f"| {r['dogs:target by risk']:.0f} | {r['dogs:target by uplift']:.0f} | {r['dogs:oracle']:.0f} "
            f"| {r['contacted:tiered rule']:.0f} / {r['contacted:target by risk']:.0f} / "
            f"{r['contacted:target by uplift']:.0f} | {_share(r, 'tiered rule')} / {_share(r, 'target by risk')} / "
            f"{_share(r, 'target by uplift')} | {r['spend:tiered rule']:.1f} / "
            f"{r['spend:target by uplift']:.1f} |"
        )
    lines += detection_lines(result.get("worlds", []))
    v = summ["verdict"]
    lines += [
        "",
        "Done-when (issue 16), every budget and every seed: uplift targeting earns more true profit than "
        f"targeting by risk and the tiered rule: **{_yes(v['more_profit_than_risk_and_rule_at_every_budget'])}**; "
        "it contacts fewer sleeping dogs than both: "
        f"**{_yes(v['fewer_sleeping_dogs_than_risk_and_rule_at_every_budget'])}**.",
        *oracle_lines(summ),
        *other_run_lines(others),
        end,
    ]
    return "\n".join(lines)


def main(argv=None) -> dict:
    from readme_section import git_state, output_args, quick_outputs, save_run, write_section

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-users", type=int, default=40_000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--max-len", type=int, default=32)
    ap.add_argument("--horizon", type=int, default=6)
    ap.add_argument(
        "--nonparticipants",
        default="modelled",
        choices=["control", "observed", "modelled"],
        help="MediatedLearner's nonparticipants setting (notebook 09 uses modelled)",
    )
    ap.add_argument("--shares", type=float, nargs="+", default=[0.1, 0.25, 0.5, 0.75, 1.0])
    ap.add_argument("--quick", action="store_true", help="one 4,000-user world, seed 0, 30 iterations")
    output_args(ap, HERE / "results" / "retention.json")
    args = ap.parse_args(argv)
    quick_outputs(args, HERE / "results" / "retention.json")
    if args.quick:
        args.n_users, args.seeds, args.max_iter = 4_000, [0], 30
    if args.readme_only:
        result = json.loads(args.out.read_text())
        result["summary"] = summarise(
            result["rows"]
        )  # verdicts added since the run are computed from its rows
        write_section(readme_section(result, args.also), "retention")
        return {}
    state = git_state()  # the code the run imports: read before a long run, not after
    rows, risk_campaigns, extra = [], [], []
    for seed in args.seeds:
        r = run_seed(args.n_users, seed, args)
        rows += r.pop("rows")
        risk_campaigns.append(r["risk_campaign"])
        extra.append({"seed": seed, **r})
    result = {
        "meta": {
            "n_users": args.n_users,
            "seeds": args.seeds,
            "max_iter": args.max_iter,
            "horizon": args.horizon,
            "nonparticipants": args.nonparticipants,
            "shares": args.shares,
            "quick": args.quick,
            **state,
        },
        "rows": rows,
        "worlds": extra,
        "risk_campaigns": risk_campaigns,
        "summary": summarise(rows),
    }
    save_run(result, args.out, "retention", None if args.no_readme else readme_section(result, args.also))
    print(json.dumps(result["summary"]["verdict"]))
    return result


if __name__ == "__main__":
    main()
