"""The benches' common set-up: one synthetic world, its feature store and a 70/30 split of its users."""

from __future__ import annotations

from types import SimpleNamespace


def world_split(n_users: int, seed: int, root, *, name: str, max_len: int) -> SimpleNamespace:
    """Build world ``seed``, its feature store under ``root``, its randomised log and a 70/30 user split.

    The log is ``world.log_randomised(random_state=seed + 1)``; the split is
    ``split_users(..., val_size=0.0, test_size=0.3, random_state=seed)``.

    Returns:
        Namespace with ``world, store, log, train_ids, test_ids, train, test, train_log, test_log`` (``train``
        and ``test`` are ``store.subset`` pairs; the logs keep their users' rows, reindexed).
    """
    from campaignkit.data import make_world
    from campaignkit.features import FeatureStore, split_users

    world = make_world(n_users, random_state=seed)
    store = FeatureStore.build(name, world.events, world.users, world.cutoff, root=root, max_len=max_len)
    log = world.log_randomised(random_state=seed + 1)
    split = split_users(store.user_ids, val_size=0.0, test_size=0.3, random_state=seed)
    train_ids, test_ids = split["train"], split["test"]
    return SimpleNamespace(
        world=world,
        store=store,
        log=log,
        train_ids=train_ids,
        test_ids=test_ids,
        train=store.subset(train_ids),
        test=store.subset(test_ids),
        train_log=log[log["user_id"].isin(train_ids)].reset_index(drop=True),
        test_log=log[log["user_id"].isin(test_ids)].reset_index(drop=True),
    )
