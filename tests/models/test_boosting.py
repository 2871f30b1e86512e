"""Gradient boosting once: the ``Boosting`` settings, and the learners' ``weight_by_propensity`` option.

Retraining on a targeted log (issue 16, part 3): a targeted log sends each arm to the users its rule
picked (reminders to open carts, member offers to high tiers), so an arm's rows are not a sample of the
population. A model whose features do not hold what the targeting looked at learns the picked users'
response: ignoring the logged propensities biases the average effect; weighting each row by
``1 / propensity`` does not. The tolerances are the standard error of the self-normalised IPS estimate of
the same effects from the same log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from campaignkit.data import make_world
from campaignkit.errors import ParameterError
from campaignkit.models import (
    Boosting,
    MediatedLearner,
    PriceOfferModel,
    ResponseModelTargeting,
    SLearner,
    TLearner,
)
from campaignkit.models.boosting import propensity_weights
from campaignkit.models.toy import toy_problem

ARMS = ["control", "member_exclusive_15", "cart_reminder"]


@pytest.fixture(scope="module")
def setup():
    world = make_world(8_000, random_state=5)
    log = world.log_targeted(random_state=1)
    log = log[log["campaign_id"].isin(ARMS)].drop(columns="retained").reset_index(drop=True)
    catalogue = world.catalogue[world.catalogue["campaign_id"].isin(ARMS)].reset_index(drop=True)
    # what the users table shows: not the open carts, purchase history or views the targeting read
    users = world.users[["user_id", "age_band", "region", "channel_pref", "tenure_days"]]
    truth = world.true_uplift("participate", campaign_ids=ARMS[1:]).mean(0)
    return world, log, catalogue, users, truth


def _snips_se(log, arm: str) -> float:
    """Standard error (delta method) of the self-normalised IPS estimate of an arm's participation uplift."""
    y = log["participated"].to_numpy(float)
    w = 1.0 / log["propensity"].to_numpy()
    psi = []
    for a in ("control", arm):
        wk = np.where(log["campaign_id"].to_numpy() == a, w, 0.0)
        m = (wk * y).sum() / wk.sum()
        psi.append(wk * (y - m) / wk.mean())
    return float(np.std(psi[1] - psi[0]) / np.sqrt(len(y)))


def test_weights_are_inverse_propensities_normalised_per_arm():

    log = pd.DataFrame({"propensity": [0.5, 0.25, 0.1, 0.1]})
    w = propensity_weights(log, np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(w, [2 / 3, 4 / 3, 1.0, 1.0])
    with pytest.raises(ParameterError, match="propensity"):
        propensity_weights(pd.DataFrame({"propensity": [0.5, 0.0]}), np.array([0, 1]))
    assert clone(TLearner(weight_by_propensity=True)).get_params()["weight_by_propensity"] is True
    assert clone(MediatedLearner(weight_by_propensity=True)).get_params()["weight_by_propensity"] is True


@pytest.mark.parametrize("learner", [TLearner, MediatedLearner], ids=["t_learner", "mediated"])
def test_ignoring_propensities_biases_the_effect_and_weighting_does_not(setup, learner):
    world, log, catalogue, users, truth = setup
    est = {}
    for weighted in (False, True):
        model = learner(boosting=Boosting(max_iter=30), random_state=0, weight_by_propensity=weighted).fit(
            users, log, catalogue
        )
        est[weighted] = model.predict_uplift(users, outcome="participate")[:, 1:].mean(0)
    se = np.array([_snips_se(log, a) for a in ARMS[1:]])
    reminder = ARMS.index("cart_reminder") - 1
    # the reminders went to open carts, who answer them far more often: unweighted, the effect looks larger
    assert est[False][reminder] - truth[reminder] > 5 * se[reminder]
    # weighted, every arm's average effect is the world's exact one within the log's own uncertainty
    assert np.all(np.abs(est[True] - truth) < 3 * se), (est[True], truth, se)


def test_boosting_settings_fill_unset_fields_from_the_learners_default():
    from campaignkit.models.boosting import BOOSTING_DEFAULTS, boosting_params

    assert boosting_params(TLearner()) == boosting_params(ResponseModelTargeting()) == vars(BOOSTING_DEFAULTS)
    mediated = boosting_params(MediatedLearner(boosting=Boosting(max_iter=5)))
    assert mediated == {**vars(BOOSTING_DEFAULTS), "max_iter": 5, "learning_rate": 0.02}  # it learns slower
    assert boosting_params(PriceOfferModel(boosting=Boosting(learning_rate=0.2)))["learning_rate"] == 0.2
    model = SLearner(boosting=Boosting(max_iter=5))
    assert clone(model).boosting == model.boosting and clone(model).get_params() == model.get_params()
    toy = toy_problem(n_users=300, random_state=0)
    with pytest.raises(ParameterError, match="Boosting"):
        TLearner(boosting={"max_iter": 5}).fit(toy["features"], toy["log"], toy["catalogue"])
