"""The mediated learner: profit built through participation, checked on the toy problem's known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from campaignkit.errors import ParameterError
from campaignkit.models import MediatedLearner
from campaignkit.models.inputs import as_user_data
from campaignkit.models.profit import realised_profit
from tests.models._helpers import FAST


def test_mediated_learner_builds_profit_through_participation(toy, store):
    model = MediatedLearner(**FAST).fit(store, toy["log"], toy["catalogue"])
    assert model.control_participation_ == 0  # nobody takes part under control in the toy
    out = model.predict_outcomes(store)
    p, v = out.participate, out.extra["engaged_profit"]
    b = out.profit[:, :1]
    contact = toy["catalogue"]["contact_cost"].to_numpy()[None, :]
    expect = b + p * (v - b) - (1 - p) * contact
    np.testing.assert_allclose(out.profit[:, 1:], expect[:, 1:])
    assert np.all(out.participate[:, 0] == 0) and np.all((p >= 0) & (p <= 1))
    # the toy's participation rises with conversion, which rises with x0 under every campaign
    x0 = toy["features"]["x0"].to_numpy()
    assert np.corrcoef(out.uplift("participate")[:, 1], x0)[0, 1] > 0.3
    with pytest.raises(ParameterError, match="not fitted on"):
        model.predict_outcomes(store, toy["catalogue"].assign(campaign_id=["control", "a", "b", "c"]))


def test_mediated_learner_reads_each_campaigns_participant_profit(toy, store):
    """By campaign: a participant's profit = the campaign's mean participant profit + one shared deviation."""
    log = toy["log"].copy()
    arms = log["campaign_id"].astype(str).to_numpy()
    ids = toy["catalogue"]["campaign_id"].astype(str).tolist()
    took_part = log["participated"].to_numpy(dtype=bool)
    bonus = np.where(arms == ids[2], 25.0, 0.0) * took_part  # campaign 2's participants earn 25 more
    log["revenue"] = log["revenue"] + bonus / 0.35
    profit = realised_profit(log, toy["catalogue"])
    model = MediatedLearner(**FAST).fit(store, log, toy["catalogue"])
    means = [profit[took_part & (arms == c)].mean() for c in ids]
    means[0] = profit[took_part].mean()  # nobody takes part under control: the mean of all participants
    np.testing.assert_allclose(model.engaged_means_, means)
    v = model.predict_outcomes(store).extra["engaged_profit"]
    assert v[:, 2].mean() - v[:, 1].mean() > 10  # 25 added to a gap of about -9
    took_2 = took_part & (arms == ids[2])
    rows = np.flatnonzero(toy["features"].index.isin(log["user_id"][took_2]))
    assert abs(v[rows, 2].mean() - means[2]) < 1.0  # the deviations of a campaign's participants average out
    # every outcome follows participation: campaign 2's revenue rises by p_2 x the bonus, its discount does not
    before = MediatedLearner(**FAST).fit(store, toy["log"], toy["catalogue"]).predict_outcomes(store)
    after = model.predict_outcomes(store)
    rise = (after.uplift("revenue")[:, 2] - before.uplift("revenue")[:, 2]).mean()
    expect = (after.participate[:, 2] * 25.0 / 0.35).mean()
    assert abs(rise - expect) < 0.2 * expect
    assert abs((after.discount[:, 2] - before.discount[:, 2]).mean()) < 0.1 * expect
    pooled = MediatedLearner(**FAST, participant_profit="pooled").fit(store, log, toy["catalogue"])
    assert np.ptp(pooled.predict_outcomes(store).extra["engaged_profit"][:, 2] - v[:, 2]) > 0
    with pytest.raises(ParameterError, match="participant_profit"):
        MediatedLearner(participant_profit="nope").fit(store, log, toy["catalogue"])


def test_mediated_learner_calibrates_discount_to_the_log(toy, store):
    """Over the training log, each campaign's predicted discount sums to what its rows were paid."""
    from campaignkit.models.profit import realised_discount

    log, cat = toy["log"], toy["catalogue"]
    model = MediatedLearner(**FAST).fit(store, log, cat)
    out = model.predict_outcomes(store, cat)
    row = pd.Index(toy["features"].index).get_indexer(log["user_id"])
    arm = pd.Index(cat["campaign_id"]).get_indexer(log["campaign_id"])
    paid = realised_discount(log, cat)
    for c in range(1, len(cat)):
        sel = arm == c
        np.testing.assert_allclose(out.discount[row[sel], c].sum(), paid[sel].sum(), rtol=1e-9)


def test_observed_nonparticipants_read_what_the_logs_nonparticipants_earn(toy, store):
    m = MediatedLearner(**FAST, nonparticipants="observed").fit(store, toy["log"], toy["catalogue"])
    log = toy["log"]
    # the scale is what the campaign's non-participants realised over what non-participants earn under control
    x = m._features(as_user_data(store))[as_user_data(store).rows_of(log["user_id"].to_numpy())]
    base = m._nonparticipant_base(x)["revenue"]
    arm = pd.Index(toy["catalogue"]["campaign_id"]).get_indexer(log["campaign_id"])
    rest = (log["participated"].to_numpy() == 0) & (arm == 1)
    want = log["revenue"].to_numpy()[rest].sum() / base[rest].sum()
    assert m.nonparticipant_scale_["revenue"][1] == pytest.approx(want)
    assert m.nonparticipant_scale_["revenue"][0] == 1.0
    control = MediatedLearner(**FAST).fit(store, toy["log"], toy["catalogue"])
    assert np.all(control.nonparticipant_scale_["revenue"] == 1.0)
    with pytest.raises(ParameterError, match="nonparticipants"):
        MediatedLearner(nonparticipants="nope").fit(store, toy["log"], toy["catalogue"])


def test_modelled_nonparticipants_see_whom_an_ignored_contact_harms(toy, store):
    # a fatigue the features show: users with x3 > 0 who ignore a contact do not buy at all
    log, feats, cat = toy["log"].copy(), toy["features"], toy["catalogue"]
    tired_user = feats["x3"].to_numpy() > 0
    tired = feats.loc[log["user_id"], "x3"].to_numpy() > 0
    hit = tired & (log["campaign_id"] != "control").to_numpy() & ~log["participated"].to_numpy(bool)
    harm = log.loc[hit, "revenue"].mean()  # what each such row would have bought
    log.loc[hit, ["converted", "revenue"]] = [False, 0.0]

    modelled = MediatedLearner(**FAST, nonparticipants="modelled").fit(store, log, cat)
    data = as_user_data(store)
    shift = modelled._nonparticipant_shift(modelled._features(data), "revenue", list(range(len(cat))))
    assert np.all(shift[:, 0] == 0)
    found = shift[~tired_user, 1:].mean() - shift[tired_user, 1:].mean()
    assert 0.5 * harm < found < 1.5 * harm, (found, harm)

    def gap(model):  # predicted revenue uplift, rested minus tired users, mean over campaigns
        up = model.predict_uplift(store, cat, outcome="revenue")
        assert np.isfinite(up).all()
        return up[~tired_user, 1:].mean() - up[tired_user, 1:].mean()

    # the learner assuming an ignored contact changes nothing cannot see it; the modelled one prices it in
    control = MediatedLearner(**FAST).fit(store, log, cat)
    assert control._nonparticipant_shift(control._features(data), "revenue", [0, 1]) is None
    ignoring = 1.0 - log.loc[log["campaign_id"] != "control", "participated"].mean()
    assert gap(modelled) - gap(control) > 0.25 * harm * ignoring, (gap(modelled), gap(control), harm)
    with pytest.raises(ParameterError, match="did not take part"):
        MediatedLearner(**FAST, nonparticipants="modelled").fit(store, log.assign(participated=True), cat)
