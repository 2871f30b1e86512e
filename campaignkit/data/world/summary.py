"""Numbers that describe a world: event statistics, funnels, true-effect summaries, response types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError
from campaignkit.metrics import difference_in_means

__all__ = [
    "event_stats",
    "events_by_weekday",
    "funnel",
    "uplift_summary",
    "response_type_shares",
    "sequence_features",
    "sequence_signal",
    "compare_log_to_truth",
]


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


def sequence_features(world) -> pd.DataFrame:
    """Features that only the order and timing of events reveal, next to RFM aggregates.

    Args:
        world: A :class:`~campaignkit.data.world.World`.

    Returns:
        DataFrame indexed by user with the RFM aggregates of
        :func:`~campaignkit.data.world.plans.observed_rfm`, ``n_carts``, and the sequence-only
        ``open_cart_seq`` (last cart under 7 days old with no purchase after it), ``rhythm_trend``
        (log ratio of the last 30 days' event rate to the earlier rate) and ``recent_target_share``
        (share of the last 10 views in the user's most-viewed category).
    """
    from campaignkit.data.world.plans import observed_rfm

    ev = world.events
    n = world.n_users
    uid = ev["user_id"].to_numpy()
    et = ev["event_type"].astype(str).to_numpy()
    age = (world.cutoff - ev["ts"]).dt.total_seconds().to_numpy() / 86_400
    cart, buy, view = et == "cart", et == "purchase", et == "view"
    last_cart = np.full(n, np.inf)
    np.minimum.at(last_cart, uid[cart], age[cart])
    last_buy = np.full(n, np.inf)
    np.minimum.at(last_buy, uid[buy], age[buy])
    early = np.bincount(uid[age > 30], minlength=n) / max(world.history_days - 30, 1)
    late = np.bincount(uid[age <= 30], minlength=n) / 30
    vu, vc = uid[view], ev["category"].to_numpy()[view]
    from_end = pd.Series(vu).groupby(vu).cumcount(ascending=False).to_numpy()
    last10 = from_end < 10
    hit = (vc == world.default_target[vu]) & last10
    out = observed_rfm(world)
    out["n_carts"] = np.bincount(uid[cart], minlength=n)
    out["open_cart_seq"] = ((last_cart < 7) & (last_buy > last_cart)).astype(float)
    out["rhythm_trend"] = np.log((late + 0.02) / (early + 0.02))
    out["recent_target_share"] = np.bincount(vu, weights=hit, minlength=n) / np.maximum(
        np.bincount(vu[last10], minlength=n), 1
    )
    return out


def sequence_signal(world, cv: int = 3) -> pd.DataFrame:
    """How much sequence-only features add to RFM aggregates in predicting the *true* uplift.

    A linear regression of the exact uplift on log-RFM aggregates (recency, frequency, monetary, views,
    events, carts, a "bought in the last week" flag) is compared, by cross-validated R², with the same
    regression plus one sequence-only feature of :func:`sequence_features`.

    Args:
        world: A :class:`~campaignkit.data.world.World`.
        cv: Cross-validation folds.

    Returns:
        DataFrame, one row per (campaign, metric, feature): ``r2_rfm``, ``r2_rfm_plus_sequence``, ``gain``.
    """
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import cross_val_score

    f = sequence_features(world)
    agg_cols = ["recency_days", "frequency", "monetary", "n_views", "n_events", "n_carts"]
    base = np.column_stack([np.log1p(f[agg_cols].to_numpy()), f["recency_days"].to_numpy() < 7])
    rows = []
    for campaign, metric, feat in (
        ("cart_reminder", "convert", "open_cart_seq"),
        ("percent_20", "retain", "rhythm_trend"),
        ("category_coupon", "convert", "recent_target_share"),
    ):
        if campaign not in world.campaign_ids:
            continue
        y = world.true_uplift(metric, campaign_ids=[campaign])[:, 0]
        extra = np.column_stack([base, f[feat].to_numpy()])
        r0 = cross_val_score(LinearRegression(), base, y, cv=cv, scoring="r2").mean()
        r1 = cross_val_score(LinearRegression(), extra, y, cv=cv, scoring="r2").mean()
        rows.append(
            {
                "campaign_id": campaign,
                "metric": metric,
                "feature": feat,
                "r2_rfm": r0,
                "r2_rfm_plus_sequence": r1,
                "gain": r1 - r0,
            }
        )
    return pd.DataFrame(rows)


def compare_log_to_truth(world, log: pd.DataFrame, metric: str = "convert") -> pd.DataFrame:
    """Difference-in-means effect of each arm of a randomised log next to the exact expected effect.

    Args:
        world: The world that produced the log.
        log: A randomised log (:meth:`~campaignkit.data.world.World.log_randomised`).
        metric: ``convert``, ``revenue``, ``profit`` or ``retain``.

    Returns:
        DataFrame indexed by campaign: ``n``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (95 %, from
        :func:`~campaignkit.metrics.difference_in_means` with ``ddof=1``), ``truth`` (population effect),
        ``covered`` (``ci_low <= truth <= ci_high``). An arm with one row gets a NaN ``se`` and interval.

    Raises:
        ParameterError: Unknown ``metric``, a log with no ``control`` row, or a non-finite outcome.
    """
    col = {"convert": "converted", "revenue": "revenue", "profit": "profit", "retain": "retained"}
    if metric not in col:
        raise ParameterError(f"metric must be one of {list(col)}, got {metric!r}")
    exact = world.expected_outcomes()[metric].mean(0)
    y = log[col[metric]].to_numpy(float)
    campaign = log["campaign_id"].to_numpy()
    is_ctrl = campaign == "control"
    if not is_ctrl.any():
        raise ParameterError("the log has no 'control' row: arm effects are measured against control")
    rows = []
    for j, cid in enumerate(world.campaign_ids[1:], start=1):
        is_arm = campaign == cid
        if not is_arm.any():
            continue
        both = is_arm | is_ctrl
        d = difference_in_means(y[both], is_arm[both], confidence=0.95, ddof=1)
        truth = exact[j] - exact[0]
        rows.append(
            {
                "campaign_id": cid,
                "n": d.n_treated,
                "estimate": d.effect,
                "se": d.se,
                "ci_low": d.ci_low,
                "ci_high": d.ci_high,
                "truth": truth,
                "covered": bool(d.ci_low <= truth <= d.ci_high),
            }
        )
    return pd.DataFrame(rows).set_index("campaign_id")
