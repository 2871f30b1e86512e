r"""The world moves on: one period later, after a plan has run.

:func:`advance` (also :meth:`World.advance <campaignkit.data.world.World.advance>`) takes the realised
outcomes of one campaign window (what :meth:`~campaignkit.data.world.World.run_plan` returns) and returns a
*new* :class:`~campaignkit.data.world.World` whose cutoff is one campaign window (``W`` days) later, so that the
next round is scored on users changed by this one. The world it is called on is left as it was, and round 0
(:func:`~campaignkit.data.world.make_world`) is untouched by this module.

State equations of one period (``D`` the history window of round 0, ``W`` the campaign window; round ``t``'s
values on the right):

- **Lost users stay lost.** A user whose realised ``retained`` is false has churned: from then on they have no
  sessions (``λ = 0``), read no messages (channel affinities 0, so nobody contacts them into taking part),
  never buy (``p0 = 0``) and are never retained (``c0 = 1``); their ``lost`` trait is true for good. Their
  exact ``retain`` and every uplift is then 0, and a contact only costs its fee.
- **The rhythm goes on.** Sessions followed ``λ e^{-decline (s/D - ½)}`` over day ``s`` of the history; the
  period's days continue that curve, so ``λ ← λ e^{-decline W / D}`` (a slowing user keeps slowing and their
  churn hazard rises) and ``tenure ← tenure + W``.
- **Fatigue carries over.** A user contacted in the period (executed campaign not control) who did not take
  part is annoyed: ``f ← f + 0.5 ι_ch (1 - f)`` (``ι`` the channel's intrusion: e-mail 0.5, SMS 1, push 0.75);
  everybody first recovers half-way towards their own base fatigue, ``f ← f_base + ½ (f - f_base)``.
  Fatigue is what turns a contact into an annoyance (see :func:`~campaignkit.data.world.response.branches`).
- **Tastes drift.** ``τ_old ← τ_new`` and ``τ_new ← (1 - ρ W / D) τ_new + (ρ W / D) Dir(0.35 K π)`` with the
  user's drift ``ρ``; the basket ``B`` follows the new tastes.
- **Histories grow.** The period's events are drawn by the same process as the history
  (:func:`~campaignkit.data.world.history.block_events` over ``W`` days with the rates above: views drift from
  ``τ_old`` to ``τ_new``, carts, abandoned carts, purchases, a promo day), and every realised campaign order
  (a participant who converted) is added as a purchase of its realised spend in the targeted category (else
  the user's most viewed). Open carts and the most viewed category are read from the grown history.
- **Control outcomes** ``p0, m0, c0`` are recomputed from the new state by
  :func:`~campaignkit.data.world.response.baseline`, exactly as in round 0.

Randomness comes from ``(seed, period, block)`` streams only, so the same seed and the same realised outcomes
give the same next world, bit for bit; ``run_plan`` / ``log_randomised`` / ``log_targeted`` of period ``t > 0``
draw from streams of their own (``random_state=None``), never round 0's numbers again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit.data.schema import EVENT_TYPES
from campaignkit.data.world.generate import _ts_utc
from campaignkit.data.world.history import (
    ITEMS_PER_CATEGORY,
    MEAN_VIEWS_PER_SESSION,
    block_events,
)
from campaignkit.data.world.response import _CHANNEL_INTRUSION, baseline
from campaignkit.data.world.traits import BLOCK, block_rng
from campaignkit.errors import ParameterError

if TYPE_CHECKING:
    from campaignkit.data.world.core import World

__all__ = ["advance", "period_seed", "FATIGUE_GAIN", "FATIGUE_MEMORY", "REALISED_COLUMNS"]

FATIGUE_GAIN = 0.5
"""Share of the way to full fatigue (1) that an ignored contact on the most intrusive channel adds."""
FATIGUE_MEMORY = 0.5
"""Share of the excess fatigue over a user's base that is still there one period later."""
REALISED_COLUMNS = ("user_id", "retained")
"""Columns :func:`advance` needs; ``executed_campaign_id`` (else ``campaign_id``), ``participated``,
``converted``, ``revenue``, ``discount_cost`` and ``target_category`` are read when present."""

_STREAM_PERIOD = 500  # spawn key of the per-period streams
_STREAM_TASTE, _STREAM_ORDERS = 1, 2


def period_seed(seed: int, period: int) -> int:
    """The integer seed of period ``period``'s random streams (events, taste drift, orders).

    Args:
        seed: World seed.
        period: Period being generated (1 = the first period after round 0).

    Returns:
        A non-negative int derived by ``SeedSequence(seed, spawn_key=(500, period))``.
    """
    state = np.random.SeedSequence(seed, spawn_key=(_STREAM_PERIOD, int(period))).generate_state(2, np.uint32)
    return int(state[0]) << 32 | int(state[1])


def _dirichlet(rng, alpha: np.ndarray, n: int) -> np.ndarray:
    g = rng.gamma(np.broadcast_to(alpha, (n, alpha.size))) + 1e-12
    return g / g.sum(axis=1, keepdims=True)


def _realised_arrays(world, realised: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-user arrays (length n_users) of the realised period, validated."""
    if not isinstance(realised, pd.DataFrame):
        raise ParameterError(
            f"realised must be a DataFrame (run_plan's output), got {type(realised).__name__}"
        )
    missing = [c for c in REALISED_COLUMNS if c not in realised]
    if missing:
        raise ParameterError(
            f"realised is missing column(s) {missing}; pass what world.run_plan(...) returned"
        )
    uid = world._user_index(realised["user_id"].to_numpy())
    if uid.size != world.n_users or np.unique(uid).size != world.n_users:
        raise ParameterError(
            f"realised must hold every user of the world once ({world.n_users}), got {uid.size} rows "
            f"for {np.unique(uid).size} users; run_plan returns exactly that"
        )
    n = world.n_users
    out = {"retained": np.zeros(n, bool)}
    out["retained"][uid] = realised["retained"].to_numpy(dtype=bool)
    col = "executed_campaign_id" if "executed_campaign_id" in realised else "campaign_id"
    camp = np.zeros(n, np.int64)
    if col in realised:
        camp[uid] = world._campaign_index(realised[col].astype(str).tolist())
    out["campaign"] = camp
    for name, dtype in (
        ("participated", bool),
        ("converted", bool),
        ("revenue", float),
        ("discount_cost", float),
    ):
        arr = np.zeros(n, dtype)
        if name in realised:
            arr[uid] = realised[name].to_numpy(dtype=dtype)
        out[name] = arr
    tc = world.default_target.copy()
    if "target_category" in realised:
        t = pd.to_numeric(realised["target_category"]).fillna(-1).to_numpy().astype(np.int64)
        tc[uid] = np.where((t >= 0) & (t < world.n_categories), t, world.default_target[uid])
    out["target"] = tc
    return out


def _campaign_orders(world, r: dict, cutoff_ns: int, days: int, rng) -> pd.DataFrame:
    """Purchase events of the period's realised campaign orders (participants who converted)."""
    who = np.flatnonzero(r["participated"] & r["converted"] & (r["revenue"] > 0))
    ts = cutoff_ns + (rng.random(who.size) * days * 86_400).astype(np.int64) * 1_000_000_000
    cat = r["target"][who]
    rank = np.minimum(np.searchsorted(world.items["rank_cdf"], rng.random(who.size)), ITEMS_PER_CATEGORY - 1)
    paid = np.maximum(r["revenue"][who] - r["discount_cost"][who], 0.01)
    return pd.DataFrame(
        {
            "user_id": who.astype(np.int64),
            "ts": _ts_utc(ts),
            "event_type": pd.Categorical.from_codes(
                np.full(who.size, 3, np.int8), categories=list(EVENT_TYPES)
            ),
            "item_id": (cat * ITEMS_PER_CATEGORY + rank).astype(np.int64),
            "category": cat.astype(np.int64),
            "price": np.round(paid, 2).astype(np.float64),
            "quantity": np.ones(who.size, np.int64),
        }
    )


def advance(world, realised: pd.DataFrame | None = None, random_state=None) -> World:
    """The world one period (one campaign window) later, after the period's realised outcomes.

    Args:
        world: The :class:`~campaignkit.data.world.World` of period ``t``.
        realised: The period's realised outcomes, one row per user: what ``world.run_plan(plan, ...)`` returns
            (``user_id, retained`` needed; ``executed_campaign_id, participated, converted, revenue,
            discount_cost, target_category`` used when present). ``None``: a period with no campaign
            (everybody control), sampled from the world's own stream of the period.
        random_state: Seed of the no-campaign period when ``realised`` is None (``None``: the world's stream);
            ignored otherwise.

    Returns:
        A new World for period ``t + 1``: cutoff ``+ W`` days, ``history_days + W``, the period's events
        appended to ``events``, updated ``traits`` (with ``lost``, ``fatigue_base``), ``interest`` and
        ``past_interest``, ``period = t + 1``; the catalogue, items and seed unchanged.

    Raises:
        ParameterError: When ``realised`` is not one row per user of the world with the needed columns.
    """
    if realised is None:
        realised = world.run_plan(
            pd.DataFrame({"user_id": [], "campaign_id": []}), holdout=0.0, random_state=random_state
        )
    r = _realised_arrays(world, realised)
    period = int(getattr(world, "period", 0)) + 1
    pseed = period_seed(world.seed, period)
    n, W, D0 = (
        world.n_users,
        int(world.campaign_days),
        int(getattr(world, "base_history_days", world.history_days)),
    )
    tr = world.traits.copy()
    was_lost = tr["lost"].to_numpy(bool) if "lost" in tr else np.zeros(n, bool)
    lost = was_lost | ~r["retained"]  # the newly lost still shop this period: they leave at its end
    tenure = world.users["tenure_days"].to_numpy(np.int64) + W

    # --- fatigue: recover towards the base, then ignored contacts annoy ----------------------------------
    f_base = tr["fatigue_base"].to_numpy() if "fatigue_base" in tr else tr["fatigue"].to_numpy()
    f = f_base + FATIGUE_MEMORY * (tr["fatigue"].to_numpy() - f_base)
    ch = world._c["channel"][r["campaign"]]
    ignored = (r["campaign"] != 0) & ~r["participated"]
    f = f + np.where(ignored, FATIGUE_GAIN * _CHANNEL_INTRUSION[ch] * (1.0 - f), 0.0)

    # --- rhythm and tastes -------------------------------------------------------------------------------
    decline = tr["decline"].to_numpy()
    activity = np.where(lost, 0.0, tr["activity"].to_numpy() * np.exp(-decline * W / D0))
    drift = tr["drift"].to_numpy()
    step = np.clip(drift * W / D0, 0.0, 1.0)
    alpha = 0.35 * world.n_categories * world.items["category_pop"]
    taste_old = world.interest.copy()
    taste_new = np.empty_like(taste_old)
    for b in range((n - 1) // BLOCK + 1):
        lo, hi = b * BLOCK, min((b + 1) * BLOCK, n)
        fresh = _dirichlet(block_rng(pseed, _STREAM_TASTE, b), alpha, BLOCK)[: hi - lo]
        taste_new[lo:hi] = (1 - step[lo:hi, None]) * taste_old[lo:hi] + step[lo:hi, None] * fresh
    qty = tr["qty"].to_numpy()
    basket = (taste_new @ world.items["mean_price"]) * (1.0 + qty)

    # --- the period's events: the history process over W more days ---------------------------------------
    cutoff = world.cutoff + pd.Timedelta(days=W)
    start_ns = world.cutoff.value
    parts = []
    period_tr = {
        # the period continues the history's curve: mid-period rate, and the decline over W days
        "activity": np.where(was_lost, 0.0, tr["activity"].to_numpy())
        * np.exp(-decline * (0.5 + W / (2 * D0))),
        "decline": decline * W / D0,
        "tenure_days": tenure,
        "signup_offset": np.zeros(n, np.int64),
        "deal_seeking": tr["deal_seeking"].to_numpy(),
        "drift": step * (W / 21.0),  # a burst of browsing the new taste, scaled to the period
        "taste_old": taste_old,
        "taste_new": taste_new,
        "fav_rate": tr["fav_rate"].to_numpy(),
        "cart_rate": tr["cart_rate"].to_numpy(),
        "buy_rate": tr["buy_rate"].to_numpy(),
        "qty": qty,
    }
    open_cart = np.zeros(n, bool)
    open_val = np.zeros(n)
    for b in range((n - 1) // BLOCK + 1):
        lo, hi = b * BLOCK, min((b + 1) * BLOCK, n)
        sub = {k: v[lo:hi] for k, v in period_tr.items()}
        ev, state = block_events(pseed, b, sub, world.items, W, cutoff)
        open_cart[lo:hi], open_val[lo:hi] = state["open_cart"], state["open_cart_value"]
        parts.append(
            pd.DataFrame(
                {
                    "user_id": ev["user"].astype(np.int64) + lo,
                    "ts": _ts_utc(start_ns + ev["ts"] * 1_000_000_000),
                    "event_type": pd.Categorical.from_codes(ev["etype"], categories=list(EVENT_TYPES)),
                    "item_id": ev["item"].astype(np.int64),
                    "category": ev["category"].astype(np.int64),
                    "price": ev["price"].astype(np.float64),
                    "quantity": ev["quantity"].astype(np.int64),
                }
            )
        )
    orders = _campaign_orders(world, r, start_ns, W, block_rng(pseed, _STREAM_ORDERS, 0))
    new_events = pd.concat([*parts, orders], ignore_index=True)
    new_events = new_events.sort_values(["user_id", "ts"], kind="stable", ignore_index=True)
    events = pd.concat([world.events, new_events], ignore_index=True)
    events = events.sort_values(["user_id", "ts"], kind="stable", ignore_index=True)
    open_cart &= ~lost
    if W < 7:  # an open cart of the last period may still be open (no cart since)
        carted = np.bincount(new_events["user_id"][new_events["event_type"] == "cart"], minlength=n) > 0
        still = tr["open_cart"].to_numpy(bool) & ~carted & ~lost & ~r["converted"]
        open_cart |= still
        open_val = np.where(still & (open_val == 0), tr["open_cart_value"].to_numpy(), open_val)
    views = events[events["event_type"] == "view"]
    counts = np.zeros((n, world.n_categories))
    np.add.at(counts, (views["user_id"].to_numpy(), views["category"].to_numpy()), 1.0)
    most = np.where(counts.sum(1) > 0, counts.argmax(1), tr["most_viewed"].to_numpy())

    # --- the new state and its control outcomes ------------------------------------------------------------
    tr["activity"] = activity
    tr["basket"] = basket
    tr["fatigue"] = f
    tr["fatigue_base"] = f_base
    tr["open_cart"] = open_cart
    tr["open_cart_value"] = np.where(open_cart, open_val, 0.0)
    tr["most_viewed"] = most.astype(np.int64)
    base = baseline(
        {
            "activity": np.where(lost, 1.0, activity),  # overwritten below for the lost
            "decline": decline,
            "cart_rate": tr["cart_rate"].to_numpy(),
            "buy_rate": tr["buy_rate"].to_numpy(),
            "basket": basket,
            "open_cart": open_cart,
            "tenure_days": tenure,
        },
        W,
        MEAN_VIEWS_PER_SESSION,
    )
    tr["p0"] = np.where(lost, 0.0, base["p0"])
    tr["m0"] = np.where(lost, 0.0, base["m0"])
    tr["ch0"] = np.where(lost, 1.0, base["ch0"])
    tr["rate_now"] = np.where(lost, 0.0, base["rate_now"])
    for c in ("aff_email", "aff_sms", "aff_app_push"):
        tr[c] = np.where(lost, 0.0, tr[c].to_numpy())
    tr["lost"] = lost
    users = world.users.copy()
    users["tenure_days"] = tenure
    return world.replace(
        users=users,
        events=events,
        traits=tr,
        interest=taste_new,
        past_interest=taste_old,
        cutoff=cutoff,
        history_days=world.history_days + W,
        campaign_days=W,
        period=period,
        base_history_days=D0,
    )
