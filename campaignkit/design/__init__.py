"""Campaign design: segments, budgeted multi-campaign assignment with a certificate, campaign parameters.

- :mod:`~campaignkit.design.problem` - :class:`AssignmentProblem` (per-user value and spend of each
  campaign, from a model's prediction, chunks of them, or the world's truth) and the limits as constraints
- :mod:`~campaignkit.design.dual` - the Lagrangian dual, evaluated by streaming over users in chunks
- :mod:`~campaignkit.design.assign` - :func:`assign`: the plan under a budget, caps and coverage, with the
  dual bound, the certified gap and shadow prices
- :mod:`~campaignkit.design.milp` - the same problem solved exactly by HiGHS, for checks on samples
- :mod:`~campaignkit.design.curve` - the profit-versus-budget curve (multi-arm Qini), its truth and DR estimate
- :mod:`~campaignkit.design.segments` - value tiers (RFM), churn-risk tiers, personas, segment profiles
- :mod:`~campaignkit.design.parameters` - discount depth / threshold per segment from a grid, unseen ones too
- :mod:`~campaignkit.design.compare` - rule and blanket baselines at a budget (scored on the truth by
  :mod:`campaignkit.evaluation`)
- :mod:`~campaignkit.design.retention` - churn risk and retention by uplift: customer value, the retention
  objective, the seed's tiered rule, target-by-risk, sleeping dogs, policies side by side on the truth
- :mod:`~campaignkit.design.synthetic` - random problems of any size in chunks, for scale runs
- :mod:`~campaignkit.design.plots` / :mod:`~campaignkit.design.retention_plots` - plots of the above (compute
  stays apart)
"""

from campaignkit.design.assign import Assignment, assign, constraint_usage, objective_and_spend
from campaignkit.design.compare import blanket_at_budget, fit_to_budget, rule_priority
from campaignkit.design.curve import BudgetCurve, budget_curve, curve_dr, curve_true_value
from campaignkit.design.milp import solve_lp, solve_milp
from campaignkit.design.parameters import (
    choose_parameters,
    parameter_regret,
    threshold_grid,
    unseen_config_regret,
    world_with_catalogue,
)
from campaignkit.design.plots import plot_budget_curves, plot_segment_uplift
from campaignkit.design.problem import AssignmentProblem, ConstraintSet, constraint_set, problem_arrays
from campaignkit.design.retention import (
    compare_retention_policies,
    customer_value,
    retention_policy_value,
    retention_problem,
    risk_tiers,
    risk_uplift_table,
    sleeping_dogs,
    target_by_risk,
    tiered_rule,
    true_customer_value,
    true_retention_problem,
)
from campaignkit.design.retention_plots import (
    plot_retention_policies,
    plot_risk_vs_uplift,
    plot_sleeping_dogs,
)
from campaignkit.design.segments import (
    Personas,
    churn_risk_tiers,
    plan_by_segment,
    segment_profile,
    value_tiers,
)
from campaignkit.design.synthetic import random_chunks

__all__ = [
    "AssignmentProblem",
    "ConstraintSet",
    "constraint_set",
    "problem_arrays",
    "Assignment",
    "assign",
    "objective_and_spend",
    "constraint_usage",
    "solve_milp",
    "solve_lp",
    "BudgetCurve",
    "budget_curve",
    "curve_true_value",
    "curve_dr",
    "value_tiers",
    "churn_risk_tiers",
    "Personas",
    "segment_profile",
    "plan_by_segment",
    "threshold_grid",
    "choose_parameters",
    "world_with_catalogue",
    "parameter_regret",
    "unseen_config_regret",
    "plot_budget_curves",
    "plot_segment_uplift",
    "fit_to_budget",
    "rule_priority",
    "blanket_at_budget",
    "random_chunks",
    "customer_value",
    "true_customer_value",
    "retention_problem",
    "true_retention_problem",
    "risk_tiers",
    "tiered_rule",
    "target_by_risk",
    "sleeping_dogs",
    "retention_policy_value",
    "compare_retention_policies",
    "risk_uplift_table",
    "plot_risk_vs_uplift",
    "plot_retention_policies",
    "plot_sleeping_dogs",
]
