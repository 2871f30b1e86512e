"""Preprocessing transformers: known arithmetic, train-only statistics, joblib persistence."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from campaignkit.data.clean import (
    BotFlagger,
    Deduplicator,
    MissingImputer,
    Normalizer,
    Winsorizer,
    deduplicate,
)
from campaignkit.errors import ParameterError, SchemaError


@pytest.fixture
def train_test():
    rng = np.random.default_rng(7)

    def frame(n, scale, lam):
        return pd.DataFrame(
            {
                "price": rng.gamma(2.0, scale, n),
                "visits": rng.poisson(lam, n).astype(float),
                "region": rng.choice(["north", "south", "south", "east"], n),
            }
        )

    train, test = frame(400, 10.0, 3.0), frame(100, 1000.0, 30.0)  # test is on a very different scale
    train.loc[::10, "visits"] = np.nan
    train.loc[::7, "region"] = None
    test.loc[::5, "visits"] = np.nan
    test.loc[::3, "region"] = None
    return train, test


def test_deduplicate_exact_and_within_tolerance():
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    df = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 1],
            "item_id": [5, 5, 5, 5, 5],
            "ts": [t0, t0, t0 + pd.Timedelta("1s"), t0, t0 + pd.Timedelta("1h")],
        }
    )
    kept, removed = deduplicate(df)
    assert kept.index.tolist() == [0, 2, 3, 4] and removed.index.tolist() == [1]
    kept, removed = deduplicate(df, subset=["user_id", "item_id", "ts"], time_col="ts", tolerance="2s")
    assert kept.index.tolist() == [0, 3, 4] and removed.index.tolist() == [1, 2]
    dd = Deduplicator(subset=["user_id", "item_id", "ts"], time_col="ts", tolerance="2s").fit(df)
    out = dd.transform(df)
    assert len(out) + dd.n_removed_ == len(df) and dd.removed_.index.tolist() == [1, 2]
    with pytest.raises(ParameterError):
        deduplicate(df, tolerance="2s")


def test_winsorizer_uses_training_quantiles(train_test):
    train, test = train_test
    w = Winsorizer(columns=["price"], lower=0.01, upper=0.95).fit(train)
    lo, hi = np.quantile(train["price"], [0.01, 0.95])
    assert w.bounds_["price"] == pytest.approx((lo, hi))
    out = w.transform(test)
    assert out["price"].max() == pytest.approx(hi) and out["price"].min() >= lo
    assert w.n_clipped_["price"] == int(((test["price"] < lo) | (test["price"] > hi)).sum())


def test_imputer_strategies_and_indicators(train_test):
    train, test = train_test
    imp = MissingImputer(strategy={"visits": "mean", "region": "mode"}).fit(train)
    assert imp.statistics_["visits"] == pytest.approx(train["visits"].mean())
    assert imp.statistics_["region"] == "south"
    out = imp.transform(test)
    miss = test["visits"].isna()
    np.testing.assert_allclose(out.loc[miss, "visits"], train["visits"].mean())
    pd.testing.assert_series_equal(out.loc[~miss, "visits"], test.loc[~miss, "visits"])
    assert out["visits_missing"].tolist() == miss.astype(int).tolist()
    assert out["region"].notna().all() and (out.loc[test["region"].isna(), "region"] == "south").all()
    med = MissingImputer("median", columns=["visits"]).fit(train)
    assert med.statistics_["visits"] == np.nanmedian(train["visits"])
    const = MissingImputer("constant", columns=["region"], fill_value="unknown", add_indicator=False).fit(
        train
    )
    assert (const.transform(test)["region"] == "unknown").sum() == test["region"].isna().sum()
    assert "region_missing" not in const.transform(test)
    drop = MissingImputer({"visits": "drop"}).fit(train)
    out = drop.transform(test)
    assert len(out) + drop.n_removed_ == len(test) and out["visits"].notna().all()
    with pytest.raises(ParameterError):
        MissingImputer("average", columns=["visits"]).fit(train)


def test_normaliser_arithmetic(train_test):
    train, test = train_test
    nm = Normalizer({"price": "minmax", "visits": "standard"}).fit(train)
    a = nm.transform(train)
    assert a["price"].min() == 0.0 and a["price"].max() == 1.0
    v = train["visits"]
    np.testing.assert_allclose(a["visits"], (v - v.mean()) / v.std(ddof=0))
    b = nm.transform(test)
    assert b["price"].between(0, 1).all()  # clipped to the training range
    raw = Normalizer("minmax", columns=["price"], clip=False).fit(train).transform(test)
    lo, hi = train["price"].min(), train["price"].max()
    np.testing.assert_allclose(raw["price"], (test["price"] - lo) / (hi - lo))
    lg = Normalizer("log1p", columns=["price"]).fit(train)
    np.testing.assert_allclose(lg.transform(test)["price"], np.log1p(test["price"]))
    np.testing.assert_allclose(lg.inverse_transform(lg.transform(test))["price"], test["price"])
    with pytest.raises(SchemaError):
        lg.transform(test.assign(price=-1.0))


def test_bot_flagger_learns_threshold_on_train():
    rng = np.random.default_rng(3)
    t0 = pd.Timestamp("2024-01-01", tz="UTC")
    rows = []
    for u in range(200):
        for d in range(5):
            for _ in range(rng.integers(1, 6)):
                rows.append((u, t0 + pd.Timedelta(days=d, minutes=int(rng.integers(0, 1000)))))
    train = pd.DataFrame(rows, columns=["user_id", "ts"])
    bf = BotFlagger(quantile=1.0, factor=2.0).fit(train)
    busiest = train.groupby(["user_id", train["ts"].dt.floor("D")]).size().groupby(level=0).max()
    assert bf.threshold_ == pytest.approx(2.0 * busiest.max())
    bot = pd.DataFrame({"user_id": 999, "ts": [t0 + pd.Timedelta(seconds=s) for s in range(600)]})
    test = pd.concat([train[train["user_id"] < 10], bot], ignore_index=True)
    out = bf.transform(test)
    assert (
        out.loc[out["user_id"] == 999, "is_bot"].all() and not out.loc[out["user_id"] != 999, "is_bot"].any()
    )
    assert BotFlagger(max_events_per_day=3).fit(train).threshold_ == 3.0


def _steps():
    return [
        ("dedupe", Deduplicator()),
        ("winsor", Winsorizer(columns=["price"], upper=0.9)),
        ("impute", MissingImputer({"visits": "median", "region": "mode"})),
        ("scale", Normalizer({"price": "log1p", "visits": "minmax"})),
    ]


def test_fit_on_train_never_uses_test_statistics(train_test):
    train, test = train_test
    pipe = Pipeline(_steps()).fit(train)
    params_before = joblib.hash([s.__dict__ for _, s in pipe.steps])
    out = pipe.transform(test)
    # 1. transforming leaves every learned statistic untouched
    learned = [
        pipe.named_steps["winsor"].bounds_,
        pipe.named_steps["impute"].statistics_,
        pipe.named_steps["scale"].params_,
    ]
    ref = Pipeline(_steps()).fit(train)
    assert learned == [
        ref.named_steps["winsor"].bounds_,
        ref.named_steps["impute"].statistics_,
        ref.named_steps["scale"].params_,
    ]
    # 2. a row's output does not depend on the other test rows: add 50 wild rows, the first 100 do not move
    wild = pd.DataFrame({"price": 1e9, "visits": 1e6, "region": "mars"}, index=range(1000, 1050))
    out2 = pipe.transform(pd.concat([test, wild]))
    pd.testing.assert_frame_equal(out2.loc[test.index], out)
    # 3. the test is sensitive: fitting on train + test would have given other statistics and outputs
    leaky = Pipeline(_steps()).fit(pd.concat([train, test]))
    assert leaky.named_steps["winsor"].bounds_ != pipe.named_steps["winsor"].bounds_
    assert not np.allclose(leaky.transform(test)["visits"], out["visits"])
    # the statistics equal those of train alone, computed by hand
    assert pipe.named_steps["impute"].statistics_["visits"] == np.nanmedian(train["visits"])
    assert params_before == joblib.hash([s.__dict__ for _, s in Pipeline(_steps()).fit(train).steps])


def test_pipeline_persists_with_joblib_and_clones(train_test, tmp_path):
    train, test = train_test
    pipe = Pipeline(_steps()).fit(train)
    path = tmp_path / "prep.joblib"
    joblib.dump(pipe, path)
    back = joblib.load(path)
    pd.testing.assert_frame_equal(back.transform(test), pipe.transform(test))
    fresh = clone(pipe)
    assert not hasattr(fresh.named_steps["winsor"], "bounds_")
    assert fresh.get_params()["scale__method"] == {"price": "log1p", "visits": "minmax"}


def test_transformers_reject_non_frames_and_missing_columns(train_test):
    train, _ = train_test
    with pytest.raises(ParameterError):
        Winsorizer().fit(train.to_numpy())
    with pytest.raises(SchemaError) as err:
        Normalizer("minmax", columns=["nope"]).fit(train)
    assert err.value.column == "nope"
