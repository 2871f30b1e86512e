"""``BehaviourUpliftModel``: the deep behaviour model behind the kit's model contract
(:mod:`campaignkit.models.base`; the gradient-boosting learners take the same calls).

- ``fit(data, log, catalogue)``: ``data`` any model input (a FeatureStore, ``store.subset(ids)``, a user table,
  ``HillstromData``). With event sequences it pre-trains the sequence encoder on every sequence (masked events
  + next categories); without (a tabular log like Hillstrom) there is nothing to pre-train on, which it says
  with a warning, and the user vector comes from the tabular features alone. Then ``n_ensemble`` members
  (seeds ``random_state + m``) are fine-tuned on the log, on the outcomes the log records.
- ``predict_outcomes(data, catalogue=None)``: a :class:`~campaignkit.models.prediction.Prediction` (ensemble
  means; ``std`` across members). ``profit`` is, by default (``profit_estimate="mediated"``), built through
  participation (:func:`~campaignkit.models.profit.mediated_profit`); ``extra`` holds ``profit_head`` (the
  direct profit head), ``profit_mediated``, ``engaged_profit`` and ``profit_components`` (``margin x revenue
  - discount - contact`` from the ZILN heads).
- ``predict_uplift``, ``choose`` / ``plan`` (by the lower bound of the profit uplift, see the class),
  ``iter_outcomes`` (streaming), ``save(path)`` / ``BehaviourUpliftModel.load(path)``
  (``torch.load(weights_only=True)``).
"""

from __future__ import annotations

import copy
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch

from campaignkit._atomic import atomic_path
from campaignkit.config import resolve_seed
from campaignkit.errors import CampaignkitError, ParameterError
from campaignkit.models.base import UpliftModel
from campaignkit.models.deep.datamodule import (
    BehaviourDataModule,
    GatherCollate,
    LogTensors,
    UserTensors,
)
from campaignkit.models.deep.lightning import BehaviourLightningModule
from campaignkit.models.deep.networks import Architecture, BehaviourNet, category_counts
from campaignkit.models.deep.trainer import make_trainer
from campaignkit.models.inputs import TabularEncoder, UserData, as_user_data, category_to_id, empty_sequences
from campaignkit.models.outcomes import LEARNED_OUTCOMES
from campaignkit.models.prediction import PREDICTION_FIELDS, Prediction
from campaignkit.models.profit import (
    catalogue_arrays,
    fitted_feature_names,
    identity_index,
    mediated_profit,
    shared_attribute_ids,
)

__all__ = ["BehaviourUpliftModel"]

PROFIT_ESTIMATES = ("head", "mediated")
_EXTRA_KEYS = ("profit_head", "profit_mediated", "engaged_profit", "profit_components")


def _base_rates(log: pd.DataFrame, n_arms: int, logt: LogTensors, outcomes) -> dict:
    """Base rates of the log's outcomes, for :meth:`BehaviourNet.init_output_bias` (``retain`` only when
    the log records it)."""
    rev = log["revenue"].to_numpy(dtype=float)
    disc = log["discount"].to_numpy(dtype=float)
    took_part = log["participated"].astype(bool).to_numpy()
    rates = {
        "participate": log["participated"].mean(),
        "convert": log["converted"].mean(),
        "spend_positive": np.mean(rev > 0),
        "spend_log_mean": np.log(rev[rev > 0]).mean() if np.any(rev > 0) else 0.0,
        "discount_positive": np.mean(disc > 0),
        "discount_log_mean": np.log(disc[disc > 0]).mean() if np.any(disc > 0) else 0.0,
        "profit_mean": log["profit"].mean(),
        "profit_std": log["profit"].std(),
        "engaged_profit_mean": log["profit"][took_part].mean() if took_part.any() else log["profit"].mean(),
        "arm_shares": np.bincount(logt.tensors["arm"].numpy(), minlength=n_arms) / len(log),
    }
    if "retain" in outcomes:
        rates["retain"] = log["retained"].mean()
    return rates


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


class BehaviourUpliftModel(UpliftModel):
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
        monitor: The validation figure early stopping and the best-epoch choice watch: ``"val/loss"`` (the
            whole fine-tuning loss) or ``"val/select"`` (its likelihood parts only,
            :data:`~campaignkit.models.deep.lightning.SELECTION_PARTS`: the squared errors of a heavy-tailed profit
            can dominate the loss and pick an epoch before the participation effect is learned).
        isolate_profit: Give the profit heads their own effect network on detached representations, so their
            squared errors do not train the shared encoders (:class:`~campaignkit.models.deep.networks.BehaviourNet`).
        loss_weights: Fine-tuning loss weights (see ``DEFAULT_LOSS_WEIGHTS``).
        accelerator: ``"auto"``, ``"cpu"`` or ``"gpu"``.
        devices: Devices per node.
        strategy: ``"auto"``, ``"ddp"``, ``"ddp_spawn"``...
        precision: Training precision (None: bf16-mixed on a capable GPU, else 32-true).
        quick: Quick trainer settings (tests): one epoch of a few batches per stage.
        root_dir: Where CSV logs and checkpoints go; None: no logs or checkpoint files.
        progress_bar: Show progress bars.
        verbose: Print one line per epoch (stage, epoch, train and validation loss, seconds) to stderr, which
            logs and papermill outputs keep; False mutes it.
        n_threads: Torch CPU threads while fitting and predicting (default 1: on shared or busy cores more
            threads oversubscribe them, and torch's own setting ran 5-15x slower on 2 cores; None leaves
            torch's setting, for a large model on idle dedicated cores).
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
        monitor: str = "val/loss",
        isolate_profit: bool = False,
        loss_weights=None,
        accelerator: str = "auto",
        devices="auto",
        strategy="auto",
        precision=None,
        quick: bool = False,
        root_dir=None,
        progress_bar: bool = False,
        verbose: bool = True,
        n_threads: int | None = 1,
        random_state=None,
    ):
        self.max_epochs, self.pretrain_epochs, self.n_ensemble = max_epochs, pretrain_epochs, n_ensemble
        self.d_model, self.n_heads, self.n_layers, self.dropout = d_model, n_heads, n_layers, dropout
        self.lr, self.batch_size, self.val_fraction, self.patience = lr, batch_size, val_fraction, patience
        self.uncertainty_penalty, self.loss_weights = uncertainty_penalty, loss_weights
        self.profit_estimate, self.monitor, self.isolate_profit = profit_estimate, monitor, isolate_profit
        self.accelerator, self.devices, self.strategy, self.precision = (
            accelerator,
            devices,
            strategy,
            precision,
        )
        self.quick, self.root_dir, self.progress_bar, self.verbose = quick, root_dir, progress_bar, verbose
        self.n_threads, self.random_state = n_threads, random_state

    # ---- training ---------------------------------------------------------------------------------------
    def _network(self) -> BehaviourNet:
        """A fresh network of the fitted shapes (``config_``) and this model's :class:`Architecture`."""
        arch = Architecture(self.d_model, self.n_heads, self.n_layers, self.dropout)
        return BehaviourNet(**self.config_, arch=arch)

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
            monitor=self.monitor,
            checkpoint=self.root_dir is not None,
            logger=self.root_dir is not None,
            progress_bar=self.progress_bar,
            epoch_lines=name if self.verbose else None,
        )

    def _train(self, net, attrs, stage, dm, epochs, name, identity):
        module = BehaviourLightningModule(
            net,
            attrs,
            stage=stage,
            lr=self.lr,
            loss_weights=self.loss_weights,
            outcomes=self.outcomes_,
            identity=identity,
        )
        trainer = self._trainer(epochs, name)
        trainer.fit(module, datamodule=dm)
        trainer.best_weights.restore(module)
        rows = [{**r, "stage": name} for r in trainer.history.rows]
        return module.net.cpu().eval(), rows

    def _context(self):
        return _torch_threads(self.n_threads)

    def _validate_params(self) -> None:
        if self.n_ensemble < 1:
            raise ParameterError(f"n_ensemble must be >= 1, got {self.n_ensemble}")
        if not np.isfinite(self.uncertainty_penalty) or self.uncertainty_penalty < 0:
            raise ParameterError(f"uncertainty_penalty must be >= 0, got {self.uncertainty_penalty}")
        self._check_profit_estimate()

    def _fit(self, data: UserData, log: pd.DataFrame, rows, arms) -> None:
        """Pre-train on the sequences of ``data`` (when it has any), then fine-tune the ensemble on ``log``.

        Sets ``networks_``, ``pretrained_net_``, ``history_``, ``train_seconds_``, the feature scaling
        (``feature_columns_``, ``feature_mean_``, ``feature_std_``), ``identity_ids_`` (campaigns given an
        identity vector because another campaign shares their attributes) and ``control_participation_``.
        """
        t0 = time.perf_counter()
        seed = resolve_seed(self.random_state, bits=31)
        tab = self.encoder_.transform(data.features)
        self.feature_columns_ = list(tab.columns)
        values = tab.to_numpy(dtype=np.float64)
        self.feature_mean_ = (
            np.nan_to_num(np.nanmean(values, axis=0)) if len(values) else np.zeros(len(tab.columns))
        )
        sd = np.nan_to_num(np.nanstd(values, axis=0))
        self.feature_std_ = np.where(sd > 1e-9, sd, 1.0)
        seq = data.sequences if data.has_sequences else empty_sequences(data.user_id)
        users = UserTensors.build(tab, seq, self.feature_mean_, self.feature_std_, tab.columns)
        cat = catalogue_arrays(self.catalogue_)
        logt = LogTensors.build(log, users, cat["ids"], seq)
        attrs = torch.as_tensor(cat["features"])
        self.identity_ids_ = shared_attribute_ids(self.catalogue_)
        identity = torch.as_tensor(identity_index(self.catalogue_, self.identity_ids_))
        self.config_ = dict(
            vocab_sizes={k: int(v) for k, v in seq.vocab_sizes.items()},
            max_len=int(seq.mask.shape[1]),
            n_tabular=len(self.feature_columns_),
            n_attributes=int(attrs.shape[1]),
            n_arms=len(cat["ids"]),
            n_identities=len(self.identity_ids_),
            isolate_profit=self.isolate_profit,
        )
        # participation under control (Hillstrom's visits) or not (taking up a campaign): see mediated_profit
        in_control = arms == 0
        self.control_participation_ = float(log.loc[in_control, "participated"].astype(float).mean())
        if not np.isfinite(self.control_participation_):  # no control rows
            self.control_participation_ = 0.0
        self.category_vocab_ = [
            int(c) if isinstance(c, (int, np.integer)) else str(c) for c in getattr(seq, "category_vocab", [])
        ]
        base_rates = _base_rates(log, len(cat["ids"]), logt, self.outcomes_)
        history = []
        pl.seed_everything(seed, workers=True, verbose=False)
        base = self._network()
        pretrain = self.pretrain_epochs > 0
        if pretrain and not data.has_sequences:
            warnings.warn(
                f"pretrain_epochs={self.pretrain_epochs} but the data has no event sequences: nothing to "
                "pre-train on, so pre-training is skipped (set pretrain_epochs=0 to silence this)",
                UserWarning,
                stacklevel=3,
            )
            pretrain = False
        if pretrain:
            dm = BehaviourDataModule(users, None, self.batch_size, self.val_fraction, seed)
            base, rows_ = self._train(base, attrs, "pretrain", dm, self.pretrain_epochs, "pretrain", identity)
            history += [{**r, "member": -1} for r in rows_]
        self.pretrained_net_ = copy.deepcopy(base) if pretrain else None
        self.networks_ = []
        for m in range(self.n_ensemble):
            pl.seed_everything(seed + 1 + m, workers=True, verbose=False)
            net = self._network()  # fresh heads per member, shared pre-trained encoder
            net.user.seq.load_state_dict(base.user.seq.state_dict())
            net.init_output_bias(base_rates)
            dm = BehaviourDataModule(users, logt, self.batch_size, self.val_fraction, seed)
            net, rows_ = self._train(net, attrs, "finetune", dm, self.max_epochs, f"finetune_{m}", identity)
            history += [{**r, "member": m} for r in rows_]
            self.networks_.append(net)
        self.history_ = pd.DataFrame(history)
        finite = all(torch.isfinite(p).all() for net in self.networks_ for p in net.parameters())
        if not finite:
            raise CampaignkitError(
                "training diverged: a network weight is NaN or infinite (lower lr, or check the log's outcomes)"
            )
        self.train_seconds_ = time.perf_counter() - t0

    # ---- prediction ----------------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "networks_"):
            raise ParameterError("this BehaviourUpliftModel is not fitted yet: call fit() or load() first")

    def _users(self, data):
        """UserTensors of ``data`` (encoded and scaled as in training) and its (possibly empty) sequences."""
        data = as_user_data(data)
        seq = (
            data.sequences if (data.has_sequences and self.has_sequences_) else empty_sequences(data.user_id)
        )
        tab = self.encoder_.transform(data.features)
        return UserTensors.build(tab, seq, self.feature_mean_, self.feature_std_, self.feature_columns_), seq

    @torch.no_grad()
    def predict_next_category(self, data, *, batch_size: int = 2048) -> np.ndarray:
        """Probabilities of each user's next categories from the pre-trained head.

        Args:
            data: Model input with event sequences.
            batch_size: Users per forward pass.

        Returns:
            Array of shape (n_users, n_categories) over raw categories in ``category_vocab`` order
            (history frequencies of the last events when the model was not pre-trained).

        Raises:
            ParameterError: The model was fitted without event sequences (there are no categories).
        """
        self._check_fitted()
        if not self.has_sequences_:
            raise ParameterError("this model was fitted without event sequences: it predicts no categories")
        return self._next_category(*self._users(data), batch_size=batch_size)

    @torch.no_grad()
    def _next_category(self, users: UserTensors, seq, *, batch_size: int = 2048) -> np.ndarray:
        """:meth:`predict_next_category` on tensors already built (scoring builds them once per chunk)."""
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
            logits = net.next_category(summary, b["category"], b["mask"])
            out.append(torch.softmax(logits[:, 1 : n_raw + 1], dim=-1))
        return torch.cat(out).numpy()

    def choose_target_category(self, data) -> np.ndarray:
        """Each user's most likely next category (raw value), used by category-targeted campaigns (-1 for
        every user when the model was fitted without sequences)."""
        if not self.has_sequences_:
            return np.full(len(as_user_data(data)), -1)
        return self._top_category(self.predict_next_category(data))

    def _top_category(self, probs: np.ndarray) -> np.ndarray:
        idx = probs.argmax(axis=1)
        return np.asarray(self.category_vocab_)[idx] if self.category_vocab_ else idx

    def _check_profit_estimate(self) -> None:
        if self.profit_estimate not in PROFIT_ESTIMATES:
            raise ParameterError(
                f"profit_estimate must be one of {PROFIT_ESTIMATES}, got {self.profit_estimate!r}"
            )

    @torch.no_grad()
    def _member_outcomes(self, data, catalogue, target_category, batch_size: int = 2048):
        self._check_profit_estimate()
        users, seq = self._users(data)
        cat = catalogue_arrays(catalogue, fitted_feature_names(self))
        if cat["features"].shape[1] != self.config_["n_attributes"]:
            raise ParameterError("catalogue attributes do not match the ones the model was fitted on")
        if target_category is None:
            target_category = (
                self._top_category(self._next_category(users, seq))
                if self.has_sequences_
                else np.full(len(users), -1)
            )
        target_category = np.broadcast_to(np.asarray(target_category), (len(users),))
        tid = category_to_id(target_category, seq)
        cat_ids = torch.as_tensor(np.where(cat["targeted"][None, :], tid[:, None], 0))
        attrs = torch.as_tensor(cat["features"])
        identity = torch.as_tensor(identity_index(catalogue, self.identity_ids_))
        no_discount = torch.as_tensor((cat["amount"] <= 0) & (cat["depth"] <= 0))
        keys = [k for k in LEARNED_OUTCOMES if k in self.outcomes_]
        collate, members = GatherCollate(users), []
        for net in self.networks_:
            net.eval()
            parts = {k: [] for k in (*keys, "profit", "engaged_profit")}
            for start in range(0, len(users), batch_size):
                rows = list(range(start, min(start + batch_size, len(users))))
                o = net(collate(rows), attrs, cat_ids[rows], identity)
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

    def _predict(self, data: UserData, catalogue: pd.DataFrame, target_category) -> Prediction:
        """Ensemble mean and sd of every outcome (see :meth:`predict_outcomes`)."""
        members, tc = self._member_outcomes(data, catalogue, target_category)
        ids = catalogue["campaign_id"].astype(str).tolist()
        return Prediction.average(
            [
                Prediction(
                    user_id=data.user_id,
                    campaign_ids=ids,
                    **{k: m.get(k) for k in PREDICTION_FIELDS},
                    target_category=tc,
                    extra={k: m[k] for k in _EXTRA_KEYS},
                )
                for m in members
            ],
            ddof=0,
        )

    def predict_outcomes(
        self, data, catalogue=None, *, target_category=None, batch_users: int | None = None
    ) -> Prediction:
        """Expected outcomes of every user under every campaign.

        Args:
            data: Model input (see :func:`~campaignkit.models.inputs.as_user_data`).
            catalogue: Campaigns to score (any configuration described by the same attributes; default:
                the fitted catalogue).
            target_category: Raw category per user (array of shape (n_users,) or a scalar) for the
                category-targeted campaigns; default: the pre-trained next-category head's top choice.
            batch_users: Score in chunks of this many users (None: one pass).

        Returns:
            A :class:`~campaignkit.models.prediction.Prediction`: ensemble means, ``std`` across members
            (``profit_uplift``: sd of profit minus control profit), ``extra`` the alternative profits.
        """
        return super().predict_outcomes(
            data, catalogue, target_category=target_category, batch_users=batch_users
        )

    def predict_uplift(
        self, data, catalogue=None, *, outcome: str = "profit", return_std: bool = False, target_category=None
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Predicted effect of each campaign against control (row 0).

        Args:
            data: Model input.
            catalogue: Campaigns (default: the fitted catalogue).
            outcome: A prediction field (``participate, convert, revenue, discount, profit, retain``) or an
                ``extra`` key.
            return_std: Also return the ensemble standard deviation of the uplift.
            target_category: As in :meth:`predict_outcomes`.

        Returns:
            Array of shape (n_users, n_campaigns) (column 0 is zero), or ``(mean, std)``.
        """
        self._check_fitted()
        valid = (*[k for k in LEARNED_OUTCOMES if k in self.outcomes_], "profit", "contact", *_EXTRA_KEYS)
        if outcome not in valid:
            raise ParameterError(f"outcome must be one of {valid}, got {outcome!r}")
        cat = self._catalogue(catalogue)
        with self._context():
            members, _ = self._member_outcomes(data, cat, target_category)
        stack = np.stack([m[outcome] - m[outcome][:, :1] for m in members])
        return (stack.mean(0), stack.std(0)) if return_std else stack.mean(0)

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
            "catalogue": {c: self.catalogue_[c].tolist() for c in self.catalogue_.columns},
            "outcomes": list(self.outcomes_),
            "identity_ids": list(self.identity_ids_),
            "has_sequences": bool(self.has_sequences_),
            "encoder": self.encoder_.get_state(),
        }
        path = Path(path)
        with atomic_path(path) as tmp:  # a kill leaves the old file or the new one
            torch.save(payload, tmp)
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
            net = model._network()
            net.load_state_dict(state)
            model.networks_.append(net.eval())
        model.pretrained_net_ = None
        if payload["pretrained"] is not None:
            model.pretrained_net_ = model._network()
            model.pretrained_net_.load_state_dict(payload["pretrained"])
            model.pretrained_net_.eval()
        model.train_seconds_ = payload["train_seconds"]
        model.control_participation_ = float(payload["control_participation"])
        model.catalogue_ = pd.DataFrame(payload["catalogue"])
        model.outcomes_ = tuple(payload["outcomes"])
        model.identity_ids_ = list(payload["identity_ids"])
        model.has_sequences_ = bool(payload["has_sequences"])
        model.encoder_ = TabularEncoder.from_state(payload["encoder"])
        model.feature_names_ = list(model.encoder_.feature_names_)
        model.history_ = pd.DataFrame()
        return model
