"""Per-user tabular features as of a cutoff, computed by DuckDB from readable SQL.

The SQL lives in ``sql/user_features.sql``; this module fills in the parts that depend on the data
(which categories get a share column, how user attributes are encoded), runs it over pandas frames or
Parquet, optionally in user chunks, and returns one row per user. Meanings: :mod:`.descriptions`.

Leak guard: the only place events enter is the ``ev`` CTE, filtered by ``ts < cutoff``.
Independence: every value of a user is computed from that user's own events and attributes; only the
*set of columns* (tracked categories, attribute levels) is read from the whole input, and both can be
fixed by the caller (``categories=``, ``attribute_levels=``). Values agree across chunkings and runs up to
floating-point rounding (DuckDB adds partial sums in parallel, so a last bit may differ).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from string import Template

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError
from campaignkit.features import _duck

__all__ = [
    "build_features",
    "plan_features",
    "FeaturePlan",
    "DEFAULT_RECENCY_CAP_DAYS",
    "warn_constant_features",
]

DEFAULT_RECENCY_CAP_DAYS = 365.0
"""Value of a recency / inter-purchase time when the event never happened (and its upper cap)."""

_MAX_ATTRIBUTE_LEVELS = 30
_ORDINAL_ATTRIBUTES = ("age_band", "member_tier")
_KNOWN_ORDERS = {"member_tier": ("none", "basic", "bronze", "silver", "gold", "platinum", "diamond")}
"""Level orders for ordinal attributes; other ordinal columns use sorted levels (right for "18-24"...)."""


def _sql_template() -> Template:
    text = resources.files("campaignkit.features").joinpath("sql/user_features.sql").read_text("utf-8")
    return Template(text)


def _slug(value) -> str:
    """Column-name-safe form of a category or attribute level."""
    s = re.sub(r"[^0-9a-zA-Z]+", "_", str(value)).strip("_").lower()
    return s or "blank"


def _unique_names(base: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for b in base:
        k = seen.get(b, 0)
        out.append(b if k == 0 else f"{b}_{k}")
        seen[b] = k + 1
    return out


def _is_numeric(t: str) -> bool:
    return any(k in t for k in ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "BOOLEAN"))


@dataclass
class FeaturePlan:
    """Everything needed to run the feature SQL for any subset of users.

    Attributes:
        con: The DuckDB connection holding ``events_src`` / ``users_src``.
        cutoff_us: Cutoff in microseconds since the epoch (UTC).
        categories: Raw category values that get a ``cat_share_*`` column.
        attribute_levels: ``{column: [levels]}`` of one-hot encoded string attributes.
        user_ids: Sorted user ids of the users table, array of shape (n_users,).
        event_stats: Row counts and time range of the event log (see ``_duck.check_events``), plus
            ``n_events_used`` (events before the cutoff of the users table's users), ``n_events_left_out``
            and ``n_users_left_out`` (events before the cutoff of users the users table does not list).
        recency_cap_days: Cap and fill value of recencies.
    """

    con: object
    cutoff_us: int
    categories: list
    attribute_levels: dict
    user_ids: np.ndarray
    event_stats: dict
    recency_cap_days: float
    _fragments: dict = field(default_factory=dict, repr=False)

    def sql(self, lo: int | None = None, hi: int | None = None) -> str:
        """The feature query, restricted to ``lo <= user_id <= hi`` when both are given."""
        if lo is None or hi is None:
            rng_e = rng_u = ""
        else:
            rng_e = f"AND user_id BETWEEN {int(lo)} AND {int(hi)}"
            rng_u = f"AND u.user_id BETWEEN {int(lo)} AND {int(hi)}"
        return _sql_template().substitute(
            cutoff_us=str(self.cutoff_us),
            user_range=rng_e,
            user_range_users=rng_u,
            recency_cap=repr(float(self.recency_cap_days)),
            **self._fragments,
        )

    def chunks(self, chunk_users: int | None) -> Iterator[tuple[int, int]]:
        """Yield ``(lo, hi)`` user-id ranges of at most ``chunk_users`` users (one range if None)."""
        ids = self.user_ids
        if len(ids) == 0:
            return
        step = len(ids) if not chunk_users else int(chunk_users)
        for start in range(0, len(ids), step):
            block = ids[start : start + step]
            yield int(block[0]), int(block[-1])

    def run(self, lo: int | None = None, hi: int | None = None) -> pd.DataFrame:
        """Run the query for one user range and return it indexed by ``user_id``."""
        df = self.con.execute(self.sql(lo, hi)).df()
        df["user_id"] = df["user_id"].astype("int64")
        return df.set_index("user_id")


def _category_literal(c, numeric: bool) -> str:
    return _duck.sql_literal(int(c) if numeric else str(c))


def _category_condition(c, numeric: bool) -> str:
    lit = _category_literal(c, numeric)
    return f"category = {lit}" if numeric else f"CAST(category AS VARCHAR) = {lit}"


def _category_fragments(tracked: list, all_categories: list | None, category_type: str) -> dict[str, str]:
    """SQL pieces for the category features.

    With ``all_categories`` (few categories: the "wide" variant) the first aggregation stage counts each
    category with a ``count_if``, and shares, entropy (``ln N - sum(c ln c) / N``) and concentration are computed
    from those counts. Without it (many categories) the (user, category) CTEs of
    ``sql/categories_long.sql`` do the work. Both give the same numbers.
    """
    numeric = _is_numeric(category_type)
    names = _unique_names([f"cat_share_{_slug(c)}" for c in tracked])
    if all_categories is None:
        inner = "".join(
            f",\n        coalesce(sum(share) FILTER (WHERE {_category_condition(c, numeric)}), 0.0) AS {name}"
            for c, name in zip(tracked, names, strict=True)
        )
        text = resources.files("campaignkit.features").joinpath("sql/categories_long.sql").read_text("utf-8")
        select = [
            "coalesce(c.n_categories, 0) AS n_categories",
            "coalesce(c.category_entropy, 0.0) AS category_entropy",
            "coalesce(c.top_category_share, 0.0) AS top_category_share",
        ]
        select += [f"coalesce(c.{name}, 0.0) AS {name}" for name in names]
        return {
            "category_counts": "",
            "category_sums": "",
            "category_cte": Template(text).substitute(cat_shares=inner),
            "category_join": "LEFT JOIN categories  AS c  USING (user_id)",
            "category_select": "".join(f"{x},\n    " for x in select),
        }
    index = {c: i for i, c in enumerate(all_categories)}
    missing = [c for c in tracked if c not in index]
    all_categories = list(all_categories) + missing  # tracked but absent: a column of zeros
    index.update({c: len(index) + k for k, c in enumerate(missing)})
    counts = ",\n        CAST(count_if(category IS NOT NULL) AS DOUBLE) AS cc_total" + "".join(
        f",\n        CAST(count_if({_category_condition(c, numeric)}) AS DOUBLE) AS cc_{i}"
        for i, c in enumerate(all_categories)
    )
    sums = ",\n        sum(cc_total) AS cc_total" + "".join(
        f",\n        sum(cc_{i}) AS cc_{i}" for i in range(len(all_categories))
    )
    cc = [f"coalesce(a.cc_{i}, 0)" for i in range(len(all_categories))]
    n = "nullif(coalesce(a.cc_total, 0), 0)"
    select = [
        "CAST(" + " + ".join(f"CAST({x} > 0 AS BIGINT)" for x in cc) + " AS BIGINT) AS n_categories"
        if cc
        else "CAST(0 AS BIGINT) AS n_categories",
        f"coalesce(ln({n}) - ("
        + " + ".join(f"{x} * ln(greatest({x}, 1))" for x in cc)
        + f") / {n}, 0.0) AS category_entropy"
        if cc
        else "0.0 AS category_entropy",
        f"coalesce(greatest({', '.join(cc)}) / {n}, 0.0) AS top_category_share"
        if cc
        else "0.0 AS top_category_share",
    ]
    select += [
        f"coalesce({cc[index[c]]} / {n}, 0.0) AS {name}" for c, name in zip(tracked, names, strict=True)
    ]
    return {
        "category_counts": counts,
        "category_sums": sums,
        "category_cte": "",
        "category_join": "",
        "category_select": "".join(f"{x},\n    " for x in select),
    }


def _attribute_fragment(con, users_cols: dict, levels_given: dict | None, cutoff_us: int) -> tuple[str, dict]:
    """SQL select items that encode user attributes, and the one-hot levels used."""
    items: list[str] = []
    levels_used: dict = {}
    for col, typ in users_cols.items():
        if col == "user_id":
            continue
        q = 'u."' + col.replace('"', '""') + '"'
        if typ.startswith("TIMESTAMP") or typ == "DATE":
            name = "tenure_days" if col == "signup_ts" else f"attr_{_slug(col)}_days_before_cutoff"
            items.append(
                f"greatest(coalesce(({cutoff_us} - epoch_us(CAST({q} AS TIMESTAMPTZ))) "
                f"/ 86400000000.0, 0.0), 0.0) AS {name}"
            )
        elif _is_numeric(typ):
            name = (
                "tenure_days"
                if col == "tenure_days" and "signup_ts" not in users_cols
                else f"attr_{_slug(col)}"
            )
            items.append(f"CAST(coalesce(CAST({q} AS DOUBLE), 0.0) AS DOUBLE) AS {name}")
        else:
            if levels_given is not None and col in levels_given:
                levels = list(levels_given[col])
            else:
                qc = '"' + col.replace('"', '""') + '"'
                rows = con.execute(
                    f"SELECT CAST({qc} AS VARCHAR) AS v, count(*) AS n FROM users_src "
                    f"WHERE {qc} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v "
                    f"LIMIT {_MAX_ATTRIBUTE_LEVELS}"
                ).fetchall()
                levels = sorted(r[0] for r in rows)
            levels_used[col] = levels
            names = _unique_names([f"attr_{_slug(col)}_{_slug(v)}" for v in levels])
            for v, name in zip(levels, names, strict=True):
                items.append(
                    f"CAST(coalesce(CAST({q} AS VARCHAR) = {_duck.sql_literal(v)}, FALSE) AS BIGINT)"
                    f" AS {name}"
                )
            known = _KNOWN_ORDERS.get(col)
            if col in _ORDINAL_ATTRIBUTES and levels and (known is None or set(levels) <= set(known)):
                ordered = sorted(levels, key=known.index) if known else levels
                cases = " ".join(f"WHEN {_duck.sql_literal(v)} THEN {i + 1}" for i, v in enumerate(ordered))
                items.append(
                    f"CAST(CASE CAST({q} AS VARCHAR) {cases} ELSE 0 END AS BIGINT) AS attr_{_slug(col)}_ord"
                )
    text = "".join(f",\n    {it}" for it in items)
    return text, levels_used


def _left_out(con, stats: dict, cutoff_us: int, users_label: str) -> dict:
    """Events before the cutoff of users the users table does not list: counted, warned about, not used."""
    n_users, n_events = _duck.unlisted_event_users(con, cutoff_us)
    if n_users:
        warnings.warn(
            f"{n_users} user(s) with {n_events} event(s) before the cutoff are not in the users table "
            f"({users_label}): features are built only for the users table's users, so these events are left "
            "out (n_events_used counts the rest); add the users to the users table (attributes may be missing) "
            "to keep them",
            UserWarning,
            stacklevel=3,
        )
    return {
        "n_events_used": stats["n_before_cutoff"] - n_events,
        "n_events_left_out": n_events,
        "n_users_left_out": n_users,
    }


def warn_constant_features(constant: list[str], n_columns: int, n_users: int, *, stacklevel: int = 2) -> None:
    """Warn that feature columns hold one value for every user (no information for a model), naming a few.

    Args:
        constant: Names of the constant columns.
        n_columns: Number of feature columns.
        n_users: Number of users (with fewer than two, every column is constant: no warning).
        stacklevel: As in :func:`warnings.warn`.
    """
    if not constant or n_users < 2:
        return
    shown = ", ".join(constant[:8]) + (", ..." if len(constant) > 8 else "")
    warnings.warn(
        f"{len(constant)} of {n_columns} feature column(s) are constant (one value for all {n_users} users, e.g. "
        f"no views or carts in purchase-only data): {shown}; they carry no information (listed in "
        "attrs['constant_features'] / the store manifest's 'constant_features')",
        UserWarning,
        stacklevel=stacklevel + 1,
    )


def plan_features(
    events,
    users,
    cutoff,
    *,
    categories=None,
    max_categories: int = 20,
    attribute_levels: dict | None = None,
    recency_cap_days: float = DEFAULT_RECENCY_CAP_DAYS,
    wide_category_limit: int = 64,
    con=None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> FeaturePlan:
    """Validate inputs and prepare the feature query (see :func:`build_features` for the arguments).

    Returns:
        A :class:`FeaturePlan` whose ``run(lo, hi)`` computes the features of a user-id range.
    """
    if max_categories < 0:
        raise ParameterError(f"max_categories must be >= 0, got {max_categories}")
    if not recency_cap_days > 0:
        raise ParameterError(f"recency_cap_days must be > 0, got {recency_cap_days}")
    cutoff_us = _duck.to_cutoff_us(cutoff)
    con = con or _duck.connect(threads=threads, memory_limit=memory_limit)
    _duck.register_source(con, "events_src", events)
    _duck.register_source(con, "users_src", users)
    stats = _duck.check_events(con, cutoff_us, label=_duck.source_label(events))
    users_cols = _duck.check_users(con, label=_duck.source_label(users))
    ev_cols = _duck.source_columns(con, "events_src")
    rows = con.execute(
        f"SELECT category, count(*) AS n FROM events_src WHERE epoch_us(ts) < {cutoff_us} "
        f"AND category IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1"
    ).fetchall()
    if categories is None:
        categories = sorted(r[0] for r in rows[: int(max_categories)])
    else:
        categories = list(categories)
    wide = sorted(r[0] for r in rows) if len(rows) <= wide_category_limit else None
    fragments = _category_fragments(categories, wide, ev_cols["category"])
    attrs, levels = _attribute_fragment(con, users_cols, attribute_levels, cutoff_us)
    user_ids = con.execute("SELECT user_id FROM users_src ORDER BY user_id").fetchnumpy()["user_id"]
    stats = {**stats, **_left_out(con, stats, cutoff_us, _duck.source_label(users))}
    return FeaturePlan(
        con=con,
        cutoff_us=cutoff_us,
        categories=categories,
        attribute_levels=levels,
        user_ids=np.asarray(user_ids, dtype=np.int64),
        event_stats=stats,
        recency_cap_days=float(recency_cap_days),
        _fragments={**fragments, "attributes": attrs},
    )


def build_features(
    events,
    users,
    cutoff,
    *,
    chunk_users: int | None = None,
    categories=None,
    max_categories: int = 20,
    attribute_levels: dict | None = None,
    recency_cap_days: float = DEFAULT_RECENCY_CAP_DAYS,
    wide_category_limit: int = 64,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> pd.DataFrame:
    """Compute per-user features from events strictly before ``cutoff``.

    Args:
        events: Canonical events (pandas DataFrame, or a Parquet file / folder / glob / list of files).
        users: Users table with ``user_id`` and optional attributes (DataFrame or Parquet).
        cutoff: Timestamp; only events with ``ts < cutoff`` are used (naive means UTC).
        chunk_users: Compute in ranges of this many users (bounded memory); results do not depend on it.
        categories: Raw category values that get a ``cat_share_<c>`` column; default the
            ``max_categories`` most frequent before the cutoff.
        max_categories: How many categories get a share column when ``categories`` is None.
        attribute_levels: ``{column: [levels]}`` to fix the one-hot levels of string attributes
            (default: the up to 30 most frequent levels of each column, sorted). Numeric attributes
            pass through (missing -> 0), timestamps become days before the cutoff (``signup_ts`` ->
            ``tenure_days``), ``age_band`` / ``member_tier`` also get an ordinal ``attr_<col>_ord``.
        recency_cap_days: Cap of recencies and inter-purchase times, also their value when the event
            never happened.
        wide_category_limit: Up to this many distinct categories, category counts ride along the main
            aggregation pass (fast); above it a (user, category) table is built. Same results.
        threads: DuckDB threads (default: available CPUs).
        memory_limit: DuckDB memory limit, e.g. ``"4GB"`` (default: half the RAM, at most 16 GB).

    Returns:
        DataFrame indexed by ``user_id`` (int64, ascending), one row per user of ``users`` (users
        without events included), int64 / float64 columns without missing values; every column is
        described in :data:`campaignkit.features.FEATURE_DESCRIPTIONS`. ``df.attrs`` holds
        ``categories``, ``attribute_levels``, ``cutoff``, ``n_events_used`` (events before the cutoff of the
        users table's users), ``n_events_left_out`` (of users the users table does not list) and
        ``constant_features`` (columns with one value for every user).

    Warns:
        UserWarning: Events of users the users table does not list (left out, counted), and constant
            feature columns (named).

    Raises:
        SchemaError: missing columns, wrong types, an empty log, unknown event types, bad user ids.
        ParameterError: a cutoff before every event, or a bad argument.
    """
    if chunk_users is not None and int(chunk_users) < 1:
        raise ParameterError(f"chunk_users must be >= 1, got {chunk_users}")
    plan = plan_features(
        events,
        users,
        cutoff,
        categories=categories,
        max_categories=max_categories,
        attribute_levels=attribute_levels,
        recency_cap_days=recency_cap_days,
        wide_category_limit=wide_category_limit,
        threads=threads,
        memory_limit=memory_limit,
    )
    try:
        parts = [plan.run(lo, hi) for lo, hi in plan.chunks(chunk_users)]
        if not parts:  # no users: an empty frame with the right columns
            parts = [plan.run(0, -1)]
        df = pd.concat(parts) if len(parts) > 1 else parts[0]
    finally:
        plan.con.close()
    df.attrs.update(
        {
            "categories": list(plan.categories),
            "attribute_levels": plan.attribute_levels,
            "cutoff": pd.Timestamp(plan.cutoff_us * 1000, tz="UTC").isoformat(),
            "n_events_used": plan.event_stats["n_events_used"],
            "n_events_left_out": plan.event_stats["n_events_left_out"],
            "constant_features": [str(c) for c in df.columns if df[c].nunique(dropna=False) <= 1],
        }
    )
    warn_constant_features(df.attrs["constant_features"], df.shape[1], len(df))
    return df
