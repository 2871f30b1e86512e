"""The explanation plots return their Axes."""

from __future__ import annotations

import numpy as np
import pytest

from campaignkit.explain import (
    explain_uplift,
    plot_beeswarm,
    plot_importance,
    plot_waterfall,
)


def test_plots_return_axes(world_data, mediated):
    import matplotlib

    matplotlib.use("Agg")
    world, data, _ = world_data
    e = explain_uplift(mediated, data, "cart_reminder", outcome="participate", user_ids=np.arange(50))
    imp = e.importance().head(12)[::-1]
    np.testing.assert_allclose([b.get_width() for b in plot_importance(e).patches], imp.to_numpy())
    ax = plot_beeswarm(e)
    top = e.importance().index[0]
    np.testing.assert_allclose(
        ax.collections[-1].get_offsets()[:, 0], e.values[:, e.feature_names.index(top)]
    )
    ax = plot_waterfall(e, row=0)
    assert ax.lines[-1].get_xdata()[0] == pytest.approx(e.base_values[0] + e.values[0].sum())
