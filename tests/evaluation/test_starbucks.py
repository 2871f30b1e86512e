"""The Starbucks protocol in one call, on the real files (through ``$CAMPAIGNKIT_DATA_HOME``), on a subsample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.config import data_home
from campaignkit.data import starbucks as sb
from campaignkit.evaluation import starbucks_experiment
from campaignkit.models import Boosting, MediatedLearner

REAL = data_home() / sb.STARBUCKS_DIRNAME
pytestmark = pytest.mark.skipif(
    not all((REAL / f).is_file() for f in sb.STARBUCKS_FILES.values()),
    reason=f"Starbucks files not in {REAL}: set CAMPAIGNKIT_DATA_HOME to the folder holding starbucks/",
)


@pytest.fixture(scope="module")
def exp():
    return starbucks_experiment(3, n_customers=1_200, max_len=8)


def test_protocol_rows_waves_propensities_and_split(exp):
    log = exp.log
    assert len(log) == 6 * 1_200 and log["user_id"].is_unique
    assert (log.groupby("unit_id")["wave"].nunique() == 6).all()  # a row per (customer, wave)
    # the design: each wave's arm shares are its propensities, control about a quarter
    shares = log.groupby("wave")["campaign_id"].value_counts(normalize=True)
    np.testing.assert_allclose(log.set_index(["wave", "campaign_id"])["propensity"].groupby(level=[0, 1]).first(),
                               shares.sort_index())  # fmt: skip
    assert 0.2 < (log["campaign_id"] == "control").mean() < 0.3
    # windows: send to the next wave's send, the last to hour 714
    ends = log.groupby("wave")["window_end"].first()
    assert ends.iloc[-1] == exp.data.horizon_end and ends.iloc[0] == exp.data.wave_times[1]
    # informational offers cannot be completed; control never takes part
    assert (
        log.loc[log["campaign_id"].str.startswith("info") | (log["campaign_id"] == "control"), "participated"]
        .eq(0)
        .all()
    )
    # profit = 35% of spend - reward
    np.testing.assert_allclose(
        log["profit"], 0.35 * log["revenue"] - log["discount_cost"] - log["contact_cost"]
    )
    # customers split 70/30, every customer's rows on one side
    train, test = set(exp.train_log["unit_id"]), set(exp.test_log["unit_id"])
    assert not train & test and len(test) == pytest.approx(360, abs=1)


def test_features_are_as_of_each_send_and_a_model_fits(exp):
    f = exp.users.features
    first = exp.log.loc[exp.log["wave"] == 0, "user_id"]
    assert (f.loc[first, "n_purchase"] == 0).all()  # nothing before the first send
    assert exp.users.sequences is not None and exp.users.sequences.max_len == 8
    # a customer's history grows from wave to wave, never with events of its own window
    unit = exp.log["unit_id"].iloc[0]
    rows = exp.log[exp.log["unit_id"] == unit].sort_values("wave")
    counts = f.loc[rows["user_id"], "n_purchase"].to_numpy()
    assert (np.diff(counts) >= 0).all()
    events = exp.data.events[exp.data.events["user_id"] == unit]
    for _, r in rows.iterrows():
        assert counts[r["wave"]] == (events["ts"] < r["sent_at"]).sum()
    model = MediatedLearner(boosting=Boosting(max_iter=5), random_state=0)
    model.fit(exp.train_users, exp.train_log, exp.catalogue)
    pred = model.predict_outcomes(exp.test_users)
    assert pred.profit.shape == (len(exp.test_log), 11) and np.isfinite(pred.profit).all()
    assert isinstance(pd.Series(pred.target_category).iloc[0], (str, int, np.integer))
