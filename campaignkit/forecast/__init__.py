"""Effect prediction: forecast a plan's totals with intervals, and value plans off-policy on a log.

- :func:`crossfit` (defined in :mod:`~campaignkit.models.crossfit`, re-exported here): fold models, each
  scoring the log users it never saw (honest predictions of a log);
- :mod:`~campaignkit.forecast.plan` - :func:`forecast_plan`: a plan's reach, participants, incremental
  conversions / revenue / profit, discount and contact cost and ROI, per campaign and segment, each with an
  interval combining model uncertainty and the sampling noise of what the run will measure;
- :mod:`~campaignkit.forecast.calibrate` - the predicted effects corrected on a randomised log, with bootstrap
  replicates (what :func:`forecast_plan` adds back);
- :mod:`~campaignkit.forecast.realised` - :func:`realised_lift`: what a run measured against its random holdout
  (and :func:`forecast_check` to put forecast, realised and - on the world - exact expectation side by side);
- :mod:`~campaignkit.forecast.ope` - :func:`off_policy_values` / :func:`compare_plans` /
  :func:`crossfit_plan_value`: IPS, SNIPS and doubly robust values of plans on a log with standard errors and
  effective sample sizes, the paired standard error of the difference of two plans, and the value of a plan
  chosen on a log on that same log;
- :mod:`~campaignkit.forecast.audit` - the world as referee: one seeded forecast-and-check run, for coverage
  audits;
- :mod:`~campaignkit.forecast.plots` - plots of forecasts and their checks.
"""

from campaignkit.forecast.calibrate import Calibration, calibrate, like_rows, pseudo_outcomes
from campaignkit.forecast.ope import compare_plans, crossfit_plan_value, log_choice, off_policy_values
from campaignkit.forecast.plan import FORECAST_METRICS, PlanForecast, forecast_plan, plan_choice
from campaignkit.forecast.realised import REALISED_COLUMNS, forecast_check, realised_lift
from campaignkit.models.crossfit import CrossFit, check_propensity, crossfit

__all__ = [
    "CrossFit",
    "crossfit",
    "check_propensity",
    "Calibration",
    "calibrate",
    "pseudo_outcomes",
    "like_rows",
    "PlanForecast",
    "forecast_plan",
    "plan_choice",
    "FORECAST_METRICS",
    "log_choice",
    "off_policy_values",
    "compare_plans",
    "crossfit_plan_value",
    "realised_lift",
    "forecast_check",
    "REALISED_COLUMNS",
]
