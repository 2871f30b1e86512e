"""The feedback loop: execute a plan with a holdout and exploration, measure, compare, retrain, move on.

- :class:`FeedbackLoop` (``.run(world, n_rounds)`` -> :class:`LoopResult`, ``table`` one row per round:
  forecast with interval, realised lift, exact profit, regret to the oracle, holdout needed for 80% power);
- :func:`draw_design` / :func:`design_propensity`: the round's mixture of plan, holdout and exploration, and the
  probability it gave each user what they got (the logged ``propensity``);
- :func:`calibration_rows`: what a round's forecast is corrected on - the logged rows of the plan's users;
  :func:`calibration_folds`: the fold each of them was held out from (``calibration="plan_folds"``);
- :func:`held_out_folds` / :func:`out_of_fold_prediction`: each user's fold model fitted on none of their rows, and
  its prediction (``planning="crossfit"``);
- :func:`holdout_needed`: held-out users a test of the plan's lift needs;
- :func:`plot_rounds` / :func:`plot_regret` (in :mod:`campaignkit.loop.plots`): forecast against realised per
  round, and the regret over rounds.
"""

from campaignkit.loop.design import RoundDesign, design_propensity, draw_design, holdout_needed
from campaignkit.loop.plots import plot_regret, plot_rounds
from campaignkit.loop.run import (
    CALIBRATIONS,
    HISTORY_COLUMNS,
    KEY_STRIDE,
    PLANNINGS,
    ROUND_COLUMNS,
    FeedbackLoop,
    LoopResult,
    calibration_folds,
    calibration_rows,
    contact_history,
    held_out_folds,
    mean_prediction,
    out_of_fold_prediction,
)

__all__ = [
    "FeedbackLoop",
    "LoopResult",
    "ROUND_COLUMNS",
    "KEY_STRIDE",
    "mean_prediction",
    "contact_history",
    "HISTORY_COLUMNS",
    "CALIBRATIONS",
    "PLANNINGS",
    "held_out_folds",
    "out_of_fold_prediction",
    "calibration_rows",
    "calibration_folds",
    "RoundDesign",
    "draw_design",
    "design_propensity",
    "holdout_needed",
    "plot_rounds",
    "plot_regret",
]
