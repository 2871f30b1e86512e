"""The loop plots return their Axes."""

from __future__ import annotations

from campaignkit.loop import (
    plot_regret,
    plot_rounds,
)


def test_plots_return_axes(result):
    import matplotlib

    matplotlib.use("Agg")
    assert plot_rounds(result.table) is not None
    assert plot_regret({"loop": result.table}, share=True) is not None
