"""Point-in-time features and sequences: one row per exposure, from its customer's events before its send.

A log built from exposures (:func:`campaignkit.data.exposures.build_campaign_log`) has one row per exposure:
row key ``user_id``, customer ``unit_id``, send time ``sent_at``. :func:`exposure_features` gives each row key
the kit's tabular features (:func:`~campaignkit.features.tabular.build_features`) and, with ``max_len``, its
event sequence (:func:`~campaignkit.features.sequences.build_sequences`) as of that row's own send time.

Method (one pass of each builder for all rows, streamed through Parquet):

1. DuckDB joins ``events e`` to ``keys k`` on ``e.user_id = k.unit AND e.ts < k.sent_at``: each row key gets
   a copy of its customer's history strictly before its send (an event at the send time is left out).
2. The copies are re-keyed to ``k.key`` and shifted in time by ``T0 - k.sent_at``, whole microseconds, where
   ``T0`` is the latest send; timestamp attributes of ``users`` (``signup_ts``...) are shifted the same way.
3. ``build_features`` / ``build_sequences`` run once on the shifted events with the one cutoff ``T0``.

Every feature is a function of time *differences* (event to cutoff, event to event, signup to cutoff) and of
the event order, none of calendar time (hour, weekday, month), so a row's values equal those of
``build_features(events, users row of its customer, cutoff=sent_at)`` exactly - the tests check it, and a
calendar feature added to the SQL would have to be shifted in whole weeks or handled apart. Customer
attributes are copied to every row of the customer; a row without history gets the "no history" values. The
tracked categories, attribute levels and sequence vocabulary are fixed once for all rows (by default from
the rows' histories, each history counted once per row; pass them to reuse a training vocabulary).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from campaignkit.data.schema import UNIT_COLUMN
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.features import _duck
from campaignkit.features.sequences import SequenceArrays, build_sequences
from campaignkit.features.tabular import DEFAULT_RECENCY_CAP_DAYS, build_features

__all__ = ["PointInTimeFeatures", "exposure_features", "exposure_keys"]

_US = 1000  # nanoseconds per microsecond


@dataclass
class PointInTimeFeatures:
    """Features (and sequences) of each row key as of its send; a model input (``as_user_data`` takes it).

    Attributes:
        features: DataFrame indexed by the row key ``user_id`` (ascending), the columns of ``build_features``.
        sequences: :class:`SequenceArrays` of the same keys in the same order, or None.
        keys: ``user_id`` (row key), ``unit_id``, ``sent_at`` of every row, in key order.
    """

    features: pd.DataFrame
    sequences: SequenceArrays | None
    keys: pd.DataFrame


def exposure_keys(exposures) -> pd.DataFrame:
    """The row keys of a log built from exposures: ``user_id`` (row key), ``unit_id``, ``sent_at`` (UTC).

    Args:
        exposures: An :class:`~campaignkit.data.exposures.ExposureLog` (its ``exposures``), or a DataFrame with
            ``user_id`` (row key), ``sent_at`` and optional ``unit_id`` (default: the row key is the customer).

    Returns:
        DataFrame sorted by ``user_id``.

    Raises:
        SchemaError: a missing column or value, a non-integer id, a row key twice.
    """
    frame = exposures if isinstance(exposures, pd.DataFrame) else getattr(exposures, "exposures", exposures)
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"exposures must be an ExposureLog or a DataFrame, got {type(frame).__name__}")
    for col in ("user_id", "sent_at"):
        if col not in frame:
            raise SchemaError("required_column", "row keys need user_id (row key) and sent_at", column=col)
    unit = frame[UNIT_COLUMN] if UNIT_COLUMN in frame else frame["user_id"]
    for col, values in (("user_id", frame["user_id"]), (UNIT_COLUMN, unit)):
        if values.isna().any() or not pd.api.types.is_integer_dtype(values):
            raise SchemaError("dtype", f"{col} must be an integer id without missing values", column=col)
    try:
        sent = pd.DatetimeIndex(pd.to_datetime(frame["sent_at"], utc=True)).as_unit("ns")
    except (ValueError, TypeError) as exc:
        raise SchemaError("timestamp", f"sent_at is not a timestamp: {exc}", column="sent_at") from None
    if sent.hasnans:
        raise SchemaError(
            "missing_value", "sent_at is empty", column="sent_at", row=int(np.argmax(sent.isna()))
        )
    keys = pd.DataFrame(
        {
            "user_id": frame["user_id"].to_numpy(np.int64),
            UNIT_COLUMN: unit.to_numpy(np.int64),
            "sent_at": sent,
        }
    )
    dup = keys["user_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            "duplicate", f"row key {keys['user_id'].iloc[i]} appears twice", column="user_id", row=i
        )
    return keys.sort_values("user_id", kind="stable").reset_index(drop=True)


def _shift_events(con, out: Path) -> int:
    """Write each key's history before its send, re-keyed and shifted to the common cutoff; return its size."""
    con.execute(f"""
        COPY (
            SELECT k.key AS user_id, make_timestamptz(epoch_us(e.ts) + k.shift_us) AS ts,
                   e.event_type, e.item_id, e.category, e.price, e.quantity
            FROM events_src AS e JOIN keys_src AS k ON e.user_id = k.unit
            WHERE epoch_us(e.ts) < k.sent_us
        ) TO {_duck.sql_literal(str(out))} (FORMAT parquet)""").fetchall()
    return int(
        con.execute(f"SELECT count(*) FROM read_parquet({_duck.sql_literal(str(out))})").fetchall()[0][0]
    )


def _shift_users(con, users, out: Path) -> None:
    """Write one users row per key: its customer's attributes, timestamps shifted like its events."""
    if users is None:
        con.execute(
            f"COPY (SELECT key AS user_id FROM keys_src) TO {_duck.sql_literal(str(out))} (FORMAT parquet)"
        ).fetchall()
        return
    _duck.register_source(con, "users_src", users)
    cols = _duck.check_users(con, label=_duck.source_label(users))
    items = []
    for col, typ in cols.items():
        if col == "user_id":
            continue
        q = 'u."' + col.replace('"', '""') + '"'
        if typ.startswith("TIMESTAMP") or typ == "DATE":
            items.append(f'CAST({q} AS TIMESTAMPTZ) + to_microseconds(k.shift_us) AS "{col}"')
        else:
            items.append(q)
    select = "".join(f", {it}" for it in items)
    con.execute(f"""
        COPY (SELECT k.key AS user_id{select} FROM keys_src AS k LEFT JOIN users_src AS u ON u.user_id = k.unit)
        TO {_duck.sql_literal(str(out))} (FORMAT parquet)""").fetchall()
    n_units, n_missing = con.execute(
        "SELECT count(DISTINCT unit), count(DISTINCT unit) FILTER (WHERE unit NOT IN (SELECT user_id FROM users_src))"
        " FROM keys_src"
    ).fetchall()[0]
    if n_missing:
        warnings.warn(
            f"exposure_features: {n_missing} of {n_units} customers have no row in users; their rows get "
            "missing attributes (0, every level off)",
            UserWarning,
            stacklevel=3,
        )


def _prepare(keys: pd.DataFrame, events, users, folder: Path, threads, memory_limit) -> tuple[int, int]:
    """Shifted events and users as Parquet in ``folder``; returns the common cutoff (us) and the event count."""
    sent_us = keys["sent_at"].array.asi8 // _US
    t0_us = int(sent_us.max())
    con = _duck.connect(threads=threads, memory_limit=memory_limit)
    try:
        con.execute("SET TimeZone = 'UTC'")
        _duck.register_source(con, "events_src", events)
        _duck.check_events(con, t0_us, label=_duck.source_label(events))
        con.register(
            "keys_src",
            pd.DataFrame(
                {
                    "key": keys["user_id"],
                    "unit": keys[UNIT_COLUMN],
                    "sent_us": sent_us,
                    "shift_us": t0_us - sent_us,
                }
            ),
        )
        n_events = _shift_events(con, folder / "events.parquet")
        _shift_users(con, users, folder / "users.parquet")
    finally:
        con.close()
    if n_events == 0:
        raise ParameterError(
            "no exposure has an event of its customer before its send: no history to build from"
        )
    return t0_us, n_events


def exposure_features(
    exposures,
    events,
    users=None,
    *,
    max_len: int | None = None,
    categories=None,
    max_categories: int = 20,
    attribute_levels: dict | None = None,
    category_vocab=None,
    recency_cap_days: float = DEFAULT_RECENCY_CAP_DAYS,
    chunk_users: int | None = None,
    out_dir=None,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> PointInTimeFeatures:
    """Features (and sequences) of every exposure row from its customer's events strictly before its send.

    The method and why it is exact are in the module docstring.

    Args:
        exposures: An :class:`~campaignkit.data.exposures.ExposureLog`, its log, or any DataFrame with
            ``user_id`` (row key), ``unit_id`` (customer; default the row key) and ``sent_at``.
        events: Canonical events keyed by customer (DataFrame or Parquet file / folder / glob).
        users: Customer attributes with ``user_id`` = the customer (DataFrame or Parquet), or None.
        max_len: Sequence length ``L``; None builds no sequences.
        categories: Raw categories that get a ``cat_share_*`` column (see ``build_features``).
        max_categories: How many categories get one when ``categories`` is None.
        attribute_levels: ``{column: [levels]}`` of the one-hot attributes (see ``build_features``).
        category_vocab: Sequence category vocabulary (see ``build_sequences``).
        recency_cap_days: Cap and "never" value of recencies.
        chunk_users: Row keys per DuckDB query (bounded memory); results do not depend on it.
        out_dir: Folder for the sequence memmaps (see ``build_sequences``); None keeps them in memory.
        threads: DuckDB threads.
        memory_limit: DuckDB memory limit, e.g. ``"4GB"``.

    Returns:
        A :class:`PointInTimeFeatures` (a model input: ``as_user_data`` turns it into a ``UserData``).

    Raises:
        SchemaError: bad row keys, events or users.
        ParameterError: no row has any history, or a bad argument.
    """
    keys = exposure_keys(exposures)
    with tempfile.TemporaryDirectory(prefix="campaignkit_pit_") as tmp:
        folder = Path(tmp)
        t0_us, n_events = _prepare(keys, events, users, folder, threads, memory_limit)
        cutoff = pd.Timestamp(t0_us * _US, tz="UTC")
        features = build_features(
            folder / "events.parquet",
            folder / "users.parquet",
            cutoff,
            chunk_users=chunk_users,
            categories=categories,
            max_categories=max_categories,
            attribute_levels=attribute_levels,
            recency_cap_days=recency_cap_days,
            threads=threads,
            memory_limit=memory_limit,
        )
        sequences = None
        if max_len is not None:
            sequences = build_sequences(
                folder / "events.parquet",
                cutoff,
                user_ids=keys["user_id"].to_numpy(),
                max_len=max_len,
                out_dir=out_dir,
                chunk_users=chunk_users or 200_000,
                category_vocab=category_vocab,
                threads=threads,
                memory_limit=memory_limit,
                progress=False,
            )
            sequences.meta.update(cutoff="per row: its sent_at", point_in_time=True)
    features.attrs.update(cutoff="per row: its sent_at", n_events_used=n_events, point_in_time=True)
    return PointInTimeFeatures(features, sequences, keys)
