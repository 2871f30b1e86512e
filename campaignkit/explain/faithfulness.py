"""Is an explanation faithful? Additivity, recall of the world's true drivers, stability across backgrounds.

- :func:`additivity_error`: how far ``base + Σ values`` is from the model's own output (local accuracy).
- :func:`top_driver_recall`: on the synthetic world, the share of campaigns whose true drivers
  (:func:`campaignkit.data.world.campaign_drivers`) show, through an observable proxy feature
  (:data:`TRAIT_PROXIES`), among the top-k features by mean |SHAP|. :func:`driver_table` gives the detail
  and the recall a random top-k would reach (the chance level).
- :func:`reason_code_stability`: the share of a user's top-k features two explanations (e.g. two
  background samples) agree on.
"""

from __future__ import annotations

from fnmatch import fnmatch
from math import comb

import numpy as np
import pandas as pd

from campaignkit.data.world.drivers import campaign_drivers
from campaignkit.errors import ParameterError
from campaignkit.explain._core import Explanation
from campaignkit.explain.trees import MATCH_FEATURE

__all__ = [
    "TRAIT_PROXIES",
    "additivity_error",
    "proxy_features",
    "driver_table",
    "top_driver_recall",
    "reason_code_stability",
]

TRAIT_PROXIES: dict[str, tuple[str, ...]] = {
    # s = σ(-0.5 z + 0.35 (2 - age) + ε), d = σ(0.7 logit s + ...): the age band is their observable cause
    # (rank correlation 0.35 with s on a 4,000-user world); the deal-seeking ratio feature does not track d
    "value_sensitivity": ("attr_age_band_*",),
    "deal_seeking": ("attr_age_band_*",),
    "basket": (
        "mean_price_viewed",
        "max_price_viewed",
        "std_price_viewed",
        "avg_order_value",
        "mean_price_purchased",
    ),
    "tier": ("attr_member_tier_*",),  # observed directly
    "open_cart": ("n_cart_7d", "n_cart_30d", "recency_cart_days", "cart_abandonment_rate", "events: cart"),
    "category_interest": ("cat_share_*", "top_category_share", "events: category *", MATCH_FEATURE),
    "channel_affinity": (
        "attr_channel_pref_*",
        "attr_age_band_*",
    ),  # preferred channel = argmax affinity (15% noise)
    "fatigue": (),  # drawn independently of everything observed: no proxy
    "spend_level": (
        "monetary*",
        "frequency",
        "avg_order_value",
        "units_purchased",
        "n_purchase*",
        "purchase_per_*",
    ),
}
"""Observable features (name patterns, ``fnmatch``) of the feature store that stand in for each driver trait
of :data:`campaignkit.data.world.DRIVER_TRAITS`; ``events: ...`` are the deep model's grouped sequence
attributions (:meth:`Explanation.grouped`)."""


def additivity_error(explanation: Explanation, *, relative: bool = False) -> float:
    """Largest gap between what the SHAP values add up to and the model's own output.

    Args:
        explanation: An :class:`~campaignkit.explain.Explanation`.
        relative: Divide by the spread (max - min) of the output over the explained users.

    Returns:
        ``max |base_values + values.sum(1) - output|`` (relative: over the spread; 0 when the spread is 0
        and the gap is 0).
    """
    gap = float(np.max(np.abs(explanation.reconstructed - explanation.output))) if len(explanation) else 0.0
    if not relative:
        return gap
    spread = float(np.ptp(explanation.output)) if len(explanation) else 0.0
    return gap / spread if spread > 0 else (0.0 if gap == 0 else float("inf"))


def proxy_features(driver: str, feature_names) -> list[str]:
    """Features of ``feature_names`` that proxy ``driver`` (see :data:`TRAIT_PROXIES`)."""
    if driver not in TRAIT_PROXIES:
        raise ParameterError(f"unknown driver {driver!r}; known: {sorted(TRAIT_PROXIES)}")
    return [f for f in map(str, feature_names) if any(fnmatch(f, p) for p in TRAIT_PROXIES[driver])]


def driver_table(
    explanations, catalogue: pd.DataFrame, *, outcome: str | None = None, k: int = 5, roles=("specific",)
) -> pd.DataFrame:
    """Where each campaign's true drivers rank in its explanation.

    Args:
        explanations: ``{campaign_id: Explanation}`` (uplift against control; group the deep model's
            sequence first, e.g. ``.grouped("event_type")``, so event groups can be proxies).
        catalogue: The world's catalogue.
        outcome: Outcome whose drivers are looked up (default: the explanations' own outcome).
        k: Size of the top.
        roles: Driver roles counted (``"specific"``, ``"contact"``, ``"cost"``; see
            :func:`~campaignkit.data.world.campaign_drivers`).

    Returns:
        One row per (campaign, driver): ``proxies`` (observable proxy features present), ``best_rank``
        (1-based rank of the best-ranked proxy by mean |SHAP|, NaN without proxies), ``in_top_k``, and
        ``chance`` (probability that a random top-k holds a proxy).
    """
    rows = []
    for cid, expl in explanations.items():
        if expl.against != "control":
            raise ParameterError(
                f"driver recall needs uplifts against control; {cid!r} is against {expl.against!r}"
            )
        out = outcome or ("participate" if expl.outcome == "participate" else "profit")
        truth = campaign_drivers(catalogue, out)
        truth = truth[(truth["campaign_id"] == cid) & truth["role"].isin(roles)]
        ranking = list(expl.importance().index)
        p = len(ranking)
        for driver in truth["driver"]:
            prox = proxy_features(driver, ranking)
            ranks = [ranking.index(f) + 1 for f in prox]
            best = min(ranks) if ranks else np.nan
            chance = 1.0 - comb(p - len(prox), k) / comb(p, k) if prox and p >= k else np.nan
            rows.append((cid, driver, prox, best, bool(ranks) and best <= k, chance))
    return pd.DataFrame(rows, columns=["campaign_id", "driver", "proxies", "best_rank", "in_top_k", "chance"])


def top_driver_recall(
    explanations, catalogue: pd.DataFrame, *, outcome: str | None = None, k: int = 5, roles=("specific",)
) -> float:
    """Share of campaigns whose true drivers show among the top-k features of their explanation.

    A campaign counts when at least one of its drivers (of ``roles``) has an observable proxy among the
    explanation's features (fatigue, for one, has none); it is a hit when a proxy of one of those drivers
    ranks in the top ``k`` features by mean |SHAP| over the explained users.

    Args:
        explanations: ``{campaign_id: Explanation}`` of uplifts against control.
        catalogue: The world's catalogue (its structural drivers come from
            :func:`~campaignkit.data.world.campaign_drivers`).
        outcome: As in :func:`driver_table`.
        k: Size of the top.
        roles: Driver roles counted.

    Returns:
        Hits / campaigns counted (NaN when no campaign has an observable driver).
    """
    table = driver_table(explanations, catalogue, outcome=outcome, k=k, roles=roles)
    table = table[table["proxies"].map(len) > 0]
    if table.empty:
        return float("nan")
    return float(table.groupby("campaign_id")["in_top_k"].any().mean())


def _top_sets(explanation: Explanation, k: int) -> dict:
    order = np.argsort(-np.abs(explanation.values), axis=1, kind="stable")[:, :k]
    names = np.asarray(explanation.feature_names, dtype=object)
    return {u: set(names[o]) for u, o in zip(explanation.user_id.tolist(), order, strict=True)}


def reason_code_stability(first: Explanation, second: Explanation, k: int = 5) -> float:
    """Mean share of each user's top-k features (by |SHAP|) that two explanations agree on.

    Args:
        first: An explanation (e.g. with one background sample).
        second: The same users explained again (e.g. with another background sample).
        k: Size of the top.

    Returns:
        Mean over the users both explain of ``|top_k(first) ∩ top_k(second)| / k`` (1 = the same drivers).

    Raises:
        ParameterError: The explanations share no user, or differ in features.
    """
    if list(first.feature_names) != list(second.feature_names):
        raise ParameterError("the two explanations have different features (group both the same way)")
    a, b = _top_sets(first, k), _top_sets(second, k)
    common = [u for u in a if u in b]
    if not common:
        raise ParameterError("the two explanations share no user")
    return float(np.mean([len(a[u] & b[u]) / k for u in common]))
