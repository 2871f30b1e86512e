"""The participation-mediated meta-learner: the kit's strongest transparent recipe, on gradient boosting.

A campaign acts through those who take part, and participation is a yes/no outcome with far less noise than
profit. So the learner estimates three things and combines them with
:func:`~campaignkit.models.profit.mediated_profit`:

- ``p_c(x)``, the probability of taking part under campaign ``c``: an X-learner per campaign against control
  (gradient boosting with the T-learner's capacity: outcome models per arm, then imputed effects regressed on
  each side and blended by the arm's share of the pair);
- ``v(x, c)``, the profit of a participant: by default (``participant_profit="by_campaign"``) the mean profit
  of campaign ``c``'s participants plus one regressor, over features + arm one-hot, of each participant's
  deviation from their campaign's mean (learned across campaigns); ``"pooled"`` is one regressor on
  participants' profit itself over the same columns (the recipe of issue 12);
- ``b(x)``, the profit under control: one regressor on all rows over features + arm one-hot, read at control.

Why the campaign means: participants of different campaigns earn very different profits (a 200/40 threshold
discount's participants spend at least 210 and get 40 off; a reminder's pay full price), yet a pooled
regressor over 80-odd user features and a one-hot of the arm rarely splits on an arm column, so it predicts
nearly the same participant profit under every campaign. Boosting is slow by default (learning rate 0.02):
participation is rare within an arm and profit heavy-tailed, so these models are fitted on few, noisy rows.

Profit of campaign ``c``: ``p_c v_c + (1 - p_c)(n0 - contact_c)`` with ``n0`` what non-participants earn
under control (``b`` where nobody takes part under control, as when taking part means taking up a campaign):
a campaign is assumed to change nothing for those who ignore it but its contact cost. Every other outcome
(conversion, revenue, discount, retention) is built the same way - a participant's value by campaign, the
control value from one regressor over all rows - so a campaign's predicted spend follows its participants (a
threshold discount's 40 off is paid by those who take it up), and the expected discount - what a budget is
spent on - is scaled per campaign so that, over the training log, each campaign's predicted discount sums to
what its rows were paid; ``extra["profit_components"]`` is ``margin x revenue - discount - contact`` from
those outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.config import resolve_seed
from campaignkit.errors import ParameterError
from campaignkit.models.boosting import (
    BOOSTING_DEFAULTS,
    Boosting,
    BoostingLearner,
    fit_boosting,
    predict_boosting,
)
from campaignkit.models.inputs import UserData
from campaignkit.models.outcomes import outcome
from campaignkit.models.prediction import Prediction
from campaignkit.models.profit import catalogue_arrays, mediated_profit

__all__ = ["MediatedLearner"]


def _arm_design(x: np.ndarray, arm: np.ndarray, n_arms: int) -> np.ndarray:
    """Features plus a one-hot of the arm, shape (n, n_features + n_arms)."""
    return np.hstack([x, np.eye(n_arms)[arm]])


MIN_NONPARTICIPANTS = 30
"""Fewest non-participant rows of a campaign for its ``nonparticipant_scale_`` to be estimated (else 1)."""

NONPARTICIPANTS = ("observed", "control", "modelled")
"""How :class:`MediatedLearner` values a campaign's non-participants (see ``nonparticipants``)."""

PARTICIPANT_PROFIT = ("by_campaign", "pooled")
"""How :class:`MediatedLearner` models a participant's profit (see the module docstring)."""


class MediatedLearner(BoostingLearner):
    """Participation-mediated X-learner on gradient boosting (see the module docstring).

    Args:
        boosting: Gradient-boosting settings of every model (:class:`~campaignkit.models.boosting.Boosting`); a
            field left None takes ``default_boosting``, which learns slower (``learning_rate`` 0.02) than the
            other learners.
        n_threads: OpenMP threads while fitting and predicting (None: the library default).
        random_state: Seed.
        participant_profit: ``"by_campaign"`` (campaign means + one deviation model over features + arm
            one-hot) or ``"pooled"`` (one regressor of the profit itself over the same columns).
        weight_by_propensity: Weight each log row by ``1 / propensity`` (normalised per arm) in every model,
            campaign mean and discount calibration: for targeted logs
            (:func:`~campaignkit.models.boosting.propensity_weights`).
        nonparticipants: What a campaign's non-participants earn: ``"control"`` (default) - what non-participants
            earn under control, unscaled (which counts a participant's whole spend as the campaign's effect even
            when they would have bought anyway, so predicted *levels* of incremental revenue and profit run high);
            ``"observed"`` - scaled per campaign and outcome so that, over the log's rows of that campaign that did
            not take part, it sums to what they realised (``nonparticipant_scale_``). ``"observed"`` is what
            forecasts of totals want (:mod:`campaignkit.forecast`); for choosing campaigns, its per-campaign scales
            are noisy on small logs (``bench/decision.py`` measured both); ``"modelled"`` - what non-participants earn
            under control plus a per-user shift, one gradient-boosting regressor per outcome over features + arm
            one-hot fitted on the contacted non-participants' difference from it (``nonparticipant_models_``): a
            contact's harm to those who ignore it (contact fatigue) where the features can tell who they are - the
            loop's contact history, for one (:class:`~campaignkit.loop.FeedbackLoop`).
    """

    default_boosting = Boosting(learning_rate=0.02).over(BOOSTING_DEFAULTS)

    def __init__(
        self,
        boosting: Boosting | None = None,
        n_threads: int | None = 1,
        random_state=None,
        participant_profit: str = "by_campaign",
        weight_by_propensity: bool = False,
        nonparticipants: str = "control",
    ):
        super().__init__(boosting, n_threads, random_state, weight_by_propensity)
        self.participant_profit = participant_profit
        self.nonparticipants = nonparticipants

    def _validate_params(self) -> None:
        if self.participant_profit not in PARTICIPANT_PROFIT:
            raise ParameterError(
                f"participant_profit must be one of {PARTICIPANT_PROFIT}, got {self.participant_profit!r}"
            )
        if self.nonparticipants not in NONPARTICIPANTS:
            raise ParameterError(
                f"nonparticipants must be one of {NONPARTICIPANTS}, got {self.nonparticipants!r}"
            )

    def _fit(self, data: UserData, log: pd.DataFrame, rows, arms) -> None:
        """Participation, then every outcome through participants, non-participants, and the discount's scale."""
        seed = resolve_seed(self.random_state, bits=31)
        x = self._features(data)[rows]
        k = len(self.catalogue_)
        self.campaign_ids_ = self.catalogue_["campaign_id"].astype(str).tolist()
        y = log["participated"].to_numpy(dtype=float)
        w = self._row_weights(log, arms)
        self._fit_participation(x, y, arms, seed, w)
        took_part = y > 0
        self._fit_outcomes(_arm_design(x, arms, k), log, arms, took_part, seed, w)
        self.nonparticipant_scale_ = {name: np.ones(k) for name in (*self.outcome_models_, "profit")}
        self.nonparticipant_models_ = {}
        if self.nonparticipants == "observed":
            self._fit_nonparticipant_scale(x, log, arms, took_part, w)
        elif self.nonparticipants == "modelled":
            self._fit_nonparticipant_models(x, log, arms, took_part, w, seed)
        self._fit_discount_scale(data, log, rows, arms, w)

    def _fit_participation(self, x, y, arms, seed: int, w) -> None:
        """Participation under control (``mu0_``) and each campaign's X-learner against it (``arm_models_``)."""
        params, ctl = self._params(), arms == 0
        if ctl.sum() < 2:
            raise ParameterError("the mediated learner needs control rows in the log (fewer than 2 found)")
        ws = (lambda sel: None) if w is None else (lambda sel: w[sel])  # noqa: E731
        self.control_participation_ = float(y[ctl].mean())
        self.mu0_ = fit_boosting("binary", x[ctl], y[ctl], seed, params, ws(ctl))
        self.arm_models_ = {}
        for c in range(1, len(self.catalogue_)):
            sel = arms == c
            if sel.sum() < 2:
                raise ParameterError(f"campaign {self.campaign_ids_[c]!r} has fewer than 2 logged rows")
            mu_c = fit_boosting("binary", x[sel], y[sel], seed, params, ws(sel))
            tau1 = fit_boosting(
                "reg", x[sel], y[sel] - predict_boosting(self.mu0_, x[sel]), seed, params, ws(sel)
            )
            tau0 = fit_boosting("reg", x[ctl], predict_boosting(mu_c, x[ctl]) - y[ctl], seed, params, ws(ctl))
            share = sel.sum() / (sel.sum() + ctl.sum())  # the arm's share of the (arm, control) rows
            self.arm_models_[c] = (tau1, tau0, float(share))

    def _fit_outcomes(self, design, log: pd.DataFrame, arms, took_part, seed: int, w) -> None:
        """Per outcome (profit first): the value over all rows (read at control) and a participant's value by
        campaign (``control_profit_model_``, ``engaged_*``, ``outcome_models_``, ``engaged_outcome_models_``)."""
        params, k = self._params(), len(self.catalogue_)
        profit = log["profit"].to_numpy(dtype=float)
        self.control_profit_model_ = fit_boosting("reg", design, profit, seed, params, w)
        if took_part.sum() < 2:
            raise ParameterError("the mediated learner needs participants in the log (fewer than 2 found)")
        arm_t, w_t = arms[took_part], None if w is None else w[took_part]
        self.engaged_means_, self.engaged_profit_model_ = self._participant_model(
            design[took_part], profit[took_part], arm_t, k, seed, w_t
        )
        self.outcome_models_, self.engaged_outcome_models_ = {}, {}
        for name in self._modelled():
            if name == "participate":
                continue
            o = outcome(name)
            kind = "binary" if o.kind == "binary" else "reg"
            values = log[o.column].to_numpy(dtype=float)
            self.outcome_models_[name] = fit_boosting(kind, design, values, seed, params, w)
            self.engaged_outcome_models_[name] = self._participant_model(
                design[took_part], values[took_part], arm_t, k, seed, w_t
            )

    def _fit_discount_scale(self, data: UserData, log: pd.DataFrame, rows, arms, w) -> None:
        """The expected discount (what a budget is spent on), calibrated per campaign to the log: the predicted
        discount of each logged row at its own campaign sums to what that campaign's rows were paid."""
        k = len(self.catalogue_)
        self.discount_scale_ = np.ones(k)
        if "discount" not in self.outcome_models_:
            return
        fitted = self._predict(data, self.catalogue_, None).discount[rows, arms]
        paid = log[outcome("discount").column].to_numpy(dtype=float)
        wt = np.ones(len(arms)) if w is None else w
        pred_sum = np.bincount(arms, weights=fitted * wt, minlength=k)
        paid_sum = np.bincount(arms, weights=paid * wt, minlength=k)
        self.discount_scale_ = np.where(pred_sum > 0, paid_sum / np.maximum(pred_sum, 1e-12), 1.0)

    def _nonparticipant_base(self, x: np.ndarray) -> dict:
        """What non-participants earn under control, ``n0 = (b - p0 v0) / (1 - p0)``, per outcome, shape (n,)."""
        n, k = len(x), len(self.campaign_ids_)
        control = _arm_design(x, np.zeros(n, int), k)
        p0 = predict_boosting(self.mu0_, x) if self.control_participation_ > 0 else np.zeros(n)
        parts = {"profit": (self.engaged_means_, self.engaged_profit_model_), **self.engaged_outcome_models_}
        bases = {"profit": self.control_profit_model_, **self.outcome_models_}
        out = {}
        for name, model in bases.items():
            means, dev = parts[name]
            v0 = means[0] + predict_boosting(dev, control)
            out[name] = (predict_boosting(model, control) - p0 * v0) / np.maximum(1.0 - p0, 1e-6)
        return out

    def _fit_nonparticipant_scale(self, x, log: pd.DataFrame, arms, took_part, weight) -> None:
        """Per campaign and outcome, the ratio of what the log's non-participants of the campaign realised to
        what non-participants earn under control (profit before the contact cost); 1 for control and for
        campaigns with fewer than ``MIN_NONPARTICIPANTS`` such rows or no positive base."""
        k = len(self.campaign_ids_)
        wt = np.ones(len(arms)) if weight is None else weight
        rest = (~took_part) & (arms > 0)
        counts = np.bincount(arms[rest], minlength=k)
        for name, base in self._nonparticipant_base(x).items():
            y = self._before_contact(log, name, arms)
            num = np.bincount(arms[rest], weights=(y * wt)[rest], minlength=k)
            den = np.bincount(arms[rest], weights=(base * wt)[rest], minlength=k)
            ok = (counts >= MIN_NONPARTICIPANTS) & (den > 0) & (num >= 0)
            ok[0] = False
            self.nonparticipant_scale_[name] = np.where(ok, num / np.where(ok, den, 1.0), 1.0)

    def _fit_nonparticipant_models(self, x, log: pd.DataFrame, arms, took_part, weight, seed: int) -> None:
        """Per outcome, a regressor of how far a contacted non-participant's outcome (profit before the contact cost)
        lies from what non-participants earn under control, over features + arm one-hot."""
        k = len(self.campaign_ids_)
        rest = (~took_part) & (arms > 0)
        if rest.sum() < 2:
            raise ParameterError(
                "nonparticipants='modelled' needs contacted rows that did not take part (fewer than 2)"
            )
        design = _arm_design(x[rest], arms[rest], k)
        wt = None if weight is None else weight[rest]
        for name, base in self._nonparticipant_base(x[rest]).items():
            y = self._before_contact(log, name, arms)[rest]
            self.nonparticipant_models_[name] = fit_boosting(
                "reg", design, y - base, seed, self._params(), wt
            )

    def _before_contact(self, log: pd.DataFrame, name: str, arms) -> np.ndarray:
        """Each log row's ``name`` outcome, profit counted before the contact cost of its campaign."""
        if name != "profit":
            return log[outcome(name).column].to_numpy(dtype=float)
        return log["profit"].to_numpy(dtype=float) + catalogue_arrays(self.catalogue_)["contact"][arms]

    def _nonparticipant_shift(self, x: np.ndarray, name: str, cols) -> np.ndarray | None:
        """The fitted per-user shift of non-participants' ``name`` under each campaign of ``cols`` (None: none)."""
        model = getattr(self, "nonparticipant_models_", {}).get(name)
        if model is None:
            return None
        n, k = len(x), len(self.campaign_ids_)
        shift = np.zeros((n, len(cols)))
        for j, c in enumerate(cols):
            if c > 0:
                shift[:, j] = predict_boosting(model, _arm_design(x, np.full(n, c), k))
        return shift

    def _participant_model(self, design, target, arm, k: int, seed: int, weight=None):
        """``(campaign means, deviation model)`` of a participant's outcome (see ``participant_profit``)."""
        means = np.zeros(k)
        if self.participant_profit == "by_campaign":
            wt = np.ones(len(arm)) if weight is None else weight
            counts = np.bincount(arm, weights=wt, minlength=k)
            sums = np.bincount(arm, weights=target * wt, minlength=k)
            # a campaign nobody took part in gets the mean over all participants
            means = np.where(
                counts > 0, sums / np.where(counts > 0, counts, 1), np.average(target, weights=wt)
            )
        return means, fit_boosting("reg", design, target - means[arm], seed, self._params(), weight)

    def _participation(self, x: np.ndarray) -> np.ndarray:
        """Probability of taking part in each fitted campaign (column 0: control), shape (n, k), in [0, 1]."""
        mu0 = predict_boosting(self.mu0_, x)
        p = np.zeros((len(x), len(self.campaign_ids_)))
        p[:, 0] = mu0
        for c, (tau1, tau0, share) in self.arm_models_.items():
            p[:, c] = mu0 + share * predict_boosting(tau0, x) + (1.0 - share) * predict_boosting(tau1, x)
        return np.clip(p, 0.0, 1.0)

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        ids = catalogue["campaign_id"].astype(str).tolist()
        unknown = [c for c in ids if c not in self.campaign_ids_]
        if unknown:
            raise ParameterError(f"a mediated learner cannot score campaigns it was not fitted on: {unknown}")
        cols = [self.campaign_ids_.index(c) for c in ids]
        x = self._features(data)
        n, k_fit = len(x), len(self.campaign_ids_)
        p = self._participation(x)
        control = _arm_design(x, np.zeros(n, int), k_fit)
        engaged = {name: np.zeros((n, k_fit)) for name in (*self.outcome_models_, "profit")}
        parts = {"profit": (self.engaged_means_, self.engaged_profit_model_), **self.engaged_outcome_models_}
        for c in range(k_fit):  # one design at a time: bounded memory
            design = _arm_design(x, np.full(n, c), k_fit)
            for name, (means, model) in parts.items():
                engaged[name][:, c] = means[c] + predict_boosting(model, design)

        def through_participation(name, base, contact=0.0):
            return mediated_profit(
                base,
                p[:, cols],
                engaged[name][:, cols],
                contact,
                control_takes_part=self.control_participation_ > 0,
                nonparticipant_scale=getattr(self, "nonparticipant_scale_", {}).get(name, np.ones(k_fit))[
                    cols
                ],
                nonparticipant_shift=self._nonparticipant_shift(x, name, cols),
            )

        out = {"participate": p[:, cols]}
        for name, model in self.outcome_models_.items():
            value = through_participation(name, predict_boosting(model, control))
            out[name] = np.clip(value, 0.0, 1.0) if outcome(name).kind == "binary" else value
        if "discount" in out:
            out["discount"] = out["discount"] * self.discount_scale_[cols][None, :]
        pred = self._finish(out, catalogue, data, target_category)
        contact = np.broadcast_to(catalogue_arrays(catalogue)["contact"][None, :], (n, len(cols)))
        profit = through_participation(
            "profit", predict_boosting(self.control_profit_model_, control), contact
        )
        engaged_profit = engaged["profit"][:, cols]
        pred.extra = {"profit_components": pred.profit, "engaged_profit": engaged_profit}
        pred.profit = profit
        return pred
