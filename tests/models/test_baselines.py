"""T- and S-learners: same calls as the deep model, checked against the toy problem's known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.models import (
    SLearner,
    TLearner,
)
from tests.models._helpers import FAST


@pytest.mark.parametrize("learner", [TLearner, SLearner])
def test_meta_learners_recover_the_known_effect(learner, toy, store):
    model = learner(**FAST).fit(store, toy["log"], toy["catalogue"])
    out = model.predict_outcomes(store, toy["catalogue"])
    assert out["profit"].shape == (3000, 4)
    true_uplift = (toy["true_convert"][:, 1:] - toy["true_convert"][:, :1]).mean(1)
    pred = model.predict_uplift(store, toy["catalogue"], outcome="convert")
    assert np.all(pred[:, 0] == 0)
    assert np.corrcoef(true_uplift, pred[:, 1:].mean(1))[0, 1] > 0.5
    # profit follows the catalogue's cost model: margin * revenue - discount - contact
    cat = toy["catalogue"]
    expect = cat["margin_rate"].to_numpy() * out["revenue"] - out["discount"] - cat["contact_cost"].to_numpy()
    np.testing.assert_allclose(out["profit"], expect)
    assert np.all(out["discount"][:, 0] == 0)
    plan = model.plan(store, cat)
    assert len(plan) == 3000 and set(plan["campaign_id"]) <= set(cat["campaign_id"])


def test_s_learner_scores_an_unseen_configuration(toy, store):
    model = SLearner(**FAST).fit(store, toy["log"], toy["catalogue"])
    cat = pd.concat(
        [toy["catalogue"], toy["catalogue"].iloc[[1]].assign(campaign_id="percent_15", depth=0.15)],
        ignore_index=True,
    )
    assert model.predict_outcomes(store, cat)["profit"].shape == (3000, 5)
    with pytest.raises(ParameterError):
        TLearner(**FAST).fit(store, toy["log"], toy["catalogue"]).predict_outcomes(store, cat)
