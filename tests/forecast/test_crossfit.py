"""Cross-fitting: no in-sample optimism with a true model; groups stay in one fold."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.forecast import (
    crossfit,
    crossfit_plan_value,
)
from tests.forecast._helpers import InSampleModel, WorldModel


def test_crossfit_plan_value_has_no_in_sample_optimism_with_a_true_model(setup):
    world, users, log, a, _ = setup
    sub = log[log.user_id.isin(a)].reset_index(drop=True)
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], sub, world.catalogue, n_folds=2)
    out = crossfit_plan_value(cf)
    truth = world.expected_outcomes(sub["user_id"].to_numpy())["profit"][
        np.arange(len(sub)), out["choice"]
    ].mean()
    assert out["dr"]["lower"] < truth < out["dr"]["upper"]
    assert (cf.fold >= 0).all() and set(np.unique(cf.fold)) == {0, 1}


def test_crossfit_groups_keep_a_groups_rows_in_one_fold(setup):
    world, users, log, a, _ = setup
    sub = log[log.user_id.isin(a)].reset_index(drop=True)
    sub_users = users[users.user_id.isin(a)]
    group = sub["user_id"].to_numpy() // 4  # users 4g..4g+3 are one person
    cf = crossfit(
        InSampleModel(world), sub_users, sub, world.catalogue, n_folds=3, groups=group, random_state=1
    )
    by_group = pd.Series(cf.fold).groupby(group).nunique()
    assert (by_group == 1).all() and set(np.unique(cf.fold)) == {
        0,
        1,
        2,
    }  # one fold per group, every fold used
    for f, m in enumerate(cf.models):  # no fold model saw a row of a group its fold holds
        assert not set(m.seen_) & set(sub["user_id"][cf.fold == f])
    # a user's own id as the group is the default split
    plain = crossfit(WorldModel(world), sub_users, sub, world.catalogue, n_folds=3, random_state=1)
    same = crossfit(
        WorldModel(world),
        sub_users,
        sub,
        world.catalogue,
        n_folds=3,
        random_state=1,
        groups=sub["user_id"].to_numpy(),
    )
    np.testing.assert_array_equal(plain.fold, same.fold)
    assert not (pd.Series(plain.fold).groupby(group).nunique() == 1).all()  # without groups a person is split
    with pytest.raises(ParameterError, match=rf"one label per log row, shape \({len(sub)},\)"):
        crossfit(WorldModel(world), sub_users, sub, world.catalogue, groups=group[:-1])
    holes = group.astype(float)
    holes[7] = np.nan
    with pytest.raises(ParameterError, match="groups row 7: missing"):
        crossfit(WorldModel(world), sub_users, sub, world.catalogue, groups=holes)
    with pytest.raises(ParameterError, match=r"1 group\(s\), fewer than n_folds=2"):
        crossfit(WorldModel(world), sub_users, sub, world.catalogue, n_folds=2, groups=np.zeros(len(sub)))


def test_crossfit_groups_default_to_the_logs_unit_column(setup):
    world, users, log, a, _ = setup
    sub = log[log.user_id.isin(a)].reset_index(drop=True)
    sub_users = users[users.user_id.isin(a)]
    person = sub["user_id"].to_numpy() // 4
    with_units = sub.assign(unit_id=person)
    cf = crossfit(WorldModel(world), sub_users, with_units, world.catalogue, n_folds=3, random_state=1)
    by_unit = pd.Series(cf.fold).groupby(person).nunique()
    assert (by_unit == 1).all() and set(np.unique(cf.fold)) == {0, 1, 2}
    explicit = crossfit(
        WorldModel(world), sub_users, sub, world.catalogue, n_folds=3, random_state=1, groups=person
    )
    np.testing.assert_array_equal(cf.fold, explicit.fold)


def test_crossfit_takes_text_categories_end_to_end():
    """Events with text categories (as a grocery file has them): the fold models target a user's top text
    category, and the cross-fitted prediction gathers them (it used to cast them to int and crash)."""
    from campaignkit.data import make_world
    from campaignkit.features.sequences import build_sequences
    from campaignkit.features.tabular import build_features
    from campaignkit.models import Boosting, MediatedLearner

    world = make_world(150, random_state=0)
    events = world.events.copy()
    events["category"] = "CANDY - " + events["category"].astype(str)
    cutoff = events["ts"].max()
    data = (
        build_features(events, world.users, cutoff),
        build_sequences(events, cutoff, world.users["user_id"]),
    )
    log = world.log_randomised(random_state=1)
    cf = crossfit(MediatedLearner(boosting=Boosting(max_iter=3)), data, log, world.catalogue, n_folds=2)
    tc = cf.prediction.target_category
    assert tc.dtype == object and len(tc) == len(log)
    assert all(str(c).startswith("CANDY - ") for c in tc)
    assert all(str(c).startswith("CANDY - ") for c in cf.models[0].predict_outcomes(data).target_category)


def test_predict_mean_averages_the_fold_models(setup):
    from campaignkit.design import AssignmentProblem

    world, users, log, a, b = setup
    sub = log[log.user_id.isin(a)].reset_index(drop=True)
    cf = crossfit(
        InSampleModel(world, inflate=2.0), users[users.user_id.isin(a)], sub, world.catalogue, n_folds=3
    )
    new = users[users.user_id.isin(a[:50])]  # each fold model saw some of them: the folds differ
    preds = cf.predict(new)
    mean = cf.predict_mean(new)
    np.testing.assert_allclose(mean.profit, np.mean([p.profit for p in preds], axis=0))
    np.testing.assert_allclose(mean.std["profit"], np.std([p.profit for p in preds], axis=0, ddof=1))
    assert mean.std["profit"].max() > 0
    assert AssignmentProblem.from_prediction(mean).value.shape == (len(new), len(world.catalogue) - 1)
