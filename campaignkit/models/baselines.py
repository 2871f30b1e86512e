"""Baselines in the open, with the deep model's calls: ``fit(store, log, catalogue)``,
``predict_outcomes(store, catalogue)``, ``predict_uplift(...)``, ``choose(...)`` and ``plan(...)``.

- :class:`ValueTierRule` - the seed's rule: high value -> the biggest 满减, middle -> flash sale,
  low -> coupon (no model of outcomes; ``choose`` only).
- :class:`ResponseModelTargeting` - classic response modelling: predict conversion *if contacted*
  and send the top ``target_share`` of users the campaign with the highest predicted response,
  ignoring what they would do without it.
- :class:`TLearner` - one gradient-boosting model per campaign and outcome (scikit-learn
  ``HistGradientBoosting``); effect = prediction(campaign) - prediction(control).
- :class:`SLearner` - one gradient-boosting model per outcome over user features + campaign attributes.

Category-targeted campaigns get each user's most frequent recent category
(:func:`history_top_category`), since the baselines have no next-category model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from campaignkit.errors import ParameterError
from campaignkit.models.datamodule import id_to_category, user_inputs
from campaignkit.models.facade import PlanMixin, resolve_seed
from campaignkit.models.profit import catalogue_arrays, realised_discount

__all__ = [
    "ValueTierRule",
    "ResponseModelTargeting",
    "TLearner",
    "SLearner",
    "history_top_category",
]

_BINARY = {"participate": "participated", "convert": "converted", "retain": "retained"}
_CONTINUOUS = {"revenue": "revenue", "discount": "discount"}


def history_top_category(sequences, last: int | None = None) -> np.ndarray:
    """Each user's most frequent category among the last ``last`` events (all when None).

    Args:
        sequences: SequenceArrays.
        last: Number of most recent events to count.

    Returns:
        Array of shape (n_users,) of raw categories (the first category for users with no events).
    """
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


def _x(features: pd.DataFrame, columns) -> np.ndarray:
    return features.reindex(columns=columns).to_numpy(dtype=np.float64)


def _fit_one(kind: str, x, y, seed: int, params: dict):
    if kind == "binary":
        y = np.asarray(y).astype(int)
        if y.min() == y.max():
            return float(y[0])
        model = HistGradientBoostingClassifier(random_state=seed, **params)
    else:
        model = HistGradientBoostingRegressor(random_state=seed, **params)
    return model.fit(x, y)


def _predict_one(model, x) -> np.ndarray:
    if isinstance(model, float):
        return np.full(len(x), model)
    if isinstance(model, HistGradientBoostingClassifier):
        return model.predict_proba(x)[:, 1]
    return model.predict(x)


def _finish(out: dict, cat: dict, target_category) -> dict:
    no_discount = (cat["amount"] <= 0) & (cat["depth"] <= 0)
    out["discount"] = np.where(no_discount[None, :], 0.0, np.clip(out["discount"], 0.0, None))
    out["revenue"] = np.clip(out["revenue"], 0.0, None)
    out["contact"] = np.broadcast_to(cat["contact"][None, :], out["revenue"].shape).copy()
    out["profit"] = cat["margin"][None, :] * out["revenue"] - out["discount"] - out["contact"]
    out["target_category"] = np.asarray(target_category)
    return out


class _LearnerBase(PlanMixin):
    """Shared fit/predict plumbing of the gradient-boosting learners."""

    def __init__(
        self,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        n_threads: int | None = 1,
        random_state=None,
    ):
        self.max_iter, self.learning_rate = max_iter, learning_rate
        self.max_leaf_nodes, self.min_samples_leaf = max_leaf_nodes, min_samples_leaf
        self.n_threads, self.random_state = n_threads, random_state

    def _threads(self):
        """Limit OpenMP threads (boosting on shared cores is many times faster with one thread)."""
        return threadpool_limits(limits=self.n_threads)

    def fit(self, store, log: pd.DataFrame, catalogue: pd.DataFrame):
        """Fit on a campaign log (``store`` holds every log user); returns self."""
        with self._threads():
            return self._fit(store, log, catalogue)

    def predict_outcomes(self, store, catalogue: pd.DataFrame, *, target_category=None) -> dict:
        """Predicted outcomes of every user under every campaign (see the subclass's ``_predict``).

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: Campaigns (row 0 control).
            target_category: Raw category per user for the category-targeted campaigns.

        Returns:
            Dict of arrays of shape (n_users, n_campaigns) (``profit`` among them) and ``target_category``.
        """
        with self._threads():
            return self._predict(store, catalogue, target_category=target_category)

    def _params(self) -> dict:
        return dict(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
        )

    def _prepare(self, store, log, catalogue):
        features, seq = user_inputs(store)
        self.feature_columns_ = [str(c) for c in features.select_dtypes("number").columns]
        log = log.copy()
        log["discount"] = realised_discount(log, catalogue)
        rows = features.index.get_indexer(log["user_id"].to_numpy())
        if np.any(rows < 0):
            raise ParameterError("some log users are not in the feature store")
        x = _x(features, self.feature_columns_)[rows]
        arm = pd.Index(catalogue["campaign_id"]).get_indexer(log["campaign_id"])
        if np.any(arm < 0):
            raise ParameterError("the log holds a campaign that is not in the catalogue")
        return x, arm, log

    def predict_uplift(
        self, store, catalogue, *, outcome: str = "profit", target_category=None
    ) -> np.ndarray:
        """Predicted effect of each campaign against control (column 0 is zero).

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: Campaigns (row 0 control).
            outcome: ``participate, convert, revenue, profit`` or ``retain``.
            target_category: Raw category per user for targeted campaigns (default: history top).

        Returns:
            Array of shape (n_users, n_campaigns).
        """
        out = self.predict_outcomes(store, catalogue, target_category=target_category)
        if outcome not in out:
            raise ParameterError(f"unknown outcome {outcome!r}")
        return out[outcome] - out[outcome][:, :1]


class TLearner(_LearnerBase):
    """One ``HistGradientBoosting`` model per (campaign, outcome) on user features.

    Args:
        max_iter: Boosting iterations.
        learning_rate: Shrinkage.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows per leaf.
        n_threads: OpenMP threads while fitting and predicting (None: the library default).
        random_state: Seed.
    """

    def _fit(self, store, log: pd.DataFrame, catalogue: pd.DataFrame):
        """Fit the per-arm models on the log (see module docstring); returns self."""
        seed = resolve_seed(self.random_state)
        x, arm, log = self._prepare(store, log, catalogue)
        self.campaign_ids_ = catalogue["campaign_id"].astype(str).tolist()
        self.models_ = {}
        for k in range(len(catalogue)):
            sel = arm == k
            if sel.sum() < 2:
                raise ParameterError(f"campaign {self.campaign_ids_[k]!r} has fewer than 2 logged rows")
            for name, col in _BINARY.items():
                self.models_[k, name] = _fit_one(
                    "binary", x[sel], log[col].to_numpy()[sel], seed, self._params()
                )
            for name, col in _CONTINUOUS.items():
                self.models_[k, name] = _fit_one(
                    "reg", x[sel], log[col].to_numpy()[sel], seed, self._params()
                )
        return self

    def _predict(self, store, catalogue: pd.DataFrame, *, target_category=None) -> dict:
        """Outcomes of every user under every campaign of the fitted catalogue.

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: Must hold the fitted campaigns (a T-learner cannot score unseen ones).
            target_category: Ignored beyond being reported (a T-learner has one model per campaign).

        Returns:
            Dict of arrays of shape (n_users, n_campaigns) (as the deep model's, without ``*_std``).
        """
        features, seq = user_inputs(store)
        ids = catalogue["campaign_id"].astype(str).tolist()
        unknown = [c for c in ids if c not in self.campaign_ids_]
        if unknown:
            raise ParameterError(f"a T-learner cannot score campaigns it was not fitted on: {unknown}")
        x = _x(features.loc[np.asarray(seq.user_id)], self.feature_columns_)
        out = {}
        for name in (*_BINARY, *_CONTINUOUS):
            out[name] = np.stack(
                [_predict_one(self.models_[self.campaign_ids_.index(c), name], x) for c in ids], 1
            )
        tc = history_top_category(seq) if target_category is None else target_category
        return _finish(out, catalogue_arrays(catalogue), tc)


class SLearner(_LearnerBase):
    """One ``HistGradientBoosting`` model per outcome over user features, campaign attributes and
    the user's history share of the targeted category.

    Args:
        max_iter: Boosting iterations.
        learning_rate: Shrinkage.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows per leaf.
        n_threads: OpenMP threads while fitting and predicting (None: the library default).
        random_state: Seed.
    """

    @staticmethod
    def _match(seq, user_rows, target_category) -> np.ndarray:
        """Share of the user's events in the targeted category (0 when not targeted)."""
        from campaignkit.models.datamodule import category_to_id

        tid = category_to_id(np.asarray(target_category), seq)
        cats, mask = np.asarray(seq.category)[user_rows], np.asarray(seq.mask)[user_rows]
        hits = ((cats == tid[:, None]) & mask).sum(1)
        return np.where(tid > 0, hits / np.maximum(mask.sum(1), 1), 0.0)

    def _design(self, x, attrs, match):
        return np.hstack([x, attrs, match[:, None]])

    def _fit(self, store, log: pd.DataFrame, catalogue: pd.DataFrame):
        """Fit one model per outcome on all logged rows; returns self."""
        seed = resolve_seed(self.random_state)
        x, arm, log = self._prepare(store, log, catalogue)
        _, seq = user_inputs(store)
        cat = catalogue_arrays(catalogue)
        user_rows = pd.Index(np.asarray(seq.user_id)).get_indexer(log["user_id"].to_numpy())
        match = self._match(seq, user_rows, log["target_category"].to_numpy())
        design = self._design(x, cat["features"][arm], match)
        self.models_ = {}
        for name, col in _BINARY.items():
            self.models_[name] = _fit_one("binary", design, log[col].to_numpy(), seed, self._params())
        for name, col in _CONTINUOUS.items():
            self.models_[name] = _fit_one("reg", design, log[col].to_numpy(), seed, self._params())
        return self

    def _predict(self, store, catalogue: pd.DataFrame, *, target_category=None) -> dict:
        """Outcomes of every user under every campaign (unseen configurations included).

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: Campaigns described by attributes.
            target_category: Raw category per user for targeted campaigns (default: history top).

        Returns:
            Dict of arrays of shape (n_users, n_campaigns).
        """
        features, seq = user_inputs(store)
        n = len(seq.user_id)
        x = _x(features.loc[np.asarray(seq.user_id)], self.feature_columns_)
        cat = catalogue_arrays(catalogue)
        tc = history_top_category(seq) if target_category is None else np.broadcast_to(target_category, (n,))
        match = self._match(seq, np.arange(n), tc)
        out = {name: np.zeros((n, len(catalogue))) for name in (*_BINARY, *_CONTINUOUS)}
        for k in range(len(catalogue)):
            design = self._design(x, np.repeat(cat["features"][k : k + 1], n, 0), match * cat["targeted"][k])
            for name in out:
                out[name][:, k] = _predict_one(self.models_[name], design)
        return _finish(out, cat, tc)


class ResponseModelTargeting(_LearnerBase):
    """Response modelling: P(convert | contacted with campaign c), fitted on contacted rows only.

    The top ``target_share`` of users by their best predicted response get that campaign; the rest get
    control. It ignores what users would do uncontacted (sure things look best) and costs.

    Args:
        target_share: Share of users contacted.
        max_iter: Boosting iterations.
        learning_rate: Shrinkage.
        max_leaf_nodes: Leaves per tree.
        min_samples_leaf: Minimum rows per leaf.
        n_threads: OpenMP threads while fitting and predicting (None: the library default).
        random_state: Seed.
    """

    def __init__(
        self,
        target_share: float = 0.5,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        n_threads: int | None = 1,
        random_state=None,
    ):
        super().__init__(max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, n_threads, random_state)
        self.target_share = target_share

    def _fit(self, store, log: pd.DataFrame, catalogue: pd.DataFrame):
        """Fit the response classifier on rows that were contacted; returns self."""
        if not 0 < self.target_share <= 1:
            raise ParameterError(f"target_share must be in (0, 1], got {self.target_share}")
        seed = resolve_seed(self.random_state)
        x, arm, log = self._prepare(store, log, catalogue)
        cat = catalogue_arrays(catalogue)
        sel = arm > 0
        design = np.hstack([x[sel], cat["features"][arm[sel]]])
        self.model_ = _fit_one("binary", design, log["converted"].to_numpy()[sel], seed, self._params())
        return self

    def _predict(self, store, catalogue: pd.DataFrame, *, target_category=None) -> dict:
        """Predicted response if contacted, and a ``profit`` column that encodes the targeting choice.

        Returns:
            Dict: ``convert`` of shape (n_users, n_campaigns) (control column: NaN, not modelled),
            ``profit`` = 1 at the chosen campaign and 0 elsewhere (a ranking device for ``choose``, not a
            profit forecast), ``target_category``.
        """
        features, seq = user_inputs(store)
        n = len(seq.user_id)
        x = _x(features.loc[np.asarray(seq.user_id)], self.feature_columns_)
        cat = catalogue_arrays(catalogue)
        resp = np.full((n, len(catalogue)), np.nan)
        for k in range(1, len(catalogue)):
            resp[:, k] = _predict_one(
                self.model_, np.hstack([x, np.repeat(cat["features"][k : k + 1], n, 0)])
            )
        best = np.nanargmax(resp[:, 1:], axis=1) + 1
        top = resp[np.arange(n), best]
        contacted = top >= np.quantile(top, 1 - self.target_share)
        choice = np.where(contacted, best, 0)
        score = np.zeros_like(resp)
        score[np.arange(n), choice] = 1.0
        tc = history_top_category(seq) if target_category is None else target_category
        return {"convert": resp, "profit": score, "response": top, "target_category": np.asarray(tc)}

    def predict_uplift(self, store, catalogue, *, outcome: str = "convert", target_category=None):
        """The response score (not an uplift): predicted conversion if contacted; column 0 is 0."""
        resp = self.predict_outcomes(store, catalogue, target_category=target_category)["convert"]
        return np.nan_to_num(resp, nan=0.0)


class ValueTierRule(PlanMixin):
    """The seed's rule: value tiers by past spend.

    The top ``high_share`` of users by ``value_column`` get the deepest threshold discount (满减), the
    next ``middle_share`` the first flash sale, the rest the first untargeted coupon.

    Args:
        value_column: Feature used as customer value (default ``monetary``, total past spend).
        high_share: Share of users in the high tier.
        middle_share: Share of users in the middle tier.
    """

    def __init__(self, value_column: str = "monetary", high_share: float = 0.2, middle_share: float = 0.3):
        self.value_column, self.high_share, self.middle_share = value_column, high_share, middle_share

    def fit(self, store, log=None, catalogue=None):
        """Learn the tier cut-offs on the users of ``store`` (the log is not used); returns self."""
        features, _ = user_inputs(store)
        if self.value_column not in features.columns:
            raise ParameterError(f"value column {self.value_column!r} is not a feature")
        if not (0 < self.high_share and 0 < self.middle_share and self.high_share + self.middle_share < 1):
            raise ParameterError("tier shares must be positive and sum to less than 1")
        v = features[self.value_column].to_numpy(dtype=float)
        self.high_cut_ = float(np.nanquantile(v, 1 - self.high_share))
        self.middle_cut_ = float(np.nanquantile(v, 1 - self.high_share - self.middle_share))
        return self

    @staticmethod
    def _campaigns(catalogue) -> tuple[int, int, int]:
        typ = catalogue["type"].to_numpy()
        tgt = catalogue["targets_category"].to_numpy(dtype=bool)
        depth = catalogue["depth"].to_numpy(dtype=float)
        try:
            thr = np.flatnonzero(typ == "threshold_discount")
            big = int(thr[np.argmax(depth[thr])])
            flash = int(np.flatnonzero(typ == "flash_sale")[0])
            coupon = int(np.flatnonzero((typ == "coupon") & ~tgt)[0])
        except (IndexError, ValueError) as exc:
            raise ParameterError(
                "the value-tier rule needs threshold_discount, flash_sale and coupon rows"
            ) from exc
        return big, flash, coupon

    def choose(self, store, catalogue, **kwargs) -> np.ndarray:
        """Campaign row per user by value tier; array of shape (n_users,)."""
        features, seq = user_inputs(store)
        v = features.loc[np.asarray(seq.user_id), self.value_column].to_numpy(dtype=float)
        big, flash, coupon = self._campaigns(catalogue)
        return np.where(v >= self.high_cut_, big, np.where(v >= self.middle_cut_, flash, coupon))

    def predict_outcomes(self, store, catalogue, **kwargs) -> dict:
        """No outcome model: ``profit`` is 1 at the rule's campaign and 0 elsewhere (for ``plan``)."""
        idx = self.choose(store, catalogue)
        score = np.zeros((len(idx), len(catalogue)))
        score[np.arange(len(idx)), idx] = 1.0
        _, seq = user_inputs(store)
        return {"profit": score, "target_category": history_top_category(seq)}

    def predict_uplift(self, store, catalogue, **kwargs) -> np.ndarray:
        """The rule's indicator matrix (1 at the chosen campaign): a ranking device, not an estimate."""
        return self.predict_outcomes(store, catalogue)["profit"]
