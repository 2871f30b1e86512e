"""Scoring against a randomised campaign log with no known truth (e.g. Hillstrom's, Starbucks'), computed only.

Real data has no true individual effect to score against, so two protocols use held-out customers of a
randomised log instead (each offer's average effect: :mod:`campaignkit.evaluation.offers`).

A customer may have several log rows (offers sent in waves): the log's ``unit_id`` column names the customer
(:func:`campaignkit.data.schema.log_units`; without it the unit is ``user_id``). Every split here keeps a
unit's rows on one side, and every standard error and bootstrap is clustered by unit. A log whose ``user_id``
repeats without a ``unit_id`` column gets a ``UserWarning`` saying what that means.

- :func:`qini_protocol` - *who responds?* One arm against control (the other arms' rows dropped), a 70/30
  customer split stratified by arm x outcome per seed; every model is fitted on the train rows and ranks the
  test rows by its predicted uplift of that arm; the score is the normalised Qini coefficient with a bootstrap
  interval over test rows (:func:`~campaignkit.metrics.bootstrap_interval`, rows resampled together), and
  mean +/- sd over seeds.
- :func:`heldout_plan_value` - *what would a per-customer choice earn?* A model fitted on train customers over
  every arm chooses a campaign (or none) per held-out row; the plan is valued off-policy on the held-out
  log (doubly robust, with its standard error), and compared with one or several reference policies (everyone
  gets one campaign: a named one, ``"best_offer"`` - the offer of highest profit on the *train* rows, see
  :func:`~campaignkit.evaluation.offers.single_offer_values` - or ``"control"``, no offer) by the DR difference with a *paired* standard
  error (:func:`~campaignkit.metrics.policy_difference`). :func:`dr_plan_value` is its second half, for a
  model already fitted on the train customers of :func:`split_log`.

The plot of the protocol's scores is :func:`campaignkit.evaluation.plots.plot_qini_protocol`.

Models come in as estimators (cloned per seed, ``random_state`` set to the seed when they have one) or as
factories ``seed -> unfitted model``; both must keep the model contract (:mod:`campaignkit.models.base`).
The protocols see every feature column of the model input unless told which (``features``); nothing here
knows a data set (Hillstrom's case study passes its own features and reference).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, clone
from tqdm.auto import tqdm

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import UNIT_COLUMN, log_units
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.evaluation.offers import _outcome_values, single_offer_values
from campaignkit.features import split_users
from campaignkit.metrics import (
    bootstrap_interval,
    minimum_detectable_difference,
    policy_difference,
    qini_coefficient,
)
from campaignkit.models.inputs import UserData, as_user_data
from campaignkit.models.outcomes import outcome as _outcome
from campaignkit.models.policy import plan_frame

__all__ = [
    "PREDICTION_OF",
    "PLAN_STRATA",
    "QiniProtocolResult",
    "DRPlanValue",
    "BEST_OFFER",
    "NO_OFFER",
    "protocol_users",
    "make_model",
    "split_log",
    "qini_protocol",
    "dr_plan_value",
    "heldout_plan_value",
]

PREDICTION_OF: dict[str, str] = {
    _outcome(k).column: k for k in ("profit", "participate", "convert", "revenue")
}
"""Logged outcome column -> the :class:`~campaignkit.models.prediction.Prediction` field that predicts it
(read from :data:`~campaignkit.models.outcomes.OUTCOMES`), in the order the plan's estimates list them."""

PLAN_STRATA: tuple[str, ...] = ("campaign_id", "participated", "converted")
"""Log columns whose combinations keep their shares in the plan's train/test split."""

BEST_OFFER = "best_offer"
"""Reference name: everyone gets the offer of highest profit on the train rows (:func:`~campaignkit.evaluation.offers.single_offer_values`)."""

NO_OFFER = "control"
"""Reference name: nobody gets an offer (the catalogue's control row, whose id this is)."""


class QiniProtocolResult(NamedTuple):
    """What :func:`qini_protocol` returns (unpacks as ``scores, summary``).

    Attributes:
        scores: One row per (model, arm, outcome, seed): ``qini``, ``ci_low``, ``ci_high`` (bootstrap
            percentile interval, test units resampled whole), ``n_test`` (test rows), ``n_treated_test``,
            ``n_units_test``, ``fit_seconds``.
        summary: One row per (model, arm, outcome): ``qini_mean``, ``qini_sd`` (over seeds, ``ddof=1``;
            NaN with one seed), ``ci_low_mean``, ``ci_high_mean``, ``n_seeds``.
    """

    scores: pd.DataFrame
    summary: pd.DataFrame


@dataclass
class DRPlanValue:
    """What :func:`dr_plan_value` and :func:`heldout_plan_value` return.

    Every standard error is paired where it compares (same rows, same outcomes) and clustered by unit.

    Attributes:
        estimates: Indexed by logged outcome (``profit``, ``participated``, ``converted``, ``revenue``):
            ``value`` and ``se`` (DR value of the plan per held-out row), and against the *first* reference
            ``reference_value`` and ``reference_se`` (everyone gets its campaign), ``difference`` and
            ``difference_se`` (plan minus reference).
        shares: Share of held-out rows the plan gives each campaign (catalogue order).
        plan: The plan of the held-out rows (``user_id, campaign_id, target_category``, and ``unit_id``
            when the log has it).
        reference: The campaign everyone gets in the first reference policy.
        n_test: Held-out rows.
        model: The fitted model.
        differences: Indexed by (reference, outcome), references in the order asked: ``reference_campaign``,
            ``reference_value``, ``reference_se``, ``difference``, ``difference_se``, ``ci_low``, ``ci_high``
            (normal interval of level ``confidence``).
        references: The references as asked (campaign ids, ``"best_offer"``, ``"control"``).
        best_offer: The campaign ``"best_offer"`` chose on the train rows (None when not asked).
        offer_values: Train-row profit per row of each campaign sent to everyone (:func:`~campaignkit.evaluation.offers.single_offer_values`;
            None when ``"best_offer"`` was not asked).
        n_units: Held-out units (customers).
        confidence: Level of the intervals in ``differences``.
    """

    estimates: pd.DataFrame
    shares: pd.Series
    plan: pd.DataFrame
    reference: str
    n_test: int
    model: object
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)
    references: tuple = ()
    best_offer: str | None = None
    offer_values: pd.Series | None = None
    n_units: int = 0
    confidence: float = 0.95

    def floor(self, reference: str | None = None, *, outcome: str = "profit", power: float = 0.8) -> float:
        """The smallest difference from ``reference`` these held-out rows could detect: the information floor.

        A plan whose difference from the reference is not significant but whose floor is above the gain that
        matters has not shown "no gain" - the rows had no power to see it
        (:func:`~campaignkit.metrics.minimum_detectable_difference` of the paired standard error, at the level of
        ``confidence``).

        Args:
            reference: One of ``references`` (None: the first).
            outcome: A logged outcome of ``differences`` (``profit``, ``participated``, ``converted``, ``revenue``).
            power: Probability of detecting a difference of that size.

        Returns:
            The minimum detectable difference per held-out row.

        Raises:
            ParameterError: ``reference`` or ``outcome`` was not valued.
        """
        name = self.references[0] if reference is None else reference
        if (name, outcome) not in self.differences.index:
            raise ParameterError(
                f"no difference from {name!r} on {outcome!r}: references {list(self.references)}, outcomes "
                f"{list(PREDICTION_OF)}"
            )
        se = float(self.differences.loc[(name, outcome), "difference_se"])
        return minimum_detectable_difference(se, confidence=self.confidence, power=power)


def protocol_users(data, features=None) -> UserData:
    """The model input restricted to the protocol's feature columns.

    Args:
        data: Any model input (:func:`~campaignkit.models.inputs.as_user_data`), e.g. ``HillstromData``.
        features: Columns kept (None: every column), e.g.
            :data:`~campaignkit.data.hillstrom.HILLSTROM_FEATURES`.

    Returns:
        A :class:`~campaignkit.models.inputs.UserData` (sequences kept when there are any).

    Raises:
        SchemaError: A feature column is missing.
    """
    users = as_user_data(data)
    if features is None:
        return users
    missing = [c for c in features if c not in users.features.columns]
    if missing:
        raise SchemaError("required_column", f"the user table has no column(s) {missing}", column=missing[0])
    return UserData(users.features[list(features)], users.sequences)


def make_model(model, seed: int) -> Any:
    """A fresh, unfitted model for one seed.

    Args:
        model: A scikit-learn style estimator (cloned; ``random_state`` set to ``seed`` when it has one),
            or a callable ``seed -> unfitted model``.
        seed: The seed of this repetition.

    Returns:
        The unfitted model.

    Raises:
        ParameterError: ``model`` is neither.
    """
    if isinstance(model, BaseEstimator):
        est = clone(model)
        if "random_state" in est.get_params(deep=False):
            est.set_params(random_state=seed)
        return est
    if callable(model):
        return model(seed)
    raise ParameterError(
        f"a model must be an estimator or a factory seed -> model, got {type(model).__name__}"
    )


def _catalogue(data, catalogue) -> pd.DataFrame:
    if catalogue is None:
        catalogue = getattr(data, "campaigns", None)
    if catalogue is None:
        raise ParameterError("pass catalogue= (the data carries no campaigns)")
    return validate_catalogue(catalogue)


def _split(log: pd.DataFrame, strata, seed: int, test_size: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    split = split_users(
        log["user_id"].to_numpy(),
        log[list(strata)],
        val_size=0.0,
        test_size=test_size,
        random_state=seed,
        groups=log_units(log),
    )
    is_test = log["user_id"].isin(split["test"]).to_numpy()
    return log[~is_test].reset_index(drop=True), log[is_test].reset_index(drop=True)


def split_log(
    log: pd.DataFrame, strata, *, seed: int, test_size: float = 0.3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a randomised log into train and test rows by unit (customer), stratified.

    Every row of a unit (the log's ``unit_id``, else ``user_id``) lands on one side
    (:func:`~campaignkit.features.split_users` with ``groups``); a unit's stratum is that of most of its rows.
    With one row per customer the split is the one of each row by ``user_id``.

    Args:
        log: Campaign log; ``user_id`` unique per row, or repeating within a unit.
        strata: Log columns whose combinations keep their shares (e.g. ``["campaign_id", "participated"]``).
        seed: Seed of the split.
        test_size: Share of units in the test rows.

    Returns:
        ``(train_log, test_log)``, each with a fresh index.

    Warns:
        UserWarning: ``user_id`` repeats and the log has no ``unit_id`` column.
    """
    log_units(log, warn=True)
    return _split(log, strata, seed, test_size)


def _qini_interval(
    y, score, treated, n_boot: int, confidence: float, seed: int, units
) -> tuple[float, float]:
    """The protocol's bootstrap interval of the Qini coefficient: units resampled whole (NaNs for none)."""
    if n_boot <= 0:
        return float("nan"), float("nan")
    ci = bootstrap_interval(
        qini_coefficient,
        y,
        score,
        treated,
        n_boot=n_boot,
        confidence=confidence,
        random_state=seed,
        stratify=False,
        groups=units,
    )
    return ci.lower, ci.upper


def _binary(log: pd.DataFrame, outcomes) -> list:
    """The outcomes that can stratify a split: those with at most two values (a spend or a profit would make
    nearly every row its own stratum, and the rounding of tiny strata would hold out almost nobody)."""
    return [o for o in outcomes if log[o].nunique(dropna=False) <= 2]


def _as_tuple(value) -> tuple:
    return (value,) if isinstance(value, str) else tuple(value)


def qini_protocol(
    data,
    log: pd.DataFrame,
    models: dict,
    *,
    arm,
    outcome="participated",
    seeds=range(5),
    test_size: float = 0.3,
    bootstrap: int = 200,
    catalogue=None,
    control: str = "control",
    features=None,
    confidence: float = 0.95,
    progress: bool | None = None,
) -> QiniProtocolResult:
    """Qini coefficient of each model's uplift ranking of one arm against control, on held-out customers.

    For each arm and seed: keep the arm's and control's rows; split the customers (units) 70/30
    (``test_size``; :func:`split_log`), stratified by arm x every *binary* outcome asked for (so one fit serves
    all of them; a revenue would make nearly every row its own stratum and hold out almost nobody); fit each model on the train rows (``features`` only); rank the test rows by the
    model's predicted uplift of the arm on each outcome; score the normalised Qini
    (:func:`~campaignkit.metrics.qini_coefficient`) with a cluster bootstrap interval over test units
    (:func:`~campaignkit.metrics.bootstrap_interval`, a unit's rows drawn together, arms not stratified,
    seeded by the seed).

    Args:
        data: Model input holding every log user (e.g. ``HillstromData``).
        log: Randomised campaign log (one row per customer, or per exposure with ``unit_id``).
        models: ``{name: estimator or factory seed -> model}``; each keeps the model contract.
        arm: The campaign id scored against control, or several (scored one at a time).
        outcome: Logged outcome column(s): ``participated`` (visit), ``converted``, ``revenue``.
        seeds: Seeds of the splits and models.
        test_size: Share of customers held out.
        bootstrap: Resamples of the test rows for the interval (0: none, NaN bounds; else at least 20).
        catalogue: The campaigns (default ``data.campaigns``); only control's and the arm's rows are used.
        control: The control arm's id.
        features: User columns the models see (None: every column of ``data``).
        confidence: Nominal coverage of the bootstrap interval.
        progress: tqdm bar over the fits (None: only in a terminal or notebook).

    Returns:
        A :class:`QiniProtocolResult` ``(scores, summary)``.

    Raises:
        ParameterError: An unknown arm or outcome, or no models.

    Warns:
        UserWarning: ``user_id`` repeats and the log has no ``unit_id`` column.
    """
    arms, outcomes = _as_tuple(arm), _as_tuple(outcome)
    if not models:
        raise ParameterError("qini_protocol needs at least one model")
    bad = [o for o in outcomes if o not in PREDICTION_OF or o not in log.columns]
    if bad:
        raise ParameterError(f"outcome(s) {bad} are not logged outcomes among {list(PREDICTION_OF)}")
    cat = _catalogue(data, catalogue)
    users = protocol_users(data, features)
    ids = cat["campaign_id"].astype(str).tolist()
    for a in arms:
        if a not in ids or a == control:
            raise ParameterError(f"arm {a!r} is not a campaign of the catalogue other than {control!r}")
    seeds = [int(s) for s in seeds]
    log_units(log, warn=True)
    rows = []
    bar = tqdm(
        total=len(arms) * len(seeds) * len(models),
        desc="qini protocol",
        disable=None if progress is None else not progress,
    )
    for a in arms:
        sub_cat = cat[cat["campaign_id"].astype(str).isin([control, a])].reset_index(drop=True)
        sub = log[log["campaign_id"].astype(str).isin([control, a])].reset_index(drop=True)
        for seed in seeds:
            train, test = _split(sub, ["campaign_id", *_binary(sub, outcomes)], seed, test_size)
            units = log_units(test)
            train_users, test_users = users.subset(train["user_id"]), users.subset(test["user_id"])
            treated = (test["campaign_id"].astype(str) == a).to_numpy(dtype=int)
            for name, spec in models.items():
                t0 = time.perf_counter()
                est = make_model(spec, seed).fit(train_users, train, sub_cat)
                fit_seconds = time.perf_counter() - t0
                pred = est.predict_outcomes(test_users)
                col = list(pred.campaign_ids).index(a)
                for o in outcomes:
                    score = pred.uplift(PREDICTION_OF[o])[:, col]
                    y = test[o].to_numpy(dtype=float)
                    low, high = _qini_interval(y, score, treated, bootstrap, confidence, seed, units)
                    rows.append(
                        {
                            "model": name,
                            "arm": a,
                            "outcome": o,
                            "seed": seed,
                            "qini": qini_coefficient(y, score, treated),
                            "ci_low": low,
                            "ci_high": high,
                            "n_test": len(test),
                            "n_treated_test": int(treated.sum()),
                            "n_units_test": int(pd.unique(units).size),
                            "fit_seconds": fit_seconds,
                        }
                    )
                bar.update(1)
    bar.close()
    scores = pd.DataFrame(rows)
    summary = (
        scores.groupby(["model", "arm", "outcome"], sort=False)
        .agg(
            qini_mean=("qini", "mean"),
            qini_sd=("qini", "std"),
            ci_low_mean=("ci_low", "mean"),
            ci_high_mean=("ci_high", "mean"),
            n_seeds=("seed", "nunique"),
        )
        .reset_index()
    )
    return QiniProtocolResult(scores, summary)


def _reference_names(reference, references, default: tuple) -> tuple:
    if reference is not None and references is not None:
        raise ParameterError("pass reference= (one) or references= (several), not both")
    if references is not None:
        names = _as_tuple(references)
    elif reference is not None:
        names = (reference,)
    else:
        names = default
    if not names or len(set(names)) != len(names):
        raise ParameterError(f"references must be distinct and at least one, got {names!r}")
    return tuple(str(r) for r in names)


def _resolve_references(names: tuple, cat: pd.DataFrame, train_log) -> tuple[dict, pd.Series | None]:
    """Each reference name -> its campaign id (``best_offer`` chosen on ``train_log``), and the train values."""
    ids = cat["campaign_id"].astype(str).tolist()
    values = None
    out = {}
    for name in names:
        if name == BEST_OFFER:
            if train_log is None:
                raise ParameterError(
                    "reference 'best_offer' is chosen on the train rows: pass train_log= (the rows the model "
                    "was fitted on), or name the reference campaign"
                )
            values = single_offer_values(train_log, cat)
            offers = values.drop(NO_OFFER, errors="ignore")
            if offers.empty:
                raise ParameterError("the train rows hold no campaign other than control: no best offer")
            out[name] = str(offers.idxmax())
        elif name in ids:
            out[name] = name
        else:
            raise ParameterError(
                f"reference campaign {name!r} is not in the catalogue {ids} (nor 'best_offer' / 'control')"
            )
    return out, values


def _value_plan(model, users, test_log, cat, names, train_log, confidence) -> DRPlanValue:
    """:func:`dr_plan_value` without its checks and warning (shared with :func:`heldout_plan_value`)."""
    if not 0 < confidence < 1:
        raise ParameterError(f"confidence must lie in (0, 1), got {confidence!r}")
    campaigns, offer_values = _resolve_references(names, cat, train_log)
    ids = cat["campaign_id"].astype(str).tolist()
    test_users = users.subset(test_log["user_id"])
    pred = model.predict_outcomes(test_users, cat)
    choice = model.choose_from_outcomes(pred)
    logged = pd.Index(ids).get_indexer(test_log["campaign_id"].astype(str))
    propensity = test_log["propensity"].to_numpy(dtype=float)
    units = log_units(test_log)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    plan_rows, diff_rows = {}, []
    for o, pred_field in PREDICTION_OF.items():
        y = _outcome_values(test_log, cat, o)
        for name, campaign in campaigns.items():
            everyone = np.full(len(test_log), ids.index(campaign))
            d = policy_difference(
                y,
                choice,
                everyone,
                logged,
                propensity=propensity,
                q_hat=pred[pred_field],
                arms=range(len(ids)),
                groups=units,
            )
            if o not in plan_rows:
                plan_rows[o] = {
                    "value": d["policy_value"],
                    "se": d["policy_se"],
                    "reference_value": d["reference_value"],
                    "reference_se": d["reference_se"],
                    "difference": d["value"],
                    "difference_se": d["se"],
                }
            diff_rows.append(
                {
                    "reference": name,
                    "outcome": o,
                    "reference_campaign": campaign,
                    "reference_value": d["reference_value"],
                    "reference_se": d["reference_se"],
                    "difference": d["value"],
                    "difference_se": d["se"],
                    "ci_low": d["value"] - z * d["se"],
                    "ci_high": d["value"] + z * d["se"],
                }
            )
    differences = pd.DataFrame(diff_rows).set_index(["reference", "outcome"]).loc[list(names)]
    estimates = pd.DataFrame(plan_rows).T.loc[list(PREDICTION_OF)]
    shares = pd.Series(np.bincount(choice, minlength=len(ids)) / len(choice), index=ids, name="share")
    plan = plan_frame(test_users.user_id, choice, cat, pred.target_category)
    if UNIT_COLUMN in test_log.columns:
        plan[UNIT_COLUMN] = units
    return DRPlanValue(
        estimates,
        shares,
        plan,
        campaigns[names[0]],
        len(test_log),
        model,
        differences=differences,
        references=names,
        best_offer=campaigns.get(BEST_OFFER),
        offer_values=offer_values,
        n_units=int(pd.unique(units).size),
        confidence=float(confidence),
    )


def dr_plan_value(
    model,
    data,
    test_log: pd.DataFrame,
    *,
    reference: str | None = None,
    references=None,
    catalogue=None,
    train_log: pd.DataFrame | None = None,
    confidence: float = 0.95,
) -> DRPlanValue:
    """Value a fitted model's per-customer choice off-policy on held-out customers of a randomised log.

    The model picks one campaign per held-out row by its own rule (``choose_from_outcomes``: the
    highest predicted profit uplift, control unless positive). The plan is valued on the held-out log by the
    doubly robust estimator (:func:`~campaignkit.metrics.policy_difference`), the outcome model ``q`` being
    the model's own predictions per arm (profit for profit, visit probability for visits, ...). Fitted on
    other customers, ``q`` leaves the held-out terms unbiased whatever its errors, the propensities being
    known. Each reference policy sends everyone one campaign; the differences' standard errors are paired
    (same rows, same outcomes) and, like every error here, clustered by unit (``unit_id``, else ``user_id``).
    Profit is the log's ``profit`` column, else computed by :func:`~campaignkit.models.profit.realised_profit`.

    Args:
        model: A fitted model that predicts outcomes (not a rule-only policy), fitted on *other* customers.
        data: Model input holding the held-out rows' ``user_id`` s, with the columns the model was fitted on.
        test_log: The held-out rows (``propensity`` and the outcomes).
        reference: One reference: a campaign id, ``"best_offer"`` or ``"control"`` (no offer).
        references: Several references at once, e.g. ``("best_offer", "control")`` (not with ``reference``).
            Neither given: ``"control"``.
        catalogue: The campaigns (default: the model's fitted catalogue); its contact costs and margins
            define the logged profit.
        train_log: The rows the model was fitted on; needed for ``"best_offer"``, the campaign other than
            control of highest profit on them (:func:`~campaignkit.evaluation.offers.single_offer_values`).
        confidence: Level of the differences' normal intervals.

    Returns:
        A :class:`DRPlanValue`.

    Raises:
        ParameterError: A reference is not in the catalogue, ``"best_offer"`` without ``train_log``, or the
            model predicts no outcomes.

    Warns:
        UserWarning: ``user_id`` repeats in ``test_log`` and it has no ``unit_id`` column.
    """
    if not hasattr(model, "predict_outcomes"):
        raise ParameterError(
            f"{type(model).__name__} predicts no outcomes: valuing its plan needs an uplift model"
        )
    names = _reference_names(reference, references, (NO_OFFER,))
    cat = validate_catalogue(model.catalogue_ if catalogue is None else catalogue)
    log_units(test_log, warn=True, source="the test log")
    return _value_plan(model, as_user_data(data), test_log, cat, names, train_log, confidence)


def heldout_plan_value(
    data,
    log: pd.DataFrame,
    model,
    *,
    seed: int,
    reference: str | None = None,
    references=None,
    test_size: float = 0.3,
    catalogue=None,
    features=None,
    confidence: float = 0.95,
) -> DRPlanValue:
    """Fit on train customers over every arm, choose per held-out row, value the plan off-policy.

    The customers (units: ``unit_id``, else ``user_id``) are split by :func:`split_log` (stratified by
    :data:`PLAN_STRATA`, arm x visit x conversion); the model is fitted on the train rows and its plan valued
    by :func:`dr_plan_value` against each reference, ``"best_offer"`` being chosen on the train rows.

    Args:
        data: Model input holding every log ``user_id``.
        log: Randomised campaign log with ``propensity`` (one row per customer, or per exposure with
            ``unit_id``).
        model: An estimator or factory ``seed -> model`` that predicts outcomes (not a rule-only policy).
        seed: Seed of the split and the model.
        reference: One reference: a campaign id, ``"best_offer"`` or ``"control"``.
        references: Several at once (not with ``reference``). Neither given: ``("best_offer", "control")``.
        test_size: Share of customers held out.
        catalogue: The campaigns (default ``data.campaigns``); its contact costs and margins define the
            logged profit.
        features: User columns the model sees (None: every column of ``data``).
        confidence: Level of the differences' normal intervals.

    Returns:
        A :class:`DRPlanValue` (its ``model`` the fitted model, ``best_offer`` the train rows' choice).

    Raises:
        ParameterError: A reference is not in the catalogue, or the model predicts no outcomes.

    Warns:
        UserWarning: ``user_id`` repeats and the log has no ``unit_id`` column.
    """
    cat = _catalogue(data, catalogue)
    names = _reference_names(reference, references, (BEST_OFFER, NO_OFFER))
    ids = cat["campaign_id"].astype(str).tolist()
    bad = [r for r in names if r not in ids and r != BEST_OFFER]
    if bad:
        raise ParameterError(f"reference campaign {bad[0]!r} is not in the catalogue {ids}")
    users = protocol_users(data, features)
    log_units(log, warn=True)
    train, test = _split(log, PLAN_STRATA, seed, test_size)
    est = make_model(model, seed)
    if not hasattr(est, "predict_outcomes"):
        raise ParameterError(
            f"{type(est).__name__} predicts no outcomes: heldout_plan_value needs an uplift model"
        )
    est.fit(users.subset(train["user_id"]), train, cat)
    return _value_plan(est, users, test, cat, names, train, confidence)
