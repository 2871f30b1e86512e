"""Settings the model tests share."""

from __future__ import annotations

from campaignkit.models import Boosting

FAST = dict(boosting=Boosting(max_iter=60, learning_rate=0.1), random_state=0)
