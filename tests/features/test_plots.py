"""The feature plots return their Axes."""

from __future__ import annotations

import numpy as np

from campaignkit.features import (
    build_features,
    rfm_segment_table,
    uplift_correlations,
)
from tests.features._helpers import CUT


def test_plots_return_axes(tiny):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from campaignkit.features import build_sequences
    from campaignkit.features.plots import (
        plot_feature_distributions,
        plot_rfm_segments,
        plot_sequences,
        plot_uplift_correlations,
    )

    events, users = tiny
    f = build_features(events, users, CUT)
    corr = uplift_correlations(f, np.arange(len(f), dtype=float))
    assert plot_feature_distributions(f).has_data()
    s = corr["c0"].astype(float)
    top = s.loc[s.abs().sort_values(ascending=False).index[:15]][::-1]
    ax = plot_uplift_correlations(corr, "c0")
    np.testing.assert_allclose([b.get_width() for b in ax.patches], top.to_numpy())
    table = rfm_segment_table(f, min_size=1)
    ax = plot_rfm_segments(table)
    np.testing.assert_allclose([b.get_height() for b in ax.patches], table["n_users"].astype(float).fillna(0))
    seqs = build_sequences(events, CUT, max_len=6)
    rows = np.flatnonzero(np.asarray(seqs.mask[:, -1]))[:12]
    drawn = plot_sequences(seqs).images[0].get_array()
    np.testing.assert_array_equal(np.ma.filled(drawn, 0), np.where(seqs.mask[rows], seqs.event_type[rows], 0))
    plt.close("all")
