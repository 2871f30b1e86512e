"""Random assignment problems of any size, streamed in chunks: for scale benchmarks and solver tests.

Not a world: no users, no behaviour, only prediction-shaped arrays with the structure of real ones - each
campaign has a contact cost and a discount that grows with its depth, deeper campaigns persuade more users
but also pay sure things, and many users lose money on some campaigns (sleeping dogs).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from campaignkit.config import resolve_seed

__all__ = ["random_chunks"]


def random_chunks(
    n_users: int, n_campaigns: int = 11, chunk_size: int = 1_000_000, random_state=None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(value, spend, user_id)`` chunks of a random assignment problem.

    Args:
        n_users: Users in all.
        n_campaigns: Campaigns (control excluded).
        chunk_size: Users per chunk.
        random_state: Seed (with the same ``chunk_size``, the same seed gives the same problem).

    Yields:
        ``(value, spend, user_id)``: float32 arrays of shape (n_chunk, n_campaigns) and int64 ids.
    """
    seed = resolve_seed(random_state)
    camp_rng = np.random.default_rng([seed, 0])
    depth = np.sort(camp_rng.uniform(0.0, 0.3, n_campaigns)).astype(np.float32)
    contact = camp_rng.choice(np.array([0.01, 0.02, 0.08], np.float32), n_campaigns)
    lift = (0.2 + 2.0 * depth + camp_rng.uniform(0, 0.2, n_campaigns)).astype(np.float32)
    for b, lo in enumerate(range(0, n_users, chunk_size)):
        m = min(chunk_size, n_users - lo)
        rng = np.random.default_rng([seed, 1, b])
        basket = np.exp(rng.standard_normal((m, 1), dtype=np.float32) * 0.6 + 3.5)
        base = rng.random((m, 1), dtype=np.float32) ** 3  # buys anyway
        persuade = rng.random((m, n_campaigns), dtype=np.float32) ** 4 * 0.5 * lift[None, :]
        dogs = (rng.random((m, 1), dtype=np.float32) < 0.1).astype(np.float32)
        takers = base + persuade * (1 - base)
        discount = takers * basket * depth[None, :]
        spend = discount + contact[None, :]
        value = 0.35 * basket * (persuade * (1 - base) - dogs * 0.3 * base) - spend
        yield value.astype(np.float32), spend.astype(np.float32), np.arange(lo, lo + m, dtype=np.int64)
