"""One held-out split of a randomised log, scored for a bench: the rows `starbucks.py` and `hillstrom.py` share.

A model fitted on the train rows chooses per held-out row; the plan is valued by DR against "everyone the best
single offer" (chosen on the train rows) and "no offer", paired and clustered by unit
(:func:`campaignkit.evaluation.dr_plan_value`), and each offer's mean predicted profit uplift is set beside its
measured held-out effect (:func:`campaignkit.evaluation.offer_calibration`). For a
:class:`~campaignkit.models.CalibratedLearner` the row also records its out-of-fold verdict and what the
personalised plan it did (or did not) deploy earns on the held-out rows, so a rule "personalise only when
the gain clears t standard errors" can be read off for any t.
"""

from __future__ import annotations

import json
import time

import numpy as np

from campaignkit.evaluation import dr_plan_value, offer_calibration
from campaignkit.models import Boosting, CalibratedLearner, MediatedLearner, SLearner, TLearner

REFERENCES = ("best_offer", "control")
TREE_MODELS = ("calibrated", "mediated", "t_learner", "s_learner")
"""The gradient-boosting models every protocol bench runs (kit defaults but ``max_iter``, one thread)."""


def tree_model(name: str, seed: int, max_iter: int) -> object:
    """A fresh model of :data:`TREE_MODELS`."""
    boosting = Boosting(max_iter=max_iter)
    if name == "calibrated":
        return CalibratedLearner(MediatedLearner(boosting=boosting), random_state=seed)
    if name == "mediated":
        return MediatedLearner(boosting=boosting, random_state=seed)
    if name == "t_learner":
        return TLearner(boosting=boosting, n_threads=1, random_state=seed)
    if name == "s_learner":
        return SLearner(boosting=boosting, n_threads=1, random_state=seed)
    raise ValueError(f"unknown model {name!r}")


def add_to_previous(out, rows: list[dict], meta: dict, models) -> list[dict]:
    """``--add``: the rows already in ``out`` followed by ``rows``; ``meta`` merged in place (models, seeds,
    commits)."""
    old = json.loads(out.read_text())
    meta["models"] = list(dict.fromkeys(old["meta"]["models"] + meta["models"]))
    meta["seeds"] = sorted(set(old["meta"]["seeds"]) | set(meta["seeds"]))
    meta["commit"] = f"{old['meta']['commit']}, then {meta['commit']} ({', '.join(models)})"
    return old["rows"] + rows


def _differences(plan, prefix: str = "") -> dict:
    d = plan.differences
    row = {}
    for ref in REFERENCES:
        for o in ("profit", "revenue"):
            row[f"{prefix}{o}_minus_{ref}"] = float(d.loc[(ref, o), "difference"])
            row[f"{prefix}{o}_minus_{ref}_se"] = float(d.loc[(ref, o), "difference_se"])
    return row


def score_split(name: str, model, users, train, test, catalogue, seed: int) -> dict:
    """Fit ``model`` on ``train`` and score its plan on ``test``; one bench row (printed as JSON too)."""
    train_users, test_users = users.subset(train["user_id"]), users.subset(test["user_id"])
    t0 = time.perf_counter()
    model.fit(train_users, train, catalogue)
    fit_s = time.perf_counter() - t0
    plan = dr_plan_value(model, users, test, references=REFERENCES, train_log=train)
    calib = offer_calibration(model.predict_outcomes(test_users), test, catalogue, outcome="profit")
    row = {
        "seed": seed,
        "model": name,
        "best_offer": plan.best_offer,
        "plan_profit": float(plan.estimates.loc["profit", "value"]),
        "plan_profit_se": float(plan.estimates.loc["profit", "se"]),
        "share_no_offer": float(plan.shares.iloc[0]),
        "share_best_offer": float(plan.shares[plan.best_offer]),
        "offers_calibrated": int(calib["inside"].sum()),
        "n_offers": len(calib),
        "calibration": calib[["offer", "predicted", "measured", "ci_low", "ci_high"]].to_dict("list"),
        "fit_seconds": fit_s,
        "n_test_units": plan.n_units,
        **_differences(plan),
    }
    verdict = getattr(model, "verdict_", None)
    if verdict is not None:
        model.set_params(fallback=False)
        personal = dr_plan_value(model, users, test, references=REFERENCES, train_log=train)
        model.set_params(fallback=True)
        row.update(
            {
                "deploy": verdict.deploy,
                "variant": verdict.variant,
                "oof_variants": verdict.variants.reset_index().to_dict("list"),
                "verdict_best_offer": verdict.best_offer,
                "oof_gain": verdict.gain,
                "oof_gain_se": verdict.gain_se,
                "oof_floor": verdict.floor(),
                **_differences(personal, "personalised_"),
            }
        )
        row["heldout_floor"] = personal.floor("best_offer")
    print(
        json.dumps(
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items() if k != "calibration"}
        ),
        flush=True,
    )
    return row


def summarise(rows: list[dict]) -> list[dict]:
    """Per model: mean over seeds of each difference and its se, seeds below -1 / -2 se and above +2 se."""
    out = []
    for name in dict.fromkeys(r["model"] for r in rows):
        rs = [r for r in rows if r["model"] == name]
        s = {"model": name, "n_seeds": len(rs)}
        keys = ["profit_minus_best_offer", "profit_minus_control", "revenue_minus_best_offer"]
        if "deploy" in rs[0]:
            keys.append("personalised_profit_minus_best_offer")
            s["deployed_personalised"] = int(sum(r["deploy"] == "personalised" for r in rs))
            s["heldout_floor"] = float(np.mean([r["heldout_floor"] for r in rs]))
            s["oof_gain_z"] = float(np.mean([r["oof_gain"] / max(r["oof_gain_se"], 1e-12) for r in rs]))
        for key in keys:
            diff = np.array([r[key] for r in rs])
            se = np.array([r[f"{key}_se"] for r in rs])
            s[key] = float(diff.mean())
            s[f"{key}_se"] = float(se.mean())
            s[f"{key}_below_1se"] = int((diff < -se).sum())
            s[f"{key}_worse"] = int((diff < -2 * se).sum())
            s[f"{key}_better"] = int((diff > 2 * se).sum())
        for key in ("share_no_offer", "share_best_offer", "offers_calibrated", "fit_seconds"):
            s[key] = float(np.mean([r[key] for r in rs]))
        s["n_offers"] = rs[0]["n_offers"]
        out.append(s)
    return out


def table_lines(summary: list[dict]) -> list[str]:
    """The markdown table every protocol bench prints."""
    lines = [
        "| model | seeds | plan - best offer | se | < -1 se / worse / better | plan - no offer | se | share no offer "
        "| share best offer | calibrated | fit s |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summary:
        lines.append(
            f"| {s['model']} | {s['n_seeds']} | {s['profit_minus_best_offer']:+.4f} | "
            f"{s['profit_minus_best_offer_se']:.4f} | {s['profit_minus_best_offer_below_1se']} / "
            f"{s['profit_minus_best_offer_worse']} / {s['profit_minus_best_offer_better']} | "
            f"{s['profit_minus_control']:+.4f} | {s['profit_minus_control_se']:.4f} | "
            f"{s['share_no_offer']:.2f} | {s['share_best_offer']:.2f} | "
            f"{s['offers_calibrated']:.1f} of {s['n_offers']} | {s['fit_seconds']:.0f} |"
        )
    deployed = [s for s in summary if "deployed_personalised" in s]
    if deployed:
        lines += [
            "",
            "| model | personalised deployed (seeds) | out-of-fold gain, mean z | personalised plan - best offer "
            "(held out) | se | < -1 se | floor (MDE, held out) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for s in deployed:
            lines.append(
                f"| {s['model']} | {s['deployed_personalised']} of {s['n_seeds']} | {s['oof_gain_z']:+.2f} | "
                f"{s['personalised_profit_minus_best_offer']:+.4f} | "
                f"{s['personalised_profit_minus_best_offer_se']:.4f} | "
                f"{s['personalised_profit_minus_best_offer_below_1se']} | {s['heldout_floor']:.4f} |"
            )
    return lines
