"""Tests of the synthetic world against its own known truth.

Schema and realism, exact truth identities, the randomised log against the exact effects, evaluate_plan
against many run_plan draws, common random numbers, sleeping dogs, sequence-only signal, determinism
across chunk sizes, and clear errors.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from pandas.util import hash_pandas_object
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score

from campaignkit.data import (
    CAMPAIGN_TYPES,
    default_catalogue,
    event_stats,
    make_world,
    observed_rfm,
    read_world_parquet,
    response_type_shares,
    write_world_parquet,
)
from campaignkit.data.world.summary import events_by_weekday, funnel
from campaignkit.errors import ParameterError


@pytest.fixture(scope="module")
def world():
    return make_world(n_users=20_000, random_state=0)


def _digest(df: pd.DataFrame) -> str:
    return hashlib.sha256(hash_pandas_object(df, index=False).to_numpy().tobytes()).hexdigest()


# ----------------------------------------------------------------------------- schema and realism
def test_schema(world):
    ev = world.events
    assert list(ev.columns) == ["user_id", "ts", "event_type", "item_id", "category", "price", "quantity"]
    assert str(ev["ts"].dtype) == "datetime64[ns, UTC]"
    assert ev["user_id"].dtype == np.int64 and ev["item_id"].dtype == np.int64
    assert ev["category"].dtype == np.int64 and ev["quantity"].dtype == np.int64
    assert (ev["ts"] < world.cutoff).all()
    assert (ev["ts"] >= world.cutoff - pd.Timedelta(days=world.history_days)).all()
    assert set(ev["event_type"].astype(str).unique()) == {"view", "cart", "fav", "purchase"}
    assert ev["category"].between(0, world.n_categories - 1).all()
    assert (ev["price"] >= 0).all() and (ev["quantity"] >= 1).all()
    # sorted by user then time, and no event before the user's signup
    assert (np.diff(ev["user_id"].to_numpy()) >= 0).all()
    signup = world.users["signup_ts"].to_numpy()[ev["user_id"].to_numpy()]
    assert (ev["ts"].to_numpy() >= signup).all()
    u = world.users
    assert (u["user_id"].to_numpy() == np.arange(world.n_users)).all()
    assert {"signup_ts", "tenure_days", "age_band", "region", "member_tier", "channel_pref"} <= set(u.columns)
    assert np.allclose(world.interest.sum(1), 1.0) and world.interest.shape == (world.n_users, 12)
    assert world.traits.index.equals(world.users.index)
    cat = world.catalogue
    assert cat.loc[0, "campaign_id"] == "control" and len(cat) >= 11
    assert set(cat["type"]) <= set(CAMPAIGN_TYPES)
    assert set(cat.loc[cat["targets_category"], "campaign_id"]) == {"category_coupon", "recommendation_push"}


def test_realistic_shapes(world):
    st = event_stats(world.events, world.n_users)
    assert 20 <= st["events_per_user_mean"] <= 45  # ~30 events per user
    assert st["events_per_user_p99"] > 5 * st["events_per_user_median"]  # heavy-tailed activity
    assert st["spend_p99_over_median"] > 5  # heavy-tailed spend
    assert 0.4 < st["cart_abandonment"] < 0.8
    assert st["share_view"] > st["share_cart"] > st["share_purchase"] > 0
    wd = events_by_weekday(world.events)
    assert wd["Sat"] > wd["Tue"] * 1.1  # weekly rhythm
    f = funnel(world.events)
    assert f.loc["view", "users"] > f.loc["cart", "users"] > f.loc["purchase", "users"]
    # every purchase follows a cart of the same item by the same user
    ev = world.events
    carts = ev[ev["event_type"] == "cart"][["user_id", "item_id"]].drop_duplicates()
    buys = ev[ev["event_type"] == "purchase"][["user_id", "item_id"]].drop_duplicates()
    assert len(buys.merge(carts)) == len(buys)
    # observables correlate with latent traits
    tier_rank = world.users["member_tier"].map({"none": 0, "silver": 1, "gold": 2, "platinum": 3})
    assert np.corrcoef(tier_rank, world.traits["z_value"])[0, 1] > 0.4


# ----------------------------------------------------------------------------- exact truth
def test_expected_outcomes_identities(world):
    out = world.expected_outcomes(
        user_ids=np.arange(500), campaign_ids=["control", "percent_20", "flash_sale_30"]
    )
    for v in out.values():
        assert v.shape == (500, 3)
        assert np.isfinite(v).all()
    margin = world.catalogue["margin_rate"].iloc[0]
    assert np.allclose(out["profit"], margin * out["revenue"] - out["discount_cost"] - out["contact_cost"])
    assert (out["participate"][:, 0] == 0).all() and (out["discount_cost"][:, 0] == 0).all()
    assert (out["contact_cost"][:, 1] == 0.02).all()
    for k in ("participate", "convert", "retain"):
        assert ((out[k] >= 0) & (out[k] <= 1)).all()
    up = world.true_uplift("convert", campaign_ids=["percent_20"])
    full = world.expected_outcomes(campaign_ids=["control", "percent_20"])["convert"]
    assert np.allclose(up[:, 0], full[:, 1] - full[:, 0])
    # category campaigns respond to the match between target and current interest
    best = world.interest.argmax(1)
    worst = world.interest.argmin(1)
    ub = world.true_uplift("convert", campaign_ids=["category_coupon"], target_category=best)
    uw = world.true_uplift("convert", campaign_ids=["category_coupon"], target_category=worst)
    assert (ub >= uw).all() and ub.mean() > uw.mean() + 0.005


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


# ----------------------------------------------------------------------------- heterogeneity
def test_response_types_and_sleeping_dogs(world):
    shares = response_type_shares(world, "convert")
    assert np.allclose(shares[["sure_thing", "persuadable", "lost_cause", "sleeping_dog"]].sum(axis=1), 1)
    assert (shares["users_harmed"] > 0.005).all(), shares["users_harmed"]  # every contact campaign
    assert (shares["sleeping_dog"] > 0).all() and (shares["persuadable"] > 0).all()
    assert (shares["sure_thing"] > 0.05).all() and (shares["lost_cause"] > 0.3).all()
    up = world.true_uplift("profit", campaign_ids=world.campaign_ids[1:])
    assert (up.max(0) > 0).all() and (up.min(0) < 0).all()  # each campaign pays for someone, hurts someone


def test_sequence_only_signal_beats_rfm(world):
    """Order and timing of events predict true uplift beyond RFM and lifetime aggregates."""
    ev = world.events
    n = world.n_users
    uid = ev["user_id"].to_numpy()
    et = ev["event_type"].astype(str).to_numpy()
    age = (world.cutoff - ev["ts"]).dt.total_seconds().to_numpy() / 86_400
    rfm = observed_rfm(world)
    cart, buy = et == "cart", et == "purchase"
    aggregates = np.column_stack(
        [np.log1p(rfm.to_numpy()), np.log1p(np.bincount(uid[cart], minlength=n)), rfm["recency_days"] < 7]
    )
    # sequence feature 1: the last cart is recent and no purchase came after it
    last_cart = np.full(n, np.inf)
    np.minimum.at(last_cart, uid[cart], age[cart])
    last_buy = np.full(n, np.inf)
    np.minimum.at(last_buy, uid[buy], age[buy])
    open_cart_seq = ((last_cart < 7) & (last_buy > last_cart)).astype(float)
    # sequence feature 2: a slowing rhythm (late versus early activity)
    early = np.bincount(uid[age > 30], minlength=n) / (world.history_days - 30)
    late = np.bincount(uid[age <= 30], minlength=n) / 30
    trend = np.log((late + 0.02) / (early + 0.02))

    def r2(x, y):
        return cross_val_score(LinearRegression(), x, y, cv=3, scoring="r2").mean()

    y_rem = world.true_uplift("convert", campaign_ids=["cart_reminder"])[:, 0]
    gain_rem = r2(np.column_stack([aggregates, open_cart_seq]), y_rem) - r2(aggregates, y_rem)
    y_ret = world.true_uplift("retain", campaign_ids=["percent_20"])[:, 0]
    gain_ret = r2(np.column_stack([aggregates, trend]), y_ret) - r2(aggregates, y_ret)
    assert gain_rem > 0.3, gain_rem
    assert gain_ret > 0.015, gain_ret


# ----------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes_across_chunk_sizes(tmp_path):
    n = 5_000
    a = write_world_parquet(tmp_path / "a", n, chunk_users=n, random_state=7, progress=False)
    write_world_parquet(tmp_path / "b", n, chunk_users=777, random_state=7, progress=False)
    write_world_parquet(tmp_path / "c", n, chunk_users=777, random_state=7, progress=False)
    w = make_world(n, random_state=7)
    assert a["n_events"] == len(w.events)
    for table in ("users", "events"):
        da = _digest(read_world_parquet(tmp_path / "a", table))
        assert da == _digest(read_world_parquet(tmp_path / "b", table)) == _digest(getattr(w, table))
    for f in sorted((tmp_path / "b" / "events").glob("*.parquet")):
        assert f.read_bytes() == (tmp_path / "c" / "events" / f.name).read_bytes()
    # a smaller world is a prefix of a larger one; another seed is another world
    small = make_world(1_000, random_state=7)
    assert _digest(small.events) == _digest(w.events[w.events["user_id"] < 1_000].reset_index(drop=True))
    assert _digest(make_world(1_000, random_state=8).events) != _digest(small.events)


# ----------------------------------------------------------------------------- errors
def test_bad_parameters(world, tmp_path):
    with pytest.raises(ParameterError, match="n_users"):
        make_world(n_users=-5)
    with pytest.raises(ParameterError, match="n_users"):
        make_world(n_users=2.5)
    with pytest.raises(ParameterError, match="n_categories"):
        make_world(n_users=10, n_categories=1)
    with pytest.raises(ParameterError, match="random_state"):
        make_world(n_users=10, random_state=-1)
    cat = default_catalogue()
    cat.loc[3, "type"] = "lottery"
    with pytest.raises(ParameterError, match="unknown campaign type 'lottery'"):
        make_world(n_users=10, catalogue=cat)
    with pytest.raises(ParameterError, match="sum to 1"):
        world.log_randomised(shares={"control": 0.5, "percent_20": 0.4})
    with pytest.raises(ParameterError, match="unknown campaign_id"):
        world.evaluate_plan(pd.DataFrame({"user_id": [1], "campaign_id": ["mystery"]}))
    with pytest.raises(ParameterError, match="more than once"):
        world.evaluate_plan(pd.DataFrame({"user_id": [1, 1], "campaign_id": ["control", "percent_10"]}))
    with pytest.raises(ParameterError, match="holdout"):
        world.run_plan(pd.DataFrame({"user_id": [1], "campaign_id": ["percent_10"]}), holdout=1.5)
    with pytest.raises(ParameterError, match="target_category"):
        world.expected_outcomes(user_ids=[0, 1], target_category=[0, 99])
    with pytest.raises(ParameterError, match="not a user"):
        world.expected_outcomes(user_ids=[world.n_users])
    with pytest.raises(ParameterError, match="metric"):
        world.true_uplift("happiness")
    write_world_parquet(tmp_path / "w", 10, progress=False)
    with pytest.raises(ParameterError, match="overwrite"):
        write_world_parquet(tmp_path / "w", 10, progress=False)


def test_summaries_and_plots(world):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from campaignkit.data.world import compare_log_to_truth, plots, sequence_signal, uplift_summary

    sig = sequence_signal(world).set_index("campaign_id")
    assert sig.loc["cart_reminder", "gain"] > 0.3
    assert sig.loc["percent_20", "gain"] > 0.01  # a slowing rhythm predicts the retention effect
    assert sig.loc["category_coupon", "gain"] > 0.01  # recent views reveal the shifted taste
    log = world.log_randomised(random_state=4)
    check = compare_log_to_truth(world, log, "convert")
    assert len(check) == len(world.campaign_ids) - 1 and (check["se"] > 0).all()
    summ = uplift_summary(world, "convert")
    assert np.allclose(summ["ate"], world.true_uplift("convert", campaign_ids=world.campaign_ids[1:]).mean(0))

    def bars(ax, size="height"):
        return np.array([getattr(b, f"get_{size}")() for b in ax.patches])

    ax = plots.plot_events_per_user(world.events, world.n_users)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert bars(ax).sum() == world.events["user_id"].nunique()  # every active user in one bin
    week = events_by_weekday(world.events)
    np.testing.assert_allclose(bars(plots.plot_weekday(week)), week.to_numpy())
    table = funnel(world.events)
    np.testing.assert_allclose(bars(plots.plot_funnel(table), "width"), table["users"].to_numpy()[::-1])
    up = np.zeros((10, 2)) + [0.1, -0.1]
    ax = plots.plot_uplift_distribution(up, ["a", "b"])
    np.testing.assert_allclose(ax.collections[-1].get_offsets()[:, 0], up.mean(0))
    shares = response_type_shares(world)
    ax = plots.plot_response_types(shares)
    np.testing.assert_allclose(bars(ax, "width")[: len(shares)], shares["sure_thing"].to_numpy())
    ax = plots.plot_log_vs_truth(check)
    np.testing.assert_allclose(ax.collections[-1].get_offsets()[:, 0], check["truth"].to_numpy())
    plt.close("all")
