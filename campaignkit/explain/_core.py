"""The :class:`Explanation` object every explainer of the kit returns, and the checks they share.

An explanation holds, for ``n`` users and ``p`` features, the attributions ``values`` (n, p), the
``base_values`` (n,) they start from and the model's own ``output`` (n,) they add up to:
``base_values + values.sum(1) == output`` (local accuracy; :func:`~campaignkit.explain.faithfulness.additivity_error`
measures it). Features of the deep model include one column per event position of the sequence
(``event[-1]`` the latest); :meth:`Explanation.grouped` sums those into readable groups (event type,
category, recency bucket), which keeps the sum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import shap

from campaignkit.errors import ParameterError
from campaignkit.models.inputs import UserData, as_user_data

__all__ = [
    "Explanation",
    "RECENCY_BUCKETS",
    "EVENT_NAMES",
    "resolve_campaign",
    "resolve_pair",
    "resolve_users",
    "background_sample",
    "permutation_explainer",
    "Target",
]

RECENCY_BUCKETS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "latest event"),
    (2, 5, "events 2-5 back"),
    (6, 15, "events 6-15 back"),
    (16, 10_000, "older events"),
)
"""Recency buckets by position from the latest event (sequences carry gaps, not dates): ``(from, to, name)``."""

EVENT_NAMES = {1: "view", 2: "cart", 3: "fav", 4: "purchase"}
"""Sequence event-type ids (:data:`campaignkit.features.sequences.EVENT_TYPE_IDS`) by name."""

GROUPINGS = ("event_type", "category", "recency")


@dataclass
class Explanation:
    """SHAP values of one model output (an uplift, or the difference of two) for a set of users.

    Attributes:
        values: Array of shape (n_users, n_features): each feature's contribution.
        base_values: Array of shape (n_users,): the expected output over the background sample.
        output: Array of shape (n_users,): the model's own prediction of the explained quantity
            (``base_values + values.sum(1)`` equals it up to :attr:`exact` 's tolerance).
        data: Array of shape (n_users, n_features): raw feature values (events: 1 present, 0 padding).
        feature_names: The ``n_features`` names.
        user_id: Array of shape (n_users,): the users (never shown raw in reports: see
            :func:`campaignkit.privacy.pseudonymise`).
        campaign: The campaign explained.
        against: What it is compared with: ``"control"`` (an uplift) or another campaign (a choice).
        outcome: The outcome (``profit``, ``participate``...).
        model: The model's class name.
        method: How the values were computed, e.g. ``"TreeExplainer (interventional), exact"``.
        exact: True when the values are exact Shapley values of the output (trees), False for estimates
            (permutation sampling: additive by construction, Shapley values only approximately).
        seconds: Wall-clock seconds the computation took.
        sequence: For the deep model, ``{"event_type", "category"}`` arrays of shape (n_users, L) of the
            explained users' events (0 = padding) and ``"category_vocab"``; empty otherwise.
    """

    values: np.ndarray
    base_values: np.ndarray
    output: np.ndarray
    data: np.ndarray
    feature_names: list
    user_id: np.ndarray
    campaign: str
    against: str
    outcome: str
    model: str
    method: str
    exact: bool
    seconds: float = 0.0
    sequence: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def reconstructed(self) -> np.ndarray:
        """``base_values + values.sum(1)``: what the attributions add up to, shape (n_users,)."""
        return self.base_values + self.values.sum(axis=1)

    def frame(self) -> pd.DataFrame:
        """The values as a DataFrame (users x features), indexed by user id."""
        return pd.DataFrame(
            self.values, index=pd.Index(self.user_id, name="user_id"), columns=self.feature_names
        )

    def importance(self) -> pd.Series:
        """Mean absolute SHAP value per feature, largest first (the global ranking)."""
        imp = np.abs(self.values).mean(axis=0)
        return pd.Series(imp, index=self.feature_names, name="mean_abs_shap").sort_values(ascending=False)

    def take(self, rows) -> Explanation:
        """The explanation of the users at row positions ``rows``."""
        rows = np.asarray(rows)
        seq = {k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in self.sequence.items()}
        return replace(
            self,
            values=self.values[rows],
            base_values=self.base_values[rows],
            output=self.output[rows],
            data=self.data[rows],
            user_id=self.user_id[rows],
            sequence=seq,
        )

    def sequence_columns(self) -> np.ndarray:
        """Positions (in ``feature_names``) of the per-event columns, latest last; empty for tabular models."""
        return np.array(
            [i for i, f in enumerate(self.feature_names) if str(f).startswith("event[")], dtype=int
        )

    def grouped(self, by: str = "event_type") -> Explanation:
        """Sum the per-event attributions into readable groups; tabular features stay as they are.

        Shapley values are additive, so a group's sum is the contribution of its events together and the
        explanation still adds up to the output.

        Args:
            by: ``"event_type"`` (``events: cart``...), ``"category"`` (``events: category 3``) or
                ``"recency"`` (:data:`RECENCY_BUCKETS`, by position from the latest event).

        Returns:
            An :class:`Explanation` whose group columns hold the summed values and, as data, the number of
            events in the group.

        Raises:
            ParameterError: ``by`` is not a known grouping.
        """
        if by not in GROUPINGS:
            raise ParameterError(f"by must be one of {GROUPINGS}, got {by!r}")
        cols = self.sequence_columns()
        if cols.size == 0:
            return self
        keep = np.setdiff1d(np.arange(len(self.feature_names)), cols)
        seq_vals = self.values[:, cols]
        present = self.data[:, cols] > 0
        length = cols.size
        if by == "recency":
            back = length - np.arange(length)  # 1 = the latest position
            labels = np.empty(length, dtype=object)
            for lo, hi, name in RECENCY_BUCKETS:
                labels[(back >= lo) & (back <= hi)] = name
            names = [name for lo, hi, name in RECENCY_BUCKETS if lo <= length]
            member = [np.broadcast_to(labels == name, seq_vals.shape) for name in names]
        else:
            ids = np.asarray(self.sequence[by])
            uniq = sorted(int(v) for v in np.unique(ids[present]) if v > 0)
            names = [self._group_name(by, v) for v in uniq]
            member = [ids == v for v in uniq]
        g_vals = (
            np.column_stack([np.where(m, seq_vals, 0.0).sum(1) for m in member])
            if member
            else np.zeros((len(self), 0))
        )
        g_data = (
            np.column_stack([(m & present).sum(1) for m in member]) if member else np.zeros((len(self), 0))
        )
        return replace(
            self,
            values=np.hstack([self.values[:, keep], g_vals]),
            data=np.hstack([self.data[:, keep], g_data.astype(float)]),
            feature_names=[self.feature_names[i] for i in keep] + [f"events: {n}" for n in names],
            sequence={},
        )

    def _group_name(self, by: str, value: int) -> str:
        if by == "event_type":
            return EVENT_NAMES.get(value, f"type {value}")
        vocab = list(self.sequence.get("category_vocab", []))
        raw = vocab[value - 1] if 0 < value <= len(vocab) else "unknown"
        return f"category {raw}"


def resolve_campaign(catalogue: pd.DataFrame, campaign, *, what: str = "campaign") -> int:
    """Row of ``campaign`` (an id, or a row number) in ``catalogue``.

    Raises:
        ParameterError: The campaign is not in the catalogue (the message lists the ids).
    """
    ids = catalogue["campaign_id"].astype(str).tolist()
    if isinstance(campaign, (int, np.integer)) and not isinstance(campaign, bool):
        if 0 <= int(campaign) < len(ids):
            return int(campaign)
    elif str(campaign) in ids:
        return ids.index(str(campaign))
    raise ParameterError(f"unknown {what} {campaign!r}: the model's catalogue has {ids}")


def resolve_pair(catalogue: pd.DataFrame, campaign, against) -> tuple[int, int]:
    """Rows of the explained ``campaign`` and of what it is compared with (``"control"`` or None: row 0).

    Raises:
        ParameterError: A campaign is not in the catalogue, ``campaign`` is control, or it equals ``against``.
    """
    c = resolve_campaign(catalogue, campaign)
    a = (
        0
        if against in (None, "control")
        else resolve_campaign(catalogue, against, what="comparison campaign")
    )
    if c == 0 or c == a:
        raise ParameterError(f"campaign {campaign!r} must differ from what it is compared with ({against!r})")
    return c, a


def background_sample(data: UserData, background, n_background: int, random_state) -> UserData:
    """``n_background`` users (all when fewer) drawn without replacement from ``background`` (default ``data``),
    in their original order."""
    bg = as_user_data(data if background is None else background)
    rng = np.random.default_rng(random_state)
    return bg.take(np.sort(rng.choice(len(bg), size=min(int(n_background), len(bg)), replace=False)))


def permutation_explainer(f, background: np.ndarray, random_state) -> shap.PermutationExplainer:
    """shap's permutation explainer of ``f`` with the background rows as an independent masker, its seed drawn
    from ``random_state`` (None: unseeded)."""
    masker = shap.maskers.Independent(background, max_samples=len(background))
    seed = None if random_state is None else int(np.random.default_rng(random_state).integers(2**31))
    return shap.PermutationExplainer(f, masker, seed=seed)


def resolve_users(data, user_ids=None):
    """The model input restricted to ``user_ids`` (all users when None).

    Raises:
        SchemaError: A user is not in ``data`` (rule ``unknown_user``, naming the first one).
    """
    data = as_user_data(data)
    if user_ids is None:
        return data
    return data.subset(np.asarray(user_ids))


@dataclass
class Target:
    """What one explanation explains: a fitted model's ``outcome`` for catalogue row ``campaign`` against row
    ``against`` (0: control) at the users ``data``, with the ``background`` sample; timed from ``started``.

    :meth:`resolve` builds it from an explainer's arguments; :meth:`explanation` fills the fields every
    :class:`Explanation` takes from it.
    """

    model: object
    outcome: str
    campaign: int
    against: int
    data: UserData
    background: UserData
    started: float

    @classmethod
    def resolve(
        cls,
        model,
        data,
        campaign,
        against,
        outcome: str,
        background,
        n_background: int,
        user_ids,
        random_state,
    ) -> Target:
        """The rows of the campaigns (:func:`resolve_pair`), the users (:func:`resolve_users`) and the
        background sample (:func:`background_sample`); the clock starts once the campaigns resolve."""
        c, a = resolve_pair(model.catalogue_, campaign, against)
        started = time.perf_counter()
        data = resolve_users(data, user_ids)
        bg = background_sample(data, background, n_background, random_state)
        return cls(model, outcome, c, a, data, bg, started)

    def explanation(self, pred, **fields) -> Explanation:
        """The :class:`Explanation` with ``fields`` (values, base values, data, names, method...), its output
        the model's prediction ``pred`` of the explained difference."""
        col, ids = pred[self.outcome], self.model.catalogue_["campaign_id"]
        return Explanation(
            output=np.asarray(col[:, self.campaign] - col[:, self.against], dtype=np.float64),
            user_id=np.asarray(self.data.user_id),
            campaign=str(ids.iloc[self.campaign]),
            against=str(ids.iloc[self.against]),
            outcome=self.outcome,
            model=type(self.model).__name__,
            seconds=time.perf_counter() - self.started,
            **fields,
        )


def check_fitted(model) -> None:
    """Raise a clear error if ``model`` is not fitted (every kit model has a ``_check_fitted``)."""
    check = getattr(model, "_check_fitted", None)
    if check is None:
        raise ParameterError(f"cannot explain a {type(model).__name__}: not a campaignkit uplift model")
    try:
        check()
    except ParameterError as exc:
        raise ParameterError(f"cannot explain this {type(model).__name__}: {exc}") from exc
