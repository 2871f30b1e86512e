"""Campaign economics and encoding shared by every model: the catalogue's cost model and attributes as
arrays, campaign identities where attributes coincide, the discount and profit of logged rows, and a
campaign's profit built through participation.

The discount and profit of a logged row are defined once in :mod:`campaignkit.data.costs` (the data layer's
exposure-log builder prices rows with them too) and re-exported here. The discount (:func:`realised_discount`) follows the cost rule of its campaign's offer type
(:data:`~campaignkit.data.catalogue.OFFER_TYPES`), paid on redeemed rows only; **a ``discount_cost`` column
of the log is used as is when present**, and a ``profit`` column likewise in :func:`realised_profit`.
Profit is ``margin_rate x revenue - discount - contact_cost`` with the catalogue's ``margin_rate``; where the
catalogue states none, the kit's :data:`~campaignkit.data.catalogue.DEFAULT_MARGIN_RATE` (0.35, defined
once) is assumed with a UserWarning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.data.catalogue import DEFAULT_MARGIN_RATE, campaign_feature_names, campaign_features
from campaignkit.data.costs import realised_discount, realised_profit

__all__ = [
    "catalogue_arrays",
    "fitted_feature_names",
    "shared_attribute_ids",
    "campaign_matrix",
    "identity_index",
    "realised_discount",
    "realised_profit",
    "mediated_profit",
]


def catalogue_arrays(catalogue: pd.DataFrame, names=None) -> dict:
    """Attributes and cost model of a catalogue as arrays of shape (n_campaigns,) (+ the feature matrix, encoded
    to the columns ``names`` when given: a fitted model's, see :func:`fitted_feature_names`)."""
    n = len(catalogue)
    get = lambda c, d: catalogue[c].to_numpy(dtype=float) if c in catalogue else np.full(n, d)  # noqa: E731
    return {
        "features": np.asarray(campaign_features(catalogue, names=names), dtype=np.float32),
        "margin": get("margin_rate", DEFAULT_MARGIN_RATE),
        "contact": get("contact_cost", 0.0),
        "amount": get("amount", 0.0),
        "depth": get("depth", 0.0),
        "targeted": catalogue["targets_category"].to_numpy(dtype=bool),
        "ids": catalogue["campaign_id"].astype(str).tolist(),
    }


def shared_attribute_ids(catalogue: pd.DataFrame) -> list[str]:
    """Campaigns whose attribute vector another campaign of ``catalogue`` shares (they need an identity)."""
    feats = catalogue_arrays(catalogue)["features"]
    _, inverse, counts = np.unique(feats, axis=0, return_inverse=True, return_counts=True)
    shared = counts[np.asarray(inverse).ravel()] > 1
    return [c for c, s in zip(catalogue["campaign_id"].astype(str), shared, strict=True) if s]


def fitted_feature_names(model) -> list[str]:
    """The campaign attribute columns of the catalogue ``model`` was fitted on: a catalogue scored later is
    encoded to the same columns (its offer types, channels or durations the fitted one lacked raise a clear
    error instead of a matrix of another width)."""
    return campaign_feature_names(model.catalogue_)


def campaign_matrix(catalogue: pd.DataFrame, identity_ids, names=None) -> np.ndarray:
    """Campaign attributes plus one identity column per id of ``identity_ids`` (shape (n_campaigns, k)).

    A campaign not among ``identity_ids`` (every campaign with attributes of its own, or a configuration
    not seen in training) has zeros in the identity columns, so it is scored from its attributes alone.
    """
    feats = catalogue_arrays(catalogue, names)["features"].astype(np.float64)
    ids = catalogue["campaign_id"].astype(str).to_numpy()
    ident = (ids[:, None] == np.asarray(list(identity_ids), dtype=object)[None, :]).astype(np.float64)
    return np.hstack([feats, ident.reshape(len(ids), -1)])


def identity_index(catalogue: pd.DataFrame, identity_ids) -> np.ndarray:
    """Identity id of each campaign of ``catalogue``: 1 + its position in ``identity_ids``, 0 for none."""
    pos = {c: i + 1 for i, c in enumerate(identity_ids)}
    return np.array([pos.get(c, 0) for c in catalogue["campaign_id"].astype(str)], dtype=np.int64)


def mediated_profit(
    control_profit,
    participate,
    engaged_profit,
    contact,
    *,
    control_takes_part: bool = True,
    nonparticipant_scale=None,
    nonparticipant_shift=None,
) -> np.ndarray:
    """Profit of each (user, campaign) built through participation.

    ``p v + (1 - p) (r n0 + s - contact)``: participants (probability ``p``) earn ``v``; non-participants earn
    what non-participants earn under control, ``n0 = (b - p0 v0) / (1 - p0)``, times the campaign's
    ``r`` (``nonparticipant_scale``, default 1), less the contact cost. With ``r = 1`` the campaign is assumed
    to change nothing for those who do not take part *and* they are assumed to be like everyone else; but those
    who ignore a campaign are often those who would not have bought anyway, while its participants would have
    (a reminder is taken up by people with a full cart), so ``r < 1`` - estimated from the campaign's own
    non-participants - keeps a participant's whole spend from counting as the campaign's effect. Where nobody
    takes part under control (``p0 = 0``) and ``r = 1`` this is ``b + p (v - b) - (1 - p) contact``. Column 0
    (control) returns ``b``.

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
        nonparticipant_scale: Array (n_campaigns,) of ``r`` per campaign (column 0 ignored), or None (all 1).
        nonparticipant_shift: Array (n_users, n_campaigns) of ``s``, what a campaign adds to (or, through contact
            fatigue, takes from) the outcome of each user who does not take part (column 0 ignored), or None (0).

    Returns:
        Array (n_users, n_campaigns).
    """
    b = np.asarray(control_profit, dtype=float)[:, None]
    p, v = np.asarray(participate, dtype=float), np.asarray(engaged_profit, dtype=float)
    p0 = p[:, :1] if control_takes_part else np.zeros_like(b)
    n0 = (b - p0 * v[:, :1]) / np.maximum(1.0 - p0, 1e-6)
    if nonparticipant_scale is not None:
        n0 = n0 * np.asarray(nonparticipant_scale, dtype=float)[None, :]
    if nonparticipant_shift is not None:
        n0 = n0 + np.asarray(nonparticipant_shift, dtype=float)
    out = p * v + (1.0 - p) * (n0 - np.asarray(contact, dtype=float))
    out[:, 0] = b[:, 0]
    return out
