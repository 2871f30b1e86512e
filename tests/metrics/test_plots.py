"""The metrics plots draw the numbers the metrics compute."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd

from campaignkit import metrics as M


def test_plots_draw_the_computed_numbers():
    rng = np.random.default_rng(5)
    n = 400
    t = rng.integers(0, 2, n)
    s = rng.normal(size=n)
    y = (rng.uniform(size=n) < 0.3).astype(int)
    p = rng.uniform(size=n)
    import matplotlib.pyplot as plt

    def line(ax, i):
        return tuple(np.asarray(a, float) for a in ax.lines[i].get_data())

    ax = M.plot_qini(y, s, t)
    assert isinstance(ax, matplotlib.axes.Axes)
    np.testing.assert_allclose(line(ax, 0), M.qini_curve(y, s, t))
    x, v = M.qini_curve(y, s, t)
    np.testing.assert_allclose(line(ax, 1), ([0, x[-1]], [0, v[-1]]))
    np.testing.assert_allclose(line(ax, 2), M.perfect_qini_curve(y, t))
    np.testing.assert_allclose(line(M.plot_uplift_curve(y, s, t), 0), M.uplift_curve(y, s, t))
    ax = M.plot_true_qini(s, {"a": s, "b": -s})
    np.testing.assert_allclose(line(ax, 0), M.true_qini_curve(s, s))
    np.testing.assert_allclose(line(ax, 1), M.true_qini_curve(s, -s))
    cc = M.calibration_curve(y, p)
    np.testing.assert_allclose(
        line(M.plot_calibration(y, {"p": p}), 0), (cc["mean_predicted"], cc["fraction_positive"])
    )
    table = M.uplift_by_decile(y, s, t)
    np.testing.assert_allclose(line(M.plot_uplift_by_decile(y, s, t), 0), (table.index, table["uplift"]))
    ax = M.plot_training_curves(pd.DataFrame({"epoch": [0, 1], "train/loss": [1.0, 0.5]}))
    np.testing.assert_allclose(line(ax, 0), ([0, 1], [1.0, 0.5]))
    ax = M.plot_policy_values({"a": {"value": 1.0, "se": 0.1}, "b": 0.5}, oracle=1.2)
    assert [b.get_width() for b in ax.patches] == [1.0, 0.5]
    plt.close("all")
