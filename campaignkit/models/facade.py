"""``BehaviourUpliftModel``: the deep behaviour model behind the scikit-learn estimator contract.

Calls (the baselines in :mod:`campaignkit.models.baselines` take the same):

- ``fit(store, log, catalogue)``: ``store`` is a FeatureStore or the ``(features, sequences)`` pair of
  ``store.subset(ids)``; ``log`` a randomised (or targeted) campaign log; ``catalogue`` the campaigns.
  Pre-trains the sequence encoder on every sequence of ``store`` (masked events + next categories),
  then fine-tunes ``n_ensemble`` members (seeds ``random_state + m``) on the log.
- ``predict_outcomes(store, catalogue)``: arrays of shape (n_users, n_campaigns) of participate,
  convert, revenue, discount, contact, profit and retain (ensemble mean; ``*_std`` across members).
  ``profit`` is, by default (``profit_estimate="mediated"``), built through participation
  (:func:`~campaignkit.models.profit.mediated_profit`: ``b + p (v - b) - (1 - p) contact`` with ``b``
  the control profit, ``p`` the participation probability and ``v`` the expected profit of a
  participant, where nobody takes part under control); ``profit_head`` is the direct profit head
  (additive campaign effect, squared loss on every row) and ``profit_components = margin x revenue -
  discount - contact`` is built from the ZILN heads. On the world (``bench/model.py``, 5 seeds) choices by the
  mediated profit earned +0.088 +/- 0.086 per user over all-control, positive on every seed, against
  -0.049 +/- 0.051 by the direct head of the same networks: participation is a binary outcome with far
  less noise than profit, and campaigns act through those who take part.
- ``predict_uplift(store, catalogue, outcome="profit")``: outcome minus the control column.
- ``choose(store, catalogue)`` / ``plan(...)``: each user's campaign with the highest predicted profit.
- ``save(path)`` / ``BehaviourUpliftModel.load(path)`` (``torch.load(weights_only=True)``).
"""

from __future__ import annotations

import copy
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch

from campaignkit.config import DEFAULT_SEED
from campaignkit.errors import ParameterError
from campaignkit.models.datamodule import (
    BehaviourDataModule,
    GatherCollate,
    LogTensors,
    UserTensors,
    category_to_id,
    user_inputs,
)
from campaignkit.models.lightning import BehaviourLightningModule
from campaignkit.models.networks import BehaviourNet, category_counts
from campaignkit.models.profit import catalogue_arrays, mediated_profit, realised_discount, realised_profit
from campaignkit.models.trainer import make_trainer

__all__ = ["BehaviourUpliftModel", "PlanMixin", "resolve_seed"]

PROFIT_ESTIMATES = ("head", "mediated")
OUTCOME_KEYS = (
    "participate",
    "convert",
    "revenue",
    "discount",
    "contact",
    "profit",
    "profit_head",
    "profit_mediated",
    "engaged_profit",
    "profit_components",
    "retain",
)


def resolve_seed(random_state) -> int:
    """An int seed from ``random_state`` (None -> ``DEFAULT_SEED``; a Generator draws one)."""
    if random_state is None:
        return DEFAULT_SEED
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and random_state >= 0:
        return int(random_state)
    raise ParameterError(
        f"random_state must be None, a non-negative int or a numpy Generator, got {random_state!r}"
    )


class PlanMixin:
    """``choose`` and ``plan`` for any model with ``predict_outcomes`` returning a ``profit`` grid."""

    def choose(self, store, catalogue, **kwargs) -> np.ndarray:
        """Index (row of ``catalogue``) of each user's campaign with the highest predicted profit.

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: The campaigns (row 0 control).
            **kwargs: Passed to ``predict_outcomes``.

        Returns:
            Array of shape (n_users,) of ints.
        """
        return self.choose_from_outcomes(self.predict_outcomes(store, catalogue, **kwargs))

    def choose_from_outcomes(self, outcomes: dict) -> np.ndarray:
        """Each user's campaign from a ``predict_outcomes`` result: the highest predicted profit.

        Args:
            outcomes: Dict with ``profit`` of shape (n_users, n_campaigns).

        Returns:
            Array of shape (n_users,) of ints.
        """
        return np.asarray(outcomes["profit"]).argmax(axis=1)

    def plan(self, store, catalogue, **kwargs) -> pd.DataFrame:
        """The per-user choice as a plan: ``user_id, campaign_id, target_category``.

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: The campaigns.
            **kwargs: Passed to ``predict_outcomes``.

        Returns:
            DataFrame, one row per user (target_category -1 unless the campaign targets one).
        """
        out = self.predict_outcomes(store, catalogue, **kwargs)
        idx = self.choose_from_outcomes(out)
        _, seq = user_inputs(store)
        targeted = catalogue["targets_category"].to_numpy(dtype=bool)[idx]
        return pd.DataFrame(
            {
                "user_id": np.asarray(seq.user_id),
                "campaign_id": catalogue["campaign_id"].to_numpy()[idx],
                "target_category": np.where(targeted, out["target_category"], -1),
            }
        )


def _base_rates(log: pd.DataFrame, n_arms: int, logt: LogTensors) -> dict:
    """Base rates of the log's outcomes, for :meth:`BehaviourNet.init_output_bias`."""
    rev = log["revenue"].to_numpy(dtype=float)
    disc = log["discount"].to_numpy(dtype=float)
    took_part = log["participated"].astype(bool).to_numpy()
    return {
        "participate": log["participated"].mean(),
        "convert": log["converted"].mean(),
        "retain": log["retained"].mean(),
        "spend_positive": np.mean(rev > 0),
        "spend_log_mean": np.log(rev[rev > 0]).mean() if np.any(rev > 0) else 0.0,
        "discount_positive": np.mean(disc > 0),
        "discount_log_mean": np.log(disc[disc > 0]).mean() if np.any(disc > 0) else 0.0,
        "profit_mean": log["profit"].mean(),
        "profit_std": log["profit"].std(),
        "engaged_profit_mean": log["profit"][took_part].mean() if took_part.any() else log["profit"].mean(),
        "arm_shares": np.bincount(logt.tensors["arm"].numpy(), minlength=n_arms) / len(log),
    }


@contextmanager
def _torch_threads(n: int | None):
    """Set torch's CPU threads for the duration of a block (no-op for None)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


class BehaviourUpliftModel(PlanMixin):
    """Transformer behaviour model with campaign-conditioned heads, pre-trained then fine-tuned.

    Args:
        max_epochs: Fine-tuning epoch limit per ensemble member (early stopping on ``val/loss``).
        pretrain_epochs: Self-supervised pre-training epochs (0 = no pre-training; the target category
            then falls back to the user's most frequent recent category).
        n_ensemble: Members of the deep ensemble (M seeds).
        d_model: Width of the embeddings and representations.
        n_heads: Attention heads.
        n_layers: Transformer layers.
        dropout: Dropout (default 0: the ensemble carries the uncertainty, and attention dropout is the
            costliest op of a small model on CPU).
        lr: AdamW learning rate.
        batch_size: Rows per batch.
        val_fraction: Share of users held out inside ``fit`` for early stopping.
        patience: Early-stopping patience.
        uncertainty_penalty: The choice is the campaign with the highest lower bound
            ``mean uplift - uncertainty_penalty x ensemble std`` of profit, and control unless that bound
            is positive: contact a user only when the members agree it pays. No effect with one member.
        profit_estimate: Which profit the choice (and ``predict_outcomes``'s ``profit``) uses:
            ``"mediated"`` (default), built through participation by
            :func:`~campaignkit.models.profit.mediated_profit` from the
            participation head, a head for the expected profit of a participant (trained on participants'
            rows only) and the control profit - it assumes a campaign changes nothing for those who do not
            take part but its contact cost, and reads the effect from the low-noise participation outcome;
            or ``"head"``, the direct profit head.
        loss_weights: Fine-tuning loss weights (see ``DEFAULT_LOSS_WEIGHTS``).
        accelerator: ``"auto"``, ``"cpu"`` or ``"gpu"``.
        devices: Devices per node.
        strategy: ``"auto"``, ``"ddp"``, ``"ddp_spawn"``...
        precision: Training precision (None: bf16-mixed on a capable GPU, else 32-true).
        quick: Quick trainer settings (tests): one epoch of a few batches per stage.
        root_dir: Where CSV logs and checkpoints go; None: no logs or checkpoint files.
        progress_bar: Show progress bars.
        n_threads: Torch CPU threads while fitting and predicting (None: leave torch's setting; 1 is
            fastest for small models on shared cores).
        random_state: Seed (int, None or a numpy Generator).
    """

    def __init__(
        self,
        max_epochs: int = 8,
        pretrain_epochs: int = 3,
        n_ensemble: int = 1,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        dropout: float = 0.0,
        lr: float = 2e-3,
        batch_size: int = 256,
        val_fraction: float = 0.2,
        patience: int = 3,
        uncertainty_penalty: float = 1.0,
        profit_estimate: str = "mediated",
        loss_weights=None,
        accelerator: str = "auto",
        devices="auto",
        strategy="auto",
        precision=None,
        quick: bool = False,
        root_dir=None,
        progress_bar: bool = False,
        n_threads: int | None = None,
        random_state=None,
    ):
        self.max_epochs, self.pretrain_epochs, self.n_ensemble = max_epochs, pretrain_epochs, n_ensemble
        self.d_model, self.n_heads, self.n_layers, self.dropout = d_model, n_heads, n_layers, dropout
        self.lr, self.batch_size, self.val_fraction, self.patience = lr, batch_size, val_fraction, patience
        self.uncertainty_penalty, self.loss_weights = uncertainty_penalty, loss_weights
        self.profit_estimate = profit_estimate
        self.accelerator, self.devices, self.strategy, self.precision = (
            accelerator,
            devices,
            strategy,
            precision,
        )
        self.quick, self.root_dir, self.progress_bar = quick, root_dir, progress_bar
        self.n_threads, self.random_state = n_threads, random_state

    _PARAMS = (
        "max_epochs",
        "pretrain_epochs",
        "n_ensemble",
        "d_model",
        "n_heads",
        "n_layers",
        "dropout",
        "lr",
        "batch_size",
        "val_fraction",
        "patience",
        "uncertainty_penalty",
        "profit_estimate",
        "loss_weights",
        "accelerator",
        "devices",
        "strategy",
        "precision",
        "quick",
        "root_dir",
        "progress_bar",
        "n_threads",
        "random_state",
    )

    def get_params(self, deep: bool = True) -> dict:
        """Constructor arguments (scikit-learn convention)."""
        return {k: getattr(self, k) for k in self._PARAMS}

    # ---- training ---------------------------------------------------------------------------------------
    def _trainer(self, epochs: int, name: str):
        return make_trainer(
            max_epochs=epochs,
            accelerator=self.accelerator,
            devices=self.devices,
            strategy=self.strategy,
            precision=self.precision,
            quick=self.quick,
            root_dir=self.root_dir,
            name=name,
            patience=self.patience,
            checkpoint=self.root_dir is not None,
            logger=self.root_dir is not None,
            progress_bar=self.progress_bar,
        )

    def _train(self, net, attrs, stage, dm, epochs, name):
        module = BehaviourLightningModule(net, attrs, stage=stage, lr=self.lr, loss_weights=self.loss_weights)
        trainer = self._trainer(epochs, name)
        trainer.fit(module, datamodule=dm)
        trainer.best_weights.restore(module)
        rows = [{**r, "stage": name} for r in trainer.history.rows]
        return module.net.cpu().eval(), rows

    def fit(self, store, log: pd.DataFrame, catalogue: pd.DataFrame):
        """Pre-train on the sequences of ``store``, then fine-tune the ensemble on ``log``.

        Args:
            store: FeatureStore or ``(features, sequences)`` holding every user of ``log``.
            log: Campaign log (``user_id, campaign_id, propensity, target_category, participated,
                converted, revenue, retained``).
            catalogue: The campaigns of the log (row 0 control).

        Returns:
            self, with ``networks_``, ``pretrained_net_``, ``history_``, ``train_seconds_`` and the
            feature scaling (``feature_columns_``, ``feature_mean_``, ``feature_std_``).
        """
        if self.n_ensemble < 1:
            raise ParameterError(f"n_ensemble must be >= 1, got {self.n_ensemble}")
        if not np.isfinite(self.uncertainty_penalty) or self.uncertainty_penalty < 0:
            raise ParameterError(f"uncertainty_penalty must be >= 0, got {self.uncertainty_penalty}")
        self._check_profit_estimate()
        with _torch_threads(self.n_threads):
            return self._fit(store, log, catalogue)

    def _fit(self, store, log, catalogue):
        t0 = time.perf_counter()
        seed = resolve_seed(self.random_state)
        features, seq = user_inputs(store)
        num = features.select_dtypes("number")
        self.feature_columns_ = [str(c) for c in num.columns]
        values = num.to_numpy(dtype=np.float64)
        self.feature_mean_ = (
            np.nan_to_num(np.nanmean(values, axis=0)) if len(values) else np.zeros(len(num.columns))
        )
        sd = np.nan_to_num(np.nanstd(values, axis=0))
        self.feature_std_ = np.where(sd > 1e-9, sd, 1.0)
        users = UserTensors.build(features, seq, self.feature_mean_, self.feature_std_, num.columns)
        cat = catalogue_arrays(catalogue)
        log = log.copy()
        log["discount"] = realised_discount(log, catalogue)
        log["profit"] = realised_profit(log, catalogue)
        logt = LogTensors.build(log, users, cat["ids"], seq)
        attrs = torch.as_tensor(cat["features"])
        self.config_ = dict(
            vocab_sizes={k: int(v) for k, v in seq.vocab_sizes.items()},
            max_len=int(seq.mask.shape[1]),
            n_tabular=len(self.feature_columns_),
            n_attributes=int(attrs.shape[1]),
            n_arms=len(cat["ids"]),
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dropout=self.dropout,
        )
        # participation under control (Hillstrom's visits) or not (taking up a campaign): see mediated_profit
        in_control = log["campaign_id"].astype(str) == str(cat["ids"][0])
        self.control_participation_ = float(log.loc[in_control, "participated"].astype(float).mean())
        if not np.isfinite(self.control_participation_):  # no control rows
            self.control_participation_ = 0.0
        self.category_vocab_ = [
            int(c) if isinstance(c, (int, np.integer)) else str(c) for c in getattr(seq, "category_vocab", [])
        ]
        base_rates = _base_rates(log, len(cat["ids"]), logt)
        history = []
        pl.seed_everything(seed, workers=True, verbose=False)
        base = BehaviourNet(**self.config_)
        if self.pretrain_epochs > 0:
            dm = BehaviourDataModule(users, None, self.batch_size, self.val_fraction, seed)
            base, rows = self._train(base, attrs, "pretrain", dm, self.pretrain_epochs, "pretrain")
            history += [{**r, "member": -1} for r in rows]
        self.pretrained_net_ = copy.deepcopy(base) if self.pretrain_epochs > 0 else None
        self.networks_ = []
        for m in range(self.n_ensemble):
            pl.seed_everything(seed + 1 + m, workers=True, verbose=False)
            net = BehaviourNet(**self.config_)  # fresh heads per member, shared pre-trained encoder
            net.user.seq.load_state_dict(base.user.seq.state_dict())
            net.init_output_bias(base_rates)
            dm = BehaviourDataModule(users, logt, self.batch_size, self.val_fraction, seed)
            net, rows = self._train(net, attrs, "finetune", dm, self.max_epochs, f"finetune_{m}")
            history += [{**r, "member": m} for r in rows]
            self.networks_.append(net)
        self.history_ = pd.DataFrame(history)
        self.train_seconds_ = time.perf_counter() - t0
        return self

    # ---- prediction ----------------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "networks_"):
            raise ParameterError("this BehaviourUpliftModel is not fitted yet: call fit() or load() first")

    def _users(self, store):
        features, seq = user_inputs(store)
        return UserTensors.build(
            features, seq, self.feature_mean_, self.feature_std_, self.feature_columns_
        ), seq

    @torch.no_grad()
    def predict_next_category(self, store, *, batch_size: int = 2048) -> np.ndarray:
        """Probabilities of each user's next categories from the pre-trained head.

        Args:
            store: FeatureStore or ``(features, sequences)``.
            batch_size: Users per forward pass.

        Returns:
            Array of shape (n_users, n_categories) over raw categories in ``category_vocab`` order
            (history frequencies of the last events when the model was not pre-trained).
        """
        self._check_fitted()
        users, seq = self._users(store)
        n_cat = self.config_["vocab_sizes"]["category"]
        n_raw = len(self.category_vocab_) if self.category_vocab_ else n_cat - 1
        if self.pretrained_net_ is None:
            cats, mask = torch.as_tensor(np.asarray(seq.category)), torch.as_tensor(np.asarray(seq.mask))
            counts = category_counts(cats, mask, n_cat)[:, 1 : n_raw + 1]
            return (counts / counts.sum(1, keepdim=True).clamp(min=1)).numpy()
        net, collate, out = self.pretrained_net_.eval(), GatherCollate(users), []
        for start in range(0, len(users), batch_size):
            b = collate(list(range(start, min(start + batch_size, len(users)))))
            summary, _ = net.user.seq({f: b[f] for f in net.user.seq.fields}, b["mask"])
            out.append(torch.softmax(net.next_category(summary, b["category"], b["mask"])[:, 1 : n_raw + 1], dim=-1))
        return torch.cat(out).numpy()

    def choose_target_category(self, store) -> np.ndarray:
        """Each user's most likely next category (raw value), used by category-targeted campaigns."""
        probs = self.predict_next_category(store)
        idx = probs.argmax(axis=1)
        return np.asarray(self.category_vocab_)[idx] if self.category_vocab_ else idx

    def _check_profit_estimate(self) -> None:
        if self.profit_estimate not in PROFIT_ESTIMATES:
            raise ParameterError(
                f"profit_estimate must be one of {PROFIT_ESTIMATES}, got {self.profit_estimate!r}"
            )

    @torch.no_grad()
    def _member_outcomes(self, store, catalogue, target_category, batch_size: int):
        self._check_profit_estimate()
        users, seq = self._users(store)
        cat = catalogue_arrays(catalogue)
        if cat["features"].shape[1] != self.config_["n_attributes"]:
            raise ParameterError("catalogue attributes do not match the ones the model was fitted on")
        if target_category is None:
            target_category = self.choose_target_category(store)
        target_category = np.broadcast_to(np.asarray(target_category), (len(users),))
        tid = category_to_id(target_category, seq)
        cat_ids = torch.as_tensor(np.where(cat["targeted"][None, :], tid[:, None], 0))
        attrs = torch.as_tensor(cat["features"])
        no_discount = torch.as_tensor((cat["amount"] <= 0) & (cat["depth"] <= 0))
        collate, members = GatherCollate(users), []
        for net in self.networks_:
            net.eval()
            parts = {
                k: []
                for k in ("participate", "convert", "revenue", "discount", "retain", "profit", "engaged_profit")
            }
            for start in range(0, len(users), batch_size):
                rows = list(range(start, min(start + batch_size, len(users))))
                o = net(collate(rows), attrs, cat_ids[rows])
                o["discount"] = torch.where(no_discount[None, :], 0.0, o["discount"])
                for k in parts:
                    parts[k].append(o[k].float())
            d = {k: torch.cat(v).numpy().astype(np.float64) for k, v in parts.items()}
            d["contact"] = np.broadcast_to(cat["contact"][None, :], d["revenue"].shape).copy()
            d["profit_components"] = cat["margin"][None, :] * d["revenue"] - d["discount"] - d["contact"]
            d["profit_head"] = d["profit"]
            d["profit_mediated"] = mediated_profit(
                d["profit_head"][:, 0],
                d["participate"],
                d["engaged_profit"],
                d["contact"],
                control_takes_part=self.control_participation_ > 0,
            )
            d["profit"] = d[f"profit_{self.profit_estimate}"]
            members.append(d)
        return members, np.asarray(target_category)

    def predict_outcomes(
        self, store, catalogue: pd.DataFrame, *, target_category=None, batch_size: int = 2048
    ) -> dict:
        """Expected outcomes of every user under every campaign.

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: Campaigns to score (any configuration described by the same attributes).
            target_category: Raw category per user (array of shape (n_users,) or a scalar) for the
                category-targeted campaigns; default: the pre-trained next-category head's top choice.
            batch_size: Users per forward pass.

        Returns:
            Dict of arrays of shape (n_users, n_campaigns): ``participate, convert, revenue, discount,
            contact, profit, retain`` (ensemble means), ``<key>_std`` (ensemble standard deviations) and
            ``profit_uplift_std`` (ensemble std of profit minus control profit); plus ``target_category``
            of shape (n_users,).
        """
        self._check_fitted()
        with _torch_threads(self.n_threads):
            members, tc = self._member_outcomes(store, catalogue, target_category, batch_size)
        out = {}
        for k in OUTCOME_KEYS:
            stack = np.stack([m[k] for m in members])
            out[k], out[f"{k}_std"] = stack.mean(0), stack.std(0)
        out["profit_uplift_std"] = np.stack([m["profit"] - m["profit"][:, :1] for m in members]).std(0)
        out["target_category"] = tc
        return out

    def predict_uplift(
        self,
        store,
        catalogue: pd.DataFrame,
        *,
        outcome: str = "profit",
        return_std: bool = False,
        target_category=None,
    ):
        """Predicted effect of each campaign against control (row 0).

        Args:
            store: FeatureStore or ``(features, sequences)``.
            catalogue: Campaigns (row 0 control).
            outcome: One of ``participate, convert, revenue, profit, retain``.
            return_std: Also return the ensemble standard deviation of the uplift.
            target_category: As in :meth:`predict_outcomes`.

        Returns:
            Array of shape (n_users, n_campaigns) (column 0 is zero), or ``(mean, std)``.
        """
        self._check_fitted()
        if outcome not in OUTCOME_KEYS:
            raise ParameterError(f"outcome must be one of {OUTCOME_KEYS}, got {outcome!r}")
        with _torch_threads(self.n_threads):
            members, _ = self._member_outcomes(store, catalogue, target_category, 2048)
        stack = np.stack([m[outcome] - m[outcome][:, :1] for m in members])
        return (stack.mean(0), stack.std(0)) if return_std else stack.mean(0)

    def choose_from_outcomes(self, outcomes: dict) -> np.ndarray:
        """Each user's campaign by the lower confidence bound of its profit uplift (see the class).

        Args:
            outcomes: A :meth:`predict_outcomes` result.

        Returns:
            Array of shape (n_users,) of ints (0 = control).
        """
        profit = np.asarray(outcomes["profit"])
        std = outcomes.get("profit_uplift_std")
        bound = profit - profit[:, :1]
        if std is not None:
            bound = bound - self.uncertainty_penalty * np.asarray(std)
        bound[:, 0] = 0.0
        return bound.argmax(axis=1)

    # ---- persistence ---------------------------------------------------------------------------------
    def save(self, path) -> Path:
        """Save parameters, scaling and weights to one file (loadable with ``weights_only=True``)."""
        self._check_fitted()
        params = {k: v for k, v in self.get_params().items() if k not in ("random_state", "root_dir")}
        params["random_state"] = self.random_state if isinstance(self.random_state, int) else None
        payload = {
            "params": params,
            "config": self.config_,
            "feature_columns": list(self.feature_columns_),
            "feature_mean": torch.as_tensor(self.feature_mean_),
            "feature_std": torch.as_tensor(self.feature_std_),
            "category_vocab": list(self.category_vocab_),
            "members": [n.state_dict() for n in self.networks_],
            "pretrained": None if self.pretrained_net_ is None else self.pretrained_net_.state_dict(),
            "train_seconds": float(self.train_seconds_),
            "control_participation": float(self.control_participation_),
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(payload, path)
        return path

    @classmethod
    def load(cls, path) -> BehaviourUpliftModel:
        """Load a model saved by :meth:`save` (``torch.load(weights_only=True)``)."""
        payload = torch.load(Path(path), map_location="cpu", weights_only=True)
        model = cls(**payload["params"])
        model.config_ = payload["config"]
        model.feature_columns_ = list(payload["feature_columns"])
        model.feature_mean_ = payload["feature_mean"].numpy()
        model.feature_std_ = payload["feature_std"].numpy()
        model.category_vocab_ = list(payload["category_vocab"])
        model.networks_ = []
        for state in payload["members"]:
            net = BehaviourNet(**model.config_)
            net.load_state_dict(state)
            model.networks_.append(net.eval())
        model.pretrained_net_ = None
        if payload["pretrained"] is not None:
            model.pretrained_net_ = BehaviourNet(**model.config_)
            model.pretrained_net_.load_state_dict(payload["pretrained"])
            model.pretrained_net_.eval()
        model.train_seconds_ = payload["train_seconds"]
        model.control_participation_ = float(payload["control_participation"])
        model.history_ = pd.DataFrame()
        return model
