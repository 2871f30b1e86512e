"""Block-wise generation of users, traits and events for any range of user ids.

The unit of randomness is a block of :data:`~campaignkit.data.world.traits.BLOCK` users; a range of ids
is generated block by block and sliced, so the output for a user never depends on the range asked for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.data.schema import EVENT_TYPES
from campaignkit.data.world.history import MEAN_VIEWS_PER_SESSION, block_events
from campaignkit.data.world.response import baseline
from campaignkit.data.world.traits import (
    AGE_BANDS,
    BLOCK,
    CONTACT_CHANNELS,
    MEMBER_TIERS,
    REGIONS,
    block_traits,
)
from campaignkit.errors import ParameterError

__all__ = ["generate_range", "check_int", "TRAIT_COLUMNS"]

TRAIT_COLUMNS = (
    "z_value",
    "activity",
    "decline",
    "qty",
    "basket",
    "price_sens",
    "deal_seeking",
    "fatigue",
    "aff_email",
    "aff_sms",
    "aff_app_push",
    "tier",
    "cart_rate",
    "buy_rate",
    "fav_rate",
    "drift",
    "open_cart",
    "open_cart_value",
    "p0",
    "m0",
    "ch0",
    "rate_now",
)


def check_int(name: str, value, lo: int, hi: int | None = None) -> int:
    """Return ``value`` as int if it is an integer in [lo, hi], else raise a clear ParameterError.

    Args:
        name: Parameter name, for the message.
        value: The value given.
        lo: Smallest allowed value.
        hi: Largest allowed value (None: no bound).

    Returns:
        The int value.

    Raises:
        ParameterError: When ``value`` is not an integer or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ParameterError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if value < lo or (hi is not None and value > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ParameterError(f"{name} must be {rng}, got {value}")
    return int(value)


def _ts_utc(ns: np.ndarray) -> pd.Series:
    return pd.Series(ns.astype("datetime64[ns]")).dt.tz_localize("UTC")


def generate_range(
    seed: int,
    start: int,
    stop: int,
    items: dict,
    history_days: int,
    campaign_days: int,
    cutoff: pd.Timestamp,
    with_truth: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None, np.ndarray | None, np.ndarray | None]:
    """Generate users ``start .. stop-1``.

    Args:
        seed: World seed.
        start: First user id.
        stop: One past the last user id.
        items: Item table of :func:`~campaignkit.data.world.traits.make_items`.
        history_days: History window in days.
        campaign_days: Campaign window in days (for the baseline outcomes stored with the traits).
        cutoff: End of the history.
        with_truth: Also return the traits and the interest matrices.

    Returns:
        ``(users, events, traits, interest, past_interest)``; the last three are None unless
        ``with_truth``. ``interest``/``past_interest`` are arrays of shape (n, n_categories).
    """
    users, events, traits, interest, past = [], [], [], [], []
    start_ns = (cutoff - pd.Timedelta(days=history_days)).value
    for b in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        tr = block_traits(seed, b, items, cutoff)
        ev, state = block_events(seed, b, tr, items, history_days, cutoff)
        lo, hi = max(start - b * BLOCK, 0), min(stop - b * BLOCK, BLOCK)
        base_id = b * BLOCK
        # users
        tenure = tr["tenure_days"][lo:hi]
        signup_ns = cutoff.value - (tenure * 86_400 + tr["signup_offset"][lo:hi]) * 1_000_000_000
        users.append(
            pd.DataFrame(
                {
                    "user_id": np.arange(base_id + lo, base_id + hi, dtype=np.int64),
                    "signup_ts": _ts_utc(signup_ns),
                    "tenure_days": tenure.astype(np.int64),
                    "age_band": np.array(AGE_BANDS, dtype=object)[tr["age"][lo:hi]],
                    "region": np.array(REGIONS, dtype=object)[tr["region"][lo:hi]],
                    "member_tier": np.array(MEMBER_TIERS, dtype=object)[tr["tier"][lo:hi]],
                    "channel_pref": np.array(CONTACT_CHANNELS, dtype=object)[tr["channel_pref"][lo:hi]],
                }
            )
        )
        a, z = np.searchsorted(ev["user"], [lo, hi])
        events.append(
            pd.DataFrame(
                {
                    "user_id": ev["user"][a:z].astype(np.int64) + base_id,
                    "ts": _ts_utc(start_ns + ev["ts"][a:z] * 1_000_000_000),
                    "event_type": pd.Categorical.from_codes(ev["etype"][a:z], categories=list(EVENT_TYPES)),
                    "item_id": ev["item"][a:z].astype(np.int64),
                    "category": ev["category"][a:z].astype(np.int64),
                    "price": ev["price"][a:z].astype(np.float64),
                    "quantity": ev["quantity"][a:z].astype(np.int64),
                }
            )
        )
        if with_truth:
            full = dict(tr)
            full.update(state)
            full["aff_email"], full["aff_sms"], full["aff_app_push"] = tr["aff"].T
            full.update(baseline(full, campaign_days, MEAN_VIEWS_PER_SESSION))
            traits.append(pd.DataFrame({c: np.asarray(full[c])[lo:hi] for c in TRAIT_COLUMNS}))
            traits[-1]["most_viewed"] = state["most_viewed"][lo:hi]
            interest.append(tr["taste_new"][lo:hi])
            past.append(tr["taste_old"][lo:hi])
    users_df = pd.concat(users, ignore_index=True)
    events_df = pd.concat(events, ignore_index=True)
    if not with_truth:
        return users_df, events_df, None, None, None
    traits_df = pd.concat(traits, ignore_index=True)
    traits_df.index = pd.RangeIndex(start, stop)
    return users_df, events_df, traits_df, np.vstack(interest), np.vstack(past)
