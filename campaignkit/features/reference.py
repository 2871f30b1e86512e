"""A straightforward pandas ``groupby`` implementation of the behaviour features.

It exists to be the yardstick: ``bench/features.py`` times DuckDB against it on the same data, and the
tests check that both give the same numbers. It holds the whole log in memory and is not meant for scale.
User attributes (``attr_*``, ``tenure_days``) are not covered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.features import _duck
from campaignkit.features.tabular import DEFAULT_RECENCY_CAP_DAYS

__all__ = ["pandas_features", "random_events"]


def _ratio(num: pd.Series, den: pd.Series, fill: float = 0.0) -> pd.Series:
    out = num.astype(float) / den.astype(float).where(den != 0)
    return out.fillna(fill)


def pandas_features(
    events: pd.DataFrame, user_ids, cutoff, categories, recency_cap_days: float = DEFAULT_RECENCY_CAP_DAYS
) -> pd.DataFrame:
    """Behaviour features with plain pandas (same names and meanings as :func:`build_features`).

    Args:
        events: Canonical events DataFrame.
        user_ids: Users to report, array of shape (n_users,).
        cutoff: Only events with ``ts < cutoff`` are used.
        categories: Categories that get a ``cat_share_<c>`` column.
        recency_cap_days: Cap and fill value of recencies.

    Returns:
        DataFrame indexed by ``user_id`` (ascending) of the behaviour features.
    """
    cut_us = _duck.to_cutoff_us(cutoff)
    ts_us = events["ts"].dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").astype("int64")
    keep = ts_us < cut_us
    ev = events.loc[keep, ["user_id", "event_type", "item_id", "category", "price", "quantity"]].copy()
    ev["event_type"] = ev["event_type"].astype(str)
    ev["ts_us"] = ts_us[keep]
    ev["age"] = (cut_us - ev["ts_us"]) / 86_400_000_000.0
    ev["spend"] = ev["price"].astype(float) * ev["quantity"].astype(float)
    idx = pd.Index(np.sort(np.asarray(user_ids, dtype=np.int64)), name="user_id")
    g = ev.groupby("user_id")
    out = pd.DataFrame(index=idx)
    cap = float(recency_cap_days)

    def count(mask, name):
        out[name] = ev[mask].groupby("user_id").size().reindex(idx, fill_value=0).astype("int64")

    out["n_events"] = g.size().reindex(idx, fill_value=0).astype("int64")
    for w in (7, 30, 90):
        count(ev["age"] < w, f"n_events_{w}d")
    for et in ("view", "cart", "fav", "purchase"):
        is_et = ev["event_type"] == et
        count(is_et, f"n_{et}")
        for w in (7, 30, 90):
            count(is_et & (ev["age"] < w), f"n_{et}_{w}d")
    day = (cut_us - ev["ts_us"]) // 86_400_000_000
    for w in (30, 90):
        recent = day < w
        out[f"n_active_days_{w}d"] = (
            day[recent].groupby(ev.loc[recent, "user_id"]).nunique().reindex(idx, fill_value=0)
        )
    buy = ev[ev["event_type"] == "purchase"]
    gb = buy.groupby("user_id")
    out["recency_days"] = g["age"].min().reindex(idx).fillna(cap).clip(upper=cap)
    out["recency_purchase_days"] = gb["age"].min().reindex(idx).fillna(cap).clip(upper=cap)
    out["recency_cart_days"] = (
        ev[ev["event_type"] == "cart"]
        .groupby("user_id")["age"]
        .min()
        .reindex(idx)
        .fillna(cap)
        .clip(upper=cap)
    )
    n_orders = gb["ts_us"].nunique().reindex(idx, fill_value=0)
    out["frequency"] = n_orders
    out["monetary"] = gb["spend"].sum().reindex(idx, fill_value=0.0)
    for w in (30, 90):
        out[f"monetary_{w}d"] = (
            buy[buy["age"] < w].groupby("user_id")["spend"].sum().reindex(idx, fill_value=0.0)
        )
    out["avg_order_value"] = _ratio(out["monetary"], n_orders)
    out["units_purchased"] = gb["quantity"].sum().reindex(idx, fill_value=0).astype(float)
    out["cart_per_view"] = _ratio(out["n_cart"], out["n_view"])
    out["fav_per_view"] = _ratio(out["n_fav"], out["n_view"])
    out["purchase_per_view"] = _ratio(out["n_purchase"], out["n_view"])
    out["purchase_per_cart"] = _ratio(out["n_purchase"], out["n_cart"])
    ci = ev[ev["event_type"].isin(["cart", "purchase"])]
    last_cart = ci[ci["event_type"] == "cart"].groupby(["user_id", "item_id"])["ts_us"].max()
    last_buy = ci[ci["event_type"] == "purchase"].groupby(["user_id", "item_id"])["ts_us"].max()
    items = pd.concat([last_cart.rename("cart"), last_buy.rename("buy")], axis=1).dropna(subset=["cart"])
    abandoned = items["buy"].isna() | (items["buy"] < items["cart"])
    carted = items.groupby(level="user_id").size().reindex(idx, fill_value=0)
    out["n_carted_items"] = carted
    out["cart_abandonment_rate"] = _ratio(
        abandoned.groupby(level="user_id").sum().reindex(idx, fill_value=0), carted
    )
    cc = ev.groupby(["user_id", "category"]).size()
    share = cc / cc.groupby(level="user_id").transform("sum")
    out["n_categories"] = cc.groupby(level="user_id").size().reindex(idx, fill_value=0)
    out["category_entropy"] = (
        (-(share * np.log(share))).groupby(level="user_id").sum().reindex(idx, fill_value=0.0)
    )
    out["top_category_share"] = share.groupby(level="user_id").max().reindex(idx, fill_value=0.0)
    share_wide = share.unstack("category", fill_value=0.0)
    for c in categories:
        col = share_wide[c] if c in share_wide.columns else pd.Series(0.0, index=share_wide.index)
        out[f"cat_share_{c}"] = col.reindex(idx, fill_value=0.0)
    views = ev[ev["event_type"] == "view"].groupby("user_id")["price"]
    out["mean_price_viewed"] = views.mean().reindex(idx, fill_value=0.0)
    out["std_price_viewed"] = views.std(ddof=0).reindex(idx, fill_value=0.0)
    out["max_price_viewed"] = views.max().reindex(idx, fill_value=0.0)
    out["mean_price_purchased"] = gb["price"].mean().reindex(idx, fill_value=0.0)
    out["deal_seeking_ratio"] = _ratio(gb["price"].mean().reindex(idx), views.mean().reindex(idx), fill=1.0)
    span_days = (gb["ts_us"].max() - gb["ts_us"].min()).reindex(idx) / 86_400_000_000.0
    out["mean_interpurchase_days"] = _ratio(
        span_days.fillna(0.0), (n_orders - 1).clip(lower=0), fill=cap
    ).clip(upper=cap)
    prev30 = ev[(ev["age"] >= 30) & (ev["age"] < 60)].groupby("user_id").size().reindex(idx, fill_value=0)
    out["activity_trend"] = np.log1p(out["n_events_30d"]) - np.log1p(prev30)
    prev90 = buy[(buy["age"] >= 90) & (buy["age"] < 180)].groupby("user_id").size().reindex(idx, fill_value=0)
    out["purchase_trend"] = np.log1p(out["n_purchase_90d"]) - np.log1p(prev90)
    out["days_since_first_event"] = g["age"].max().reindex(idx, fill_value=0.0)
    return out


def random_events(
    n_users: int,
    events_per_user: float = 30.0,
    n_items: int = 2_000,
    n_categories: int = 12,
    start="2024-01-01",
    days: int = 240,
    random_state=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A simple canonical event log and users table (no causal structure; for tests and benchmarks).

    Args:
        n_users: Number of users (ids ``0 .. n_users - 1``); about 2 % get no events at all.
        events_per_user: Mean events per active user (Poisson).
        n_items: Item ids ``0 .. n_items - 1``; an item's category is ``item_id % n_categories``.
        n_categories: Number of categories.
        start: First possible event time (UTC).
        days: Length of the period events fall in.
        random_state: Seed or ``numpy.random.Generator``.

    Returns:
        ``(events, users)``: canonical events sorted by ``(user_id, ts)``, and users with
        ``signup_ts, age_band, region``.
    """
    rng = (
        random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    )
    active = rng.random(n_users) > 0.02
    counts = np.where(active, rng.poisson(events_per_user, n_users), 0)
    n = int(counts.sum())
    uid = np.repeat(np.arange(n_users, dtype=np.int64), counts)
    item = rng.integers(0, n_items, n).astype(np.int64)
    base_price = np.exp(rng.normal(3.0, 1.0, n_items))
    t0 = pd.Timestamp(start, tz="UTC")
    ts = t0 + pd.to_timedelta(rng.integers(0, days * 86_400, n), unit="s")
    events = pd.DataFrame(
        {
            "user_id": uid,
            "ts": ts,
            "event_type": rng.choice(
                np.array(["view", "cart", "fav", "purchase"]), n, p=[0.7, 0.14, 0.06, 0.1]
            ),
            "item_id": item,
            "category": (item % n_categories).astype(np.int64),
            "price": np.round(base_price[item], 2),
            "quantity": rng.integers(1, 4, n).astype(np.int64),
        }
    ).sort_values(["user_id", "ts"], kind="stable", ignore_index=True)
    users = pd.DataFrame(
        {
            "user_id": np.arange(n_users, dtype=np.int64),
            "signup_ts": t0 - pd.to_timedelta(rng.integers(0, 700, n_users), unit="D"),
            "age_band": rng.choice(np.array(["18-24", "25-34", "35-44", "45-54", "55+"]), n_users),
            "region": rng.choice(np.array(["north", "south", "east", "west"]), n_users),
        }
    )
    return events, users
