"""The assignment problem solved exactly by HiGHS (``scipy.optimize.milp`` / ``linprog``), for checks on samples.

One binary ``x_ic`` per user and campaign (control is ``sum_c x_ic = 0``); the constraints are those of
:func:`~campaignkit.design.problem.constraint_set`. Without coverage minimums a campaign of non-positive
value is never worth choosing, so those variables are left out (the optimum is unchanged). Meant for
problems of up to about 10^5 users; the Lagrangian :func:`~campaignkit.design.assign.assign` is the one that
scales.

HiGHS's C++ code prints some messages straight to the process's standard output whatever ``disp`` says (e.g.
``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``): the solves run inside
:func:`_quiet_stdout`, which points file descriptor 1 at the null device for their duration.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from campaignkit.design.problem import AssignmentProblem, constraint_set
from campaignkit.errors import CampaignkitError

__all__ = ["solve_milp", "solve_lp"]


@contextmanager
def _quiet_stdout():
    """Send what is written to file descriptor 1 (C and C++ code included) to the null device, then restore it.

    Python's own ``sys.stdout`` is flushed first so that nothing printed before the block is lost. The
    descriptor belongs to the whole process: another thread's prints during the block are dropped too.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def _model(problem: AssignmentProblem, cons):
    n, k = problem.shape
    codes, _ = problem.segment_codes()
    v = problem.value.astype(np.float64)
    s = problem.spend.astype(np.float64)
    keep = np.ones((n, k), bool) if len(cons.rows("coverage")) else v > 0
    ui, ci = np.nonzero(keep)
    nv = len(ui)
    rows, cols, vals = [ui], [np.arange(nv)], [np.ones(nv)]
    for j, kind in enumerate(cons.kinds):
        r = n + j
        if kind == "budget":
            sel = np.arange(nv)
            coef = s[ui, ci]
        elif kind in ("cap_count", "cap_spend"):
            sel = np.flatnonzero(ci == cons.column[j])
            coef = np.ones(len(sel)) if kind == "cap_count" else s[ui[sel], ci[sel]]
        else:
            sel = np.flatnonzero(codes[ui] == cons.group[j])
            coef = -np.ones(len(sel))
        rows.append(np.full(len(sel), r))
        cols.append(sel)
        vals.append(coef)
    a = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n + len(cons), nv)
    )
    ub = np.concatenate([np.ones(n), cons.rhs])
    return -v[ui, ci], a, ub, ui, ci


def _choice(n, ui, ci, x) -> np.ndarray:
    choice = np.zeros(n, np.int32)
    on = x > 0.5
    choice[ui[on]] = ci[on] + 1
    return choice


def solve_milp(
    problem: AssignmentProblem,
    budget: float | None = None,
    *,
    caps: dict | None = None,
    spend_caps: dict | None = None,
    min_coverage: dict | None = None,
    time_limit: float = 600.0,
    mip_rel_gap: float = 1e-7,
) -> dict:
    """Solve the integer assignment exactly (to ``mip_rel_gap``) with HiGHS.

    Args:
        problem: The problem.
        budget: As in :func:`~campaignkit.design.assign.assign`.
        caps: As there.
        spend_caps: As there.
        min_coverage: As there.
        time_limit: Seconds HiGHS may take.
        mip_rel_gap: HiGHS's relative MIP gap tolerance.

    Returns:
        Dict with ``objective``, ``choice`` (array of shape (n_users,), 0 = control), ``bound`` (HiGHS's dual
        bound), ``seconds`` and ``status``.

    Raises:
        CampaignkitError: When HiGHS finds no feasible plan in the time.
    """
    cons = constraint_set(problem, budget, caps, spend_caps, min_coverage)
    c, a, ub, ui, ci = _model(problem, cons)
    t0 = time.perf_counter()
    with _quiet_stdout():
        res = milp(
            c,
            constraints=LinearConstraint(a, -np.inf, ub),
            integrality=np.ones(len(c)),
            bounds=Bounds(0, 1),
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
        )
    if res.x is None:
        raise CampaignkitError(f"HiGHS found no feasible plan: {res.message}")
    dual_bound = getattr(res, "mip_dual_bound", None)
    bound = -res.fun if dual_bound is None else -dual_bound
    return {
        "objective": float(-res.fun),
        "choice": _choice(problem.shape[0], ui, ci, res.x),
        "bound": float(bound),
        "seconds": time.perf_counter() - t0,
        "status": res.message,
    }


def solve_lp(
    problem: AssignmentProblem,
    budget: float | None = None,
    *,
    caps: dict | None = None,
    spend_caps: dict | None = None,
    min_coverage: dict | None = None,
) -> dict:
    """Solve the LP relaxation with HiGHS: its optimum and the constraints' dual prices.

    Returns:
        Dict with ``objective`` (the LP optimum), ``shadow_prices`` (array of shape (n_constraints,), >= 0, in
        :func:`~campaignkit.design.problem.constraint_set`'s row order), ``n_fractional`` (users not at 0/1)
        and ``seconds``.
    """
    cons = constraint_set(problem, budget, caps, spend_caps, min_coverage)
    c, a, ub, ui, ci = _model(problem, cons)
    t0 = time.perf_counter()
    with _quiet_stdout():
        res = linprog(c, A_ub=a, b_ub=ub, bounds=(0, 1), method="highs", options={"disp": False})
    if res.status != 0:
        raise CampaignkitError(f"HiGHS could not solve the LP: {res.message}")
    n = problem.shape[0]
    frac = (res.x > 1e-7) & (res.x < 1 - 1e-7)
    return {
        "objective": float(-res.fun),
        "shadow_prices": -np.asarray(res.ineqlin.marginals)[n:],
        "n_fractional": int(len(np.unique(ui[frac]))),
        "seconds": time.perf_counter() - t0,
    }
