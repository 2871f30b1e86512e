"""Every numbered notebook is clean, parameterised, ends by gluing, and runs in quick mode."""

from __future__ import annotations

import json
import math
import re

import pytest

from campaignkit.report import discover_notebooks, run_report

NOTEBOOKS = discover_notebooks()
IDS = [p.stem for p in NOTEBOOKS]

SANE_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "05_evaluation": {
        # $ per held-out user on a 1,500-user world: only finite and of the world's scale in quick mode
        "incremental_profit_calibrated": (-50.0, 50.0),
        "calibration_error_mediated": (0.0, 50.0),
        "calibration_error_calibrated": (0.0, 50.0),
    },
    "06_explainability": {
        "additivity_max_error": (0.0, 1e-6),  # exact Tree SHAP adds up to the prediction
        "additivity_deep_relative": (
            0.0,
            0.01,
        ),  # permutation SHAP of the deep model: within 1% of the spread
        "top_driver_recall": (
            0.0,
            1.0,
        ),  # >= 0.8 asserted in the full run (too few rows per campaign in quick)
        "explain_seconds": (0.0, 180.0),  # the deep model, per 1,000 users
        "reason_code_stability": (0.0, 1.0),
    },
    "07_campaign_design": {
        "profit_ratio_to_oracle": (-1.0, 1.0),
        "profit_gain_over_value_tier_rule": (0.0, 1e6),  # the model's plan beats the seed's rule on the truth
        "optimality_gap": (0.0, 1e-3),  # certified by the dual bound
        "gap_to_highs": (-1e-9, 1e-3),  # HiGHS is optimal; the Lagrangian plan within 0.1% of it
        "assign_seconds": (0.0, 30.0),
        "unseen_config_regret": (0.0, 1.0),
        "unseen_config_regret_s_learner": (0.0, 1.0),
    },
    "08_effect_prediction": {
        # quick mode: a 2,500-user world whose plan's exact effect is near zero, so relative errors are only
        # checked to be finite; bench/forecast.py measures them at 40,000 users and the coverage over 200 runs
        "forecast_rel_error": (-1e6, 1e6),
        "interval_coverage": (0.0, 1.0),
        "ope_dr_rel_error": (-1e6, 1e6),
        "ope_ci_coverage": (0.0, 1.0),
    },
    "09_churn_retention": {
        # quick mode fits on ~120 log rows per campaign, too few to be right about retention: the gains are only
        # checked to be finite here; bench/retention.py checks their sign at 40,000 users, three seeds
        "retention_uplift_vs_risk_gain": (-1e6, 1e6),
        "retention_uplift_vs_rule_gain": (-1e6, 1e6),
        "retention_uplift_share_of_oracle": (-1.0, 1.0),
        **{f"sleeping_dogs_contacted_{p}": (0, 1e6) for p in ("risk", "rule", "uplift", "oracle")},
        "lost_after_one_window": (0.05, 0.5),  # about one user in five churns in a campaign window
        "sleeping_dog_detection_auc": (0.0, 1.0),
    },
    "10_feedback_loop": {
        # quick mode: two rounds on a 500-user, three-campaign world, where a plan's lift is within the noise of a
        # 10% holdout: only checked to be finite and counted right; bench/loop.py checks the claims at
        # 40,000 users, three seeds, five rounds
        "rounds_inside_interval": (0, 5),
        "regret_round_1": (-1e-6, 1e6),  # nobody beats the oracle on the truth
        "regret_round_5": (-1e-6, 1e6),
        "regret_share_last_round": (-1e-6, 2.0),
    },
    "11_hillstrom_case_study": {
        # the randomised visit effects of the whole file (published: +7.66 / +4.52 points)
        "ate_visit_mens": (0.076, 0.077),
        "ate_visit_womens": (0.045, 0.046),
        **{
            f"qini_visit_{arm}_{m}": (-1.0, 1.0)
            for arm in ("mens", "womens")
            for m in ("t_learner", "s_learner", "deep")
        },
        # profit (35% of spend) per held-out customer: about $0.23 with no e-mail, $0.50 with the men's
        "plan_value_dr": (0.0, 2.0),
        "plan_value_dr_se": (0.0, 1.0),
        "plan_minus_all_mens_dr": (-1.0, 1.0),
        "plan_minus_all_mens_se": (0.0, 1.0),
        "recommended_minus_best_offer_dr": (-1.0, 1.0),
        "recommended_floor": (0.0, 1.0),
        "emails_calibrated": (0, 2),
    },
    "12_starbucks_offers": {
        # $ of profit per customer and wave (35% of spend - reward); quick mode: 3,000 customers
        "ate_profit_best_offer": (0.0, 10.0),  # the best offer's randomised effect is positive
        "plan_minus_best_offer_dr": (-10.0, 10.0),
        "plan_minus_best_offer_se": (0.0, 5.0),
        "personalised_minus_best_offer_dr": (-10.0, 10.0),
        "personalised_floor": (0.0, 10.0),
        "deployed_personalised": (0, 1),
        "plan_minus_no_offer_dr": (-10.0, 10.0),
        "offers_calibrated": (0, 10),
    },
}
"""Glued metrics a notebook must record in quick mode, each within a sane range (inclusive)."""


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _src(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_quickstart.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_clean_and_parameterised(path):
    cells = _cells(path)
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters', want exactly one"
    assert re.search(r"^QUICK\s*=", _src(tagged[0]), re.M), f"{path.name}: no QUICK parameter"
    assert cells[0]["cell_type"] == "markdown" and _src(cells[0]).lstrip().startswith("# "), "H1 title first"
    code = [c for c in cells if c["cell_type"] == "code"]
    for c in code:
        assert not c.get("outputs") and c.get("execution_count") is None, f"{path.name}: stored outputs"
        src = _src(c)
        assert not re.search(r"^\s*(def|class)\s", src, re.M), (
            f"{path.name}: def/class belongs in the package"
        )
        assert not re.search(r"^\s*[!%]pip", src, re.M), f"{path.name}: no pip installs in notebooks"
    assert "glue(" in _src(code[-1]), f"{path.name}: the last code cell must glue the key metrics"


def _finite(value):
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value is not None
    return math.isfinite(value)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_quick(path, tmp_path):
    number = path.name[:2]
    result = run_report(out=tmp_path, only=number, quick=True, html_output=False, progress=False)
    metrics = result.metrics[path.stem]
    assert metrics, f"{path.name} glued nothing"
    bad = {k: v for k, v in metrics.items() if not _finite(v)}
    assert not bad, f"{path.name}: non-finite glued metrics {bad}"
    for key, (low, high) in SANE_RANGES.get(path.stem, {}).items():
        assert key in metrics, f"{path.name} did not glue {key!r}"
        assert low <= metrics[key] <= high, f"{path.name}: {key} = {metrics[key]} outside [{low}, {high}]"
