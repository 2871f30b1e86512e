"""The Lagrangian dual of the assignment LP, evaluated by streaming over users in chunks.

With prices ``theta >= 0`` on the constraints (budget ``lambda``, caps ``mu_c``, coverage ``nu_g``), a user's
reduced value of campaign ``c`` is ``r_ic = v_ic - lambda s_ic - mu_c k_ic + nu_g(i)`` (``k_ic`` = 1 for a user
cap, ``s_ic`` for a spend cap) and of control 0. The dual function

    D(theta) = sum_i max(0, max_c r_ic) + theta . rhs

bounds the LP optimum (and so every integer plan) from above for *any* ``theta >= 0``: that is the
certificate. It is minimised on an entropy-smoothed version ``D_tau`` (``max`` replaced by ``tau`` times a
log-sum-exp, which is itself an upper bound) by projected Newton steps - the gradient and the Hessian are
sums over users of per-user moments, one pass each - with ``tau`` lowered stage by stage. Problems of up to
``sample_size`` users are solved on all users and then polished by exact coordinate bisection on ``D`` itself
(up to ``polish_max_users``); larger ones run the stages on a random sample of users (limits scaled to it),
then one Newton step on a five times larger sample. Every pass reads the users in chunks of float32 arrays;
the certificate at the end is one exact (float64) pass over all users.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from campaignkit.design.problem import AssignmentProblem, ConstraintSet
from campaignkit.errors import ParameterError

__all__ = ["DualPass", "reduced_values", "dual_pass", "solve_dual"]

CHUNK = 1 << 17


class DualPass(dict):
    """Result of one pass: ``value`` (D or D_tau), ``usage`` (array of shape (n_constraints,)), and with a
    Hessian ``hessian`` (array of shape (n_constraints, n_constraints))."""


def _prices(theta, cons: ConstraintSet, k: int, n_groups: int):
    """Per-column ``alpha`` (user-cap prices), ``beta`` (lambda + spend-cap prices), per-group ``nu``."""
    theta = np.asarray(theta, float)
    alpha, beta, nu = np.zeros(k), np.zeros(k), np.zeros(n_groups)
    for j, kind in enumerate(cons.kinds):
        if kind == "budget":
            beta += theta[j]
        elif kind == "cap_count":
            alpha[cons.column[j]] += theta[j]
        elif kind == "cap_spend":
            beta[cons.column[j]] += theta[j]
        else:
            nu[cons.group[j]] += theta[j]
    return alpha, beta, nu


def reduced_values(v, s, alpha, beta, shift) -> np.ndarray:
    """``v - beta s - alpha + shift`` for one chunk: array of shape (n_chunk, n_campaigns), float32."""
    r = s * beta.astype(np.float32)[None, :]
    np.subtract(v, r, out=r)
    r -= alpha.astype(np.float32)[None, :]
    if shift is not None:
        r += shift.astype(np.float32)[:, None]
    return r


class _Rows(NamedTuple):
    """The constraint rows a pass accumulates, by kind."""

    kinds: list
    column: np.ndarray
    group: np.ndarray
    cap: list  # user and spend caps
    cov: np.ndarray  # coverage minimums
    bud: int | None  # the budget's row


def _rows(cons: ConstraintSet) -> _Rows:
    cap = [j for j, kd in enumerate(cons.kinds) if kd in ("cap_count", "cap_spend")]
    return _Rows(
        cons.kinds, cons.column, cons.group, cap, cons.rows("coverage"), 0 if cons.has_budget else None
    )


def _hard_chunk(r, s, g, rows: _Rows, n_groups: int, usage) -> float:
    """The exact dual's share of one chunk (each user's best reduced value, or 0); adds the greedy choice's usage."""
    best = r.argmax(axis=1)
    rb = r[np.arange(len(r)), best]
    on = rb > 0
    total = float(rb[on].sum(dtype=np.float64))
    col = np.where(on, best, -1)
    sp = np.where(on, s[np.arange(len(r)), best], 0.0)
    if rows.bud is not None:
        usage[rows.bud] += float(sp.sum())
    for j in rows.cap:
        sel = col == rows.column[j]
        usage[j] += float(sel.sum()) if rows.kinds[j] == "cap_count" else float(sp[sel].sum())
    if len(rows.cov):
        cnt = np.bincount(g[on], minlength=n_groups)
        for j in rows.cov:
            usage[j] -= cnt[rows.group[j]]
    return total


def _smooth_chunk(r, s, g, tau: float, rows: _Rows, usage, hess) -> float:
    """The smoothed dual's share of one chunk; adds the expected usage (and, with ``hess``, the Hessian)."""
    m = np.maximum(r.max(axis=1), 0.0)
    e = np.exp((r - m[:, None]) / np.float32(tau))
    z = e.sum(axis=1) + np.exp(-m / np.float32(tau))
    total = float((m + np.float32(tau) * np.log(z)).sum())
    p = e / z[:, None]
    ps = p * s
    tot_ps = ps.sum(axis=1)
    tot_p = p.sum(axis=1)
    if rows.bud is not None:
        usage[rows.bud] += float(tot_ps.sum())
    for j in rows.cap:
        usage[j] += float(_cap_use(p, ps, rows, j).sum())
    sels = [g == rows.group[j] for j in rows.cov]
    for j, sel in zip(rows.cov, sels, strict=True):
        usage[j] -= float(tot_p[sel].sum())
    if hess is not None:
        _add_hessian(hess, p, ps, s, tot_p, tot_ps, sels, rows)
    return total


def _cap_use(p, ps, rows: _Rows, j: int):
    """Expected use of cap row ``j`` per user: the chance of its campaign, or its expected spend."""
    c = rows.column[j]
    return p[:, c] if rows.kinds[j] == "cap_count" else ps[:, c]


def _add_hessian(hess, p, ps, s, tot_p, tot_ps, sels, rows: _Rows) -> None:
    """Add one chunk's ``sum_i (E[a_i a_i'] - E[a_i] E[a_i]')`` (times ``tau``) to ``hess``."""
    bud = rows.bud
    abar = np.zeros((len(p), len(hess)), np.float32)
    if bud is not None:
        abar[:, bud] = tot_ps
        hess[bud, bud] += float((ps * s).sum())
    for j in rows.cap:
        c, count = rows.column[j], rows.kinds[j] == "cap_count"
        kap = _cap_use(p, ps, rows, j)
        abar[:, j] = kap
        hess[j, j] += float((kap if count else kap * s[:, c]).sum())
        if bud is not None:
            cross = float((ps[:, c] * (1.0 if count else s[:, c])).sum())
            hess[bud, j] += cross
            hess[j, bud] += cross
    for j, sel in zip(rows.cov, sels, strict=True):
        abar[sel, j] = -tot_p[sel]
        hess[j, j] += float(tot_p[sel].sum())
        if bud is not None:
            hess[bud, j] -= float(tot_ps[sel].sum())
            hess[j, bud] -= float(tot_ps[sel].sum())
        for jc in rows.cap:
            c = rows.column[jc]
            kap = p[sel, c] if rows.kinds[jc] == "cap_count" else ps[sel, c]
            hess[jc, j] -= float(kap.sum())
            hess[j, jc] -= float(kap.sum())
    hess -= (abar.T @ abar).astype(np.float64)


def dual_pass(
    problem: AssignmentProblem,
    cons: ConstraintSet,
    theta,
    tau: float = 0.0,
    *,
    hessian: bool = False,
    scale: float = 1.0,
    exact: bool = False,
) -> DualPass:
    """One pass over the users: the dual value and constraint usage at ``theta``.

    Args:
        problem: The problem.
        cons: Its constraints.
        theta: Array of shape (n_constraints,) of prices >= 0.
        tau: Smoothing temperature (0: the exact dual, usage of the greedy choice).
        hessian: Also return the Hessian of ``D_tau`` (``tau > 0``).
        scale: Share of all users ``problem`` stands for, when it is a sample (limits are multiplied by it).
        exact: Compute in float64 (for the certificate; ``tau`` must be 0).

    Returns:
        A :class:`DualPass`.
    """
    codes, labels = problem.segment_codes()
    n_all, k = problem.shape
    alpha, beta, nu = _prices(theta, cons, k, len(labels))
    nc = len(cons)
    usage = np.zeros(nc)
    total = 0.0
    hess = np.zeros((nc, nc)) if hessian else None
    rows = _rows(cons)
    any_nu = bool(np.any(nu))
    for lo in range(0, n_all, CHUNK):
        sl = slice(lo, min(lo + CHUNK, n_all))
        v, s, g = problem.value[sl], problem.spend[sl], codes[sl]
        shift = nu[g] if any_nu else None
        if exact:
            v, s = v.astype(np.float64), s.astype(np.float64)
            r = v - beta[None, :] * s - alpha[None, :] + (0.0 if shift is None else shift[:, None])
        else:
            r = reduced_values(v, s, alpha, beta, shift)
        if tau <= 0:
            total += _hard_chunk(r, s, g, rows, len(labels), usage)
        else:
            total += _smooth_chunk(r, s, g, tau, rows, usage, hess)
    rhs = cons.rhs * scale
    out = DualPass(value=total + float(np.dot(theta, rhs)), usage=usage, rhs=rhs, primal_part=total)
    if hessian:
        out["hessian"] = hess / tau
    return out


def _newton(problem, cons, theta, tau, *, scale=1.0, max_iter=30, tol=1e-7, max_backtracks=8):
    """Projected Newton on ``D_tau`` from ``theta``; returns ``(theta, passes)``."""
    passes = 0
    rhs_scale = np.maximum(np.abs(cons.rhs * scale), 1.0)
    for _ in range(max_iter):
        cur = dual_pass(problem, cons, theta, tau, hessian=True, scale=scale)
        passes += 1
        grad = cur["rhs"] - cur["usage"]
        free = (theta > 0) | (grad < 0)
        if not free.any() or np.all(np.abs(grad[free]) <= tol * rhs_scale[free]):
            break
        h = cur["hessian"][np.ix_(free, free)]
        h = h + np.eye(free.sum()) * (1e-10 * max(np.trace(h), 1e-12) + 1e-12)
        try:
            step = -np.linalg.solve(h, grad[free])
        except np.linalg.LinAlgError:
            step = -grad[free] / np.maximum(np.diag(h), 1e-12)
        d = np.zeros_like(theta)
        d[free] = step
        t, f0 = 1.0, cur["value"]
        for _ in range(max_backtracks):
            new = np.maximum(theta + t * d, 0.0)
            val = dual_pass(problem, cons, new, tau, scale=scale)["value"]
            passes += 1
            if val <= f0 + 1e-4 * float(np.dot(grad, new - theta)):
                break
            t *= 0.3
        if val > f0:  # no descent at all: done at this temperature
            break
        moved = np.abs(new - theta).max() / max(np.abs(theta).max(), 1e-12)
        theta = new
        if f0 - val <= 1e-12 * max(abs(f0), 1.0) and moved < 1e-9:
            break
        if np.any(theta > 1e12):
            raise ParameterError(
                "the constraints cannot all be met (a coverage price grows without bound): loosen the "
                "coverage minimums, the caps or raise the budget"
            )
    return theta, passes


def _over(problem, cons, probe, j: int) -> bool:
    """Whether constraint ``j`` is broken at prices ``probe`` (one exact pass)."""
    return dual_pass(problem, cons, probe)["usage"][j] > cons.rhs[j]


def _bracket(problem, cons, theta, j: int):
    """Prices ``lo < hi`` of coordinate ``j`` with ``j`` broken at ``lo`` (or ``lo = 0``) and met at ``hi``.

    Returns:
        ``(lo, hi, passes)``.
    """
    passes = 0
    lo, hi = 0.0, max(theta[j] * 2.0, 1e-6)
    probe = theta.copy()
    probe[j] = hi
    while _over(problem, cons, probe, j):
        passes += 1
        lo, hi = hi, hi * 4
        probe[j] = hi
        if hi > 1e12:
            raise ParameterError(f"constraint {cons.names[j]!r} cannot be met with the other limits")
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        probe[j] = mid
        if _over(problem, cons, probe, j):
            lo = mid
        else:
            hi = mid
        passes += 1
        if hi - lo <= 1e-10 * max(hi, 1e-9):
            break
    return lo, hi, passes


def _polish_coordinate(problem, cons, theta, j: int, base: DualPass):
    """Exact minimisation of the hard dual along coordinate ``j``: ``(theta, passes)``."""
    lo, hi, passes = _bracket(problem, cons, theta, j)
    best, best_val = theta.copy(), base["value"]
    probe = theta.copy()
    for cand in (lo, hi):
        probe[j] = cand
        val = dual_pass(problem, cons, probe)["value"]
        passes += 1
        if val < best_val - 1e-12 * abs(best_val):
            best, best_val = probe.copy(), val
    return best, passes


def _polish(problem, cons, theta, *, max_passes: int):
    """Cyclic exact minimisation of the hard dual along each active coordinate (bisection on its usage)."""
    passes = 0
    for _ in range(4):
        changed = False
        for j in range(len(cons)):
            if passes >= max_passes:
                return theta, passes
            base = dual_pass(problem, cons, theta)
            passes += 1
            if theta[j] == 0 and base["usage"][j] <= cons.rhs[j]:
                continue
            best, p = _polish_coordinate(problem, cons, theta, j, base)
            passes += p
            changed |= not np.allclose(best, theta)
            theta = best
        if not changed:
            break
    return theta, passes


def _temperature(problem: AssignmentProblem) -> float:
    """A value scale for the smoothing: the mean absolute value of the positive entries (a sample)."""
    v = problem.value[:: max(1, problem.shape[0] // 20000)]
    pos = np.abs(v[v > 0])
    return float(pos.mean()) if pos.size else float(np.abs(v).mean() + 1e-9)


def solve_dual(
    problem: AssignmentProblem,
    cons: ConstraintSet,
    *,
    sample_size: int = 200_000,
    polish_max_users: int = 200_000,
    full_newton: int = 1,
    random_state=0,
) -> tuple[np.ndarray, dict]:
    """Prices that (nearly) minimise the dual.

    Args:
        problem: The problem.
        cons: Its constraints.
        sample_size: Users of the sample the first stages run on (all users when fewer).
        polish_max_users: Problems up to this size also get the exact coordinate polish.
        full_newton: Newton steps on a five times larger sample (or all users) after the first sample.
        random_state: Seed of the sample.

    Returns:
        ``(theta, info)`` with ``info`` holding ``passes`` (full passes over all users) and ``sample_passes``.
    """
    n = problem.shape[0]
    theta = np.zeros(len(cons))
    info = {"passes": 0, "sample_passes": 0}
    if not len(cons):
        return theta, info
    base = dual_pass(problem, cons, theta)
    info["passes"] += 1
    if np.all(base["usage"] <= cons.rhs + 1e-6 * np.maximum(np.abs(cons.rhs), 1.0)):  # nothing binds
        return theta, info
    scale = _temperature(problem)
    taus = [scale * f for f in (0.1, 0.01, 1e-3)]
    if n > sample_size:
        rows = np.sort(np.random.default_rng(random_state).choice(n, sample_size, replace=False))
        sample = problem.take(rows)
        sample._codes = (problem.segment_codes()[0][rows], problem.segment_codes()[1])
        for tau in taus:
            theta, p = _newton(
                sample, cons, theta, tau, scale=sample_size / n, max_iter=8, tol=1e-5, max_backtracks=3
            )
            info["sample_passes"] += p
        # one more stage on a five times larger sample (all users when that is most of them)
        big = problem
        if n > 5 * sample_size * 1.5:
            rows = np.sort(np.random.default_rng(random_state).choice(n, 5 * sample_size, replace=False))
            big = problem.take(rows)
            big._codes = (problem.segment_codes()[0][rows], problem.segment_codes()[1])
        theta, p = _newton(
            big,
            cons,
            theta,
            taus[-1],
            scale=big.shape[0] / n,
            max_iter=full_newton,
            tol=1e-6,
            max_backtracks=2,
        )
        info["sample_passes" if big is not problem else "passes"] += p
    else:
        for tau in [*taus, taus[-1] * 0.1]:
            theta, p = _newton(problem, cons, theta, tau, max_iter=20)
            info["passes"] += p
    if n <= polish_max_users:
        theta, p = _polish(problem, cons, theta, max_passes=2000)
        info["passes"] += p
    return theta, info
