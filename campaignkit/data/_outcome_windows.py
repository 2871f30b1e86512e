"""Outcomes of log rows in their windows, joined in DuckDB: purchases, redemptions, the costs paid.

The private half of :mod:`campaignkit.data.exposures` (its module docstring states the rules). Rows come as
a frame ``key, unit, campaign_id, type, start_us, end_us`` (window ``[start, end)`` in microseconds since the
epoch, UTC); events as a DataFrame or Parquet file(s), scanned by DuckDB so only per-row sums come back.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from campaignkit.data._checks import require_columns
from campaignkit.data.costs import realised_discount, realised_profit
from campaignkit.data.offers import get_offer_type
from campaignkit.errors import ParameterError, SchemaError

US = 1000
"""Nanoseconds per microsecond."""

_PURCHASES_SQL = """
WITH buys AS (
    SELECT user_id, epoch_us(CAST(ts AS TIMESTAMPTZ)) AS ts_us, CAST(price AS DOUBLE) * quantity AS spend
    FROM events_src WHERE CAST(event_type AS VARCHAR) = 'purchase'
)
SELECT r.key, count(*) AS n_purchases, sum(b.spend) AS revenue
FROM buys AS b JOIN rows_src AS r ON b.user_id = r.unit AND b.ts_us >= r.start_us AND b.ts_us < r.end_us
GROUP BY r.key
"""

# each redemption counts for the customer's latest row of that campaign sent at or before it
_REDEMPTIONS_SQL = """
SELECT d.rid, r.key FROM red_src AS d
ASOF JOIN rows_src AS r ON d.unit = r.unit AND d.campaign_id = r.campaign_id AND d.ts_us >= r.start_us
"""


def utc(values, column: str) -> pd.DatetimeIndex:
    """Timestamps as a UTC DatetimeIndex in nanoseconds (naive values read as UTC)."""
    try:
        return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns")
    except (ValueError, TypeError) as exc:
        raise SchemaError(
            "timestamp", f"{column} does not parse as a timestamp: {exc}", column=column
        ) from None


def redeemable(types) -> np.ndarray:
    """Whether each offer type can be redeemed (its :class:`~campaignkit.data.offers.OfferType`'s ``redeemable``)."""
    return np.array([get_offer_type(t).redeemable for t in types], dtype=bool)


def _register_events(con, events) -> None:
    """``events_src``: a DataFrame or Parquet file(s), with the columns the outcomes need."""
    if isinstance(events, pd.DataFrame):
        con.register("events_df", events)
        con.execute("CREATE TEMP VIEW events_src AS SELECT * FROM events_df")
    elif isinstance(events, (str, Path, list, tuple)):
        files = ", ".join(
            "'" + str(f).replace("'", "''") + "'" for f in np.atleast_1d(np.asarray(events, object))
        )
        con.execute(
            f"CREATE TEMP VIEW events_src AS SELECT * FROM read_parquet([{files}], union_by_name = true)"
        )
    else:
        raise ParameterError(f"events must be a DataFrame or Parquet path(s), got {type(events).__name__}")
    cols = {r[0]: str(r[1]).upper() for r in con.execute("DESCRIBE events_src").fetchall()}
    for col in ("user_id", "ts", "event_type", "price", "quantity"):
        if col not in cols:
            raise SchemaError("required_column", f"events have no column {col!r}", column=col)
    if not cols["ts"].startswith("TIMESTAMP"):
        raise SchemaError("timestamp", f"events: ts must be a timestamp, found {cols['ts']}", column="ts")


def check_redemptions(redemptions, cat: pd.DataFrame) -> pd.DataFrame:
    """Redemptions as ``unit, campaign_id, ts_us, rid, reward``; raises naming the rule, column and row."""
    require_columns(redemptions, ("user_id", "campaign_id", "ts"), "redemptions")
    red = pd.DataFrame({"unit": redemptions["user_id"].to_numpy(np.int64)})
    red["campaign_id"] = redemptions["campaign_id"].astype(str).to_numpy()
    red["ts_us"] = utc(redemptions["ts"], "ts").asi8 // US
    red["rid"] = np.arange(len(red))
    red["reward"] = redemptions["reward"].to_numpy(float) if "reward" in redemptions else 0.0
    unknown = ~red["campaign_id"].isin(cat["campaign_id"]).to_numpy()
    negative = ~(red["reward"].to_numpy() >= 0)
    for bad, rule, column, what in (
        (unknown, "unknown_campaign", "campaign_id", "a campaign not in the catalogue"),
        (negative, "range", "reward", "a reward that is not a number >= 0"),
    ):
        if bad.any():
            raise SchemaError(rule, f"redemption of {what}", column=column, row=int(np.flatnonzero(bad)[0]))
    return red


def _redeemed(con, rows: pd.DataFrame, red: pd.DataFrame, counts: dict) -> pd.DataFrame:
    """Per row key: ``n_redeemed`` and ``reward`` of the redemptions that count for it; fates in ``counts``."""
    con.register("red_src", red)
    hit = con.execute(_REDEMPTIONS_SQL).df()
    hit = hit.merge(red, on="rid").merge(rows[["key", "end_us", "redeemable"]], on="key")
    inside = hit["ts_us"].to_numpy() < hit["end_us"].to_numpy()
    ok = inside & hit["redeemable"].to_numpy(bool)
    counts.update(
        redemptions_matched=int(ok.sum()),
        redemptions_outside_window=int((~inside).sum()),
        redemptions_not_redeemable=int((inside & ~ok).sum()),
        redemptions_no_exposure=len(red) - len(hit),
    )
    return hit[ok].groupby("key").agg(n_redeemed=("rid", "size"), reward=("reward", "sum"))


def window_outcomes(rows: pd.DataFrame, events, red: pd.DataFrame | None, reward_given: bool, cat) -> tuple:
    """Outcomes and costs of each row in its window.

    Args:
        rows: ``key, unit, campaign_id, start_us, end_us, redeemable``.
        events: Canonical events (DataFrame or Parquet file(s)).
        red: Checked redemptions (:func:`check_redemptions`), or None (participation not observed).
        reward_given: The redemptions carry the reward paid (else the catalogue's cost model prices them).
        cat: The validated catalogue.

    Returns:
        ``(outcomes, counts)``: a DataFrame of ``participated, converted, revenue, discount_cost,
        contact_cost, profit`` in row order, and the redemptions by fate.
    """
    counts: dict = {}
    con = duckdb.connect(config={"preserve_insertion_order": False})
    try:
        con.execute("SET TimeZone = 'UTC'")
        _register_events(con, events)
        con.register("rows_src", rows[["key", "unit", "campaign_id", "start_us", "end_us"]])
        buys = con.execute(_PURCHASES_SQL).df().set_index("key")
        redeemed = None if red is None else _redeemed(con, rows, red, counts)
    finally:
        con.close()
    key, ids = rows["key"], rows["campaign_id"]
    revenue = key.map(buys["revenue"]).fillna(0.0).to_numpy(float)
    converted = (key.map(buys["n_purchases"]).fillna(0).to_numpy(float) > 0).astype(float)
    if redeemed is None:  # not observed: NaN where a redemption could have happened
        participated = np.where(rows["redeemable"].to_numpy(bool), np.nan, 0.0)
    else:
        participated = (key.map(redeemed["n_redeemed"]).fillna(0).to_numpy(float) > 0).astype(float)
    frame = pd.DataFrame(
        {"campaign_id": ids.to_numpy(), "participated": np.nan_to_num(participated), "converted": converted,
         "revenue": revenue}
    )  # fmt: skip
    if redeemed is not None and reward_given:
        frame["discount_cost"] = key.map(redeemed["reward"]).fillna(0.0).to_numpy(float)
    discount = realised_discount(frame, cat)  # the rewards paid, else the catalogue's cost rules
    discount = np.where(np.isnan(participated), np.nan, discount)  # not observed where nobody could tell
    frame["discount_cost"] = discount
    contact = ids.map(cat.set_index("campaign_id")["contact_cost"]).to_numpy(float)
    profit = realised_profit(frame, cat)
    out = {
        "participated": participated,
        "converted": converted,
        "revenue": revenue,
        "discount_cost": discount,
    }
    return pd.DataFrame({**out, "contact_cost": contact, "profit": profit}), counts
