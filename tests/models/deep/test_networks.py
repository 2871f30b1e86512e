"""The deep model's networks: shapes, padding, the ZILN loss, the heads."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from campaignkit.models.deep import BehaviourNet
from campaignkit.models.deep.networks import NextCategoryHead, ziln_loss, ziln_mean
from tests.models.deep._helpers import TINY


def _batch(vocab, n=3, length=7, n_tab=4):
    g = torch.Generator().manual_seed(0)
    b = {f: torch.randint(1, vocab[f], (n, length), generator=g) for f in vocab}
    b["mask"] = torch.ones(n, length, dtype=torch.bool)
    b["mask"][0] = False  # a user with no events at all
    b["tabular"] = torch.randn(n, n_tab, generator=g)
    return b


VOCAB = {"event_type": 5, "category": 8, "price_bucket": 6, "gap_bucket": 6}


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
