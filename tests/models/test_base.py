"""Streaming scoring (``iter_outcomes`` / ``predict_outcomes(batch_users=...)``): chunked predictions equal
the one-pass prediction field by field, whether the chunks are cut from one input or come from a generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from campaignkit.errors import ParameterError
from campaignkit.models import BehaviourUpliftModel, Boosting, Prediction, SLearner, TLearner
from campaignkit.models.prediction import PREDICTION_FIELDS
from campaignkit.models.toy import toy_problem

torch.set_num_threads(1)

N_USERS = 500
BATCH = 137  # uneven: the last chunk is short


@pytest.fixture(scope="module")
def toy():
    return toy_problem(n_users=N_USERS, random_state=0)


@pytest.fixture(scope="module")
def data(toy):
    return toy["features"], toy["sequences"]


@pytest.fixture(scope="module", params=["t_learner", "s_learner", "deep"])
def model(request, toy, data):
    if request.param == "deep":
        model = BehaviourUpliftModel(
            max_epochs=1,
            pretrain_epochs=1,
            n_ensemble=2,
            quick=True,
            d_model=16,
            n_heads=2,
            n_layers=1,
            batch_size=64,
            n_threads=1,
            random_state=0,
        )
    else:
        model = (TLearner if request.param == "t_learner" else SLearner)(
            boosting=Boosting(max_iter=10), random_state=0
        )
    return model.fit(data, toy["log"], toy["catalogue"])


def generated_chunks(data, size: int):
    """The users of ``data`` as a generator of ``(features, sequences)`` chunks of ``size``."""
    features, sequences = data
    for start in range(0, len(features), size):
        part = features.iloc[start : start + size]
        yield part, sequences.subset(part.index.to_numpy())


def assert_same(got: Prediction, want: Prediction) -> None:
    """Every field of two predictions agrees (floats to float32 rounding of the deep model)."""
    close = dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got.user_id, want.user_id)
    assert got.campaign_ids == want.campaign_ids
    for name in PREDICTION_FIELDS:
        a, b = getattr(got, name), getattr(want, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(a, b, **close, err_msg=name)
    np.testing.assert_array_equal(got.target_category, want.target_category)
    assert got.std.keys() == want.std.keys()
    for k in want.std:
        np.testing.assert_allclose(got.std[k], want.std[k], **close, err_msg=f"std {k}")
    assert got.extra.keys() == want.extra.keys()
    for k in want.extra:
        np.testing.assert_allclose(got.extra[k], want.extra[k], **close, err_msg=f"extra {k}")


@pytest.fixture(scope="module")
def whole(model, data):
    return model.predict_outcomes(data)


def test_chunked_prediction_equals_whole(model, data, whole):
    assert_same(model.predict_outcomes(data, batch_users=BATCH), whole)


def test_iter_outcomes_chunks_of_one_input(model, data, whole):
    parts = list(model.iter_outcomes(data, batch_users=BATCH))
    assert [len(p.user_id) for p in parts] == [137, 137, 137, 89]
    assert_same(Prediction.concat(parts), whole)


def test_iter_outcomes_over_a_generator_equals_whole(model, data, whole):
    parts = list(model.iter_outcomes(generated_chunks(data, 200)))
    assert [len(p.user_id) for p in parts] == [200, 200, 100]
    assert_same(Prediction.concat(parts), whole)
    # pieces larger than batch_users are split again: no forward pass holds more than batch_users users
    split = list(model.iter_outcomes(generated_chunks(data, 200), batch_users=150))
    assert [len(p.user_id) for p in split] == [150, 50, 150, 50, 100]
    assert_same(Prediction.concat(split), whole)


def test_target_category_per_user_follows_the_chunks(model, data, toy):
    tc = toy["favourite"][::-1].copy()  # any per-user categories, not the models' own pick
    want = model.predict_outcomes(data, target_category=tc)
    np.testing.assert_array_equal(want.target_category, tc)
    assert_same(model.predict_outcomes(data, target_category=tc, batch_users=BATCH), want)
    assert_same(Prediction.concat(model.iter_outcomes(generated_chunks(data, 200), target_category=tc)), want)


@pytest.mark.parametrize("batch_users", [0, -5])
def test_batch_users_below_one_raises(model, data, batch_users):
    with pytest.raises(ParameterError, match="batch_users"):
        model.predict_outcomes(data, batch_users=batch_users)
    with pytest.raises(ParameterError, match="batch_users"):
        list(model.iter_outcomes(data, batch_users=batch_users))
    with pytest.raises(ParameterError, match="batch_users"):
        list(model.iter_outcomes(generated_chunks(data, 200), batch_users=batch_users))


def _small(toy):
    log = toy["log"].iloc[:300].reset_index(drop=True)
    users = log["user_id"].unique()
    feats = toy["features"].loc[users]
    return feats, log, toy["catalogue"]


def test_fit_warns_on_a_log_without_propensity_and_fills_target_category(toy):
    import warnings

    feats, log, cat = _small(toy)
    bare = log.drop(columns=["propensity", "target_category"])
    with pytest.warns(UserWarning, match=r"no 'propensity' column: .* as if .* randomised with equal shares"):
        m = SLearner(boosting=Boosting(max_iter=3)).fit(feats, bare, cat)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # target_category alone missing: filled -1, no warning
        SLearner(boosting=Boosting(max_iter=3)).fit(feats, log.drop(columns="target_category"), cat)
    same = SLearner(boosting=Boosting(max_iter=3)).fit(feats, log.assign(target_category=-1), cat)
    np.testing.assert_allclose(m.predict_uplift(feats), same.predict_uplift(feats))


def test_fit_warns_once_when_users_repeat_without_a_unit_column(toy):
    import warnings

    from campaignkit.data.schema import UNIT_COLUMN

    feats, log, cat = _small(toy)
    twice = pd.concat([log, log.iloc[:40]], ignore_index=True)
    with pytest.warns(UserWarning) as rec:
        SLearner(boosting=Boosting(max_iter=3)).fit(feats, twice, cat)
    msgs = [str(w.message) for w in rec if "several rows" in str(w.message)]
    assert len(msgs) == 1 and msgs[0].startswith(
        f"40 users appear on several rows and the training log has no '{UNIT_COLUMN}'"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SLearner(boosting=Boosting(max_iter=3)).fit(
            feats, twice.assign(**{UNIT_COLUMN: twice["user_id"]}), cat
        )
        SLearner(boosting=Boosting(max_iter=3)).fit(feats, log, cat)


def test_fit_leaves_out_feature_columns_missing_on_every_log_user(toy):
    from campaignkit.models import MediatedLearner

    feats, log, cat = _small(toy)
    holes = feats.copy()
    cols = [str(c) for c in holes.columns[:2]]
    holes[cols] = np.nan  # a first wave: two behaviour features not observed for anyone yet
    with pytest.warns(UserWarning, match=rf"{cols[0]}'?: every value missing.*{cols[1]}"):
        m = MediatedLearner(boosting=Boosting(max_iter=3)).fit(holes, log, cat)
    assert not set(cols) & set(m.feature_names_) and m.predict_uplift(holes).shape == (len(holes), len(cat))
    partly = feats.copy()  # missing on the log's users only (others scored later have values)
    extra = partly.iloc[:5].copy()
    extra.index = extra.index + 10**9
    partly[cols] = np.nan
    partly = pd.concat([partly, extra])
    with pytest.warns(UserWarning, match="every value missing on the log's users"):
        m = MediatedLearner(boosting=Boosting(max_iter=3)).fit(partly, log, cat)
    assert not set(cols) & set(m.feature_names_)
