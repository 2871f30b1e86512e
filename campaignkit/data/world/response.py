"""Structural response equations: exact expectations and coupled sampling of campaign outcomes.

Every function here broadcasts: user arrays of shape (n, 1) against campaign arrays of shape (1, m) give
an (n, m) grid; arrays of shape (n,) on both sides give one outcome per (user, campaign) pair. The
equations are written out in :mod:`campaignkit.data.world`'s docstring.
"""

from __future__ import annotations

import numpy as np

from campaignkit.data.catalogue import CAMPAIGN_TYPES, CHANNELS

__all__ = ["baseline", "branches", "expected", "sample", "N_UNIFORMS", "REVENUE_SIGMA"]

REVENUE_SIGMA = 0.6
"""Log-scale noise of a realised spend around its expectation (mean-one lognormal)."""
N_UNIFORMS = 5
"""Random numbers per user used by :func:`sample` (seen, engaged, converted, churned, spend)."""

_T = {t: i for i, t in enumerate(CAMPAIGN_TYPES)}
_CH = {c: i for i, c in enumerate(CHANNELS)}
# annoyance of an unwanted contact, by channel (none, email, sms, app_push)
_CHANNEL_INTRUSION = np.array([0.0, 0.5, 1.0, 0.75])
FATIGUE_CONVERT = 1.5
FATIGUE_CHURN = 1.2
_PROPORTIONAL = ("percent_discount", "flash_sale", "member_exclusive", "points_bonus", "coupon")


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p) - np.log1p(-p)


def baseline(tr: dict, campaign_days: int, purchases_per_view_scale: float) -> dict[str, np.ndarray]:
    """Per-user outcomes under control over the campaign window.

    Args:
        tr: Per-user traits and history states (``activity``, ``decline``, ``cart_rate``, ``buy_rate``,
            ``basket``, ``open_cart``, ``tenure_days``).
        campaign_days: Window length W in days.
        purchases_per_view_scale: Mean views per session (purchases per session = views x cart x buy).

    Returns:
        Dict of arrays (n,): ``p0`` conversion probability, ``m0`` expected spend of a converter,
        ``ch0`` churn probability, ``rate_now`` current sessions per day.
    """
    rate_now = tr["activity"] * np.exp(-0.5 * tr["decline"])
    mu = campaign_days * rate_now * purchases_per_view_scale * tr["cart_rate"] * tr["buy_rate"]
    p_base = -np.expm1(-mu)
    p0 = 1.0 - (1.0 - p_base) * (1.0 - 0.25 * tr["buy_rate"] * tr["open_cart"])
    orders = np.where(mu > 1e-9, mu / np.maximum(p_base, 1e-12), 1.0)
    m0 = tr["basket"] * orders
    ch0 = _sigmoid(
        -2.2 + 1.1 * tr["decline"] - 0.45 * np.log(rate_now / 0.1) - 0.3 * np.log1p(tr["tenure_days"] / 365.0)
    )
    return {"p0": p0, "m0": m0, "ch0": ch0, "rate_now": rate_now}


def branches(u: dict, c: dict, match) -> dict[str, np.ndarray]:
    """Branch probabilities and values of each (user, campaign): unseen, seen-ignored, engaged.

    Args:
        u: User arrays: ``p0, m0, ch0, basket, price_sens, deal_seeking, fatigue, aff`` (aff as a dict
            channel -> array), ``tier``, ``open_cart``.
        c: Campaign arrays: ``type`` (code), ``depth``, ``threshold``, ``amount``, ``channel`` (code),
            ``targets_category``, ``contact_cost``, ``margin_rate``.
        match: The user's current interest in the targeted category (ignored for untargeted campaigns).

    Returns:
        Dict of broadcast arrays: ``r`` (seen), ``e`` (engaged if seen), ``p0, p_ne, p_eng``, ``m0, m_eng``,
        ``disc`` (discount per redeemed converter), ``ch0, ch_ne, ch_eng``, ``contact``, ``margin``.
    """
    typ, depth, thr = c["type"], c["depth"], c["threshold"]
    ch = c["channel"]
    is_ctrl = typ == _T["control"]
    targeted = c["targets_category"].astype(bool)
    aff = sum(u["aff"][j] * (ch == j) for j in range(1, len(CHANNELS)))
    r = np.where(is_ctrl, 0.0, aff)
    match = np.where(targeted, match, 0.0)
    tier = u["tier"]
    open_cart = u["open_cart"].astype(float)
    value_sens = 0.3 + u["price_sens"] + u["deal_seeking"]

    theta = -2.4 + 7.0 * depth * value_sens
    feas = _sigmoid(2.5 * (np.log(1.6 * u["basket"]) - np.log(np.maximum(thr, 1e-9))))
    theta = theta + np.where(thr > 0, np.log(feas + 1e-3), 0.0)
    theta = theta + np.where(typ == _T["flash_sale"], 1.2 * u["deal_seeking"] - 0.4, 0.0)
    theta = theta + np.where(typ == _T["member_exclusive"], 0.9 * tier - 1.2, 0.0)
    theta = theta + np.where(typ == _T["points_bonus"], 0.6 * tier - 0.3, 0.0)
    theta = np.where(typ == _T["reminder"], -3.2 + 3.8 * open_cart, theta)
    theta = np.where(typ == _T["recommendation"], -1.6, theta)
    theta = theta + np.where(targeted, np.log(0.08 + 2.4 * match), 0.0)
    theta = theta + 0.8 * (aff - 0.5)
    e = np.where(is_ctrl, 0.0, _sigmoid(theta))

    lp0 = _logit(u["p0"])
    boost = 1.0 + 4.0 * depth + 1.2 * open_cart * (typ == _T["reminder"]) + 1.0 * match
    intrusion = _CHANNEL_INTRUSION[ch]
    p_eng = _sigmoid(lp0 + boost)
    p_ne = _sigmoid(lp0 - FATIGUE_CONVERT * intrusion * u["fatigue"])

    m0 = u["m0"]
    prop = np.isin(typ, [_T[t] for t in _PROPORTIONAL]) & ~(c["amount"] > 0)
    m_eng = m0 * np.where(prop, 1.0 + 1.2 * depth * u["price_sens"], 1.0)
    m_eng = np.where(thr > 0, np.maximum(m_eng, 1.05 * thr), m_eng)
    m_eng = np.where(typ == _T["recommendation"], m_eng * (1.0 + 0.1 * match), m_eng)
    disc = np.where(c["amount"] > 0, c["amount"], depth * m_eng)
    disc = np.where(np.isin(typ, [_T["reminder"], _T["recommendation"], _T["control"]]), 0.0, disc)

    lch0 = _logit(u["ch0"])
    ch_ne = _sigmoid(lch0 + FATIGUE_CHURN * intrusion * u["fatigue"])
    ch_eng = _sigmoid(lch0 - 1.2)
    shape = np.broadcast_shapes(np.shape(r), np.shape(lp0))
    return {
        "r": np.broadcast_to(r, shape),
        "e": np.broadcast_to(e, shape),
        "p0": np.broadcast_to(u["p0"], shape),
        "p_ne": np.broadcast_to(np.where(is_ctrl, u["p0"], p_ne), shape),
        "p_eng": np.broadcast_to(p_eng, shape),
        "m0": np.broadcast_to(m0, shape),
        "m_eng": np.broadcast_to(m_eng, shape),
        "disc": np.broadcast_to(disc, shape),
        "ch0": np.broadcast_to(u["ch0"], shape),
        "ch_ne": np.broadcast_to(np.where(is_ctrl, u["ch0"], ch_ne), shape),
        "ch_eng": np.broadcast_to(ch_eng, shape),
        "contact": np.broadcast_to(c["contact_cost"] * 1.0, shape),
        "margin": np.broadcast_to(c["margin_rate"] * 1.0, shape),
    }


def expected(b: dict) -> dict[str, np.ndarray]:
    """Exact expected outcomes from :func:`branches` (no sampling).

    Args:
        b: Output of :func:`branches`.

    Returns:
        Dict of arrays: ``participate, convert, revenue, discount_cost, contact_cost, profit, retain``.
    """
    r, e = b["r"], b["e"]
    w_un, w_ne, w_en = 1.0 - r, r * (1.0 - e), r * e
    convert = w_un * b["p0"] + w_ne * b["p_ne"] + w_en * b["p_eng"]
    revenue = (w_un * b["p0"] + w_ne * b["p_ne"]) * b["m0"] + w_en * b["p_eng"] * b["m_eng"]
    discount = w_en * b["p_eng"] * b["disc"]
    contact = np.array(b["contact"], dtype=float)
    churn = w_un * b["ch0"] + w_ne * b["ch_ne"] + w_en * b["ch_eng"]
    return {
        "participate": np.array(w_en, dtype=float),
        "convert": convert,
        "revenue": revenue,
        "discount_cost": discount,
        "contact_cost": contact,
        "profit": b["margin"] * revenue - discount - contact,
        "retain": 1.0 - churn,
    }


def sample(b: dict, uniforms: np.ndarray) -> dict[str, np.ndarray]:
    """Realised outcomes of pairs, driven by per-user random numbers (common across campaigns).

    Args:
        b: Output of :func:`branches` for pairs, arrays of shape (n,).
        uniforms: Array of shape (n, :data:`N_UNIFORMS`) in [0, 1): the same numbers whatever campaign
            the user gets, so a user's counterfactual outcomes are coupled.

    Returns:
        Dict of arrays (n,): ``participated, converted, retained`` (bool), ``revenue, discount_cost,
        contact_cost, profit`` (float).
    """
    seen = uniforms[:, 0] < b["r"]
    engaged = seen & (uniforms[:, 1] < b["e"])
    p = np.where(engaged, b["p_eng"], np.where(seen, b["p_ne"], b["p0"]))
    converted = uniforms[:, 2] < p
    churn = np.where(engaged, b["ch_eng"], np.where(seen, b["ch_ne"], b["ch0"]))
    retained = uniforms[:, 3] >= churn
    z = _norm_ppf(uniforms[:, 4])
    noise = np.exp(REVENUE_SIGMA * z - REVENUE_SIGMA**2 / 2)
    spend = np.where(engaged, b["m_eng"], b["m0"]) * noise
    revenue = np.where(converted, spend, 0.0)
    discount = np.where(converted & engaged, b["disc"], 0.0)
    contact = np.array(b["contact"], dtype=float)
    return {
        "participated": engaged,
        "converted": converted,
        "revenue": revenue,
        "discount_cost": discount,
        "contact_cost": contact,
        "profit": b["margin"] * revenue - discount - contact,
        "retained": retained,
    }


def _norm_ppf(u):
    from scipy.special import ndtri

    return ndtri(np.clip(u, 1e-12, 1 - 1e-12))
