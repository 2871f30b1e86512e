"""The world's users as a model input: what a marketer observes about them as of the world's cutoff.

- :func:`world_user_table` - observed attributes and RFM history, one row per user (a cheap input for audits);
- :func:`world_user_state` - the same plus the observed cart state, the feedback loop's default input (a round
  of cart reminders changes who has an open cart).
"""

from __future__ import annotations

import pandas as pd

from campaignkit.data.world.plans import observed_cart, observed_rfm

__all__ = ["world_user_table", "world_user_state"]


def world_user_table(world) -> pd.DataFrame:
    """A cheap model input for audits: the world's observed user attributes and RFM history, one row per user."""
    users = world.users.drop(columns=["signup_ts"]).reset_index(drop=True)
    return pd.concat([users, observed_rfm(world).reset_index(drop=True)], axis=1)


def world_user_state(world) -> pd.DataFrame:
    """:func:`world_user_table` plus the observed cart state (:func:`~campaignkit.data.world.plans.observed_cart`):
    the feedback loop's default input, since a round of cart reminders changes who has an open cart."""
    return pd.concat([world_user_table(world), observed_cart(world).reset_index(drop=True)], axis=1)
