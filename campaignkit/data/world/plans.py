"""Campaign logs (randomised and targeted), plan evaluation (exact) and plan execution (sampled).

Sampling is coupled: a call draws :data:`~campaignkit.data.world.response.N_UNIFORMS` random numbers per
user of the world *before* looking at the plan, so two plans run with the same ``random_state`` see the
same numbers for each user, and a user's outcomes under different campaigns are consistent
(common random numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.config import resolve_rng
from campaignkit.data.schema import WORLD_LOG_COLUMNS
from campaignkit.data.world.response import N_UNIFORMS, expected, sample
from campaignkit.errors import ParameterError

__all__ = [
    "log_randomised",
    "targeting_policy",
    "log_targeted",
    "evaluate_plan",
    "run_plan",
    "observed_rfm",
    "observed_cart",
]


def _rng(world, random_state, stream: int) -> np.random.Generator:
    if random_state is None:
        period = getattr(world, "period", 0)  # a later period draws numbers of its own (round 0 unchanged)
        key = (100 + stream,) if not period else (100 + stream, period)
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(world.seed, spawn_key=key)))
    return resolve_rng(random_state)


def _outcome_frame(world, idx, cidx, targets, uniforms) -> pd.DataFrame:
    b = world._branches_pairs(idx, cidx, targets)
    s = sample(b, uniforms)
    targeted = world._c["targets_category"][cidx]
    return pd.DataFrame(
        {
            "user_id": idx.astype(np.int64),
            "campaign_id": np.array(world.campaign_ids, dtype=object)[cidx],
            "target_category": np.where(targeted, targets, -1).astype(np.int64),
            "participated": s["participated"],
            "converted": s["converted"],
            "revenue": s["revenue"],
            "retained": s["retained"],
            "discount_cost": s["discount_cost"],
            "contact_cost": s["contact_cost"],
            "profit": s["profit"],
        }
    )


def _shares(world, shares) -> np.ndarray:
    m = len(world.campaign_ids)
    if shares is None:
        return np.full(m, 1.0 / m)
    if isinstance(shares, dict):
        unknown = [k for k in shares if k not in world.campaign_ids]
        if unknown:
            raise ParameterError(
                f"shares: unknown campaign_id(s) {unknown}; the catalogue has {world.campaign_ids}"
            )
        p = np.array([float(shares.get(c, 0.0)) for c in world.campaign_ids])
    else:
        p = np.asarray(shares, dtype=float)
        if p.shape != (m,):
            raise ParameterError(f"shares must have one entry per campaign ({m}), got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ParameterError("shares must be finite and >= 0")
    if abs(p.sum() - 1.0) > 1e-6:
        raise ParameterError(f"shares must sum to 1, got {p.sum():.6g}")
    return p


def log_randomised(world, shares=None, n_users=None, random_state=None) -> pd.DataFrame:
    """Log of a randomised multi-arm campaign with known propensities.

    Args:
        world: The :class:`~campaignkit.data.world.World`.
        shares: Arm shares: ``None`` (uniform over the catalogue, control included), a dict
            ``{campaign_id: share}`` (absent ids get 0) or an array of one share per catalogue row;
            must sum to 1.
        n_users: Log a random subset of this many users (default all).
        random_state: Seed of the assignment and the outcomes (``None``: a stream of the world's seed).

    Returns:
        DataFrame with ``user_id, campaign_id, propensity, target_category (-1 when not targeted),
        participated, converted, revenue, retained, discount_cost, contact_cost, profit, assigned_ts``.

    Raises:
        ParameterError: On bad shares or n_users.
    """
    p = _shares(world, shares)
    rng = _rng(world, random_state, 1)
    if n_users is None:
        idx = np.arange(world.n_users)
    else:
        if (
            isinstance(n_users, bool)
            or not isinstance(n_users, (int, np.integer))
            or not 1 <= n_users <= world.n_users
        ):
            raise ParameterError(f"n_users must be an integer in [1, {world.n_users}], got {n_users!r}")
        idx = np.sort(rng.choice(world.n_users, size=int(n_users), replace=False))
    uniforms = rng.random((world.n_users, N_UNIFORMS))[idx]
    arm = rng.choice(len(p), size=idx.size, p=p)
    log = _outcome_frame(world, idx, arm, world.default_target[idx], uniforms)
    log["propensity"] = p[arm]
    log["assigned_ts"] = world.cutoff
    return log[list(WORLD_LOG_COLUMNS)]


def observed_rfm(world) -> pd.DataFrame:
    """Recency / frequency / monetary value and view counts per user, from the observed history only.

    Args:
        world: The world.

    Returns:
        DataFrame indexed by user (0..n-1) with ``recency_days`` (days since the last purchase, or
        since the window start when none), ``frequency`` (purchases), ``monetary`` (spend),
        ``n_views``, ``n_events``.
    """
    ev = world.events
    uid = ev["user_id"].to_numpy()
    n = world.n_users
    buy = (ev["event_type"] == "purchase").to_numpy()
    view = (ev["event_type"] == "view").to_numpy()
    spend = (ev["price"] * ev["quantity"]).to_numpy()
    return pd.DataFrame(
        {
            "recency_days": np.minimum(_days_since_last(world, "purchase"), float(world.history_days)),
            "frequency": np.bincount(uid[buy], minlength=n),
            "monetary": np.bincount(uid[buy], weights=spend[buy], minlength=n),
            "n_views": np.bincount(uid[view], minlength=n),
            "n_events": np.bincount(uid, minlength=n),
        }
    )


def observed_cart(world) -> pd.DataFrame:
    """The cart state each user's observed history shows: how recent the last cart event is, and whether a purchase
    followed it.

    An unbought recent cart is what a cart reminder works on, and a round of reminders clears the carts of those who
    take it up; RFM alone does not show it.

    Args:
        world: The world.

    Returns:
        DataFrame indexed by user (0..n-1) with ``days_since_cart`` (days since the last cart event, or since the
        window start when none) and ``cart_unbought`` (1 when the last cart event is later than the last purchase).
    """
    cart, purchase = _days_since_last(world, "cart"), _days_since_last(world, "purchase")
    return pd.DataFrame(
        {
            "days_since_cart": np.minimum(cart, float(world.history_days)),
            "cart_unbought": (cart < purchase).astype(np.int64),
        }
    )


def _days_since_last(world, kind: str) -> np.ndarray:
    """Days from each user's last ``kind`` event to the cutoff, shape (n_users,); inf for users without one."""
    ev = world.events
    sel = (ev["event_type"] == kind).to_numpy()
    secs = (world.cutoff - ev["ts"][sel]).dt.total_seconds().to_numpy()
    last = np.full(world.n_users, np.inf)
    np.minimum.at(last, ev["user_id"].to_numpy()[sel], secs)
    return last / 86_400


def targeting_policy(world, uniform_mix: float = 0.15) -> np.ndarray:
    """Propensities of a business-rule targeting policy that depends on observed data (confounding).

    Win-back discounts go to lapsed buyers, member offers to high tiers, reminders to users with an open
    cart, points to frequent buyers, category campaigns to heavy browsers; ``uniform_mix`` of the mass is
    spread over all arms so that every arm keeps positive propensity (overlap).

    Args:
        world: The world.
        uniform_mix: Share of uniform randomisation mixed into the policy, in (0, 1].

    Returns:
        Array of shape (n_users, n_campaigns), rows summing to 1.
    """
    rfm = observed_rfm(world)
    lapsed = (rfm["recency_days"].to_numpy() > 30).astype(float)
    freq = np.log1p(rfm["frequency"].to_numpy())
    views = np.log1p(rfm["n_views"].to_numpy())
    tier = world.users["member_tier"].map({"none": 0, "silver": 1, "gold": 2, "platinum": 3}).to_numpy(float)
    open_cart = world.traits["open_cart"].to_numpy(float)  # observable: last cart recent and unbought
    types = world.catalogue["type"].to_numpy()
    logits = np.zeros((world.n_users, len(types)))
    for j, t in enumerate(types):
        if t == "control":
            logits[:, j] = 0.5 + 0.3 * freq
        elif t in ("threshold_discount", "percent_discount", "flash_sale", "coupon"):
            logits[:, j] = 0.8 * lapsed - 0.2 * freq
        elif t == "member_exclusive":
            logits[:, j] = 0.9 * tier - 1.0
        elif t == "points_bonus":
            logits[:, j] = 0.7 * freq - 0.5
        elif t == "reminder":
            logits[:, j] = 2.5 * open_cart - 1.0
        else:
            logits[:, j] = 0.4 * views - 1.0
        if world.catalogue["targets_category"].iloc[j]:
            logits[:, j] += 0.2 * views - 0.5
    logits -= logits.max(axis=1, keepdims=True)
    soft = np.exp(logits)
    soft /= soft.sum(axis=1, keepdims=True)
    return (1 - uniform_mix) * soft + uniform_mix / len(types)


def log_targeted(world, random_state=None) -> pd.DataFrame:
    """Log of a targeted, confounded campaign with the propensities of :func:`targeting_policy` recorded.

    Args:
        world: The world.
        random_state: Seed (``None``: a stream of the world's seed).

    Returns:
        DataFrame with the columns of :func:`log_randomised`.
    """
    rng = _rng(world, random_state, 2)
    prop = targeting_policy(world)
    uniforms = rng.random((world.n_users, N_UNIFORMS))
    cum = np.cumsum(prop, axis=1)
    arm = np.minimum((cum < rng.random(world.n_users)[:, None]).sum(1), prop.shape[1] - 1)
    idx = np.arange(world.n_users)
    log = _outcome_frame(world, idx, arm, world.default_target, uniforms)
    log["propensity"] = prop[idx, arm]
    log["assigned_ts"] = world.cutoff
    return log[list(WORLD_LOG_COLUMNS)]


def _plan_arrays(world, plan: pd.DataFrame):
    """Validate a plan; return (campaign index per user, target per user)."""
    if not isinstance(plan, pd.DataFrame):
        raise ParameterError(f"plan must be a DataFrame with user_id, campaign_id, got {type(plan).__name__}")
    for col in ("user_id", "campaign_id"):
        if col not in plan:
            raise ParameterError(
                f"plan is missing column {col!r} (expected user_id, campaign_id[, target_category])"
            )
    uid = world._user_index(plan["user_id"].to_numpy())
    if pd.Series(uid).duplicated().any():
        raise ParameterError("plan: a user appears more than once (at most one campaign per user)")
    cidx = world._campaign_index(plan["campaign_id"].astype(str).tolist()) if len(plan) else np.array([], int)
    camp = np.zeros(world.n_users, np.int64)
    camp[uid] = cidx
    target = world.default_target.copy()
    if "target_category" in plan:
        t = pd.to_numeric(plan["target_category"]).fillna(-1).to_numpy().astype(np.int64)
        target[uid] = world._targets(uid, t)
    return camp, target


def evaluate_plan(world, plan: pd.DataFrame) -> dict:
    """Exact expected KPIs of a plan against all-control.

    Args:
        world: The world.
        plan: DataFrame ``user_id, campaign_id[, target_category]``; users absent get control.

    Returns:
        Dict with ``reach`` (users contacted), ``participants``, ``conversions``, ``revenue``, ``profit``,
        ``retained`` (expected totals under the plan), the same with suffix ``_control`` under
        all-control, ``incremental_conversions``, ``incremental_revenue``, ``incremental_profit``,
        ``incremental_retained``, ``discount_cost``, ``contact_cost``, ``cost`` (their sum),
        ``roi`` (incremental_profit / cost, 0 when nothing is spent) and ``by_campaign`` (DataFrame).
    """
    camp, target = _plan_arrays(world, plan)
    idx = np.arange(world.n_users)
    e1 = expected(world._branches_pairs(idx, camp, target))
    e0 = expected(world._branches_pairs(idx, np.zeros_like(camp), target))
    df = pd.DataFrame(
        {
            "campaign_id": np.array(world.campaign_ids, dtype=object)[camp],
            "n_users": 1,
            "participants": e1["participate"],
            "incremental_conversions": e1["convert"] - e0["convert"],
            "incremental_revenue": e1["revenue"] - e0["revenue"],
            "incremental_profit": e1["profit"] - e0["profit"],
            "incremental_retained": e1["retain"] - e0["retain"],
            "discount_cost": e1["discount_cost"],
            "contact_cost": e1["contact_cost"],
        }
    )
    by = df.groupby("campaign_id", sort=False).sum(numeric_only=True)
    by = by.reindex([c for c in world.campaign_ids if c in by.index])
    by["cost"] = by["discount_cost"] + by["contact_cost"]
    by["roi"] = np.where(
        by["cost"] > 0, by["incremental_profit"] / by["cost"].where(by["cost"] > 0, 1.0), 0.0
    )
    cost = float(e1["discount_cost"].sum() + e1["contact_cost"].sum())
    inc_profit = float((e1["profit"] - e0["profit"]).sum())
    return {
        "reach": int((camp != 0).sum()),
        "participants": float(e1["participate"].sum()),
        "conversions": float(e1["convert"].sum()),
        "revenue": float(e1["revenue"].sum()),
        "profit": float(e1["profit"].sum()),
        "retained": float(e1["retain"].sum()),
        "conversions_control": float(e0["convert"].sum()),
        "revenue_control": float(e0["revenue"].sum()),
        "profit_control": float(e0["profit"].sum()),
        "retained_control": float(e0["retain"].sum()),
        "incremental_conversions": float((e1["convert"] - e0["convert"]).sum()),
        "incremental_revenue": float((e1["revenue"] - e0["revenue"]).sum()),
        "incremental_profit": inc_profit,
        "incremental_retained": float((e1["retain"] - e0["retain"]).sum()),
        "discount_cost": float(e1["discount_cost"].sum()),
        "contact_cost": float(e1["contact_cost"].sum()),
        "cost": cost,
        "roi": inc_profit / cost if cost > 0 else 0.0,
        "by_campaign": by.reset_index(),
    }


def run_plan(world, plan: pd.DataFrame, holdout: float = 0.1, random_state=None) -> pd.DataFrame:
    """Execute a plan in the world: sampled outcomes for every user, with a random holdout.

    Each user whose plan campaign is not control is held out (gets control) with probability
    ``holdout``. Random numbers are drawn per user before the plan is read (common random numbers), so
    the same ``random_state`` gives each user consistent outcomes across plans.

    Args:
        world: The world.
        plan: DataFrame ``user_id, campaign_id[, target_category]``; users absent get control.
        holdout: Probability, in [0, 1), that a planned contact is withheld.
        random_state: Seed (``None``: a stream of the world's seed).

    Returns:
        DataFrame, one row per user of the world: ``user_id, campaign_id`` (planned), ``holdout``
        (bool), ``executed_campaign_id``, ``target_category``, ``participated, converted, revenue,
        retained, discount_cost, contact_cost, profit``.
    """
    if not isinstance(holdout, (int, float, np.floating)) or not 0 <= holdout < 1:
        raise ParameterError(f"holdout must be a number in [0, 1), got {holdout!r}")
    camp, target = _plan_arrays(world, plan)
    rng = _rng(world, random_state, 3)
    uniforms = rng.random((world.n_users, N_UNIFORMS))
    held = (rng.random(world.n_users) < holdout) & (camp != 0)
    executed = np.where(held, 0, camp)
    idx = np.arange(world.n_users)
    out = _outcome_frame(world, idx, executed, target, uniforms)
    out = out.rename(columns={"campaign_id": "executed_campaign_id"})
    out.insert(1, "campaign_id", np.array(world.campaign_ids, dtype=object)[camp])
    out.insert(2, "holdout", held)
    return out
