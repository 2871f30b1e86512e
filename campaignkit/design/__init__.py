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

from campaignkit.design import assign as _assign_module  # the name `assign` is the function
from campaignkit.design import (
    compare,
    curve,
    milp,
    parameters,
    plots,
    problem,
    retention,
    retention_plots,
    segments,
    synthetic,
)
from campaignkit.design.assign import *  # noqa: F403
from campaignkit.design.compare import *  # noqa: F403
from campaignkit.design.curve import *  # noqa: F403
from campaignkit.design.milp import *  # noqa: F403
from campaignkit.design.parameters import *  # noqa: F403
from campaignkit.design.plots import *  # noqa: F403
from campaignkit.design.problem import *  # noqa: F403
from campaignkit.design.retention import *  # noqa: F403
from campaignkit.design.retention_plots import *  # noqa: F403
from campaignkit.design.segments import *  # noqa: F403
from campaignkit.design.synthetic import *  # noqa: F403

__all__ = [
    *problem.__all__,
    *_assign_module.__all__,
    *milp.__all__,
    *curve.__all__,
    *segments.__all__,
    *parameters.__all__,
    *plots.__all__,
    *compare.__all__,
    *synthetic.__all__,
    *retention.__all__,
    *retention_plots.__all__,
]
