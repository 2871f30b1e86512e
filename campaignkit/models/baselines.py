"""Gradient-boosting uplift learners in the open, with the deep model's calls (:mod:`campaignkit.models.base`).

- :class:`TLearner` - one gradient-boosting model per campaign and outcome (scikit-learn
  ``HistGradientBoosting``); effect = prediction(campaign) - prediction(control).
- :class:`SLearner` - one gradient-boosting model per outcome over user features + campaign attributes.

Campaigns are described by their attributes (:func:`~campaignkit.data.catalogue.campaign_features`); where
two campaigns of the training catalogue share every attribute (Hillstrom's Mens and Womens e-mails), each
of them also gets an identity column, so the learners can tell them apart
(:func:`~campaignkit.models.profit.campaign_matrix`).
Category-targeted campaigns get each user's most frequent recent category
(:func:`~campaignkit.models.inputs.history_top_category`),
since the baselines have no next-category model; without event sequences they target nothing (-1).
Outcomes come from the registry (:mod:`campaignkit.models.outcomes`): an optional outcome the log does not
record (retention, in Hillstrom) is neither fitted nor predicted. The boosting settings, fitting and the shared
plumbing live in :mod:`~campaignkit.models.boosting`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.config import resolve_seed
from campaignkit.errors import ParameterError
from campaignkit.models.boosting import BoostingLearner, fit_boosting, predict_boosting
from campaignkit.models.inputs import UserData, category_to_id
from campaignkit.models.outcomes import outcome
from campaignkit.models.prediction import Prediction
from campaignkit.models.profit import campaign_matrix, fitted_feature_names, shared_attribute_ids

__all__ = ["TLearner", "SLearner"]


class TLearner(BoostingLearner):
    """One ``HistGradientBoosting`` model per (campaign, outcome) on user features.

    Takes the arguments of :class:`~campaignkit.models.boosting.BoostingLearner` (``boosting``, ``n_threads``,
    ``random_state``, ``weight_by_propensity``).
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
                self.models_[k, name] = fit_boosting(
                    kind, x[sel], y, seed, self._params(), None if w is None else w[sel]
                )

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        ids = catalogue["campaign_id"].astype(str).tolist()
        unknown = [c for c in ids if c not in self.campaign_ids_]
        if unknown:
            raise ParameterError(f"a T-learner cannot score campaigns it was not fitted on: {unknown}")
        x = self._features(data)
        out = {
            name: np.stack(
                [predict_boosting(self.models_[self.campaign_ids_.index(c), name], x) for c in ids], 1
            )
            for name in self._modelled()
        }
        return self._finish(out, catalogue, data, target_category)


class SLearner(BoostingLearner):
    """One ``HistGradientBoosting`` model per outcome over user features, campaign attributes (plus an
    identity for campaigns that share their attributes) and the user's history share of the targeted
    category.

    Takes the arguments of :class:`~campaignkit.models.boosting.BoostingLearner` (``boosting``, ``n_threads``,
    ``random_state``, ``weight_by_propensity``).
    """

    @staticmethod
    def _match(seq, user_rows, target_category) -> np.ndarray:
        """Share of the user's events in the targeted category (0 when not targeted or no sequences)."""
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
            self.models_[name] = fit_boosting(kind, design, log[o.column].to_numpy(), seed, self._params(), w)

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        n = len(data)
        x = self._features(data)
        camp = campaign_matrix(catalogue, self.identity_ids_, fitted_feature_names(self))
        targeted = catalogue["targets_category"].to_numpy(dtype=bool)
        tc = self._targets(data, target_category)
        match = self._match(data.sequences, np.arange(n), tc)
        out = {name: np.zeros((n, len(catalogue))) for name in self._modelled()}
        for k in range(len(catalogue)):
            design = np.hstack([x, np.repeat(camp[k : k + 1], n, 0), (match * targeted[k])[:, None]])
            for name in out:
                out[name][:, k] = predict_boosting(self.models_[name], design)
        return self._finish(out, catalogue, data, tc)
