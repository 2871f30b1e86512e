"""What one round of the feedback loop did: its plan and design, and the record it leaves in the result table.

- :class:`RoundPlan`: the round's plan and experimental design (what every user was planned and sent, and who
  follows the plan);
- :class:`RoundRecord`: one row of :attr:`LoopResult.table <campaignkit.loop.LoopResult.table>`, its fields the
  table's columns (:data:`ROUND_COLUMNS` says what each means); :func:`round_table` stacks them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from campaignkit.loop.design import RoundDesign

__all__ = ["RoundPlan", "RoundRecord", "ROUND_COLUMNS", "round_table"]


@dataclass
class RoundPlan:
    """A round's plan and the design it was run with.

    Attributes:
        users: The users' features as of the round's cutoff (``user_id`` the world's id).
        predictions: The fold models' predictions of ``users``, one per fold model.
        budget: The round's budget on predicted spend.
        design: The :class:`~campaignkit.loop.design.RoundDesign` (planned, executed, explored, held out).
        designed: The plan as designed for every user (``user_id, campaign_id, target_category``).
        sent: What every user is sent (the same columns; exploration and holdout applied).
        follow: Array of shape (n_users,) of bool: users who follow the executed plan - not exploring, planned a
            campaign, and that campaign sent to at least one user (one whose few planned users were all held out
            sent nothing, and its lift cannot be measured).
    """

    users: pd.DataFrame
    predictions: list
    budget: float
    design: RoundDesign
    designed: pd.DataFrame
    sent: pd.DataFrame
    follow: np.ndarray

    @property
    def user_id(self) -> np.ndarray:
        """Array of shape (n_users,): the users' world ids."""
        return self.users["user_id"].to_numpy()

    @property
    def executed_plan(self) -> pd.DataFrame:
        """The plan as executed: the rows of ``designed`` of the users who follow it."""
        return self.designed[self.follow].reset_index(drop=True)


def _column(meaning: str):
    return field(metadata={"meaning": meaning})


@dataclass(frozen=True)
class RoundRecord:
    """One round of the loop, as a row of the result table (each field's meaning: :data:`ROUND_COLUMNS`)."""

    round: int = _column("round number (1 = the first plan)")
    period: int = _column("the world's period the round was scored and run in")
    n_users: int = _column("users in the world")
    lost_share: float = _column("share of users lost (churned) before the round")
    reach: int = _column("users the designed plan contacts (before exploration)")
    explored: int = _column("users given a uniformly random campaign")
    planned: int = _column(
        "users following the plan who were planned a campaign (the executed plan's reach; a campaign whose "
        "planned users were all held out is left out)"
    )
    held_out: int = _column("of those, users held out (got control)")
    budget: float = _column("the round's budget on predicted spend")
    forecast: float = _column("forecast incremental profit of the executed plan")
    lower: float = _column("lower end of the forecast interval")
    upper: float = _column("upper end of the forecast interval")
    realised: float = _column("incremental profit measured against the holdout")
    realised_se: float = _column("its standard error")
    inside: bool = _column("the measured profit lies in the forecast interval")
    exact: float = _column("exact expected incremental profit of the executed plan (the world's truth)")
    designed_profit: float = _column(
        "exact expected incremental profit of the plan as designed for every user"
    )
    oracle_profit: float = _column("exact incremental profit of the oracle's plan at the same budget")
    regret: float = _column("oracle_profit - designed_profit")
    regret_share: float = _column("regret / oracle_profit")
    holdout_needed: float = _column(
        "held-out users a test of the forecast lift needs at 80% power (two-sided 5%)"
    )
    log_rows: int = _column("rows of the accumulated log after the round")
    seconds: float = _column("wall time of the round")


ROUND_COLUMNS = {f.name: f.metadata["meaning"] for f in fields(RoundRecord)}
"""The result table's columns, one row per round, and what each means (the fields of :class:`RoundRecord`)."""


def round_table(records: list[RoundRecord]) -> pd.DataFrame:
    """The records as a DataFrame, one row per round (columns: :data:`ROUND_COLUMNS`)."""
    return pd.DataFrame([asdict(r) for r in records], columns=list(ROUND_COLUMNS))
