"""Uplift models behind one contract, the deep behaviour model, baselines and the decision rule.

The contract (:mod:`~campaignkit.models.base`): ``fit(data, log, catalogue)`` on any model input,
``predict_outcomes`` -> :class:`Prediction`, ``iter_outcomes`` (streaming), ``predict_uplift``, ``choose``,
``plan``; scikit-learn's ``clone``/``get_params``/``set_params`` work on every model.

- :mod:`~campaignkit.models.inputs` - :class:`UserData` (table + optional sequences), :class:`TabularEncoder`,
  sequence category ids and :func:`history_top_category`
- :mod:`~campaignkit.models.outcomes` - the outcome channels, defined once (optional ones allowed)
- :mod:`~campaignkit.models.prediction` - :class:`Prediction`, the typed prediction object
- :mod:`~campaignkit.models.profit` - campaign economics and encoding (profit identity, mediated profit,
  identities of campaigns that share attributes)
- :mod:`~campaignkit.models.policy` - the decision rule (:func:`best_campaign`), plans, the policy base
- :mod:`~campaignkit.models.deep` - the deep behaviour model (:class:`BehaviourUpliftModel`); its networks,
  Lightning module, tensors and trainer factory are exported by that subpackage
- :mod:`~campaignkit.models.boosting` - gradient boosting once: the settings (:class:`Boosting`), fitting and
  the base of the tree learners
- :mod:`~campaignkit.models.baselines` - T-/S-learners on gradient boosting
- :mod:`~campaignkit.models.mediated` - the participation-mediated X-learner on gradient boosting
- :mod:`~campaignkit.models.offer` - a structural model of price offers (threshold reach, pull-up), for choosing
  discount depth and threshold among configurations the log never tried
- :mod:`~campaignkit.models.crossfit` - cross-fitting: every logged row scored by a model that never saw it
- :mod:`~campaignkit.models.calibrated` - :class:`CalibratedLearner`: any model calibrated per offer on its log,
  and its plan deployed only where it beats the best single offer out of fold (:func:`plan_verdict`)
- :mod:`~campaignkit.models.rules` - policies that predict no effect: value tiers, response targeting
- :mod:`~campaignkit.models.toy` - a tiny problem with known effects for tests and examples
"""

from campaignkit.models.base import UpliftModel
from campaignkit.models.baselines import SLearner, TLearner
from campaignkit.models.boosting import Boosting
from campaignkit.models.calibrated import CalibratedLearner, PlanVerdict, plan_verdict
from campaignkit.models.crossfit import CrossFit, crossfit
from campaignkit.models.deep import BehaviourUpliftModel
from campaignkit.models.inputs import TabularEncoder, UserData, as_user_data, history_top_category
from campaignkit.models.mediated import MediatedLearner
from campaignkit.models.offer import PRICE_OFFER_TYPES, PriceOfferModel
from campaignkit.models.outcomes import OUTCOMES, Outcome, check_outcomes
from campaignkit.models.policy import Policy, best_campaign, plan_frame
from campaignkit.models.prediction import Prediction
from campaignkit.models.profit import mediated_profit, realised_discount, realised_profit
from campaignkit.models.rules import ResponseModelTargeting, ValueTierRule

__all__ = [
    "UpliftModel",
    "UserData",
    "as_user_data",
    "TabularEncoder",
    "Prediction",
    "Outcome",
    "OUTCOMES",
    "check_outcomes",
    "Policy",
    "best_campaign",
    "plan_frame",
    "BehaviourUpliftModel",
    "realised_discount",
    "realised_profit",
    "mediated_profit",
    "Boosting",
    "TLearner",
    "SLearner",
    "MediatedLearner",
    "CalibratedLearner",
    "PlanVerdict",
    "plan_verdict",
    "CrossFit",
    "crossfit",
    "PriceOfferModel",
    "PRICE_OFFER_TYPES",
    "ResponseModelTargeting",
    "ValueTierRule",
    "history_top_category",
]
