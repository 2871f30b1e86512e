"""A tiny synthetic problem with a known answer, for tests, benches and examples.

Users have a favourite category (most of their events), four Gaussian features and a randomised
campaign. Conversion follows ``sigmoid(-1 + effect * x0 * contacted)``: users with ``x0 > 0`` are
persuadables, ``x0 < 0`` sleeping dogs. The world of :mod:`campaignkit.data` is the real test bed;
this toy only needs numpy and the feature stage's :class:`SequenceArrays`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.features import SequenceArrays

__all__ = ["toy_problem", "toy_catalogue", "twin_campaign_problem"]


def toy_catalogue() -> pd.DataFrame:
    """A four-row catalogue (control, two discounts, one category coupon) in the canonical columns."""
    return pd.DataFrame(
        {
            "campaign_id": ["control", "percent_10", "threshold_100_20", "category_coupon"],
            "type": ["control", "percent_discount", "threshold_discount", "coupon"],
            "depth": [0.0, 0.10, 0.20, 0.15],
            "threshold": [0.0, 0.0, 100.0, 0.0],
            "amount": [0.0, 0.0, 20.0, 0.0],
            "channel": ["none", "email", "app_push", "app_push"],
            "targets_category": [False, False, False, True],
            "contact_cost": [0.0, 0.02, 0.01, 0.01],
            "margin_rate": [0.35] * 4,
        }
    )


def toy_problem(
    n_users: int = 1000, max_len: int = 12, n_categories: int = 6, effect: float = 1.5, random_state: int = 0
) -> dict:
    """Generate features, sequences and a randomised log with known conversion probabilities.

    Args:
        n_users: Users.
        max_len: Sequence length ``L``.
        n_categories: Raw categories ``0..n_categories-1``.
        effect: Strength of the heterogeneous campaign effect on conversion.
        random_state: Seed.

    Returns:
        Dict with ``features`` (DataFrame indexed by user_id), ``sequences`` (SequenceArrays),
        ``catalogue``, ``log``, ``favourite`` (array of shape (n_users,), raw category) and
        ``true_convert`` (array of shape (n_users, n_campaigns), the exact conversion probabilities).
    """
    rng = np.random.default_rng(random_state)
    uid = np.arange(1000, 1000 + n_users, dtype=np.int64)
    fav = rng.integers(0, n_categories, n_users)
    lengths = rng.integers(1, max_len + 1, n_users)
    mask = np.arange(max_len)[None, :] >= (max_len - lengths)[:, None]
    raw = np.where(
        rng.uniform(size=(n_users, max_len)) < 0.7,
        fav[:, None],
        rng.integers(0, n_categories, (n_users, max_len)),
    )

    def field(hi):
        return np.where(mask, rng.integers(1, hi, (n_users, max_len)), 0).astype(np.int64)

    seq = SequenceArrays(
        user_id=uid,
        event_type=field(5),
        category=np.where(mask, raw + 1, 0).astype(np.int64),
        price_bucket=field(8),
        gap_bucket=field(8),
        mask=mask,
        vocab_sizes={"event_type": 5, "category": n_categories + 2, "price_bucket": 8, "gap_bucket": 8},
        category_vocab=list(range(n_categories)),
    )
    x = rng.normal(size=(n_users, 4))
    features = pd.DataFrame(x, index=pd.Index(uid, name="user_id"), columns=["x0", "x1", "x2", "x3"])
    features["n_events"] = lengths.astype(float)
    features["monetary"] = np.exp(x[:, 1] + 3)
    cat = toy_catalogue()
    k = len(cat)
    contacted = (np.arange(k) > 0)[None, :]
    true_convert = 1 / (1 + np.exp(-(-1 + effect * x[:, :1] * contacted)))
    arm = rng.integers(0, k, n_users)
    converted = rng.uniform(size=n_users) < true_convert[np.arange(n_users), arm]
    participated = (arm > 0) & (rng.uniform(size=n_users) < 0.3 + 0.4 * converted)
    revenue = np.where(converted, np.exp(rng.normal(3.5, 0.5, n_users)), 0.0)
    log = pd.DataFrame(
        {
            "user_id": uid,
            "campaign_id": cat["campaign_id"].to_numpy()[arm],
            "propensity": np.full(n_users, 1 / k),
            "target_category": np.where(cat["targets_category"].to_numpy()[arm], fav, -1),
            "participated": participated,
            "converted": converted,
            "revenue": revenue,
            "retained": rng.uniform(size=n_users) < 0.85,
        }
    )
    return {
        "features": features,
        "sequences": seq,
        "catalogue": cat,
        "log": log,
        "favourite": fav,
        "true_convert": true_convert,
    }


def twin_campaign_problem(n_users: int = 4000, lift: float = 0.3, random_state: int = 0) -> dict:
    """A tabular randomised log (no event sequences, no retention) whose two campaigns share every attribute.

    Like Hillstrom's Mens and Womens e-mails: ``email_a`` and ``email_b`` are identical e-mail reminders in
    the catalogue, but ``email_a`` raises participation by ``lift`` for users with ``x0 > 0`` and
    ``email_b`` for users with ``x0 < 0``. A model that sees only attributes cannot tell them apart.

    Args:
        n_users: Users.
        lift: The participation effect where a campaign works.
        random_state: Seed.

    Returns:
        Dict with ``users`` (DataFrame with ``user_id``, numeric ``x0``-``x2`` and a text column ``region``),
        ``catalogue``, ``log`` (no ``retained`` column) and ``true_participate`` (array of shape
        (n_users, 3)).
    """
    rng = np.random.default_rng(random_state)
    uid = np.arange(1, n_users + 1, dtype=np.int64)
    x = rng.normal(size=(n_users, 3))
    region = rng.choice(np.array(["north", "south", "east"]), n_users)
    users = pd.DataFrame({"user_id": uid, "x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2], "region": region})
    cat = pd.DataFrame(
        {
            "campaign_id": ["control", "email_a", "email_b"],
            "type": ["control", "reminder", "reminder"],
            "depth": 0.0,
            "threshold": 0.0,
            "channel": ["none", "email", "email"],
            "targets_category": False,
            "contact_cost": 0.0,
        }
    )
    base = 0.15 + 0.05 * (region == "north")
    true_p = np.column_stack([base, base + lift * (x[:, 0] > 0), base + lift * (x[:, 0] < 0)])
    arm = rng.integers(0, 3, n_users)
    participated = rng.uniform(size=n_users) < true_p[np.arange(n_users), arm]
    converted = participated & (rng.uniform(size=n_users) < 0.2)
    log = pd.DataFrame(
        {
            "user_id": uid,
            "campaign_id": cat["campaign_id"].to_numpy()[arm],
            "propensity": 1 / 3,
            "target_category": -1,
            "participated": participated.astype(int),
            "converted": converted.astype(int),
            "revenue": np.where(converted, np.exp(rng.normal(4.0, 0.5, n_users)), 0.0),
        }
    )
    return {"users": users, "catalogue": cat, "log": log, "true_participate": true_p}
