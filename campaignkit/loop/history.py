"""The loop's accumulated log: how its rows are keyed, and what is read back from it each round.

Every round logs one row per world user. A logged row's ``user_id`` is a key, ``round x KEY_STRIDE + user_id``
(:data:`KEY_STRIDE`), so that the same user scored in two rounds has two feature rows, each as of its round's
cutoff; ``world_user_id`` keeps the world's id. From this log the loop reads

- :func:`contact_history`: what the loop itself sent each user before (features no purchase history shows), and
- :func:`calibration_rows`: the logged rows a round's forecast is corrected on, stacked under the current users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.models.prediction import Prediction

__all__ = [
    "KEY_STRIDE",
    "BOOKKEEPING",
    "HISTORY_COLUMNS",
    "CALIBRATION_OFFSET",
    "keyed",
    "contact_history",
    "calibration_rows",
]

KEY_STRIDE = 10**10
"""A logged row's ``user_id`` is ``round x KEY_STRIDE + user_id`` (round 0: the initial randomised log), so the
same user scored in two rounds has two feature rows, each as of its round's cutoff."""

BOOKKEEPING = ["round", "world_user_id", "planned_campaign_id"]
"""Columns of the accumulated log that only the loop reads (dropped before a model is fitted)."""

HISTORY_COLUMNS = ("loop_contacts", "loop_ignored")
"""Contact-history features the loop adds (``contact_history=True``): contacts in earlier rounds, and contacts
ignored (sent a campaign, did not take part), each earlier round counting half as much as the next."""

CALIBRATION_OFFSET = 1000 * KEY_STRIDE
"""Added to a logged row's key when the row is put beside the current users for a forecast's calibration
(round 0's keys are the users' own ids)."""


def keyed(users: pd.DataFrame, rnd: int) -> pd.DataFrame:
    """``users`` with ``user_id`` replaced by round ``rnd``'s keys (``rnd x KEY_STRIDE + user_id``)."""
    out = users.copy()
    out["user_id"] = rnd * KEY_STRIDE + out["user_id"].to_numpy(dtype=np.int64)
    return out


def contact_history(log: pd.DataFrame | None, user_id: np.ndarray) -> dict:
    """What the loop itself sent each user before: the features a marketer's contact history gives.

    Args:
        log: The loop's accumulated log (``round``, ``world_user_id``, ``campaign_id``, ``participated``), or None.
        user_id: Array of shape (n_users,): the users to describe.

    Returns:
        ``{column: array of shape (n_users,)}`` for :data:`HISTORY_COLUMNS`; the initial randomised log (round 0)
        is not a contact the world saw and counts for nothing.
    """
    out = {c: np.zeros(len(user_id)) for c in HISTORY_COLUMNS}
    if log is None or not (log["round"] > 0).any():
        return out
    past = log[log["round"] > 0]
    age = past["round"].max() - past["round"].to_numpy()
    decay = 0.5**age
    sent = (past["campaign_id"].astype(str) != "control").to_numpy()
    ignored = sent & ~past["participated"].to_numpy(dtype=bool)
    pos = pd.Index(user_id).get_indexer(past["world_user_id"].to_numpy())
    ok = pos >= 0
    np.add.at(out["loop_contacts"], pos[ok], (decay * sent)[ok])
    np.add.at(out["loop_ignored"], pos[ok], (decay * ignored)[ok])
    return out


def calibration_rows(
    cf, users: pd.DataFrame, preds: list, data: pd.DataFrame, log: pd.DataFrame, plan_users
) -> tuple[pd.DataFrame, list[Prediction], pd.DataFrame | None]:
    """What a round's forecast is corrected on: the logged rows of some users, as they were logged.

    The rows keep the features each round scored them on (``data``) and the design's propensity; they are
    re-keyed (:data:`CALIBRATION_OFFSET`) and stacked under the current users, so that one model input holds both
    the plan's users and the calibration rows.

    Args:
        cf: The fold models (:class:`~campaignkit.forecast.CrossFit`).
        users: The current users' features (``user_id`` the world's id).
        preds: ``cf.predict(users)``.
        data: Feature rows of the logged users, keyed as the log's ``user_id``.
        log: The accumulated log (with ``world_user_id``).
        plan_users: World ids of the users whose rows calibrate (the loop's reserve).

    Returns:
        ``(data, predictions, calibration_log)`` for :func:`~campaignkit.forecast.forecast_plan`: ``users`` with
        the calibration rows' features below them, the fold models' predictions of both, and the calibration
        rows (``user_id`` re-keyed); ``calibration_log`` is None when those users have no logged rows.
    """
    rows = log[log["world_user_id"].isin(np.asarray(plan_users))]
    if rows.empty:
        return users, preds, None
    keys = rows["user_id"].to_numpy(dtype=np.int64)
    feats = data.set_index("user_id").loc[keys].reset_index()
    feats["user_id"] = keys + CALIBRATION_OFFSET
    cal_log = rows.drop(columns=BOOKKEEPING).assign(user_id=keys + CALIBRATION_OFFSET).reset_index(drop=True)
    both = pd.concat([users, feats[users.columns]], ignore_index=True)
    extra = cf.predict(feats[users.columns])
    return both, [Prediction.concat([p, q]) for p, q in zip(preds, extra, strict=True)], cal_log
