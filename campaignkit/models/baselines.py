"""Gradient-boosting uplift learners in the open, with the deep model's calls (:mod:`campaignkit.models.base`).

- :class:`TLearner` - one gradient-boosting model per campaign and outcome (scikit-learn
  ``HistGradientBoosting``); effect = prediction(campaign) - prediction(control).
- :class:`SLearner` - one gradient-boosting model per outcome over user features + campaign attributes.

Campaigns are described by their attributes (:func:`~campaignkit.data.catalogue.campaign_features`); where
two campaigns of the training catalogue share every attribute (Hillstrom's Mens and Womens e-mails), each
of them also gets an identity column, so the learners can tell them apart
(:func:`~campaignkit.models.profit.campaign_matrix`).
Category-targeted campaigns get each user's most frequent recent category (:func:`history_top_category`),
since the baselines have no next-category model; without event sequences they target nothing (-1).
Outcomes come from the registry (:mod:`campaignkit.models.outcomes`): an optional outcome the log does not
record (retention, in Hillstrom) is neither fitted nor predicted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from campaignkit.config import resolve_seed
from campaignkit.errors import ParameterError
from campaignkit.models.base import UpliftModel
from campaignkit.models.datamodule import id_to_category
from campaignkit.models.inputs import UserData
from campaignkit.models.outcomes import LEARNED_OUTCOMES, outcome
from campaignkit.models.prediction import Prediction
from campaignkit.models.profit import campaign_matrix, catalogue_arrays, shared_attribute_ids

__all__ = ["TLearner", "SLearner", "history_top_category", "propensity_weights"]


def history_top_category(sequences, last: int | None = None, *, n: int | None = None) -> np.ndarray:
    """Each user's most frequent category among the last ``last`` events (all when None).

    Args:
        sequences: SequenceArrays, or None (tabular data: nobody has a category).
        last: Number of most recent events to count.
        n: Number of users when ``sequences`` is None.

    Returns:
        Array of shape (n_users,) of raw categories (the first category for users with no events; -1 for
        every user when there are no sequences).
    """
    if sequences is None or sequences.meta.get("empty"):  # tabular data (see inputs.empty_sequences)
        return np.full(int(n if n is not None else len(sequences.user_id)), -1)
    cats = np.asarray(sequences.category)
    mask = np.asarray(sequences.mask)
    if last is not None:
        cats, mask = cats[:, -last:], mask[:, -last:]
    n_ids = int(sequences.vocab_sizes["category"])
    counts = np.zeros((len(cats), n_ids))
    np.add.at(counts, (np.repeat(np.arange(len(cats)), cats.shape[1]), cats.ravel()), mask.ravel())
    counts[:, 0] = -1  # padding
    if n_ids > 2:
        counts[:, -1] = np.where(counts[:, -1] > 0, counts[:, -1], -0.5)  # 'unknown' only if nothing else
    return id_to_category(counts.argmax(axis=1).clip(min=1), sequences)


def boosting_params(est) -> dict:
    """The ``HistGradientBoosting`` settings an estimator stores (``max_iter``, ``learning_rate``,
    ``max_leaf_nodes``, ``min_samples_leaf``)."""
    return {k: getattr(est, k) for k in ("max_iter", "learning_rate", "max_leaf_nodes", "min_samples_leaf")}


def _fit_one(kind: str, x, y, seed: int, params: dict, sample_weight=None):
    if kind == "binary":
        y = np.asarray(y).astype(int)
        if y.min() == y.max():
            return float(y[0])
        model = HistGradientBoostingClassifier(random_state=seed, **params)
    else:
        model = HistGradientBoostingRegressor(random_state=seed, **params)
    return model.fit(x, y, sample_weight=sample_weight)


def propensity_weights(log: pd.DataFrame, arms: np.ndarray) -> np.ndarray:
    """Inverse-propensity weights ``1 / propensity`` of a log's rows, normalised to mean 1 within each arm.

    Weighted, the rows of an arm stand for the whole population as if every user had been sent that arm
    (Horvitz-Thompson), so a model fitted on a targeted log learns the arm's response of *all* users rather
    than of the users the targeting picked; normalising per arm keeps each arm's total weight its row count.

    Args:
        log: Campaign log with a ``propensity`` column (the probability the logged arm had for that user).
        arms: Array of shape (n_rows,) of catalogue rows of the logged arms.

    Returns:
        Array of shape (n_rows,) of float64.

    Raises:
        ParameterError: When ``propensity`` is absent, missing, or not in (0, 1].
    """
    if "propensity" not in log:
        raise ParameterError("weight_by_propensity=True needs a 'propensity' column in the log")
    p = pd.to_numeric(log["propensity"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
    if bad.any():
        raise ParameterError(
            f"propensity must be in (0, 1] on every row to weight by it; row {int(np.flatnonzero(bad)[0])} "
            f"has {p[bad][0]!r}"
        )
    w = 1.0 / p
    arms = np.asarray(arms)
    mean = np.bincount(arms, weights=w) / np.maximum(np.bincount(arms), 1)
    return w / mean[arms]


def _predict_one(model, x) -> np.ndarray:
    if isinstance(model, float):
        return np.full(len(x), model)
    if isinstance(model, HistGradientBoostingClassifier):
        return model.predict_proba(x)[:, 1]
    return model.predict(x)


def _finish(out: dict, catalogue: pd.DataFrame, user_id, target_category) -> Prediction:
    """Clip, add contact and profit by the catalogue's cost model, and wrap as a Prediction."""
    cat = catalogue_arrays(catalogue)
    no_discount = (cat["amount"] <= 0) & (cat["depth"] <= 0)
    out["discount"] = np.where(no_discount[None, :], 0.0, np.clip(out["discount"], 0.0, None))
    out["revenue"] = np.clip(out["revenue"], 0.0, None)
    out["contact"] = np.broadcast_to(cat["contact"][None, :], out["revenue"].shape).copy()
    out["profit"] = cat["margin"][None, :] * out["revenue"] - out["discount"] - out["contact"]
    return Prediction(
        user_id=user_id, campaign_ids=cat["ids"], target_category=np.asarray(target_category), **out
    )


class _LearnerBase(UpliftModel):
    """Shared plumbing of the gradient-boosting learners."""

    def __init__(
        self,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        n_threads: int | None = 1,
        random_state=None,
        weight_by_propensity: bool = False,
    ):
        self.max_iter, self.learning_rate = max_iter, learning_rate
        self.max_leaf_nodes, self.min_samples_leaf = max_leaf_nodes, min_samples_leaf
        self.n_threads, self.random_state = n_threads, random_state
        self.weight_by_propensity = weight_by_propensity

    def _row_weights(self, log: pd.DataFrame, arms) -> np.ndarray | None:
        """Per-row sample weights: :func:`propensity_weights` when ``weight_by_propensity``, else None."""
        return propensity_weights(log, arms) if self.weight_by_propensity else None

    def _context(self):
        """Limit OpenMP threads (boosting on shared cores is many times faster with one thread)."""
        return threadpool_limits(limits=self.n_threads)

    def _params(self) -> dict:
        return boosting_params(self)

    def _targets(self, data: UserData, target_category):
        n = len(data)
        if target_category is None:
            return history_top_category(data.sequences, n=n)
        return np.broadcast_to(np.asarray(target_category), (n,))

    def _modelled(self) -> list[str]:
        return [k for k in LEARNED_OUTCOMES if k in self.outcomes_]


class TLearner(_LearnerBase):
    """One ``HistGradientBoosting`` model per (campaign, outcome) on user features.

    Args:
        max_iter: Boosting iterations.
        learning_rate: Shrinkage.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows per leaf.
        n_threads: OpenMP threads while fitting and predicting (default 1: more oversubscribe shared
            cores and ran 5-15x slower on 2 busy ones; None: the library default, one per core).
        random_state: Seed.
        weight_by_propensity: Weight each log row by ``1 / propensity`` (normalised per arm,
            :func:`propensity_weights`): for targeted logs, whose arms went to different kinds of users.
    """

    def _fit(self, data: UserData, log: pd.DataFrame, rows, arms) -> None:
        seed = resolve_seed(self.random_state, bits=31)
        x = self._features(data)[rows]
        self.campaign_ids_ = self.catalogue_["campaign_id"].astype(str).tolist()
        w = self._row_weights(log, arms)
        self.models_ = {}
        for k in range(len(self.catalogue_)):
            sel = arms == k
            if sel.sum() < 2:
                raise ParameterError(f"campaign {self.campaign_ids_[k]!r} has fewer than 2 logged rows")
            for name in self._modelled():
                o = outcome(name)
                kind = "binary" if o.kind == "binary" else "reg"
                y = log[o.column].to_numpy()[sel]
                self.models_[k, name] = _fit_one(
                    kind, x[sel], y, seed, self._params(), None if w is None else w[sel]
                )

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        ids = catalogue["campaign_id"].astype(str).tolist()
        unknown = [c for c in ids if c not in self.campaign_ids_]
        if unknown:
            raise ParameterError(f"a T-learner cannot score campaigns it was not fitted on: {unknown}")
        x = self._features(data)
        out = {
            name: np.stack([_predict_one(self.models_[self.campaign_ids_.index(c), name], x) for c in ids], 1)
            for name in self._modelled()
        }
        return _finish(out, catalogue, data.user_id, self._targets(data, target_category))


class SLearner(_LearnerBase):
    """One ``HistGradientBoosting`` model per outcome over user features, campaign attributes (plus an
    identity for campaigns that share their attributes) and the user's history share of the targeted
    category.

    Args:
        max_iter: Boosting iterations.
        learning_rate: Shrinkage.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows per leaf.
        n_threads: OpenMP threads while fitting and predicting (default 1: more oversubscribe shared
            cores and ran 5-15x slower on 2 busy ones; None: the library default, one per core).
        random_state: Seed.
        weight_by_propensity: Weight each log row by ``1 / propensity`` (normalised per arm,
            :func:`propensity_weights`): for targeted logs, whose arms went to different kinds of users.
    """

    @staticmethod
    def _match(seq, user_rows, target_category) -> np.ndarray:
        """Share of the user's events in the targeted category (0 when not targeted or no sequences)."""
        from campaignkit.models.datamodule import category_to_id

        if seq is None:
            return np.zeros(len(user_rows))
        tid = category_to_id(np.asarray(target_category), seq)
        cats, mask = np.asarray(seq.category)[user_rows], np.asarray(seq.mask)[user_rows]
        hits = ((cats == tid[:, None]) & mask).sum(1)
        return np.where(tid > 0, hits / np.maximum(mask.sum(1), 1), 0.0)

    def _fit(self, data: UserData, log: pd.DataFrame, rows, arms) -> None:
        seed = resolve_seed(self.random_state, bits=31)
        x = self._features(data)[rows]
        self.identity_ids_ = shared_attribute_ids(self.catalogue_)
        camp = campaign_matrix(self.catalogue_, self.identity_ids_)
        match = self._match(data.sequences, rows, log["target_category"].to_numpy())
        design = np.hstack([x, camp[arms], match[:, None]])
        w = self._row_weights(log, arms)
        self.models_ = {}
        for name in self._modelled():
            o = outcome(name)
            kind = "binary" if o.kind == "binary" else "reg"
            self.models_[name] = _fit_one(kind, design, log[o.column].to_numpy(), seed, self._params(), w)

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        n = len(data)
        x = self._features(data)
        camp = campaign_matrix(catalogue, self.identity_ids_)
        targeted = catalogue["targets_category"].to_numpy(dtype=bool)
        tc = self._targets(data, target_category)
        match = self._match(data.sequences, np.arange(n), tc)
        out = {name: np.zeros((n, len(catalogue))) for name in self._modelled()}
        for k in range(len(catalogue)):
            design = np.hstack([x, np.repeat(camp[k : k + 1], n, 0), (match * targeted[k])[:, None]])
            for name in out:
                out[name][:, k] = _predict_one(self.models_[name], design)
        return _finish(out, catalogue, data.user_id, tc)
