"""Evaluation: every score of a choice, a plan or a model against a referee.

Two referees, one module each; the plots apart:

- :mod:`~campaignkit.evaluation.truth` - the synthetic world's exact truth: the value of a per-user choice
  per user, as means or as totals (:func:`true_value_per_user`, :func:`true_value_mean`,
  :func:`true_value_total`), the exact assignment problem (:func:`true_problem`), the oracle
  (:func:`oracle_target`, :func:`oracle_choice`), fitted models side by side (:func:`compare_models`,
  :func:`mean_true_qini`, :func:`category_top_k_accuracy`, :func:`choice_and_target`)
- :mod:`~campaignkit.evaluation.randomised` - a randomised log with no known truth (e.g. Hillstrom's RCT):
  the Qini protocol per seed with bootstrap intervals (:func:`qini_protocol`), a plan valued by DR on
  held-out customers with its paired difference to a reference plan (:func:`heldout_plan_value`,
  :func:`dr_plan_value`), and their parts (:func:`split_log`, :func:`protocol_users`, :func:`make_model`)
- :mod:`~campaignkit.evaluation.experiment` - the set-up every world experiment shares: world, feature store,
  randomised log and user split in one call (:func:`world_experiment`, :class:`WorldExperiment`)
- :mod:`~campaignkit.evaluation.plots` - :func:`plot_qini_protocol`

The world keeps the physics (``World.expected_outcomes``, ``World.evaluate_plan``); this package reads it.
Imports run ``models, design -> evaluation -> forecast``.
"""

from campaignkit.evaluation.experiment import WorldExperiment, world_experiment
from campaignkit.evaluation.plots import plot_qini_protocol
from campaignkit.evaluation.randomised import (
    PLAN_STRATA,
    PREDICTION_OF,
    DRPlanValue,
    QiniProtocolResult,
    dr_plan_value,
    heldout_plan_value,
    make_model,
    protocol_users,
    qini_protocol,
    split_log,
)
from campaignkit.evaluation.truth import (
    category_top_k_accuracy,
    choice_and_target,
    compare_models,
    mean_true_qini,
    oracle_choice,
    oracle_target,
    true_problem,
    true_value_mean,
    true_value_per_user,
    true_value_total,
)

__all__ = [
    "WorldExperiment",
    "world_experiment",
    "true_value_per_user",
    "true_value_mean",
    "true_value_total",
    "true_problem",
    "oracle_target",
    "oracle_choice",
    "compare_models",
    "mean_true_qini",
    "category_top_k_accuracy",
    "choice_and_target",
    "PREDICTION_OF",
    "PLAN_STRATA",
    "QiniProtocolResult",
    "DRPlanValue",
    "protocol_users",
    "make_model",
    "split_log",
    "qini_protocol",
    "dr_plan_value",
    "heldout_plan_value",
    "plot_qini_protocol",
]
