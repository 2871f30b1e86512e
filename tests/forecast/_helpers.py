"""A model that predicts the world's exact expectations, a plan helper and the worlds, for the forecast tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from campaignkit.data import make_world
from campaignkit.models.inputs import as_user_data
from campaignkit.models.policy import DecisionMixin
from campaignkit.models.prediction import Prediction

WORLD_FIELDS = {
    "participate": "participate",
    "convert": "convert",
    "revenue": "revenue",
    "discount": "discount_cost",
    "profit": "profit",
    "contact": "contact_cost",
    "retain": "retain",
}


class WorldModel(DecisionMixin, BaseEstimator):
    """Predicts the world's exact expectations; ``inflate`` multiplies every campaign's effect."""

    def __init__(self, world=None, inflate: float = 1.0):
        self.world, self.inflate = world, inflate

    def fit(self, data, log, catalogue):
        self.catalogue_ = catalogue
        return self

    def predict_outcomes(self, data, catalogue=None, *, target_category=None, batch_users=None):
        ids = as_user_data(data).user_id
        e = self.world.expected_outcomes(ids)
        out = {}
        for field, key in WORLD_FIELDS.items():
            a = np.asarray(e[key], dtype=float)
            out[field] = a[:, :1] + self.inflate * (a - a[:, :1])
        return Prediction(
            user_id=ids,
            campaign_ids=self.world.campaign_ids,
            target_category=self.world.default_target[self.world._user_index(ids)],
            **out,
        )


def _plan(world, ids, inflate=1.0):
    up = world.true_uplift("profit", ids) * inflate  # column 0 is control (zero)
    best = up.argmax(axis=1)
    keep = up.max(axis=1) > 0
    return pd.DataFrame({"user_id": ids[keep], "campaign_id": np.array(world.campaign_ids)[best[keep]]})


class InSampleModel(WorldModel):
    """The world's expectations, but every effect ``inflate`` times too large for the users it was fitted on: a
    fold model's in-sample optimism, so the fold models differ and a correction on fitted rows shows."""

    def fit(self, data, log, catalogue):
        self.seen_ = pd.unique(log["user_id"].to_numpy())
        return super().fit(data, log, catalogue)

    def predict_outcomes(self, data, catalogue=None, *, target_category=None, batch_users=None):
        truth = WorldModel(self.world).predict_outcomes(data)
        seen = np.isin(truth.user_id, self.seen_)[:, None]
        out = {}
        for f in WORLD_FIELDS:
            a = getattr(truth, f)
            out[f] = np.where(seen, a[:, :1] + self.inflate * (a - a[:, :1]), a)
        return Prediction(
            user_id=truth.user_id,
            campaign_ids=truth.campaign_ids,
            target_category=truth.target_category,
            **out,
        )


def world_setup(n_users: int, seed: int, train_share: float, split_seed: int):
    """A world, a featureless user table, a randomised log and a random split of the users into two groups."""
    world = make_world(n_users, random_state=seed)
    users = pd.DataFrame({"user_id": world.users["user_id"].to_numpy(), "x": 0.0})
    log = world.log_randomised(random_state=seed + 1)
    ids = users["user_id"].to_numpy()
    first = np.random.default_rng(split_seed).random(len(ids)) < train_share
    return world, users, log, ids[first], ids[~first]
