"""The behaviour model (Transformer with campaign-conditioned uplift heads, trained with Lightning) and baselines.

- :mod:`~campaignkit.models.networks` - plain ``nn.Module`` networks
- :mod:`~campaignkit.models.lightning` - the ``LightningModule`` (pre-training and fine-tuning losses)
- :mod:`~campaignkit.models.datamodule` - tensors and the ``LightningDataModule``
- :mod:`~campaignkit.models.trainer` - the one trainer factory (CPU, GPU bf16, DDP)
- :mod:`~campaignkit.models.facade` - :class:`BehaviourUpliftModel` with the estimator contract
- :mod:`~campaignkit.models.profit` - campaign economics: realised discount and profit, mediated profit
- :mod:`~campaignkit.models.baselines` - value-tier rule, response model, T-/S-learners (same calls)
- :mod:`~campaignkit.models.evaluate` - score any of them against the synthetic world's truth
- :mod:`~campaignkit.models.toy` - a tiny problem with known effects for tests and examples
"""

from campaignkit.models.baselines import (
    ResponseModelTargeting,
    SLearner,
    TLearner,
    ValueTierRule,
    history_top_category,
)
from campaignkit.models.datamodule import BehaviourDataModule, LogTensors, UserTensors
from campaignkit.models.evaluate import compare_models, oracle_choice, true_choice_value
from campaignkit.models.facade import BehaviourUpliftModel, PlanMixin
from campaignkit.models.lightning import BehaviourLightningModule
from campaignkit.models.networks import BehaviourNet, CampaignEncoder, SequenceEncoder, UserEncoder
from campaignkit.models.profit import mediated_profit, realised_discount
from campaignkit.models.trainer import make_trainer

__all__ = [
    "BehaviourUpliftModel",
    "PlanMixin",
    "realised_discount",
    "mediated_profit",
    "BehaviourNet",
    "SequenceEncoder",
    "UserEncoder",
    "CampaignEncoder",
    "BehaviourLightningModule",
    "BehaviourDataModule",
    "UserTensors",
    "LogTensors",
    "make_trainer",
    "TLearner",
    "SLearner",
    "ResponseModelTargeting",
    "ValueTierRule",
    "history_top_category",
    "compare_models",
    "oracle_choice",
    "true_choice_value",
]
