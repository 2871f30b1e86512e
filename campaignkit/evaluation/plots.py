"""Plots of the evaluation results (computed by :mod:`campaignkit.evaluation`; ``ax=None``, return the Axes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from campaignkit._helpers import axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_qini_protocol", "plot_offer_effects"]


def plot_qini_protocol(scores: pd.DataFrame, *, outcome: str = "participated", ax=None) -> Axes:
    """Each seed's Qini with its bootstrap interval, per arm and model, and the mean over seeds.

    Args:
        scores: The ``scores`` of :func:`~campaignkit.evaluation.qini_protocol`.
        outcome: Which outcome's rows to draw.
        ax: Matplotlib Axes (None: a new figure).

    Returns:
        The Axes.
    """
    ax = axes(ax)
    sel = scores[scores["outcome"] == outcome]
    groups = list(sel.groupby(["arm", "model"], sort=False))
    colour = {m: f"C{k % 10}" for k, m in enumerate(pd.unique(sel["model"]))}
    for i, ((_, model), g) in enumerate(groups):
        x = i + np.linspace(-0.25, 0.25, len(g)) if len(g) > 1 else np.array([float(i)])
        q = g["qini"].to_numpy()
        err = np.vstack([q - g["ci_low"].to_numpy(), g["ci_high"].to_numpy() - q])
        ax.errorbar(x, q, yerr=err, fmt="o", ms=4, capsize=2, color=colour[model])
        ax.hlines(q.mean(), i - 0.35, i + 0.35, color="k", lw=1.5)
    ax.axhline(0.0, color="grey", lw=0.8, ls="--")
    ax.set_xticks(range(len(groups)), [f"{arm}\n{model}" for (arm, model), _ in groups], fontsize=8)
    ax.set_ylabel(f"Qini coefficient ({outcome})")
    ax.set_title("per seed: bootstrap 95% interval; bar: mean over seeds")
    return ax


def plot_offer_effects(effects: pd.DataFrame, *, outcome: str = "profit", ax=None) -> Axes:
    """Each offer's effect against control on one outcome, with its interval, largest first.

    Args:
        effects: The frame of :func:`~campaignkit.evaluation.offer_effects` (pooled: no ``by`` column).
        outcome: Which outcome's rows to draw.
        ax: Matplotlib Axes (None: a new figure).

    Returns:
        The Axes.
    """
    ax = axes(ax)
    sel = effects[effects["outcome"] == outcome].sort_values("effect")
    y = np.arange(len(sel))
    err = np.vstack([sel["effect"] - sel["ci_low"], sel["ci_high"] - sel["effect"]])
    ax.errorbar(sel["effect"], y, xerr=err, fmt="o", ms=4, capsize=3, color="C0")
    ax.axvline(0.0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(y, sel["offer"].astype(str), fontsize=8)
    ax.set_xlabel(f"effect on {outcome} (offer minus no offer)")
    return ax
