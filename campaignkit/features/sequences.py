"""Last-L event sequences per user, built by DuckDB window functions, in user chunks, to memmaps.

Each user's events strictly before the cutoff are ordered by time (ties broken by event type, item,
category and price, so the order never depends on how rows are stored); the last ``max_len`` are kept
and RIGHT-aligned: the most recent event sits in column ``L - 1``, padding (id 0) on the left.
Channels and ids are described in :data:`campaignkit.features.descriptions.SEQUENCE_CHANNELS`.

With ``out_dir`` the arrays are ``.npy`` files filled chunk by chunk through ``np.lib.format.open_memmap``,
so 10M users never sit in memory at once; only one chunk's rows come back from DuckDB at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from campaignkit.data.schema import EVENT_TYPES
from campaignkit.errors import DataNotFoundError, ParameterError
from campaignkit.features import _duck

__all__ = [
    "SequenceArrays",
    "build_sequences",
    "DEFAULT_PRICE_EDGES",
    "DEFAULT_GAP_EDGES_S",
    "EVENT_TYPE_IDS",
    "CHANNELS",
]

EVENT_TYPE_IDS = {et: i + 1 for i, et in enumerate(EVENT_TYPES)}
"""``{"view": 1, "cart": 2, "fav": 3, "purchase": 4}``; 0 is padding."""

DEFAULT_PRICE_EDGES: tuple[float, ...] = (
    1,
    2,
    5,
    10,
    15,
    20,
    30,
    50,
    75,
    100,
    150,
    200,
    300,
    500,
    1000,
    2000,
)
"""Upper-open price edges: bucket = 1 + number of edges <= price (1..17). Fixed, so no data leaks in."""

DEFAULT_GAP_EDGES_S: tuple[float, ...] = (
    1,
    60,
    600,
    3600,
    6 * 3600,
    86400,
    3 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
    90 * 86400,
)
"""Edges (seconds) of the gap to the previous event: bucket = 2 + number of edges <= gap; 1 = no previous."""

CHANNELS = ("event_type", "category", "price_bucket", "gap_bucket")

_ARRAYS = ("user_id", *CHANNELS, "mask")


@dataclass
class SequenceArrays:
    """Right-aligned event sequences of ``n`` users, length ``L``.

    Attributes:
        user_id: array of shape (n,), int64.
        event_type: array of shape (n, L), int64; 0 = padding.
        category: array of shape (n, L), int64; ``category_vocab[i]`` -> ``i + 1``, unknown -> ``len + 1``.
        price_bucket: array of shape (n, L), int64.
        gap_bucket: array of shape (n, L), int64.
        mask: array of shape (n, L), bool; True = real event.
        vocab_sizes: ``{channel: size}`` including the padding id 0.
        category_vocab: raw category values in id order.
        meta: cutoff, edges and other build parameters.
    """

    user_id: np.ndarray
    event_type: np.ndarray
    category: np.ndarray
    price_bucket: np.ndarray
    gap_bucket: np.ndarray
    mask: np.ndarray
    vocab_sizes: dict
    category_vocab: list
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.user_id.shape[0])

    @property
    def max_len(self) -> int:
        """The sequence length ``L``."""
        return int(self.mask.shape[1])

    def _positions(self, user_ids) -> np.ndarray:
        want = np.asarray(user_ids, dtype=np.int64).ravel()
        have = np.asarray(self.user_id)
        if have.size and np.all(have[1:] > have[:-1]):
            pos = np.searchsorted(have, want)
            pos_c = np.minimum(pos, max(have.size - 1, 0))
            ok = (pos < have.size) & (have[pos_c] == want) if have.size else np.zeros(want.size, bool)
        else:
            pos = pd.Index(have).get_indexer(want)
            pos_c, ok = pos, pos >= 0
        if not np.all(ok):
            missing = want[~ok][:5].tolist()
            raise ParameterError(f"{int((~ok).sum())} requested user ids have no sequence (e.g. {missing})")
        return pos_c

    def subset(self, user_ids) -> SequenceArrays:
        """Return the sequences of ``user_ids`` in the given order, in memory.

        Raises:
            ParameterError: an id is not among ``self.user_id``.
        """
        pos = self._positions(user_ids)
        arrays = {name: np.asarray(getattr(self, name)[pos]) for name in _ARRAYS}
        return SequenceArrays(
            **arrays,
            vocab_sizes=dict(self.vocab_sizes),
            category_vocab=list(self.category_vocab),
            meta=dict(self.meta),
        )

    def save(self, out_dir: str | Path) -> Path:
        """Write the arrays as ``.npy`` plus ``meta.json`` into ``out_dir`` and return the folder."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(out / f"{name}.npy", np.asarray(getattr(self, name)))
        _write_meta(out, self.vocab_sizes, self.category_vocab, self.meta)
        return out

    @classmethod
    def load(cls, path: str | Path, mmap_mode: str | None = "r") -> SequenceArrays:
        """Open sequences written by :func:`build_sequences` / :meth:`save` (memory-mapped by default)."""
        path = Path(path)
        if not (path / "meta.json").is_file():
            raise DataNotFoundError(f"no sequences at {str(path)!r} (meta.json missing)")
        meta = json.loads((path / "meta.json").read_text("utf-8"))
        arrays = {name: np.load(path / f"{name}.npy", mmap_mode=mmap_mode) for name in _ARRAYS}
        return cls(
            **arrays,
            vocab_sizes=meta["vocab_sizes"],
            category_vocab=meta["category_vocab"],
            meta=meta.get("meta", {}),
        )


def _jsonable(v):
    return v.item() if hasattr(v, "item") else v


def _write_meta(out: Path, vocab_sizes, category_vocab, meta) -> None:
    payload = {
        "vocab_sizes": {k: int(v) for k, v in vocab_sizes.items()},
        "category_vocab": [_jsonable(c) for c in category_vocab],
        "meta": meta,
    }
    (out / "meta.json").write_text(json.dumps(payload, indent=1, default=str), "utf-8")


def _bucket_case(expr: str, edges, first_id: int) -> str:
    """SQL CASE giving ``first_id + number of edges <= expr``."""
    whens = " ".join(f"WHEN {expr} < {float(e)!r} THEN {first_id + i}" for i, e in enumerate(edges))
    return f"CASE {whens} ELSE {first_id + len(edges)} END"


def _sequence_sql(cutoff_us: int, max_len: int, price_edges, gap_edges_s, lo: int, hi: int) -> str:
    et_case = (
        "CASE CAST(e.event_type AS VARCHAR) "
        + " ".join(f"WHEN '{k}' THEN {v}" for k, v in EVENT_TYPE_IDS.items())
        + " END"
    )
    price_case = _bucket_case("price", price_edges, 1)
    gap_case = "CASE WHEN gap_s IS NULL THEN 1 ELSE " + _bucket_case("gap_s", gap_edges_s, 2) + " END"
    return f"""
    WITH ev AS (   -- this chunk's users, events before the cutoff only
        SELECT e.user_id, {et_case} AS et,
               e.item_id, e.category, CAST(e.price AS DOUBLE) AS price, epoch_us(e.ts) AS ts_us
        FROM events_src AS e
        SEMI JOIN chunk_ids AS c ON e.user_id = c.user_id
        WHERE e.user_id BETWEEN {lo} AND {hi} AND epoch_us(e.ts) < {cutoff_us}
    ),
    ordered AS (   -- one sort per user, newest first: position from the end and gap to the previous event
        SELECT user_id, et, category, price,
               (ts_us - lead(ts_us) OVER w) / 1e6     AS gap_s,
               row_number() OVER w - 1                AS from_end
        FROM ev
        WINDOW w AS (PARTITION BY user_id
                     ORDER BY ts_us DESC, et DESC, item_id DESC, category DESC, price DESC)
        QUALIFY row_number() OVER w <= {max_len}
    )
    SELECT o.user_id,
           {max_len - 1} - o.from_end                         AS pos,
           o.et                                               AS event_type,
           coalesce(v.cat_id, {{unknown_id}})                 AS category,
           {price_case}                                       AS price_bucket,
           {gap_case}                                         AS gap_bucket
    FROM ordered AS o
    LEFT JOIN cat_vocab AS v ON o.category = v.category
    """


_SHAPES = {"user_id": (False, np.int64), "mask": (True, np.bool_), **{c: (True, np.int64) for c in CHANNELS}}


def _allocate(n: int, max_len: int, out_dir: Path | None) -> dict[str, np.ndarray] | None:
    """In-memory zero arrays, or (``out_dir``) zero-filled ``.npy`` files created and closed again.

    Files are created sparse (never written with zeros) and mapped one chunk at a time later, so the
    process never holds more than a chunk of them in memory.
    """
    shape = {k: ((n, max_len) if two_d else (n,), d) for k, (two_d, d) in _SHAPES.items()}
    if out_dir is None:
        return {k: np.zeros(s, dtype=d) for k, (s, d) in shape.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    for k, (s, d) in shape.items():
        mm = np.lib.format.open_memmap(out_dir / f"{k}.npy", mode="w+", dtype=d, shape=s)
        del mm
    return None


def _write_chunk(arrays, out_dir: Path | None, start: int, chunk: dict[str, np.ndarray]) -> None:
    """Copy one chunk's rows into the in-memory arrays, or into the files through a short-lived memmap."""
    for k, values in chunk.items():
        if out_dir is None:
            arrays[k][start : start + len(values)] = values
        else:
            mm = np.load(out_dir / f"{k}.npy", mmap_mode="r+")
            mm[start : start + len(values)] = values
            mm.flush()
            del mm


def build_sequences(
    events,
    cutoff,
    user_ids=None,
    max_len: int = 64,
    out_dir=None,
    chunk_users: int = 200_000,
    *,
    category_vocab=None,
    price_edges=DEFAULT_PRICE_EDGES,
    gap_edges_s=DEFAULT_GAP_EDGES_S,
    threads: int | None = None,
    memory_limit: str | None = None,
    progress: bool | None = None,
) -> SequenceArrays:
    """Build the last ``max_len`` events of each user before ``cutoff``.

    Args:
        events: Canonical events (DataFrame or Parquet file / folder / glob).
        cutoff: Only events with ``ts < cutoff`` are used (naive means UTC).
        user_ids: Users to build for (users without events get all-padding rows); default every user
            with an event before the cutoff. Output rows are sorted by ``user_id`` ascending.
        max_len: Sequence length ``L``.
        out_dir: Folder for ``.npy`` memmaps (written chunk by chunk); None keeps arrays in memory.
        chunk_users: Users per DuckDB query; results do not depend on it.
        category_vocab: Raw category values in id order (to reuse a training vocabulary); default the
            sorted categories seen before the cutoff.
        price_edges: Price bucket edges (ascending).
        gap_edges_s: Gap bucket edges in seconds (ascending).
        threads: DuckDB threads.
        memory_limit: DuckDB memory limit.
        progress: Show a tqdm bar over chunks (None: only in a terminal / notebook).

    Returns:
        :class:`SequenceArrays` (memmaps opened read-only when ``out_dir`` is given).

    Raises:
        SchemaError: bad event log (see :func:`build_features`).
        ParameterError: bad arguments, a cutoff before every event, duplicate user ids.
    """
    _check_arguments(max_len, chunk_users, price_edges, gap_edges_s)
    max_len, chunk_users = int(max_len), int(chunk_users)
    cutoff_us = _duck.to_cutoff_us(cutoff)
    con = _duck.connect(threads=threads, memory_limit=memory_limit)
    try:
        _duck.register_source(con, "events_src", events)
        stats = _duck.check_events(con, cutoff_us, label=_duck.source_label(events))
        ids = _user_ids(con, user_ids, cutoff_us)
        category_vocab = _register_vocab(con, category_vocab, cutoff_us)
        vocab_sizes = {
            "event_type": len(EVENT_TYPE_IDS) + 1,
            "category": len(category_vocab) + 2,
            "price_bucket": len(price_edges) + 2,
            "gap_bucket": len(gap_edges_s) + 3,
        }
        out_path = Path(out_dir) if out_dir is not None else None
        arrays = _allocate(len(ids), max_len, out_path)
        n_chunks = -(-len(ids) // chunk_users) if len(ids) else 0
        for start in tqdm(
            range(0, len(ids), chunk_users),
            total=n_chunks,
            desc="sequences",
            leave=False,
            disable=None if progress is None else not progress,
        ):
            block = ids[start : start + chunk_users]
            sql = _sequence_sql(cutoff_us, max_len, price_edges, gap_edges_s, int(block[0]), int(block[-1]))
            sql = sql.replace("{unknown_id}", str(len(category_vocab) + 1))
            _write_chunk(arrays, out_path, start, _query_chunk(con, block, sql, max_len))
    finally:
        con.close()
    meta = {
        "cutoff": pd.Timestamp(cutoff_us * 1000, tz="UTC").isoformat(),
        "max_len": max_len,
        "price_edges": [float(e) for e in price_edges],
        "gap_edges_s": [float(e) for e in gap_edges_s],
        "n_events_used": stats["n_before_cutoff"],
    }
    if out_path is None:
        return SequenceArrays(**arrays, vocab_sizes=vocab_sizes, category_vocab=category_vocab, meta=meta)
    _write_meta(out_path, vocab_sizes, category_vocab, meta)
    return SequenceArrays.load(out_path, mmap_mode="r")


def _check_arguments(max_len, chunk_users, price_edges, gap_edges_s) -> None:
    if int(max_len) < 1:
        raise ParameterError(f"max_len must be >= 1, got {max_len}")
    if int(chunk_users) < 1:
        raise ParameterError(f"chunk_users must be >= 1, got {chunk_users}")
    for name, edges in (("price_edges", price_edges), ("gap_edges_s", gap_edges_s)):
        if len(edges) == 0 or np.any(np.diff(np.asarray(edges, float)) <= 0):
            raise ParameterError(f"{name} must be a non-empty strictly increasing sequence")


def _user_ids(con, user_ids, cutoff_us: int) -> np.ndarray:
    """The users to build for, sorted: the given ones (no repeats) or every user with an event before the cutoff."""
    if user_ids is None:
        ids = con.execute(
            f"SELECT DISTINCT user_id FROM events_src WHERE epoch_us(ts) < {cutoff_us}"
        ).fetchnumpy()["user_id"]
        return np.sort(np.asarray(ids, dtype=np.int64))
    ids = np.sort(np.asarray(user_ids, dtype=np.int64).ravel())
    if ids.size and np.any(ids[1:] == ids[:-1]):
        raise ParameterError("user_ids contains duplicates")
    return ids


def _register_vocab(con, category_vocab, cutoff_us: int) -> list:
    """Register ``cat_vocab`` (category -> id from 1); returns the vocabulary (default: categories seen)."""
    if category_vocab is None:
        category_vocab = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT category FROM events_src WHERE epoch_us(ts) < {cutoff_us} "
                "AND category IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
    category_vocab = [_jsonable(c) for c in category_vocab]
    vocab_df = pd.DataFrame(
        {
            "category": pd.Series(category_vocab),
            "cat_id": np.arange(1, len(category_vocab) + 1, dtype=np.int64),
        }
    )
    if vocab_df["category"].dtype.kind in "iub" or not category_vocab:
        vocab_df["category"] = vocab_df["category"].astype("int64")
        con.register("cat_vocab", vocab_df)
    else:
        con.register("cat_vocab", vocab_df.astype({"category": object}))
    return category_vocab


def _query_chunk(con, block: np.ndarray, sql: str, max_len: int) -> dict[str, np.ndarray]:
    """Run one chunk's sequence query and scatter its rows into right-aligned arrays."""
    con.register("chunk_ids", pd.DataFrame({"user_id": block}))
    res = con.execute(sql).fetchnumpy()
    rows = np.searchsorted(block, np.asarray(res["user_id"], dtype=np.int64))
    cols = np.asarray(res["pos"], dtype=np.int64)
    chunk = {"user_id": block, "mask": np.zeros((len(block), max_len), dtype=np.bool_)}
    chunk["mask"][rows, cols] = True
    for ch in CHANNELS:
        chunk[ch] = np.zeros((len(block), max_len), dtype=np.int64)
        chunk[ch][rows, cols] = np.asarray(res[ch], dtype=np.int64)
    con.unregister("chunk_ids")
    return chunk
