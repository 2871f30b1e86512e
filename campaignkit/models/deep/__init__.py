"""The deep behaviour model in three parts plus its estimator (the lightning-hydra-template layout).

- :mod:`~campaignkit.models.deep.networks` - plain ``nn.Module``s: sequence, user and campaign encoders and
  :class:`BehaviourNet` with its heads, its settings in one :class:`Architecture`
- :mod:`~campaignkit.models.deep.lightning` - :class:`BehaviourLightningModule`: losses, steps, logging
- :mod:`~campaignkit.models.deep.datamodule` - :class:`UserTensors`, :class:`LogTensors` and
  :class:`BehaviourDataModule` (seeded splits)
- :mod:`~campaignkit.models.deep.trainer` - :func:`make_trainer`, the one trainer factory (quick settings,
  atomic checkpoints, resumable fits)
- :mod:`~campaignkit.models.deep.estimator` - :class:`BehaviourUpliftModel`, the model behind the kit's
  contract (re-exported by :mod:`campaignkit.models`)
"""

from campaignkit.models.deep.datamodule import BehaviourDataModule, LogTensors, UserTensors
from campaignkit.models.deep.estimator import BehaviourUpliftModel
from campaignkit.models.deep.lightning import BehaviourLightningModule
from campaignkit.models.deep.networks import (
    Architecture,
    BehaviourNet,
    CampaignEncoder,
    SequenceEncoder,
    UserEncoder,
)
from campaignkit.models.deep.trainer import make_trainer

__all__ = [
    "BehaviourUpliftModel",
    "BehaviourNet",
    "Architecture",
    "SequenceEncoder",
    "UserEncoder",
    "CampaignEncoder",
    "BehaviourLightningModule",
    "BehaviourDataModule",
    "UserTensors",
    "LogTensors",
    "make_trainer",
]
