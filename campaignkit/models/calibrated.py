"""Decisions that hold up on the user's own log: per-offer calibration and personalise-or-blanket, out of fold.

A model can rank customers well and still get an offer's *size* wrong: the mediated learner, for one, assumes an
offer acts only through those who take it up, so an informational message that nobody can "complete" gets a
predicted effect of exactly zero whatever it does to spending. And a personalised plan is worth deploying only if
it earns more than the simplest alternative, sending everyone the single best offer. Both questions have answers
in a log with known propensities (a randomised test, or logged targeting probabilities), and
:class:`CalibratedLearner` asks them of every model it wraps:

1. **Cross-fit** the base model (:func:`~campaignkit.models.crossfit.crossfit`, folds by unit: a customer's
   waves stay together), so every logged row has predictions from a model that never saw it.
2. **Calibrate per offer and outcome**: the mean out-of-fold residual of offer ``c``'s rows minus that of the
   control rows, each weighted by ``1 / propensity``, is how far the model's mean predicted effect of ``c``
   lies from the doubly robust measured effect (:func:`offer_calibration_table`). That shift is added to every
   prediction of ``c`` - shrunk towards zero by its own standard error (positive-part James-Stein,
   ``max(0, 1 - se^2 / shift^2)``), so a model that is already right is left alone and only offers that are
   clearly off move.
3. **Compare plans out of fold** (:func:`plan_verdict`): the personalised plan - chosen on the calibrated
   predictions or on the base's own, whichever earns more out of fold (``variants``) -, "everyone the best
   single offer" (the offer picked on the other folds, so that the luckiest of many offers is not valued on
   the rows that made it look best) and "no offer", each valued by DR on the log's own rows with the
   out-of-fold predictions as the outcome model; paired differences with standard errors clustered by unit.
4. **Deploy** the personalised plan only when it beats the best single offer (by at least ``min_gain_se``
   standard errors); otherwise everyone gets the best offer, or nothing when the best offer does not beat
   sending nothing. (The personalised plan already sends nothing wherever no offer's predicted uplift is
   positive; on a small log its DR value against "no offer" is too noisy to overrule it.)
   ``verdict_`` says which, and how sure the log is.

The base is then refitted on every row; its predictions, shifted, are what :meth:`CalibratedLearner.predict_outcomes`
returns, and :meth:`CalibratedLearner.choose_from_outcomes` applies the verdict. The shift of an offer is one
number estimated from the very rows the verdict then scores - a small reuse that the held-out protocols
(:mod:`campaignkit.evaluation.randomised`) do not make.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, clone

from campaignkit.data.schema import log_units
from campaignkit.errors import ParameterError
from campaignkit.metrics import dr_scores, mean_and_se, minimum_detectable_difference
from campaignkit.models.crossfit import crossfit
from campaignkit.models.mediated import MediatedLearner
from campaignkit.models.outcomes import outcome
from campaignkit.models.policy import DecisionMixin, best_campaign
from campaignkit.models.prediction import Prediction

__all__ = [
    "CalibratedLearner",
    "PlanVerdict",
    "CALIBRATED_FIELDS",
    "DEPLOY_CHOICES",
    "VARIANTS",
    "offer_calibration_table",
    "plan_verdict",
    "calibrate_prediction",
]

CALIBRATED_FIELDS: tuple[str, ...] = ("participate", "convert", "revenue", "discount", "profit")
"""The prediction fields :class:`CalibratedLearner` shifts per offer (those the log records)."""

DEPLOY_CHOICES: tuple[str, ...] = ("personalised", "best_offer", "no_offer")
"""What :func:`plan_verdict` can tell a user to deploy."""

UNCALIBRATED = "uncalibrated_profit"
"""Key of ``Prediction.extra`` holding the profit before calibration (:func:`calibrate_prediction`)."""

VARIANTS: tuple[str, ...] = ("calibrated", "uncalibrated")
"""The personalised plans :class:`CalibratedLearner` weighs out of fold (see its ``variants``)."""


def _terms_of_offer(y, q: np.ndarray, arms: np.ndarray, propensity: np.ndarray, c: int) -> np.ndarray:
    """Per-row residual terms whose mean is (DR measured effect of ``c``) - (mean predicted effect of ``c``)."""
    on_c = (arms == c) / propensity * (y - q[:, c])
    on_0 = (arms == 0) / propensity * (y - q[:, 0])
    return on_c - on_0


def offer_calibration_table(
    prediction: Prediction,
    log: pd.DataFrame,
    arms: np.ndarray,
    propensity: np.ndarray,
    *,
    groups=None,
    fields=CALIBRATED_FIELDS,
    shrink: bool = True,
) -> pd.DataFrame:
    """Each offer's mean predicted effect beside its doubly robust measured effect, and the shift between them.

    The measured effect of offer ``c`` against control is the augmented IPW estimate with ``prediction`` as the
    outcome model; its difference from the mean predicted effect is the mean of the residual terms
    ``1{a=c}/p (y - q_c) - 1{a=0}/p (y - q_0)`` - unbiased whatever the model's errors when the propensities are
    known, and with a standard error clustered by ``groups``. Score ``prediction`` out of fold (cross-fitted):
    in-sample residuals hide the errors.

    Args:
        prediction: Predictions of the log's rows (one row per log row, catalogue columns, column 0 control).
        log: The log (its outcome columns: ``participated``, ``converted``, ``revenue``, ``discount``,
            ``profit``; absent ones are skipped).
        arms: Array of shape (n_rows,): the catalogue column of each logged campaign.
        propensity: Array of shape (n_rows,): the probability of the logged campaign.
        groups: Optional array of shape (n_rows,): the unit (customer) of each row, for clustered errors.
        fields: Prediction fields to calibrate.
        shrink: Shrink each shift towards zero by its standard error (``max(0, 1 - se^2/shift^2)``); False: the
            raw shift.

    Returns:
        DataFrame, one row per (field, offer other than control): ``field, campaign_id, predicted, measured,
        measured_se, shift, calibrated`` (``measured = predicted + raw shift``; ``calibrated = predicted +
        shift``).

    Raises:
        ParameterError: Shapes disagree, or no control row is logged.
    """
    arms = np.asarray(arms, dtype=np.int64)
    propensity = np.asarray(propensity, dtype=float)
    n, k = prediction.shape
    if len(arms) != n or len(propensity) != n or len(log) != n:
        raise ParameterError(
            f"prediction ({n} rows), log ({len(log)}), arms ({len(arms)}) and propensity ({len(propensity)}) "
            "must hold the same rows"
        )
    if not (arms == 0).any():
        raise ParameterError("calibrating offers needs control rows in the log (none found)")
    rows = []
    for field in fields:
        column = outcome(field).column
        if field not in prediction.outcomes or column not in log.columns:
            continue
        q = prediction[field]
        y = log[column].to_numpy(dtype=float)
        for c in range(1, k):
            if not (arms == c).any():
                continue
            raw, se = mean_and_se(_terms_of_offer(y, q, arms, propensity, c), groups=groups)
            factor = 1.0
            if shrink:
                factor = max(0.0, 1.0 - se**2 / raw**2) if raw != 0 else 0.0
            predicted = float(np.mean(q[:, c] - q[:, 0]))
            rows.append(
                {
                    "field": field,
                    "campaign_id": prediction.campaign_ids[c],
                    "predicted": predicted,
                    "measured": predicted + raw,
                    "measured_se": se,
                    "shift": factor * raw,
                    "calibrated": predicted + factor * raw,
                }
            )
    return pd.DataFrame(
        rows, columns=["field", "campaign_id", "predicted", "measured", "measured_se", "shift", "calibrated"]
    )


def calibrate_prediction(prediction: Prediction, shifts: dict) -> Prediction:
    """A prediction with each field's per-campaign shift added (probabilities clipped to [0, 1], amounts that
    cannot be negative to >= 0); fields and campaigns without a shift are left as they are.

    Args:
        prediction: Any :class:`~campaignkit.models.prediction.Prediction`.
        shifts: ``{field: {campaign_id: shift}}``.

    Returns:
        A new :class:`~campaignkit.models.prediction.Prediction` (``std``, ``extra`` and categories kept; the
        profit before its shift in ``extra["uncalibrated_profit"]``).
    """
    values = {}
    for field in prediction.outcomes:
        v = prediction[field]
        by_campaign = shifts.get(field)
        if by_campaign:
            add = np.array([by_campaign.get(c, 0.0) for c in prediction.campaign_ids])
            v = v + add[None, :]
            kind = outcome(field).kind
            if kind == "binary":
                v = np.clip(v, 0.0, 1.0)
            elif kind == "nonnegative":
                v = np.maximum(v, 0.0)
        values[field] = v
    return Prediction(
        user_id=prediction.user_id,
        campaign_ids=prediction.campaign_ids,
        std=dict(prediction.std),
        target_category=prediction.target_category,
        extra={**prediction.extra, UNCALIBRATED: prediction.profit},
        **values,
    )


@dataclass
class PlanVerdict:
    """Personalised plan, best single offer or no offer: which to deploy, valued out of fold on the log.

    Attributes:
        deploy: One of :data:`DEPLOY_CHOICES`.
        best_offer: The campaign of highest DR profit when sent to everyone (on every row: the one deployed).
        table: One row per plan (``personalised``, ``best_offer`` - learned out of fold when folds were given -,
            ``no_offer``): ``value`` and ``se`` (DR
            profit per row), ``minus_best_offer`` / ``minus_best_offer_se`` and ``minus_no_offer`` /
            ``minus_no_offer_se`` (paired differences).
        gain: Personalised minus best single offer, per row.
        gain_se: Its standard error (clustered by unit).
        min_gain_se: The margin the gain had to clear, in standard errors.
        n_rows: Log rows scored.
        n_units: Units (customers) behind them.
        shares: Share of rows the personalised plan sends each campaign (Series by campaign id).
        variant: Which personalised plan was weighed (the highest DR value among ``variants``).
        variants: One row per personalised plan weighed: ``value``, ``se``, ``minus_best_offer`` and its ``se``.
    """

    deploy: str
    best_offer: str
    table: pd.DataFrame
    gain: float
    gain_se: float
    min_gain_se: float
    n_rows: int
    n_units: int
    shares: pd.Series
    variant: str = "prediction"
    variants: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    @property
    def z(self) -> float:
        """The gain in standard errors (0 when the plans never differ, +-inf when a gain has no error)."""
        if self.gain_se > 0:
            return self.gain / self.gain_se
        return 0.0 if self.gain == 0 else float(np.sign(self.gain) * np.inf)

    @property
    def p_better(self) -> float:
        """One-sided p-value of "personalised does not beat the best single offer" (normal approximation)."""
        return float(stats.norm.sf(self.z))

    def floor(self, *, confidence: float = 0.95, power: float = 0.8) -> float:
        """The smallest gain over the best single offer this log could detect
        (:func:`~campaignkit.metrics.minimum_detectable_difference` of ``gain_se``).

        Args:
            confidence: Two-sided level of the test.
            power: Probability of detecting a gain of that size.

        Returns:
            Profit per row.
        """
        return minimum_detectable_difference(self.gain_se, confidence=confidence, power=power)

    def summary(self) -> str:
        """One sentence: what to deploy and why."""
        gain = f"{self.gain:+.3f} ± {self.gain_se:.3f} per row (z = {self.z:+.1f})"
        if self.deploy == "personalised":
            return f"deploy the personalised plan: it beats everyone-{self.best_offer} by {gain}, out of fold"
        why = f"the personalised plan does not beat everyone-{self.best_offer} out of fold ({gain})"
        if self.deploy == "best_offer":
            return f"send everyone {self.best_offer}: {why}"
        return f"send no offer: {why}, and no single offer beats sending nothing out of fold"


def _blanket_terms(everyone: np.ndarray, best: int, folds) -> np.ndarray:
    """DR terms of "everyone the best offer": on every row, or the offer picked on the other folds."""
    if folds is None:
        return everyone[:, best]
    folds = np.asarray(folds)
    n = len(everyone)
    if folds.shape != (n,):
        raise ParameterError(f"folds must hold one fold per row, shape ({n},), got {folds.shape}")
    blanket = np.empty(n)
    for f in np.unique(folds):
        held = folds == f
        pick = 1 + int(np.argmax(everyone[~held, 1:].mean(axis=0))) if (~held).any() else best
        blanket[held] = everyone[held, pick]
    return blanket


def _variant_values(terms: dict, blanket: np.ndarray, groups) -> pd.DataFrame:
    """Value and gain over the blanket offer of each personalised plan weighed."""
    rows = {}
    for name, t in terms.items():
        value, se = mean_and_se(t, groups=groups)
        gain, gain_se = mean_and_se(t - blanket, groups=groups)
        rows[name] = {"value": value, "se": se, "minus_best_offer": gain, "minus_best_offer_se": gain_se}
    return pd.DataFrame(rows).T


def plan_verdict(
    prediction: Prediction,
    profit: np.ndarray,
    arms: np.ndarray,
    propensity: np.ndarray,
    *,
    groups=None,
    folds=None,
    min_gain_se: float = 0.0,
    variants: dict | None = None,
) -> PlanVerdict:
    """Value the personalised plan of ``prediction`` against the best single offer and no offer, by DR.

    The plan gives each row the campaign of highest predicted profit uplift (control unless positive:
    :func:`~campaignkit.models.policy.best_campaign`). Each plan's DR value uses ``prediction``'s profit as the
    outcome model; score it out of fold, or the plan is valued on the noise it was fitted to. The blanket plan
    is learned out of fold too when ``folds`` are given: the rows of fold ``k`` get the offer that earns most,
    sent to everyone, on the *other* folds' rows - among many offers on a small log the one that looks best on
    the rows it is valued on looks better than it is, and the comparison would favour it.

    Args:
        prediction: Predictions of the log's rows (out of fold).
        profit: Array of shape (n_rows,): the logged profit.
        arms: Array of shape (n_rows,): catalogue column of each logged campaign.
        propensity: Array of shape (n_rows,).
        groups: Optional array of shape (n_rows,): unit of each row (clustered errors).
        folds: Optional array of shape (n_rows,): the cross-fit fold of each row (the blanket offer of a fold
            is chosen on the others); None: chosen on every row.
        min_gain_se: The personalised plan is deployed only when its gain over the best single offer is
            positive and at least this many standard errors.
        variants: Optional ``{name: array of shape (n_rows, n_campaigns)}``: profit uplifts of other personalised
            plans to weigh (e.g. a model's uncalibrated predictions); the one of highest DR value, with
            ``prediction``'s own plan as ``"prediction"``, is the personalised plan. Every plan is valued with
            ``prediction``'s profit as the outcome model.

    Returns:
        A :class:`PlanVerdict`.

    Raises:
        ParameterError: ``min_gain_se`` is negative, or the catalogue holds no offer besides control.
    """
    if not np.isfinite(min_gain_se) or min_gain_se < 0:
        raise ParameterError(f"min_gain_se must be a number >= 0, got {min_gain_se!r}")
    n, k = prediction.shape
    if k < 2:
        raise ParameterError("a verdict needs at least one campaign besides control")
    q = prediction.profit
    arms = np.asarray(arms, dtype=np.int64)
    common = {"treatment": arms, "propensity": propensity, "q_hat": q, "arms": range(k)}

    def scores(policy):
        return dr_scores(profit, policy, **common)

    everyone = np.column_stack([scores(np.full(n, c)) for c in range(k)])
    best = 1 + int(np.argmax(everyone[:, 1:].mean(axis=0)))
    blanket = _blanket_terms(everyone, best, folds)
    choices = {"prediction": best_campaign(prediction.uplift("profit"))}
    for name, uplift in (variants or {}).items():
        uplift = np.asarray(uplift, dtype=float)
        if uplift.shape != (n, k):
            raise ParameterError(f"variant {name!r} has shape {uplift.shape}, expected {(n, k)}")
        choices[name] = best_campaign(uplift)
    terms = {name: scores(c) for name, c in choices.items()}
    variant = max(terms, key=lambda name: terms[name].mean())
    choice = choices[variant]
    plans = {"personalised": terms[variant], "best_offer": blanket, "no_offer": everyone[:, 0]}
    variant_values = _variant_values(terms, blanket, groups)
    rows = {}
    for name, s in plans.items():
        value, se = mean_and_se(s, groups=groups)
        d_best, d_best_se = mean_and_se(s - plans["best_offer"], groups=groups)
        d_none, d_none_se = mean_and_se(s - plans["no_offer"], groups=groups)
        rows[name] = {
            "value": value,
            "se": se,
            "minus_best_offer": d_best,
            "minus_best_offer_se": d_best_se,
            "minus_no_offer": d_none,
            "minus_no_offer_se": d_none_se,
        }
    table = pd.DataFrame(rows).T.loc[list(DEPLOY_CHOICES)]
    gain, gain_se = table.loc["personalised", ["minus_best_offer", "minus_best_offer_se"]].astype(float)
    if gain > 0 and gain >= min_gain_se * gain_se:
        deploy = "personalised"  # it sends nothing wherever no offer has a positive predicted uplift
    elif table.loc["best_offer", "minus_no_offer"] > 0:
        deploy = "best_offer"
    else:
        deploy = "no_offer"
    ids = list(prediction.campaign_ids)
    shares = pd.Series(np.bincount(choice, minlength=k) / n, index=ids, name="share")
    n_units = n if groups is None else int(pd.unique(np.asarray(groups)).size)
    return PlanVerdict(
        deploy,
        ids[best],
        table,
        float(gain),
        float(gain_se),
        float(min_gain_se),
        n,
        n_units,
        shares,
        variant=variant,
        variants=variant_values,
    )


class CalibratedLearner(DecisionMixin, BaseEstimator):
    """Any uplift model, calibrated per offer on its own log and deployed only where it beats a blanket offer.

    See the module docstring for the four steps. The log needs known propensities (a randomised test, or the
    logged targeting probabilities): they are what makes the calibration and the verdict unbiased.

    Args:
        base: The uplift model wrapped (unfitted; cloned). None: :class:`~campaignkit.models.MediatedLearner`
            with its defaults.
        n_folds: Folds of the cross-fit (each fold model sees ``1 - 1/n_folds`` of the units; fitting costs
            about ``n_folds`` base fits plus the final one on every row).
        shrink: Shrink each offer's shift by its standard error (False: the raw shift).
        fallback: Apply the verdict in :meth:`choose_from_outcomes` (False: always the personalised choice;
            ``verdict_`` is still computed).
        min_gain_se: Standard errors the out-of-fold gain over the best single offer must reach for the
            personalised plan to be deployed (0: any positive gain).
        variants: The personalised plans weighed out of fold (:data:`VARIANTS`): ``"calibrated"`` (choose on the
            shifted predictions), ``"uncalibrated"`` (on the base's own). The one of higher out-of-fold DR value
            is the personalised plan (``verdict_.variant``): a shift per offer fixes an effect's average size,
            and where a model's errors are not a constant per offer (an effect it overstates in proportion) the
            base's own ranking can choose better; the log says which. ``predict_outcomes`` is calibrated either
            way (what forecasts and budgets read).
        random_state: Seed of the folds and of the base model (when it takes one).

    Attributes:
        model_: The base fitted on every row.
        crossfit_: The :class:`~campaignkit.models.crossfit.CrossFit` behind the calibration and the verdict.
        calibration_: :func:`offer_calibration_table` of the out-of-fold predictions.
        shifts_: ``{field: {campaign_id: shift}}`` added to the base's predictions.
        verdict_: The :class:`PlanVerdict` of the calibrated out-of-fold predictions.
        catalogue_, outcomes_, feature_names_: The fitted base's.
    """

    def __init__(
        self,
        base=None,
        n_folds: int = 3,
        shrink: bool = True,
        fallback: bool = True,
        min_gain_se: float = 0.0,
        variants: tuple = VARIANTS,
        random_state=None,
    ):
        self.base = base
        self.n_folds = n_folds
        self.shrink = shrink
        self.fallback = fallback
        self.min_gain_se = min_gain_se
        self.variants = variants
        self.random_state = random_state

    def _base(self):
        est = MediatedLearner() if self.base is None else clone(self.base)
        if self.random_state is not None and "random_state" in est.get_params(deep=False):
            est.set_params(random_state=self.random_state)
        return est

    def fit(self, data, log: pd.DataFrame, catalogue: pd.DataFrame) -> CalibratedLearner:
        """Cross-fit the base, calibrate per offer, judge the plan, refit the base on every row.

        Args:
            data: Model input holding every log user.
            log: Campaign log with ``propensity`` (optional ``unit_id``: folds and errors follow it).
            catalogue: The campaigns (row 0 control).

        Returns:
            self.

        Raises:
            ParameterError: Bad parameters, too few units for the folds, or no control rows.
            SchemaError: The log lacks valid propensities (see :func:`~campaignkit.models.crossfit.crossfit`).
        """
        if not np.isfinite(self.min_gain_se) or self.min_gain_se < 0:
            raise ParameterError(f"min_gain_se must be a number >= 0, got {self.min_gain_se!r}")
        variants = tuple(self.variants)
        if not variants or any(v not in VARIANTS for v in variants) or len(set(variants)) != len(variants):
            raise ParameterError(f"variants must be distinct names from {VARIANTS}, got {self.variants!r}")
        base = self._base()
        cf = crossfit(base, data, log, catalogue, n_folds=self.n_folds, random_state=self.random_state)
        groups = log_units(cf.log)
        self.calibration_ = offer_calibration_table(
            cf.prediction, cf.log, cf.arms, cf.propensity, groups=groups, shrink=self.shrink
        )
        self.shifts_ = {
            field: dict(zip(part["campaign_id"], part["shift"].astype(float), strict=True))
            for field, part in self.calibration_.groupby("field", sort=False)
        }
        oof = calibrate_prediction(cf.prediction, self.shifts_)
        profit = cf.log["profit"].to_numpy(dtype=float)
        uplifts = {"calibrated": oof.uplift("profit"), "uncalibrated": cf.prediction.uplift("profit")}
        first, *others = variants
        verdict = plan_verdict(
            oof if first == "calibrated" else cf.prediction,
            profit,
            cf.arms,
            cf.propensity,
            groups=groups,
            folds=cf.fold,
            min_gain_se=self.min_gain_se,
            variants={name: uplifts[name] for name in others},
        )
        if verdict.variant == "prediction":
            verdict.variant = first
        verdict.variants = verdict.variants.rename(index={"prediction": first})
        self.verdict_ = verdict
        self.crossfit_ = cf
        self.model_ = base.fit(data, log, catalogue)
        self.catalogue_ = self.model_.catalogue_
        self.outcomes_ = self.model_.outcomes_
        self.feature_names_ = list(getattr(self.model_, "feature_names_", []))
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise ParameterError("this CalibratedLearner is not fitted yet: call fit() first")

    def predict_outcomes(self, data, catalogue=None, *, target_category=None, batch_users=None) -> Prediction:
        """The base's expected outcomes with each offer's shift added (see the module docstring).

        Args:
            data: Model input.
            catalogue: Campaigns to score (default: the fitted catalogue; campaigns the log never tried get no
                shift).
            target_category: As in :meth:`~campaignkit.models.base.UpliftModel.predict_outcomes`.
            batch_users: As there.

        Returns:
            A :class:`~campaignkit.models.prediction.Prediction`.
        """
        self._check_fitted()
        pred = self.model_.predict_outcomes(
            data, catalogue, target_category=target_category, batch_users=batch_users
        )
        return calibrate_prediction(pred, self.shifts_)

    def iter_outcomes(self, data, catalogue=None, **kwargs) -> Iterator[Prediction]:
        """Calibrated predictions in chunks (see :meth:`~campaignkit.models.base.UpliftModel.iter_outcomes`)."""
        self._check_fitted()
        for pred in self.model_.iter_outcomes(data, catalogue, **kwargs):
            yield calibrate_prediction(pred, self.shifts_)

    def predict_uplift(
        self, data, catalogue=None, *, outcome: str = "profit", target_category=None
    ) -> np.ndarray:
        """Calibrated effect of each campaign against control, shape (n_users, n_campaigns), column 0 zero."""
        return self.predict_outcomes(data, catalogue, target_category=target_category).uplift(outcome)

    def choose_from_outcomes(self, prediction: Prediction) -> np.ndarray:
        """Each user's campaign: the personalised choice, or the verdict's blanket one (``fallback``).

        Args:
            prediction: A :class:`~campaignkit.models.prediction.Prediction` (from :meth:`predict_outcomes`).

        Returns:
            Array of shape (n_users,) of catalogue columns (0 = control).
        """
        self._check_fitted()
        n = prediction.shape[0]
        deploy = self.verdict_.deploy if self.fallback else "personalised"
        if deploy == "no_offer":
            return np.zeros(n, dtype=np.int64)
        if deploy == "best_offer" and self.verdict_.best_offer in prediction.campaign_ids:
            return np.full(n, prediction.campaign_ids.index(self.verdict_.best_offer), dtype=np.int64)
        uplift = prediction.uplift("profit")
        if self.verdict_.variant == "uncalibrated" and UNCALIBRATED in prediction.extra:
            raw = prediction.extra[UNCALIBRATED]  # the base's own profit, as it predicted it
            uplift = raw - raw[:, :1]
        return best_campaign(uplift, prediction.get("profit_uplift_std"), penalty=self.uncertainty_penalty)
