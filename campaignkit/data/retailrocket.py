"""Adapter for RetailRocket-style event logs.

The RetailRocket e-commerce dataset ships ``events.csv`` with ``timestamp`` (Unix milliseconds),
``visitorid``, ``event`` in ``{view, addtocart, transaction}``, ``itemid`` and ``transactionid`` (set on
transactions only), and ``item_properties*.csv`` with ``timestamp, itemid, property, value`` rows, among
which ``categoryid``. The log carries no prices, so ``price`` is allowed to be missing unless a price table is
given. Each row is one item, so ``quantity`` is 1.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from campaignkit.data.loaders import read_table
from campaignkit.data.validate import ValidationResult, validate
from campaignkit.errors import SchemaError

__all__ = [
    "RETAILROCKET_EVENT_MAP",
    "RETAILROCKET_COLUMNS",
    "load_retailrocket",
    "retailrocket_categories",
    "retailrocket_prices",
]

RETAILROCKET_EVENT_MAP: dict[str, str] = {"view": "view", "addtocart": "cart", "transaction": "purchase"}
"""RetailRocket event names and their canonical event types."""
RETAILROCKET_COLUMNS: dict[str, str] = {
    "visitorid": "user_id",
    "itemid": "item_id",
    "event": "event_type",
    "timestamp": "ts",
    "transactionid": "transaction_id",
}
"""RetailRocket columns and their canonical names."""


def retailrocket_categories(item_properties) -> pd.DataFrame:
    """Latest ``categoryid`` of each item from RetailRocket item-property files.

    Args:
        item_properties: Path(s)/glob of ``timestamp, itemid, property, value`` files, or such a DataFrame.

    Returns:
        DataFrame ``item_id`` (int64), ``category`` (string), one row per item.

    Raises:
        SchemaError: A required column is missing.
    """
    props = (
        item_properties if isinstance(item_properties, pd.DataFrame) else read_table(item_properties).frame
    )
    need = ["timestamp", "itemid", "property", "value"]
    missing = [c for c in need if c not in props.columns]
    if missing:
        raise SchemaError("required_column", f"item properties need {need}", column=missing[0])
    cat = props[props["property"].astype("string").str.strip() == "categoryid"].copy()
    cat["ts_ms"] = pd.to_numeric(cat["timestamp"], errors="coerce")
    cat["item_id"] = pd.to_numeric(cat["itemid"], errors="coerce")
    cat = cat.dropna(subset=["ts_ms", "item_id"]).sort_values("ts_ms", kind="stable")
    last = cat.groupby("item_id", sort=True).tail(1)
    return pd.DataFrame(
        {
            "item_id": last["item_id"].astype("int64").to_numpy(),
            "category": last["value"].astype("string").str.strip().to_numpy(),
        }
    )


def retailrocket_prices(prices) -> pd.DataFrame:
    """One price per item from repeated price rows: the latest (by ``timestamp``, else the last row) wins.

    Args:
        prices: DataFrame ``item_id, price`` (optional ``timestamp``), or RetailRocket item-property rows
            ``timestamp, itemid, property, value`` whose ``property`` is ``price`` (values such as
            ``"n1500.000"`` read as 1500.0).

    Returns:
        DataFrame ``item_id`` (int64), ``price`` (float64), one row per item.

    Raises:
        SchemaError: Neither shape's columns are there.

    Warns:
        UserWarning: Items whose latest rows give different prices (the last row in order is used).
    """
    if {"itemid", "property", "value"} <= set(prices.columns):
        rows = prices[prices["property"].astype("string").str.strip() == "price"]
        text = rows["value"].astype("string").str.strip().str.lstrip("n")
        frame = pd.DataFrame({"item_id": rows["itemid"], "price": text, "timestamp": rows.get("timestamp")})
    elif {"item_id", "price"} <= set(prices.columns):
        frame = pd.DataFrame({"item_id": prices["item_id"], "price": prices["price"]})
        frame["timestamp"] = prices["timestamp"] if "timestamp" in prices else 0
    else:
        raise SchemaError(
            "required_column",
            "prices need columns item_id, price (optional timestamp) or RetailRocket item properties "
            f"timestamp, itemid, property, value; found {list(prices.columns)}",
            column="price",
        )
    frame["item_id"] = pd.to_numeric(frame["item_id"], errors="coerce")
    frame["price"] = pd.to_numeric(frame["price"], errors="coerce").astype("float64")
    frame["ts"] = pd.to_numeric(frame["timestamp"], errors="coerce").fillna(0)
    frame = frame.dropna(subset=["item_id"]).sort_values("ts", kind="stable")
    latest = frame[frame["ts"] == frame.groupby("item_id")["ts"].transform("max")]
    n_prices = latest.groupby("item_id")["price"].nunique(dropna=False)
    if (n_prices > 1).any():
        items = n_prices.index[n_prices > 1]
        warnings.warn(
            f"{len(items)} item(s) have several different prices at their latest time (e.g. item "
            f"{int(items[0])}): the last row in order is used",
            UserWarning,
            stacklevel=3,
        )
    last = latest.groupby("item_id", sort=True).tail(1)
    return pd.DataFrame(
        {"item_id": last["item_id"].astype("int64").to_numpy(), "price": last["price"].to_numpy()}
    )


def load_retailrocket(
    events,
    *,
    item_properties=None,
    prices: pd.DataFrame | None = None,
    users=None,
    check_duplicates: bool = True,
) -> ValidationResult:
    """Load a RetailRocket-style event log as canonical, validated events.

    Args:
        events: Path(s)/glob of ``events.csv``-style files.
        item_properties: Optional item-property files (or DataFrame) giving each item's ``categoryid``.
        prices: Optional DataFrame ``item_id, price`` (optional ``timestamp``) or RetailRocket item-property
            rows with ``property == "price"``; repeated rows of an item are reduced by
            :func:`retailrocket_prices` (latest wins). Without it ``price`` stays missing (allowed).
        users: Known users for the ``unknown_user`` rule (``None`` skips it).
        check_duplicates: Quarantine exact repeated events.

    Returns:
        A :class:`~campaignkit.data.validate.ValidationResult` whose ``kept`` has the canonical event
        columns plus ``transaction_id`` (Int64, missing except on purchases).

    Raises:
        SchemaError: A file-level fault or a missing RetailRocket column.
    """
    raw = read_table(events)
    frame = raw.frame
    label = raw.files[0] if len(raw.files) == 1 else str(events)
    missing = [c for c in ("timestamp", "visitorid", "event", "itemid") if c not in frame.columns]
    if missing:
        raise SchemaError(
            "required_column",
            f"a RetailRocket event log needs timestamp, visitorid, event, itemid; "
            f"found {[c for c in frame.columns if not c.startswith('_')]}",
            file=label,
            column=missing[0],
        )
    clash = [t for s_, t in RETAILROCKET_COLUMNS.items() if t in frame.columns and s_ in frame.columns]
    frame = frame.drop(columns=clash).rename(columns=RETAILROCKET_COLUMNS)  # the RetailRocket names win
    ev = frame["event_type"].astype("string").str.strip().str.lower()
    mapped = ev.map(RETAILROCKET_EVENT_MAP)
    frame["event_type"] = mapped.where(mapped.notna(), frame["event_type"])  # unknown names: vocabulary rule
    # Unix milliseconds arrive as text from CSV: numbers that do not parse stay text and fail `timestamp`.
    ms = pd.to_numeric(frame["ts"], errors="coerce")
    parsed = pd.to_datetime(ms.where(np.isfinite(ms)), unit="ms", utc=True, errors="coerce")
    frame["ts"] = frame["ts"].where(parsed.isna(), parsed.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    frame["quantity"] = 1
    item = pd.to_numeric(frame["item_id"], errors="coerce")
    if item_properties is not None:
        cats = retailrocket_categories(item_properties)
        frame["category"] = item.map(cats.set_index("item_id")["category"]).astype("string")
    else:
        frame["category"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    nullable = []
    if prices is not None:
        frame["price"] = item.map(retailrocket_prices(prices).set_index("item_id")["price"]).astype("float64")
        nullable = ["price"] if frame["price"].isna().all() else []
    else:
        frame["price"] = np.nan
        nullable = ["price"]
    if "transaction_id" in frame:
        raw_tid = frame["transaction_id"]
        text = raw_tid.astype("string").str.strip()
        given = text.notna() & (text != "")
        whole = text.str.fullmatch(r"-?[0-9]{1,18}").fillna(False)
        if not (
            given & ~whole
        ).any():  # every id a whole number that fits int64: Int64; otherwise keep the text
            frame["transaction_id"] = pd.to_numeric(text.where(given)).astype("Int64")
    res = validate(
        frame,
        "events",
        source_file=label,
        users=users,
        nullable=nullable,
        check_duplicates=check_duplicates,
        prior_quarantine=raw.rejected,
    )
    res.sources = raw.files
    res.blank_lines = raw.blank_lines
    return res
