"""Explanations with SHAP: why a user gets a campaign, and whether the explanation can be trusted.

- :mod:`~campaignkit.explain.uplift` - :func:`explain_uplift` / :func:`explain_choice`, one call for any model
- :mod:`~campaignkit.explain.deep` - the deep model: permutation SHAP over tabular features and events
- :mod:`~campaignkit.explain.trees` - the gradient-boosting learners: exact Tree SHAP where the uplift is a
  sum of trees, permutation SHAP of the mediated learner's profit composition
- :mod:`~campaignkit.explain.reasons` - reason codes in words, per user and per segment (pseudonymised,
  k-suppressed)
- :mod:`~campaignkit.explain.faithfulness` - additivity, recall of the world's true drivers, stability
- :mod:`~campaignkit.explain.plots` - bar, beeswarm, waterfall, side by side (``ax=None``, return the Axes)
"""

from campaignkit.explain import faithfulness, plots
from campaignkit.explain._core import RECENCY_BUCKETS, Explanation
from campaignkit.explain.faithfulness import *  # noqa: F403
from campaignkit.explain.plots import *  # noqa: F403
from campaignkit.explain.reasons import describe, reason_codes, segment_reasons
from campaignkit.explain.trees import MATCH_FEATURE
from campaignkit.explain.uplift import explain_choice, explain_uplift

__all__ = [
    "Explanation",
    "RECENCY_BUCKETS",
    "explain_uplift",
    "explain_choice",
    "MATCH_FEATURE",
    "describe",
    "reason_codes",
    "segment_reasons",
    *faithfulness.__all__,
    *plots.__all__,
]
