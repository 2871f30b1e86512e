"""Effect prediction: cross-fitting, calibrated plan forecasts, realised lift and off-policy values.

Most checks use a model that predicts the world's exact expectations (or a distorted copy of them), so the
forecast's arithmetic can be asserted against the truth without fitting anything slow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from campaignkit.data import make_world
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.forecast import (
    compare_plans,
    crossfit,
    crossfit_plan_value,
    forecast_check,
    forecast_plan,
    off_policy_values,
    realised_lift,
)
from campaignkit.metrics import policy_values
from campaignkit.models.inputs import as_user_data
from campaignkit.models.policy import DecisionMixin
from campaignkit.models.prediction import Prediction

WORLD_FIELDS = {
    "participate": "participate",
    "convert": "convert",
    "revenue": "revenue",
    "discount": "discount_cost",
    "profit": "profit",
    "contact": "contact_cost",
    "retain": "retain",
}


class WorldModel(DecisionMixin, BaseEstimator):
    """Predicts the world's exact expectations; ``inflate`` multiplies every campaign's effect."""

    def __init__(self, world=None, inflate: float = 1.0):
        self.world, self.inflate = world, inflate

    def fit(self, data, log, catalogue):
        self.catalogue_ = catalogue
        return self

    def predict_outcomes(self, data, catalogue=None, *, target_category=None, batch_users=None):
        ids = as_user_data(data).user_id
        e = self.world.expected_outcomes(ids)
        out = {}
        for field, key in WORLD_FIELDS.items():
            a = np.asarray(e[key], dtype=float)
            out[field] = a[:, :1] + self.inflate * (a - a[:, :1])
        return Prediction(
            user_id=ids,
            campaign_ids=self.world.campaign_ids,
            target_category=self.world.default_target[self.world._user_index(ids)],
            **out,
        )


@pytest.fixture(scope="module")
def setup():
    world = make_world(3000, random_state=3)
    users = pd.DataFrame({"user_id": world.users["user_id"].to_numpy(), "x": 0.0})
    log = world.log_randomised(random_state=4)
    ids = users["user_id"].to_numpy()
    half = np.random.default_rng(0).random(len(ids)) < 0.5
    return world, users, log, ids[half], ids[~half]


def _plan(world, ids, inflate=1.0):
    up = world.true_uplift("profit", ids) * inflate  # column 0 is control (zero)
    best = up.argmax(axis=1)
    keep = up.max(axis=1) > 0
    return pd.DataFrame({"user_id": ids[keep], "campaign_id": np.array(world.campaign_ids)[best[keep]]})


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
    world = make_world(8000, random_state=5)
    users = pd.DataFrame({"user_id": world.users["user_id"].to_numpy(), "x": 0.0})
    log = world.log_randomised(random_state=6)
    ids = users["user_id"].to_numpy()
    half = np.random.default_rng(1).random(len(ids)) < 0.7
    return world, users, log, ids[half], ids[~half]


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


def test_realised_lift_measures_the_exact_effect_within_its_interval(setup):
    world, users, log, a, b = setup
    plan = _plan(world, b)
    exact = world.evaluate_plan(plan)
    run = world.run_plan(plan, holdout=0.3, random_state=11)
    real = realised_lift(run, confidence=0.99)
    total = real[real["campaign_id"] == "all"].set_index("metric")
    for metric in ("incremental_profit", "incremental_revenue", "participants"):
        assert total.loc[metric, "lower"] < exact[metric] < total.loc[metric, "upper"], metric
    with pytest.raises(ParameterError, match="holdout"):
        realised_lift(world.run_plan(plan, holdout=0.0, random_state=1))
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], log[log.user_id.isin(a)], world.catalogue)
    check = forecast_check(forecast_plan(cf, users[users.user_id.isin(b)], plan, holdout=0.3), real, exact)
    assert set(check.columns) >= {"forecast", "realised", "exact", "rel_error", "inside"}


def test_dr_with_true_outcomes_and_the_paired_difference(setup):
    world, users, log, a, b = setup
    lg = log.reset_index(drop=True)
    e = world.expected_outcomes(lg["user_id"].to_numpy())
    q = np.asarray(e["profit"])
    plan = _plan(world, lg["user_id"].to_numpy())
    choice = off_policy_values(
        lg, {"plan": plan, "all_reminder": np.full(len(lg), "cart_reminder")}, world.campaign_ids, q_hat=q
    )
    dr = choice[(choice.plan == "plan") & (choice.method == "dr")].iloc[0]
    truth = world.evaluate_plan(plan)
    truth_per_user = (truth["profit"]) / world.n_users
    assert dr["lower"] < truth_per_user < dr["upper"]
    exact_diff = (truth["profit"] - truth["profit_control"]) / world.n_users
    assert dr["diff_lower"] < exact_diff < dr["diff_upper"]
    cmp = compare_plans(lg, plan, np.full(len(lg), "cart_reminder"), world.campaign_ids, q_hat=q)
    assert cmp["se"] < np.hypot(cmp["a_se"], cmp["b_se"])  # pairing removes the shared noise
    assert set(choice["method"]) == {"ips", "snips", "dr"}


def test_fast_label_policy_equals_the_probability_matrix():
    rng = np.random.default_rng(0)
    n, k = 5000, 4
    a = rng.integers(0, k, n)
    y = rng.normal(size=n) + a
    q = rng.normal(size=(n, k))
    pol = rng.integers(0, k, n)
    p = np.full(n, 1 / k)
    labels = policy_values(y, pol, a, propensity=p, q_hat=q, arms=range(k))
    matrix = policy_values(y, np.eye(k)[pol], a, propensity=p, q_hat=q, arms=range(k))
    for m in ("ips", "snips", "dr"):
        assert labels[m]["value"] == pytest.approx(matrix[m]["value"])
        assert labels[m]["se"] == pytest.approx(matrix[m]["se"])


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


def test_coverage_curve_of_calibrated_runs_follows_the_diagonal():
    from campaignkit.forecast.audit import coverage_curve

    rng = np.random.default_rng(0)
    n = 4000
    model_sd, sampling_sd = rng.uniform(1, 3, n), rng.uniform(1, 3, n)
    forecast = rng.normal(size=n) * 10
    realised = forecast + rng.normal(size=n) * np.hypot(model_sd, sampling_sd)
    runs = pd.DataFrame(
        {
            "incremental_profit_forecast": forecast,
            "incremental_profit_realised": realised,
            "incremental_profit_model_sd": model_sd,
            "incremental_profit_sampling_sd": sampling_sd,
        }
    )
    curve = coverage_curve(runs)
    assert np.allclose(curve["empirical"], curve["nominal"], atol=0.03)
    runs["incremental_profit_model_sd"] /= 3  # over-confident intervals cover less than they say
    assert (coverage_curve(runs)["empirical"] < curve["nominal"] - 0.05).all()


def test_strata_match_the_plan_users_distribution():
    from campaignkit.forecast.calibrate import MIN_LIKE_ROWS, strata

    rng = np.random.default_rng(1)
    u_log, u_plan = rng.normal(size=5000), rng.normal(loc=1.5, size=400)
    share, members = strata(u_log, u_plan)
    assert len(share) == 5 and np.isclose(share.sum(), 1.0)
    assert np.logical_or.reduce(members).all() and sum(m.sum() for m in members) == len(u_log)
    # a plan far in the tail leaves too few logged rows per stratum: fewer strata
    share, members = strata(u_log, rng.normal(loc=3.5, size=400))
    assert len(share) < 5 and min(m.sum() for m in members) >= MIN_LIKE_ROWS


def test_forecast_plots_draw(setup):
    import matplotlib

    matplotlib.use("Agg")
    from campaignkit.forecast.audit import coverage_curve
    from campaignkit.forecast.plots import plot_coverage, plot_forecast_check, plot_plan_values

    world, users, log, a, b = setup
    cf = crossfit(WorldModel(world), users[users.user_id.isin(a)], log[log.user_id.isin(a)], world.catalogue)
    plan = _plan(world, b)
    fc = forecast_plan(cf, users[users.user_id.isin(b)], plan, holdout=0.3)
    real = realised_lift(world.run_plan(plan, holdout=0.3, random_state=1))
    ax = plot_forecast_check(forecast_check(fc, real, world.evaluate_plan(plan)))
    assert len(ax.get_yticklabels()) == 5
    runs = pd.DataFrame(
        {f"incremental_profit_{k}": [1.0, 2.0] for k in ("forecast", "realised", "model_sd", "sampling_sd")}
    )
    assert plot_coverage({"x": coverage_curve(runs)}).get_xlabel() == "nominal coverage"
    table = pd.DataFrame({"label": ["a"], "value": [1.0], "lower": [0.0], "upper": [2.0]})
    assert plot_plan_values(table, truth={"a": 1.0}).get_xlabel().startswith("incremental")


def test_realised_lift_copes_with_tiny_campaigns():
    run = pd.DataFrame(
        {
            "campaign_id": ["a"] * 6 + ["b"] * 2 + ["c"],
            "holdout": [False, False, False, True, True, True, False, True, True],
            "profit": [3.0, 4.0, 5.0, 1.0, 2.0, 0.0, 7.0, 1.0, 9.0],
        }
    )
    real = realised_lift(run).set_index(["campaign_id", "metric"])
    assert real.loc[("a", "incremental_profit"), "value"] == pytest.approx(6 * (4.0 - 1.0))
    assert bool(real.loc[("b", "incremental_profit"), "pooled_holdout"])  # one held-out user: pooled holdout
    assert real.loc[("c", "incremental_profit"), "value"] == 0.0  # all held out: nothing measured


class InSampleModel(WorldModel):
    """The world's expectations, but every effect ``inflate`` times too large for the users it was fitted on: a
    fold model's in-sample optimism, so the fold models differ and a correction on fitted rows shows."""

    def fit(self, data, log, catalogue):
        self.seen_ = pd.unique(log["user_id"].to_numpy())
        return super().fit(data, log, catalogue)

    def predict_outcomes(self, data, catalogue=None, *, target_category=None, batch_users=None):
        truth = WorldModel(self.world).predict_outcomes(data)
        seen = np.isin(truth.user_id, self.seen_)[:, None]
        out = {}
        for f in WORLD_FIELDS:
            a = getattr(truth, f)
            out[f] = np.where(seen, a[:, :1] + self.inflate * (a - a[:, :1]), a)
        return Prediction(
            user_id=truth.user_id,
            campaign_ids=truth.campaign_ids,
            target_category=truth.target_category,
            **out,
        )


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
