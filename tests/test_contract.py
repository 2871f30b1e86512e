"""The model contract: every model clones, fits on tabular data and event data alike, keeps its outcomes by
name, tells apart campaigns that share attributes, and never trains or predicts NaN."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from campaignkit.errors import ParameterError, SchemaError
from campaignkit.models import (
    BehaviourUpliftModel,
    Boosting,
    MediatedLearner,
    Prediction,
    PriceOfferModel,
    ResponseModelTargeting,
    SLearner,
    TLearner,
    UserData,
    ValueTierRule,
    as_user_data,
    check_outcomes,
)
from campaignkit.models.toy import toy_problem, twin_campaign_problem

FAST = dict(boosting=Boosting(max_iter=60, learning_rate=0.1), random_state=0)
DEEP = dict(
    max_epochs=6,
    pretrain_epochs=0,
    d_model=16,
    n_heads=2,
    n_layers=1,
    batch_size=256,
    n_threads=1,
    random_state=0,
)


def _models():
    return {
        "t_learner": TLearner(**FAST),
        "s_learner": SLearner(**FAST),
        "mediated": MediatedLearner(**FAST),
        # long enough to learn the effect: the default early stopping halts this log after ~2 epochs
        "deep": BehaviourUpliftModel(**{**DEEP, "max_epochs": 30, "patience": 30}),
    }


@pytest.fixture(scope="module")
def twin():
    return twin_campaign_problem(n_users=6000, random_state=0)


@pytest.fixture(scope="module")
def fitted_twin(twin):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {k: m.fit(twin["users"], twin["log"], twin["catalogue"]) for k, m in _models().items()}


@pytest.mark.parametrize(
    "model",
    [
        *_models().values(),
        PriceOfferModel(**FAST),
        ResponseModelTargeting(**FAST),
        ValueTierRule(value_column="x0"),
    ],
    ids=lambda m: type(m).__name__,
)
def test_every_model_keeps_the_estimator_contract(model, twin):
    params = model.get_params()
    copy = clone(model)
    assert copy is not model and copy.get_params() == params
    copy.set_params(random_state=3) if "random_state" in params else copy.set_params(**params)
    assert not [k for k in vars(model) if k.endswith("_")]  # nothing fitted before fit
    if isinstance(model, PriceOfferModel):  # it models price offers: the twins' reminders are none
        toy = toy_problem(n_users=1500, random_state=0)
        fitted = model.fit(toy["features"], toy["log"], toy["catalogue"])
    else:
        fitted = model.fit(twin["users"], twin["log"], twin["catalogue"])
    assert fitted is model
    learned = [k for k in vars(model) if k not in params]
    assert learned and all(k.endswith("_") for k in learned), learned
    assert "random_state" not in params or clone(model).get_params()["random_state"] == params["random_state"]


@pytest.mark.parametrize(
    "cls",
    [TLearner, SLearner, MediatedLearner, PriceOfferModel, ResponseModelTargeting, BehaviourUpliftModel],
    ids=lambda c: c.__name__,
)
def test_thread_count_defaults_to_one_and_survives_clone(cls):
    # more threads oversubscribe shared cores: the library default ran 5-15x slower on 2 busy cores
    model = cls()
    assert model.get_params()["n_threads"] == 1
    assert clone(model.set_params(n_threads=None)).get_params()["n_threads"] is None


def test_policies_predict_no_uplift():
    for rule in (ResponseModelTargeting(), ValueTierRule()):
        assert not hasattr(rule, "predict_uplift") and not hasattr(rule, "predict_outcomes")


def test_tabular_data_fits_without_workarounds(fitted_twin, twin):
    for name, model in fitted_twin.items():
        pred = model.predict_outcomes(twin["users"])
        assert isinstance(pred, Prediction) and pred.shape == (len(twin["users"]), 3), name
        assert pred.retain is None and "retain" not in model.outcomes_  # the log records no retention
        for k in pred.outcomes:
            assert np.all(np.isfinite(pred[k])), (name, k)
        assert "user_id" not in model.feature_names_
        assert {"region=north", "region=south", "region=east"} <= set(model.feature_names_), name
        assert not model.has_sequences_


def test_campaigns_that_share_attributes_get_different_effects(fitted_twin, twin):
    x0 = twin["users"]["x0"].to_numpy()
    for name, model in fitted_twin.items():
        up = model.predict_uplift(twin["users"], outcome="participate")
        diff = up[:, 1] - up[:, 2]
        assert np.mean(np.abs(diff)) > 0.03, name
        assert np.corrcoef(diff, x0)[0, 1] > 0.3, name  # email_a works where x0 > 0, email_b where x0 < 0


def test_identities_leave_campaigns_with_own_attributes_alone():
    toy = toy_problem(n_users=500, random_state=0)
    model = SLearner(**FAST).fit((toy["features"], toy["sequences"]), toy["log"], toy["catalogue"])
    assert model.identity_ids_ == []


def test_missing_optional_outcome_is_not_modelled_and_never_nan():
    toy = toy_problem(n_users=1500, random_state=4)
    data = (toy["features"], toy["sequences"])
    log = toy["log"].assign(retained=np.nan)  # recorded for nobody
    for model in (
        TLearner(**FAST),
        MediatedLearner(**FAST),
        BehaviourUpliftModel(**{**DEEP, "max_epochs": 1}),
    ):
        pred = model.fit(data, log, toy["catalogue"]).predict_outcomes(data)
        assert pred.retain is None and "retain" not in pred
        assert all(np.isfinite(pred[k]).all() for k in pred.outcomes)
        with pytest.raises(KeyError, match="not predicted"):
            pred["retain"]
    deep = BehaviourUpliftModel(**{**DEEP, "max_epochs": 1}).fit(data, log, toy["catalogue"])
    assert "train/retain" not in deep.history_.columns and "val/loss" in deep.history_.columns


def test_nan_in_a_needed_outcome_names_the_column_and_rows():
    toy = toy_problem(n_users=300, random_state=4)
    log = toy["log"].astype({"converted": float})
    log.loc[[7, 11], "converted"] = np.nan
    with pytest.raises(SchemaError, match=r"converted.*rows \[7, 11\]"):
        TLearner(**FAST).fit((toy["features"], toy["sequences"]), log, toy["catalogue"])
    partly = toy["log"].astype({"retained": float})
    partly.loc[3, "retained"] = np.nan
    with pytest.raises(SchemaError, match="retained"):
        check_outcomes(partly)
    with pytest.raises(SchemaError, match="required_column"):
        check_outcomes(toy["log"].drop(columns="revenue"))


def test_catalogue_without_amount_or_margin_fits(twin):
    assert "amount" not in twin["catalogue"] and "margin_rate" not in twin["catalogue"]
    model = TLearner(**FAST).fit(twin["users"], twin["log"], twin["catalogue"])
    assert {"amount", "margin_rate"} <= set(model.catalogue_.columns)
    pred = model.predict_outcomes(twin["users"])
    np.testing.assert_allclose(pred.profit, 0.35 * pred.revenue)  # the default margin, no costs


def test_pretraining_without_sequences_warns(twin):
    with pytest.warns(UserWarning, match="no event sequences"):
        BehaviourUpliftModel(**{**DEEP, "max_epochs": 1, "pretrain_epochs": 1}).fit(
            twin["users"], twin["log"], twin["catalogue"]
        )


def test_user_data_from_every_input(twin):
    toy = toy_problem(n_users=50, random_state=1)
    pair = as_user_data((toy["features"], toy["sequences"]))
    assert pair.has_sequences and np.array_equal(pair.user_id, toy["sequences"].user_id)
    table = as_user_data(twin["users"])
    assert not table.has_sequences and "user_id" not in table.features.columns
    sub = pair.subset(pair.user_id[[5, 2]])
    assert list(sub.user_id) == list(pair.user_id[[5, 2]]) and len(sub.sequences) == 2
    with pytest.raises(SchemaError, match="unknown_user"):
        pair.subset([-1])
    with pytest.raises(ParameterError):
        as_user_data(42)
    with pytest.raises(SchemaError, match="duplicate"):
        UserData(pd.DataFrame({"a": [1, 2]}, index=pd.Index([1, 1], name="user_id")))
