"""Budgeted assignment: at most one campaign per user, the most expected incremental profit within the limits.

:func:`assign` solves

    max  sum_i v_i,c(i)   s.t.  total spend <= budget,  per-campaign caps (users or spend),
                                 per-segment minimum coverage,  one campaign (or control) per user

by the Lagrangian method of :mod:`campaignkit.design.dual` (prices found on samples of users, or on all of
them when few, streaming in chunks), then turns the prices into a plan: every user takes the campaign with
the best reduced value, a repair step moves the fewest, least valuable users until every limit holds, and a
fill step spends what is left on the best remaining upgrades (value per unit of spend). The dual value at the prices is an upper bound
on every plan's objective, so :class:`Assignment` reports a *certified* relative gap
``(bound - objective) / bound`` with each plan, and the prices themselves (shadow prices: what one more unit
of each limit would earn). :func:`campaignkit.design.milp.solve_milp` solves the same problem exactly with
HiGHS, for checks on samples.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from campaignkit.design.dual import CHUNK, _prices, dual_pass, reduced_values, solve_dual
from campaignkit.design.problem import AssignmentProblem, ConstraintSet, constraint_set
from campaignkit.errors import ParameterError

__all__ = ["Assignment", "assign", "objective_and_spend", "constraint_usage"]


@dataclass
class Assignment:
    """A plan and its certificate.

    Attributes:
        choice: Array of shape (n_users,) of catalogue rows (0 = control, c = the problem's column c - 1).
        user_id: Array of shape (n_users,).
        campaign_ids: The catalogue's ids, control first.
        target_category: Array of shape (n_users,).
        objective: Expected incremental profit of the plan (sum of the chosen values).
        spend: Its expected spend.
        bound: The dual (LP) upper bound on any plan's objective under the same limits.
        gap: ``(bound - objective) / |bound|`` (0 when both are 0).
        constraints: DataFrame, one row per limit: ``kind, limit, used, shadow_price``.
        seconds: Wall time of the solve.
        info: Solver diagnostics (passes, repair and fill moves).
    """

    choice: np.ndarray
    user_id: np.ndarray
    campaign_ids: tuple
    target_category: np.ndarray
    objective: float
    spend: float
    bound: float
    gap: float
    constraints: pd.DataFrame
    seconds: float
    info: dict

    def plan(self, catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
        """The plan as ``user_id, campaign_id, target_category`` (-1 unless the campaign targets one)."""
        ids = np.asarray(self.campaign_ids, dtype=object)
        targeted = np.zeros(len(ids), bool)
        if catalogue is not None:
            targeted = catalogue.set_index("campaign_id").loc[list(ids), "targets_category"].to_numpy(bool)
        return pd.DataFrame(
            {
                "user_id": self.user_id,
                "campaign_id": ids[self.choice],
                "target_category": np.where(targeted[self.choice], self.target_category, -1),
            }
        )

    def summary(self) -> dict:
        """Objective, spend, bound, gap, reach and seconds as a flat dict."""
        return {
            "objective": self.objective,
            "spend": self.spend,
            "bound": self.bound,
            "gap": self.gap,
            "reach": float(np.mean(self.choice > 0)),
            "seconds": self.seconds,
        }


def objective_and_spend(problem: AssignmentProblem, choice) -> tuple[float, float]:
    """``(objective, spend)`` of a choice (catalogue rows, 0 = control) on a problem."""
    choice = np.asarray(choice)
    on = np.flatnonzero(choice > 0)
    col = choice[on] - 1
    return (
        float(problem.value[on, col].sum(dtype=np.float64)),
        float(problem.spend[on, col].sum(dtype=np.float64)),
    )


def constraint_usage(problem: AssignmentProblem, cons: ConstraintSet, choice, rows=None) -> np.ndarray:
    """Usage of each constraint row by a choice (same sign convention as ``cons.rhs``).

    Args:
        problem: The problem.
        cons: Its constraints.
        choice: Array of catalogue rows (0 = control), one per user, or one per ``rows``.
        rows: Row positions ``choice`` is for (None: all users).
    """
    choice = np.asarray(choice)
    codes, labels = problem.segment_codes()
    rows = np.arange(len(choice)) if rows is None else np.asarray(rows)
    on = choice > 0
    col = np.where(on, choice - 1, 0)
    sp = np.where(on, problem.spend[rows, col], 0.0).astype(np.float64)
    out = np.zeros(len(cons))
    cnt = np.bincount(codes[rows][on], minlength=len(labels))
    for j, kind in enumerate(cons.kinds):
        if kind == "budget":
            out[j] = sp.sum()
        elif kind == "cap_count":
            out[j] = float(np.sum(on & (col == cons.column[j])))
        elif kind == "cap_spend":
            out[j] = sp[on & (col == cons.column[j])].sum()
        else:
            out[j] = -cnt[cons.group[j]]
    return out


def _greedy(problem, cons, theta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each user's best option at the prices, its margin over the runner-up (control counts as 0), its spend."""
    codes, labels = problem.segment_codes()
    n, k = problem.shape
    alpha, beta, nu = _prices(theta, cons, k, len(labels))
    choice = np.zeros(n, np.int32)
    margin = np.zeros(n, np.float32)
    spend = np.zeros(n, np.float32)
    for lo in range(0, n, CHUNK):
        sl = slice(lo, min(lo + CHUNK, n))
        r = reduced_values(
            problem.value[sl], problem.spend[sl], alpha, beta, nu[codes[sl]] if nu.any() else None
        )
        rows = np.arange(len(r))
        best = r.argmax(axis=1)
        top = r[rows, best]
        r[rows, best] = -np.inf
        second = np.maximum(r.max(axis=1), 0.0)
        choice[sl] = np.where(top > 0, best + 1, 0)
        margin[sl] = np.where(top > 0, top - second, -top)
        spend[sl] = np.where(top > 0, problem.spend[sl][rows, best], 0.0)
    return choice, margin, spend


class _State:
    """The plan being repaired: choice, and the slack of each constraint."""

    def __init__(self, problem, cons, choice, spend=None):
        self.p, self.c = problem, cons
        self.choice = choice.astype(np.int32)
        self.codes, self.labels = problem.segment_codes()
        if spend is None:
            on = np.flatnonzero(self.choice > 0)
            spend = np.zeros(len(choice), np.float32)
            spend[on] = problem.spend[on, self.choice[on] - 1]
        self.sp = np.asarray(spend, np.float32)
        self.refresh()

    def refresh(self):
        """Usage of every constraint from the current choice (counts and sums per campaign and segment)."""
        k = self.p.shape[1]
        count = np.bincount(self.choice, minlength=k + 1)
        spent = np.bincount(self.choice, weights=self.sp, minlength=k + 1)
        covered = np.bincount(self.codes[self.choice > 0], minlength=len(self.labels))
        used = np.zeros(len(self.c))
        for j, kind in enumerate(self.c.kinds):
            if kind == "budget":
                used[j] = spent[1:].sum()
            elif kind == "cap_count":
                used[j] = count[self.c.column[j] + 1]
            elif kind == "cap_spend":
                used[j] = spent[self.c.column[j] + 1]
            else:
                used[j] = -covered[self.c.group[j]]
        self.used = used
        self.slack = self.c.rhs - self.used

    def move(self, users, targets):
        """Give ``users`` the campaigns ``targets``, updating the usage by the difference only."""
        before = constraint_usage(self.p, self.c, self.choice[users], users)
        self.choice[users] = targets
        self.sp[users] = np.where(targets > 0, self.p.spend[users, np.maximum(targets - 1, 0)], 0.0)
        self.used = self.used + constraint_usage(self.p, self.c, self.choice[users], users) - before
        self.slack = self.c.rhs - self.used

    def cap_room(self) -> tuple[np.ndarray, np.ndarray]:
        """Per column: users that may still be added and spend that may still be added (inf when uncapped)."""
        k = self.p.shape[1]
        users, spend = np.full(k, np.inf), np.full(k, np.inf)
        for j, kind in enumerate(self.c.kinds):
            if kind == "cap_count":
                users[self.c.column[j]] = self.slack[j]
            elif kind == "cap_spend":
                spend[self.c.column[j]] = self.slack[j]
        return users, spend

    def budget_slack(self) -> float:
        return float(self.slack[0]) if self.c.has_budget else np.inf

    def coverage_room(self) -> np.ndarray:
        """Per segment: users that may still leave contact (inf without a minimum)."""
        n_groups = len(self.p.segment_codes()[1])
        room = np.full(n_groups, np.inf)
        for j in self.c.rows("coverage"):
            room[self.c.group[j]] = -self.used[j] + self.c.rhs[j]  # contacted - minimum
        return room


def _within(rank_keys: np.ndarray, limits: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Keep, in order, the items whose running count (or weight) within their key stays within the key's limit."""
    keep = np.ones(len(rank_keys), bool)
    for key in np.unique(rank_keys):
        if not np.isfinite(limits[key]):
            continue
        sel = np.flatnonzero(rank_keys == key)
        w = np.ones(len(sel)) if weights is None else weights[sel]
        keep[sel] = np.cumsum(w) <= limits[key] + 1e-9
    return keep


def _apply_moves(state: _State, users, targets, gain_order, need: float | None, freed) -> int:
    """Apply moves in ``gain_order`` until ``need`` of the resource is freed (None: all that fit)."""
    order = gain_order
    users, targets, freed = users[order], targets[order], freed[order]
    room_users, room_spend = state.cap_room()
    into = targets > 0
    keep = np.ones(len(users), bool)
    col = np.where(into, targets - 1, 0)
    if into.any():
        keys = np.where(into, col, -1)
        sub = np.flatnonzero(into)
        keep[sub] &= _within(keys[sub], room_users)
        sp = state.p.spend[users[sub], col[sub]].astype(np.float64)
        keep[sub] &= _within(keys[sub], room_spend, sp)
    leaving = (targets == 0) & (state.choice[users] > 0)
    if leaving.any():
        sub = np.flatnonzero(leaving)
        keep[sub] &= _within(state.codes[users[sub]], state.coverage_room())
    users, targets, freed = users[keep], targets[keep], freed[keep]
    if need is not None:
        upto = np.searchsorted(np.cumsum(freed), need - 1e-12) + 1
        users, targets = users[:upto], targets[:upto]
    state.move(users, targets)
    return len(users)


def _options(state: _State, users):
    """Value and spend of every option (control first) for ``users``: arrays of shape (n, k + 1)."""
    v = np.zeros((len(users), state.p.shape[1] + 1))
    s = np.zeros_like(v)
    v[:, 1:] = state.p.value[users]
    s[:, 1:] = state.p.spend[users]
    return v, s


def _repair_coverage(state: _State, j: int, lam: float, need: float) -> int:
    """Contact uncontacted users of coverage row ``j``'s segment, best value net of the budget's price first."""
    users = np.flatnonzero((state.codes == state.c.group[j]) & (state.choice == 0))
    v, s = _options(state, users)
    score = v - lam * s
    score[:, 0] = -np.inf
    tgt = score.argmax(axis=1)
    order = np.argsort(-score[np.arange(len(users)), tgt], kind="stable")
    return _apply_moves(state, users, tgt, order, need, np.ones(len(users)))


def _freeing_moves(state: _State, j: int, users: np.ndarray, lam: float):
    """Each user's move that frees row ``j``'s resource (budget, or a cap) at the least value lost per unit freed.

    Returns:
        ``(users, targets, order, freed)`` for :func:`_apply_moves`: the users with such a move, its target, the
        order of increasing loss per unit and the amount each move frees.
    """
    cons = state.c
    kind = cons.kinds[j]
    v, s = _options(state, users)
    rows = np.arange(len(users))
    cur = state.choice[users]
    if kind == "budget":
        use = s
        price = v
    else:
        use = s if kind == "cap_spend" else np.ones_like(s)
        use[:, 0] = 0.0
        mask = np.zeros_like(s, bool)
        mask[:, cons.column[j] + 1] = True
        use = np.where(mask, use, 0.0)
        price = v - lam * s
    freed = use[rows, cur][:, None] - use
    loss = price[rows, cur][:, None] - price
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(freed > 1e-12, loss / freed, np.inf)
    if kind != "budget":  # moving elsewhere must not break the budget by more than the slack left
        extra = s - s[rows, cur][:, None]
        ratio = np.where(extra > max(state.budget_slack(), 0.0) + 1e-12, np.inf, ratio)
    ratio[rows, cur] = np.inf
    tgt = ratio.argmin(axis=1)
    r_best = ratio[rows, tgt]
    ok = np.isfinite(r_best)
    return users[ok], tgt[ok], np.argsort(r_best[ok], kind="stable"), freed[rows[ok], tgt[ok]]


def _repair(state: _State, theta, margin=None, max_rounds: int = 60, max_candidates: int = 200_000) -> int:
    """Move users until every constraint holds; returns the number of moves.

    On large problems a round first looks at the ``max_candidates`` users closest to a tie (``margin``), and
    at all users only when those cannot free enough.
    """
    cons, moves = state.c, 0
    narrow = margin is not None
    lam = theta[0] if cons.has_budget else 0.0
    for _ in range(max_rounds):
        over = np.flatnonzero(state.slack < -1e-9 * np.maximum(np.abs(cons.rhs), 1.0))
        if not over.size:
            return moves
        j = over[np.argmin(state.slack[over] / np.maximum(np.abs(cons.rhs[over]), 1.0))]
        need = -state.slack[j]
        if cons.kinds[j] == "coverage":
            moves += _repair_coverage(state, j, lam, need)
            continue
        held = state.choice > 0 if cons.kinds[j] == "budget" else state.choice == cons.column[j] + 1
        users = np.flatnonzero(held)
        if narrow and len(users) > max_candidates:
            users = np.sort(users[np.argpartition(margin[users], max_candidates)[:max_candidates]])
        users, tgt, order, freed = _freeing_moves(state, j, users, lam)
        done = _apply_moves(state, users, tgt, order, need, freed)
        moves += done
        if done == 0 and narrow:
            narrow = False
            continue
        if done == 0:
            raise ParameterError(
                f"could not meet the limit {cons.names[j]!r} with the others: the limits are infeasible together"
            )
    if np.any(state.slack < -1e-6 * np.maximum(np.abs(cons.rhs), 1.0)):
        raise ParameterError("the limits could not all be met: they are infeasible together")
    return moves


def _fill(state: _State, margin, max_rounds: int = 25, max_candidates: int = 200_000) -> int:
    """Spend the slack on the best upgrades (value gained per unit of extra spend); returns the moves.

    Only the ``max_candidates`` users closest to a tie at the prices (smallest ``margin``) are considered:
    the others' best move is far from the margin.
    """
    p = state.p
    n, k = p.shape
    moves = 0
    cand = None
    if n > max_candidates:
        cand = np.sort(np.argpartition(margin, max_candidates)[:max_candidates])
    for _ in range(max_rounds):
        room_b = state.budget_slack()
        room_users, room_spend = state.cap_room()
        users = np.arange(n) if cand is None else cand
        best_r, best_t, best_gain, best_ds = [], [], [], []
        for lo in range(0, len(users), CHUNK):
            u = users[lo : lo + CHUNK]
            cur = state.choice[u]
            cv = np.where(cur > 0, p.value[u, np.maximum(cur - 1, 0)], 0.0).astype(np.float32)
            cs = np.where(cur > 0, p.spend[u, np.maximum(cur - 1, 0)], 0.0).astype(np.float32)
            gain = p.value[u] - cv[:, None]
            ds = p.spend[u] - cs[:, None]
            ok = (
                (gain > 0)
                & (ds <= room_b + 1e-9)
                & (room_users[None, :] >= 1)
                & (p.spend[u] <= room_spend[None, :] + 1e-9)
            )
            ok[np.arange(len(u)), np.maximum(cur - 1, 0)] &= cur == 0
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(ds > 1e-12, gain / ds, np.float32(np.inf))
            # free upgrades first, by their gain
            ratio = np.where(ds > 1e-12, ratio, np.float32(1e30) + gain)
            ratio = np.where(ok, ratio, -np.inf)
            t = ratio.argmax(axis=1)
            rows = np.arange(len(u))
            best_r.append(ratio[rows, t])
            best_t.append(t + 1)
            best_gain.append(gain[rows, t])
            best_ds.append(ds[rows, t])
        r = np.concatenate(best_r) if best_r else np.zeros(0)
        keep = np.isfinite(r) & (r > -np.inf)
        if not keep.any():
            break
        users, t = users[keep], np.concatenate(best_t)[keep]
        r, ds = r[keep], np.concatenate(best_ds)[keep].astype(np.float64)
        order = np.argsort(-r, kind="stable")
        cand = np.sort(users)  # users without a feasible upgrade now will not get one later
        users, t, ds = users[order], t[order], ds[order]
        # take the prefix whose extra spend fits (free moves always fit)
        fit = np.cumsum(np.maximum(ds, 0.0)) <= room_b + 1e-9
        stop = np.argmin(fit) if not fit.all() else len(fit)
        users, t = users[:stop], t[:stop]
        if not len(users):
            break
        done = _apply_moves(state, users, t, np.arange(len(users)), None, np.zeros(len(users)))
        if state.c.has_budget and state.slack[0] < -1e-9:
            raise AssertionError("fill broke the budget")  # pragma: no cover - guarded above
        moves += done
        if done == 0:
            break
    return moves


def _table(cons: ConstraintSet, used, theta) -> pd.DataFrame:
    limit = np.where(np.array(cons.kinds) == "coverage", -cons.rhs, cons.rhs)
    usage = np.where(np.array(cons.kinds) == "coverage", -used, used)
    return pd.DataFrame(
        {"kind": cons.kinds, "limit": limit, "used": usage, "shadow_price": theta},
        index=pd.Index(cons.names, name="constraint"),
    )


def assign(
    problem: AssignmentProblem,
    budget: float | None = None,
    *,
    caps: dict | None = None,
    spend_caps: dict | None = None,
    min_coverage: dict | None = None,
    sample_size: int = 200_000,
    random_state=0,
) -> Assignment:
    """The most expected incremental profit under a budget and caps, one campaign per user, with a certificate.

    Args:
        problem: An :class:`~campaignkit.design.problem.AssignmentProblem` (value and spend per user and
            campaign; e.g. ``AssignmentProblem.from_prediction(model.predict_outcomes(data))``).
        budget: Total expected spend (discount + contact cost) allowed; None: no budget.
        caps: ``{campaign_id: most users}``.
        spend_caps: ``{campaign_id: most expected spend}``.
        min_coverage: ``{segment: least users contacted}`` (a float < 1: a share of the segment).
        sample_size: Users of the sample the dual prices are first found on.
        random_state: Seed of that sample.

    Returns:
        An :class:`Assignment` (the plan, its objective, the dual bound, the certified gap, shadow prices).

    Raises:
        ParameterError: On bad or infeasible limits (before any work) or when the limits cannot all be met.
    """
    cons = constraint_set(problem, budget, caps, spend_caps, min_coverage)
    t0 = time.perf_counter()
    theta, info = solve_dual(problem, cons, sample_size=sample_size, random_state=random_state)
    choice, margin, spend_now = _greedy(problem, cons, theta)
    info["passes"] += 1
    state = _State(problem, cons, choice, spend_now)
    info["repair_moves"] = _repair(state, theta, margin)
    info["fill_moves"] = _fill(state, margin)
    info["repair_moves"] += _repair(state, theta, margin)
    state.refresh()
    objective, spend = objective_and_spend(problem, state.choice)
    bound = dual_pass(problem, cons, theta, exact=True)["value"]
    info["passes"] += 1
    bound = max(bound, objective)
    gap = (bound - objective) / abs(bound) if bound != 0 else 0.0
    return Assignment(
        choice=state.choice.astype(np.int32),
        user_id=problem.user_id,
        campaign_ids=("control", *problem.campaign_ids),
        target_category=problem.target_category,
        objective=objective,
        spend=spend,
        bound=float(bound),
        gap=float(gap),
        constraints=_table(cons, state.used, theta),
        seconds=time.perf_counter() - t0,
        info=info,
    )
