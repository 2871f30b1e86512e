"""Latent traits, observable user attributes and the item table of the synthetic world.

Randomness is derived per **block** of :data:`BLOCK` consecutive user ids from ``(seed, stream, block)``
with :class:`numpy.random.SeedSequence` spawn keys, so a user's traits and history depend only on the
seed and their id: generating 1,000 users or 10 million, in one go or in chunks of any size, gives the
same values for the users they share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.config import DEFAULT_SEED, resolve_seed  # noqa: F401 (re-exported)

__all__ = [
    "BLOCK",
    "AGE_BANDS",
    "REGIONS",
    "MEMBER_TIERS",
    "CONTACT_CHANNELS",
    "DEFAULT_CUTOFF",
    "block_rng",
    "resolve_seed",
    "make_items",
    "block_traits",
]

BLOCK = 4096
"""Users per randomness block (an internal constant: changing it changes every world)."""

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
REGIONS = ("north", "south", "east", "west", "central")
MEMBER_TIERS = ("none", "silver", "gold", "platinum")
CONTACT_CHANNELS = ("email", "sms", "app_push")
DEFAULT_CUTOFF = pd.Timestamp("2024-11-01", tz="UTC")

ITEMS_PER_CATEGORY = 400
_STREAM_TRAITS, _STREAM_HISTORY, _STREAM_ITEMS = 0, 1, 2


def block_rng(seed: int, stream: int, block: int) -> np.random.Generator:
    """Return the generator of one (stream, block) of a world.

    Args:
        seed: World seed.
        stream: Which random stream (traits, history, items...).
        block: Block index (user ids ``block*BLOCK .. (block+1)*BLOCK-1``).

    Returns:
        A PCG64 generator seeded by ``SeedSequence(seed, spawn_key=(stream, block))``.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, block))))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def make_items(seed: int, n_categories: int) -> dict[str, np.ndarray]:
    """Build the item table: ``ITEMS_PER_CATEGORY`` items per category with list prices and popularity.

    Args:
        seed: World seed.
        n_categories: Number of categories.

    Returns:
        Dict with ``price`` (n_items,), ``rank_cdf`` (ITEMS_PER_CATEGORY,) the Zipf popularity CDF of
        item ranks within a category, ``mean_price`` (n_categories,) the popularity-weighted mean price
        of a category, and ``category_pop`` (n_categories,) the categories' overall popularity.
    """
    rng = block_rng(seed, _STREAM_ITEMS, 0)
    level = np.exp(rng.normal(np.log(32.0), 0.55, size=n_categories))
    price = level[:, None] * np.exp(rng.normal(0.0, 0.45, size=(n_categories, ITEMS_PER_CATEGORY)))
    price = np.maximum(np.round(price, 2), 0.5)
    w = 1.0 / np.arange(1, ITEMS_PER_CATEGORY + 1) ** 1.05
    w /= w.sum()
    pop = 1.0 / np.arange(1, n_categories + 1) ** 0.7
    pop = pop[rng.permutation(n_categories)]
    pop /= pop.sum()
    return {
        "price": price.ravel(),
        "rank_cdf": np.cumsum(w),
        "mean_price": price @ w,
        "category_pop": pop,
    }


def _dirichlet(rng, alpha: np.ndarray, n: int) -> np.ndarray:
    g = rng.gamma(np.broadcast_to(alpha, (n, alpha.size))) + 1e-12
    return g / g.sum(axis=1, keepdims=True)


def block_traits(seed: int, block: int, items: dict, cutoff: pd.Timestamp) -> dict[str, np.ndarray]:
    """Draw latent traits and observable attributes of the :data:`BLOCK` users of one block.

    Args:
        seed: World seed.
        block: Block index.
        items: The item table of :func:`make_items`.
        cutoff: The world's cutoff (signup times are before it).

    Returns:
        Dict of arrays of length BLOCK (``taste_old``/``taste_new``/``aff`` are 2-D).
    """
    rng = block_rng(seed, _STREAM_TRAITS, block)
    n = BLOCK
    k = items["category_pop"].size
    z = rng.normal(size=n)  # latent customer value
    age = rng.choice(len(AGE_BANDS), size=n, p=[0.14, 0.30, 0.26, 0.18, 0.12])
    region = rng.integers(0, len(REGIONS), size=n)
    tenure = np.floor(rng.gamma(1.3, 420.0, size=n) * np.exp(0.2 * z)).astype(np.int64)
    signup_offset = rng.integers(0, 86_400, size=n)  # seconds before (cutoff - tenure days)
    activity = 0.062 * np.exp(0.55 * z + 0.75 * rng.normal(size=n) + 0.1 * np.log1p(tenure / 365.0))
    churning = rng.random(n) < _sigmoid(-1.2 - 0.5 * z)
    decline = np.where(churning, rng.uniform(0.8, 3.0, size=n), rng.normal(0.0, 0.25, size=n))
    qty = np.exp(np.log(0.4) + 0.3 * z + 0.5 * rng.normal(size=n))
    price_sens = _sigmoid(-0.5 * z + 0.35 * (2 - age) + rng.normal(size=n))
    deal = _sigmoid(0.7 * np.log(price_sens / (1 - price_sens)) - 0.3 + 0.8 * rng.normal(size=n))
    fatigue = rng.beta(1.4, 3.2, size=n)
    aff_logit = np.column_stack(
        [
            -0.2 + 0.35 * (age - 2) + rng.normal(size=n),
            -1.0 + 0.8 * rng.normal(size=n),
            0.3 - 0.4 * (age - 2) + rng.normal(size=n),
        ]
    )
    aff = 0.05 + 0.9 * _sigmoid(aff_logit)
    pref = np.argmax(aff, axis=1)
    noisy = rng.random(n) < 0.15
    pref = np.where(noisy, rng.integers(0, len(CONTACT_CHANNELS), size=n), pref)
    tier_score = 0.8 * z + 0.6 * rng.normal(size=n) + 0.15 * (tenure > 365)
    tier = np.searchsorted(np.array([0.0, 0.84, 1.64]), tier_score).astype(np.int64)
    cart_rate = rng.beta(2.0, 14.0, size=n)
    buy_rate = rng.beta(3.0, 3.5, size=n) * (0.55 + 0.45 * _sigmoid(z))
    fav_rate = rng.beta(1.2, 25.0, size=n)
    alpha = 0.35 * k * items["category_pop"]
    taste_old = _dirichlet(rng, alpha, n)
    rho = rng.beta(2.0, 2.0, size=n)
    taste_new = (1 - rho[:, None]) * taste_old + rho[:, None] * _dirichlet(rng, alpha, n)
    basket = (taste_new @ items["mean_price"]) * (1.0 + qty)
    return {
        "z_value": z,
        "age": age,
        "region": region,
        "tenure_days": tenure,
        "signup_offset": signup_offset,
        "activity": activity,
        "decline": decline,
        "qty": qty,
        "basket": basket,
        "price_sens": price_sens,
        "deal_seeking": deal,
        "fatigue": fatigue,
        "aff": aff,
        "channel_pref": pref,
        "tier": tier,
        "cart_rate": cart_rate,
        "buy_rate": buy_rate,
        "fav_rate": fav_rate,
        "drift": rho,
        "taste_old": taste_old,
        "taste_new": taste_new,
    }
