"""A small randomised log of repeated exposures with a known effect (shared by the evaluation tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

ARMS = ("control", "mail_a", "mail_b")
REVENUE_EFFECT = {"mail_a": 10.0, "mail_b": 15.0}
"""Mean revenue added per exposure: mail_a adds 10 to everyone, mail_b 30 to the customers above the median
level and nothing to the others, so mail_b is the best single offer and a per-customer plan beats it."""


def repeated_exposures(n_units: int = 600, n_waves: int = 3, seed: int = 0, *, with_units: bool = True):
    """``(users, log, catalogue)``: one row per (customer, wave), arms uniform per wave.

    ``user_id`` keys the exposure (``unit * 10 + wave``); ``unit_id`` the customer. Revenue carries a customer
    effect shared by all of a customer's waves (so the rows of a unit are correlated). With
    ``with_units=False`` the log has no ``unit_id`` and ``user_id`` is the customer, repeated per wave.
    """
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_waves)
    wave = np.tile(np.arange(n_waves), n_units)
    user_id = unit * 10 + wave if with_units else unit
    base = rng.gamma(2.0, 15.0, n_units)[unit]  # the customer's level, every wave
    arm = rng.integers(0, len(ARMS), len(unit))
    high = base > np.median(base)
    effect = np.where(arm == 1, 10.0, 0.0) + np.where((arm == 2) & high, 30.0, 0.0)
    revenue = np.maximum(base + effect + rng.normal(0, 10, len(unit)), 0.0)
    visit = rng.random(len(unit)) < 0.2 + 0.1 * (arm > 0)
    log = pd.DataFrame(
        {
            "user_id": user_id,
            "campaign_id": np.asarray(ARMS)[arm],
            "propensity": 1.0 / len(ARMS),
            "target_category": -1,
            "participated": visit.astype(int),
            "converted": (revenue > 0).astype(int),
            "revenue": revenue,
            "retained": np.nan,
            "wave": wave,
        }
    )
    if with_units:
        log["unit_id"] = unit
    feats = pd.DataFrame({"user_id": user_id, "level": base + rng.normal(0, 5, len(unit)), "wave": wave})
    users = feats.drop_duplicates("user_id").reset_index(drop=True)
    catalogue = pd.DataFrame(
        {
            "campaign_id": list(ARMS),
            "type": ["control", "reminder", "reminder"],
            "depth": 0.0,
            "threshold": 0.0,
            "channel": ["none", "email", "email"],
            "targets_category": False,
            "contact_cost": 0.0,
        }
    )
    return users, log, catalogue
