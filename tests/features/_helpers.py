"""Event-table builders the features tests share."""

from __future__ import annotations

import pandas as pd

CUT = pd.Timestamp("2024-06-01", tz="UTC")


DAY = pd.Timedelta(days=1)


def ev(rows):
    """Canonical events from (user, days_before_cutoff, type, item, category, price, qty) tuples."""
    df = pd.DataFrame(
        rows, columns=["user_id", "days", "event_type", "item_id", "category", "price", "quantity"]
    )
    df["ts"] = CUT - pd.to_timedelta(df.pop("days"), unit="D")
    return df.astype(
        {"user_id": "int64", "item_id": "int64", "category": "int64", "price": "float64", "quantity": "int64"}
    )[["user_id", "ts", "event_type", "item_id", "category", "price", "quantity"]]
