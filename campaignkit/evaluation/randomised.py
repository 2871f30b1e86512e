"""Scoring against a randomised campaign log with no known truth (e.g. Hillstrom's e-mail RCT), computed only.

Real data has no true individual effect to score against, so two protocols use held-out customers of a
randomised log instead:

- :func:`qini_protocol` - *who responds?* One arm against control (the other arms' rows dropped), a 70/30
  customer split stratified by arm x outcome per seed; every model is fitted on the train rows and ranks the
  test rows by its predicted uplift of that arm; the score is the normalised Qini coefficient with a bootstrap
  interval over test rows (:func:`~campaignkit.metrics.bootstrap_interval`, rows resampled together), and
  mean +/- sd over seeds.
- :func:`heldout_plan_value` - *what would a per-customer choice earn?* A model fitted on train customers over
  every arm chooses a campaign (or none) per held-out customer; the plan is valued off-policy on the held-out
  log (doubly robust, with its standard error), and compared with sending everyone one reference campaign by
  the DR difference with a *paired* standard error (:func:`~campaignkit.metrics.policy_difference`).
  :func:`dr_plan_value` is its second half, for a model already fitted on the train customers of
  :func:`split_log`.

The plot of the protocol's scores is :func:`campaignkit.evaluation.plots.plot_qini_protocol`.

Models come in as estimators (cloned per seed, ``random_state`` set to the seed when they have one) or as
factories ``seed -> unfitted model``; both must keep the model contract (:mod:`campaignkit.models.base`).
The protocols see every feature column of the model input unless told which (``features``); Hillstrom's
case study passes :data:`campaignkit.data.hillstrom.HILLSTROM_FEATURES`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from tqdm.auto import tqdm

from campaignkit.data.catalogue import validate_catalogue
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.features import split_users
from campaignkit.metrics import bootstrap_interval, policy_difference, qini_coefficient
from campaignkit.models.inputs import UserData, as_user_data
from campaignkit.models.outcomes import outcome as _outcome
from campaignkit.models.policy import plan_frame
from campaignkit.models.profit import realised_profit

__all__ = [
    "PREDICTION_OF",
    "PLAN_STRATA",
    "QiniProtocolResult",
    "DRPlanValue",
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


class QiniProtocolResult(NamedTuple):
    """What :func:`qini_protocol` returns (unpacks as ``scores, summary``).

    Attributes:
        scores: One row per (model, arm, outcome, seed): ``qini``, ``ci_low``, ``ci_high`` (bootstrap
            percentile interval over test rows), ``n_test``, ``n_treated_test``, ``fit_seconds``.
        summary: One row per (model, arm, outcome): ``qini_mean``, ``qini_sd`` (over seeds, ``ddof=1``;
            NaN with one seed), ``ci_low_mean``, ``ci_high_mean``, ``n_seeds``.
    """

    scores: pd.DataFrame
    summary: pd.DataFrame


@dataclass
class DRPlanValue:
    """What :func:`dr_plan_value` and :func:`heldout_plan_value` return.

    Attributes:
        estimates: Indexed by logged outcome (``profit``, ``participated``, ``converted``, ``revenue``):
            ``value`` and ``se`` (DR value of the plan per held-out customer), ``reference_value`` and
            ``reference_se`` (everyone gets ``reference``), ``difference`` and ``difference_se`` (plan
            minus reference, paired standard error).
        shares: Share of held-out customers the plan gives each campaign (catalogue order).
        plan: The plan of the held-out customers (``user_id, campaign_id, target_category``).
        reference: The campaign everyone gets in the reference policy.
        n_test: Held-out customers.
        model: The fitted model.
    """

    estimates: pd.DataFrame
    shares: pd.Series
    plan: pd.DataFrame
    reference: str
    n_test: int
    model: object


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


def split_log(
    log: pd.DataFrame, strata, *, seed: int, test_size: float = 0.3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a randomised log (one row per customer) into train and test rows, stratified.

    Args:
        log: Campaign log with unique ``user_id``.
        strata: Log columns whose combinations keep their shares (e.g. ``["campaign_id", "participated"]``).
        seed: Seed of the split.
        test_size: Share of customers in the test rows.

    Returns:
        ``(train_log, test_log)``, each with a fresh index.
    """
    split = split_users(
        log["user_id"].to_numpy(), log[list(strata)], val_size=0.0, test_size=test_size, random_state=seed
    )
    is_test = log["user_id"].isin(split["test"]).to_numpy()
    return log[~is_test].reset_index(drop=True), log[is_test].reset_index(drop=True)


def _qini_interval(y, score, treated, n_boot: int, confidence: float, seed: int) -> tuple[float, float]:
    """The protocol's bootstrap interval of the Qini coefficient: rows resampled together (NaNs for none)."""
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
    )
    return ci.lower, ci.upper


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

    For each arm and seed: keep the arm's and control's rows; split the customers 70/30 (``test_size``),
    stratified by arm x outcome (x every outcome asked for, so one fit serves all of them); fit each model
    on the train rows (users: the train customers, ``features`` only); rank the test customers by the
    model's predicted uplift of the arm on each outcome; score the normalised Qini
    (:func:`~campaignkit.metrics.qini_coefficient`) with a bootstrap interval over test rows
    (:func:`~campaignkit.metrics.bootstrap_interval`, the rows resampled together, seeded by the seed).

    Args:
        data: Model input holding every log user (e.g. ``HillstromData``).
        log: Randomised campaign log, one row per customer.
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
            train, test = split_log(sub, ["campaign_id", *outcomes], seed=seed, test_size=test_size)
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
                    low, high = _qini_interval(y, score, treated, bootstrap, confidence, seed)
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


def dr_plan_value(model, data, test_log: pd.DataFrame, *, reference: str, catalogue=None) -> DRPlanValue:
    """Value a fitted model's per-customer choice off-policy on held-out customers of a randomised log.

    The model picks one campaign per held-out customer by its own rule (``choose_from_outcomes``: the
    highest predicted profit uplift, control unless positive). The plan is valued on the held-out log by the
    doubly robust estimator (:func:`~campaignkit.metrics.policy_difference`), the outcome model ``q`` being
    the model's own predictions per arm (profit for profit, visit probability for visits, ...). Fitted on
    other customers, ``q`` leaves the held-out terms unbiased whatever its errors, the propensities being
    known. The reference policy sends everyone ``reference``; the difference's standard error is paired
    (same rows, same outcomes).

    Args:
        model: A fitted model that predicts outcomes (not a rule-only policy), fitted on *other* customers.
        data: Model input holding the held-out customers, with the columns the model was fitted on.
        test_log: The held-out customers' log rows (``propensity`` and the outcomes), one per customer.
        reference: The campaign of the "everyone gets one campaign" policy.
        catalogue: The campaigns (default: the model's fitted catalogue); its contact costs and margins
            define the logged profit.

    Returns:
        A :class:`DRPlanValue`.

    Raises:
        ParameterError: ``reference`` is not in the catalogue, or the model predicts no outcomes.
    """
    if not hasattr(model, "predict_outcomes"):
        raise ParameterError(
            f"{type(model).__name__} predicts no outcomes: valuing its plan needs an uplift model"
        )
    cat = validate_catalogue(model.catalogue_ if catalogue is None else catalogue)
    ids = cat["campaign_id"].astype(str).tolist()
    if reference not in ids:
        raise ParameterError(f"reference campaign {reference!r} is not in the catalogue {ids}")
    test_users = as_user_data(data).subset(test_log["user_id"])
    pred = model.predict_outcomes(test_users, cat)
    choice = model.choose_from_outcomes(pred)
    logged = pd.Index(ids).get_indexer(test_log["campaign_id"].astype(str))
    propensity = test_log["propensity"].to_numpy(dtype=float)
    everyone = np.full(len(test_log), ids.index(reference))
    rows = {}
    for o, field in PREDICTION_OF.items():
        y = realised_profit(test_log, cat) if o == "profit" else test_log[o].to_numpy(dtype=float)
        d = policy_difference(
            y, choice, everyone, logged, propensity=propensity, q_hat=pred[field], arms=range(len(ids))
        )
        rows[o] = {
            "value": d["policy_value"],
            "se": d["policy_se"],
            "reference_value": d["reference_value"],
            "reference_se": d["reference_se"],
            "difference": d["value"],
            "difference_se": d["se"],
        }
    estimates = pd.DataFrame(rows).T.loc[list(PREDICTION_OF)]
    shares = pd.Series(np.bincount(choice, minlength=len(ids)) / len(choice), index=ids, name="share")
    plan = plan_frame(test_users.user_id, choice, cat, pred.target_category)
    return DRPlanValue(estimates, shares, plan, reference, len(test_log), model)


def heldout_plan_value(
    data,
    log: pd.DataFrame,
    model,
    *,
    seed: int,
    reference: str,
    test_size: float = 0.3,
    catalogue=None,
    features=None,
) -> DRPlanValue:
    """Fit on train customers over every arm, choose per held-out customer, value the plan off-policy.

    The customers are split by :func:`split_log` (stratified by :data:`PLAN_STRATA`, arm x visit x
    conversion); the model is fitted on the train customers and its plan valued by :func:`dr_plan_value`.

    Args:
        data: Model input holding every log user (e.g. ``HillstromData``).
        log: Randomised campaign log with ``propensity``, one row per customer.
        model: An estimator or factory ``seed -> model`` that predicts outcomes (not a rule-only policy).
        seed: Seed of the split and the model.
        reference: The campaign of the "everyone gets one campaign" policy.
        test_size: Share of customers held out.
        catalogue: The campaigns (default ``data.campaigns``); its contact costs and margins define the
            logged profit.
        features: User columns the model sees (None: every column of ``data``).

    Returns:
        A :class:`DRPlanValue` (its ``model`` the fitted model).

    Raises:
        ParameterError: ``reference`` is not in the catalogue, or the model predicts no outcomes.
    """
    cat = _catalogue(data, catalogue)
    if reference not in cat["campaign_id"].astype(str).tolist():
        raise ParameterError(f"reference campaign {reference!r} is not in the catalogue")
    users = protocol_users(data, features)
    train, test = split_log(log, PLAN_STRATA, seed=seed, test_size=test_size)
    est = make_model(model, seed)
    if not hasattr(est, "predict_outcomes"):
        raise ParameterError(
            f"{type(est).__name__} predicts no outcomes: heldout_plan_value needs an uplift model"
        )
    est.fit(users.subset(train["user_id"]), train, cat)
    return dr_plan_value(est, users, test, reference=reference, catalogue=cat)
