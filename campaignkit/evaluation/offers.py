"""Per-offer measurements on any randomised log, clustered by unit (computed only).

- :func:`offer_effects` - each offer against control on each outcome, pooled or per ``by`` value (e.g. the
  wave): difference in means with a standard error clustered by unit
  (:func:`~campaignkit.metrics.difference_in_means` with ``groups``).
- :func:`single_offer_values` - the mean outcome had every row been sent one campaign, per campaign
  (self-normalised inverse-propensity means): how :mod:`~campaignkit.evaluation.randomised` picks the
  ``"best_offer"`` reference on the train rows.

The unit of a row is the log's ``unit_id`` when present, else ``user_id``
(:func:`campaignkit.data.schema.log_units`). Profit is the log's ``profit`` column, else computed by
:func:`~campaignkit.models.profit.realised_profit` from the catalogue's margin, reward and contact cost.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import log_units
from campaignkit.errors import SchemaError
from campaignkit.metrics import difference_in_means
from campaignkit.models.profit import realised_profit

__all__ = ["offer_effects", "single_offer_values"]


def _as_tuple(value) -> tuple:
    return (value,) if isinstance(value, str) else tuple(value)


def single_offer_values(log: pd.DataFrame, catalogue: pd.DataFrame, *, outcome: str = "profit") -> pd.Series:
    """Mean outcome per row had every row been sent one campaign, for each campaign, from a randomised log.

    The estimator is the self-normalised inverse-propensity mean of the rows logged with the campaign,
    ``sum(y_i / p_i) / sum(1 / p_i)`` over those rows: with a propensity constant within the campaign (a
    uniform design) it is the plain difference-in-means arm mean; across waves of different arm shares it
    weighs each wave's rows by the design. ``"best_offer"`` is the campaign other than control of highest
    profit by this estimate on the *train* rows, so choosing it does not peek at the held-out rows.

    Args:
        log: Randomised campaign log with ``campaign_id``, ``propensity`` and the outcome (``profit`` is
            computed by :func:`~campaignkit.models.profit.realised_profit` when absent).
        catalogue: The campaigns (its margins and contact costs define profit).
        outcome: The logged outcome column, or ``"profit"``.

    Returns:
        Series indexed by campaign id (catalogue order, campaigns with no logged row left out), named
        ``outcome``.

    Raises:
        SchemaError: The outcome or ``propensity`` column is missing or a propensity is outside (0, 1].
    """
    cat = validate_catalogue(catalogue)
    y = _outcome_values(log, cat, outcome)
    p = _propensity(log)
    campaign = log["campaign_id"].astype(str)
    sums = pd.Series(y / p).groupby(campaign.to_numpy()).sum()
    weights = pd.Series(1.0 / p).groupby(campaign.to_numpy()).sum()
    ids = [c for c in cat["campaign_id"].astype(str) if c in weights.index]
    return (sums / weights).loc[ids].rename(outcome)


def _propensity(log: pd.DataFrame) -> np.ndarray:
    if "propensity" not in log.columns:
        raise SchemaError("required_column", "the log has no 'propensity' column", column="propensity")
    p = pd.to_numeric(log["propensity"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SchemaError("propensity_range", "propensity must lie in (0, 1]", column="propensity", row=row)
    return p


def _outcome_values(log: pd.DataFrame, cat: pd.DataFrame, outcome: str) -> np.ndarray:
    if outcome == "profit":
        return np.asarray(realised_profit(log, cat), dtype=float)
    if outcome not in log.columns:
        raise SchemaError("required_column", f"the log has no outcome column {outcome!r}", column=outcome)
    return log[outcome].to_numpy(dtype=float)


def _effect_cells(log: pd.DataFrame, offers: list, by, control: str):
    """``(offer, by value, rows of the offer, rows of control)`` per cell, and the cells with no offer row."""
    campaign = log["campaign_id"].astype(str).to_numpy()
    if by is None:
        slices = [(None, np.ones(len(log), dtype=bool))]
    else:
        if by not in log.columns:
            raise SchemaError(
                "required_column", f"the log has no column {by!r} to split effects by", column=by
            )
        values = log[by].to_numpy()
        slices = [(v, values == v) for v in np.sort(pd.unique(values))]
    cells, empty = [], []
    for offer in offers:
        for value, rows in slices:
            is_offer, is_ctl = rows & (campaign == offer), rows & (campaign == control)
            if is_offer.any() and is_ctl.any():
                cells.append((offer, value, is_offer, is_ctl))
            else:
                empty.append(offer if by is None else f"{offer} ({by}={value})")
    return cells, empty


def offer_effects(
    log: pd.DataFrame,
    *,
    catalogue: pd.DataFrame,
    outcomes=("participated", "converted", "revenue", "profit"),
    by: str | None = None,
    control: str = "control",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Randomised effect of each offer against control on each outcome, pooled or per ``by`` value, clustered.

    For each offer of the catalogue (other than ``control``) and each value of ``by`` (e.g. ``"wave"``; all
    rows pooled when None): the difference in means between the rows sent the offer and the control rows
    (:func:`~campaignkit.metrics.difference_in_means`, ``ddof=1``) with a standard error clustered by unit
    (``unit_id``, else ``user_id``: a customer's rows of several waves are correlated, and may sit in both
    arms) and a normal interval. Pooled over waves it is the row-weighted mean effect of the waves. Profit is
    the log's ``profit`` column, else :func:`~campaignkit.models.profit.realised_profit` (the catalogue's
    margin, reward paid and contact cost).

    Args:
        log: Randomised campaign log (``campaign_id`` and the outcomes; ``unit_id`` when a customer has several
            rows).
        catalogue: The campaigns.
        outcomes: Logged outcome columns, and/or ``"profit"``.
        by: Optional log column to split by (e.g. ``"wave"``).
        control: The control arm's id.
        confidence: Nominal coverage of the intervals.

    Returns:
        One row per (offer[, ``by`` value], outcome): ``offer`` [, ``by``], ``outcome``, ``n_offer``,
        ``n_control`` (rows), ``n_units`` (units among both), ``mean_offer``, ``mean_control``, ``effect``,
        ``se``, ``ci_low``, ``ci_high``. Rates are fractions.

    Raises:
        SchemaError: A missing outcome or ``by`` column, a logged campaign not in the catalogue, or no
            ``control`` row.
        ParameterError: ``confidence`` outside (0, 1), or a cell with fewer than two units.

    Warns:
        UserWarning: An offer (per ``by`` value) with no row beside control, left out; ``user_id`` repeating
            without a ``unit_id`` column.
    """
    cat = validate_catalogue(catalogue)
    ids = cat["campaign_id"].astype(str).tolist()
    unknown = sorted(set(log["campaign_id"].astype(str)) - set(ids))
    if unknown:
        raise SchemaError(
            "vocabulary", f"campaign(s) {unknown} are not in the catalogue", column="campaign_id"
        )
    if not (log["campaign_id"].astype(str) == control).any():
        raise SchemaError("vocabulary", f"the log has no {control!r} arm", column="campaign_id")
    units = log_units(log, warn=True)
    ys = {o: _outcome_values(log, cat, o) for o in _as_tuple(outcomes)}
    cells, empty = _effect_cells(log, [c for c in ids if c != control], by, control)
    if empty:
        warnings.warn(
            f"offer_effects: {len(empty)} offer cell(s) have no row beside control and are left out: {empty}",
            UserWarning,
            stacklevel=2,
        )
    rows = []
    for offer, value, is_offer, is_ctl in cells:
        both = is_offer | is_ctl
        for o, y in ys.items():
            d = difference_in_means(
                y[both], is_offer[both], confidence=confidence, ddof=1, groups=units[both]
            )
            key = {"offer": offer} if by is None else {"offer": offer, by: value}
            rows.append(
                {
                    **key,
                    "outcome": o,
                    "n_offer": d.n_treated,
                    "n_control": d.n_control,
                    "n_units": int(pd.unique(units[both]).size),
                    "mean_offer": d.mean_treated,
                    "mean_control": d.mean_control,
                    "effect": d.effect,
                    "se": d.se,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                }
            )
    return pd.DataFrame(rows)
