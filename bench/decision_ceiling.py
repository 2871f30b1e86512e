"""Bench: what caps the mediated learner's decisions? Swap each of its parts for the world's exact value.

The :class:`~campaignkit.models.MediatedLearner` chooses the campaign with the highest
``u_c = p_c (v_c - b) - (1 - p_c) contact_c``: ``p_c`` the probability of taking part, ``v_c`` a participant's
profit (contact paid), ``b`` the profit under control. On ``bench/decision.py``'s set-up (``make_world(N)``,
a uniformly randomised log, 70/30 user split, the store's tabular features) this bench fits the learner (the
kit's defaults) and scores the held-out users' choice - by the same rule, contact only if ``u_c > 0`` - with
every combination of the three parts taken from the model (``m``) or from the world's exact expectation
(``t``): ``p`` = the exact participation ``r e``, ``v`` = the exact expected profit of a participant
(``margin p_eng m_eng - p_eng disc - contact``), ``b`` = the exact control profit. Reported as the share of
the oracle's incremental profit (true-interest targets, as in ``bench/decision.py``); ``t t t`` is the
ceiling of the mediated formula itself (it assumes a campaign does nothing to those who ignore it), and
``truth`` is the exact argmax with the model's target categories.

    .venv/bin/python bench/decision_ceiling.py --sizes 40000 --seeds 0 1 2

Results go to ``bench/results/decision_ceiling.json`` (rows of other (N, seed) are kept) and the
``decision_ceiling`` section of ``bench/README.md``. The world's internals (``World._branches_grid``) are read
here only, to get the exact participant profit; nothing is fitted to them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from readme_section import git_state, markers, write_section  # noqa: E402 (bench/ is on the path when run)
from worlds import world_split  # noqa: E402 (bench/ is on the path when run)

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "decision_ceiling.json"
COMBOS = ["".join(c) for c in itertools.product("mt", repeat=3)]  # p, v, b: model or truth


def run_world(n_users: int, seed: int) -> dict:
    """Fit the learner on one world and score every part-swap of its choice."""
    from campaignkit.data.world.response import expected
    from campaignkit.models import MediatedLearner
    from campaignkit.models.evaluate import oracle_choice, true_choice_value
    from campaignkit.models.policy import best_campaign

    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as root:
        w = world_split(n_users, seed, root, name="bench_ceiling", max_len=32)
        world, ids = w.world, np.asarray(w.test_ids)
        model = MediatedLearner(n_threads=1, random_state=seed).fit(w.train, w.train_log, world.catalogue)
        pred = model.predict_outcomes(w.test, world.catalogue)
    target = pred.target_category
    idx = world._user_index(ids)
    br = world._branches_grid(idx, world._campaign_index(None), world._targets(idx, target))
    ex = expected(br)
    shape = np.shape(ex["participate"])
    b = {k: np.broadcast_to(v, shape) for k, v in br.items()}
    profit = np.broadcast_to(ex["profit"], shape)
    truth = {
        "p": np.asarray(b["r"] * b["e"], dtype=float),
        "v": b["margin"] * b["p_eng"] * b["m_eng"] - b["p_eng"] * b["disc"] - b["contact"],
        "b": profit[:, :1],
    }
    fitted = {"p": pred.participate, "v": pred.extra["engaged_profit"], "b": pred.profit[:, :1]}
    oracle, oracle_target = oracle_choice(world, ids)
    oracle_value = true_choice_value(world, ids, oracle, oracle_target)["incremental_profit"]

    def share(uplift) -> float:
        u = np.array(uplift, dtype=float, copy=True)
        u[:, 0] = 0.0
        return true_choice_value(world, ids, best_campaign(u), target)["incremental_profit"] / oracle_value

    row = {"n_users": n_users, "seed": seed, "model": share(pred.uplift("profit")), "truth": share(profit - profit[:, :1])}
    for combo in COMBOS:
        p, v, base = ((fitted if s == "m" else truth)[part] for part, s in zip("pvb", combo, strict=True))
        row[combo] = share(p * (v - base) - (1.0 - p) * b["contact"])
    k = shape[1]
    row["corr_p"] = float(np.nanmean([np.corrcoef(fitted["p"][:, c], truth["p"][:, c])[0, 1] for c in range(1, k)]))
    row["corr_v_minus_b"] = float(np.nanmean([
        np.corrcoef(fitted["v"][:, c] - fitted["b"][:, 0], truth["v"][:, c] - truth["b"][:, 0])[0, 1]
        for c in range(1, k)
    ]))
    row["seconds"] = time.perf_counter() - t0
    print(f"N={n_users} seed={seed}: " + ", ".join(f"{c} {row[c]:+.3f}" for c in ("model", *COMBOS, "truth"))
          + f" in {row['seconds']:.0f}s", file=sys.stderr, flush=True)
    return row


def readme_section(rows: list[dict]) -> str:
    start, end = markers("decision_ceiling")
    lines = [
        start,
        "## decision_ceiling",
        "",
        "`bench/decision_ceiling.py`: the `MediatedLearner`'s choice (kit defaults, `bench/decision.py`'s set-up) with",
        "each part of `u_c = p_c (v_c - b) - (1 - p_c) contact_c` taken from the model (**m**) or the world's exact",
        "value (**t**), in the order p (participation), v (a participant's profit), b (control profit); share of the",
        "oracle's incremental profit. **t t t** is the ceiling of the mediated formula (no effect on those who",
        "ignore a campaign); **truth** the exact argmax with the model's target categories. **corr** = mean over",
        f"campaigns of the Pearson correlation of the fitted part with the exact one. Written {datetime.now(UTC):%Y-%m-%d}",
        f"(code at {', '.join(sorted({r.get('commit', 'unknown') for r in rows}))}; {platform.system()} "
        f"{platform.machine()}, shared 2-CPU machine).",
        "",
        "| N | seed | model | " + " | ".join(" ".join(c) for c in COMBOS) + " | truth | corr p | corr v-b |",
        "|---:|---:|---:|" + "---:|" * (len(COMBOS) + 3),
    ]
    for r in sorted(rows, key=lambda r: (r["n_users"], r["seed"])):
        lines.append(
            f"| {r['n_users']:,} | {r['seed']} | {r['model']:+.2f} | "
            + " | ".join(f"{r[c]:+.2f}" for c in COMBOS)
            + f" | {r['truth']:+.2f} | {r['corr_p']:.2f} | {r['corr_v_minus_b']:.2f} |"
        )
    lines += [end]
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args(argv)
    out = Path(args.out)
    rows = json.loads(out.read_text())["rows"] if out.exists() else []
    commit = git_state()["commit"] or "unknown"  # the code the run imports: read before the run, not after
    for n in args.sizes:
        for seed in args.seeds:
            rows = [r for r in rows if (r["n_users"], r["seed"]) != (n, seed)] + [{**run_world(n, seed), "commit": commit}]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({"rows": rows}, indent=1))
    if not args.no_readme:
        write_section(readme_section(rows), "decision_ceiling")
    return rows


if __name__ == "__main__":
    main()
