"""Targeting rules that choose a campaign without predicting what it does: policies, not models.

- :class:`ValueTierRule` - the seed's rule: high value -> the biggest 满减, middle -> flash sale,
  low -> coupon.
- :class:`ResponseModelTargeting` - classic response modelling: predict conversion *if contacted* and send
  the top ``target_share`` of users the campaign with the highest predicted response, ignoring what they
  would do without it (sure things look best) and costs.

Both have ``fit``, ``choose`` and ``plan`` (:class:`~campaignkit.models.policy.Policy`) and no
``predict_uplift``: they estimate no effect. ``ResponseModelTargeting.predict_response`` returns its score.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd

from campaignkit.config import resolve_seed
from campaignkit.data.catalogue import validate_catalogue
from campaignkit.errors import ParameterError
from campaignkit.models.base import prepare_log
from campaignkit.models.boosting import Boosting, BoostingMixin, fit_boosting, predict_boosting
from campaignkit.models.inputs import TabularEncoder, as_user_data
from campaignkit.models.outcomes import check_outcomes
from campaignkit.models.policy import Policy
from campaignkit.models.profit import campaign_matrix, fitted_feature_names, shared_attribute_ids

__all__ = ["ValueTierRule", "ResponseModelTargeting"]


class ResponseModelTargeting(BoostingMixin, Policy):
    """Response modelling: P(convert | contacted with campaign c), fitted on contacted rows only.

    Args:
        target_share: Share of users contacted.
        boosting: Gradient-boosting settings of the response classifier
            (:class:`~campaignkit.models.boosting.Boosting`).
        n_threads: OpenMP threads while fitting and predicting (default 1: more oversubscribe shared
            cores and ran 5-15x slower on 2 busy ones; None: the library default, one per core).
        random_state: Seed.
    """

    def __init__(
        self,
        target_share: float = 0.5,
        boosting: Boosting | None = None,
        n_threads: int | None = 1,
        random_state=None,
    ):
        self.target_share, self.boosting = target_share, boosting
        self.n_threads, self.random_state = n_threads, random_state

    def fit(self, data, log: pd.DataFrame, catalogue: pd.DataFrame) -> Self:
        """Fit the response classifier on the rows that were contacted; returns self."""
        if not 0 < self.target_share <= 1:
            raise ParameterError(f"target_share must be in (0, 1], got {self.target_share}")
        data = as_user_data(data)
        self.catalogue_ = validate_catalogue(catalogue)
        check_outcomes(log)
        log, rows, arms = prepare_log(log, self.catalogue_, data)
        self.encoder_ = TabularEncoder().fit(data.features)
        self.identity_ids_ = shared_attribute_ids(self.catalogue_)
        camp = campaign_matrix(self.catalogue_, self.identity_ids_)
        x = self.encoder_.transform(data.features).to_numpy(dtype=np.float64)[rows]
        sel = arms > 0
        params = self._params()
        with self._context():
            self.model_ = fit_boosting(
                "binary",
                np.hstack([x[sel], camp[arms[sel]]]),
                log["converted"].to_numpy()[sel],
                resolve_seed(self.random_state, bits=31),
                params,
            )
        return self

    def predict_response(self, data, catalogue=None) -> np.ndarray:
        """Predicted conversion if contacted: array of shape (n_users, n_campaigns), column 0 NaN."""
        data = as_user_data(data)
        cat = self.catalogue_ if catalogue is None else validate_catalogue(catalogue)
        x = self.encoder_.transform(data.features).to_numpy(dtype=np.float64)
        camp = campaign_matrix(cat, self.identity_ids_, fitted_feature_names(self))
        n = len(data)
        resp = np.full((n, len(cat)), np.nan)
        with self._context():
            for k in range(1, len(cat)):
                resp[:, k] = predict_boosting(self.model_, np.hstack([x, np.repeat(camp[k : k + 1], n, 0)]))
        return resp

    def choose(self, data, catalogue=None) -> np.ndarray:
        """The top ``target_share`` of users by best predicted response get that campaign; others control."""
        resp = self.predict_response(data, catalogue)
        n = len(resp)
        best = np.nanargmax(resp[:, 1:], axis=1) + 1
        top = resp[np.arange(n), best]
        contacted = top >= np.quantile(top, 1 - self.target_share)
        return np.where(contacted, best, 0)


class ValueTierRule(Policy):
    """The seed's rule: value tiers by past spend.

    The top ``high_share`` of users by ``value_column`` get the deepest threshold discount (满减), the
    next ``middle_share`` the first flash sale, the rest the first untargeted coupon.

    Args:
        value_column: Feature used as customer value (default ``monetary``, total past spend;
            ``history`` for Hillstrom).
        high_share: Share of users in the high tier.
        middle_share: Share of users in the middle tier.
    """

    def __init__(self, value_column: str = "monetary", high_share: float = 0.2, middle_share: float = 0.3):
        self.value_column, self.high_share, self.middle_share = value_column, high_share, middle_share

    def fit(self, data, log=None, catalogue=None) -> Self:
        """Learn the tier cut-offs on the users of ``data`` (the log is not used); returns self."""
        features = as_user_data(data).features
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

    def choose(self, data, catalogue) -> np.ndarray:
        """Campaign row per user by value tier; array of shape (n_users,)."""
        features = as_user_data(data).features
        v = features[self.value_column].to_numpy(dtype=float)
        big, flash, coupon = self._campaigns(catalogue)
        return np.where(v >= self.high_cut_, big, np.where(v >= self.middle_cut_, flash, coupon))
