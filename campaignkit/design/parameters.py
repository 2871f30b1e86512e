"""Campaign parameters: the discount depth and threshold per segment, from a grid, unseen ones included.

A campaign is a row of attributes, so a model that reads attributes (the S-learner, the deep model) can
score configurations the log never tried. :func:`threshold_grid` builds a catalogue of 满减 configurations
(threshold ``T``, depth ``d``, amount ``d x T``); :func:`choose_parameters` picks, per segment, the one with
the highest predicted profit uplift per user; on the synthetic world :func:`parameter_regret` compares the
chosen configuration's *true* profit uplift with the best grid point's (the world scores any catalogue:
:func:`world_with_catalogue`), and :func:`unseen_config_regret` averages the relative shortfall over segments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit.data.catalogue import CATALOGUE_COLUMNS, DEFAULT_MARGIN_RATE, validate_catalogue
from campaignkit.errors import ParameterError

if TYPE_CHECKING:
    from campaignkit.data.world.core import World

__all__ = [
    "threshold_grid",
    "choose_parameters",
    "world_with_catalogue",
    "parameter_regret",
    "unseen_config_regret",
]


def threshold_grid(
    thresholds=(50.0, 100.0, 150.0, 200.0, 300.0),
    depths=(0.05, 0.10, 0.15, 0.20, 0.25),
    *,
    channel: str = "app_push",
    contact_cost: float = 0.01,
    margin_rate: float = DEFAULT_MARGIN_RATE,
) -> pd.DataFrame:
    """A catalogue of threshold-discount (满减) configurations: control plus one row per (threshold, depth).

    Args:
        thresholds: Spend thresholds ``T``.
        depths: Depths ``d`` (the fixed amount off is ``d x T``).
        channel: Channel of every row.
        contact_cost: Contact cost of every row.
        margin_rate: Margin on revenue.

    Returns:
        A validated catalogue with ids ``grid_t<T>_d<100 d>``.
    """
    rows = [("control", "control", 0.0, 0.0, 0.0, "none", False, 0.0, margin_rate)]
    for t in thresholds:
        for d in depths:
            if not (0 < d < 1 and t > 0):
                raise ParameterError(
                    f"grid point (threshold {t}, depth {d}) needs threshold > 0 and 0 < depth < 1"
                )
            rows.append(
                (
                    f"grid_t{t:g}_d{round(100 * d):d}",
                    "threshold_discount",
                    float(d),
                    float(t),
                    round(float(d * t), 2),
                    channel,
                    False,
                    float(contact_cost),
                    float(margin_rate),
                )
            )
    return validate_catalogue(
        pd.DataFrame(rows, columns=[c for c in CATALOGUE_COLUMNS if c != "duration_days"])
    )


def _same_config(grid: pd.DataFrame, seen: pd.DataFrame | None) -> np.ndarray:
    """Whether each grid row has the attributes of a row of ``seen`` (the log's catalogue)."""
    if seen is None:
        return np.zeros(len(grid), bool)
    key = ["type", "depth", "threshold", "amount", "channel", "targets_category"]
    seen_keys = {
        tuple(np.round(r, 6) if isinstance(r, float) else r for r in row)
        for row in seen[key].itertuples(False)
    }
    return np.array(
        [
            tuple(np.round(r, 6) if isinstance(r, float) else r for r in row) in seen_keys
            for row in grid[key].itertuples(False)
        ]
    )


def choose_parameters(
    prediction, segment, *, seen_catalogue: pd.DataFrame | None = None, grid=None, risk: float = 0.0
) -> pd.DataFrame:
    """Per segment, the grid configuration with the highest predicted profit uplift per user.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction` over a grid catalogue (control first),
            e.g. ``PriceOfferModel(...).fit(data, log, catalogue).predict_outcomes(data, threshold_grid())``.
        segment: Array of shape (n_users,) of segment labels.
        seen_catalogue: The catalogue the model was fitted on (marks configurations the log tried).
        grid: The grid catalogue (for the attributes in the table; default: ids only).
        risk: ``z`` of a lower bound: choose on the segment's mean uplift minus ``z`` times its mean sd
            (``prediction.std["profit_uplift"]``, e.g. from ``PriceOfferModel(n_bootstrap=...)``); the mean of
            the users' sds bounds the sd of their mean from above. 0: choose on the mean.

    Returns:
        DataFrame indexed by segment: ``n_users``, ``chosen`` (campaign id), ``predicted_uplift`` (mean per
        user), ``predicted_sd`` (mean sd, with ``risk`` only), ``in_log`` (the log tried that configuration) and,
        with ``grid``, its ``threshold`` and ``depth``.

    Raises:
        ParameterError: On a segment of the wrong length, NaN predictions, a negative ``risk`` or a positive one
            without ``std["profit_uplift"]``.
    """
    segment = np.asarray(segment)
    if segment.shape != (len(prediction.user_id),):
        raise ParameterError("segment must have one label per predicted user")
    if not (isinstance(risk, (int, float, np.floating)) and np.isfinite(risk) and risk >= 0):
        raise ParameterError(f"risk must be a finite number >= 0, got {risk!r}")
    up = pd.DataFrame(prediction.uplift("profit")[:, 1:], columns=list(prediction.campaign_ids[1:]))
    if not np.isfinite(up.to_numpy()).all():
        raise ParameterError("the prediction has NaN or infinite profit: fix the model before choosing")
    up["segment"] = segment
    means = up.groupby("segment", sort=True).mean()
    out = pd.DataFrame({"n_users": up.groupby("segment", sort=True).size()})
    score = means
    if risk > 0:
        if "profit_uplift" not in prediction.std:
            raise ParameterError(
                "risk > 0 needs the sd of the profit uplift (prediction.std['profit_uplift']), e.g. from "
                "PriceOfferModel(n_bootstrap=20); this prediction has none: use risk=0"
            )
        sd = pd.DataFrame(np.asarray(prediction.std["profit_uplift"])[:, 1:], columns=means.columns)
        sd = sd.groupby(segment, sort=True).mean()
        score = means - float(risk) * sd
    out["chosen"] = score.idxmax(axis=1)
    out["predicted_uplift"] = [means.loc[s, c] for s, c in zip(out.index, out["chosen"], strict=True)]
    if risk > 0:
        out["predicted_sd"] = [sd.loc[s, c] for s, c in zip(out.index, out["chosen"], strict=True)]
    if grid is not None:
        g = grid.set_index("campaign_id")
        out["threshold"] = g.loc[out["chosen"], "threshold"].to_numpy()
        out["depth"] = g.loc[out["chosen"], "depth"].to_numpy()
        seen = pd.Series(_same_config(grid, seen_catalogue), index=grid["campaign_id"])
        out["in_log"] = seen.loc[out["chosen"]].to_numpy()
    return out


def world_with_catalogue(world, catalogue: pd.DataFrame) -> World:
    """The same world (users, histories, traits, period) offered another catalogue; its truth scores any
    configuration."""
    return world.replace(catalogue=validate_catalogue(catalogue))


def parameter_regret(world, user_ids, segment, grid: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """The chosen configuration's true profit per segment against the best grid point's.

    Args:
        world: The synthetic world.
        user_ids: Array of shape (n,) of the users the choice was made for.
        segment: Array of shape (n,) of their segment labels.
        grid: The grid catalogue.
        chosen: :func:`choose_parameters`' table.

    Returns:
        ``chosen`` plus ``true_profit`` (expected profit per user of the segment when every user gets the chosen
        configuration), ``best`` (the truly best grid point), ``best_true_profit``, ``true_uplift`` and
        ``best_true_uplift`` (the same against control) and ``regret`` (``(best - chosen) / |best|`` of the
        profit, 0 when the choice is the best).
    """
    exp = world_with_catalogue(world, grid).expected_outcomes(np.asarray(user_ids))["profit"]
    ids = list(grid["campaign_id"])
    prof = pd.DataFrame(exp[:, 1:], columns=ids[1:])
    prof["segment"] = np.asarray(segment)
    means = prof.groupby("segment", sort=True).mean()
    control = pd.Series(exp[:, 0]).groupby(np.asarray(segment), sort=True).mean()
    out = chosen.copy()
    out["true_profit"] = [means.loc[s, c] for s, c in zip(out.index, out["chosen"], strict=True)]
    out["best"] = means.idxmax(axis=1).reindex(out.index)
    out["best_true_profit"] = means.max(axis=1).reindex(out.index)
    out["true_uplift"] = out["true_profit"] - control.reindex(out.index)
    out["best_true_uplift"] = out["best_true_profit"] - control.reindex(out.index)
    diff = out["best_true_profit"] - out["true_profit"]
    out["regret"] = np.where(diff > 0, diff / out["best_true_profit"].abs().clip(lower=1e-12), 0.0)
    return out


def unseen_config_regret(regret_table: pd.DataFrame) -> float:
    """Mean over segments of the chosen configuration's relative shortfall in true profit (0: the best each time)."""
    return float(regret_table["regret"].mean())
