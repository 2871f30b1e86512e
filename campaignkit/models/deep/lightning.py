"""The ``LightningModule``: losses, steps and logging for pre-training and fine-tuning.

Stage ``"pretrain"`` (self-supervised, on every user's sequence): the last ``n_next`` events are hidden
and predicted from the sequence summary (the next-category head), and a share ``mask_prob`` of the
remaining events is replaced by ``[MASK]`` tokens whose category and event type are predicted.

Stage ``"finetune"`` (on a campaign log): factual losses on the logged arm only - participation,
conversion, zero-inflated lognormal spend and discount paid, retention, and the propensity of the logged
arm, plus a penalty on the squared campaign effects (``effect_l2``, a shrinkage prior) - weighted by
``loss_weights``. Logged keys: ``train/loss``, ``val/loss`` and one ``{split}/{part}`` per part, each once per
epoch as the row-weighted mean over the epoch's batches (summed over DDP processes).
"""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch import nn

from campaignkit.errors import ParameterError
from campaignkit.models.deep.networks import (
    CHANNEL,
    SEQ_FIELDS,
    BehaviourNet,
    category_counts,
    outputs_to_dict,
    ziln_loss,
)
from campaignkit.models.outcomes import OUTCOME_NAMES

__all__ = ["BehaviourLightningModule", "DEFAULT_LOSS_WEIGHTS", "next_category_targets"]

DEFAULT_LOSS_WEIGHTS = {
    "participate": 1.0,
    "convert": 1.0,
    "revenue": 0.5,
    "discount": 0.5,
    "profit": 1.0,
    "retain": 1.0,
    "propensity": 0.1,
    "effect_l2": 1.0,
    "engaged_profit": 1.0,
}
"""Fine-tuning loss weights. ``effect_l2`` penalises the squared campaign effects (all outcome channels, in
their own units: logits, log-locations, profit in sds of the log): a prior that campaigns move outcomes a
little, which shrinks the effects that a few hundred noisy rows per arm cannot pin down."""


SELECTION_PARTS = ("participate", "convert", "revenue", "discount", "retain", "propensity")
"""Fine-tuning parts summed (with their weights) into ``select``, the validation figure early stopping and
the best-epoch choice watch by default."""


def next_category_targets(batch: dict, n_next: int, n_categories: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft targets over categories of the last ``n_next`` real events, and which rows have any."""
    counts = category_counts(batch["category"][:, -n_next:], batch["mask"][:, -n_next:], n_categories)
    total = counts.sum(dim=1, keepdim=True)
    return counts / total.clamp(min=1.0), total.squeeze(1) > 0


def _masked_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Squared error averaged over the rows with weight 1 (zero, with a gradient, when there are none)."""
    weight = weight.float()
    return (weight * (pred.float() - target.float()) ** 2).sum() / weight.sum().clamp(min=1.0)


class BehaviourLightningModule(pl.LightningModule):
    """Train a :class:`BehaviourNet` in one stage.

    Args:
        net: The network (its weights are trained in place).
        attributes: Tensor of shape (n_arms, n_attributes): the training catalogue's campaign features.
        stage: ``"pretrain"`` or ``"finetune"``.
        lr: AdamW learning rate.
        weight_decay: AdamW weight decay.
        loss_weights: Fine-tuning weights per part (defaults :data:`DEFAULT_LOSS_WEIGHTS`).
        mask_prob: Share of events masked in pre-training.
        n_next: Events hidden at the end of each sequence for the next-category task.
        outcomes: The outcomes the log records (:func:`~campaignkit.models.outcomes.check_outcomes`); the
            losses of the others (an optional outcome such as retention) are left out.
        identity: LongTensor of shape (n_arms,): each training campaign's identity id (0 = none).
    """

    def __init__(
        self,
        net: BehaviourNet,
        attributes: torch.Tensor,
        stage: str = "finetune",
        lr: float = 2e-3,
        weight_decay: float = 1e-4,
        loss_weights: dict | None = None,
        mask_prob: float = 0.15,
        n_next: int = 5,
        outcomes=OUTCOME_NAMES,
        identity: torch.Tensor | None = None,
    ):
        super().__init__()
        if stage not in ("pretrain", "finetune"):
            raise ParameterError(f"stage must be 'pretrain' or 'finetune', got {stage!r}")
        self.net, self.stage = net, stage
        self.register_buffer("attributes", torch.as_tensor(attributes, dtype=torch.float32))
        ident = (
            torch.zeros(len(attributes), dtype=torch.long) if identity is None else torch.as_tensor(identity)
        )
        self.register_buffer("identity", ident.long())
        self.outcomes = tuple(outcomes)
        self.lr, self.weight_decay = lr, weight_decay
        self.loss_weights = {**DEFAULT_LOSS_WEIGHTS, **(loss_weights or {})}
        self.mask_prob, self.n_next = mask_prob, n_next
        self._sums: dict = {}  # split -> (part names, running row-weighted sums, rows), see _accumulate
        # train only what this stage uses (DDP needs every trained parameter to get a gradient)
        pretrain_parts = (net.user.seq, net.masked_category, net.masked_event, net.next_category)
        for p in net.parameters():
            p.requires_grad_(stage == "finetune")
        for module in pretrain_parts:
            for p in module.parameters():
                p.requires_grad_(stage == "pretrain")
        if stage == "finetune":
            for p in net.user.seq.parameters():
                p.requires_grad_(True)
            # the [MASK] embeddings rows stay, unused, in the embedding tables (their gradient is zero)

    # ---- losses -------------------------------------------------------------------------------------
    def pretrain_losses(self, batch: dict) -> dict:
        """Masked-event and next-category losses of one batch."""
        net = self.net
        n_cat = net.config["vocab_sizes"]["category"]
        target_next, has_next = next_category_targets(batch, self.n_next, n_cat)
        inp = {k: v.clone() for k, v in batch.items()}
        inp["mask"][:, -self.n_next :] = False
        for f in SEQ_FIELDS:
            inp[f][:, -self.n_next :] = 0
        chosen = (torch.rand(inp["mask"].shape, device=self.device) < self.mask_prob) & inp["mask"]
        for f in SEQ_FIELDS:
            inp[f] = torch.where(chosen, torch.full_like(inp[f], net.user.seq.mask_ids[f]), inp[f])
        summary, states = net.user.seq({f: inp[f] for f in SEQ_FIELDS}, inp["mask"])
        parts = {}
        if chosen.any():
            h = states[chosen]
            parts["masked_category"] = nn.functional.cross_entropy(
                net.masked_category(h).float(), batch["category"][chosen]
            )
            parts["masked_event"] = nn.functional.cross_entropy(
                net.masked_event(h).float(), batch["event_type"][chosen]
            )
            parts["masked_acc"] = (
                (net.masked_category(h).argmax(-1) == batch["category"][chosen]).float().mean()
            )
        else:
            zero = summary.sum() * 0.0
            parts["masked_category"] = parts["masked_event"] = parts["masked_acc"] = zero
        # the copy term counts every visible event (masked-out tokens included: their categories are known)
        logits = net.next_category(summary, batch["category"], inp["mask"]).float()
        logits[:, 0] = -1e4  # never predict padding
        if has_next.any():
            logp = torch.log_softmax(logits[has_next], dim=-1)
            parts["next_category"] = -(target_next[has_next] * logp).sum(-1).mean()
            top1 = logits[has_next].argmax(-1)
            parts["next_top1"] = (target_next[has_next].gather(1, top1[:, None]) > 0).float().mean()
        else:
            parts["next_category"] = parts["next_top1"] = summary.sum() * 0.0
        parts["loss"] = parts["masked_category"] + 0.5 * parts["masked_event"] + parts["next_category"]
        parts["select"] = parts["loss"]
        return parts

    def finetune_losses(self, batch: dict) -> dict:
        """Factual losses on the logged arm of each row."""
        net, w = self.net, self.loss_weights
        user, _, _ = net.encode(batch)
        arm = batch["arm"]
        camp = net.campaign_embedding(batch, self.attributes[arm], batch["target"], self.identity[arm])
        raw, effect = net.pair_outputs(user, camp, net.control_embedding(self.attributes), return_effect=True)
        raw = raw.float()
        ch = {k: raw[:, i] for k, i in CHANNEL.items()}
        bce = nn.functional.binary_cross_entropy_with_logits
        profit = batch["profit"] / net.profit_scale
        parts = {
            "participate": bce(ch["participate"], batch["participated"]),
            "convert": bce(ch["convert"], batch["converted"]),
            "revenue": ziln_loss(batch["revenue"], ch["spend_logit"], ch["spend_mu"], ch["spend_log_sigma"]),
            "retain": bce(ch["retain"], batch["retained"]),
            "discount": ziln_loss(batch["discount"], ch["disc_logit"], ch["disc_mu"], ch["disc_log_sigma"]),
            "profit": nn.functional.mse_loss(ch["profit"], profit),
            "engaged_profit": _masked_mse(ch["engaged_profit"], profit, batch["participated"]),
            "propensity": nn.functional.cross_entropy(net.propensity(user).float(), arm),
            "effect_l2": (effect.float() ** 2).mean(),
        }
        unrecorded = [k for k in OUTCOME_NAMES if k not in self.outcomes]
        for k in unrecorded:  # an optional outcome the log does not record: no loss, not logged
            del parts[k]
        parts["loss"] = sum(w[k] * parts[k] for k in w if k in parts)
        # what model selection watches: the likelihood parts, not the squared errors of the heavy-tailed profit
        # (on Hillstrom the participants' profit error overfits from the second epoch and, being ~20x the
        # participation loss, would pick an epoch before the participation effect is learned)
        parts["select"] = sum(w[k] * parts[k] for k in SELECTION_PARTS if k in parts)
        with torch.no_grad():
            parts["convert_prob_mean"] = outputs_to_dict(raw)["convert"].mean()
        return parts

    def _step(self, batch: dict, split: str) -> torch.Tensor:
        parts = self.pretrain_losses(batch) if self.stage == "pretrain" else self.finetune_losses(batch)
        self._accumulate(split, parts, batch["mask"].shape[0])
        return parts["loss"]

    # ---- logging ------------------------------------------------------------------------------------
    # Every part is summed here, on the device, in one stacked tensor per batch, and logged once per
    # epoch as its row-weighted mean. Calling ``self.log`` for each of ~10 parts on every step costs
    # Lightning several milliseconds per step (its result collection is walked on every call), which on
    # a GPU is as long as the step itself.
    def _accumulate(self, split: str, parts: dict, n_rows: int) -> None:
        values = torch.stack([v.detach().float() for v in parts.values()]) * n_rows
        keys, total, rows = self._sums.get(split, (list(parts), 0.0, 0))
        if keys != list(parts):
            raise RuntimeError(f"the {split} loss parts changed within an epoch: {keys} vs {list(parts)}")
        self._sums[split] = (keys, total + values, rows + n_rows)

    def _flush(self, split: str) -> None:
        """Log the epoch means of ``split``'s parts (summed over DDP processes first) and reset them."""
        if split not in self._sums:
            return
        keys, total, rows = self._sums.pop(split)
        stacked = torch.cat([total, torch.tensor([float(rows)], device=total.device)])
        stacked = self.trainer.strategy.reduce(stacked, reduce_op="sum")
        means = stacked[:-1] / stacked[-1]
        for k, v in zip(keys, means, strict=True):
            self.log(f"{split}/{k}", v, on_step=False, on_epoch=True, batch_size=1, prog_bar=k == "loss")

    def on_train_epoch_start(self) -> None:
        self._sums.pop("train", None)

    def on_train_batch_end(self, outputs, batch, batch_idx: int) -> None:
        # flush on the epoch's last batch, so that callbacks' on_train_epoch_end hooks see the means
        if batch_idx + 1 >= self.trainer.num_training_batches:
            self._flush("train")

    def on_train_epoch_end(self) -> None:
        self._flush("train")  # an epoch cut short (max_steps, say) is still logged

    def on_validation_epoch_start(self) -> None:
        self._sums.pop("val", None)

    def on_validation_epoch_end(self) -> None:
        self._flush("val")

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "train")

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val")

    def configure_optimizers(self) -> torch.optim.Optimizer:
        params = [p for p in self.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=self.lr, weight_decay=self.weight_decay)
