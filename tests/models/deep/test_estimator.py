"""The deep model's estimator (``BehaviourUpliftModel``) on a toy problem with known conversion
probabilities (campaignkit.models.toy): the known effect, save/load, seeds, errors, GPU, ensembles."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from campaignkit.errors import ParameterError
from campaignkit.models import BehaviourUpliftModel, Prediction, best_campaign
from campaignkit.models.profit import realised_profit
from tests.models.deep._helpers import SMALL


def test_pretraining_learns_the_favourite_category(toy):
    """Next-category head vs the known favourite category (chance = 1/6)."""
    model = BehaviourUpliftModel(max_epochs=1, pretrain_epochs=4, lr=5e-3, random_state=1, **SMALL)
    model.fit((toy["features"], toy["sequences"]), toy["log"], toy["catalogue"])
    acc = np.mean(model.choose_target_category((toy["features"], toy["sequences"])) == toy["favourite"])
    assert acc > 0.4  # chance is 1/6; a short pre-training already reads the favourite
    probs = model.predict_next_category((toy["features"], toy["sequences"]))
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)


def test_estimator_recovers_the_known_effect(fitted, toy):
    store = (toy["features"], toy["sequences"])
    out = fitted.predict_outcomes(store, toy["catalogue"])
    for k in ("participate", "convert", "revenue", "profit", "retain"):
        assert out[k].shape == (1500, 4) and np.isfinite(out[k]).all()
        assert out[f"{k}_std"].shape == (1500, 4)
    assert (out["convert_std"] > 0).any(), "two ensemble members disagree somewhere"
    true_uplift = toy["true_convert"][:, 1:] - toy["true_convert"][:, :1]
    pred_uplift = fitted.predict_uplift(store, toy["catalogue"], outcome="convert")
    assert np.all(pred_uplift[:, 0] == 0)
    corr = np.corrcoef(true_uplift.mean(1), pred_uplift[:, 1:].mean(1))[0, 1]
    assert corr > 0.5, corr
    assert np.mean(np.abs(out["convert"] - toy["true_convert"])) < 0.15
    mean, std = fitted.predict_uplift(store, toy["catalogue"], return_std=True)
    assert mean.shape == std.shape == (1500, 4)
    assert {"train/loss", "val/loss", "stage", "member"} <= set(fitted.history_.columns)
    assert fitted.train_seconds_ > 0


def test_mediated_profit_reads_participants_profit(fitted, toy):
    """The participant head learns the profit of the log's participants, not of all the campaign's rows;
    the mediated profit is ``b + p (v - b) - (1 - p) contact`` per member (nobody takes part under the
    toy's control), and ``profit_estimate`` picks what ``profit`` is."""
    store = (toy["features"], toy["sequences"])
    members, _ = fitted._member_outcomes(store, toy["catalogue"], None, 512)
    log = toy["log"].assign(profit=realised_profit(toy["log"], toy["catalogue"]))
    assert fitted.control_participation_ == 0.0
    # the campaign whose participants' mean profit differs most from its rows' mean (a discount paid by
    # participants only): -3.5 vs -0.3 per row
    by_arm = log[log["campaign_id"] != "control"].groupby("campaign_id")
    gap = (by_arm.apply(lambda g: g.loc[g["participated"], "profit"].mean()) - by_arm["profit"].mean()).abs()
    c = gap.idxmax()
    j = list(toy["catalogue"]["campaign_id"]).index(c)
    arm = log[log["campaign_id"] == c]
    part_mean, all_mean = arm.loc[arm["participated"], "profit"].mean(), arm["profit"].mean()
    assert abs(part_mean - all_mean) > 2.0
    for d in members:
        v = d["engaged_profit"][:, j].mean()
        assert abs(v - part_mean) < abs(v - all_mean), (v, part_mean, all_mean)
        b, p = d["profit_head"][:, :1], d["participate"]
        expect = b + p * (d["engaged_profit"] - b) - (1 - p) * d["contact"]
        expect[:, 0] = b[:, 0]
        np.testing.assert_allclose(d["profit_mediated"], expect)
    out = fitted.predict_outcomes(store, toy["catalogue"])  # default: mediated
    np.testing.assert_allclose(out["profit"], out["profit_mediated"])
    head = copy.copy(fitted)
    head.profit_estimate = "head"
    out_head = head.predict_outcomes(store, toy["catalogue"])
    np.testing.assert_allclose(out_head["profit"], out["profit_head"])
    assert not np.allclose(out["profit"], out_head["profit"])
    head.profit_estimate = "median"
    with pytest.raises(ParameterError, match="profit_estimate"):
        head.predict_outcomes(store, toy["catalogue"])


def test_unseen_campaign_configuration_is_scored(fitted, toy):
    cat = pd.concat(
        [toy["catalogue"], toy["catalogue"].iloc[[1]].assign(campaign_id="percent_15", depth=0.15)],
        ignore_index=True,
    )
    out = fitted.predict_outcomes((toy["features"], toy["sequences"]), cat)
    assert out["profit"].shape == (1500, 5)
    plan = fitted.plan((toy["features"], toy["sequences"]), cat)
    assert list(plan.columns) == ["user_id", "campaign_id", "target_category"]
    assert set(plan["campaign_id"]) <= set(cat["campaign_id"])


def test_save_load_predict_identical(fitted, toy, tmp_path):
    store = (toy["features"], toy["sequences"])
    path = fitted.save(tmp_path / "model.pt")
    torch.load(path, weights_only=True)  # loadable without arbitrary unpickling
    loaded = BehaviourUpliftModel.load(path)
    a, b = fitted.predict_outcomes(store, toy["catalogue"]), loaded.predict_outcomes(store, toy["catalogue"])
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_same_seed_same_model(toy):
    store = (toy["features"], toy["sequences"])
    kw = dict(max_epochs=1, pretrain_epochs=1, quick=True, random_state=7, **SMALL)
    a = (
        BehaviourUpliftModel(**kw)
        .fit(store, toy["log"], toy["catalogue"])
        .predict_outcomes(store, toy["catalogue"])
    )
    b = (
        BehaviourUpliftModel(**kw)
        .fit(store, toy["log"], toy["catalogue"])
        .predict_outcomes(store, toy["catalogue"])
    )
    np.testing.assert_allclose(a["profit"], b["profit"], rtol=1e-5, atol=1e-6)


def test_errors(toy):
    with pytest.raises(ParameterError):
        BehaviourUpliftModel().predict_outcomes((toy["features"], toy["sequences"]), toy["catalogue"])
    with pytest.raises(ParameterError):
        BehaviourUpliftModel(n_ensemble=0).fit(
            (toy["features"], toy["sequences"]), toy["log"], toy["catalogue"]
        )
    with pytest.raises(ParameterError):
        BehaviourUpliftModel().fit("not a store", toy["log"], toy["catalogue"])


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_unchanged_on_gpu(toy):
    store = (toy["features"], toy["sequences"])
    model = BehaviourUpliftModel(
        max_epochs=1, pretrain_epochs=1, accelerator="gpu", devices=1, random_state=0, **SMALL
    ).fit(store, toy["log"], toy["catalogue"])
    out = model.predict_outcomes(store, toy["catalogue"])
    assert np.isfinite(out["profit"]).all()


def test_effect_penalty_shrinks_the_campaign_effects(toy):
    store = (toy["features"], toy["sequences"])
    sizes = {}
    for weight in (0.0, 100.0):
        model = BehaviourUpliftModel(
            max_epochs=3,
            pretrain_epochs=0,
            lr=5e-3,
            random_state=0,
            loss_weights={"effect_l2": weight},
            **SMALL,
        ).fit(store, toy["log"], toy["catalogue"])
        assert "train/effect_l2" in model.history_.columns
        up = model.predict_uplift(store, toy["catalogue"], outcome="convert")
        assert np.all(up[:, 0] == 0)
        sizes[weight] = np.abs(up[:, 1:]).mean()
    assert sizes[100.0] < 0.5 * sizes[0.0]


def test_lower_bound_choice_by_hand():
    # bounds (mean uplift - 1 x std): user 0 -> [0, 0.8, -1.0], user 1 -> [0, -0.5, 0.1], user 2 -> all < 0
    profit = np.array([[1.0, 2.0, 3.0], [1.0, 1.5, 1.2], [0.0, 0.5, 0.2]])
    std = np.array([[0.0, 0.2, 3.0], [0.0, 1.0, 0.1], [0.0, 0.6, 0.3]])
    np.testing.assert_array_equal(best_campaign(profit - profit[:, :1], std, penalty=1.0), [1, 2, 0])
    np.testing.assert_array_equal(best_campaign(profit - profit[:, :1], std, penalty=0.0), [2, 1, 1])
    zero = np.zeros_like(profit)
    out = Prediction(
        user_id=np.arange(3),
        campaign_ids=("control", "a", "b"),
        **{k: zero for k in ("participate", "convert", "revenue", "discount", "contact")},
        profit=profit,
        std={"profit_uplift": std},
    )
    np.testing.assert_array_equal(BehaviourUpliftModel().choose_from_outcomes(out), [1, 2, 0])
    np.testing.assert_array_equal(
        BehaviourUpliftModel(uncertainty_penalty=0.0).choose_from_outcomes(out), [2, 1, 1]
    )
    with pytest.raises(ParameterError, match="uncertainty_penalty"):
        BehaviourUpliftModel(uncertainty_penalty=-1.0).fit(None, None, None)


def test_ensemble_uplift_std_matches_members(fitted, toy):
    store = (toy["features"], toy["sequences"])
    out = fitted.predict_outcomes(store, toy["catalogue"])
    members, _ = fitted._member_outcomes(store, fitted.catalogue_, out["target_category"], 2048)
    uplift = np.stack([m["profit"] - m["profit"][:, :1] for m in members])
    assert len(members) == 2 and np.all(out["profit_uplift_std"][:, 0] == 0)
    np.testing.assert_allclose(out["profit_uplift_std"], uplift.std(0))
    choice = fitted.choose(store, toy["catalogue"])
    bound = uplift.mean(0) - fitted.uncertainty_penalty * uplift.std(0)
    contacted = choice > 0
    # contacted users have a positive bound at their campaign; the others have none positive
    assert np.all(bound[contacted, choice[contacted]] > 0)
    assert np.all(bound[~contacted, 1:] <= 0)


def test_fit_prints_one_line_per_epoch_unless_muted(toy, capsys):
    data = (toy["features"], toy["sequences"])
    BehaviourUpliftModel(max_epochs=1, pretrain_epochs=1, quick=True, random_state=0).fit(
        data, toy["log"], toy["catalogue"]
    )
    err = capsys.readouterr().err
    assert "pretrain: epoch 1/1" in err and "finetune_0: epoch 1/1" in err and "val/loss" in err
    BehaviourUpliftModel(max_epochs=1, pretrain_epochs=1, quick=True, verbose=False, random_state=0).fit(
        data, toy["log"], toy["catalogue"]
    )
    assert "epoch" not in capsys.readouterr().err
