"""The feedback loop (``FeedbackLoop``) on a tiny world: its table, log, seeds, settings and reserve."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.loop import (
    ROUND_COLUMNS,
    FeedbackLoop,
    RoundRecord,
    design_propensity,
)
from tests.loop._helpers import N_ROUNDS, _loop


def test_fold_mean_keeps_the_spread(result, world):
    from campaignkit.models.prediction import Prediction

    shape = (3, len(world.campaign_ids))
    preds = [
        Prediction(np.arange(3), world.campaign_ids, *(np.full(shape, v) for _ in range(6)))
        for v in (1.0, 3.0)
    ]
    m = Prediction.average(preds, ddof=1)  # as the loop plans on its fold models
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
