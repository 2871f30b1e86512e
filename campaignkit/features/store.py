"""A feature store on disk: ``<root>/<name>/`` with features, sequences and a manifest.

Layout::

    <root>/<name>/features.parquet      one row per user (column user_id + features), sorted by user_id
    <root>/<name>/sequences/*.npy       SequenceArrays as .npy (opened as memmaps) + meta.json
    <root>/<name>/manifest.json         cutoff, parameters, input fingerprint, row counts, checksums,
                                        feature names, vocabularies, package versions

:meth:`FeatureStore.build` reuses an existing build whose manifest parameters (cutoff, lengths, edges,
input fingerprint) equal the requested ones, so notebooks and the CLI do not recompute; ``force=True``
rebuilds. A build is written to a hidden sibling folder and swapped into place in one step
(:mod:`campaignkit._atomic`), so a kill leaves the old store or the new one, never a half store, and the
next build cleans what a killed one left.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from campaignkit import __version__
from campaignkit._atomic import atomic_path, clean_leftovers
from campaignkit._helpers import sha256_file
from campaignkit.config import PROCESSED_DATA_DIR
from campaignkit.errors import CampaignkitError, DataNotFoundError, ParameterError
from campaignkit.features import _duck
from campaignkit.features.sequences import (
    DEFAULT_GAP_EDGES_S,
    DEFAULT_PRICE_EDGES,
    SequenceArrays,
    build_sequences,
)
from campaignkit.features.tabular import (
    DEFAULT_RECENCY_CAP_DAYS,
    FeaturePlan,
    plan_features,
    warn_constant_features,
)

__all__ = ["FeatureStore", "input_fingerprint"]

MANIFEST = "manifest.json"


def input_fingerprint(obj) -> str:
    """A cheap identity of an input: content hash of a DataFrame, or names/sizes/mtimes of Parquet files."""
    h = hashlib.sha256()
    if isinstance(obj, pd.DataFrame):
        h.update(",".join(f"{c}:{t}" for c, t in obj.dtypes.astype(str).items()).encode())
        h.update(pd.util.hash_pandas_object(obj, index=False).to_numpy().tobytes())
    else:
        for f in _duck._parquet_files(obj):
            st = os.stat(f)
            h.update(f"{os.path.abspath(f)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:32]


class FeatureStore:
    """Features and sequences of one build, read lazily from ``path``.

    Args:
        path: The store folder (holding ``manifest.json``).
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        manifest = self.path / MANIFEST
        if not manifest.is_file():
            raise DataNotFoundError(
                f"no feature store at {str(self.path)!r} (manifest.json missing); "
                "build one with FeatureStore.build(name, events, users, cutoff)"
            )
        self.manifest: dict = json.loads(manifest.read_text("utf-8"))
        self._features: pd.DataFrame | None = None
        self._sequences: SequenceArrays | None = None

    def __repr__(self) -> str:
        rc = self.manifest.get("row_counts", {})
        return (
            f"FeatureStore({str(self.path)!r}, cutoff={self.manifest['parameters']['cutoff']}, "
            f"users={rc.get('n_users')}, features={rc.get('n_features')})"
        )

    # ------------------------------------------------------------------ access
    @property
    def features(self) -> pd.DataFrame:
        """Features indexed by ``user_id`` (loaded on first access)."""
        if self._features is None:
            df = pd.read_parquet(self.path / "features.parquet")
            self._features = df.set_index("user_id")
        return self._features

    @property
    def sequences(self) -> SequenceArrays:
        """Sequences as read-only memmaps."""
        if self._sequences is None:
            self._sequences = SequenceArrays.load(self.path / "sequences", mmap_mode="r")
        return self._sequences

    @property
    def user_ids(self) -> np.ndarray:
        """Users of the store, array of shape (n_users,), ascending."""
        return np.asarray(self.sequences.user_id)

    def subset(self, user_ids) -> tuple[pd.DataFrame, SequenceArrays]:
        """Features and sequences of ``user_ids``, aligned in the given order.

        Raises:
            ParameterError: an id is not in the store.
        """
        ids = np.asarray(user_ids, dtype=np.int64).ravel()
        seqs = self.sequences.subset(ids)  # raises ParameterError on unknown ids
        return self.features.loc[ids], seqs

    def verify(self) -> bool:
        """Recompute the checksums of every file and compare them with the manifest.

        Raises:
            CampaignkitError: a file is missing or changed.
        """
        for rel, digest in self.manifest["checksums"].items():
            f = self.path / rel
            if not f.is_file() or sha256_file(f) != digest:
                raise CampaignkitError(f"feature store {str(self.path)!r}: {rel} is missing or changed")
        return True

    # ------------------------------------------------------------------ build / load
    @classmethod
    def load(cls, name_or_path: str | Path, root: str | Path | None = None) -> FeatureStore:
        """Open a store by folder path, or by name under ``root`` (default ``config.PROCESSED_DATA_DIR``)."""
        p = Path(name_or_path)
        if (p / MANIFEST).is_file():
            return cls(p)
        return cls(Path(root or PROCESSED_DATA_DIR) / str(name_or_path))

    @classmethod
    def build(
        cls,
        name: str,
        events,
        users,
        cutoff,
        root: str | Path | None = None,
        max_len: int = 64,
        chunk_users: int = 200_000,
        force: bool = False,
        *,
        categories=None,
        max_categories: int = 20,
        recency_cap_days: float = DEFAULT_RECENCY_CAP_DAYS,
        threads: int | None = None,
        memory_limit: str | None = None,
        progress: bool | None = None,
    ) -> FeatureStore:
        """Build (or reuse) the store ``<root>/<name>/`` for events before ``cutoff``.

        Args:
            name: Store name, a folder name (no path separators).
            events: Canonical events (DataFrame or Parquet file / folder / glob).
            users: Users table (DataFrame or Parquet).
            cutoff: Only events with ``ts < cutoff`` are used.
            root: Parent folder; default ``config.PROCESSED_DATA_DIR``.
            max_len: Sequence length.
            chunk_users: Users per chunk for both features and sequences (bounds memory; results
                do not depend on it).
            force: Rebuild even when a build with the same parameters exists.
            categories: Fixed categories for ``cat_share_*`` columns (default: most frequent).
            max_categories: How many categories get a share column by default.
            recency_cap_days: Cap of recency-type features.
            threads: DuckDB threads.
            memory_limit: DuckDB memory limit.
            progress: tqdm bars over chunks.

        Returns:
            The :class:`FeatureStore`.
        """
        if not name or any(sep in str(name) for sep in ("/", "\\")) or str(name).startswith("."):
            raise ParameterError(f"store name must be a plain folder name, got {name!r}")
        root = Path(root or PROCESSED_DATA_DIR)
        final = root / str(name)
        params = {
            "cutoff": pd.Timestamp(_duck.to_cutoff_us(cutoff) * 1000, tz="UTC").isoformat(),
            "max_len": int(max_len),
            "max_categories": int(max_categories),
            "categories": None if categories is None else [_jsonable(c) for c in categories],
            "recency_cap_days": float(recency_cap_days),
            "price_edges": [float(e) for e in DEFAULT_PRICE_EDGES],
            "gap_edges_s": [float(e) for e in DEFAULT_GAP_EDGES_S],
            "events_fingerprint": input_fingerprint(events),
            "users_fingerprint": input_fingerprint(users),
            "campaignkit_version": __version__,
        }
        clean_leftovers(final)  # a swap killed midway: the old store goes back under its name
        if not force and (final / MANIFEST).is_file():
            existing = cls(final)
            if existing.manifest.get("parameters") == params and all(
                (final / rel).is_file() for rel in existing.manifest.get("checksums", {})
            ):
                return existing
        _clean_legacy(root, str(name))
        # built under a hidden sibling and swapped in whole: a kill leaves the old store or the new one,
        # and the next build removes what a killed one left behind
        with atomic_path(final, folder=True) as tmp:
            duck = {"threads": threads, "memory_limit": memory_limit}
            plan = plan_features(
                events,
                users,
                cutoff,
                categories=categories,
                max_categories=max_categories,
                recency_cap_days=recency_cap_days,
                **duck,
            )
            manifest = _build_into(tmp, plan, events, cutoff, params, chunk_users, duck, progress)
            manifest["name"] = str(name)
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str), "utf-8")
        return cls(final)


def _clean_legacy(root: Path, name: str) -> None:
    """Remove ``.<name>.building-<pid>`` folders that earlier versions' killed builds left behind."""
    for tmp in root.glob(f".{name}.building-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                shutil.rmtree(tmp, ignore_errors=True)
            except PermissionError:  # pragma: no cover - another user's build
                pass


def _jsonable(v):
    return v.item() if hasattr(v, "item") else v


def _track_ranges(ranges: dict, table: pa.Table) -> None:
    """Add each feature column's (min, max) of one chunk to ``ranges`` (nulls count as a value of their own)."""
    for name in table.column_names:
        if name == "user_id":
            continue
        col = table[name]
        mm = pc.min_max(col).as_py() if col.null_count < len(col) else {"min": None, "max": None}
        if 0 < col.null_count < len(col):
            mm = {"min": None, "max": mm["max"]}  # some missing, some not: not constant
        ranges.setdefault(name, set()).add((mm["min"], mm["max"]))


def _is_constant(seen: set) -> bool:
    """Whether a column whose chunks had the (min, max) pairs ``seen`` holds one value throughout."""
    if len(seen) != 1:
        return False
    lo, hi = next(iter(seen))
    return lo == hi


def _build_into(
    folder: Path, plan: FeaturePlan, events, cutoff, params: dict, chunk_users, duck: dict, progress
) -> dict:
    """Write the features ``plan`` computes and the event sequences into ``folder``; return the manifest.

    ``duck`` holds DuckDB's ``threads`` and ``memory_limit``; the plan's connection is closed on return.
    """
    writer = None
    n_rows = 0
    ranges: dict = {}  # column -> set of (min, max) over chunks: constant when one pair with min == max
    try:
        for lo, hi in plan.chunks(chunk_users):
            table = plan.con.sql(plan.sql(lo, hi)).to_arrow_table()
            if writer is None:
                writer = pq.ParquetWriter(folder / "features.parquet", table.schema)
            writer.write_table(table)
            n_rows += table.num_rows
            _track_ranges(ranges, table)
            feature_names = [c for c in table.column_names if c != "user_id"]
        if writer is None:  # no users at all
            table = plan.con.sql(plan.sql(0, -1)).to_arrow_table()
            pq.write_table(table, folder / "features.parquet")
            feature_names = [c for c in table.column_names if c != "user_id"]
    finally:
        if writer is not None:
            writer.close()
        plan.con.close()
    seqs = build_sequences(
        events,
        cutoff,
        user_ids=plan.user_ids,
        max_len=params["max_len"],
        out_dir=folder / "sequences",
        chunk_users=chunk_users,
        progress=progress,
        **duck,
    )
    n_nonempty = int(np.count_nonzero(np.asarray(seqs.mask[:, -1]))) if len(seqs) else 0
    constant = [c for c in feature_names if _is_constant(ranges.get(c, set()))]
    warn_constant_features(constant, len(feature_names), n_rows, stacklevel=3)
    vocab_sizes, category_vocab = dict(seqs.vocab_sizes), list(seqs.category_vocab)
    del seqs
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    checksums = {str(p.relative_to(folder)): sha256_file(p) for p in files}
    return {
        "parameters": params,
        "row_counts": {
            "n_users": n_rows,
            "n_features": len(feature_names),
            "n_events_in_log": plan.event_stats["n_events"],
            "n_events_used": plan.event_stats["n_events_used"],
            "n_events_left_out": plan.event_stats["n_events_left_out"],
            "n_users_with_events": n_nonempty,
        },
        "feature_names": feature_names,
        "constant_features": constant,
        "categories": [_jsonable(c) for c in plan.categories],
        "attribute_levels": plan.attribute_levels,
        "vocab_sizes": vocab_sizes,
        "category_vocab": [_jsonable(c) for c in category_vocab],
        "checksums": checksums,
        "versions": {
            "duckdb": _version("duckdb"),
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "pyarrow": pa.__version__,
        },
        "created": pd.Timestamp.now(tz="UTC").isoformat(),
    }


def _version(mod: str) -> str:
    try:
        return __import__(mod).__version__
    except Exception:  # pragma: no cover
        return "unknown"
