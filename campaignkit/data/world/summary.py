"""Numbers that describe a world: event statistics, funnels, true-effect summaries, response types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError

__all__ = ["event_stats", "events_by_weekday", "funnel", "uplift_summary", "response_type_shares"]


def event_stats(events: pd.DataFrame, n_users: int | None = None) -> dict:
    """Summary statistics of canonical events.

    Args:
        events: Canonical events.
        n_users: Number of users in the population (default: users with at least one event).

    Returns:
        Dict of floats: ``n_events``, ``n_active_users``, ``events_per_user_mean`` / ``_median`` /
        ``_p90`` / ``_p99`` / ``_max`` (over the population, zeros included), the share of each event type
        (``share_view`` ...), ``purchases_per_buyer``, ``mean_order_value``, ``spend_p99_over_median``
        (a heavy-tail measure of spend per buyer), ``cart_abandonment`` (carts without purchase).
    """
    uid = events["user_id"].to_numpy()
    n_pop = int(n_users) if n_users is not None else int(np.unique(uid).size)
    per_user = np.bincount(uid, minlength=max(n_pop, int(uid.max()) + 1 if uid.size else 0))
    et = events["event_type"].astype(str).to_numpy()
    out: dict = {"n_events": float(len(events)), "n_active_users": float((per_user > 0).sum())}
    for q, name in ((0.5, "median"), (0.9, "p90"), (0.99, "p99")):
        out[f"events_per_user_{name}"] = float(np.quantile(per_user, q)) if per_user.size else 0.0
    out["events_per_user_mean"] = float(per_user.mean()) if per_user.size else 0.0
    out["events_per_user_max"] = float(per_user.max()) if per_user.size else 0.0
    for t in ("view", "cart", "fav", "purchase"):
        out[f"share_{t}"] = float((et == t).mean()) if et.size else 0.0
    buy = et == "purchase"
    spend = (events["price"] * events["quantity"]).to_numpy()[buy]
    buyer_spend = pd.Series(spend).groupby(uid[buy]).sum()
    out["purchases_per_buyer"] = float(buy.sum() / max(buyer_spend.size, 1))
    out["mean_order_value"] = float(spend.mean()) if spend.size else 0.0
    out["spend_p99_over_median"] = (
        float(buyer_spend.quantile(0.99) / buyer_spend.median()) if buyer_spend.size else 0.0
    )
    n_cart = (et == "cart").sum()
    out["cart_abandonment"] = float(1 - buy.sum() / n_cart) if n_cart else 0.0
    return out


def events_by_weekday(events: pd.DataFrame) -> pd.Series:
    """Share of events on each weekday (Monday first): the weekly rhythm.

    Args:
        events: Canonical events.

    Returns:
        Series indexed by weekday name.
    """
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    counts = np.bincount(events["ts"].dt.day_of_week.to_numpy(), minlength=7)
    return pd.Series(counts / max(counts.sum(), 1), index=days, name="share_of_events")


def funnel(events: pd.DataFrame) -> pd.DataFrame:
    """The view -> cart -> purchase funnel.

    Args:
        events: Canonical events.

    Returns:
        DataFrame indexed by stage (``view``, ``cart``, ``purchase``) with ``events``, ``users``
        (distinct users reaching the stage) and ``rate_from_previous`` (events ratio to the stage before).
    """
    et = events["event_type"].astype(str)
    rows = []
    for stage in ("view", "cart", "purchase"):
        m = (et == stage).to_numpy()
        rows.append({"stage": stage, "events": int(m.sum()), "users": int(events["user_id"][m].nunique())})
    df = pd.DataFrame(rows).set_index("stage")
    prev = df["events"].shift(1)
    df["rate_from_previous"] = (df["events"] / prev).fillna(1.0)
    return df


def uplift_summary(world, metric: str = "profit", target_category=None) -> pd.DataFrame:
    """Distribution of the true per-user effect of every campaign against control.

    Args:
        world: A :class:`~campaignkit.data.world.World`.
        metric: Outcome metric, as in :meth:`~campaignkit.data.world.World.true_uplift`.
        target_category: Targets of category campaigns (default: each user's most-viewed category).

    Returns:
        DataFrame, one row per non-control campaign: ``ate``, ``p10``, ``median``, ``p90``,
        ``share_negative`` (users harmed).
    """
    ids = world.campaign_ids[1:]
    up = world.true_uplift(metric, campaign_ids=ids, target_category=target_category)
    return pd.DataFrame(
        {
            "ate": up.mean(0),
            "p10": np.quantile(up, 0.1, axis=0),
            "median": np.median(up, axis=0),
            "p90": np.quantile(up, 0.9, axis=0),
            "share_negative": (up < 0).mean(0),
        },
        index=pd.Index(ids, name="campaign_id"),
    )


def response_type_shares(world, metric: str = "convert", target_category=None) -> pd.DataFrame:
    """Share of sure things, persuadables, lost causes and sleeping dogs per campaign.

    With the outcome coupled by one uniform ``U`` across arms (``Y(c) = 1[U < p_c]``), the principal
    strata have exact shares: sure things ``min(p0, p1)``, persuadables ``max(p1 - p0, 0)``, sleeping
    dogs ``max(p0 - p1, 0)``, lost causes ``1 - max(p0, p1)``, averaged over users.

    Args:
        world: A :class:`~campaignkit.data.world.World`.
        metric: A probability outcome: ``convert`` or ``retain``.
        target_category: Targets of category campaigns (default: most-viewed).

    Returns:
        DataFrame, one row per non-control campaign, columns ``sure_thing, persuadable, lost_cause,
        sleeping_dog`` (summing to 1) and ``users_harmed`` (share of users whose probability drops).
    """
    if metric not in ("convert", "retain"):
        raise ParameterError(f"metric must be 'convert' or 'retain', got {metric!r}")
    out = world.expected_outcomes(target_category=target_category)[metric]
    p0, p1 = out[:, :1], out[:, 1:]
    df = pd.DataFrame(
        {
            "sure_thing": np.minimum(p0, p1).mean(0),
            "persuadable": np.maximum(p1 - p0, 0).mean(0),
            "lost_cause": (1 - np.maximum(p0, p1)).mean(0),
            "sleeping_dog": np.maximum(p0 - p1, 0).mean(0),
            "users_harmed": (p1 < p0).mean(0),
        },
        index=pd.Index(world.campaign_ids[1:], name="campaign_id"),
    )
    return df
