"""Evaluation: every score of a choice, a plan or a model against a referee.

Two referees, one module each; the plots apart:

- :mod:`~campaignkit.evaluation.truth` - the synthetic world's exact truth: the value of a per-user choice
  per user, as means or as totals (:func:`true_value_per_user`, :func:`true_value_mean`,
  :func:`true_value_total`), the exact assignment problem (:func:`true_problem`), the oracle
  (:func:`oracle_target`, :func:`oracle_choice`), fitted models side by side (:func:`compare_models`,
  :func:`mean_true_qini`, :func:`category_top_k_accuracy`, :func:`choice_and_target`)
- :mod:`~campaignkit.evaluation.randomised` - a randomised log with no known truth (Hillstrom's RCT, Starbucks'
  offer waves), every split, error and bootstrap by unit (customer): the Qini protocol per seed with bootstrap
  intervals (:func:`qini_protocol`), a plan valued by DR on held-out customers with its paired differences to
  reference plans - a campaign, the best single offer on the train rows, no offer (:func:`heldout_plan_value`,
  :func:`dr_plan_value`), and their parts (:func:`split_log`, :func:`protocol_users`, :func:`make_model`)
- :mod:`~campaignkit.evaluation.offers` - each offer's effect against control, pooled or per wave, with
  unit-clustered intervals (:func:`offer_effects`); each single offer's value (:func:`single_offer_values`)
- :mod:`~campaignkit.evaluation.heldout` - models fitted once, scored on the held-out rows: Qini per offer with a
  unit bootstrap (:func:`heldout_qini`), predicted against measured effect per offer (:func:`offer_calibration`)
- :mod:`~campaignkit.evaluation.starbucks` - the Starbucks offers protocol in one call (:func:`starbucks_experiment`)
- :mod:`~campaignkit.evaluation.experiment` - the set-up every world experiment shares: world, feature store,
  randomised log and user split in one call (:func:`world_experiment`, :class:`WorldExperiment`)
- :mod:`~campaignkit.evaluation.plots` - :func:`plot_qini_protocol`, :func:`plot_offer_effects`

The world keeps the physics (``World.expected_outcomes``, ``World.evaluate_plan``); this package reads it.
Imports run ``models, design -> evaluation -> forecast``.
"""

from campaignkit.evaluation import experiment, heldout, offers, plots, randomised, starbucks, truth
from campaignkit.evaluation.experiment import *  # noqa: F403
from campaignkit.evaluation.heldout import *  # noqa: F403
from campaignkit.evaluation.offers import *  # noqa: F403
from campaignkit.evaluation.plots import *  # noqa: F403
from campaignkit.evaluation.randomised import *  # noqa: F403
from campaignkit.evaluation.starbucks import *  # noqa: F403
from campaignkit.evaluation.truth import *  # noqa: F403

__all__ = [
    *experiment.__all__,
    *truth.__all__,
    *randomised.__all__,
    *offers.__all__,
    *heldout.__all__,
    *starbucks.__all__,
    *plots.__all__,
]
