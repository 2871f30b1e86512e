"""Metrics: classification and calibration, uplift (Qini/AUUC), arm effects, and off-policy value.

One signature everywhere: ``metric(y_true, score, treatment, *, ...)``; plain classification metrics
omit ``treatment``; :func:`difference_in_means` (an arm's average effect) omits ``score``. Plots live in
:mod:`campaignkit.metrics.plots`, take ``ax=None`` and return the Axes. Each public name is listed once, in
its module's ``__all__``; this package re-exports them all.

- :mod:`~campaignkit.metrics.classification` - classification and calibration (ECE)
- :mod:`~campaignkit.metrics.uplift` - uplift and Qini curves, the normalised Qini coefficient, AUUC, uplift@k,
  uplift by decile
- :mod:`~campaignkit.metrics.effects` - :func:`difference_in_means`: an arm's average effect with its interval
- :mod:`~campaignkit.metrics.policy` - a multi-arm policy's value by IPS, SNIPS and doubly robust estimation
- :mod:`~campaignkit.metrics.bootstrap` - :func:`bootstrap_interval` (``confidence=``) for any metric of the
  signature
- :mod:`~campaignkit.metrics.plots` - plots of the above
"""

from campaignkit.metrics import bootstrap, classification, effects, plots, policy, uplift
from campaignkit.metrics.bootstrap import *  # noqa: F403
from campaignkit.metrics.classification import *  # noqa: F403
from campaignkit.metrics.effects import *  # noqa: F403
from campaignkit.metrics.plots import *  # noqa: F403
from campaignkit.metrics.policy import *  # noqa: F403
from campaignkit.metrics.uplift import *  # noqa: F403

__all__ = [
    *classification.__all__,
    *uplift.__all__,
    *effects.__all__,
    *policy.__all__,
    *bootstrap.__all__,
    *plots.__all__,
]
