"""What a logged row cost and earned, by the catalogue's cost model: the discount (reward) paid and the profit.

Defined once here, in the data layer, so that the exposure-log builder (:mod:`campaignkit.data.exposures`) and
every model (:mod:`campaignkit.models.profit` re-exports both) price a row the same way. The discount follows
the cost rule of each campaign's offer type (:data:`~campaignkit.data.offers.OFFER_TYPES`), paid on redeemed
rows only; **a ``discount_cost`` column of the log is used as is when present**, and a ``profit`` column
likewise. Profit is ``margin_rate x revenue - discount - contact_cost`` with the catalogue's ``margin_rate``;
where the catalogue states none, the kit's :data:`~campaignkit.data.catalogue.DEFAULT_MARGIN_RATE` (0.35) is
assumed with a UserWarning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.data.catalogue import DEFAULT_MARGIN_RATE, get_offer_type, warn_margin_assumed

__all__ = ["realised_discount", "realised_profit"]


def realised_discount(log: pd.DataFrame, catalogue: pd.DataFrame) -> np.ndarray:
    """Discount (reward) paid on each logged row, by the cost rule of each campaign's offer type.

    Only redeemed rows pay: rows that participated and converted. What a redemption costs depends on the
    campaign's type (:class:`~campaignkit.data.catalogue.OfferType` ``cost``): ``"fixed"`` (``bogo``,
    ``spend_get``) pays the row's ``amount``; ``"proportional"`` pays ``depth`` x the row's revenue;
    ``"amount_or_depth"`` (the seed types: 满减, percent discounts, coupons...) pays ``amount`` when it is
    > 0, else ``depth`` x revenue; ``"none"`` and every type that is not ``redeemable`` (control, reminder,
    recommendation, informational) pay 0. A catalogue without a ``type`` column is read as
    ``"amount_or_depth"`` for every campaign.

    **A ``discount_cost`` column of the log is used as is when present** (the reward your system recorded,
    e.g. from redemption events): the catalogue's cost model is then not applied.

    Args:
        log: Campaign log with ``campaign_id, participated, converted, revenue`` (or ``discount_cost``).
        catalogue: The campaigns (``campaign_id``, ``depth``, optional ``type`` and ``amount``).

    Returns:
        Array of shape (n_rows,) (NaN for a redeemed row whose campaign is not in the catalogue).

    Raises:
        ParameterError: When the catalogue holds a type that is not registered.
    """
    if "discount_cost" in log.columns:
        return log["discount_cost"].to_numpy(dtype=float)
    cat = catalogue.set_index("campaign_id")
    ids = log["campaign_id"]
    amount = ids.map(cat["amount"]).to_numpy(dtype=float) if "amount" in cat else np.zeros(len(log))
    depth = ids.map(cat["depth"]).to_numpy(dtype=float)
    rule = ids.map(pd.Series(_cost_rules(cat), index=cat.index)).to_numpy(dtype=object)
    redeemed = log["participated"].to_numpy(dtype=bool) & log["converted"].to_numpy(dtype=bool)
    proportional = depth * log["revenue"].to_numpy(dtype=float)
    per_order = np.select(
        [rule == "amount_or_depth", rule == "fixed", rule == "proportional", rule == "none"],
        [np.where(amount > 0, amount, proportional), amount, proportional, 0.0],
        default=np.nan,
    )
    return np.where(redeemed, per_order, 0.0)


def _cost_rules(cat: pd.DataFrame) -> list[str]:
    """Cost rule of each campaign of ``cat``: its type's, ``"none"`` for a type that is not redeemable."""
    if "type" not in cat:
        return ["amount_or_depth"] * len(cat)
    types = [get_offer_type(t) for t in cat["type"]]
    return [t.cost if t.redeemable else "none" for t in types]


def realised_profit(log: pd.DataFrame, catalogue: pd.DataFrame) -> np.ndarray:
    """Profit of each logged row: ``margin_rate * revenue - discount - contact_cost``.

    The discount is :func:`realised_discount` (the log's ``discount_cost`` when present). A ``profit``
    column of the log is used as is when present. **The margin is the catalogue's ``margin_rate``**; a
    catalogue without one gets the kit's :data:`~campaignkit.data.catalogue.DEFAULT_MARGIN_RATE` (0.35),
    with a UserWarning saying so (:func:`~campaignkit.data.catalogue.validate_catalogue` fills it the
    same way).

    Args:
        log: Campaign log.
        catalogue: The campaigns (``margin_rate`` defaults to ``DEFAULT_MARGIN_RATE``, ``contact_cost`` to 0).

    Returns:
        Array of shape (n_rows,).
    """
    if "profit" in log.columns:
        return log["profit"].to_numpy(dtype=float)
    cat = catalogue.set_index("campaign_id")
    ids = log["campaign_id"]
    if "margin_rate" in cat:
        margin = ids.map(cat["margin_rate"]).to_numpy(dtype=float)
    else:
        warn_margin_assumed("the catalogue given to realised_profit")
        margin = np.full(len(log), DEFAULT_MARGIN_RATE)
    contact = (
        ids.map(cat["contact_cost"]).to_numpy(dtype=float) if "contact_cost" in cat else np.zeros(len(log))
    )
    return margin * log["revenue"].to_numpy(dtype=float) - realised_discount(log, catalogue) - contact
