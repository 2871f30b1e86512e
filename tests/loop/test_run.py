"""The feedback loop (``campaignkit.loop``): the round's design and its propensities, and the loop on a tiny world."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from campaignkit.data import make_world, world_user_table
from campaignkit.data.catalogue import default_catalogue
from campaignkit.errors import ParameterError
from campaignkit.loop import (
    ROUND_COLUMNS,
    FeedbackLoop,
    RoundRecord,
    design_propensity,
    draw_design,
    holdout_needed,
    plot_regret,
    plot_rounds,
)
from campaignkit.models import Boosting, MediatedLearner

N_ROUNDS = 2
ARMS = ["control", "member_exclusive_15", "cart_reminder"]


def _few_features(world):
    """Four columns of the world's user table: binning two dozen columns is most of a tiny fit's time."""
    return world_user_table(world)[["user_id", "recency_days", "frequency", "monetary", "member_tier"]]


def _loop(**kw):
    model = MediatedLearner(
        boosting=Boosting(max_iter=10), nonparticipants="observed", weight_by_propensity=True, random_state=0
    )
    kw = {"initial_users": 0.5, "n_boot": 20, "random_state": 3, "features": _few_features, **kw}
    return FeedbackLoop(model, **kw)


@pytest.fixture(scope="module")
def world():
    # a tiny world with three campaigns: every fold model fits a few dozen small boosting models, in seconds
    catalogue = default_catalogue()
    return make_world(400, random_state=2, catalogue=catalogue[catalogue["campaign_id"].isin(ARMS)])


@pytest.fixture(scope="module")
def result(world):
    return _loop().run(world, N_ROUNDS)


def test_design_propensity_by_hand():
    k, e, h = 4, 0.2, 0.1
    planned = np.array([0, 0, 2, 2, 2])
    executed = np.array([0, 3, 2, 0, 1])
    expected = [
        e / k + (1 - e),  # planned control, got control
        e / k,  # planned control, explored into campaign 3
        e / k + (1 - e) * (1 - h),  # planned 2, sent 2
        e / k + (1 - e) * h,  # planned 2, held out (or explored into control)
        e / k,  # planned 2, explored into campaign 1
    ]
    np.testing.assert_allclose(
        design_propensity(planned, executed, explore=e, holdout=h, n_campaigns=k), expected
    )


def test_design_propensities_sum_to_one_and_match_frequencies():
    k, e, h = 5, 0.1, 0.2
    # the design's probabilities over every campaign a user could get sum to 1
    for c in range(k):
        p = [design_propensity([c], [a], explore=e, holdout=h, n_campaigns=k)[0] for a in range(k)]
        assert sum(p) == pytest.approx(1.0)
    # and they are the frequencies the draw produces
    planned = np.repeat(np.arange(k), 40_000)
    d = draw_design(planned, explore=e, holdout=h, n_campaigns=k, rng=np.random.default_rng(0))
    assert ((d.propensity > 0) & (d.propensity <= 1)).all()
    for c in (0, 3):
        got = d.executed[planned == c]
        for a in range(k):
            p = design_propensity([c], [a], explore=e, holdout=h, n_campaigns=k)[0]
            assert np.mean(got == a) == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / got.size) + 1e-9)
    assert not (d.held & d.explored).any() and not d.held[planned == 0].any()


def test_holdout_needed():
    z = 1.959964 + 0.841621
    # a huge contacted group: n0 = (z s0 / d)^2
    assert holdout_needed(0.5, 1.0, 2.0, 10**12) == pytest.approx(np.ceil((z * 2.0 / 0.5) ** 2))
    assert holdout_needed(0.0, 1.0, 1.0, 100) == np.inf
    assert holdout_needed(0.01, 5.0, 1.0, 100) == np.inf  # the contacted group alone is too noisy
    with pytest.raises(ParameterError, match="n_contacted"):
        holdout_needed(1.0, 1.0, 1.0, 0)


def test_mean_prediction_keeps_the_spread(result, world):
    from campaignkit.loop import mean_prediction
    from campaignkit.models.prediction import Prediction

    shape = (3, len(world.campaign_ids))
    preds = [
        Prediction(np.arange(3), world.campaign_ids, *(np.full(shape, v) for _ in range(6)))
        for v in (1.0, 3.0)
    ]
    m = mean_prediction(preds)
    np.testing.assert_allclose(m.profit, 2.0)
    np.testing.assert_allclose(m.std["profit"], np.sqrt(2.0))
    np.testing.assert_allclose(m.std["profit_uplift"], 0.0)  # every campaign moved with control


def test_table_has_one_row_per_round(result):
    t = result.table
    assert len(result.rounds) == N_ROUNDS and all(isinstance(r, RoundRecord) for r in result.rounds)
    assert t.to_dict("records") == [dataclasses.asdict(r) for r in result.rounds]  # the records, one per row
    assert list(t.columns) == list(ROUND_COLUMNS)
    assert t["round"].tolist() == list(range(1, N_ROUNDS + 1))
    assert t["period"].tolist() == list(range(N_ROUNDS))  # each round runs in the next period of the world
    assert np.isfinite(
        t[["forecast", "lower", "upper", "realised", "exact", "oracle_profit"]].to_numpy()
    ).all()
    assert (t["lower"] <= t["forecast"]).all() and (t["forecast"] <= t["upper"]).all()
    assert (t["regret"] >= -1e-6 * t["oracle_profit"].abs()).all()  # nobody beats the oracle on the truth
    assert (t["planned"] + t["explored"] <= t["n_users"]).all() and (t["held_out"] <= t["planned"]).all()
    assert result.world.period == N_ROUNDS


def test_log_grows_each_round_with_design_propensities(result, world):
    log = result.log
    rows = result.table["log_rows"].to_numpy()
    assert (np.diff(np.r_[(log["round"] == 0).sum(), rows]) == world.n_users).all()
    assert rows[-1] == len(log) and log["user_id"].is_unique
    assert log["user_id"].isin(result.data["user_id"]).all()  # a feature row per (round, user) logged
    p = log["propensity"].to_numpy()
    assert ((p > 0) & (p <= 1)).all()
    ids = list(world.campaign_ids)
    later = log[log["round"] > 0]
    planned = pd.Index(ids).get_indexer(later["planned_campaign_id"])
    executed = pd.Index(ids).get_indexer(later["campaign_id"])
    loop = _loop()
    np.testing.assert_allclose(
        later["propensity"],
        design_propensity(
            planned, executed, explore=loop.explore, holdout=loop.holdout, n_campaigns=len(ids)
        ),
    )
    np.testing.assert_allclose(log.loc[log["round"] == 0, "propensity"], 1 / len(ids))  # the randomised start


def test_same_seed_same_table(result, world):
    # round 1 does not depend on later rounds: one round again must give the same row and the same log
    again = _loop().run(world, 1)
    cols = [c for c in ROUND_COLUMNS if c != "seconds"]
    pd.testing.assert_frame_equal(again.table[cols], result.table[cols].iloc[:1])
    pd.testing.assert_frame_equal(again.log, result.log[result.log["round"] <= 1])
    other = _loop(random_state=4).run(world, 1)
    assert not other.log["campaign_id"].equals(again.log["campaign_id"])


def test_plots_return_axes(result):
    import matplotlib

    matplotlib.use("Agg")
    assert plot_rounds(result.table) is not None
    assert plot_regret({"loop": result.table}, share=True) is not None


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"holdout": 0.0}, "holdout"),
        ({"explore": 1.0}, "explore"),
        ({"budget_per_user": -1.0}, "budget_per_user"),
        ({"n_folds": 1}, "n_folds"),
        ({"window": 0}, "window"),
        ({"initial_users": 5}, "initial_users"),
        ({"risk": -1.0}, "risk"),
        ({"reserve": 1.0}, "reserve"),
        ({"reserve": True}, "reserve"),
    ],
)
def test_bad_settings_fail_clearly(world, setting, message):
    with pytest.raises(ParameterError, match=message):
        _loop(**setting).run(world, 1)


def test_bad_arguments_fail_clearly(world):
    with pytest.raises(ParameterError, match="n_rounds"):
        _loop().run(world, 0)
    with pytest.raises(ParameterError, match="World"):
        _loop().run("world", 1)
    with pytest.raises(ParameterError, match="model"):
        FeedbackLoop(None).run(world, 1)


def test_contact_history_counts_earlier_rounds_with_decay():
    from campaignkit.loop import contact_history

    log = pd.DataFrame(
        {
            "round": [0, 1, 1, 2, 2],
            "world_user_id": [0, 0, 1, 0, 1],
            "campaign_id": ["coupon_5", "coupon_5", "control", "cart_reminder", "coupon_5"],
            "participated": [False, False, False, True, False],
        }
    )
    h = contact_history(log, np.array([0, 1, 2]))
    np.testing.assert_allclose(
        h["loop_contacts"], [0.5 + 1.0, 1.0, 0.0]
    )  # round 0 (the randomised start) is not
    np.testing.assert_allclose(h["loop_ignored"], [0.5, 1.0, 0.0])
    assert all((v == 0).all() for v in contact_history(None, np.arange(3)).values())


def test_logged_features_carry_the_contact_history(result):
    later = result.data[result.data["user_id"] >= 2 * 10**10]  # round 2's rows: after one round of contacts
    assert later["loop_contacts"].gt(0).any() and (result.data["loop_contacts"] >= 0).all()


def test_calibration_rows_are_the_plan_users_logged_rows(result):
    from campaignkit.loop import calibration_rows
    from campaignkit.loop.history import CALIBRATION_OFFSET
    from campaignkit.models.prediction import Prediction

    class Folds:  # two "fold models" that score each feature row by its recency: enough to follow the rows
        def predict(self, data):
            v = np.repeat(data["recency_days"].to_numpy(float)[:, None], 3, axis=1)
            return [Prediction(data["user_id"].to_numpy(), ARMS, *(v + f for _ in range(6))) for f in (0, 1)]

    log, data = result.log, result.data
    users = data[data["user_id"] < 10**10].reset_index(
        drop=True
    )  # round 0's rows: keyed by the users' own ids
    preds = Folds().predict(users)
    plan_users = users["user_id"].to_numpy()[::7]
    both, fc_preds, cal = calibration_rows(Folds(), users, preds, data, log, plan_users)
    mine = log[log["world_user_id"].isin(plan_users)]
    assert len(cal) == len(mine) and set(mine["round"]) == set(range(N_ROUNDS + 1))  # every round's rows
    assert "round" not in cal and "world_user_id" not in cal  # the log columns a model reads
    np.testing.assert_array_equal(cal["user_id"], mine["user_id"].to_numpy() + CALIBRATION_OFFSET)
    np.testing.assert_allclose(cal["propensity"], mine["propensity"])  # with the design's propensities
    assert len(both) == len(users) + len(cal) and both["user_id"].is_unique
    # every calibration row carries the features its round scored it on, and the models' predictions of them
    logged = data.set_index("user_id").loc[mine["user_id"], "recency_days"].to_numpy()
    np.testing.assert_allclose(both["recency_days"].to_numpy()[len(users) :], logged)
    for f, p in enumerate(fc_preds):
        assert len(p.user_id) == len(both)
        np.testing.assert_allclose(p.profit[len(users) :, 0], logged + f)
        np.testing.assert_allclose(p.profit[: len(users)], preds[f].profit)
    # a plan of users never logged has nothing to calibrate on
    assert calibration_rows(Folds(), users, preds, data, log, [-1])[2] is None


def test_reserve_calibrates_and_never_fits(world, monkeypatch):
    import campaignkit.loop.run as run

    fitted, calibrated = [], []
    real_crossfit, real_rows = run.crossfit, run.calibration_rows

    def crossfit(model, data, log, *a, **kw):
        fitted.append(set(log["user_id"] % run.KEY_STRIDE))
        return real_crossfit(model, data, log, *a, **kw)

    def calibration_rows(cf, users, preds, data, log, cal_users):
        calibrated.append(set(cal_users))
        return real_rows(cf, users, preds, data, log, cal_users)

    monkeypatch.setattr(run, "crossfit", crossfit)
    monkeypatch.setattr(run, "calibration_rows", calibration_rows)
    _loop(reserve=0.3).run(world, 2)
    reserve = calibrated[0]
    assert 0.2 * world.n_users < len(reserve) < 0.4 * world.n_users and all(c == reserve for c in calibrated)
    assert len(fitted) == 2 and all(f and not (f & reserve) for f in fitted)  # initial fit and one retrain
