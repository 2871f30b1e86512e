"""A tiny feedback loop the loop tests share."""

from __future__ import annotations

from campaignkit.data import world_user_table
from campaignkit.loop import FeedbackLoop
from campaignkit.models import Boosting, MediatedLearner

N_ROUNDS = 2


ARMS = ["control", "member_exclusive_15", "cart_reminder"]


def _few_features(world):
    """Four columns of the world's user table: binning two dozen columns is most of a tiny fit's time."""
    return world_user_table(world)[["user_id", "recency_days", "frequency", "monetary", "member_tier"]]


def _loop(**kw):
    model = MediatedLearner(
        boosting=Boosting(max_iter=10), nonparticipants="observed", weight_by_propensity=True, random_state=0
    )
    kw = {"initial_users": 0.5, "n_boot": 20, "random_state": 3, "features": _few_features, **kw}
    return FeedbackLoop(model, **kw)
