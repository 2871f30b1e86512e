"""bootstrap_interval: the cluster bootstrap keeps groups whole; without groups nothing changes."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.errors import ParameterError
from campaignkit.metrics import bootstrap_interval, qini_coefficient


def _data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    score = rng.normal(size=n)
    y = (rng.random(n) < 0.2 + 0.2 * t * (score > 0)).astype(float)
    return y, score, t


def test_cluster_bootstrap_never_splits_a_group():
    rng = np.random.default_rng(1)
    sizes = rng.integers(1, 5, 150)
    group = np.repeat(np.arange(150), sizes)
    rng.shuffle(group)  # a group's rows are scattered through the data
    n = len(group)
    row = np.arange(n, dtype=float)
    seen = []

    def metric(y, score, treatment):
        # y carries the row number: every drawn group must come with all of its rows, as often as it is drawn
        rows = y.astype(int)
        counts = np.bincount(rows, minlength=n)  # how often each row was drawn
        drawn = np.bincount(group[rows], minlength=150) / sizes  # how often its group was, if whole
        assert np.array_equal(counts, drawn[group]), "a group was split"
        seen.append(len(rows))
        return float(score.mean())

    out = bootstrap_interval(
        metric, row, rng.normal(size=n), np.zeros(n, int), n_boot=30, groups=group, stratify=False
    )
    assert out.n_failed == 0 and len(seen) == 31 and len(set(seen[1:])) > 1  # replicate sizes vary
    with pytest.raises(AssertionError, match="a group was split"):  # the row bootstrap does split them
        bootstrap_interval(metric, row, rng.normal(size=n), np.zeros(n, int), n_boot=30, stratify=False)


def test_cluster_bootstrap_by_arm_and_singletons_bit_for_bit():
    y, s, t = _data()
    plain = bootstrap_interval(qini_coefficient, y, s, t, n_boot=40, random_state=3)
    singles = np.arange(len(y)) * 3 + 1
    assert bootstrap_interval(qini_coefficient, y, s, t, n_boot=40, random_state=3, groups=singles) == plain
    plain = bootstrap_interval(qini_coefficient, y, s, t, n_boot=40, random_state=3, stratify=False)
    same = bootstrap_interval(
        qini_coefficient, y, s, t, n_boot=40, random_state=3, stratify=False, groups=singles
    )
    assert same == plain
    # duplicated rows clustered in pairs: about the interval of the distinct rows, wider than the naive one
    pair = np.repeat(np.arange(len(y)), 2)
    yy, ss, tt = np.repeat(y, 2), np.repeat(s, 2), np.repeat(t, 2)
    naive = bootstrap_interval(qini_coefficient, yy, ss, tt, n_boot=200, random_state=4)
    clustered = bootstrap_interval(qini_coefficient, yy, ss, tt, n_boot=200, random_state=4, groups=pair)
    assert clustered.se > 1.2 * naive.se
    # within-arm resampling needs groups inside one arm
    mixed = np.arange(len(y)) // 2
    with pytest.raises(ParameterError, match="stratify=False"):
        bootstrap_interval(qini_coefficient, y, s, t, n_boot=20, groups=mixed)
    by_arm = np.where(t == 1, 0, 10_000) + np.arange(len(y)) // 4
    out = bootstrap_interval(qini_coefficient, y, s, t, n_boot=20, groups=by_arm)
    assert out.lower <= out.value <= out.upper
