"""Scoring on a randomised log: the paired DR difference by hand, the Qini protocol and the held-out plan value
on synthetic randomised logs with known effects, and every kit model fitted on the real Hillstrom file in a few
lines."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from campaignkit.config import data_home
from campaignkit.errors import ParameterError
from campaignkit.evaluation import (
    PLAN_STRATA,
    dr_plan_value,
    heldout_plan_value,
    make_model,
    plot_qini_protocol,
    qini_protocol,
    split_log,
)
from campaignkit.metrics import dr_scores, policy_difference, policy_value
from campaignkit.models import Boosting, Prediction, SLearner, TLearner
from tests.evaluation._waves import repeated_exposures

REAL = data_home() / "hillstrom.csv"
needs_real = pytest.mark.skipif(
    not REAL.is_file(),
    reason=f"Hillstrom file not at {REAL}: set CAMPAIGNKIT_DATA_HOME to the folder holding it",
)
MAILS = ("control", "mail_a", "mail_b")


def _synthetic(n: int, n_arms: int, seed: int = 0):
    """A randomised e-mail log: mail_a lifts visits by 0.3 where x1 > 0, mail_b where x1 <= 0."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame(
        {
            "user_id": np.arange(n) + 100,
            "x1": rng.normal(size=n),
            "x2": rng.uniform(size=n),
            "region": rng.choice(["north", "south"], n),
        }
    )
    arm = rng.integers(0, n_arms, n)
    hi = users["x1"].to_numpy() > 0
    effect = 0.3 * np.where(arm == 1, hi, 0) + 0.3 * np.where(arm == 2, ~hi, 0)
    visit = rng.random(n) < 0.1 + 0.1 * users["x2"].to_numpy() + effect
    convert = visit & (rng.random(n) < 0.3)
    log = pd.DataFrame(
        {
            "user_id": users["user_id"],
            "campaign_id": np.asarray(MAILS)[arm],
            "propensity": 1.0 / n_arms,
            "target_category": -1,
            "participated": visit.astype(int),
            "converted": convert.astype(int),
            "revenue": convert * rng.gamma(2.0, 30.0, n),
            "retained": np.nan,
        }
    )
    catalogue = pd.DataFrame(
        {
            "campaign_id": list(MAILS[:n_arms]),
            "type": ["control", "reminder", "reminder"][:n_arms],
            "depth": 0.0,
            "threshold": 0.0,
            "channel": ["none", "email", "email"][:n_arms],
            "targets_category": False,
            "contact_cost": 0.0,
        }
    )
    return users, log, catalogue


class _FixedUplift(BaseEstimator):
    """Predicts a fixed participation uplift of campaign 1: the true one, or noise (seeded)."""

    def __init__(self, kind: str = "truth", random_state=None):
        self.kind, self.random_state = kind, random_state

    def fit(self, data, log, catalogue):
        self.catalogue_ = catalogue
        return self

    def predict_outcomes(self, data, catalogue=None):
        x1 = data.features["x1"].to_numpy()
        n = len(x1)
        if self.kind == "truth":
            up = 0.3 * (x1 > 0)
        else:
            up = np.random.default_rng(self.random_state).random(n)
        zeros = np.zeros((n, 2))
        part = np.column_stack([np.full(n, 0.1), 0.1 + up])
        return Prediction(data.user_id, ("control", "mail_a"), part, part * 0.3, zeros, zeros, zeros, zeros)


def test_dr_difference_and_its_paired_se_by_hand():
    y = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 3.0])
    logged = np.array([0, 1, 1, 0, 1, 0])
    p = np.full(6, 0.5)
    q = np.array([[0.5, 1.0], [0.2, 0.4], [1.0, 1.5], [0.1, 0.3], [0.6, 0.9], [2.0, 2.5]])
    plan = np.array([1, 1, 0, 0, 1, 1])
    everyone = np.ones(6, dtype=int)
    terms = {}
    for name, pol in (("plan", plan), ("everyone", everyone)):
        terms[name] = [
            q[i, pol[i]] + (logged[i] == pol[i]) / p[i] * (y[i] - q[i, logged[i]]) for i in range(6)
        ]
    d = np.subtract(terms["plan"], terms["everyone"])
    # only rows 2 and 3 differ (elsewhere both policies say 1): row 2 (logged 1, plan 0) gives
    # q0 - (q1 + 2 * (y - q1)) = 1.0 - (1.5 + 1.0); row 3 (logged 0, plan 0) gives q0 + 2 * (y - q0) - q1
    np.testing.assert_allclose(d, [0, 0, 1.0 - 2.5, -0.1 - 0.3, 0, 0])
    se = np.sqrt(np.sum((d - d.mean()) ** 2) / 5) / np.sqrt(6)
    out = policy_difference(y, plan, everyone, logged, propensity=p, q_hat=q, arms=[0, 1])
    assert out["value"] == pytest.approx(d.mean()) and out["se"] == pytest.approx(se)
    assert out["policy_value"] == pytest.approx(np.mean(terms["plan"]))
    assert out["reference_value"] == pytest.approx(np.mean(terms["everyone"]))
    np.testing.assert_allclose(dr_scores(y, plan, logged, propensity=p, q_hat=q), terms["plan"])
    single = policy_value(y, plan, logged, propensity=p, q_hat=q, method="dr", arms=[0, 1])
    assert single["value"] == out["policy_value"] and single["se"] == pytest.approx(out["policy_se"])
    # the two estimates share their noise: the paired se is below the unpaired one
    assert out["se"] < np.hypot(out["policy_se"], out["reference_se"])


def test_make_model_clones_and_seeds():
    base = TLearner(boosting=Boosting(max_iter=7))
    a = make_model(base, 3)
    assert a is not base and a.random_state == 3 and a.boosting.max_iter == 7 and base.random_state is None
    assert make_model(lambda seed: SLearner(random_state=seed + 1), 3).random_state == 4
    with pytest.raises(ParameterError):
        make_model("t_learner", 0)


def test_qini_protocol_true_ranking_beats_random_on_a_known_effect():
    users, log, catalogue = _synthetic(3000, 2)
    models = {
        "truth": _FixedUplift("truth"),
        "random": _FixedUplift("random"),
        "t_learner": lambda seed: TLearner(boosting=Boosting(max_iter=20), random_state=seed),
    }
    scores, summary = qini_protocol(
        users,
        log,
        models,
        arm="mail_a",
        outcome=("participated", "converted"),
        seeds=[0, 1],
        catalogue=catalogue,
        features=None,
        bootstrap=50,
    )
    assert len(scores) == 3 * 2 * 2 and set(scores["outcome"]) == {"participated", "converted"}
    assert (scores["n_test"] == 900).all()  # 30% of 3,000, stratified
    assert (scores["ci_low"] <= scores["qini"]).all() and (scores["qini"] <= scores["ci_high"]).all()
    visit = summary[summary["outcome"] == "participated"].set_index("model")
    assert visit.loc["truth", "qini_mean"] > 0.15
    assert visit.loc["truth", "qini_mean"] > visit.loc["random", "qini_mean"] + 0.1
    assert visit.loc["t_learner", "qini_mean"] > visit.loc["random", "qini_mean"]
    assert (visit["n_seeds"] == 2).all() and np.isfinite(visit["qini_sd"]).all()
    ax = plot_qini_protocol(scores, outcome="converted")
    assert len(ax.get_xticklabels()) == 3
    with pytest.raises(ParameterError):
        qini_protocol(users, log, models, arm="mail_z", catalogue=catalogue, features=None)


def test_heldout_plan_value_beats_sending_everyone_one_mail_on_a_known_effect():
    users, log, catalogue = _synthetic(3000, 3, seed=1)
    res = heldout_plan_value(
        users,
        log,
        TLearner(boosting=Boosting(max_iter=30)),
        seed=0,
        reference="mail_a",
        catalogue=catalogue,
        features=None,
    )
    est = res.estimates
    assert (
        list(est.index) == ["profit", "participated", "converted", "revenue"] and abs(res.n_test - 900) <= 6
    )
    assert np.isfinite(est.to_numpy(float)).all()
    np.testing.assert_allclose(est["difference"], est["value"] - est["reference_value"])
    assert (est["difference_se"] < np.hypot(est["se"], est["reference_se"])).all()
    # the best plan sends mail_a where x1 > 0 and mail_b elsewhere: about +0.15 visits per customer
    assert est.loc["participated", "difference"] > 2 * est.loc["participated", "difference_se"]
    assert res.shares.sum() == pytest.approx(1.0) and res.shares["mail_b"] > 0.2
    assert len(res.plan) == res.n_test and set(res.plan["campaign_id"]) <= set(MAILS)


@needs_real
def test_every_kit_model_fits_the_real_file_in_a_few_lines():
    from campaignkit.data import load_hillstrom
    from campaignkit.models import BehaviourUpliftModel, ResponseModelTargeting, ValueTierRule, as_user_data

    hill = load_hillstrom()
    log = hill.campaign_log().sample(4000, random_state=0)
    users = as_user_data(hill).subset(log["user_id"])
    cat = hill.campaigns
    t = TLearner(boosting=Boosting(max_iter=30), random_state=0).fit(hill, log, cat)
    s = SLearner(boosting=Boosting(max_iter=30), random_state=0).fit(hill, log, cat)
    deep = BehaviourUpliftModel(quick=True, pretrain_epochs=0, n_ensemble=2, n_threads=1, random_state=0)
    deep.fit(hill, log, cat)
    resp = ResponseModelTargeting(boosting=Boosting(max_iter=30), random_state=0).fit(hill, log, cat)
    tier = ValueTierRule(value_column="history").fit(hill)
    for model in (t, s, deep):
        pred = model.predict_outcomes(users)
        assert pred.shape == (4000, 3) and pred.campaign_ids == ("control", "mens_email", "womens_email")
        assert all(np.isfinite(pred[k]).all() for k in pred.outcomes)
        up = pred.uplift("participate")
        assert np.abs(up[:, 1] - up[:, 2]).max() > 1e-4, f"{type(model).__name__}: Mens = Womens"
    assert np.isfinite(resp.predict_response(users)[:, 1:]).all()
    assert set(resp.choose(users)) <= {0, 1, 2}
    assert np.isfinite([tier.high_cut_, tier.middle_cut_]).all() and tier.high_cut_ >= tier.middle_cut_


def test_split_log_keeps_a_customers_waves_together_and_warns_without_units():
    _, log, _ = repeated_exposures(200)
    train, test = split_log(log, PLAN_STRATA, seed=1)
    assert not set(train["unit_id"]) & set(test["unit_id"])
    assert len(train) + len(test) == len(log) and abs(len(set(test["unit_id"])) - 60) <= 4  # 30% of 200 units
    assert len(test) == 3 * len(set(test["unit_id"]))  # every wave of a held-out customer
    _, plain, _ = repeated_exposures(200, with_units=False)
    with pytest.warns(UserWarning, match=r"200 users appear on several rows .* no 'unit_id' column"):
        train, test = split_log(plain, PLAN_STRATA, seed=1)
    assert not set(train["user_id"]) & set(test["user_id"])  # user_id is then the unit
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        split_log(log, PLAN_STRATA, seed=1)  # no warning with units
        split_log(log.drop_duplicates("unit_id").drop(columns="unit_id"), PLAN_STRATA, seed=1)
    holes = log.assign(unit_id=log["unit_id"].where(log.index != 7))
    with pytest.raises(ParameterError, match="column 'unit_id' row 7: missing unit"):
        split_log(holes, PLAN_STRATA, seed=1)


def test_heldout_plan_value_on_repeated_exposures_against_best_offer_and_control():
    users, log, catalogue = repeated_exposures()
    res = heldout_plan_value(
        users,
        log,
        TLearner(boosting=Boosting(max_iter=20)),
        seed=0,
        references=("best_offer", "control"),
        catalogue=catalogue,
    )
    # best offer chosen on the train rows: mail_b, the offer with the planted revenue effect
    assert res.best_offer == "mail_b" and res.offer_values.drop("control").idxmax() == "mail_b"
    assert res.references == ("best_offer", "control") and res.reference == "mail_b"
    assert abs(res.n_units - 180) <= 6 and res.n_test == 3 * res.n_units  # a unit's waves held out together
    assert set(res.plan["unit_id"]) == set(res.plan["user_id"] // 10)
    diff = res.differences
    outcomes = ["profit", "participated", "converted", "revenue"]
    assert list(diff.index) == [(r, o) for r in ("best_offer", "control") for o in outcomes]
    assert set(diff["reference_campaign"]) == {"mail_b", "control"}
    assert np.isfinite(diff[["difference", "difference_se", "ci_low", "ci_high"]].to_numpy(float)).all()
    assert (diff["difference_se"] > 0).all() and (diff["ci_low"] < diff["difference"]).all()
    np.testing.assert_allclose(
        diff["ci_high"] - diff["difference"], 1.959964 * diff["difference_se"], rtol=1e-6
    )
    # the single-reference columns of estimates are those of the first reference
    est = res.estimates
    assert list(est.columns) == [
        "value",
        "se",
        "reference_value",
        "reference_se",
        "difference",
        "difference_se",
    ]
    np.testing.assert_allclose(est["difference"], diff.loc["best_offer", "difference"].loc[est.index])
    # the plan sends mail_b to high-level customers and mail_a to the others: above both references
    assert res.shares["mail_a"] > 0.2 and res.shares["mail_b"] > 0.2
    rev = diff.xs("revenue", level="outcome")
    assert rev.loc["control", "difference"] > 2 * rev.loc["control", "difference_se"]
    assert 0 < rev.loc["best_offer", "difference"] < rev.loc["control", "difference"]
    # the information floor: 2.8 paired se at 95% / 80% power, per reference and outcome
    assert res.floor() == pytest.approx(
        2.801585 * diff.loc[("best_offer", "profit"), "difference_se"], rel=1e-5
    )
    assert res.floor("control", outcome="revenue") == pytest.approx(
        2.801585 * rev.loc["control", "difference_se"], rel=1e-5
    )
    with pytest.raises(ParameterError, match="no difference from 'mail_a'"):
        res.floor("mail_a")
    with pytest.raises(ParameterError, match="train_log"):
        dr_plan_value(res.model, users, log.iloc[:30], reference="best_offer", catalogue=catalogue)
    with pytest.raises(ParameterError, match="not both"):
        dr_plan_value(res.model, users, log, reference="control", references=("mail_a",), catalogue=catalogue)
    with pytest.raises(ParameterError, match="'mail_z' is not in the catalogue"):
        heldout_plan_value(users, log, TLearner(), seed=0, reference="mail_z", catalogue=catalogue)


def test_qini_protocol_on_repeated_exposures_holds_out_and_resamples_whole_customers():
    users, log, catalogue = repeated_exposures(300)
    scores, _ = qini_protocol(
        users,
        log,
        {"t": TLearner(boosting=Boosting(max_iter=10))},
        arm="mail_a",
        outcome="participated",
        seeds=[0],
        catalogue=catalogue,
        bootstrap=20,
    )
    row = scores.iloc[0]
    assert 0.2 * 300 <= row["n_units_test"] <= 0.4 * 300 < row["n_test"]  # units, each with its waves
    assert row["ci_low"] <= row["qini"] <= row["ci_high"] and np.isfinite(row["qini"])


def test_qini_protocol_holds_out_its_share_with_a_continuous_outcome():
    """A revenue outcome does not stratify the split: with it, nearly every row was its own stratum and almost
    nobody was held out."""
    from campaignkit.evaluation import qini_protocol
    from campaignkit.models import Boosting, SLearner
    from tests.evaluation._waves import repeated_exposures

    users, log, cat = repeated_exposures(300)
    res = qini_protocol(users, log, {"s": SLearner(boosting=Boosting(max_iter=3))}, arm="mail_b",
                        outcome=("revenue", "participated"), seeds=[0], bootstrap=0, catalogue=cat)  # fmt: skip
    held = res.scores["n_units_test"].iloc[0]
    units = log.loc[log["campaign_id"].isin(["control", "mail_b"]), "unit_id"].nunique()
    assert held == pytest.approx(0.3 * units, abs=3)
