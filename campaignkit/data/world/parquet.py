"""Write a world of any size to partitioned Parquet, chunk by chunk, and read it back.

Layout: ``<path>/users/part-00000.parquet ...``, ``<path>/events/part-00000.parquet ...`` (and
``<path>/traits/`` when asked), one part per chunk of users, plus ``<path>/world.json`` with the
parameters, written last. The folder is built under a hidden sibling name and swapped into place in one
step (:mod:`campaignkit._atomic`), so a kill leaves the old world or the new one. A user's data depend only on the seed and their id, so the concatenated tables are identical
whatever ``chunk_users`` is.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from campaignkit._atomic import atomic_path, clean_leftovers
from campaignkit.data.world.core import _cutoff
from campaignkit.data.world.generate import check_int, generate_range
from campaignkit.data.world.traits import make_items, resolve_seed
from campaignkit.errors import CampaignkitError, DataNotFoundError, ParameterError

__all__ = ["write_world_parquet", "read_world_parquet"]

META = "world.json"
"""Written last into a world folder: its parameters and part count (a folder without it is not a world)."""


def _write(df: pd.DataFrame, file: Path) -> None:
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), file, compression="snappy")


def write_world_parquet(
    path,
    n_users: int,
    chunk_users: int = 100_000,
    random_state=None,
    n_categories: int = 12,
    history_days: int = 90,
    campaign_days: int = 14,
    cutoff=None,
    with_traits: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
) -> dict:
    """Generate a world chunk by chunk and write it as partitioned Parquet.

    Args:
        path: Output folder (created).
        n_users: Number of users.
        chunk_users: Users per chunk (one Parquet part per chunk and table); bounds peak memory.
        random_state: Seed as in :func:`~campaignkit.data.world.make_world` (same seed, same world).
        n_categories: Number of categories.
        history_days: History window in days.
        campaign_days: Campaign window in days (only used for the baseline columns of ``traits``).
        cutoff: End of the history (default 2024-11-01 UTC).
        with_traits: Also write the latent traits (truth) to ``traits/``.
        overwrite: Replace an existing folder; otherwise a non-empty folder is an error.
        progress: Show a progress bar (``None``: only on a terminal).

    Returns:
        Dict with ``path``, ``n_users``, ``n_events``, ``n_parts`` and ``seconds``.

    Raises:
        ParameterError: On bad sizes, or when ``path`` exists, is not empty and ``overwrite`` is False.
    """
    n_users = check_int("n_users", n_users, 1)
    chunk_users = check_int("chunk_users", chunk_users, 1)
    n_categories = check_int("n_categories", n_categories, 2, 1000)
    history_days = check_int("history_days", history_days, 14, 3650)
    campaign_days = check_int("campaign_days", campaign_days, 1, 365)
    seed = resolve_seed(random_state)
    cut = _cutoff(cutoff)
    out = Path(path)
    clean_leftovers(out)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ParameterError(f"{out} exists and is not empty; pass overwrite=True to replace it")
    tables = ["users", "events"] + (["traits"] if with_traits else [])
    items = make_items(seed, n_categories)
    t0 = time.perf_counter()
    n_events = 0
    starts = list(range(0, n_users, chunk_users))
    # built in a hidden sibling and swapped in whole: a kill leaves the old world or the new one
    with atomic_path(out, folder=True) as tmp:
        for t in tables:
            (tmp / t).mkdir()
        for i, lo in enumerate(
            tqdm(
                starts, desc="world parquet", unit="chunk", disable=None if progress is None else not progress
            )
        ):
            hi = min(lo + chunk_users, n_users)
            users, events, traits, _, _ = generate_range(
                seed, lo, hi, items, history_days, campaign_days, cut, with_truth=with_traits
            )
            _write(users, tmp / "users" / f"part-{i:05d}.parquet")
            _write(events, tmp / "events" / f"part-{i:05d}.parquet")
            if with_traits:
                _write(traits.reset_index(names="user_id"), tmp / "traits" / f"part-{i:05d}.parquet")
            n_events += len(events)
            del users, events, traits
        meta = {
            "n_users": n_users,
            "n_events": n_events,
            "seed": seed,
            "n_categories": n_categories,
            "history_days": history_days,
            "campaign_days": campaign_days,
            "cutoff": cut.isoformat(),
            "chunk_users": chunk_users,
            "tables": tables,
            "n_parts": len(starts),
        }
        (tmp / META).write_text(json.dumps(meta, indent=2))
    return {
        "path": str(out),
        "n_users": n_users,
        "n_events": n_events,
        "n_parts": len(starts),
        "seconds": time.perf_counter() - t0,
    }


def read_world_parquet(path, table: str = "events") -> pd.DataFrame:
    """Read one table of a world written by :func:`write_world_parquet`, parts in order.

    Args:
        path: The folder given to :func:`write_world_parquet`.
        table: ``users``, ``events`` or ``traits``.

    Returns:
        The concatenated table.

    Raises:
        DataNotFoundError: When the folder, its ``world.json`` or the table does not exist.
        CampaignkitError: When a table holds fewer parts than ``world.json`` records.
    """
    root = Path(path)
    clean_leftovers(root)
    meta_file = root / META
    if not meta_file.is_file():
        raise DataNotFoundError(
            f"no complete world at {str(root)!r} ({META} missing); write one with write_world_parquet()"
        )
    meta = json.loads(meta_file.read_text())
    if table not in meta.get("tables", []):
        raise DataNotFoundError(
            f"the world at {str(root)!r} has no table {table!r}; it has {meta.get('tables')}"
        )
    files = sorted((root / table).glob("part-*.parquet"))
    expected = meta.get("n_parts", len(files))
    if len(files) != expected:
        raise CampaignkitError(
            f"the world at {str(root)!r} is incomplete: {table}/ holds {len(files)} of "
            f"{expected} parts; write it again with write_world_parquet(overwrite=True)"
        )
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
