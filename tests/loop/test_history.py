"""Contact history and calibration rows carried across the loop's rounds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.loop._helpers import ARMS, N_ROUNDS


def test_contact_history_counts_earlier_rounds_with_decay():
    from campaignkit.loop import contact_history

    log = pd.DataFrame(
        {
            "round": [0, 1, 1, 2, 2],
            "world_user_id": [0, 0, 1, 0, 1],
            "campaign_id": ["coupon_5", "coupon_5", "control", "cart_reminder", "coupon_5"],
            "participated": [False, False, False, True, False],
        }
    )
    h = contact_history(log, np.array([0, 1, 2]))
    np.testing.assert_allclose(
        h["loop_contacts"], [0.5 + 1.0, 1.0, 0.0]
    )  # round 0 (the randomised start) is not
    np.testing.assert_allclose(h["loop_ignored"], [0.5, 1.0, 0.0])
    assert all((v == 0).all() for v in contact_history(None, np.arange(3)).values())


def test_logged_features_carry_the_contact_history(result):
    later = result.data[result.data["user_id"] >= 2 * 10**10]  # round 2's rows: after one round of contacts
    assert later["loop_contacts"].gt(0).any() and (result.data["loop_contacts"] >= 0).all()


def test_calibration_rows_are_the_plan_users_logged_rows(result):
    from campaignkit.loop import calibration_rows
    from campaignkit.loop.history import CALIBRATION_OFFSET
    from campaignkit.models.prediction import Prediction

    class Folds:  # two "fold models" that score each feature row by its recency: enough to follow the rows
        def predict(self, data):
            v = np.repeat(data["recency_days"].to_numpy(float)[:, None], 3, axis=1)
            return [Prediction(data["user_id"].to_numpy(), ARMS, *(v + f for _ in range(6))) for f in (0, 1)]

    log, data = result.log, result.data
    users = data[data["user_id"] < 10**10].reset_index(
        drop=True
    )  # round 0's rows: keyed by the users' own ids
    preds = Folds().predict(users)
    plan_users = users["user_id"].to_numpy()[::7]
    both, fc_preds, cal = calibration_rows(Folds(), users, preds, data, log, plan_users)
    mine = log[log["world_user_id"].isin(plan_users)]
    assert len(cal) == len(mine) and set(mine["round"]) == set(range(N_ROUNDS + 1))  # every round's rows
    assert "round" not in cal and "world_user_id" not in cal  # the log columns a model reads
    np.testing.assert_array_equal(cal["user_id"], mine["user_id"].to_numpy() + CALIBRATION_OFFSET)
    np.testing.assert_allclose(cal["propensity"], mine["propensity"])  # with the design's propensities
    assert len(both) == len(users) + len(cal) and both["user_id"].is_unique
    # every calibration row carries the features its round scored it on, and the models' predictions of them
    logged = data.set_index("user_id").loc[mine["user_id"], "recency_days"].to_numpy()
    np.testing.assert_allclose(both["recency_days"].to_numpy()[len(users) :], logged)
    for f, p in enumerate(fc_preds):
        assert len(p.user_id) == len(both)
        np.testing.assert_allclose(p.profit[len(users) :, 0], logged + f)
        np.testing.assert_allclose(p.profit[: len(users)], preds[f].profit)
    # a plan of users never logged has nothing to calibrate on
    assert calibration_rows(Folds(), users, preds, data, log, [-1])[2] is None
