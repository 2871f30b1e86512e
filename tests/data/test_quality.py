"""Data quality: injected dirt is found exactly by the validator and cleaned; the quality plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaignkit.data.clean import (
    BotFlagger,
    MissingImputer,
    Winsorizer,
)


def test_injected_dirt_is_found_exactly_and_cleaned():
    from campaignkit.data.quality import expected_rules, inject_dirt
    from campaignkit.data.validate import validate

    rng = np.random.default_rng(11)
    n = 3000
    t0 = pd.Timestamp("2024-06-01", tz="UTC")
    events = pd.DataFrame(
        {
            "user_id": rng.integers(0, 150, n),
            "ts": t0 + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s"),
            "event_type": rng.choice(["view", "cart", "fav", "purchase"], n),
            "item_id": rng.integers(0, 10**6, n),
            "category": rng.integers(0, 8, n),
            "price": rng.gamma(2.0, 15.0, n).round(2),
            "quantity": rng.integers(1, 3, n),
        }
    )
    dirty, truth = inject_dirt(events, rate=0.01, bot_events=400, random_state=5)
    t = truth.set_index("kind")["rows"]
    assert len(dirty) == n + t["duplicate_row"] + 400
    res = validate(dirty, users=np.arange(150))
    assert {k: v for k, v in res.counts.items() if v} == expected_rules(truth)
    assert res.rows_in == res.rows_kept + res.rows_quarantined == len(dirty)
    kept = res.kept
    assert kept["category"].isna().sum() == t["missing_category"]
    # preprocessing then handles what validation keeps: imputed categories, clipped outliers, a flagged bot
    imp = MissingImputer({"category": "mode"}).fit(kept)
    assert imp.transform(kept)["category"].notna().all()
    win = Winsorizer(columns=["price"], upper=0.99).fit(kept)
    assert win.transform(kept)["price"].max() < kept["price"].max()
    flagged = BotFlagger(quantile=0.99, factor=3.0).fit(kept).transform(kept)
    assert set(flagged.loc[flagged["is_bot"], "user_id"]) == {t["bot_user_id"]}


def test_quality_plots_return_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from campaignkit.data.quality import plot_before_after, plot_validation_report
    from campaignkit.data.validate import validate

    df = pd.DataFrame(
        {
            "user_id": [1, 2, 3],
            "ts": ["2024-01-01T00:00:00Z"] * 3,
            "event_type": ["view", "zap", "view"],
            "item_id": [1, 2, 3],
            "price": [1.0, 2.0, -1.0],
            "quantity": [1, 1, 1],
        }
    )
    res = validate(df)
    ax = plot_validation_report(res, truth={"vocabulary": 1, "range": 1})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["vocabulary", "range"]
    assert sorted(p.get_width() for p in ax.patches) == [1, 1, 1, 1]
    fig, ax2 = plt.subplots()
    assert plot_before_after([1, 10, 1000], [1, 10, 20], ax=ax2, log_x=True) is ax2
    plt.close("all")
