"""The budgeted assignment problem: what each user would earn and cost under each campaign, and the limits.

An :class:`AssignmentProblem` holds two arrays of shape (n_users, n_campaigns) for the campaigns of a
catalogue *after* control (catalogue rows 1..): ``value`` (the expected incremental profit of the campaign
over control, or its lower bound) and ``spend`` (its expected discount paid plus contact cost), in float32 so
that ten million users fit in memory. It is built from a model's
:class:`~campaignkit.models.prediction.Prediction`, from chunks of them streamed by ``iter_outcomes``, from the
world's truth (:func:`campaignkit.evaluation.true_problem`) or from plain arrays.

:func:`constraint_set` turns the limits - a total budget, per-campaign caps on users or on spend, a minimum
coverage per segment - into the linear constraints the solvers read, and refuses, before any work, limits
that cannot hold (a negative budget, an unknown campaign or segment, coverage that the caps or the budget
cannot reach).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError

__all__ = ["AssignmentProblem", "ConstraintSet", "constraint_set", "problem_arrays"]


def problem_arrays(prediction, risk: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Value and spend of every campaign after control, from a prediction.

    Args:
        prediction: A :class:`~campaignkit.models.prediction.Prediction`.
        risk: ``z`` of the lower bound ``profit uplift - z x sd``; needs ``prediction.std["profit_uplift"]``
            when positive (0: choose on the mean).

    Returns:
        ``(value, spend)``, float32 arrays of shape (n_users, n_campaigns - 1).

    Raises:
        ParameterError: On a negative ``risk``, a positive ``risk`` without an ensemble sd, or NaN.
    """
    if not np.isfinite(risk) or risk < 0:
        raise ParameterError(f"risk must be a finite number >= 0, got {risk!r}")
    value = prediction.uplift("profit")[:, 1:]
    if risk > 0:
        if "profit_uplift" not in prediction.std:
            raise ParameterError(
                "risk > 0 needs the ensemble sd of the profit uplift (prediction.std['profit_uplift']); "
                "this model gives none: use risk=0"
            )
        value = value - float(risk) * np.asarray(prediction.std["profit_uplift"])[:, 1:]
    spend = (prediction.discount + prediction.contact)[:, 1:]
    return value.astype(np.float32), spend.astype(np.float32)


@dataclass
class AssignmentProblem:
    """Per-user value and spend of each campaign (control excluded), and optional segment labels.

    Attributes:
        value: Array of shape (n_users, n_campaigns) of float32: expected incremental profit of each campaign
            over control (what the optimiser maximises).
        spend: Array of the same shape: expected spend (discount paid + contact cost), >= 0.
        campaign_ids: Ids of the columns (the catalogue's rows 1..).
        user_id: Array of shape (n_users,).
        segment: Array of shape (n_users,) of segment labels, or None.
        target_category: Array of shape (n_users,): the category a category-targeted campaign would target.
    """

    value: np.ndarray
    spend: np.ndarray
    campaign_ids: tuple
    user_id: np.ndarray | None = None
    segment: np.ndarray | None = None
    target_category: np.ndarray | None = None
    _codes: tuple | None = field(default=None, repr=False)

    def __post_init__(self):
        self.value = np.ascontiguousarray(self.value, dtype=np.float32)
        self.spend = np.ascontiguousarray(self.spend, dtype=np.float32)
        self.campaign_ids = tuple(str(c) for c in self.campaign_ids)
        if self.value.ndim != 2 or self.value.shape != self.spend.shape:
            raise ParameterError(
                f"value and spend must be 2-D of the same shape, got {self.value.shape} and {self.spend.shape}"
            )
        n, k = self.value.shape
        if k != len(self.campaign_ids) or k < 1:
            raise ParameterError(
                f"{k} value columns but {len(self.campaign_ids)} campaign ids (control excluded)"
            )
        for name, arr in (("value", self.value), ("spend", self.spend)):
            bad = ~np.isfinite(arr)
            if bad.any():
                i, c = np.argwhere(bad)[0]
                raise ParameterError(
                    f"{name} has {int(bad.sum())} NaN or infinite entries (first: user row {i}, campaign "
                    f"{self.campaign_ids[c]!r}); fix the predictions before assigning"
                )
        if (self.spend < 0).any():
            raise ParameterError("spend must be >= 0 (expected discount plus contact cost)")
        self.user_id = np.arange(n) if self.user_id is None else np.asarray(self.user_id)
        if self.user_id.shape != (n,):
            raise ParameterError(f"user_id must have shape ({n},), got {self.user_id.shape}")
        if self.segment is not None:
            self.segment = np.asarray(self.segment)
            if self.segment.shape != (n,):
                raise ParameterError(f"segment must have shape ({n},), got {self.segment.shape}")
            if pd.isna(self.segment).any():
                raise ParameterError("segment has missing labels")
        tc = np.full(n, -1) if self.target_category is None else np.asarray(self.target_category)
        self.target_category = np.broadcast_to(tc, (n,)).copy()

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_campaigns)`` (control excluded)."""
        return self.value.shape

    def segment_codes(self) -> tuple[np.ndarray, list]:
        """``(codes, labels)``: integer code per user (0..G-1) and the labels; one group when unsegmented."""
        if self._codes is None:
            if self.segment is None:
                self._codes = (np.zeros(self.shape[0], np.int32), ["all"])
            else:
                codes, labels = pd.factorize(pd.Series(self.segment), sort=True)
                self._codes = (codes.astype(np.int32), list(labels))
        return self._codes

    def take(self, rows) -> AssignmentProblem:
        """The users at row positions ``rows``."""
        rows = np.asarray(rows)
        return AssignmentProblem(
            self.value[rows],
            self.spend[rows],
            self.campaign_ids,
            self.user_id[rows],
            None if self.segment is None else self.segment[rows],
            self.target_category[rows],
        )

    @classmethod
    def from_prediction(cls, prediction, *, risk: float = 0.0, segment=None) -> AssignmentProblem:
        """Build from a :class:`~campaignkit.models.prediction.Prediction` (see :func:`problem_arrays`)."""
        value, spend = problem_arrays(prediction, risk)
        return cls(
            value, spend, prediction.campaign_ids[1:], prediction.user_id, segment, prediction.target_category
        )

    @classmethod
    def from_chunks(
        cls, chunks, *, risk: float = 0.0, segment=None, n_users: int | None = None, progress: bool = False
    ) -> AssignmentProblem:
        """Build from predictions streamed in chunks, keeping only the float32 value and spend of each.

        Args:
            chunks: Iterable of :class:`~campaignkit.models.prediction.Prediction` (e.g. ``iter_outcomes``) or of
                ``(value, spend)`` / ``(value, spend, user_id)`` tuples of arrays of shape (n_chunk, n_campaigns)
                (control excluded; campaign ids ``c1, c2, ...``).
            risk: As in :func:`problem_arrays` (predictions only).
            segment: Array of shape (n_users,) of labels for all chunks together, or None.
            n_users: Total users, when known: the arrays are allocated once (half the peak memory).
            progress: Show a progress bar.

        Returns:
            An :class:`AssignmentProblem`.
        """
        from tqdm.auto import tqdm

        parts, ids, filled = [], None, 0
        value = spend = users = targets = None
        for chunk in tqdm(chunks, desc="chunks", unit="chunk", disable=not progress):
            if hasattr(chunk, "uplift"):
                v, s = problem_arrays(chunk, risk)
                u, t, cid = chunk.user_id, np.asarray(chunk.target_category), chunk.campaign_ids[1:]
            else:
                v, s, *rest = chunk
                v, s = np.asarray(v, np.float32), np.asarray(s, np.float32)
                u = rest[0] if rest else None
                t, cid = np.full(len(v), -1), tuple(f"c{j + 1}" for j in range(v.shape[1]))
            if ids is not None and tuple(cid) != ids:
                raise ParameterError("chunks disagree on their campaigns")
            ids = tuple(cid)
            u = np.arange(filled, filled + len(v)) if u is None else np.asarray(u)
            if n_users is not None:
                if value is None:
                    value = np.empty((n_users, v.shape[1]), np.float32)
                    spend = np.empty_like(value)
                    users, targets = np.empty(n_users, u.dtype), np.empty(n_users, np.int64)
                if filled + len(v) > n_users:
                    raise ParameterError(f"the chunks hold more than n_users={n_users} users")
                sl = slice(filled, filled + len(v))
                value[sl], spend[sl], users[sl], targets[sl] = v, s, u, t
            else:
                parts.append((v, s, u, t))
            filled += len(v)
        if not filled:
            raise ParameterError("no chunks to assign")
        if n_users is not None:
            if filled != n_users:
                raise ParameterError(f"the chunks hold {filled} users, not n_users={n_users}")
            return cls(value, spend, ids, users, segment, targets)
        cat = lambda j: np.concatenate([p[j] for p in parts])  # noqa: E731
        return cls(cat(0), cat(1), ids, cat(2), segment, cat(3))


@dataclass
class ConstraintSet:
    """Linear constraints of the assignment LP, all written ``usage <= rhs``.

    Rows, in order: the budget (when given), then one row per cap, then one per coverage minimum (written
    ``-contacted <= -minimum``). Attributes: ``names`` (one per row), ``kinds`` (``budget``, ``cap_count``,
    ``cap_spend``, ``coverage``), ``rhs`` (float64), ``column`` (campaign column of a cap, else -1),
    ``group`` (segment code of a coverage row, else -1), ``has_budget``.
    """

    names: list
    kinds: list
    rhs: np.ndarray
    column: np.ndarray
    group: np.ndarray
    has_budget: bool

    def __len__(self) -> int:
        return len(self.names)

    def rows(self, kind: str) -> np.ndarray:
        """Indices of the rows of one kind."""
        return np.array([j for j, k in enumerate(self.kinds) if k == kind], dtype=int)


def _nonneg(name: str, v) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a number, got {v!r}") from exc
    if not np.isfinite(x) or x < 0:
        raise ParameterError(f"{name} must be finite and >= 0, got {v!r}")
    return x


def constraint_set(
    problem: AssignmentProblem,
    budget: float | None = None,
    caps: dict | None = None,
    spend_caps: dict | None = None,
    min_coverage: dict | None = None,
) -> ConstraintSet:
    """Check the limits of an assignment and write them as ``usage <= rhs`` rows.

    Args:
        problem: The :class:`AssignmentProblem`.
        budget: Total expected spend allowed (None: no budget).
        caps: ``{campaign_id: most users}``.
        spend_caps: ``{campaign_id: most expected spend}``; a campaign takes one kind of cap.
        min_coverage: ``{segment label: least users contacted}``; a float in (0, 1) is a share of the
            segment (rounded up), an int or a float >= 1 a count.

    Returns:
        A :class:`ConstraintSet`.

    Raises:
        ParameterError: On a negative or non-finite limit, an unknown campaign or segment, a campaign with
            both kinds of cap, coverage larger than a segment, or coverage that the caps or the budget
            cannot reach.
    """
    rows = []  # (name, kind, rhs, column, group)
    if budget is not None:
        rows.append(("budget", "budget", _nonneg("budget", budget), -1, -1))
    caps, spend_caps, min_coverage = caps or {}, spend_caps or {}, min_coverage or {}
    rows += _cap_rows(list(problem.campaign_ids), caps, spend_caps)
    codes, labels = problem.segment_codes()
    cover, need = _coverage_rows(problem, min_coverage, codes, labels)
    rows += cover
    names, kinds, rhs, column, group = (
        [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(5)]
    )
    out = ConstraintSet(
        names, kinds, np.array(rhs, float), np.array(column, int), np.array(group, int), budget is not None
    )
    if need.sum() > 0:
        _check_coverage(problem, out, need, codes, caps, spend_caps)
    return out


def _cap_rows(ids: list, caps: dict, spend_caps: dict) -> list:
    """The rows of the user caps and the spend caps, after checking their campaigns and limits."""
    both = set(caps) & set(spend_caps)
    if both:
        raise ParameterError(f"campaign(s) {sorted(both)} have both a user cap and a spend cap; give one")
    rows = []
    for kind, table in (("cap_count", caps), ("cap_spend", spend_caps)):
        for cid, limit in table.items():
            if str(cid) not in ids:
                raise ParameterError(
                    f"cap on unknown campaign {cid!r}; the campaigns are {ids} (control has none)"
                )
            name = f"{'cap' if kind == 'cap_count' else 'spend_cap'}:{cid}"
            rows.append((name, kind, _nonneg(f"cap of {cid!r}", limit), ids.index(str(cid)), -1))
    return rows


def _coverage_rows(problem: AssignmentProblem, min_coverage: dict, codes, labels: list):
    """The coverage rows, and the users each segment must have contacted (0 where no minimum), after checks."""
    sizes = np.bincount(codes, minlength=len(labels))
    need = np.zeros(len(labels))
    if min_coverage and problem.segment is None:
        raise ParameterError("min_coverage needs segment labels on the problem (segment=...)")
    rows = []
    for seg, m in min_coverage.items():
        if seg not in labels:
            raise ParameterError(f"min_coverage of unknown segment {seg!r}; the segments are {labels}")
        g = labels.index(seg)
        m = _nonneg(f"min_coverage of {seg!r}", m)
        count = (
            int(np.ceil(m * sizes[g] - 1e-9)) if m < 1 and not isinstance(min_coverage[seg], int) else int(m)
        )
        if count > sizes[g]:
            raise ParameterError(f"min_coverage of {seg!r} asks {count} users but the segment has {sizes[g]}")
        need[g] = count
        rows.append((f"coverage:{seg}", "coverage", -float(count), -1, g))
    return rows, need


def _check_coverage(problem, cons: ConstraintSet, need, codes, caps, spend_caps) -> None:
    """Refuse coverage minimums that the caps or the budget cannot reach (necessary conditions)."""
    ids = list(problem.campaign_ids)
    open_cols = [j for j, c in enumerate(ids) if c not in caps and c not in spend_caps]
    if not open_cols and not spend_caps and sum(caps.values()) < need.sum():
        raise ParameterError(
            f"the caps allow at most {int(sum(caps.values()))} users contacted but min_coverage asks "
            f"{int(need.sum())}: infeasible"
        )
    if cons.has_budget:
        blocked = [ids.index(c) for c, v in caps.items() if v < 1] + [
            ids.index(c) for c, v in spend_caps.items() if v <= 0
        ]
        spend = problem.spend.copy()
        if blocked:
            spend[:, blocked] = np.inf
        cheapest = spend.min(axis=1).astype(np.float64)
        least = 0.0
        for g in np.flatnonzero(need):
            least += float(np.sort(cheapest[codes == g])[: int(need[g])].sum())
        if least > cons.rhs[0] * (1 + 1e-9) + 1e-9:
            raise ParameterError(
                f"min_coverage needs at least {least:.6g} of spend but the budget is {cons.rhs[0]:.6g}: infeasible"
            )
