"""One round's experimental design: the plan, a random holdout and an exploration share, with propensities.

A loop that only ever runs its own plan learns only about the users and campaigns it already picked: the next
model sees reminders sent to open carts and nothing else. The design of a round therefore mixes three things,
each user independently:

- with probability ``explore`` the user **explores**: a campaign drawn uniformly from the whole catalogue
  (control included);
- otherwise the user gets their **planned** campaign ``c``, except that a user planned a campaign (not control)
  is **held out** (gets control) with probability ``holdout``, so the plan's lift can be measured.

The probability that the design gave user ``u`` the campaign ``a`` they actually got (``K`` campaigns) is

``P(a | u) = explore / K + (1 - explore) [(1 - h_u) 1{a = c_u} + h_u 1{a = control}]``, with ``h_u = holdout`` when
``c_u`` is a campaign and 0 when it is control.

It is logged as the row's ``propensity``: weighting a row by ``1 / propensity`` makes the targeted log look like
a randomised one to the next model (``weight_by_propensity=True``) and to the doubly robust calibration of the
next forecast. Every entry is at least ``explore / K`` (> 0 whenever ``explore > 0``), so every campaign keeps
support among every kind of user.

:func:`holdout_needed` answers the design question of the next round: how many held-out users would a test of
the plan's expected lift need, at 80% power?
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from campaignkit.errors import ParameterError

__all__ = ["RoundDesign", "draw_design", "design_propensity", "holdout_needed"]


@dataclass
class RoundDesign:
    """What the design gave each user in one round.

    Attributes:
        planned: Array of shape (n_users,): catalogue row the plan chose (0 = control).
        executed: Array of shape (n_users,): catalogue row actually sent.
        explored: Array of shape (n_users,) of bool: the user got a uniformly random campaign.
        held: Array of shape (n_users,) of bool: a planned contact withheld to measure the lift.
        propensity: Array of shape (n_users,): the design's probability of ``executed`` for the user.
    """

    planned: np.ndarray
    executed: np.ndarray
    explored: np.ndarray
    held: np.ndarray
    propensity: np.ndarray

    @property
    def exploited(self) -> np.ndarray:
        """Array of shape (n_users,) of bool: users who follow the plan (contacted or held out)."""
        return ~self.explored


def _check_shares(explore: float, holdout: float) -> None:
    if (
        not isinstance(explore, (int, float, np.floating))
        or isinstance(explore, bool)
        or not 0 <= explore < 1
    ):
        raise ParameterError(f"explore must be a share in [0, 1), got {explore!r}")
    if not isinstance(holdout, (int, float, np.floating)) or isinstance(holdout, bool) or not 0 < holdout < 1:
        raise ParameterError(
            f"holdout must be a share in (0, 1), got {holdout!r}: without a holdout no lift can be measured"
        )


def design_propensity(planned, executed, *, explore: float, holdout: float, n_campaigns: int) -> np.ndarray:
    """The probability that the design gave each user the campaign they got (see the module docstring).

    Args:
        planned: Array of shape (n_users,): catalogue row planned (0 = control).
        executed: Array of shape (n_users,): catalogue row sent.
        explore: Exploration share, in [0, 1).
        holdout: Holdout share of planned contacts, in (0, 1).
        n_campaigns: Campaigns of the catalogue, control included.

    Returns:
        Array of shape (n_users,) of floats in (0, 1].

    Raises:
        ParameterError: On bad shares, shapes or catalogue rows.
    """
    _check_shares(explore, holdout)
    planned, executed = np.asarray(planned, dtype=np.int64), np.asarray(executed, dtype=np.int64)
    if planned.shape != executed.shape or planned.ndim != 1:
        raise ParameterError(
            f"planned and executed must be 1-D of one shape, got {planned.shape} and {executed.shape}"
        )
    for name, arr in (("planned", planned), ("executed", executed)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_campaigns):
            raise ParameterError(f"{name} holds a catalogue row outside [0, {n_campaigns})")
    h = np.where(planned > 0, holdout, 0.0)
    plan_p = (1.0 - h) * (executed == planned) + h * (executed == 0)
    return explore / n_campaigns + (1.0 - explore) * plan_p


def draw_design(
    planned, *, explore: float, holdout: float, n_campaigns: int, rng: np.random.Generator
) -> RoundDesign:
    """Draw who explores and who is held out, and what everybody gets.

    Args:
        planned: Array of shape (n_users,): the plan's catalogue row per user (0 = control).
        explore: Exploration share, in [0, 1).
        holdout: Holdout share of planned contacts, in (0, 1).
        n_campaigns: Campaigns of the catalogue, control included.
        rng: Random generator (three draws per user, in a fixed order).

    Returns:
        A :class:`RoundDesign` with the propensities of :func:`design_propensity`.
    """
    _check_shares(explore, holdout)
    planned = np.asarray(planned, dtype=np.int64)
    n = planned.size
    explored = rng.random(n) < explore
    random_arm = rng.integers(0, n_campaigns, size=n)
    held = (rng.random(n) < holdout) & (planned > 0) & ~explored
    executed = np.where(explored, random_arm, np.where(held, 0, planned))
    prop = design_propensity(planned, executed, explore=explore, holdout=holdout, n_campaigns=n_campaigns)
    return RoundDesign(planned, executed, explored, held, prop)


def holdout_needed(
    lift_per_user: float,
    sd_contacted: float,
    sd_holdout: float,
    n_contacted: int,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Held-out users a two-sample test of a plan's lift needs, its contacted group fixed (normal approximation).

    The test compares the mean outcome of ``n_contacted`` contacted users with that of ``n0`` held-out users;
    it detects a per-user lift ``d`` with probability ``power`` at two-sided level ``alpha`` when
    ``d / sqrt(s1^2 / n_contacted + s0^2 / n0) >= z_(1 - alpha/2) + z_power``, so
    ``n0 = s0^2 / ((d / (z_(1 - alpha/2) + z_power))^2 - s1^2 / n_contacted)``.

    Args:
        lift_per_user: Expected lift per planned user (e.g. the forecast incremental profit over the reach).
        sd_contacted: Per-user outcome standard deviation among contacted users (``s1``).
        sd_holdout: The same among held-out users (``s0``).
        n_contacted: Users contacted.
        alpha: Two-sided significance level.
        power: Wanted power.

    Returns:
        The held-out users needed (float, rounded up), ``inf`` when no holdout is enough (the lift is 0, or the
        contacted group alone is too noisy to detect it).

    Raises:
        ParameterError: On a negative sd, no contacted users, or ``alpha`` / ``power`` outside (0, 1).
    """
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ParameterError(f"alpha and power must lie in (0, 1), got {alpha!r} and {power!r}")
    if sd_contacted < 0 or sd_holdout < 0 or not np.isfinite(sd_contacted + sd_holdout):
        raise ParameterError(
            f"standard deviations must be finite and >= 0, got {sd_contacted!r}, {sd_holdout!r}"
        )
    if n_contacted < 1:
        raise ParameterError(f"n_contacted must be >= 1, got {n_contacted!r}")
    z = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    room = (abs(float(lift_per_user)) / z) ** 2 - sd_contacted**2 / n_contacted
    if lift_per_user == 0 or room <= 0:
        return float("inf")
    return float(np.ceil(sd_holdout**2 / room))
