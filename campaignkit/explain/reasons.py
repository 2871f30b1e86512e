"""Reason codes: each user's top drivers in words, and a per-segment summary fit for reports.

:func:`describe` turns a feature and the user's value into a phrase ("added to the cart 2 days ago",
"12 cart events among the recent ones", "38% of events in category 3"); :func:`reason_codes` picks each
user's top drivers of an explanation and words them, with the user pseudonymised
(:func:`campaignkit.privacy.pseudonymise`); :func:`segment_reasons` summarises the drivers per segment and
blanks segments under :data:`campaignkit.privacy.MIN_GROUP_SIZE` users. Raw user ids never appear.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError
from campaignkit.explain._core import Explanation
from campaignkit.features.descriptions import FEATURE_DESCRIPTIONS
from campaignkit.privacy import MIN_GROUP_SIZE, pseudonymise, suppress_small

__all__ = ["describe", "reason_codes", "segment_reasons"]

_CAP_DAYS = 365.0  # recencies of events that never happened are capped here (features.tabular)

_TEMPLATES: list[tuple[str, str]] = [
    (r"recency_cart_days", "added to the cart {d} ago"),
    (r"recency_purchase_days", "last bought {d} ago"),
    (r"recency_days", "last active {d} ago"),
    (r"n_(view|cart|fav|purchase)_(\d+)d", "{v:.0f} {1} events in the last {2} days"),
    (r"n_(view|cart|fav|purchase)", "{v:.0f} {1} events in the history"),
    (r"n_events_(\d+)d", "{v:.0f} events in the last {1} days"),
    (r"n_active_days_(\d+)d", "active on {v:.0f} of the last {1} days"),
    (r"cat_share_(.+)", "{p:.0f}% of events in category {1}"),
    (r"top_category_share", "{p:.0f}% of events in their favourite category"),
    (r"monetary", "spent {v:,.0f} in the history"),
    (r"monetary_(\d+)d", "spent {v:,.0f} in the last {1} days"),
    (r"frequency", "{v:.0f} orders in the history"),
    (r"avg_order_value", "orders of {v:,.0f} on average"),
    (r"mean_price_viewed", "browses items of {v:,.0f} on average"),
    (r"cart_abandonment_rate", "abandons {p:.0f}% of carted items"),
    (r"attr_member_tier_ord", "member tier rank {v:.0f}"),
    (r"attr_age_band_ord", "age band rank {v:.0f}"),
    (r"attr_(member_tier|age_band|region|channel_pref)_(.+)", "{is} {1} {2}"),
    (r"target_category_share", "{p:.0f}% of events in the offer's category"),
    (r"events: (view|cart|fav|purchase)", "{v:.0f} {1} events among the recent ones"),
    (r"events: category (.+)", "{v:.0f} recent events in category {1}"),
    (r"events: (latest event)", "their latest event"),
    (r"events: (events .+ back|older events)", "their {1} ({v:.0f})"),
]


def _days(v: float) -> str:
    if v >= _CAP_DAYS:
        return "never (or over a year)"
    return "today" if v < 1 else f"{v:.0f} day{'s' if round(v) != 1 else ''}"


def describe(feature: str, value: float) -> str:
    """A short phrase for a feature at a user's value, e.g. ``describe("recency_cart_days", 2)``.

    Args:
        feature: A feature name (tabular, ``events: ...`` group, or the S-learner's target share).
        value: The user's raw value of it.

    Returns:
        The phrase; a feature without a template reads ``"<meaning> = <value>"``.
    """
    feature, v = str(feature), float(value)
    for pattern, template in _TEMPLATES:
        m = re.fullmatch(pattern, feature)
        if m is None:
            continue
        if "{d}" in template:
            return template.replace("{d}", _days(v))
        groups = [m.group(0), *m.groups()]
        text = template.replace("{is}", "is" if v > 0.5 else "is not")
        for i, g in enumerate(groups):
            text = text.replace(f"{{{i}}}", str(g).replace("_", " "))
        return text.format(v=v, p=100.0 * v)
    meaning = FEATURE_DESCRIPTIONS.get(feature, feature) if feature in FEATURE_DESCRIPTIONS else feature
    return f"{meaning} = {v:.3g}"


def reason_codes(explanation: Explanation, k: int = 3, *, sign: str = "both") -> pd.DataFrame:
    """Each user's top ``k`` drivers of the explained output, in words.

    Args:
        explanation: An :class:`~campaignkit.explain.Explanation` (group the deep model's events first, e.g.
            ``.grouped("event_type")``, for readable sequence reasons).
        k: Reasons per user.
        sign: ``"both"`` (largest |SHAP|), ``"positive"`` (what speaks *for* the campaign) or
            ``"negative"`` (what speaks against it).

    Returns:
        One row per user: ``user`` (a pseudonym, never the raw id), ``campaign``, ``against``, ``output``
        (the predicted uplift or difference), and ``reason_1..k`` (phrase with the signed contribution) and
        ``driver_1..k`` (feature names).
    """
    if sign not in ("both", "positive", "negative"):
        raise ParameterError(f"sign must be 'both', 'positive' or 'negative', got {sign!r}")
    vals = explanation.values
    key = {"both": -np.abs(vals), "positive": -vals, "negative": vals}[sign]
    order = np.argsort(key, axis=1, kind="stable")[:, :k]
    names = list(explanation.feature_names)
    out = pd.DataFrame(
        {
            "user": pseudonymise(explanation.user_id),
            "campaign": explanation.campaign,
            "against": explanation.against,
            "output": explanation.output,
        }
    )
    for j in range(order.shape[1]):
        cols = order[:, j]
        shap_j = vals[np.arange(len(vals)), cols]
        data_j = explanation.data[np.arange(len(vals)), cols]
        ok = {"both": np.ones(len(vals), bool), "positive": shap_j > 0, "negative": shap_j < 0}[sign]
        out[f"reason_{j + 1}"] = [
            f"{describe(names[c], d)} ({s:+.3g})" if keep else None
            for c, d, s, keep in zip(cols, data_j, shap_j, ok, strict=True)
        ]
        out[f"driver_{j + 1}"] = [names[c] if keep else None for c, keep in zip(cols, ok, strict=True)]
    return out


def segment_reasons(
    explanation: Explanation, segment, k: int = 3, *, min_size: int = MIN_GROUP_SIZE
) -> pd.DataFrame:
    """The top drivers of each segment (by mean |SHAP| within it), k-suppressed.

    Args:
        explanation: An :class:`~campaignkit.explain.Explanation`.
        segment: Array of shape (n_users,) of segment labels, aligned with the explanation's users.
        k: Drivers per segment.
        min_size: Segments with fewer users are blanked (:func:`campaignkit.privacy.suppress_small`).

    Returns:
        One row per segment: ``n_users``, ``mean_output``, ``driver_1..k`` (feature names),
        ``mean_shap_1..k`` (their mean signed SHAP value in the segment), ``suppressed``.
    """
    segment = np.asarray(segment)
    if segment.shape != (len(explanation),):
        raise ParameterError(f"segment must have shape ({len(explanation)},), got {segment.shape}")
    names = np.asarray(explanation.feature_names, dtype=object)
    rows = []
    for label in pd.unique(segment):
        sel = segment == label
        vals = explanation.values[sel]
        top = np.argsort(-np.abs(vals).mean(0), kind="stable")[:k]
        row = {
            "segment": label,
            "n_users": int(sel.sum()),
            "mean_output": float(explanation.output[sel].mean()),
        }
        for j, c in enumerate(top):
            row[f"driver_{j + 1}"] = names[c]
            row[f"mean_shap_{j + 1}"] = float(vals[:, c].mean())
        rows.append(row)
    table = suppress_small(pd.DataFrame(rows).set_index("segment"), "n_users", min_size)
    text = [c for c in table.columns if c.startswith("driver_")]
    table[text] = table[text].astype(object)
    table.loc[table["suppressed"], text] = None
    return table
