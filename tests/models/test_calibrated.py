"""CalibratedLearner: per-offer calibration from out-of-fold residuals, and the personalise-or-blanket verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from campaignkit.errors import ParameterError
from campaignkit.models import CalibratedLearner, MediatedLearner, Prediction, plan_verdict
from campaignkit.models.calibrated import calibrate_prediction, offer_calibration_table
from tests.models._helpers import FAST

MARGIN = 0.35
AMOUNT = float(np.exp(3.0 + 0.3**2 / 2))  # mean spend of a buyer


def informational_problem(n_users: int = 4000, seed: int = 0) -> dict:
    """A randomised log whose 'info' message raises buying by 0.2 for everyone with nobody taking part, and
    whose 'nudge' is taken up (participants buy) by 30% of users with x0 > 0 and 5% of the others."""
    rng = np.random.default_rng(seed)
    uid = np.arange(1, n_users + 1)
    x = rng.normal(size=(n_users, 3))
    users = pd.DataFrame({"user_id": uid, "x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2]})
    cat = pd.DataFrame(
        {
            "campaign_id": ["control", "nudge", "info"],
            "type": ["control", "reminder", "reminder"],
            "depth": 0.0,
            "threshold": 0.0,
            "channel": ["none", "email", "email"],
            "targets_category": False,
            "contact_cost": 0.0,
            "margin_rate": MARGIN,
        }
    )
    arm = rng.integers(0, 3, n_users)
    take_up = np.where(x[:, 0] > 0, 0.3, 0.05)
    participated = (arm == 1) & (rng.uniform(size=n_users) < take_up)
    buy_p = 0.5 + 0.2 * (arm == 2)
    converted = participated | (rng.uniform(size=n_users) < buy_p)
    log = pd.DataFrame(
        {
            "user_id": uid,
            "campaign_id": cat["campaign_id"].to_numpy()[arm],
            "propensity": 1 / 3,
            "target_category": -1,
            "participated": participated.astype(int),
            "converted": converted.astype(int),
            "revenue": np.where(converted, np.exp(rng.normal(3.0, 0.3, n_users)), 0.0),
        }
    )
    return {"users": users, "catalogue": cat, "log": log, "info_effect": MARGIN * 0.2 * AMOUNT}


@pytest.fixture(scope="module")
def info():
    return informational_problem()


@pytest.fixture(scope="module")
def fitted(info):
    base = MediatedLearner(**FAST)
    return CalibratedLearner(base, random_state=0).fit(info["users"], info["log"], info["catalogue"])


def test_calibration_finds_an_effect_that_does_not_flow_through_taking_part(info, fitted):
    users = info["users"]
    base_uplift = fitted.model_.predict_uplift(users)[:, 2].mean()
    assert abs(base_uplift) < 0.3 * info["info_effect"]  # nobody completes 'info': the mediated model sees ~0
    row = fitted.calibration_.set_index(["field", "campaign_id"]).loc[("profit", "info")]
    assert abs(row["measured"] - info["info_effect"]) < 3 * row["measured_se"]
    assert row["shift"] > 0.8 * info["info_effect"]
    calibrated = fitted.predict_uplift(users)[:, 2].mean()
    assert abs(calibrated - info["info_effect"]) < 3 * row["measured_se"]
    # every field is shifted alike: buying rises by about 0.2 under 'info'
    assert abs(fitted.predict_uplift(users, outcome="convert")[:, 2].mean() - 0.2) < 0.06
    np.testing.assert_allclose(fitted.predict_uplift(users)[:, 0], 0.0)


def test_verdict_and_choice_follow_the_out_of_fold_comparison(info, fitted):
    v = fitted.verdict_
    assert v.deploy in ("personalised", "best_offer", "no_offer")
    assert set(v.table.index) == {"personalised", "best_offer", "no_offer"}
    assert v.best_offer == "info"  # the largest single effect, only seen after calibration
    choice = fitted.choose(info["users"])
    if v.deploy == "best_offer":
        assert np.all(choice == 2)
    fitted.set_params(fallback=False)
    try:
        personal = fitted.choose(info["users"])
    finally:
        fitted.set_params(fallback=True)
    expected = np.argmax(
        np.column_stack([np.zeros(len(choice)), fitted.predict_uplift(info["users"])[:, 1:]]), 1
    )
    np.testing.assert_array_equal(personal, expected)
    plan = fitted.plan(info["users"])
    assert list(plan.columns) == ["user_id", "campaign_id", "target_category"]


def test_clone_params_and_errors(info):
    est = CalibratedLearner(MediatedLearner(**FAST), n_folds=2, min_gain_se=1.0, random_state=3)
    twin = clone(est)
    assert twin.get_params()["min_gain_se"] == 1.0 and twin.get_params()["n_folds"] == 2
    with pytest.raises(ParameterError, match="not fitted"):
        est.predict_outcomes(info["users"])
    with pytest.raises(ParameterError, match="min_gain_se"):
        CalibratedLearner(min_gain_se=-1).fit(info["users"], info["log"], info["catalogue"])
    with pytest.raises(ParameterError, match="n_folds"):
        CalibratedLearner(MediatedLearner(**FAST), n_folds=1).fit(
            info["users"], info["log"], info["catalogue"]
        )


def _prediction(q: np.ndarray) -> Prediction:
    n, k = q.shape
    zeros = np.zeros((n, k))
    return Prediction(
        user_id=np.arange(n),
        campaign_ids=tuple(f"c{j}" for j in range(k)),
        participate=np.full((n, k), 0.5),
        convert=zeros,
        revenue=zeros,
        discount=zeros,
        profit=q,
        contact=zeros,
    )


def _heterogeneous(n: int = 9000, seed: int = 0, effects=None):
    """Rows of a three-arm randomised log: arm 1 earns +1 where x > 0 and -1 elsewhere, arm 2 +0.2 for all."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    mu = np.column_stack([np.zeros(n), np.where(x > 0, 1.0, -1.0), np.full(n, 0.2)])
    if effects is not None:
        mu = np.column_stack([np.zeros(n), *[np.full(n, e) for e in effects]])
    arms = rng.integers(0, 3, n)
    y = mu[np.arange(n), arms] + rng.normal(size=n)
    return mu, y, arms, np.full(n, 1 / 3), rng


def test_plan_verdict_personalises_when_it_pays_and_falls_back_when_not():
    mu, y, arms, p, rng = _heterogeneous()
    good = plan_verdict(_prediction(mu), y, arms, p)
    assert good.deploy == "personalised" and good.best_offer == "c2"
    assert abs(good.gain - 0.4) < 4 * good.gain_se and good.z > 3
    assert good.floor() == pytest.approx(2.8016 * good.gain_se, rel=1e-3)
    assert "personalised" in good.summary()
    noise = plan_verdict(_prediction(rng.normal(size=mu.shape)), y, arms, p)
    assert noise.deploy == "best_offer" and noise.gain < 0
    strict = plan_verdict(_prediction(mu), y, arms, p, min_gain_se=1e6)
    assert strict.deploy == "best_offer"
    mu, y, arms, p, _ = _heterogeneous(effects=(-1.0, -0.5))
    right = plan_verdict(_prediction(mu), y, arms, p)
    assert right.deploy == "personalised" and right.shares["c0"] == 1.0  # its plan is "nothing" for everyone
    wrong = mu.copy()
    wrong[:, 1] = 1.0  # the model believes in campaign 1, which loses most
    nothing = plan_verdict(_prediction(wrong), y, arms, p)
    assert nothing.deploy == "no_offer" and "send no offer" in nothing.summary()
    with pytest.raises(ParameterError, match="min_gain_se"):
        plan_verdict(_prediction(mu), y, arms, p, min_gain_se=-0.1)


def test_shrinkage_leaves_noise_alone_and_moves_clear_errors():
    mu, y, arms, p, _ = _heterogeneous(effects=(0.0, 0.0))
    log = pd.DataFrame({"profit": y})
    right = offer_calibration_table(_prediction(mu), log, arms, p, fields=("profit",))
    raw = offer_calibration_table(_prediction(mu), log, arms, p, fields=("profit",), shrink=False)
    assert (right["shift"].abs() <= raw["shift"].abs() + 1e-12).all()
    small = (raw["shift"].abs() <= raw["measured_se"]).to_numpy()
    assert np.all(right["shift"].to_numpy()[small] == 0)
    off = mu.copy()
    off[:, 2] -= 1.0  # the model misses a whole unit of arm 2's effect
    wrong = offer_calibration_table(_prediction(off), log, arms, p, fields=("profit",)).set_index(
        "campaign_id"
    )
    assert abs(wrong.loc["c2", "shift"] - 1.0) < 4 * wrong.loc["c2", "measured_se"]
    with pytest.raises(ParameterError, match="control rows"):
        offer_calibration_table(_prediction(mu), log, np.ones(len(y), int), p)


def test_calibrate_prediction_keeps_probabilities_and_amounts_in_range():
    q = np.array([[0.0, 0.5], [0.0, -0.2]])
    pred = _prediction(q)
    out = calibrate_prediction(
        pred, {"participate": {"c1": 0.7}, "revenue": {"c1": -3.0}, "profit": {"c1": 1.0}}
    )
    np.testing.assert_allclose(out.participate[:, 1], 1.0)
    np.testing.assert_allclose(out.revenue[:, 1], 0.0)
    np.testing.assert_allclose(out.profit, q + np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(out.participate[:, 0], 0.5)  # no shift for control


def test_blanket_offer_learned_out_of_fold_is_not_flattered_by_its_own_rows():
    """Ten offers with no effect (true value 0 each): the one that looks best on all rows looks better than it
    is; picked on the other folds and valued on the held-out fold it does not."""
    n, k = 3000, 11
    flattered, honest = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        arms, y, folds = rng.integers(0, k, n), rng.normal(size=n), rng.integers(0, 3, n)
        q, p = np.zeros((n, k)), np.full(n, 1 / k)
        in_sample = plan_verdict(_prediction(q), y, arms, p)
        out_of_fold = plan_verdict(_prediction(q), y, arms, p, folds=folds)
        assert in_sample.best_offer == out_of_fold.best_offer  # the deployed offer is picked on every row
        flattered.append(in_sample.table.loc["best_offer", "value"])
        honest.append(out_of_fold.table.loc["best_offer", "value"])
    se = 1 / np.sqrt(n / k)  # of one offer's mean
    assert np.mean(flattered) > se  # the maximum of ten noisy means
    assert abs(np.mean(honest)) < 0.5 * se
    with pytest.raises(ParameterError, match="folds"):
        plan_verdict(_prediction(q), y, arms, p, folds=folds[:10])


def test_explaining_the_calibrated_learner_reads_its_base_model(info, fitted):
    from campaignkit.explain import explain_uplift

    users = info["users"]
    ids = users["user_id"].to_numpy()[:4]
    expl = explain_uplift(fitted, users, "info", user_ids=ids, n_background=8, random_state=0)
    base = explain_uplift(fitted.model_, users, "info", user_ids=ids, n_background=8, random_state=0)
    np.testing.assert_allclose(expl.values, base.values)
    rows = np.flatnonzero(np.isin(users["user_id"].to_numpy(), ids))
    np.testing.assert_allclose(expl.output, fitted.predict_uplift(users)[rows, 2], atol=1e-6)
    assert expl.model.startswith("CalibratedLearner(") and "calibration shift" in expl.method


def test_the_verdict_weighs_personalised_variants_out_of_fold(info):
    mu, y, arms, p, rng = _heterogeneous()
    noise = rng.normal(size=mu.shape)
    v = plan_verdict(_prediction(noise), y, arms, p, variants={"right": mu - mu[:, :1]})
    assert v.variant == "right" and v.deploy == "personalised"
    assert list(v.variants.index) == ["prediction", "right"]
    assert v.variants.loc["right", "value"] > v.variants.loc["prediction", "value"]
    with pytest.raises(ParameterError, match="variant 'bad'"):
        plan_verdict(_prediction(mu), y, arms, p, variants={"bad": mu[:10]})
    own = CalibratedLearner(
        MediatedLearner(**FAST), variants=("uncalibrated",), fallback=False, random_state=0
    )
    own.fit(info["users"], info["log"], info["catalogue"])
    assert own.verdict_.variant == "uncalibrated" and list(own.verdict_.variants.index) == ["uncalibrated"]
    expected = np.column_stack(
        [np.zeros(len(info["users"])), own.model_.predict_uplift(info["users"])[:, 1:]]
    )
    np.testing.assert_array_equal(own.choose(info["users"]), expected.argmax(axis=1))
    with pytest.raises(ParameterError, match="variants"):
        CalibratedLearner(variants=("raw",)).fit(info["users"], info["log"], info["catalogue"])
