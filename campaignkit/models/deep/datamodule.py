"""Tensors and the ``LightningDataModule`` of the behaviour model.

:class:`UserTensors` holds one row per user (sequence fields, mask, standardised tabular features);
:class:`LogTensors` one row per logged exposure (user row, arm, targeted category, outcomes).
Batches are gathered by index from these tensors (no per-row Python objects), and the splits use a
seeded ``torch.Generator`` so the same ``random_state`` gives the same split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset

from campaignkit.data.schema import CAMPAIGN_LOG_COLUMNS
from campaignkit.errors import ParameterError, SchemaError
from campaignkit.models.deep.networks import SEQ_FIELDS
from campaignkit.models.inputs import category_to_id
from campaignkit.models.outcomes import OUTCOMES

__all__ = [
    "UserTensors",
    "LogTensors",
    "BehaviourDataModule",
]


@dataclass
class UserTensors:
    """Model inputs for a set of users, aligned with ``user_id``.

    Attributes:
        user_id: Array of shape (n_users,).
        tensors: ``{field: tensor}`` with the four sequence fields (long, (n_users, L)), ``mask``
            (bool, (n_users, L)) and ``tabular`` (float, (n_users, n_features)).
    """

    user_id: np.ndarray
    tensors: dict

    @classmethod
    def build(cls, features: pd.DataFrame, sequences, mean: np.ndarray, std: np.ndarray, columns):
        """Align features with sequences by user id and standardise them with the given statistics."""
        seq_ids = np.asarray(sequences.user_id)
        missing = [c for c in columns if c not in features.columns]
        if missing:
            raise SchemaError(
                "feature_columns",
                f"features lack the columns the model was fitted on: {missing[:5]}",
                column=missing[0],
            )
        try:
            tab = features.loc[seq_ids, list(columns)].to_numpy(dtype=np.float64)
        except KeyError as exc:
            raise SchemaError(
                "user_alignment", "some sequence users have no feature row", column="user_id"
            ) from exc
        tab = np.nan_to_num((tab - mean) / std, nan=0.0, posinf=0.0, neginf=0.0)
        t = {f: torch.tensor(np.asarray(getattr(sequences, f)), dtype=torch.long) for f in SEQ_FIELDS}
        t["mask"] = torch.tensor(np.asarray(sequences.mask), dtype=torch.bool)
        t["tabular"] = torch.as_tensor(tab, dtype=torch.float32)
        return cls(seq_ids, t)

    def __len__(self) -> int:
        return len(self.user_id)

    def rows_of(self, user_ids) -> np.ndarray:
        """Row positions of ``user_ids`` (raises if one is unknown)."""
        pos = pd.Index(self.user_id).get_indexer(np.asarray(user_ids))
        if np.any(pos < 0):
            raise SchemaError(
                "unknown_user",
                f"{int((pos < 0).sum())} log users are not in the feature store",
                column="user_id",
            )
        return pos


@dataclass
class LogTensors:
    """One row per logged exposure: the user row, arm index, targeted category id and outcomes."""

    tensors: dict

    @classmethod
    def build(cls, log: pd.DataFrame, users: UserTensors, campaign_ids, sequences):
        """Check a campaign log and turn it into tensors aligned with ``users`` and ``campaign_ids``."""
        optional = {o.column for o in OUTCOMES if not o.required}
        missing = [c for c in CAMPAIGN_LOG_COLUMNS if c not in log.columns and c not in optional]
        if missing:
            raise SchemaError("required_column", f"campaign log lacks {missing}", column=missing[0])
        arm_index = pd.Index(list(campaign_ids))
        arm = arm_index.get_indexer(log["campaign_id"])
        if np.any(arm < 0):
            bad = log.loc[arm < 0, "campaign_id"].iloc[0]
            raise SchemaError(
                "unknown_campaign",
                f"campaign {bad!r} of the log is not in the catalogue",
                column="campaign_id",
                row=int(np.flatnonzero(arm < 0)[0]),
            )
        t = {
            "row": torch.as_tensor(users.rows_of(log["user_id"].to_numpy()), dtype=torch.long),
            "arm": torch.as_tensor(arm, dtype=torch.long),
            "target": torch.as_tensor(category_to_id(log["target_category"].to_numpy(), sequences)),
        }
        for col in ("discount", "profit"):
            if col not in log.columns:
                raise SchemaError(
                    "required_column", f"campaign log lacks the realised {col!r} per row", column=col
                )
        for o in OUTCOMES:  # an optional outcome the log does not record is zeros (its loss is not used)
            values = log[o.column].to_numpy(dtype=np.float32) if o.column in log.columns else None
            if values is None or (not o.required and np.isnan(values).all()):
                values = np.zeros(len(log), dtype=np.float32)
            t[o.column] = torch.as_tensor(values)
        t["propensity"] = torch.as_tensor(log["propensity"].to_numpy(dtype=np.float32))
        return cls(t)

    def __len__(self) -> int:
        return len(self.tensors["arm"])


class _Index(Dataset):
    def __init__(self, rows: np.ndarray):
        self.rows = np.asarray(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> int:
        return int(self.rows[i])


class GatherCollate:
    """Collate a list of row indices into a batch dict by tensor indexing (picklable)."""

    def __init__(self, users: UserTensors, log: LogTensors | None = None):
        self.users, self.log = users, log

    def __call__(self, idx: list[int]) -> dict:
        idx = torch.as_tensor(idx, dtype=torch.long)
        if self.log is None:
            return {k: v[idx] for k, v in self.users.tensors.items()}
        batch = {k: v[idx] for k, v in self.log.tensors.items()}
        batch.update({k: v[batch["row"]] for k, v in self.users.tensors.items()})
        return batch


class BehaviourDataModule(pl.LightningDataModule):
    """Serve users (pre-training) or logged exposures (fine-tuning) in batches.

    Splits are by user, so no user is in both train and validation.

    Args:
        users: :class:`UserTensors` of every user available.
        log: :class:`LogTensors` for fine-tuning, or None for pre-training on users.
        batch_size: Rows per batch.
        val_fraction: Share of users held out for validation (early stopping).
        random_state: Seed of the split and the shuffling.
        num_workers: DataLoader workers (0 keeps everything in the main process).
    """

    def __init__(
        self,
        users: UserTensors,
        log: LogTensors | None = None,
        batch_size: int = 256,
        val_fraction: float = 0.2,
        random_state: int = 0,
        num_workers: int = 0,
    ):
        super().__init__()
        if not 0 < val_fraction < 1:
            raise ParameterError(f"val_fraction must be in (0, 1), got {val_fraction}")
        self.users, self.log = users, log
        self.batch_size, self.val_fraction = int(batch_size), float(val_fraction)
        self.random_state, self.num_workers = int(random_state), int(num_workers)
        self.train_rows = self.val_rows = None

    def setup(self, stage: str | None = None) -> None:
        """Split users with a seeded generator; fine-tuning rows follow their user."""
        g = torch.Generator().manual_seed(self.random_state)
        n_users = len(self.users)
        perm = torch.randperm(n_users, generator=g).numpy()
        n_val = max(1, int(round(self.val_fraction * n_users)))
        is_val = np.zeros(n_users, dtype=bool)
        is_val[perm[:n_val]] = True
        if self.log is None:
            self.train_rows, self.val_rows = np.flatnonzero(~is_val), np.flatnonzero(is_val)
        else:
            row_is_val = is_val[self.log.tensors["row"].numpy()]
            self.train_rows, self.val_rows = np.flatnonzero(~row_is_val), np.flatnonzero(row_is_val)
        if len(self.train_rows) == 0 or len(self.val_rows) == 0:
            raise ParameterError("too few users to split into training and validation")

    def _loader(self, rows, shuffle: bool) -> DataLoader:
        g = torch.Generator().manual_seed(self.random_state + 1)
        return DataLoader(
            _Index(rows),
            batch_size=self.batch_size,
            shuffle=shuffle,
            generator=g,
            collate_fn=GatherCollate(self.users, self.log),
            num_workers=self.num_workers,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_rows, True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_rows, False)
