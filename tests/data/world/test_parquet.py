"""Writing the world to Parquet: the same seed gives the same bytes whatever the chunk size."""

from __future__ import annotations

import hashlib

import pandas as pd
from pandas.util import hash_pandas_object

from campaignkit.data import (
    make_world,
    read_world_parquet,
    write_world_parquet,
)


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()


# ----------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes_across_chunk_sizes(tmp_path):
    n = 5_000
    a = write_world_parquet(tmp_path / "a", n, chunk_users=n, random_state=7, progress=False)
    write_world_parquet(tmp_path / "b", n, chunk_users=777, random_state=7, progress=False)
    write_world_parquet(tmp_path / "c", n, chunk_users=777, random_state=7, progress=False)
    w = make_world(n, random_state=7)
    assert a["n_events"] == len(w.events)
    for table in ("users", "events"):
        da = _digest(read_world_parquet(tmp_path / "a", table))
        assert da == _digest(read_world_parquet(tmp_path / "b", table)) == _digest(getattr(w, table))
    for f in sorted((tmp_path / "b" / "events").glob("*.parquet")):
        assert f.read_bytes() == (tmp_path / "c" / "events" / f.name).read_bytes()
    # a smaller world is a prefix of a larger one; another seed is another world
    small = make_world(1_000, random_state=7)
    assert _digest(small.events) == _digest(w.events[w.events["user_id"] < 1_000].reset_index(drop=True))
    assert _digest(make_world(1_000, random_state=8).events) != _digest(small.events)
