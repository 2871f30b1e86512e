"""The feedback loop: execute a plan with a holdout and exploration, measure, compare, retrain, move on.

- :class:`FeedbackLoop` (``.run(world, n_rounds)`` -> :class:`LoopResult`, ``table`` one row per round:
  forecast with interval, realised lift, exact profit, regret to the oracle, holdout needed for 80% power);
  its steps in :mod:`campaignkit.loop.run`, each round leaving a :class:`RoundRecord` (:data:`ROUND_COLUMNS`,
  in :mod:`campaignkit.loop.round`);
- :func:`draw_design` / :func:`design_propensity` (:mod:`campaignkit.loop.design`): the round's mixture of plan,
  holdout and exploration, and the probability it gave each user what they got (the logged ``propensity``);
- :func:`contact_history` / :func:`calibration_rows` (:mod:`campaignkit.loop.history`): what the loop reads back
  from its log - the contacts it sent each user, and the logged rows a round's forecast is corrected on;
- :func:`holdout_needed`: held-out users a test of the plan's lift needs;
- :func:`plot_rounds` / :func:`plot_regret` (in :mod:`campaignkit.loop.plots`): forecast against realised per
  round, and the regret over rounds.
"""

from campaignkit.loop.design import RoundDesign, design_propensity, draw_design, holdout_needed
from campaignkit.loop.history import HISTORY_COLUMNS, KEY_STRIDE, calibration_rows, contact_history
from campaignkit.loop.plots import plot_regret, plot_rounds
from campaignkit.loop.round import ROUND_COLUMNS, RoundPlan, RoundRecord
from campaignkit.loop.run import FeedbackLoop, LoopResult

__all__ = [
    "FeedbackLoop",
    "LoopResult",
    "RoundRecord",
    "RoundPlan",
    "ROUND_COLUMNS",
    "KEY_STRIDE",
    "contact_history",
    "HISTORY_COLUMNS",
    "calibration_rows",
    "RoundDesign",
    "draw_design",
    "design_propensity",
    "holdout_needed",
    "plot_rounds",
    "plot_regret",
]
