"""Campaign economics shared by every model: the catalogue's cost model as arrays, the discount and profit
of logged rows, and a campaign's profit built through participation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["catalogue_arrays", "realised_discount", "realised_profit", "mediated_profit"]


def catalogue_arrays(catalogue: pd.DataFrame) -> dict:
    """Attributes and cost model of a catalogue as arrays of shape (n_campaigns,) (+ the feature matrix)."""
    from campaignkit.data.catalogue import campaign_features

    n = len(catalogue)
    get = lambda c, d: catalogue[c].to_numpy(dtype=float) if c in catalogue else np.full(n, d)  # noqa: E731
    return {
        "features": np.asarray(campaign_features(catalogue), dtype=np.float32),
        "margin": get("margin_rate", 0.35),
        "contact": get("contact_cost", 0.0),
        "amount": get("amount", 0.0),
        "depth": get("depth", 0.0),
        "targeted": catalogue["targets_category"].to_numpy(dtype=bool),
        "ids": catalogue["campaign_id"].astype(str).tolist(),
    }


def realised_discount(log: pd.DataFrame, catalogue: pd.DataFrame) -> np.ndarray:
    """Discount paid on each logged row, by the catalogue's cost model.

    A campaign pays its fixed ``amount`` (or ``depth`` x the order value when it has no fixed amount) on
    redeemed orders only: rows that participated and converted. A ``discount_cost`` column of the log is
    used as is when present.

    Args:
        log: Campaign log with ``campaign_id, participated, converted, revenue``.
        catalogue: The campaigns.

    Returns:
        Array of shape (n_rows,).
    """
    if "discount_cost" in log.columns:
        return log["discount_cost"].to_numpy(dtype=float)
    cat = catalogue.set_index("campaign_id")
    amount = log["campaign_id"].map(cat["amount"] if "amount" in cat else 0.0).to_numpy(dtype=float)
    depth = log["campaign_id"].map(cat["depth"]).to_numpy(dtype=float)
    redeemed = log["participated"].to_numpy(dtype=bool) & log["converted"].to_numpy(dtype=bool)
    per_order = np.where(amount > 0, amount, depth * log["revenue"].to_numpy(dtype=float))
    return np.where(redeemed, per_order, 0.0)


def realised_profit(log: pd.DataFrame, catalogue: pd.DataFrame) -> np.ndarray:
    """Profit of each logged row: ``margin_rate * revenue - discount - contact_cost`` (a ``profit`` column
    of the log is used as is when present).

    Args:
        log: Campaign log.
        catalogue: The campaigns (``margin_rate`` defaults to 0.35, ``contact_cost`` to 0).

    Returns:
        Array of shape (n_rows,).
    """
    if "profit" in log.columns:
        return log["profit"].to_numpy(dtype=float)
    cat = catalogue.set_index("campaign_id")
    margin = (
        log["campaign_id"].map(cat["margin_rate"] if "margin_rate" in cat else 0.35).to_numpy(dtype=float)
    )
    contact = (
        log["campaign_id"].map(cat["contact_cost"] if "contact_cost" in cat else 0.0).to_numpy(dtype=float)
    )
    return margin * log["revenue"].to_numpy(dtype=float) - realised_discount(log, catalogue) - contact


def mediated_profit(
    control_profit, participate, engaged_profit, contact, *, control_takes_part: bool = True
) -> np.ndarray:
    """Profit of each (user, campaign) built through participation.

    ``p v + (1 - p) (n0 - contact)``: participants (probability ``p``) earn ``v``; non-participants earn
    what non-participants earn under control, ``n0 = (b - p0 v0) / (1 - p0)``, less the contact cost - the
    campaign is assumed to change nothing for those who do not take part. Where nobody takes part under
    control (``p0 = 0``) this is ``b + p (v - b) - (1 - p) contact``. Column 0 (control) returns ``b``.

    Args:
        control_profit: Array (n_users,): expected profit under control, ``b``.
        participate: Array (n_users, n_campaigns): participation probabilities (column 0: control).
        engaged_profit: Array (n_users, n_campaigns): expected profit of a participant, contact cost paid.
        contact: Array (n_users, n_campaigns) or (n_campaigns,): contact cost per user.
        control_takes_part: False where taking part means taking up a campaign, so nobody can under
            control: ``p0`` is then 0 whatever column 0 of ``participate`` says. :class:`BehaviourUpliftModel`
            passes False when no control row of its training log took part - its participation head,
            shrunk towards a shared effect, would otherwise give control a small ``p0`` and a
            participant's ``v0``, biasing ``n0``.

    Returns:
        Array (n_users, n_campaigns).
    """
    b = np.asarray(control_profit, dtype=float)[:, None]
    p, v = np.asarray(participate, dtype=float), np.asarray(engaged_profit, dtype=float)
    p0 = p[:, :1] if control_takes_part else np.zeros_like(b)
    n0 = (b - p0 * v[:, :1]) / np.maximum(1.0 - p0, 1e-6)
    out = p * v + (1.0 - p) * (n0 - np.asarray(contact, dtype=float))
    out[:, 0] = b[:, 0]
    return out
