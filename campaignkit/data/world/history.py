"""Event histories of the synthetic world: sessions, funnels, drift, weekly rhythm and promo days.

Each user's sessions form an inhomogeneous Poisson process over the history window whose intensity is
``activity * exp(-decline * (t - 1/2)) * weekly[dow]`` (``t`` in [0, 1] across the window; a positive
``decline`` is a slowing rhythm), plus extra sessions on promo days for deal seekers and a burst of sessions browsing the new interest
over the last weeks. A session is a run of views (geometric, mean 2.3); a view's category comes from
the user's taste *at that time*: ``taste_new`` (the current interest) with probability ``t**3``, else
``taste_old``; each view may lead to a fav and
a cart, and a cart to a purchase (else the cart is abandoned). Times are whole seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.data.world.traits import _STREAM_HISTORY, ITEMS_PER_CATEGORY, block_rng

__all__ = ["block_events", "promo_days", "MEAN_VIEWS_PER_SESSION"]

MEAN_VIEWS_PER_SESSION = 2.3
DAY = 86_400
OPEN_CART_DAYS = 7
EXPLORE_DAYS, EXPLORE_RATE = 21, 1.0  # burst of browsing of the new interest before the cutoff
DRIFT_POWER = 3.0  # P(view drawn from the current taste) = t**3: tastes shifted recently

_WEEKLY = np.array([0.92, 0.90, 0.93, 0.97, 1.05, 1.18, 1.15])  # Monday .. Sunday
_WEEKLY = _WEEKLY / _WEEKLY.mean()
# sessions by hour of day (UTC): quiet nights, an evening peak
_HOURLY = np.r_[1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2, 2.2, 2.3, 2.5]
_HOURLY = np.r_[_HOURLY, 2.8, 2.5, 2.3, 2.3, 2.4, 2.6, 3, 3.6, 4.2, 4.4, 3.6, 2.2]
_HOURLY = _HOURLY / _HOURLY.sum()
_PROMO_DAYS_BEFORE_CUTOFF = (12, 47, 80)
PROMO_SESSION_BOOST = 1.5
PROMO_PRICE_FACTOR = 0.85


def promo_days(history_days: int) -> np.ndarray:
    """Return the indices (0 = first day of the window) of the site-wide promo days.

    Args:
        history_days: Length of the history window.

    Returns:
        Sorted int array of day indices inside the window.
    """
    d = history_days - np.array(_PROMO_DAYS_BEFORE_CUTOFF)
    return np.sort(d[d >= 0])


def _decay_integral(k: np.ndarray) -> np.ndarray:
    """Integral over [0, 1] of exp(-k (t - 1/2))."""
    safe = np.where(np.abs(k) > 1e-8, k, 1.0)
    return np.where(np.abs(k) > 1e-8, np.exp(k / 2) * (-np.expm1(-k)) / safe, 1.0)


def block_events(
    seed: int, block: int, tr: dict, items: dict, history_days: int, cutoff: pd.Timestamp
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Generate the events of one block of users.

    Args:
        seed: World seed.
        block: Block index.
        tr: Traits of the block (from :func:`~campaignkit.data.world.traits.block_traits`).
        items: The item table.
        history_days: Length of the window before ``cutoff``.
        cutoff: End of the history (exclusive).

    Returns:
        ``(events, state)``: ``events`` a dict of arrays sorted by (user, ts) with keys ``user`` (local
        index), ``ts`` (int64 seconds from the window start), ``etype`` (int8 code of
        :data:`~campaignkit.data.schema.EVENT_TYPES`), ``item``, ``category``, ``price``, ``quantity``; ``state`` a dict of
        per-user arrays derived from the history (``open_cart``, ``open_cart_value``, ``most_viewed``,
        ``n_views``).
    """
    rng = block_rng(seed, _STREAM_HISTORY, block)
    n = tr["activity"].size
    D = int(history_days)
    K = items["category_pop"].size
    end = D * DAY
    start = cutoff - pd.Timedelta(days=D)
    start_dow = start.day_of_week
    k = tr["decline"]
    wmax = _WEEKLY.max()

    # --- sessions: exponential trend by inversion, weekly rhythm by thinning, promo extras -------------
    ns = rng.poisson(tr["activity"] * D * wmax * _decay_integral(k))
    su = np.repeat(np.arange(n), ns)
    kk = k[su]
    u = rng.random(su.size)
    safe = np.where(np.abs(kk) > 1e-8, kk, 1.0)
    t = np.where(np.abs(kk) > 1e-8, -np.log1p(u * np.expm1(-kk)) / safe, u)
    day = np.minimum((t * D).astype(np.int64), D - 1)
    keep = rng.random(su.size) < _WEEKLY[(start_dow + day) % 7] / wmax
    su, day = su[keep], day[keep]
    for p in promo_days(D):
        m = np.exp(-k * ((p + 0.5) / D - 0.5))
        npromo = rng.poisson(tr["activity"] * m * PROMO_SESSION_BOOST * tr["deal_seeking"])
        su = np.concatenate([su, np.repeat(np.arange(n), npromo)])
        day = np.concatenate([day, np.full(int(npromo.sum()), p, dtype=np.int64)])
    # exploration: a drifted user browses the new interest in a burst of extra sessions near the end
    nexp = rng.poisson(tr["activity"] * tr["drift"] * EXPLORE_DAYS * EXPLORE_RATE)
    explore = np.r_[np.zeros(su.size, bool), np.ones(int(nexp.sum()), bool)]
    su = np.concatenate([su, np.repeat(np.arange(n), nexp)])
    day = np.concatenate([day, D - 1 - rng.integers(0, min(EXPLORE_DAYS, D), size=int(nexp.sum()))])
    hour = rng.choice(24, size=su.size, p=_HOURLY)
    sec = day * DAY + hour * 3600 + rng.integers(0, 3600, size=su.size)
    signup_sec = (D - tr["tenure_days"]) * DAY - tr["signup_offset"]
    ok = sec >= signup_sec[su]
    so = np.flatnonzero(ok)
    so = so[np.argsort((su[so].astype(np.int64) << 36) | sec[so], kind="stable")]  # by (user, time)
    su, day, sec, explore = su[so], day[so], sec[so], explore[so]
    is_promo = np.isin(day, promo_days(D))

    # --- views ---------------------------------------------------------------------------------------
    nv = rng.geometric(1.0 / MEAN_VIEWS_PER_SESSION, size=su.size)
    vs = np.repeat(np.arange(su.size), nv)
    vu = su[vs]
    gaps = rng.exponential(45.0, size=vs.size).astype(np.int64) + 1
    cs = np.cumsum(gaps)
    starts = np.cumsum(nv) - nv
    vts = sec[vs] + cs - np.repeat(cs[starts], nv)
    frac = sec[vs] / end
    use_new = explore[vs] | (rng.random(vs.size) < frac**DRIFT_POWER)
    # inverse-CDF draw from per-user tastes: row 2u is u's old taste, 2u+1 the new; row r's CDF is in (r, r+1]
    cdf = np.empty((2 * n, K))
    cdf[0::2], cdf[1::2] = np.cumsum(tr["taste_old"], axis=1), np.cumsum(tr["taste_new"], axis=1)
    cdf /= cdf[:, -1:]
    rows = 2 * vu + use_new
    flat = (np.arange(2 * n)[:, None] + cdf).ravel()
    pos = np.searchsorted(flat, rows + rng.random(vs.size), side="right")
    cat = np.minimum(pos - rows * K, K - 1).astype(np.int64)
    rank = np.minimum(np.searchsorted(items["rank_cdf"], rng.random(vs.size)), ITEMS_PER_CATEGORY - 1)
    item = cat * ITEMS_PER_CATEGORY + rank
    price = items["price"][item]
    vpromo = is_promo[vs]

    # --- funnel: fav, cart, purchase ------------------------------------------------------------------
    fi = np.flatnonzero(rng.random(vs.size) < tr["fav_rate"][vu])
    ci = np.flatnonzero(rng.random(vs.size) < tr["cart_rate"][vu] * (1.0 + 0.4 * vpromo))
    cu, cpromo, cprice, citem, ccat = vu[ci], vpromo[ci], price[ci], item[ci], cat[ci]
    buy_p = np.minimum(0.95, tr["buy_rate"][cu] * (1.0 + 0.8 * tr["deal_seeking"][cu] * cpromo))
    buy = rng.random(ci.size) < buy_p
    qty = 1 + rng.poisson(tr["qty"][cu])
    cts = vts[ci] + 10 + rng.exponential(20.0, size=ci.size).astype(np.int64)
    pts = cts + 30 + rng.exponential(240.0, size=ci.size).astype(np.int64)
    pprice = np.where(cpromo, np.round(cprice * PROMO_PRICE_FACTOR, 2), cprice)

    vi = np.flatnonzero(vts < end)
    fi = fi[vts[fi] + 5 < end]
    ck = np.flatnonzero(cts < end)
    bi = np.flatnonzero(buy & (pts < end))
    sizes = [vi.size, fi.size, ck.size, bi.size]
    ev = {
        "user": np.concatenate([vu[vi], vu[fi], cu[ck], cu[bi]]),
        "ts": np.concatenate([vts[vi], vts[fi] + 5, cts[ck], pts[bi]]),
        "etype": np.repeat(np.array([0, 2, 1, 3], np.int8), sizes),
        "item": np.concatenate([item[vi], item[fi], citem[ck], citem[bi]]),
        "category": np.concatenate([cat[vi], cat[fi], ccat[ck], ccat[bi]]),
        "price": np.concatenate([price[vi], price[fi], cprice[ck], pprice[bi]]),
        "quantity": np.concatenate([np.ones(vi.size + fi.size, np.int64), qty[ck], qty[bi]]),
    }
    # sort by (user, ts, view < fav < cart < purchase) with one integer key
    tie = np.repeat(np.arange(4, dtype=np.int64), sizes)
    key = (ev["user"].astype(np.int64) << 36) | (ev["ts"] << 3) | tie
    order = np.argsort(key, kind="stable")
    ev = {k_: v[order] for k_, v in ev.items()}

    # --- states derived from the history (they drive responses, and a sequence can see them) ---------
    o = ck[np.argsort((cu[ck].astype(np.int64) << 36) | cts[ck], kind="stable")]
    cu_s, cts_s = cu[o], cts[o]
    cbought = buy[o] & (pts[o] < end)
    cval = cprice[o] * qty[o]
    last = np.flatnonzero(np.r_[cu_s[1:] != cu_s[:-1], True]) if cu_s.size else np.array([], np.int64)
    open_cart = np.zeros(n, bool)
    open_val = np.zeros(n)
    is_open = (cts_s[last] >= end - OPEN_CART_DAYS * DAY) & ~cbought[last]
    open_cart[cu_s[last]] = is_open
    open_val[cu_s[last]] = np.where(is_open, cval[last], 0.0)
    vin = vts < end
    counts = np.bincount(vu[vin] * K + cat[vin], minlength=n * K).reshape(n, K)
    most = np.where(counts.sum(1) > 0, counts.argmax(1), int(np.argmax(items["category_pop"])))
    state = {
        "open_cart": open_cart,
        "open_cart_value": open_val,
        "most_viewed": most.astype(np.int64),
        "n_views": counts.sum(1),
    }
    return ev, state
