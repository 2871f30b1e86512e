"""Model inputs for any campaign data: :class:`UserData` and the kit's :class:`TabularEncoder`.

Every model takes the same input: a table of user attributes indexed by user id, plus *optional* event
sequences. :func:`as_user_data` builds it from whatever a user has - a ``FeatureStore``, the
``(features, sequences)`` pair of ``store.subset(ids)``, any user table (``user_id`` a column or the index),
or :class:`~campaignkit.data.hillstrom.HillstromData` - so a tabular campaign log like Hillstrom fits as
easily as an event log.

Models turn the table into numbers with a :class:`TabularEncoder` fitted in ``fit`` and kept
(``model.encoder_``): numeric and boolean columns as they are, text and categorical columns one-hot
encoded over the levels seen in training (a level first seen at prediction time encodes as all zeros), id
columns never used as features, and date-times left out with a warning that names them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from campaignkit.errors import ParameterError, SchemaError

if TYPE_CHECKING:
    from campaignkit.features.sequences import SequenceArrays

__all__ = [
    "UserData",
    "as_user_data",
    "TabularEncoder",
    "ID_COLUMNS",
    "empty_sequences",
    "category_to_id",
    "id_to_category",
    "history_top_category",
]

ID_COLUMNS: tuple[str, ...] = ("user_id", "customer_id", "item_id", "campaign_id")
"""Columns that identify rather than describe (also any column ending in ``_id``): never features."""

MAX_LEVELS = 100
"""A text column with more distinct values than this is treated as an identifier, not a category."""


def _is_id(column) -> bool:
    name = str(column)
    return name in ID_COLUMNS or name.endswith("_id")


@dataclass
class UserData:
    """User attributes indexed by user id, plus optional event sequences aligned with them.

    Attributes:
        features: DataFrame indexed by ``user_id`` (raw columns: numbers, text, categories).
        sequences: ``SequenceArrays`` with the same users in the same order, or None (tabular data).
    """

    features: pd.DataFrame
    sequences: object | None = None

    def __post_init__(self):
        if not isinstance(self.features, pd.DataFrame):
            raise ParameterError(f"features must be a DataFrame, got {type(self.features).__name__}")
        if self.features.index.has_duplicates:
            dup = self.features.index[self.features.index.duplicated()][0]
            raise SchemaError("duplicate", f"user {dup!r} has two feature rows", column="user_id")
        if self.sequences is not None:
            ids = np.asarray(self.sequences.user_id)
            if len(ids) != len(self.features) or not np.array_equal(ids, self.features.index.to_numpy()):
                try:
                    self.features = self.features.loc[ids]
                except KeyError as exc:
                    raise SchemaError(
                        "user_alignment", "some sequence users have no feature row", column="user_id"
                    ) from exc

    @property
    def user_id(self) -> np.ndarray:
        """Array of shape (n_users,): the users, in row order."""
        return self.features.index.to_numpy()

    @property
    def has_sequences(self) -> bool:
        """Whether event sequences come with the table."""
        return self.sequences is not None

    def __len__(self) -> int:
        return len(self.features)

    def rows_of(self, user_ids) -> np.ndarray:
        """Row positions of ``user_ids`` (raises naming the first unknown user)."""
        pos = self.features.index.get_indexer(np.asarray(user_ids))
        if np.any(pos < 0):
            bad = np.asarray(user_ids)[pos < 0]
            raise SchemaError(
                "unknown_user",
                f"{len(bad)} user(s) are not in the model input, e.g. {bad[0]!r}",
                column="user_id",
                row=int(np.flatnonzero(pos < 0)[0]),
            )
        return pos

    def take(self, rows) -> UserData:
        """The users at row positions ``rows`` (sequences copied into memory for those rows only)."""
        rows = np.asarray(rows)
        seq = None
        if self.sequences is not None:
            seq = self.sequences.subset(np.asarray(self.sequences.user_id)[rows])
        return UserData(self.features.iloc[rows], seq)

    def subset(self, user_ids) -> UserData:
        """The users ``user_ids``, in that order."""
        return self.take(self.rows_of(user_ids))

    def chunks(self, batch_users: int) -> Iterator[UserData]:
        """Consecutive blocks of at most ``batch_users`` users (for streaming scoring)."""
        if batch_users < 1:
            raise ParameterError(f"batch_users must be >= 1, got {batch_users}")
        for start in range(0, len(self), int(batch_users)):
            yield self.take(np.arange(start, min(start + int(batch_users), len(self))))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, id_column: str = "user_id", sequences=None) -> UserData:
        """From a user table with the ids in ``id_column`` (or already in the index).

        Args:
            frame: One row per user.
            id_column: The id column (taken out of the features), or the index's name.
            sequences: Optional ``SequenceArrays`` of the same users.

        Returns:
            A :class:`UserData`.
        """
        if id_column in frame.columns:
            frame = frame.set_index(id_column)
        elif frame.index.name != id_column and not (frame.index.name is None and id_column == "user_id"):
            raise SchemaError(
                "required_column", f"user table has no {id_column!r} column or index", column=id_column
            )
        frame = frame.copy()
        frame.index.name = "user_id"
        return cls(frame, sequences)


def as_user_data(data) -> UserData:
    """Turn any supported model input into a :class:`UserData`.

    Args:
        data: A :class:`UserData`; a ``FeatureStore`` (anything with ``features`` and ``sequences``); a
            ``(features, sequences)`` pair (``sequences`` may be None); a DataFrame of users (``user_id`` a
            column or the index); or ``HillstromData`` (anything with ``users`` and ``campaign_log``).

    Returns:
        A :class:`UserData`.

    Raises:
        ParameterError: For any other type.
    """
    if isinstance(data, UserData):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        return UserData(data[0], data[1])
    if isinstance(data, pd.DataFrame):
        return UserData.from_frame(data)
    if hasattr(data, "features") and hasattr(data, "sequences"):
        return UserData(data.features, data.sequences)
    if hasattr(data, "users") and hasattr(data, "campaign_log"):
        return UserData.from_frame(data.users)
    raise ParameterError(
        "model input must be a UserData, a FeatureStore, a (features, sequences) pair, a DataFrame of users "
        f"or HillstromData, got {type(data).__name__}"
    )


def empty_sequences(user_ids) -> SequenceArrays:
    """Sequences with no events (length 1, all padding) for tabular data, so one network serves both."""
    from campaignkit.features.sequences import SequenceArrays

    n = len(user_ids)
    zeros = np.zeros((n, 1), dtype=np.int64)
    return SequenceArrays(
        user_id=np.asarray(user_ids),
        event_type=zeros,
        category=zeros.copy(),
        price_bucket=zeros.copy(),
        gap_bucket=zeros.copy(),
        mask=np.zeros((n, 1), dtype=bool),
        vocab_sizes={"event_type": 2, "category": 2, "price_bucket": 2, "gap_bucket": 2},
        category_vocab=[],
        meta={"empty": True},
    )


def _vocab(sequences) -> dict | None:
    vocab = getattr(sequences, "category_vocab", None)
    if vocab is None:
        return None
    if isinstance(vocab, dict):
        return dict(vocab)
    return {raw: i + 1 for i, raw in enumerate(list(vocab))}  # category_vocab[i] -> id i + 1


def category_to_id(raw, sequences) -> np.ndarray:
    """Map raw categories to sequence ids (``category_vocab[i]`` -> ``i + 1``; -1 or unknown -> 0 = none).

    Args:
        raw: Array of shape (n,) of raw categories (-1 = not targeted).
        sequences: The SequenceArrays whose ``category_vocab`` defines the ids (raw ``c`` -> ``c + 1``
            when it has none).

    Returns:
        Array of shape (n,) of int64 ids.
    """
    raw = np.asarray(raw)
    vocab = _vocab(sequences)
    if vocab is not None:
        return np.array([vocab.get(r, 0) for r in raw.tolist()], dtype=np.int64)
    out = raw.astype(np.int64) + 1
    out[raw.astype(np.int64) < 0] = 0
    return out


def raw_category_array(values) -> np.ndarray:
    """Raw categories as one array: int64 when every value is an integer (the synthetic world's ids), else an
    object array, so text categories (``'CANDY - PACKAGED'``) sit beside -1 (not targeted) without NumPy
    turning -1 into the text ``'-1'`` or refusing to mix them.

    Args:
        values: Sequence of raw categories.

    Returns:
        Array of shape (n,).
    """
    values = list(np.asarray(values, dtype=object).tolist()) if np.ndim(values) else [values]
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=np.int64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def id_to_category(ids, sequences) -> np.ndarray:
    """Inverse of :func:`category_to_id` (id 0 or an unknown id -> -1); text categories come back as an object
    array (see :func:`raw_category_array`)."""
    ids = np.asarray(ids, dtype=np.int64)
    vocab = _vocab(sequences)
    if vocab is not None:
        inv = {v: k for k, v in vocab.items()}
        return raw_category_array([inv.get(i, -1) for i in ids.tolist()])
    return ids - 1


def history_top_category(sequences, last: int | None = None, *, n: int | None = None) -> np.ndarray:
    """Each user's most frequent category among the last ``last`` events (all when None).

    Args:
        sequences: SequenceArrays, or None (tabular data: nobody has a category).
        last: Number of most recent events to count.
        n: Number of users when ``sequences`` is None.

    Returns:
        Array of shape (n_users,) of raw categories (the first category for users with no events; -1 for
        every user when there are no sequences).
    """
    if sequences is None or sequences.meta.get("empty"):  # tabular data (see inputs.empty_sequences)
        return np.full(int(n if n is not None else len(sequences.user_id)), -1)
    cats = np.asarray(sequences.category)
    mask = np.asarray(sequences.mask)
    if last is not None:
        cats, mask = cats[:, -last:], mask[:, -last:]
    n_ids = int(sequences.vocab_sizes["category"])
    counts = np.zeros((len(cats), n_ids))
    np.add.at(counts, (np.repeat(np.arange(len(cats)), cats.shape[1]), cats.ravel()), mask.ravel())
    counts[:, 0] = -1  # padding
    if n_ids > 2:
        counts[:, -1] = np.where(counts[:, -1] > 0, counts[:, -1], -0.5)  # 'unknown' only if nothing else
    return id_to_category(counts.argmax(axis=1).clip(min=1), sequences)


ALL_MISSING = "every value missing (nothing to learn from; a gradient-boosting fit fails on it)"
"""Why :class:`TabularEncoder` leaves out a numeric column with no value."""


class TabularEncoder(TransformerMixin, BaseEstimator):
    """User table -> float features: numbers kept, categories one-hot, ids left out (recorded in ``fit``).

    Args:
        max_levels: A text column with more levels than this is an identifier and is left out (with a
            warning).

    Attributes:
        numeric_columns_: Numeric and boolean columns kept as they are.
        categories_: ``{column: [levels]}`` of the one-hot encoded columns.
        dropped_: ``{column: reason}`` for the columns left out.
        feature_names_: Names of the output columns (``column=level`` for one-hot columns).
    """

    def __init__(self, max_levels: int = MAX_LEVELS):
        self.max_levels = max_levels

    def fit(self, frame: pd.DataFrame, y=None) -> TabularEncoder:
        """Record which columns are numbers, which categories (and their levels), which left out."""
        self.numeric_columns_, self.categories_, self.dropped_ = [], {}, {}
        for col in frame.columns:
            s = frame[col]
            if _is_id(col):
                self.dropped_[str(col)] = "an id column"
            elif (
                (pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s))
                and len(s)
                and s.isna().all()
            ):
                self.dropped_[str(col)] = ALL_MISSING
            elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
                self.numeric_columns_.append(col)
            elif pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
                self.dropped_[str(col)] = "a date-time (derive numbers from it, e.g. tenure in days)"
            else:
                levels = sorted(pd.unique(s.dropna().astype(str)).tolist())
                if len(levels) > self.max_levels:
                    self.dropped_[str(col)] = f"text with {len(levels)} distinct values (an identifier?)"
                else:
                    self.categories_[col] = levels
        left_out = {k: v for k, v in self.dropped_.items() if not _is_id(k)}
        if left_out:
            warnings.warn(
                "TabularEncoder leaves out column(s) "
                + "; ".join(f"{k!r}: {v}" for k, v in left_out.items()),
                UserWarning,
                stacklevel=2,
            )
        self._set_names()
        return self

    def leave_out(self, columns, reason: str) -> TabularEncoder:
        """Leave out numeric columns kept at fit time (e.g. missing on every row a model is fitted on), with a
        UserWarning naming them and the reason.

        Args:
            columns: Column names among ``numeric_columns_`` (others are ignored).
            reason: Why, recorded in ``dropped_``.

        Returns:
            self.
        """
        out = [c for c in self.numeric_columns_ if c in set(columns)]
        if out:
            self.numeric_columns_ = [c for c in self.numeric_columns_ if c not in set(out)]
            self.dropped_.update({str(c): reason for c in out})
            warnings.warn(
                "TabularEncoder leaves out column(s) " + "; ".join(f"{str(c)!r}: {reason}" for c in out),
                UserWarning,
                stacklevel=2,
            )
            self._set_names()
        return self

    def _set_names(self) -> None:
        self.feature_names_ = [str(c) for c in self.numeric_columns_] + [
            f"{c}={lv}" for c, levels in self.categories_.items() for lv in levels
        ]

    def get_state(self) -> dict:
        """What ``fit`` recorded, as plain lists and dicts of strings (for ``torch.save(weights_only)``)."""
        return {
            "numeric": [str(c) for c in self.numeric_columns_],
            "categories": {str(k): [str(v) for v in lv] for k, lv in self.categories_.items()},
            "dropped": {str(k): str(v) for k, v in self.dropped_.items()},
        }

    @classmethod
    def from_state(cls, state: dict) -> TabularEncoder:
        """A fitted encoder from :meth:`get_state`'s output."""
        enc = cls()
        enc.numeric_columns_ = list(state["numeric"])
        enc.categories_ = {k: list(v) for k, v in state["categories"].items()}
        enc.dropped_ = dict(state["dropped"])
        enc._set_names()
        return enc

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Encode ``frame`` as at fit time; DataFrame of float64 with the index of ``frame``.

        Raises:
            SchemaError: ``frame`` lacks a column the encoder was fitted on.
        """
        missing = [c for c in [*self.numeric_columns_, *self.categories_] if c not in frame.columns]
        if missing:
            raise SchemaError(
                "required_column",
                f"the user table lacks column(s) the model was fitted on: {[str(c) for c in missing[:5]]}",
                column=str(missing[0]),
            )
        parts = [frame[self.numeric_columns_].astype("float64").to_numpy()] if self.numeric_columns_ else []
        for col, levels in self.categories_.items():
            values = frame[col].astype("string").fillna("\x00missing").to_numpy(dtype=object)
            parts.append((values[:, None] == np.asarray(levels, dtype=object)[None, :]).astype(np.float64))
        out = np.hstack(parts) if parts else np.zeros((len(frame), 0))
        return pd.DataFrame(out, index=frame.index, columns=self.feature_names_)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Output column names (scikit-learn convention)."""
        return np.asarray(self.feature_names_, dtype=object)
