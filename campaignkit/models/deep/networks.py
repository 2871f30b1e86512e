"""Plain ``nn.Module`` networks of the behaviour model (no training logic here).

- :class:`Architecture`: the network's width, attention heads, layers and dropout, as one value.
- :class:`SequenceEncoder`: a Transformer encoder over a user's recent events (event type, category,
  price bucket, time-gap bucket; 0 = padding) with a learned ``[CLS]`` token.
- :class:`UserEncoder`: the sequence summary fused with a tabular MLP into one user vector.
- :class:`CampaignEncoder`: an MLP over campaign *attributes* (:func:`campaign_features`), plus an
  embedding of the targeted category for category-targeted campaigns, so unseen configurations can be
  scored.
- :class:`BehaviourNet`: user encoder + campaign encoder + heads: participation, conversion,
  zero-inflated lognormal spend and discount paid, retention (churn = 1 - retention) per (user, campaign) pair; a
  propensity head (which arm was logged, for confounded logs); and the pre-training heads (masked-event
  category / event type, next categories).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

__all__ = [
    "Architecture",
    "SequenceEncoder",
    "NextCategoryHead",
    "UserEncoder",
    "CampaignEncoder",
    "BehaviourNet",
    "category_counts",
    "category_shares",
    "history_shares",
    "ziln_loss",
    "ziln_mean",
    "PAIR_OUTPUTS",
    "CHANNEL",
    "OUTCOME_CHANNELS",
]

PAIR_OUTPUTS = (
    "participate",
    "convert",
    "spend_logit",
    "spend_mu",
    "spend_log_sigma",
    "retain",
    "disc_logit",
    "disc_mu",
    "disc_log_sigma",
    "profit",
    "engaged_profit",
)
"""Channels of the pair head, in order (logits for the binary ones). ``engaged_profit`` is the expected
profit of a user who takes part in the campaign (trained on participants' rows only)."""

CHANNEL = {k: i for i, k in enumerate(PAIR_OUTPUTS)}
"""Position of each pair-head channel, looked up by name (never by a literal index)."""

OUTCOME_CHANNELS = {
    "participate": ("participate",),
    "convert": ("convert",),
    "revenue": ("spend_logit", "spend_mu", "spend_log_sigma"),
    "discount": ("disc_logit", "disc_mu", "disc_log_sigma"),
    "profit": ("profit",),
    "retain": ("retain",),
}
"""The pair-head channels behind each outcome of :data:`campaignkit.models.outcomes.OUTCOMES`."""

PROFIT_CHANNELS = ("profit", "engaged_profit")
"""The squared-error profit channels (isolated from the shared representation when ``isolate_profit``)."""

SEQ_FIELDS = ("event_type", "category", "price_bucket", "gap_bucket")


def category_counts(category: torch.Tensor, mask: torch.Tensor, n_categories: int) -> torch.Tensor:
    """Events per category id of each sequence, shape (batch, n_categories).

    Only real events count: ``mask`` True and an id in ``1 .. n_categories - 1`` (padding 0 and ids such
    as the ``[MASK]`` token are left out), so column 0 is always zero.
    """
    real = mask & (category > 0) & (category < n_categories)
    ids = torch.where(real, category, torch.zeros_like(category))
    counts = torch.zeros(category.shape[0], n_categories, device=category.device)
    return counts.scatter_add_(1, ids, real.float())


def category_shares(category: torch.Tensor, mask: torch.Tensor, n_categories: int) -> torch.Tensor:
    """Share of each sequence's real events per category id, shape (batch, n_categories) (see
    :func:`category_counts`; all zeros for a sequence without real events)."""
    counts = category_counts(category, mask, n_categories)
    return counts / counts.sum(-1, keepdim=True).clamp(min=1)


def history_shares(
    category: torch.Tensor, mask: torch.Tensor, n_categories: int, recent: int
) -> torch.Tensor:
    """Shares of all and of the last ``recent`` real events per category id, shape (batch, 2, n_categories)
    (see :func:`category_shares`): what both the next-category copy term and the campaign match read."""
    return torch.stack(
        [
            category_shares(category, mask, n_categories),
            category_shares(category[:, -recent:], mask[:, -recent:], n_categories),
        ],
        dim=1,
    )


@dataclass(frozen=True)
class Architecture:
    """The behaviour network's architecture settings, defined once: :class:`BehaviourNet` and its encoders
    take them as one value. :class:`~campaignkit.models.BehaviourUpliftModel` builds it from its own
    ``d_model``, ``n_heads``, ``n_layers`` and ``dropout`` parameters, which hold the defaults.

    Attributes:
        d_model: Width of every representation (embeddings, encoders, heads).
        n_heads: Attention heads of the Transformer layers.
        n_layers: Transformer layers.
        dropout: Dropout inside the sequence encoder and the user-fusion MLP.
    """

    d_model: int
    n_heads: int
    n_layers: int
    dropout: float


class SequenceEncoder(nn.Module):
    """Transformer encoder over right-aligned, 0-padded event sequences.

    Args:
        vocab_sizes: ``{field: size}`` for ``event_type, category, price_bucket, gap_bucket`` (sizes
            include the padding id 0).
        max_len: Longest sequence length ``L``.
        arch: The width of the token embeddings, attention heads, encoder layers and dropout.
    """

    def __init__(self, vocab_sizes: dict, max_len: int, arch: Architecture):
        super().__init__()
        d_model = arch.d_model
        self.fields = SEQ_FIELDS
        # one extra id per field: the [MASK] token used by pre-training (id = vocab size)
        self.embeddings = nn.ModuleDict(
            {f: nn.Embedding(int(vocab_sizes[f]) + 1, d_model, padding_idx=0) for f in self.fields}
        )
        self.mask_ids = {f: int(vocab_sizes[f]) for f in self.fields}
        self.position = nn.Embedding(max_len + 1, d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        layer = nn.TransformerEncoderLayer(
            d_model,
            arch.n_heads,
            dim_feedforward=2 * d_model,
            dropout=arch.dropout,
            batch_first=True,
            norm_first=True,
            activation="gelu",
        )
        self.encoder = nn.TransformerEncoder(layer, arch.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.max_len = max_len

    def forward(self, tokens: dict, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode a batch.

        Args:
            tokens: ``{field: LongTensor of shape (batch, L)}``.
            mask: BoolTensor of shape (batch, L), True at real events.

        Returns:
            ``(summary, states)``: the ``[CLS]`` output of shape (batch, d_model) and the event outputs
            of shape (batch, L, d_model).
        """
        x = sum(self.embeddings[f](tokens[f]) for f in self.fields)
        b, length = mask.shape
        pos = torch.arange(1, length + 1, device=mask.device)
        x = x + self.position(pos)[None]
        x = torch.cat([self.cls.expand(b, -1, -1) + self.position.weight[0], x], dim=1)
        keep = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=mask.device), mask], dim=1)
        h = self.norm(self.encoder(x, src_key_padding_mask=~keep))
        return h[:, 0], h[:, 1:]


class UserEncoder(nn.Module):
    """Fuse the sequence summary with tabular features into one user vector.

    Args:
        seq_encoder: A :class:`SequenceEncoder`.
        n_tabular: Number of tabular features.
        arch: The output width (``d_model``) and the dropout of the fusion MLP.
    """

    def __init__(self, seq_encoder: SequenceEncoder, n_tabular: int, arch: Architecture):
        super().__init__()
        d_model = arch.d_model
        self.seq = seq_encoder
        self.tab = nn.Sequential(nn.Linear(n_tabular, d_model), nn.GELU(), nn.Linear(d_model, d_model))
        self.fuse = nn.Sequential(
            nn.Linear(2 * d_model, d_model), nn.GELU(), nn.Dropout(arch.dropout), nn.Linear(d_model, d_model)
        )

    def forward(
        self, tokens: dict, mask: torch.Tensor, tabular: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(user_vector, seq_summary, seq_states)``; user_vector has shape (batch, d_model)."""
        summary, states = self.seq(tokens, mask)
        user = self.fuse(torch.cat([summary, self.tab(tabular)], dim=-1))
        return user, summary, states


class CampaignEncoder(nn.Module):
    """Embed campaigns from their attributes and, when targeted, the user's affinity to the category.

    A category-targeted campaign is described by its attributes plus two numbers per user: the share of
    the user's events, and of their last ``recent`` events, in the targeted category. Affinities (rather
    than one embedding per category) generalise across categories and cannot memorise a category.

    Args:
        n_attributes: Width of the attribute vectors (columns of ``campaign_features``).
        d_model: Output width.
        n_categories: Category vocabulary size (id 0 = padding).
        recent: Events counted as recent.
        n_identities: Campaigns that get an identity vector of their own (id 0 = none), added to the
            attribute embedding: campaigns that share every attribute stay distinguishable. It starts small
            and random (sd ``IDENTITY_SCALE``) and is shrunk with every campaign effect (``effect_l2``); id 0
            is exactly zero, so a configuration without an identity (unseen) is scored from its attributes.
    """

    N_MATCH = 2
    IDENTITY_SCALE = 0.5

    def __init__(
        self, n_attributes: int, d_model: int, n_categories: int, recent: int = 8, n_identities: int = 0
    ):
        super().__init__()
        self.attr = nn.Sequential(
            nn.Linear(n_attributes + self.N_MATCH, d_model), nn.GELU(), nn.Linear(d_model, d_model)
        )
        self.n_categories, self.recent = n_categories, recent
        # a random start (from zero, or a start much smaller than the attribute embedding, the pair network
        # hardly moves it: measured on twin_campaign_problem), drawn from its own generator so that creating
        # it leaves the global RNG - and so every other weight - as it was
        g = torch.Generator().manual_seed(int(n_identities) * 7919 + d_model)
        self.identity = nn.Parameter(
            self.IDENTITY_SCALE * torch.randn(int(n_identities) + 1, d_model, generator=g)
        )
        keep = torch.ones(int(n_identities) + 1, 1)
        keep[0] = 0.0  # id 0 (no identity) stays exactly zero
        self.register_buffer("identity_keep", keep)

    def match(self, batch: dict, category: torch.Tensor) -> torch.Tensor:
        """Affinity of each user to each targeted category.

        Args:
            batch: Dict with ``category`` (batch, L) and ``mask`` (batch, L).
            category: LongTensor of shape (batch,) or (batch, n_campaigns), target ids (0 = none).

        Returns:
            Tensor of shape (*category.shape, 2): shares of all and of recent events; 0 when untargeted.
        """
        squeeze = category.dim() == 1
        cat = category[:, None] if squeeze else category
        seq, mask = batch["category"], batch["mask"]
        shares = history_shares(seq, mask, self.n_categories, self.recent)  # (batch, 2, n_categories)
        hit = shares.gather(2, cat[:, None, :].expand(-1, 2, -1))  # (batch, 2, n_targets)
        out = hit.transpose(1, 2) * (cat[:, :, None] > 0)
        return out[:, 0] if squeeze else out

    def forward(
        self, attributes: torch.Tensor, match: torch.Tensor, identity: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Embed campaigns.

        Args:
            attributes: Tensor of shape (..., n_attributes).
            match: Tensor of shape (..., 2) from :meth:`match` (zeros for untargeted campaigns), with the
                same leading shape as ``attributes``.
            identity: LongTensor broadcastable to the leading shape: identity ids (0 = none); None: none.

        Returns:
            Tensor of shape (..., d_model).
        """
        out = self.attr(torch.cat([attributes, match.to(attributes.dtype)], dim=-1))
        ids = torch.zeros((), dtype=torch.long, device=out.device) if identity is None else identity
        return out + (self.identity * self.identity_keep)[ids].to(out.dtype)


class NextCategoryHead(nn.Module):
    """Scores of a user's next categories: an MLP of the sequence summary plus a learned *copy* term.

    People mostly return to categories they have just browsed, so the head adds, per category,
    ``a·log(share of all events + ε) + b·log(share of the last ``recent`` events + ε)`` to the MLP's logits
    (a pointer to the history, as in repeat-aware recommenders); ``a`` and ``b`` are learned. The head
    starts as the plain history rule (``a = 1, b = 0``, MLP output zero); the MLP learns what the counts
    miss (drift towards new interests, which event types matter).

    Args:
        d_model: Width of the sequence summary.
        n_categories: Category vocabulary size (id 0 = padding; ids ``>= n_categories`` such as the
            ``[MASK]`` token are ignored by the copy term).
        recent: Events counted as recent.
    """

    def __init__(self, d_model: int, n_categories: int, recent: int = 8):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, n_categories))
        # start at the history rule (the most frequent category of the window): the MLP's last layer is
        # zero and only the all-events share counts, so training moves away from that rule only if it helps
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)
        self.copy_weight = nn.Parameter(torch.tensor([1.0, 0.0]))
        self.n_categories, self.recent = n_categories, recent

    def shares(self, category: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Shares of all and of recent real events per category, shape (batch, 2, n_categories)."""
        return history_shares(category, mask, self.n_categories, self.recent)

    def forward(self, summary: torch.Tensor, category: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, n_categories) (padding id 0 included; callers mask it)."""
        copy = torch.log(self.shares(category, mask) + 0.02)
        return self.mlp(summary) + (self.copy_weight[None, :, None] * copy).sum(1)


class BehaviourNet(nn.Module):
    """The whole behaviour model: encoders and every head.

    Args:
        vocab_sizes: Sequence vocabulary sizes (see :class:`SequenceEncoder`).
        max_len: Sequence length.
        n_tabular: Number of tabular features.
        n_attributes: Width of campaign attribute vectors.
        n_arms: Arms of the propensity head (campaigns of the training log).
        arch: Width of every representation, attention heads, Transformer layers and dropout.
        n_identities: Campaigns with an identity vector (see :class:`CampaignEncoder`).
        isolate_profit: Give the profit channels (``profit``, ``engaged_profit``) their own effect network
            on *detached* user and campaign embeddings: they read the shared representation but their squared
            errors do not train it.
    """

    def __init__(
        self,
        vocab_sizes: dict,
        max_len: int,
        n_tabular: int,
        n_attributes: int,
        n_arms: int,
        arch: Architecture,
        n_identities: int = 0,
        isolate_profit: bool = False,
    ):
        super().__init__()
        self.config = dict(
            vocab_sizes={k: int(v) for k, v in vocab_sizes.items()},
            max_len=int(max_len),
            n_tabular=int(n_tabular),
            n_attributes=int(n_attributes),
            n_arms=int(n_arms),
            n_identities=int(n_identities),
            isolate_profit=bool(isolate_profit),
        )
        self.arch = arch
        d_model, n_cat = arch.d_model, int(vocab_sizes["category"])
        self.user = UserEncoder(SequenceEncoder(vocab_sizes, max_len, arch), n_tabular, arch)
        self.campaign = CampaignEncoder(n_attributes, d_model, n_cat, n_identities=n_identities)
        self.base = nn.Linear(d_model, len(PAIR_OUTPUTS))  # outcomes under control
        self.pair = nn.Sequential(  # effect of a campaign, relative to control
            nn.Linear(3 * d_model, d_model),
            nn.GELU(),
            nn.Linear(d_model, d_model),
            nn.GELU(),
            nn.Linear(d_model, len(PAIR_OUTPUTS)),
        )
        # profit heads that do not shape the shared representation: their squared errors on a heavy-tailed profit
        # would otherwise swamp the participation effect (measured on Hillstrom and twin_campaign_problem)
        self.profit_pair = None
        if isolate_profit:
            self.profit_pair = nn.Sequential(
                nn.Linear(3 * d_model, d_model), nn.GELU(), nn.Linear(d_model, len(PROFIT_CHANNELS))
            )
            self.register_buffer(
                "profit_channels", torch.as_tensor([CHANNEL[k] for k in PROFIT_CHANNELS]), persistent=False
            )
        self.propensity = nn.Linear(d_model, n_arms)
        self.masked_category = nn.Linear(d_model, n_cat)
        self.masked_event = nn.Linear(d_model, int(vocab_sizes["event_type"]))
        self.next_category = NextCategoryHead(d_model, n_cat)
        # a campaign moves probabilities and log-locations, not the spread of spend (a regulariser: the
        # lognormal mean exp(mu + sigma^2 / 2) is very sensitive to sigma, which small arms cannot pin down)
        self.register_buffer("profit_scale", torch.ones(()))  # profit head works in units of the log's std
        self.register_buffer(
            "effect_mask", torch.tensor([0.0 if k.endswith("log_sigma") else 1.0 for k in PAIR_OUTPUTS])
        )

    @torch.no_grad()
    def init_output_bias(self, base: dict) -> None:
        """Start the control (base) and propensity heads at the training log's base rates.

        Without it the first steps mostly shift every logit down, and they shift it most for users with
        large activations (the active, likelier converters), so an early-stopped model can rank users
        *backwards*. Setting the output biases to the base rates removes that transient.

        Args:
            base: ``participate, convert, retain, spend_positive, discount_positive`` (rates in (0, 1)),
                ``spend_log_mean, discount_log_mean`` (mean log of the positive values), ``profit_mean,
                profit_std, engaged_profit_mean`` (the last over participants' rows) and ``arm_shares``
                (array of shape (n_arms,)).
        """

        def logit(p):
            p = min(max(float(p), 1e-4), 1 - 1e-4)
            return math.log(p / (1 - p))

        bias = self.base.bias
        names = CHANNEL
        bias[names["participate"]] = logit(base["participate"])
        bias[names["convert"]] = logit(base["convert"])
        if "retain" in base:  # an optional outcome: absent when the log does not record it
            bias[names["retain"]] = logit(base["retain"])
        bias[names["spend_logit"]] = logit(base["spend_positive"])
        bias[names["spend_mu"]] = float(base["spend_log_mean"])
        bias[names["disc_logit"]] = logit(base["discount_positive"])
        bias[names["disc_mu"]] = float(base["discount_log_mean"])
        self.profit_scale.fill_(max(float(base["profit_std"]), 1e-6))
        bias[names["profit"]] = float(base["profit_mean"]) / float(self.profit_scale)
        bias[names["engaged_profit"]] = float(base["engaged_profit_mean"]) / float(self.profit_scale)
        shares = torch.as_tensor(base["arm_shares"], dtype=bias.dtype).clamp(min=1e-6)
        self.propensity.bias.copy_(torch.log(shares))

    def encode(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run the user encoder on a batch dict with the sequence fields, ``mask`` and ``tabular``."""
        tokens = {f: batch[f] for f in SEQ_FIELDS}
        return self.user(tokens, batch["mask"], batch["tabular"])

    def _effect(self, user: torch.Tensor, campaign: torch.Tensor) -> torch.Tensor:
        user, campaign = torch.broadcast_tensors(user, campaign)
        return self.pair(torch.cat([user, campaign, user * campaign], dim=-1))

    def pair_outputs(
        self,
        user: torch.Tensor,
        campaign: torch.Tensor,
        control: torch.Tensor,
        *,
        return_effect: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Raw outputs of (user, campaign) pairs: ``base(user) + g(user, c) - g(user, control)``.

        The uplift heads: control outcomes come from the user alone, and a campaign adds an effect that is
        exactly zero for the control campaign itself, so the effect is what the ``pair`` network learns.

        Args:
            user: Tensor of shape (..., d_model).
            campaign: Broadcastable tensor of shape (..., d_model), the campaign embeddings.
            control: Broadcastable tensor of shape (..., d_model), the control campaign's embedding.

            return_effect: Also return the campaign effect (the part added to the control outcomes).

        Returns:
            Tensor of shape (..., 11) (see :data:`PAIR_OUTPUTS`), or ``(outputs, effect)``.
        """
        effect = (self._effect(user, campaign) - self._effect(user, control)) * self.effect_mask
        out = self.base(user) + effect
        if self.profit_pair is not None:  # the profit channels read detached representations (see __init__)
            u, c, c0 = user.detach(), campaign.detach(), control.detach()
            idx = self.profit_channels
            p_effect = self._profit_effect(u, c) - self._profit_effect(u, c0)
            p_out = nn.functional.linear(u, self.base.weight[idx], self.base.bias[idx]) + p_effect
            keep = torch.ones(len(PAIR_OUTPUTS), device=out.device, dtype=out.dtype).index_fill(0, idx, 0.0)
            scatter = torch.zeros(len(idx), len(PAIR_OUTPUTS), device=out.device, dtype=out.dtype)
            scatter[torch.arange(len(idx)), idx] = 1.0
            out = out * keep + p_out.to(out.dtype) @ scatter
            effect = effect * keep + p_effect.to(effect.dtype) @ scatter
        return (out, effect) if return_effect else out

    def _profit_effect(self, user: torch.Tensor, campaign: torch.Tensor) -> torch.Tensor:
        user, campaign = torch.broadcast_tensors(user, campaign)
        return self.profit_pair(torch.cat([user, campaign, user * campaign], dim=-1))

    def control_embedding(self, attributes: torch.Tensor) -> torch.Tensor:
        """Embedding of the control campaign (catalogue row 0), shape (d_model,)."""
        return self.campaign(attributes[0], torch.zeros(CampaignEncoder.N_MATCH, device=attributes.device))

    def campaign_embedding(
        self,
        batch: dict,
        attributes: torch.Tensor,
        category: torch.Tensor,
        identity: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Embeddings of campaigns for the users of a batch.

        Args:
            batch: Dict with ``category`` and ``mask``.
            attributes: Tensor of shape (batch, n_attributes) or (batch, n_campaigns, n_attributes).
            category: LongTensor of shape (batch,) or (batch, n_campaigns), target ids (0 = none).
            identity: LongTensor of shape (batch,) or (n_campaigns,): identity ids (0 = none), or None.

        Returns:
            Tensor of shape (batch, d_model) or (batch, n_campaigns, d_model).
        """
        return self.campaign(attributes, self.campaign.match(batch, category), identity)

    def forward(
        self,
        batch: dict,
        attributes: torch.Tensor,
        category: torch.Tensor,
        identity: torch.Tensor | None = None,
    ) -> dict:
        """Score every user of the batch under every campaign given.

        Args:
            batch: Dict with the sequence fields, ``mask`` and ``tabular``.
            attributes: Tensor of shape (n_campaigns, n_attributes); row 0 is control.
            category: LongTensor of shape (batch, n_campaigns) of targeted category ids (0 = none).
            identity: LongTensor of shape (n_campaigns,) of identity ids (0 = none), or None.

        Returns:
            Dict of tensors of shape (batch, n_campaigns): probabilities ``participate``, ``convert``,
            ``retain``, expected ``revenue`` and ``discount`` (ZILN means) and the raw ``spend_*``
            parameters.
        """
        user, _, _ = self.encode(batch)
        camp = self.campaign_embedding(
            batch, attributes[None].expand(category.shape[0], -1, -1), category, identity
        )
        out = self.pair_outputs(user[:, None, :], camp, self.control_embedding(attributes))
        return outputs_to_dict(out, self.profit_scale)


def outputs_to_dict(out: torch.Tensor, profit_scale=1.0) -> dict:
    """Turn raw pair-head outputs (..., 11) into probabilities, expected revenue, discount and profit."""
    d = {k: out[..., i] for i, k in enumerate(PAIR_OUTPUTS)}
    return {
        "participate": torch.sigmoid(d["participate"]),
        "convert": torch.sigmoid(d["convert"]),
        "retain": torch.sigmoid(d["retain"]),
        "revenue": ziln_mean(d["spend_logit"], d["spend_mu"], d["spend_log_sigma"]),
        "spend_logit": d["spend_logit"],
        "spend_mu": d["spend_mu"],
        "spend_log_sigma": d["spend_log_sigma"],
        "discount": ziln_mean(d["disc_logit"], d["disc_mu"], d["disc_log_sigma"]),
        "profit": d["profit"] * profit_scale,
        "engaged_profit": d["engaged_profit"] * profit_scale,
    }


def _sigma(log_sigma: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(log_sigma) + 1e-3


def ziln_mean(logit: torch.Tensor, mu: torch.Tensor, log_sigma: torch.Tensor) -> torch.Tensor:
    """Mean of a zero-inflated lognormal: ``P(spend > 0) * exp(mu + sigma^2 / 2)``."""
    sigma = _sigma(log_sigma)
    return torch.sigmoid(logit) * torch.exp(torch.clamp(mu + 0.5 * sigma**2, max=20.0))


def ziln_loss(
    y: torch.Tensor, logit: torch.Tensor, mu: torch.Tensor, log_sigma: torch.Tensor
) -> torch.Tensor:
    """Negative log-likelihood of a zero-inflated lognormal, averaged over the batch.

    Args:
        y: Tensor of shape (n,) of spends >= 0.
        logit: Logit of ``P(y > 0)``.
        mu: Location of ``log y`` given ``y > 0``.
        log_sigma: Unconstrained scale (softplus-transformed).

    Returns:
        Scalar loss: BCE of ``y > 0`` plus the lognormal NLL of the positive spends.
    """
    positive = (y > 0).float()
    bce = nn.functional.binary_cross_entropy_with_logits(logit, positive, reduction="none")
    sigma = _sigma(log_sigma)
    logy = torch.log(torch.clamp(y, min=1e-6))
    nll = logy + torch.log(sigma) + 0.5 * math.log(2 * math.pi) + 0.5 * ((logy - mu) / sigma) ** 2
    return (bce + positive * nll).mean()
