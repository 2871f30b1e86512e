"""The behaviour model: networks, Lightning module, trainer factory and the estimator, on a toy problem
with known conversion probabilities (campaignkit.models.toy)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from campaignkit.errors import ParameterError, SchemaError
from campaignkit.models import BehaviourUpliftModel, Prediction, best_campaign, realised_discount
from campaignkit.models.deep import Architecture, BehaviourNet, make_trainer
from campaignkit.models.deep.datamodule import BehaviourDataModule, LogTensors, UserTensors
from campaignkit.models.deep.lightning import (
    DEFAULT_LOSS_WEIGHTS,
    SELECTION_PARTS,
    BehaviourLightningModule,
    _masked_mse,
    next_category_targets,
)
from campaignkit.models.deep.networks import NextCategoryHead, ziln_loss, ziln_mean
from campaignkit.models.profit import mediated_profit, realised_profit
from campaignkit.models.toy import toy_problem

torch.set_num_threads(1)  # tiny models: one thread avoids oversubscribing 2 shared cores

SMALL = dict(d_model=16, n_heads=2, n_layers=1, batch_size=32, progress_bar=False)


@pytest.fixture(scope="module")
def toy():
    return toy_problem(n_users=1500, random_state=0)


@pytest.fixture(scope="module")
def fitted(toy):
    model = BehaviourUpliftModel(
        max_epochs=6, pretrain_epochs=2, n_ensemble=2, lr=5e-3, random_state=0, **SMALL
    )
    return model.fit((toy["features"], toy["sequences"]), toy["log"], toy["catalogue"])


def _batch(vocab, n=3, length=7, n_tab=4):
    g = torch.Generator().manual_seed(0)
    b = {f: torch.randint(1, vocab[f], (n, length), generator=g) for f in vocab}
    b["mask"] = torch.ones(n, length, dtype=torch.bool)
    b["mask"][0] = False  # a user with no events at all
    b["tabular"] = torch.randn(n, n_tab, generator=g)
    return b


VOCAB = {"event_type": 5, "category": 8, "price_bucket": 6, "gap_bucket": 6}
TINY = Architecture(d_model=16, n_heads=2, n_layers=1, dropout=0.1)


def _tiny_net(n_arms: int) -> BehaviourNet:
    torch.manual_seed(0)
    return BehaviourNet(VOCAB, max_len=7, n_tabular=4, n_attributes=3, n_arms=n_arms, arch=TINY).eval()


def test_network_shapes_and_padding_invariance():
    net = _tiny_net(n_arms=5)
    b = _batch(VOCAB)
    attrs = torch.randn(5, 3)
    out = net(b, attrs, torch.zeros(3, 5, dtype=torch.long))
    assert out["convert"].shape == (3, 5)
    assert torch.isfinite(out["revenue"]).all() and (out["revenue"] >= 0).all()
    # changing what sits under padding must not change the output
    b2 = {k: v.clone() for k, v in b.items()}
    b2["mask"][1, :3] = False
    b3 = {k: v.clone() for k, v in b2.items()}
    for f in VOCAB:
        b3[f][1, :3] = 1
    o2 = net(b2, attrs, torch.zeros(3, 5, dtype=torch.long))
    o3 = net(b3, attrs, torch.zeros(3, 5, dtype=torch.long))
    torch.testing.assert_close(o2["convert"], o3["convert"])


def test_ziln_loss_and_mean_by_hand():
    # P(y>0)=1/2, mu=0, sigma = softplus(s)+1e-3 = 1 -> mean = 0.5 * exp(0.5)
    s = torch.tensor([np.log(np.e - 1) - 0.0])  # softplus^-1(1 - 1e-3) approximately
    s = torch.log(torch.expm1(torch.tensor([1.0 - 1e-3])))
    mean = ziln_mean(torch.zeros(1), torch.zeros(1), s)
    assert mean.item() == pytest.approx(0.5 * np.exp(0.5), rel=1e-4)
    # y = 1: -log(1/2) + lognormal nll at log y = 0 -> log(2) + 0.5 log(2 pi)
    loss = ziln_loss(torch.ones(1), torch.zeros(1), torch.zeros(1), s)
    assert loss.item() == pytest.approx(np.log(2) + 0.5 * np.log(2 * np.pi), rel=1e-4)
    # y = 0: only the BCE of the zero
    assert ziln_loss(torch.zeros(1), torch.zeros(1), torch.zeros(1), s).item() == pytest.approx(np.log(2))


def test_next_category_targets():
    batch = {
        "category": torch.tensor([[0, 2, 3, 3], [0, 0, 0, 0]]),
        "mask": torch.tensor([[False, True, True, True], [False] * 4]),
    }
    target, has = next_category_targets(batch, n_next=3, n_categories=5)
    np.testing.assert_allclose(target[0].numpy(), [0, 0, 1 / 3, 2 / 3, 0])
    assert has.tolist() == [True, False]


def test_next_category_head_copy_term_counts_only_real_categories():
    head = NextCategoryHead(d_model=4, n_categories=5, recent=2)
    category = torch.tensor([[0, 2, 2, 2, 3, 3], [1, 5, 5, 5, 5, 4]])  # 5 = the [MASK] id, ignored
    mask = torch.tensor([[False, True, True, True, True, True], [True] * 6])
    shares = head.shares(category, mask)
    np.testing.assert_allclose(shares[0, 0].numpy(), [0, 0, 0.6, 0.4, 0])  # all events
    np.testing.assert_allclose(shares[0, 1].numpy(), [0, 0, 0, 1.0, 0])  # the last two
    np.testing.assert_allclose(shares[1, 0].numpy(), [0, 0.5, 0, 0, 0.5])
    with torch.no_grad():  # without the MLP the head falls back to the history: recent beats frequent
        head.mlp[-1].weight.zero_()
        head.mlp[-1].bias.zero_()
        head.copy_weight.copy_(torch.tensor([1.0, 2.0]))
    logits = head(torch.randn(2, 4), category, mask)
    assert logits[0, 1:].argmax().item() + 1 == 3


def test_datamodule_split_is_seeded_and_by_user(toy):
    users = UserTensors.build(
        toy["features"], toy["sequences"], np.zeros(6), np.ones(6), toy["features"].columns
    )
    log = toy["log"].assign(
        discount=realised_discount(toy["log"], toy["catalogue"]),
        profit=realised_profit(toy["log"], toy["catalogue"]),
    )
    logt = LogTensors.build(log, users, toy["catalogue"]["campaign_id"], toy["sequences"])
    a = BehaviourDataModule(users, logt, random_state=3)
    b = BehaviourDataModule(users, logt, random_state=3)
    a.setup(), b.setup()
    np.testing.assert_array_equal(a.val_rows, b.val_rows)
    rows = logt.tensors["row"].numpy()
    assert not set(rows[a.train_rows]) & set(rows[a.val_rows])
    batch = next(iter(a.train_dataloader()))
    assert batch["tabular"].shape[1] == 6 and batch["category"].shape[1] == 12
    bad = log.assign(campaign_id="nope")
    with pytest.raises(SchemaError):
        LogTensors.build(bad, users, toy["catalogue"]["campaign_id"], toy["sequences"])


def test_realised_discount_by_hand(toy):
    cat = toy["catalogue"]
    log = pd.DataFrame(
        {
            "campaign_id": ["control", "percent_10", "threshold_100_20", "percent_10"],
            "participated": [True, True, True, False],
            "converted": [True, True, True, True],
            "revenue": [50.0, 50.0, 120.0, 50.0],
        }
    )
    # control pays nothing; 10% of 50; the fixed 20; not participating pays nothing
    np.testing.assert_allclose(realised_discount(log, cat), [0.0, 5.0, 20.0, 0.0])
    # profit = 0.35 x revenue - discount - contact cost
    np.testing.assert_allclose(realised_profit(log, cat), [17.5, 12.48, 21.99, 17.48])


def test_trainer_factory_quick_and_log_keys(toy, tmp_path):
    trainer = make_trainer(quick=True, accelerator="cpu")
    assert trainer.max_epochs == 1 and trainer.logger is None
    assert trainer.precision == "32-true"
    users = UserTensors.build(
        toy["features"], toy["sequences"], np.zeros(6), np.ones(6), toy["features"].columns
    )
    net = BehaviourNet(toy["sequences"].vocab_sizes, 12, 6, 4, 4, TINY)
    module = BehaviourLightningModule(net, torch.randn(4, 4), stage="pretrain")
    trainer = make_trainer(
        max_epochs=2,
        accelerator="cpu",
        root_dir=tmp_path,
        progress_bar=False,
        limit_train_batches=2,
        limit_val_batches=1,
    )
    trainer.fit(module, datamodule=BehaviourDataModule(users, None, batch_size=64))
    metrics = pd.read_csv(next(tmp_path.rglob("metrics.csv")))
    assert {"train/loss", "val/loss", "val/next_category", "val/masked_category"} <= set(metrics.columns)
    assert list(tmp_path.rglob("*.ckpt")), "a checkpoint is written"
    assert trainer.best_weights.best_state is not None
    assert len(trainer.history.rows) == 2


def test_logged_epoch_means_are_row_weighted_means_of_the_batches(toy):
    """The parts are summed per batch and logged once per epoch: the logged value must be the exact
    row-weighted mean over the epoch's batches (checked on validation, where the weights stay fixed)."""
    users = UserTensors.build(
        toy["features"], toy["sequences"], np.zeros(6), np.ones(6), toy["features"].columns
    )
    net = BehaviourNet(toy["sequences"].vocab_sizes, 12, 6, 4, 4, TINY)
    log = toy["log"].assign(
        discount=realised_discount(toy["log"], toy["catalogue"]),
        profit=realised_profit(toy["log"], toy["catalogue"]),
    )
    logt = LogTensors.build(log, users, toy["catalogue"]["campaign_id"], toy["sequences"])
    module = BehaviourLightningModule(net, torch.randn(4, 4), stage="finetune")
    dm = BehaviourDataModule(users, logt, batch_size=64)  # the last validation batch is smaller
    trainer = make_trainer(
        max_epochs=2, accelerator="cpu", logger=False, checkpoint=False, progress_bar=False
    )
    trainer.fit(module, datamodule=dm)
    rows = trainer.history.rows
    assert len(rows) == 2 and all({"train/loss", "train/profit", "val/effect_l2"} <= set(r) for r in rows)
    logged = trainer.validate(module, datamodule=dm, verbose=False)[0]
    module.eval()
    sums, n = {}, 0
    with torch.no_grad():
        for batch in dm.val_dataloader():
            parts, k = module.finetune_losses(batch), batch["mask"].shape[0]
            sums = {key: sums.get(key, 0.0) + float(v) * k for key, v in parts.items()}
            n += k
    assert n % 64 != 0, "the check needs batches of unequal size"
    for key, total in sums.items():
        assert logged[f"val/{key}"] == pytest.approx(total / n, rel=1e-5), key


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


def test_mediated_profit_by_hand():
    # user 0: nobody takes part under control -> b + p (v - b) - (1 - p) c = 2 + 0.5 * 8 - 0.5 * 1 = 5.5
    # user 1: half take part under control with v0 = 6, so non-participants earn n0 = (4 - 3) / 0.5 = 2;
    #         campaign: 0.8 * 10 + 0.2 * (2 - 1) = 8.2
    b = np.array([2.0, 4.0])
    p = np.array([[0.0, 0.5], [0.5, 0.8]])
    v = np.array([[0.0, 10.0], [6.0, 10.0]])
    out = mediated_profit(b, p, v, np.array([0.0, 1.0]))
    np.testing.assert_allclose(out, [[2.0, 5.5], [4.0, 8.2]])


def test_masked_mse_by_hand():
    pred, target = torch.tensor([1.0, 2.0, 5.0]), torch.tensor([0.0, 0.0, 1.0])
    assert _masked_mse(pred, target, torch.tensor([1, 0, 1])).item() == pytest.approx((1 + 16) / 2)
    assert _masked_mse(pred, target, torch.zeros(3)).item() == 0.0  # no participants in the batch


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


def test_uplift_heads_give_zero_effect_to_a_copy_of_control():
    net = _tiny_net(n_arms=3)
    b = _batch(VOCAB)
    attrs = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.3], [1.0, 0.0, 0.0]])  # row 2 repeats control
    out = net(b, attrs, torch.zeros(3, 3, dtype=torch.long))
    torch.testing.assert_close(out["convert"][:, 2], out["convert"][:, 0])
    assert not torch.allclose(out["convert"][:, 1], out["convert"][:, 0])
    # a targeted campaign sees the user's share of events in its category (category 3: all of user 1's)
    b["category"][1] = 3
    match = net.campaign.match(b, torch.tensor([[0, 3], [0, 3], [0, 3]]))
    assert match[1, 1].tolist() == [1.0, 1.0] and match[1, 0].tolist() == [0.0, 0.0]


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


def test_isolated_profit_heads_do_not_train_the_shared_representation():
    b, attrs = _batch(VOCAB), torch.randn(5, 3)
    cats = torch.zeros(3, 5, dtype=torch.long)
    grads = {}
    for isolate in (False, True):
        torch.manual_seed(0)
        net = BehaviourNet(
            VOCAB,
            max_len=7,
            n_tabular=4,
            n_attributes=3,
            n_arms=5,
            arch=TINY,
            isolate_profit=isolate,
        )
        out = net(b, attrs, cats)
        (out["profit"].sum() + out["engaged_profit"].sum()).backward()
        user_grad = sum(p.grad.abs().sum() for p in net.user.parameters() if p.grad is not None)
        camp_grad = sum(p.grad.abs().sum() for p in net.campaign.parameters() if p.grad is not None)
        grads[isolate] = float(user_grad + camp_grad)
        if isolate:  # the profit channels still learn, through their own effect network and base rows
            # (the last bias cancels in effect(c) - effect(control), as in the shared network)
            assert all(net.profit_pair[i].weight.grad.abs().sum() > 0 for i in (0, 2))
            assert net.base.weight.grad.abs().sum() > 0
            # the other channels are the shared network's, as without isolation
            net.zero_grad()
            net(b, attrs, cats)["participate"].sum().backward()
            assert all(p.grad is None or p.grad.abs().sum() == 0 for p in net.profit_pair.parameters())
    assert grads[False] > 0 and grads[True] == 0


def test_model_selection_watches_the_likelihood_parts(toy):
    store = (toy["features"], toy["sequences"])
    model = BehaviourUpliftModel(
        max_epochs=2, pretrain_epochs=0, monitor="val/select", isolate_profit=True, random_state=0, **SMALL
    ).fit(store, toy["log"], toy["catalogue"])
    h = model.history_.dropna(subset=["val/select"])
    w = {**DEFAULT_LOSS_WEIGHTS}
    expect = sum(w[k] * h[f"val/{k}"] for k in SELECTION_PARTS)
    np.testing.assert_allclose(h["val/select"], expect, rtol=1e-5)
    assert np.all(h["val/loss"] > h["val/select"])  # the profit errors are left out
    assert np.isfinite(model.predict_outcomes(store).profit).all()


def test_mediated_profit_scales_what_nonparticipants_earn():
    # r = 0.5 for the campaign: 0.5 * 10 + 0.5 * (0.5 * 2 - 1) = 5.0; control keeps b
    out = mediated_profit(
        np.array([2.0]),
        np.array([[0.0, 0.5]]),
        np.array([[0.0, 10.0]]),
        np.array([0.0, 1.0]),
        control_takes_part=False,
        nonparticipant_scale=np.array([1.0, 0.5]),
    )
    np.testing.assert_allclose(out, [[2.0, 5.0]])


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
