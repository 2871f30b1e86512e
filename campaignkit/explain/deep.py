"""SHAP values of the deep model's uplift (or choice) over its tabular features and its event sequence.

The explained function is the model's own prediction for one user, written as a cooperative game over
*players*: the user's tabular features and each real event of their sequence. A coalition keeps its
players and hides the others:

- a hidden tabular feature takes a background user's value (interventional SHAP, averaged over a
  background sample; :class:`shap.maskers.Independent`);
- a hidden event is removed from the sequence (its mask set to False), as if it had not happened.

With every player hidden the model sees a background user's table and an empty sequence, so the base value
``E_background[f(table_bg, no events)]`` is the same for every explained user. :class:`shap.PermutationExplainer`
walks antithetic permutations of the players; each walk telescopes from the base value to the user's
prediction, so the values add up to the output *exactly* (up to float32 rounding) whatever the number of
permutations, and they estimate the Shapley values (exact for interactions up to second order, per shap's
documentation; more permutations give better estimates of higher-order ones).

The game is evaluated in blocks: every coalition of one user shares the user's tokens, so the Transformer
runs once per distinct set of kept events, and only the cheap tabular, fusion and head layers run per
background row. Why not ``GradientExplainer`` or ``DeepExplainer``: event tokens are discrete (no path to
integrate along), and shap's DeepExplainer does not support LayerNorm/GELU Transformers.
"""

from __future__ import annotations

import numpy as np
import torch

from campaignkit.explain._core import Explanation, Target, permutation_explainer
from campaignkit.models.deep.networks import outputs_to_dict
from campaignkit.models.inputs import category_to_id
from campaignkit.models.outcomes import LEARNED_OUTCOMES
from campaignkit.models.profit import catalogue_arrays, identity_index, mediated_profit

__all__ = ["explain_deep", "deep_outcomes", "DeepGame"]


def deep_outcomes(model) -> tuple[str, ...]:
    """Outcomes of a fitted deep model that can be explained (learned ones plus ``profit``)."""
    return (*[k for k in LEARNED_OUTCOMES if k in model.outcomes_ and k != "profit"], "profit")


class DeepGame:
    """The deep model's output for one user at a time, as a function of masked player vectors.

    A row ``z`` holds the standardised tabular features (``n_tabular`` columns) then one presence flag per
    sequence position (1 keep, 0 remove). :meth:`set_user` chooses whose events the flags refer to.

    Args:
        model: A fitted :class:`~campaignkit.models.BehaviourUpliftModel`.
        columns: Catalogue rows scored, control first: ``[0, campaign]`` or ``[0, campaign, against]``.
        outcome: The outcome explained.
        reference: Column of ``columns`` subtracted (0: control, an uplift; 2: another campaign, a choice).
    """

    def __init__(self, model, columns, outcome: str, reference: int):
        cat = model.catalogue_.iloc[list(columns)].reset_index(drop=True)
        arr = catalogue_arrays(cat)
        self.model, self.outcome, self.reference = model, outcome, int(reference)
        self.nets = list(model.networks_)
        self.attrs = torch.as_tensor(arr["features"])
        self.identity = torch.as_tensor(identity_index(cat, model.identity_ids_))
        self.targeted = arr["targeted"]
        self.contact = arr["contact"]
        self.no_discount = (arr["amount"] <= 0) & (arr["depth"] <= 0)
        self.n_tabular = len(model.feature_columns_)
        self.tokens = self.mask = self.cat_ids = None

    def set_user(self, tokens: dict, mask: np.ndarray, target_id: int) -> None:
        """Fix the user whose events the presence flags refer to.

        Args:
            tokens: ``{field: array of shape (L,)}`` of the user's sequence fields.
            mask: Array of shape (L,), True at real events.
            target_id: Sequence id of the category the targeted campaigns target for this user (0 none).
        """
        self.tokens = {f: torch.as_tensor(np.asarray(v), dtype=torch.long) for f, v in tokens.items()}
        self.mask = torch.as_tensor(np.asarray(mask, dtype=bool))
        self.cat_ids = torch.as_tensor(np.where(self.targeted, int(target_id), 0), dtype=torch.long)

    @torch.no_grad()
    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Outputs of the masked rows ``z`` (shape (m, n_tabular + L)), shape (m,)."""
        z = np.asarray(z, dtype=np.float64)
        n = len(z)
        tab = torch.as_tensor(z[:, : self.n_tabular], dtype=torch.float32)
        present = z[:, self.n_tabular :] > 0.5
        if present.shape[1] == 0:
            present = np.zeros((n, self.mask.numel()), dtype=bool)
        uniq, inv = np.unique(present, axis=0, return_inverse=True)
        inv = torch.as_tensor(np.asarray(inv).ravel())
        mask_u = torch.as_tensor(uniq) & self.mask[None, :]
        tokens_u = {f: t[None, :].expand(len(uniq), -1) for f, t in self.tokens.items()}
        batch_u = {"category": tokens_u["category"], "mask": mask_u}
        values = []
        for net in self.nets:
            match = net.campaign.match(batch_u, self.cat_ids[None, :].expand(len(uniq), -1))[inv]
            summary, _ = net.user.seq(tokens_u, mask_u)
            user = net.user.fuse(torch.cat([summary[inv], net.user.tab(tab)], dim=-1))
            camp = net.campaign(self.attrs[None].expand(n, -1, -1), match, self.identity)
            out = outputs_to_dict(
                net.pair_outputs(user[:, None, :], camp, net.control_embedding(self.attrs)), net.profit_scale
            )
            values.append(self._outcome(out))
        v = np.mean(values, axis=0)
        return v[:, 1] - v[:, self.reference]

    def _outcome(self, out: dict) -> np.ndarray:
        """The explained outcome from the raw head outputs, as the model computes it (shape (m, k))."""
        d = {
            k: out[k].float().numpy().astype(np.float64)
            for k in ("participate", "engaged_profit", "profit", self.outcome)
            if k in out
        }
        if self.outcome == "discount":
            return np.where(self.no_discount[None, :], 0.0, d["discount"])
        if self.outcome != "profit":
            return d[self.outcome]
        if self.model.profit_estimate == "head":
            return d["profit"]
        contact = np.broadcast_to(self.contact[None, :], d["profit"].shape)
        return mediated_profit(
            d["profit"][:, 0],
            d["participate"],
            d["engaged_profit"],
            contact,
            control_takes_part=self.model.control_participation_ > 0,
        )


def explain_deep(target: Target, n_permutations: int, random_state) -> Explanation:
    """SHAP values of a :class:`~campaignkit.models.BehaviourUpliftModel` 's uplift (or choice), for
    :func:`~campaignkit.explain.explain_uplift` (which checks the arguments and resolves the ``target``).

    Args:
        target: The fitted deep model, outcome, campaigns, users and background sample.
        n_permutations: Antithetic permutations per user (each costs ``2 p + 1`` evaluations, ``p`` the
            user's varying players).
        random_state: Seed of the permutations.

    Returns:
        An :class:`~campaignkit.explain.Explanation` (``exact=False``: permutation estimates, additive by
        construction) with the tabular features then ``event[-L] .. event[-1]`` (latest last); use
        ``.grouped("event_type" | "category" | "recency")`` for readable sequence groups.
    """
    model, outcome = target.model, target.outcome
    data, c, a = target.data, target.campaign, target.against
    with model._context():
        pred = model.predict_outcomes(data)
        users, seq = model._users(data)
        bg_tab = model._users(target.background)[0].tensors["tabular"].numpy().astype(np.float64)
    n_seq = int(np.asarray(seq.mask).shape[1]) if model.has_sequences_ else 0
    tab = users.tensors["tabular"].numpy().astype(np.float64)
    mask = np.asarray(seq.mask, dtype=bool)
    z = np.hstack([tab, mask[:, :n_seq].astype(np.float64)])
    z_bg = np.hstack([bg_tab, np.zeros((len(bg_tab), n_seq))])
    columns = [0, c] if a == 0 else [0, c, a]
    game = DeepGame(model, columns, outcome, reference=0 if a == 0 else 2)
    tid = category_to_id(np.asarray(pred.target_category), seq)
    explainer = permutation_explainer(game, z_bg, random_state)
    values, base = np.zeros_like(z), np.zeros(len(z))
    fields = {
        f: np.asarray(getattr(seq, f)) for f in ("event_type", "category", "price_bucket", "gap_bucket")
    }
    with model._context():
        for i in range(len(z)):
            game.set_user({f: v[i] for f, v in fields.items()}, mask[i], tid[i])
            varying = int(np.any(~np.isclose(z[i][None, :], z_bg), axis=0).sum())
            res = explainer(z[i : i + 1], max_evals=n_permutations * (2 * max(varying, 1) + 1), silent=True)
            values[i], base[i] = res.values[0], np.ravel(res.base_values)[0]
    raw = model.encoder_.transform(data.features)[model.feature_columns_].to_numpy(dtype=np.float64)
    names = [str(f) for f in model.feature_columns_] + [f"event[-{n_seq - j}]" for j in range(n_seq)]
    sequence = {}
    if n_seq:
        sequence = {
            "event_type": fields["event_type"] * mask,
            "category": fields["category"] * mask,
            "category_vocab": list(getattr(seq, "category_vocab", []) or []),
        }
    return target.explanation(
        pred,
        values=values,
        base_values=base,
        data=np.hstack([raw, mask[:, :n_seq].astype(np.float64)]),
        feature_names=names,
        method=f"PermutationExplainer ({n_permutations} antithetic permutation(s), {len(z_bg)} background users; "
        "hidden events removed), additive, Shapley values estimated",
        exact=False,
        sequence=sequence,
    )
