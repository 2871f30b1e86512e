"""Logs and plans on the world: the randomised and targeted logs against the exact effects, evaluate_plan
against many run_plan draws, common random numbers and the holdout."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_randomised_log_agrees_with_truth(world):
    m = len(world.catalogue)
    log = world.log_randomised(random_state=1)
    assert len(log) == world.n_users and np.allclose(log["propensity"], 1 / m)
    targeted = log["campaign_id"].isin(["category_coupon", "recommendation_push"])
    assert (log.loc[~targeted, "target_category"] == -1).all()
    assert (log.loc[targeted, "target_category"] == world.default_target[log.loc[targeted, "user_id"]]).all()
    z_arm, z_eff = [], []
    for metric, col in (("convert", "converted"), ("revenue", "revenue"), ("profit", "profit")):
        exact = world.expected_outcomes()[metric].mean(0)  # population mean under each campaign
        y = log[col].astype(float)
        ctrl = y[log["campaign_id"] == "control"]
        for j, cid in enumerate(world.campaign_ids):
            arm = y[log["campaign_id"] == cid]
            z_arm.append((arm.mean() - exact[j]) / np.sqrt(arm.var() / len(arm)))
            if j:
                est = arm.mean() - ctrl.mean()
                se = np.sqrt(arm.var() / len(arm) + ctrl.var() / len(ctrl))
                z_eff.append((est - (exact[j] - exact[0])) / se)
    z_arm, z_eff = np.array(z_arm), np.array(z_eff)
    # each estimated effect lies within its (99.99 %) confidence interval of the exact effect
    assert np.all(np.abs(z_eff) < 4), z_eff
    # arms are independent: their 95 % intervals cover the exact means at about the nominal rate
    assert np.all(np.abs(z_arm) < 4) and np.mean(np.abs(z_arm) < 1.96) >= 0.8, z_arm


def test_log_shares_and_subset(world):
    shares = {"control": 0.5, "percent_20": 0.3, "cart_reminder": 0.2}
    log = world.log_randomised(shares=shares, n_users=5_000, random_state=2)
    assert len(log) == 5_000 and log["user_id"].is_unique
    freq = log["campaign_id"].value_counts(normalize=True)
    for cid, p in shares.items():
        assert abs(freq[cid] - p) < 0.03
        assert np.allclose(log.loc[log["campaign_id"] == cid, "propensity"], p)


def test_targeted_log_is_confounded_and_ips_recovers_truth(world):
    log = world.log_targeted(random_state=3)
    pol = world.targeting_policy()
    assert np.allclose(pol.sum(axis=1), 1) and (pol > 0).all()
    arm = log["campaign_id"].map({c: i for i, c in enumerate(world.campaign_ids)}).to_numpy()
    assert np.allclose(log["propensity"], pol[np.arange(world.n_users), arm])
    # confounded: open-cart users get reminders far more often
    oc = world.traits["open_cart"].to_numpy()
    rem = log["campaign_id"].eq("cart_reminder").to_numpy()
    assert rem[oc].mean() > 3 * rem[~oc].mean()
    # inverse propensity weighting recovers the exact mean conversion under the reminder
    truth = world.expected_outcomes(campaign_ids=["cart_reminder"])["convert"][:, 0].mean()
    w = rem / log["propensity"].to_numpy()
    y = log["converted"].to_numpy(float)
    est = np.mean(w * y)
    se = np.std(w * y) / np.sqrt(len(y))
    assert abs(est - truth) < 4 * se
    naive = y[rem].mean()
    assert abs(naive - truth) > 2 * se  # the naive arm mean is biased by targeting


def test_evaluate_plan_equals_mean_of_run_plan(world):
    rng = np.random.default_rng(5)
    users = np.sort(rng.choice(world.n_users, 8_000, replace=False))
    plan = pd.DataFrame({"user_id": users, "campaign_id": rng.choice(world.campaign_ids[1:], users.size)})
    ev = world.evaluate_plan(plan)
    assert ev["reach"] == users.size
    assert set(ev["by_campaign"]["campaign_id"]) == set(plan["campaign_id"]) | {"control"}
    assert np.isclose(ev["by_campaign"]["incremental_profit"].sum(), ev["incremental_profit"])
    assert np.isclose(ev["cost"], ev["discount_cost"] + ev["contact_cost"])
    empty = plan.iloc[:0]
    conv, inc_profit, inc_rev = [], [], []
    for seed in range(30):
        a = world.run_plan(plan, holdout=0.0, random_state=seed)
        b = world.run_plan(empty, holdout=0.0, random_state=seed)
        conv.append(a["converted"].sum())
        inc_profit.append(a["profit"].sum() - b["profit"].sum())
        inc_rev.append(a["revenue"].sum() - b["revenue"].sum())
    for draws, exact in (
        (conv, ev["conversions"]),
        (inc_profit, ev["incremental_profit"]),
        (inc_rev, ev["incremental_revenue"]),
    ):
        d = np.asarray(draws, float)
        se = d.std(ddof=1) / np.sqrt(d.size)
        assert abs(d.mean() - exact) < 4 * se + 1e-9, (d.mean(), exact, se)


def test_run_plan_common_random_numbers_and_holdout(world):
    plan = pd.DataFrame({"user_id": np.arange(0, world.n_users, 2), "campaign_id": "percent_20"})
    a = world.run_plan(plan, holdout=0.2, random_state=11)
    b = world.run_plan(plan.iloc[:0], holdout=0.2, random_state=11)
    assert len(a) == world.n_users
    contacted = a["campaign_id"] != "control"
    assert abs(a.loc[contacted, "holdout"].mean() - 0.2) < 0.02
    assert not a.loc[~contacted, "holdout"].any()
    assert (a.loc[a["holdout"], "executed_campaign_id"] == "control").all()
    same = a["executed_campaign_id"] == "control"
    cols = ["converted", "revenue", "retained", "profit"]
    assert a.loc[same, cols].equals(b.loc[same, cols])  # same numbers where the arm is the same
    again = world.run_plan(plan, holdout=0.2, random_state=11)
    assert a.equals(again)
