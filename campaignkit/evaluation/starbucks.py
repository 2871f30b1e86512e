"""The Starbucks offers case as one call: the issue's fixed protocol from the files to a train/test split.

The protocol (fixed so results compare across notebooks, benches and sessions):

- one log row per (customer, wave): the offer the wave sent the customer, or ``control`` when it sent none
  (:func:`campaignkit.data.exposures.build_campaign_log` with the whole customer table as the population);
- the outcome window runs from the wave's send to the next wave's send (the last wave: to hour
  :data:`~campaignkit.data.starbucks.HORIZON_H`); participation = the row's own offer completed in the window
  (informational offers cannot be completed); conversion = a transaction in the window; revenue = its spend;
  discount = the rewards of the row's offer completed in the window; profit = margin x spend - reward, the
  margin :data:`~campaignkit.data.starbucks.STARBUCKS_MARGIN` (the kit's default: the data carry no margin,
  so the revenue-side results are reported beside every profit figure);
- features and transaction sequences strictly before the send (:func:`campaignkit.features.pointintime.exposure_features`);
- propensity = the arm's share in that wave (the design: about 75% of customers get one of ten offers
  uniformly at random, 25% none);
- customers split 70/30 at random (:func:`~campaignkit.evaluation.randomised.split_log` by unit, not stratified),
  a customer's waves on one side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.config import resolve_rng
from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.exposures import ExposureLog, build_campaign_log
from campaignkit.data.starbucks import StarbucksData, load_starbucks
from campaignkit.errors import ParameterError
from campaignkit.evaluation.randomised import split_log
from campaignkit.features.pointintime import PointInTimeFeatures, exposure_features
from campaignkit.models.inputs import UserData, as_user_data

__all__ = ["StarbucksExperiment", "starbucks_log", "starbucks_experiment", "STARBUCKS_MAX_LEN"]

STARBUCKS_MAX_LEN = 32
"""Transactions kept per row's sequence by default (a customer makes about eight in the month)."""


@dataclass
class StarbucksExperiment:
    """The Starbucks protocol's tables, ready for ``fit(train_users, train_log, catalogue)``.

    Attributes:
        data: The loaded files (:class:`~campaignkit.data.starbucks.StarbucksData`).
        built: The log as built, with its wave table and counts (:class:`~campaignkit.data.exposures.ExposureLog`).
        features: Point-in-time features (and sequences) of every row key.
        users: The model input of every row (:class:`~campaignkit.models.inputs.UserData`).
        catalogue: The validated catalogue (row 0 ``control``, then the ten offers).
        train_log: Rows of the train customers.
        test_log: Rows of the held-out customers.
        seed: Seed of the split (and of the customer subsample).
    """

    data: StarbucksData
    built: ExposureLog
    features: PointInTimeFeatures
    users: UserData
    catalogue: pd.DataFrame
    train_log: pd.DataFrame
    test_log: pd.DataFrame
    seed: int

    @property
    def log(self) -> pd.DataFrame:
        """Every row of the protocol, one per (customer, wave)."""
        return self.built.log

    @property
    def train_users(self) -> UserData:
        """Model input of the train rows."""
        return self.users.subset(self.train_log["user_id"])

    @property
    def test_users(self) -> UserData:
        """Model input of the held-out rows."""
        return self.users.subset(self.test_log["user_id"])


def _subsample(data: StarbucksData, n_customers: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """The customers kept (all, or ``n_customers`` at random) and the tables restricted to them."""
    customers = data.customers
    if n_customers:
        if n_customers > len(customers):
            raise ParameterError(f"n_customers={n_customers} exceeds the {len(customers):,} customers")
        pick = resolve_rng(seed).choice(len(customers), size=int(n_customers), replace=False)
        customers = customers.iloc[np.sort(pick)]
    keep = customers["user_id"].to_numpy()
    tables = {
        name: frame[frame["user_id"].isin(keep)].reset_index(drop=True)
        for name, frame in (
            ("exposures", data.exposures),
            ("events", data.events),
            ("redemptions", data.redemptions),
            ("users", data.users),
        )
    }
    return customers, tables


def starbucks_log(data: StarbucksData, *, n_customers: int = 0, seed: int = 0) -> ExposureLog:
    """The protocol's log: one row per (customer, wave), outcomes from the send to the next wave's send.

    Args:
        data: The loaded files.
        n_customers: Keep this many customers at random (0: all).
        seed: Seed of the subsample.

    Returns:
        The :class:`~campaignkit.data.exposures.ExposureLog`.
    """
    customers, t = _subsample(data, n_customers, seed)
    return build_campaign_log(
        t["exposures"],
        t["events"],
        data.catalogue,
        window="next_wave",
        population=customers["user_id"].to_numpy(),
        redemptions=t["redemptions"],
        waves=data.wave_times,
        horizon_end=data.horizon_end,
    )


def starbucks_experiment(
    seed: int = 0,
    *,
    test_size: float = 0.3,
    max_len: int | None = STARBUCKS_MAX_LEN,
    n_customers: int = 0,
    data: StarbucksData | None = None,
    path=None,
) -> StarbucksExperiment:
    """Load the files (or take ``data``), build the protocol's log and features, split the customers.

    Args:
        seed: Seed of the 70/30 customer split (and of the subsample).
        test_size: Share of customers held out.
        max_len: Transactions per sequence (None: no sequences, tabular features only).
        n_customers: Keep this many customers at random (0: all 17,000).
        data: Already loaded files (default: :func:`~campaignkit.data.starbucks.load_starbucks` of ``path``).
        path: Folder of the files (default ``$CAMPAIGNKIT_DATA_HOME/starbucks``).

    Returns:
        A :class:`StarbucksExperiment`.
    """
    data = load_starbucks(path) if data is None else data
    built = starbucks_log(data, n_customers=n_customers, seed=seed)
    _, t = _subsample(data, n_customers, seed)
    features = exposure_features(built, t["events"], t["users"], max_len=max_len)
    train, test = split_log(built.log, (), seed=seed, test_size=test_size)
    users = as_user_data(features)
    return StarbucksExperiment(
        data=data,
        built=built,
        features=features,
        users=users,
        catalogue=validate_catalogue(data.catalogue),
        train_log=train,
        test_log=test,
        seed=int(seed),
    )
