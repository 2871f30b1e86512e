"""One experiment on the synthetic world: the world, its feature store, a randomised log and a user split.

Every notebook and bench that scores models against the world's truth starts the same way: build a world,
compute its features as of the world's cutoff, log a randomised campaign and hold out a share of the users.
:func:`world_experiment` does it once, with one seed convention, so the set-up reads the same everywhere::

    exp = world_experiment("nb05", n_users=6_000, random_state=0)
    model.fit(exp.train, exp.train_log, exp.catalogue)
    pred = model.predict_outcomes(exp.test, exp.catalogue)

Seeds: the world and the split use ``random_state``; the randomised log ``random_state + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from campaignkit.data import World, make_world
from campaignkit.errors import ParameterError
from campaignkit.features import FeatureStore, SequenceArrays, split_users

__all__ = ["WorldExperiment", "world_experiment"]


@dataclass
class WorldExperiment:
    """A world, its feature store, a randomised log of it and a split of its users.

    Attributes:
        world: the synthetic world (exact effects; ``world.catalogue`` is the campaign catalogue).
        store: its :class:`~campaignkit.features.FeatureStore` as of ``world.cutoff``.
        log: a randomised multi-arm campaign log over every user (:meth:`World.log_randomised`).
        split: ``{"train", "val", "test"}`` -> sorted arrays of user ids (:func:`~campaignkit.features.split_users`).
    """

    world: World
    store: FeatureStore
    log: pd.DataFrame
    split: dict[str, np.ndarray]

    @property
    def catalogue(self) -> pd.DataFrame:
        """The world's campaign catalogue (row 0 is ``control``)."""
        return self.world.catalogue

    @property
    def train_ids(self) -> np.ndarray:
        """Ids of the training users, array of shape (n_train,)."""
        return self.split["train"]

    @property
    def test_ids(self) -> np.ndarray:
        """Ids of the held-out users, array of shape (n_test,)."""
        return self.split["test"]

    @cached_property
    def train(self) -> tuple[pd.DataFrame, SequenceArrays]:
        """The training users' model input: (features, sequences), in ``train_ids`` order."""
        return self.store.subset(self.train_ids)

    @cached_property
    def test(self) -> tuple[pd.DataFrame, SequenceArrays]:
        """The held-out users' model input: (features, sequences), in ``test_ids`` order."""
        return self.store.subset(self.test_ids)

    @cached_property
    def train_log(self) -> pd.DataFrame:
        """The log rows of the training users (index reset)."""
        return self._log_of(self.train_ids)

    @cached_property
    def test_log(self) -> pd.DataFrame:
        """The log rows of the held-out users (index reset)."""
        return self._log_of(self.test_ids)

    def _log_of(self, user_ids: np.ndarray) -> pd.DataFrame:
        return self.log[self.log["user_id"].isin(user_ids)].reset_index(drop=True)


def world_experiment(
    name: str,
    n_users: int,
    *,
    random_state: int = 0,
    max_len: int = 32,
    test_size: float = 0.3,
    val_size: float = 0.0,
    root=None,
) -> WorldExperiment:
    """Build (or reuse) a world experiment: world, feature store, randomised log and user split.

    Args:
        name: a short name for the feature store's cache folder; the store is named
            ``f"{name}_{n_users}_{random_state}_{max_len}"`` and reused when it exists with the same inputs.
        n_users: users in the world.
        random_state: seed of the world and of the split; the log uses ``random_state + 1``.
        max_len: most recent events kept per user in the sequences.
        test_size: share of users held out, in [0, 1).
        val_size: share of users for validation, in [0, 1) (0: none).
        root: parent folder of the feature store (default ``config.PROCESSED_DATA_DIR``).

    Returns:
        The :class:`WorldExperiment`.

    Raises:
        ParameterError: a seed that is not an int, or bad split fractions.
    """
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise ParameterError(
            f"random_state must be an int (the log uses random_state + 1), got {random_state!r}"
        )
    seed = int(random_state)
    world = make_world(n_users, random_state=seed)
    store = FeatureStore.build(
        f"{name}_{n_users}_{seed}_{max_len}",
        world.events,
        world.users,
        world.cutoff,
        max_len=max_len,
        root=root,
    )
    log = world.log_randomised(random_state=seed + 1)
    split = split_users(store.user_ids, val_size=val_size, test_size=test_size, random_state=seed)
    return WorldExperiment(world=world, store=store, log=log, split=split)
