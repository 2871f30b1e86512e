"""The one list of feature names and their meanings (tabular features and sequence channels).

``FEATURE_DESCRIPTIONS[name]`` gives the meaning of any column :func:`build_features` returns. Columns
whose names depend on the data (``cat_share_<c>``, ``attr_<column>_<level>``) are resolved from
pattern entries, so ``name in FEATURE_DESCRIPTIONS`` holds for every produced column.
"""

from __future__ import annotations

import re

from campaignkit.data.schema import EVENT_TYPES

__all__ = ["FEATURE_DESCRIPTIONS", "SEQUENCE_CHANNELS", "FEATURE_GROUPS", "feature_group"]

_D = "days (24 h steps counted back from the cutoff)"


def _window_counts() -> dict[str, str]:
    out = {}
    for et in EVENT_TYPES:
        out[f"n_{et}"] = f"number of '{et}' events before the cutoff"
        for w in (7, 30, 90):
            out[f"n_{et}_{w}d"] = f"number of '{et}' events in the {w} days before the cutoff"
    return out


_STATIC: dict[str, str] = {
    "n_events": "number of events (any type) before the cutoff",
    "n_events_7d": "number of events in the 7 days before the cutoff",
    "n_events_30d": "number of events in the 30 days before the cutoff",
    "n_events_90d": "number of events in the 90 days before the cutoff",
    **_window_counts(),
    "n_active_days_30d": f"number of distinct active {_D} within the last 30",
    "n_active_days_90d": f"number of distinct active {_D} within the last 90",
    "recency_days": "days from the last event (any type) to the cutoff; capped, the cap if none",
    "recency_purchase_days": "R of RFM: days from the last purchase to the cutoff; capped, the cap if none",
    "recency_cart_days": "days from the last add-to-cart to the cutoff; capped, the cap if none",
    "frequency": "F of RFM: number of orders (purchase events sharing one timestamp form one order)",
    "monetary": "M of RFM: total spend, sum of price x quantity over purchases",
    "monetary_30d": "spend in the 30 days before the cutoff",
    "monetary_90d": "spend in the 90 days before the cutoff",
    "avg_order_value": "monetary / frequency (0 without orders)",
    "units_purchased": "sum of quantity over purchases",
    "cart_per_view": "funnel rate: carts / views (0 without views)",
    "fav_per_view": "funnel rate: favourites / views (0 without views)",
    "purchase_per_view": "funnel rate: purchases / views (0 without views)",
    "purchase_per_cart": "funnel rate: purchases / carts (0 without carts; may exceed 1 for direct buys)",
    "n_carted_items": "number of distinct items ever added to the cart",
    "cart_abandonment_rate": "share of carted items not bought at or after their last cart event (0 if none)",
    "n_categories": "number of distinct categories in the user's events",
    "category_entropy": "Shannon entropy (nats) of the user's events over categories: breadth of taste",
    "top_category_share": "share of the user's events in their most frequent category",
    "mean_price_viewed": "mean price of viewed items (0 without views)",
    "std_price_viewed": "standard deviation of viewed prices (0 without views)",
    "max_price_viewed": "highest viewed price (0 without views)",
    "mean_price_purchased": "mean unit price of purchased items (0 without purchases)",
    "deal_seeking_ratio": "promo affinity proxy: mean purchased price / mean viewed price (<1 buys the "
    "cheaper things it browses; 1 when unknown)",
    "mean_interpurchase_days": "mean days between consecutive orders; the cap with fewer than 2 orders",
    "activity_trend": "log(1 + events in last 30 days) - log(1 + events 30-60 days ago): >0 warming up",
    "purchase_trend": "log(1 + purchases in last 90 days) - log(1 + purchases 90-180 days ago)",
    "days_since_first_event": "days from the first event to the cutoff: behavioural tenure (0 if none)",
    "tenure_days": "days from signup_ts to the cutoff (0 if signup is missing or after the cutoff), "
    "or the users table's own tenure_days",
}

_PATTERNS: list[tuple[str, str]] = [
    (
        r"cat_share_(?P<v>.+)",
        "share of the user's events in category {v} (tracked: most frequent categories)",
    ),
    (
        r"attr_(?P<v>.+)_ord",
        "user attribute {v} as an ordinal (rank in its known order, e.g. none < silver < gold < platinum, else in sorted order; 0 if missing)",
    ),
    (r"attr_(?P<v>.+)_days_before_cutoff", "days from the user attribute timestamp {v} to the cutoff"),
    (r"attr_(?P<v>.+)", "user attribute: one-hot level or numeric value '{v}' from the users table"),
]

FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "activity": ("n_events", "n_view", "n_cart", "n_fav", "n_purchase", "n_active"),
    "rfm": ("recency", "frequency", "monetary", "avg_order", "units"),
    "funnel": ("cart_per", "fav_per", "purchase_per", "n_carted", "cart_abandon"),
    "category": ("n_categories", "category_", "top_category", "cat_share_"),
    "price": ("mean_price", "std_price", "max_price", "deal_seeking"),
    "timing": ("mean_interpurchase", "activity_trend", "purchase_trend", "days_since_first", "tenure"),
    "attributes": ("attr_",),
}
"""Feature families by name prefix (first match wins), used for plots and tables."""

SEQUENCE_CHANNELS: dict[str, str] = {
    "event_type": "1 view, 2 cart, 3 fav, 4 purchase (0 = padding)",
    "category": "category id: category_vocab[i] -> i + 1, unknown -> len(vocab) + 1 (0 = padding)",
    "price_bucket": "price bucket on fixed log-spaced edges (1 = cheapest; 0 = padding)",
    "gap_bucket": "time since the user's previous event, log-spaced buckets; 1 = no previous event (0 = padding)",
    "mask": "True where the position holds a real event; sequences are right-aligned (latest last)",
}


def feature_group(name: str) -> str:
    """Return the family (``"rfm"``, ``"funnel"``...) a feature name belongs to, or ``"other"``."""
    for group, prefixes in FEATURE_GROUPS.items():
        if any(name.startswith(p) for p in prefixes):
            return group
    return "other"


class _FeatureCatalog(dict):
    """A dict of fixed names that also answers for pattern-named columns (``cat_share_3``...)."""

    def _match(self, key):
        if not isinstance(key, str):
            return None
        for pattern, text in _PATTERNS:
            m = re.fullmatch(pattern, key)
            if m:
                return text.format(**m.groupdict())
        return None

    def __missing__(self, key):
        text = self._match(key)
        if text is None:
            raise KeyError(key)
        return text

    def __contains__(self, key):
        return dict.__contains__(self, key) or self._match(key) is not None

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default


FEATURE_DESCRIPTIONS: dict[str, str] = _FeatureCatalog(_STATIC)
"""``{feature name: meaning}`` for every column of :func:`build_features`; pattern names resolve too."""
