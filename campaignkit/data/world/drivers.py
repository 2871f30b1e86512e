"""Which latent traits drive each campaign's effect, read off the world's structural equations.

A read-only description for checking explanations against the truth: nothing here changes a response or
the generation of the world. Each entry names the term of :func:`campaignkit.data.world.response.branches`
(or :func:`~campaignkit.data.world.response.baseline`) it comes from:

- ``value_sensitivity`` (traits ``price_sens`` and ``deal_seeking``): engagement ``θ += 7 δ (0.3 + s + d)``
  for every campaign with a depth ``δ > 0``;
- ``basket``: the threshold feasibility ``log σ(2.5 log(1.6 B / T))`` of campaigns with a threshold ``T > 0``;
- ``deal_seeking``: ``θ += 1.2 d - 0.4`` of flash sales;
- ``tier``: ``θ += 0.9 tier - 1.2`` (member exclusives) and ``0.6 tier - 0.3`` (points bonuses);
- ``open_cart``: ``θ = -3.2 + 3.8 open_cart`` of reminders;
- ``category_interest``: ``θ += log(0.08 + 2.4 x)`` and the conversion boost ``+ x`` of category-targeted
  campaigns, ``x`` the current interest in the target category;
- ``channel_affinity``: the message is seen with probability ``a_channel`` and ``θ += 0.8 (a - ½)`` - every
  contact;
- ``fatigue``: a seen-but-ignored message lowers conversion by ``1.5 ι f`` on the logit scale - every contact;
- ``spend_level`` (``activity``, ``basket``, funnel rates: the control conversion ``p0`` and spend ``m0``): the
  discount a campaign pays is ``δ m_eng`` (or its fixed amount) on engaged converters, so the profit of a
  discount campaign depends on how much its users would buy anyway (the *sure things* it subsidises).

``role`` tells a campaign's *specific* drivers (what sets it apart from other campaigns: the engagement
terms of its type and attributes) from the ones every contact shares (``contact``: channel affinity and
fatigue) and, for profit, the ``spend_level`` of discount campaigns (``cost``).
"""

from __future__ import annotations

import pandas as pd

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.errors import ParameterError

__all__ = ["DRIVER_TRAITS", "DRIVER_OUTCOMES", "campaign_drivers"]

DRIVER_TRAITS: dict[str, str] = {
    "value_sensitivity": "price sensitivity s and deal seeking d: engagement rises with 7 δ (0.3 + s + d)",
    "basket": "basket size B: a threshold T is feasible with probability σ(2.5 log(1.6 B / T))",
    "deal_seeking": "deal seeking d: flash sales add 1.2 d to the engagement logit",
    "tier": "member tier: member exclusives add 0.9 tier, points bonuses 0.6 tier to the engagement logit",
    "open_cart": "an open cart (last cart < 7 days old, unbought): reminders engage at σ(-3.2 + 3.8 open_cart)",
    "category_interest": "current interest x in the target category: log(0.08 + 2.4 x) on engagement, + x on conversion",
    "channel_affinity": "affinity to the campaign's channel: the message is seen with that probability",
    "fatigue": "contact fatigue f: a seen-but-ignored message lowers conversion and raises churn",
    "spend_level": "what the user buys anyway (activity, basket, funnel): the discount paid to converters",
}
"""Every driver trait and the structural term it enters by."""

DRIVER_OUTCOMES = ("participate", "profit")
"""Outcomes :func:`campaign_drivers` describes: taking part (engagement ``r e``) and profit."""


def campaign_drivers(catalogue: pd.DataFrame, outcome: str = "profit") -> pd.DataFrame:
    """The latent traits that drive each campaign's effect on an outcome, from the structural equations.

    Args:
        catalogue: The campaigns (e.g. ``world.catalogue``); control gets no rows.
        outcome: ``"participate"`` (the engagement terms and the channel) or ``"profit"`` (those, plus
            fatigue - the harm of contact - and, for campaigns that pay a discount, the spend level).

    Returns:
        DataFrame with one row per (campaign, driver): ``campaign_id``, ``driver`` (a key of
        :data:`DRIVER_TRAITS`), ``role`` (``"specific"``, ``"contact"`` or ``"cost"``) and ``term``.

    Raises:
        ParameterError: ``outcome`` is not one of :data:`DRIVER_OUTCOMES`.
    """
    if outcome not in DRIVER_OUTCOMES:
        raise ParameterError(f"outcome must be one of {DRIVER_OUTCOMES}, got {outcome!r}")
    cat = validate_catalogue(catalogue)
    rows = []
    for c in cat.itertuples(index=False):
        if c.type != "control":
            rows += [(c.campaign_id, d, role, DRIVER_TRAITS[d]) for d, role in _drivers_of(c, outcome)]
    return pd.DataFrame(rows, columns=["campaign_id", "driver", "role", "term"])


def _drivers_of(c, outcome: str) -> list[tuple[str, str]]:
    """``(driver, role)`` of one campaign row: its specific terms, then contact and cost."""
    specific = [
        ("value_sensitivity", c.depth > 0),
        ("basket", c.threshold > 0),
        ("deal_seeking", c.type == "flash_sale"),
        ("tier", c.type in ("member_exclusive", "points_bonus")),
        ("open_cart", c.type == "reminder"),
        ("category_interest", bool(c.targets_category)),
    ]
    found = [(d, "specific") for d, applies in specific if applies]
    found.append(("channel_affinity", "contact"))
    if outcome == "profit":
        found.append(("fatigue", "contact"))
        if c.depth > 0 or getattr(c, "amount", 0.0) > 0:
            found.append(("spend_level", "cost"))
    return found
