"""difference_in_means: hand-computed cases and edge cases; metrics imports neither data nor models."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.metrics import DifferenceInMeans, difference_in_means

Z95 = 1.959963984540054  # normal 0.975 quantile
Z90 = 1.6448536269514722  # normal 0.95 quantile

# treated 3, 5, 7 (mean 5); control 1, 2 (mean 1.5)
Y = np.array([3.0, 1.0, 5.0, 2.0, 7.0])
T = np.array([1, 0, 1, 0, 1])


def test_by_hand_sample_variance():
    d = difference_in_means(Y, T)
    assert isinstance(d, DifferenceInMeans)
    assert (d.n_treated, d.n_control) == (3, 2)
    assert (d.mean_treated, d.mean_control, d.effect) == (5.0, 1.5, 3.5)
    # ddof=1: var_t = (4 + 0 + 4) / 2 = 4, var_c = (0.25 + 0.25) / 1 = 0.5 -> se^2 = 4/3 + 0.5/2 = 19/12
    assert d.se == pytest.approx(math.sqrt(19 / 12), rel=1e-15)
    assert d.ci_low == pytest.approx(3.5 - Z95 * math.sqrt(19 / 12), rel=1e-15)
    assert d.ci_high == pytest.approx(3.5 + Z95 * math.sqrt(19 / 12), rel=1e-15)
    d90 = difference_in_means(Y, T, confidence=0.90)
    assert d90.se == d.se and d90.ci_high == pytest.approx(3.5 + Z90 * math.sqrt(19 / 12), rel=1e-15)


def test_by_hand_plugin_variance_and_binary_outcome():
    # ddof=0: var_t = 8/3, var_c = 1/4 -> se^2 = 8/9 + 1/8 = 73/72
    assert difference_in_means(Y, T, ddof=0).se == pytest.approx(math.sqrt(73 / 72), rel=1e-15)
    # 0/1 outcome, ddof=0 is p(1-p)/n: treated 3 of 4 (p=.75), control 1 of 4 (p=.25)
    y = np.array([1, 1, 0, 1, 0, 1, 0, 0])
    t = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    d = difference_in_means(y, t, ddof=0)
    assert d.effect == 0.5
    assert d.se == pytest.approx(math.sqrt(0.75 * 0.25 / 4 + 0.25 * 0.75 / 4), rel=1e-15)


def test_result_is_frozen_and_plain():
    d = difference_in_means(Y, T)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.effect = 0.0
    assert [f.name for f in dataclasses.fields(d)] == [
        "effect",
        "se",
        "ci_low",
        "ci_high",
        "n_treated",
        "n_control",
        "mean_treated",
        "mean_control",
    ]
    assert all(type(v) is (int if k.startswith("n_") else float) for k, v in dataclasses.asdict(d).items())


def test_inputs_pandas_boolean_and_order_free():
    d = difference_in_means(Y, T)
    assert difference_in_means(pd.Series(Y), pd.Series(T == 1)) == d
    order = np.array([4, 2, 0, 3, 1])
    e = difference_in_means(Y[order], T[order])
    assert e.effect == d.effect and e.se == pytest.approx(d.se, rel=1e-15)


def test_matches_the_formula_on_random_inputs():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(4, 300))
        t = rng.integers(0, 2, n)
        t[:2] = [0, 1]
        y = rng.gamma(1.0, 3.0, n) * (rng.uniform(size=n) < 0.4)
        for ddof in (0, 1):
            a, c = y[t == 1], y[t == 0]
            d = difference_in_means(y, t, ddof=ddof, confidence=0.8)
            assert d.effect == a.mean() - c.mean()
            if min(len(a), len(c)) > ddof:
                assert d.se == np.sqrt(a.var(ddof=ddof) / len(a) + c.var(ddof=ddof) / len(c))


@pytest.mark.parametrize(
    ("y", "t", "kwargs", "match"),
    [
        ([1.0, 2.0], [0, 0], {}, "no treated row"),
        ([1.0, 2.0], [1, 1], {}, "no control row"),
        ([], [], {}, "empty input"),
        ([1.0, 2.0, 3.0], [0, 1], {}, "inconsistent lengths"),
        ([1.0, 2.0], [0, 2], {}, "binary"),
        ([1.0, np.nan], [0, 1], {}, "NaN"),
        ([[1.0, 2.0]], [[0, 1]], {}, "1-d"),
        (Y, T, {"confidence": 0.0}, "confidence"),
        (Y, T, {"confidence": 1.0}, "confidence"),
        (Y, T, {"ddof": -1}, "ddof"),
        (Y, T, {"ddof": 0.5}, "ddof"),
    ],
)
def test_bad_inputs_raise(y, t, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        difference_in_means(y, t, **kwargs)


def test_one_row_arm():
    y, t = np.array([4.0, 1.0, 3.0]), np.array([1, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "degrees of freedom <= 0" warning
        d = difference_in_means(y, t, ddof=1)
    assert d.effect == 2.0 and math.isnan(d.se) and math.isnan(d.ci_low) and math.isnan(d.ci_high)
    # ddof=0: the single treated row contributes zero variance; control 1, 3 has variance 1, over 2 rows
    d0 = difference_in_means(y, t, ddof=0)
    assert d0.se == pytest.approx(math.sqrt(1 / 2), rel=1e-15)


def test_metrics_depends_on_neither_data_nor_models():
    code = (
        "import sys, campaignkit.metrics; "
        "bad = [m for m in sys.modules if m.startswith(('campaignkit.data', 'campaignkit.models'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_clustered_difference_in_means():
    rng = np.random.default_rng(5)
    y = rng.normal(size=600)
    t = rng.integers(0, 2, 600)
    plain = difference_in_means(y, t)
    assert difference_in_means(y, t, groups=np.arange(600) + 10) == plain  # one row per group: exact
    pair = np.repeat(np.arange(600), 2)
    naive = difference_in_means(np.repeat(y, 2), np.repeat(t, 2))
    clustered = difference_in_means(np.repeat(y, 2), np.repeat(t, 2), groups=pair)
    assert clustered.effect == pytest.approx(plain.effect) and clustered.ci_low < clustered.effect
    assert clustered.se / naive.se == pytest.approx(np.sqrt(2), rel=0.01)
    # by hand: groups spanning both arms; influences summed per group
    yh = np.array([1.0, 3.0, 2.0, 0.0, 4.0])
    th = np.array([1, 0, 1, 0, 0])
    gh = np.array([0, 0, 1, 1, 2])
    mt, mc = 1.5, 7 / 3
    inf = np.where(th == 1, (yh - mt) / 2, -(yh - mc) / 3)
    sums = np.bincount(gh, weights=inf)
    out = difference_in_means(yh, th, groups=gh)
    assert out.se == pytest.approx(np.sqrt(3 / 2 * np.sum(sums**2)))
    assert difference_in_means(yh, th, groups=gh, ddof=0).se == pytest.approx(np.sqrt(np.sum(sums**2)))
