"""The :class:`World` object and :func:`make_world`."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from campaignkit.data.catalogue import (
    CAMPAIGN_TYPES,
    CHANNELS,
    default_catalogue,
    require_seed_vocabulary,
    validate_catalogue,
)
from campaignkit.data.world import plans as _plans
from campaignkit.data.world.advance import advance
from campaignkit.data.world.generate import check_int, generate_range
from campaignkit.data.world.response import branches, expected
from campaignkit.data.world.traits import BLOCK, DEFAULT_CUTOFF, make_items, resolve_seed
from campaignkit.errors import ParameterError

__all__ = ["World", "make_world", "OUTCOME_METRICS"]

OUTCOME_METRICS = ("participate", "convert", "revenue", "discount_cost", "contact_cost", "profit", "retain")


def _cutoff(value) -> pd.Timestamp:
    if value is None:
        return DEFAULT_CUTOFF
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"cutoff must be a timestamp, got {value!r}") from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def make_world(
    n_users: int = 10_000,
    n_categories: int = 12,
    history_days: int = 90,
    campaign_days: int = 14,
    random_state=None,
    catalogue: pd.DataFrame | None = None,
    cutoff=None,
    progress: bool | None = None,
) -> World:
    """Build a synthetic e-commerce world with known causal truth, in memory.

    Args:
        n_users: Number of users (ids 0..n_users-1).
        n_categories: Number of product categories.
        history_days: Days of event history before the cutoff.
        campaign_days: Length of the campaign window after the cutoff.
        random_state: ``None`` (the kit's default seed), an int, or a numpy Generator. The same seed gives
            the same world bit for bit, and user ``i`` is the same in every world size.
        catalogue: Campaign catalogue (default :func:`~campaignkit.data.catalogue.default_catalogue`).
        cutoff: End of the history (default 2024-11-01 UTC).
        progress: Show a progress bar (``None``: only on a terminal and for large worlds).

    Returns:
        A :class:`World`.

    Raises:
        ParameterError: On a bad size, window, seed or catalogue.
    """
    n_users = check_int("n_users", n_users, 1)
    n_categories = check_int("n_categories", n_categories, 2, 1000)
    history_days = check_int("history_days", history_days, 14, 3650)
    campaign_days = check_int("campaign_days", campaign_days, 1, 365)
    seed = resolve_seed(random_state)
    cat = default_catalogue() if catalogue is None else validate_catalogue(catalogue)
    require_seed_vocabulary(cat, "the synthetic world")
    cut = _cutoff(cutoff)
    items = make_items(seed, n_categories)
    n_blocks = (n_users - 1) // BLOCK + 1
    parts = []
    bar = tqdm(
        total=n_users,
        desc="world",
        unit="user",
        disable=(True if n_blocks < 8 else None) if progress is None else not progress,
    )
    for b in range(n_blocks):
        lo, hi = b * BLOCK, min((b + 1) * BLOCK, n_users)
        parts.append(generate_range(seed, lo, hi, items, history_days, campaign_days, cut))
        bar.update(hi - lo)
    bar.close()
    users = pd.concat([p[0] for p in parts], ignore_index=True)
    events = pd.concat([p[1] for p in parts], ignore_index=True)
    traits = pd.concat([p[2] for p in parts])
    interest = np.vstack([p[3] for p in parts])
    past = np.vstack([p[4] for p in parts])
    return World(
        users=users,
        events=events,
        traits=traits,
        interest=interest,
        past_interest=past,
        catalogue=cat,
        cutoff=cut,
        history_days=history_days,
        campaign_days=campaign_days,
        seed=seed,
        items=items,
    )


class World:
    """A synthetic world: users, their histories, a campaign catalogue and the exact response truth.

    Build one with :func:`make_world`. Attributes: ``users``, ``events``, ``traits`` (truth only),
    ``interest`` (array of shape (n_users, n_categories), current interest), ``past_interest``,
    ``catalogue``, ``cutoff``, ``history_days``, ``campaign_days``, ``seed``, ``n_users``,
    ``n_categories``, ``default_target`` (each user's most-viewed category, the observable heuristic
    used when a category-targeted campaign gets no explicit target), ``period`` (0 for :func:`make_world`,
    ``t`` after ``t`` calls of :meth:`advance`) and ``base_history_days`` (round 0's history window).
    """

    def __init__(
        self,
        *,
        users,
        events,
        traits,
        interest,
        past_interest,
        catalogue,
        cutoff,
        history_days,
        campaign_days,
        seed,
        items,
        period=0,
        base_history_days=None,
    ):
        self.users = users
        self.events = events
        self.traits = traits
        self.interest = interest
        self.past_interest = past_interest
        self.catalogue = catalogue
        self.cutoff = cutoff
        self.history_days = history_days
        self.campaign_days = campaign_days
        self.seed = seed
        self.items = items
        self.period = int(period)
        self.base_history_days = int(history_days if base_history_days is None else base_history_days)
        self.n_users = len(users)
        self.n_categories = interest.shape[1]
        self.default_target = traits["most_viewed"].to_numpy(np.int64)
        t = traits
        self._u = {
            "p0": t["p0"].to_numpy(),
            "m0": t["m0"].to_numpy(),
            "ch0": t["ch0"].to_numpy(),
            "basket": t["basket"].to_numpy(),
            "price_sens": t["price_sens"].to_numpy(),
            "deal_seeking": t["deal_seeking"].to_numpy(),
            "fatigue": t["fatigue"].to_numpy(),
            "tier": t["tier"].to_numpy(float),
            "open_cart": t["open_cart"].to_numpy(float),
            "aff": {
                1: t["aff_email"].to_numpy(),
                2: t["aff_sms"].to_numpy(),
                3: t["aff_app_push"].to_numpy(),
            },
        }
        c = catalogue
        require_seed_vocabulary(c, "the synthetic world")
        self._c = {
            "type": c["type"].map({x: i for i, x in enumerate(CAMPAIGN_TYPES)}).to_numpy(np.int64),
            "channel": c["channel"].map({x: i for i, x in enumerate(CHANNELS)}).to_numpy(np.int64),
            "depth": c["depth"].to_numpy(float),
            "threshold": c["threshold"].to_numpy(float),
            "amount": c["amount"].to_numpy(float),
            "targets_category": c["targets_category"].to_numpy(bool),
            "contact_cost": c["contact_cost"].to_numpy(float),
            "margin_rate": c["margin_rate"].to_numpy(float),
        }
        self.campaign_ids = c["campaign_id"].tolist()

    def __repr__(self) -> str:
        return (
            f"World(n_users={self.n_users}, n_events={len(self.events)}, n_categories={self.n_categories}, "
            f"n_campaigns={len(self.catalogue)}, cutoff={self.cutoff.date()}, seed={self.seed}"
            + (f", period={self.period})" if self.period else ")")
        )

    # ------------------------------------------------------------------ indexing helpers
    def _user_index(self, user_ids) -> np.ndarray:
        if user_ids is None:
            return np.arange(self.n_users)
        idx = np.asarray(user_ids)
        if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
            raise ParameterError("user_ids must be a 1-D array of integer user ids")
        bad = (idx < 0) | (idx >= self.n_users)
        if bad.any():
            raise ParameterError(
                f"user_ids: id {idx[bad][0]} is not a user of this world (0..{self.n_users - 1})"
            )
        return idx.astype(np.int64)

    def _campaign_index(self, campaign_ids) -> np.ndarray:
        if campaign_ids is None:
            return np.arange(len(self.campaign_ids))
        if isinstance(campaign_ids, str):
            campaign_ids = [campaign_ids]
        pos = {c: i for i, c in enumerate(self.campaign_ids)}
        out = []
        for c in campaign_ids:
            if c not in pos:
                raise ParameterError(f"unknown campaign_id {c!r}; the catalogue has {self.campaign_ids}")
            out.append(pos[c])
        return np.array(out, dtype=np.int64)

    def _targets(self, idx: np.ndarray, target_category) -> np.ndarray:
        if target_category is None:
            return self.default_target[idx]
        t = np.asarray(target_category)
        if t.ndim == 0:
            t = np.full(idx.size, int(t))
        if t.shape != idx.shape:
            raise ParameterError(f"target_category must have shape ({idx.size},), got {t.shape}")
        t = t.astype(np.int64)
        t = np.where(t < 0, self.default_target[idx], t)
        if (t >= self.n_categories).any():
            raise ParameterError(f"target_category must be in [0, {self.n_categories}); got {t.max()}")
        return t

    def _branches_grid(self, idx, cidx, targets):
        u = {k: v[idx][:, None] for k, v in self._u.items() if k != "aff"}
        u["aff"] = {j: a[idx][:, None] for j, a in self._u["aff"].items()}
        c = {k: v[cidx][None, :] for k, v in self._c.items()}
        match = self.interest[idx, targets][:, None]
        return branches(u, c, match)

    def _branches_pairs(self, idx, cidx, targets):
        u = {k: v[idx] for k, v in self._u.items() if k != "aff"}
        u["aff"] = {j: a[idx] for j, a in self._u["aff"].items()}
        c = {k: v[cidx] for k, v in self._c.items()}
        return branches(u, c, self.interest[idx, targets])

    # ------------------------------------------------------------------ truth
    def expected_outcomes(self, user_ids=None, campaign_ids=None, target_category=None) -> dict:
        """Exact expected outcomes of every (user, campaign) pair over the campaign window.

        Args:
            user_ids: Users to score (default all), array of shape (n,).
            campaign_ids: Campaign ids (default the whole catalogue), length m.
            target_category: Array of shape (n,) (or an int) of categories for category-targeted
                campaigns; ``None`` or -1 uses each user's most-viewed category in the history.

        Returns:
            Dict of arrays of shape (n, m): ``participate, convert, revenue, discount_cost, contact_cost,
            profit, retain``. ``profit = margin_rate * revenue - discount_cost - contact_cost``.
        """
        idx = self._user_index(user_ids)
        cidx = self._campaign_index(campaign_ids)
        out = expected(self._branches_grid(idx, cidx, self._targets(idx, target_category)))
        return {
            k: np.ascontiguousarray(np.broadcast_to(out[k], (idx.size, cidx.size))) for k in OUTCOME_METRICS
        }

    def true_uplift(
        self, metric: str = "profit", user_ids=None, campaign_ids=None, target_category=None
    ) -> np.ndarray:
        """Exact expected effect of each campaign against control.

        Args:
            metric: One of ``participate, convert, revenue, discount_cost, contact_cost, profit, retain``.
            user_ids: As in :meth:`expected_outcomes`.
            campaign_ids: As in :meth:`expected_outcomes`.
            target_category: As in :meth:`expected_outcomes`.

        Returns:
            Array of shape (n, m): ``expected_outcomes(...)[metric]`` minus the control column.
        """
        if metric not in OUTCOME_METRICS:
            raise ParameterError(f"metric must be one of {OUTCOME_METRICS}, got {metric!r}")
        idx = self._user_index(user_ids)
        cidx = self._campaign_index(campaign_ids)
        all_c = np.concatenate([[0], cidx])
        out = expected(self._branches_grid(idx, all_c, self._targets(idx, target_category)))[metric]
        out = np.broadcast_to(out, (idx.size, all_c.size))
        return np.ascontiguousarray(out[:, 1:] - out[:, :1])

    # ------------------------------------------------------------------ logs and plans
    def log_randomised(self, shares=None, n_users=None, random_state=None) -> pd.DataFrame:
        """Log of a randomised multi-arm campaign; see :func:`campaignkit.data.world.plans.log_randomised`."""
        return _plans.log_randomised(self, shares=shares, n_users=n_users, random_state=random_state)

    def targeting_policy(self) -> np.ndarray:
        """Propensities of the confounded business-rule policy; see :func:`~.plans.targeting_policy`."""
        return _plans.targeting_policy(self)

    def log_targeted(self, random_state=None) -> pd.DataFrame:
        """Log of a targeted (confounded) campaign; see :func:`campaignkit.data.world.plans.log_targeted`."""
        return _plans.log_targeted(self, random_state=random_state)

    def evaluate_plan(self, plan: pd.DataFrame) -> dict:
        """Exact expected KPIs of a plan against all-control; see :func:`~.plans.evaluate_plan`."""
        return _plans.evaluate_plan(self, plan)

    def run_plan(self, plan: pd.DataFrame, holdout: float = 0.1, random_state=None) -> pd.DataFrame:
        """Run a plan with a random holdout and return realised outcomes; see :func:`~.plans.run_plan`."""
        return _plans.run_plan(self, plan, holdout=holdout, random_state=random_state)

    # ------------------------------------------------------------------ time
    @property
    def lost(self) -> np.ndarray:
        """Array of shape (n_users,) of bool: users who churned in an earlier period (all False in round 0)."""
        if "lost" in self.traits:
            return self.traits["lost"].to_numpy(bool)
        return np.zeros(self.n_users, bool)

    def replace(self, **changes) -> World:
        """A world like this one with ``changes`` to its constructor arguments (e.g. ``catalogue=``); this one
        is unchanged and the rest is shared, not copied."""
        names = [name for name in inspect.signature(World.__init__).parameters if name != "self"]
        return World(**{name: getattr(self, name) for name in names} | changes)

    def advance(self, realised: pd.DataFrame | None = None, random_state=None) -> World:
        """The world one campaign window later, after a period's realised outcomes; see
        :func:`campaignkit.data.world.advance.advance`.

        A loop calls, round after round::

            realised = world.run_plan(plan, holdout=0.1, random_state=t)
            world = world.advance(realised)

        Args:
            realised: What :meth:`run_plan` returned for this world (None: a period with no campaign).
            random_state: Seed of that no-campaign period (ignored when ``realised`` is given).

        Returns:
            A new :class:`World` (this one is unchanged).
        """
        return advance(self, realised, random_state=random_state)

    def step(self, plan: pd.DataFrame, holdout: float = 0.1, random_state=None) -> tuple[pd.DataFrame, World]:
        """Run a plan and move on: ``(realised, next_world)``, i.e. :meth:`run_plan` then :meth:`advance`.

        Args:
            plan: As in :meth:`run_plan`.
            holdout: As in :meth:`run_plan`.
            random_state: As in :meth:`run_plan`.

        Returns:
            ``(realised, world of the next period)``.
        """
        realised = self.run_plan(plan, holdout=holdout, random_state=random_state)
        return realised, self.advance(realised)
