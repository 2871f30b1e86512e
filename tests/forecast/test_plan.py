"""Plan forecasts: a true model's forecast, calibration folds, segments, user folds and clear errors.

Most forecast checks use a model that predicts the world's exact expectations (or a distorted copy of them,
``_helpers.py``), so the forecast's arithmetic can be asserted against the truth without fitting anything slow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError, SchemaError
from campaignkit.forecast import (
    crossfit,
    forecast_plan,
    off_policy_values,
)
from campaignkit.models.inputs import as_user_data
from tests.forecast._helpers import InSampleModel, WorldModel, _plan, world_setup


def test_forecast_of_a_true_model_matches_the_exact_expectation(setup):
    world, users, log, a, b = setup
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], log[log.user_id.isin(a)], world.catalogue)
    plan = _plan(world, b)
    fc = forecast_plan(cf, users[users.user_id.isin(b)], plan, holdout=0.2, random_state=0)
    exact = world.evaluate_plan(plan)
    for metric in ("incremental_profit", "incremental_revenue", "participants", "discount_cost"):
        row = fc[metric]
        assert row["lower"] < exact[metric] < row["upper"], (metric, row, exact[metric])
        # a true model: the raw sum is the exact expectation, and calibration stays near it
        assert row["raw"] == pytest.approx(exact[metric], rel=1e-6)
        assert abs(row["forecast"] - exact[metric]) < 3 * row["model_sd"] + 1e-9
    assert fc["reach"]["forecast"] == len(plan)
    assert fc["contact_cost"]["forecast"] == pytest.approx(exact["contact_cost"])
    assert set(fc.by_campaign["campaign_id"]) == set(plan["campaign_id"])
    assert fc.by_campaign["reach"].sum() == len(plan)


@pytest.fixture(scope="module")
def big():
    return world_setup(8000, seed=5, train_share=0.7, split_seed=1)


def test_calibration_removes_an_inflated_models_optimism(big):
    world, users, log, a, b = big
    cf = crossfit(
        WorldModel(world, inflate=3.0),
        users[users.user_id.isin(a)],
        log[log.user_id.isin(a)],
        world.catalogue,
    )
    plan = _plan(world, b)
    fc = fc_raw = forecast_plan(cf, users[users.user_id.isin(b)], plan, holdout=0.2, random_state=0)
    exact = world.evaluate_plan(plan)["incremental_revenue"]
    assert fc_raw["incremental_revenue"]["raw"] == pytest.approx(3 * exact, rel=1e-6)
    row = fc["incremental_revenue"]
    assert abs(row["forecast"] - exact) < 3 * row["model_sd"]
    assert abs(row["forecast"] - exact) < abs(row["raw"] - exact) / 2
    # corrected on the plan users' own logged rows (no model was fitted on them): every fold model reads all of them
    own = forecast_plan(
        cf,
        users[users.user_id.isin(b)],
        plan,
        holdout=0.2,
        random_state=0,
        calibration_log=log[log.user_id.isin(b)],
    )["incremental_revenue"]
    assert abs(own["forecast"] - exact) < 3 * own["model_sd"]  # fewer rows than the cross-fit's: wider


def test_segments_sum_to_campaigns_and_small_ones_are_blanked(setup):
    world, users, log, a, b = setup
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], log[log.user_id.isin(a)], world.catalogue)
    plan = _plan(world, b)
    seg = np.where(np.arange(len(b)) % 3 == 0, "x", "y")
    fc = forecast_plan(cf, users[users.user_id.isin(b)], plan, segment=seg, random_state=0)
    by = fc.by_segment
    plan_seg = seg[pd.Index(b).get_indexer(plan["user_id"])]  # seg is per user of ``b``
    users_in = (
        pd.Series(plan_seg).groupby(plan["campaign_id"].to_numpy()).value_counts()
    )  # (campaign, segment) sizes
    size = users_in.reindex(list(zip(by["campaign_id"], by["segment"], strict=True)), fill_value=0).to_numpy()
    blank = by["reach"].isna().to_numpy()
    assert blank.any() and (~blank).any()
    np.testing.assert_array_equal(blank, size < 20)  # exactly the cells under 20 users are blanked ...
    metrics = [c for c in by.columns if c not in ("segment", "campaign_id")]
    assert by.loc[blank, metrics].isna().all().all()  # ... in every column
    np.testing.assert_array_equal(by.loc[~blank, "reach"].to_numpy(), size[~blank])
    # where no cell of a campaign is blanked, its segments add up to the campaign's totals
    camp = fc.by_campaign.set_index("campaign_id")
    whole = by.groupby("campaign_id")["reach"].apply(lambda r: r.notna().all())
    checked = 0
    for cid in whole[whole].index:
        cells = by[by["campaign_id"] == cid]
        for metric in ("reach", "participants", "incremental_profit", "incremental_revenue", "discount_cost"):
            assert cells[metric].sum() == pytest.approx(camp.loc[cid, metric], rel=1e-9, abs=1e-9), (
                cid,
                metric,
            )
        checked += 1
    assert checked >= 3


def test_bad_inputs_get_clear_errors(setup):
    world, users, log, a, b = setup
    sub_users, sub = users[users.user_id.isin(a)], log[log.user_id.isin(a)].reset_index(drop=True)
    with pytest.raises(SchemaError, match="propensity"):
        crossfit(WorldModel(world), sub_users, sub.drop(columns="propensity"), world.catalogue)
    for bad in (0.0, 1.5, np.nan):
        broken = sub.copy()
        broken.loc[3, "propensity"] = bad
        with pytest.raises(SchemaError, match=r"propensity.*row 3"):
            crossfit(WorldModel(world), sub_users, broken, world.catalogue)
    cf = crossfit(WorldModel(world), sub_users, sub, world.catalogue, n_folds=2)
    data_b = users[users.user_id.isin(b)]
    with pytest.raises(ParameterError, match="not in the catalogue"):
        forecast_plan(cf, data_b, pd.DataFrame({"user_id": b[:2], "campaign_id": ["coupon_5", "no_such"]}))
    with pytest.raises(ParameterError, match="not among the users"):
        forecast_plan(cf, data_b, pd.DataFrame({"user_id": [a[0]], "campaign_id": ["coupon_5"]}))
    with pytest.raises(ParameterError, match="twice"):
        forecast_plan(cf, data_b, pd.DataFrame({"user_id": [b[0], b[0]], "campaign_id": ["coupon_5"] * 2}))
    with pytest.raises(ParameterError, match="holdout"):
        forecast_plan(cf, data_b, _plan(world, b), holdout=1.0)
    with pytest.raises(ParameterError, match="not in the catalogue"):
        off_policy_values(sub, {"p": np.full(len(sub), "nope")}, world.campaign_ids)
    with pytest.raises(ParameterError, match="n_folds"):
        crossfit(WorldModel(world), sub_users, sub, world.catalogue, n_folds=1)


def test_calibration_fold_corrects_each_model_only_on_rows_it_never_saw(setup):
    from campaignkit.forecast.calibrate import CalibrationRows

    world, users, log, a, b = setup
    own = log[log.user_id.isin(a)].reset_index(drop=True)
    cf = crossfit(
        InSampleModel(world, inflate=3.0), users[users.user_id.isin(a)], own, world.catalogue, n_folds=2
    )
    data, preds = as_user_data(users), cf.predict(users)
    # cf's own rows with the fold each was held out from, and rows of users no model saw (-1)
    other = log[log.user_id.isin(b)].reset_index(drop=True)
    cal_log = pd.concat([own, other], ignore_index=True)
    fold = np.concatenate([cf.fold, np.full(len(other), -1)])
    rows = CalibrationRows.from_log(cal_log, cf.catalogue, data, preds, fold=fold)
    ids = cal_log["user_id"].to_numpy()
    for f, (r, pred) in enumerate(rows.views):
        fitted_on = set(cf.models[f].seen_)
        assert fitted_on and not fitted_on & set(ids[r])  # never a row the model was fitted on
        assert set(ids[r]) == set(ids[fold == f]) | set(other["user_id"])  # every row held out from it
        np.testing.assert_allclose(pred.profit, preds[f].profit[data.rows_of(ids[r])])
    # with cf's own rows and folds, the forecast is the one corrected on cf's folds
    plan = _plan(world, b)
    kw = {"holdout": 0.2, "random_state": 0, "predictions": preds, "n_boot": 50}
    by_fold = forecast_plan(cf, users, plan, calibration_log=own, calibration_fold=cf.fold, **kw).table
    pd.testing.assert_frame_equal(by_fold, forecast_plan(cf, users, plan, **kw).table)
    # every model on every row (some of them fitted on) is another, optimistic correction
    every = forecast_plan(cf, users, plan, calibration_log=own, **kw)["incremental_profit"]
    assert every["forecast"] != pytest.approx(
        by_fold.set_index("metric").loc["incremental_profit", "forecast"]
    )


def test_calibration_fold_bad_inputs_get_clear_errors(setup):
    world, users, log, a, b = setup
    own = log[log.user_id.isin(a)].reset_index(drop=True)
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], own, world.catalogue, n_folds=2)
    plan, preds = _plan(world, b), cf.predict(users)

    def fc(**kw):
        return forecast_plan(cf, users, plan, predictions=preds, n_boot=5, **kw)

    with pytest.raises(ParameterError, match="pass calibration_log"):
        fc(calibration_fold=cf.fold)
    with pytest.raises(ParameterError, match=rf"one entry per calibration_log row, shape \({len(own)},\)"):
        fc(calibration_log=own, calibration_fold=cf.fold[:-1])
    for bad in (2, -2):
        fold = cf.fold.copy()
        fold[5] = bad
        with pytest.raises(ParameterError, match=rf"row 5: fold {bad} is out of range.*2 fold models"):
            fc(calibration_log=own, calibration_fold=fold)
    with pytest.raises(ParameterError, match="integers"):
        fc(calibration_log=own, calibration_fold=cf.fold.astype(float))
    with pytest.raises(ParameterError, match=r"fold model\(s\) \[1\] without a row"):
        fc(calibration_log=own, calibration_fold=np.zeros(len(own), dtype=int))
    fc(calibration_log=own, calibration_fold=np.full(len(own), -1))  # rows no model saw correct every model


def test_user_fold_forecasts_each_user_by_the_model_that_never_saw_them(setup):
    world, users, log, a, _ = setup
    own = log[log.user_id.isin(a)].reset_index(drop=True)
    cf = crossfit(
        InSampleModel(world, inflate=3.0), users[users.user_id.isin(a)], own, world.catalogue, n_folds=2
    )
    data = users[users.user_id.isin(a)].reset_index(drop=True)
    preds = cf.predict(data)
    held = (
        pd.Series(cf.fold, index=own["user_id"]).loc[data["user_id"]].to_numpy()
    )  # each user's unseen model
    plan = _plan(world, data["user_id"].to_numpy())
    exact = world.evaluate_plan(plan)["incremental_profit"]
    kw = {
        "holdout": 0.2,
        "random_state": 0,
        "predictions": preds,
        "n_boot": 50,
        "calibration_log": own,
        "calibration_fold": cf.fold,
    }
    mine = forecast_plan(cf, data, plan, user_fold=held, **kw)["incremental_profit"]
    # the unseen model predicts the truth: its raw sum is exact, and its correction (rows it never saw) stays near
    assert mine["raw"] == pytest.approx(exact, rel=1e-6)
    assert mine["lower"] < exact < mine["upper"]
    assert abs(mine["forecast"] - exact) < 3 * mine["model_sd"] + 1e-9
    # the fold models' mean is half in-sample: inflated before correction
    pooled = forecast_plan(cf, data, plan, **kw)["incremental_profit"]
    assert pooled["raw"] > 1.5 * exact > 0
    # the fold a user is in decides: every user by the model that saw them is the in-sample sum
    seen = forecast_plan(cf, data, plan, user_fold=1 - held, **kw)["incremental_profit"]
    assert seen["raw"] == pytest.approx(3 * exact, rel=1e-6)
    with pytest.raises(ParameterError, match=rf"one fold per user of data, shape \({len(data)},\)"):
        forecast_plan(cf, data, plan, user_fold=held[:-1], **kw)
    bad = held.copy()
    bad[4] = 2
    with pytest.raises(ParameterError, match="user_fold row 4: fold 2 is out of range"):
        forecast_plan(cf, data, plan, user_fold=bad, **kw)
    with pytest.raises(ParameterError, match="integers"):
        forecast_plan(cf, data, plan, user_fold=held.astype(float), **kw)
