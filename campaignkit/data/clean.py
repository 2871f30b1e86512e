"""Preprocessing as scikit-learn transformers: de-duplication, outliers, missing values, normalisation.

Every transformer takes and returns a pandas DataFrame, follows the estimator contract (``__init__`` only
stores arguments, ``fit`` learns from the *training* rows and returns ``self``, fitted attributes end in
``_``) and pickles with :mod:`joblib`, so it can be saved with the model and applied to new users with the
training statistics. Rows a transformer removes are kept in ``removed_`` (last call), never lost silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from campaignkit.data._checks import require_columns
from campaignkit.errors import ParameterError, SchemaError

__all__ = ["Deduplicator", "deduplicate", "Winsorizer", "BotFlagger", "MissingImputer", "Normalizer"]

_IMPUTE = ("mean", "median", "mode", "constant", "drop")
_SCALE = ("minmax", "standard", "log1p")


def _frame(X, who: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(f"{who} takes a pandas DataFrame, got {type(X).__name__}")
    return X


def _need(X: pd.DataFrame, cols: Sequence[str], who: str) -> None:
    require_columns(X, cols, who)


def _per_column(spec, columns, allowed, who: str) -> dict[str, str]:
    if isinstance(spec, Mapping):
        out = dict(spec)
    else:
        if columns is None:
            raise ParameterError(
                f"{who}: give columns=[...] with a single strategy, or a {{column: strategy}} dict"
            )
        out = {c: spec for c in columns}
    bad = {c: s for c, s in out.items() if s not in allowed}
    if bad:
        raise ParameterError(f"{who}: unknown strategy {bad}; choose from {list(allowed)}")
    return out


def deduplicate(
    df: pd.DataFrame, subset: Sequence[str] | None = None, time_col: str | None = None, tolerance=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``df`` into first occurrences and repeats.

    Args:
        df: Rows to de-duplicate.
        subset: Columns that identify a row (``None``: all columns, ``time_col`` included).
        time_col: Timestamp column; with ``tolerance``, a row repeating the previous row of the same
            ``subset`` within ``tolerance`` (e.g. ``"2s"``, a double click) is a duplicate too.
        tolerance: A ``pandas.Timedelta`` or string; ``None`` means exact repeats only.

    Returns:
        ``(kept, removed)``; ``len(kept) + len(removed) == len(df)``, original index preserved.
    """
    _frame(df, "deduplicate")
    cols = list(subset) if subset is not None else list(df.columns)
    _need(df, cols + ([time_col] if time_col else []), "deduplicate")
    if tolerance is None:
        dup = df.duplicated(subset=cols, keep="first").to_numpy()
    else:
        if time_col is None:
            raise ParameterError("deduplicate: tolerance needs time_col")
        tol = pd.Timedelta(tolerance)
        key = [c for c in cols if c != time_col]
        order = df.sort_values(key + [time_col], kind="stable")
        gap = order[time_col].diff()
        same = np.ones(len(order), dtype=bool)
        for c in key:
            same &= (order[c] == order[c].shift()).fillna(False).to_numpy(dtype=bool)
        dup_sorted = same & (gap <= tol).fillna(False).to_numpy(dtype=bool)
        dup = pd.Series(dup_sorted, index=order.index).reindex(df.index).to_numpy()
    return df[~dup], df[dup]


class Deduplicator(TransformerMixin, BaseEstimator):
    """Remove repeated rows (exact, or within a time tolerance); removed rows stay in ``removed_``.

    Args:
        subset: Columns that identify a row (``None``: all).
        time_col: Timestamp column for ``tolerance``.
        tolerance: Near-duplicate window such as ``"2s"``; ``None`` for exact repeats only.
    """

    def __init__(self, subset=None, time_col=None, tolerance=None):
        self.subset = subset
        self.time_col = time_col
        self.tolerance = tolerance

    def fit(self, X, y=None) -> Self:
        """Check the columns; nothing is learned (de-duplication needs no statistics)."""
        X = _frame(X, "Deduplicator")
        _need(X, list(self.subset or []) + ([self.time_col] if self.time_col else []), "Deduplicator")
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X) -> pd.DataFrame:
        """Return the rows without repeats; ``removed_`` and ``n_removed_`` describe what went."""
        check_is_fitted(self, "n_features_in_")
        kept, removed = deduplicate(_frame(X, "Deduplicator"), self.subset, self.time_col, self.tolerance)
        self.removed_, self.n_removed_ = removed, len(removed)
        return kept


class Winsorizer(TransformerMixin, BaseEstimator):
    """Clip money columns to quantiles learned on the training rows.

    Args:
        columns: Columns to clip (default ``("price",)``).
        lower: Lower quantile (0 keeps the minimum).
        upper: Upper quantile, e.g. 0.99.
    """

    def __init__(self, columns=("price",), lower: float = 0.0, upper: float = 0.99):
        self.columns = columns
        self.lower = lower
        self.upper = upper

    def fit(self, X, y=None) -> Self:
        """Learn ``bounds_ = {column: (low, high)}`` from ``X``'s quantiles."""
        X = _frame(X, "Winsorizer")
        if not 0.0 <= self.lower < self.upper <= 1.0:
            raise ParameterError(f"Winsorizer: need 0 <= lower < upper <= 1, got {self.lower}, {self.upper}")
        _need(X, list(self.columns), "Winsorizer")
        self.bounds_ = {}
        for c in self.columns:
            v = pd.to_numeric(X[c], errors="coerce").to_numpy(float)
            v = v[np.isfinite(v)]
            if v.size == 0:
                raise SchemaError("missing_value", "Winsorizer: no finite training values", column=c)
            self.bounds_[c] = (float(np.quantile(v, self.lower)), float(np.quantile(v, self.upper)))
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> pd.DataFrame:
        """Return a copy with each column clipped to its training bounds; ``n_clipped_`` counts values."""
        check_is_fitted(self, "bounds_")
        X = _frame(X, "Winsorizer").copy()
        self.n_clipped_ = {}
        for c, (lo, hi) in self.bounds_.items():
            v = X[c].astype("float64")
            self.n_clipped_[c] = int(((v < lo) | (v > hi)).sum())
            X[c] = v.clip(lo, hi)
        return X


class BotFlagger(TransformerMixin, BaseEstimator):
    """Flag users whose activity rate is bot-like, with a threshold learned on training users.

    A user's rate is their busiest day's event count (a burst is not diluted by a long quiet history).
    The threshold is ``max_events_per_day`` when given, else the ``quantile`` of the training users' rates
    times ``factor``. The flag is a column, not a deletion.

    Args:
        user_col: User id column.
        time_col: Timestamp column.
        quantile: Quantile of training users' rates used as the threshold.
        factor: Multiplies the quantile (a margin above the busiest real users).
        max_events_per_day: Fixed threshold; overrides ``quantile``.
        flag_col: Name of the added boolean column.
    """

    def __init__(
        self,
        user_col="user_id",
        time_col="ts",
        quantile: float = 0.999,
        factor: float = 1.0,
        max_events_per_day: float | None = None,
        flag_col: str = "is_bot",
    ):
        self.user_col = user_col
        self.time_col = time_col
        self.quantile = quantile
        self.factor = factor
        self.max_events_per_day = max_events_per_day
        self.flag_col = flag_col

    def _rates(self, X: pd.DataFrame) -> pd.Series:
        _need(X, [self.user_col, self.time_col], "BotFlagger")
        day = X[self.time_col].dt.floor("D")
        per_day = (
            pd.DataFrame({"u": X[self.user_col].to_numpy(), "d": day.to_numpy()}).groupby(["u", "d"]).size()
        )
        return per_day.groupby(level="u").max()

    def fit(self, X, y=None) -> Self:
        """Learn ``threshold_`` (events on a user's busiest day) from the training users."""
        X = _frame(X, "BotFlagger")
        if not 0.0 < self.quantile <= 1.0:
            raise ParameterError(f"BotFlagger: quantile must be in (0, 1], got {self.quantile}")
        rates = self._rates(X)
        if self.max_events_per_day is not None:
            self.threshold_ = float(self.max_events_per_day)
        else:
            self.threshold_ = float(np.quantile(rates.to_numpy(), self.quantile)) * float(self.factor)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> pd.DataFrame:
        """Return a copy with ``flag_col`` True for every row of a user above ``threshold_``."""
        check_is_fitted(self, "threshold_")
        X = _frame(X, "BotFlagger").copy()
        rates = self._rates(X)
        bots = rates.index[rates.to_numpy() > self.threshold_]
        X[self.flag_col] = X[self.user_col].isin(bots).to_numpy()
        self.n_bot_users_ = len(bots)
        return X


class MissingImputer(TransformerMixin, BaseEstimator):
    """Fill missing values with training statistics, adding ``<column>_missing`` indicator columns.

    Args:
        strategy: ``mean``, ``median``, ``mode``, ``constant`` or ``drop`` (drop the row), or a dict
            ``{column: strategy}``.
        columns: Columns, when ``strategy`` is a single name.
        fill_value: Value for ``constant`` (a dict per column, or one value).
        add_indicator: Add an int8 ``<column>_missing`` column for every imputed column.
    """

    def __init__(self, strategy="median", columns=None, fill_value=0, add_indicator: bool = True):
        self.strategy = strategy
        self.columns = columns
        self.fill_value = fill_value
        self.add_indicator = add_indicator

    def fit(self, X, y=None) -> Self:
        """Learn ``statistics_ = {column: fill value}`` from the training rows."""
        X = _frame(X, "MissingImputer")
        self.strategies_ = _per_column(self.strategy, self.columns, _IMPUTE, "MissingImputer")
        _need(X, list(self.strategies_), "MissingImputer")
        self.statistics_ = {}
        for c, s in self.strategies_.items():
            col = X[c]
            if s in ("mean", "median"):
                v = pd.to_numeric(col, errors="coerce")
                if v.notna().sum() == 0:
                    raise SchemaError(
                        "missing_value", f"MissingImputer: no training values for {s}", column=c
                    )
                self.statistics_[c] = float(v.mean() if s == "mean" else v.median())
            elif s == "mode":
                counts = col.dropna().value_counts()
                if counts.empty:
                    raise SchemaError(
                        "missing_value", "MissingImputer: no training values for mode", column=c
                    )
                top = counts[counts == counts.max()].index
                self.statistics_[c] = sorted(top, key=str)[0]  # ties broken by value, deterministic
            elif s == "constant":
                fv = self.fill_value
                self.statistics_[c] = fv.get(c) if isinstance(fv, Mapping) else fv
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> pd.DataFrame:
        """Return a filled copy; rows dropped under ``drop`` are kept in ``removed_``."""
        check_is_fitted(self, "statistics_")
        X = _frame(X, "MissingImputer").copy()
        drop_cols = [c for c, s in self.strategies_.items() if s == "drop"]
        _need(X, list(self.strategies_), "MissingImputer")
        gone = X[drop_cols].isna().any(axis=1) if drop_cols else pd.Series(False, index=X.index)
        self.removed_, self.n_removed_ = X[gone], int(gone.sum())
        X = X[~gone].copy()
        for c, value in self.statistics_.items():
            miss = X[c].isna()
            if self.add_indicator:
                X[f"{c}_missing"] = miss.to_numpy().astype("int8")
            if miss.any():
                X[c] = X[c].fillna(value)
        return X


class Normalizer(TransformerMixin, BaseEstimator):
    """Scale numeric columns with training statistics: min-max to [0, 1], standard, or log1p for money.

    Args:
        method: ``minmax``, ``standard`` or ``log1p``, or a dict ``{column: method}``.
        columns: Columns, when ``method`` is a single name.
        clip: For ``minmax``, clip values outside the training range to [0, 1].
    """

    def __init__(self, method="minmax", columns=None, clip: bool = True):
        self.method = method
        self.columns = columns
        self.clip = clip

    def fit(self, X, y=None) -> Self:
        """Learn ``params_ = {column: (shift, scale)}`` from the training rows (log1p needs none)."""
        X = _frame(X, "Normalizer")
        self.methods_ = _per_column(self.method, self.columns, _SCALE, "Normalizer")
        _need(X, list(self.methods_), "Normalizer")
        self.params_ = {}
        for c, m in self.methods_.items():
            v = pd.to_numeric(X[c], errors="coerce").to_numpy(float)
            v = v[np.isfinite(v)]
            if m == "log1p":
                if (v < 0).any():
                    raise SchemaError("range", "Normalizer: log1p needs values >= 0", column=c)
                self.params_[c] = (0.0, 1.0)
                continue
            if v.size == 0:
                raise SchemaError("missing_value", "Normalizer: no finite training values", column=c)
            if m == "minmax":
                lo, span = float(v.min()), float(v.max() - v.min())
                self.params_[c] = (lo, span if span > 0 else 1.0)
            else:
                sd = float(v.std())
                self.params_[c] = (float(v.mean()), sd if sd > 0 else 1.0)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X) -> pd.DataFrame:
        """Return a copy with each column scaled by its training parameters."""
        check_is_fitted(self, "params_")
        X = _frame(X, "Normalizer").copy()
        for c, (shift, scale) in self.params_.items():
            v = X[c].astype("float64")
            if self.methods_[c] == "log1p":
                if (v < 0).any():
                    row = int(np.flatnonzero((v < 0).to_numpy())[0])
                    raise SchemaError("range", "Normalizer: log1p needs values >= 0", column=c, row=row)
                X[c] = np.log1p(v)
            else:
                out = (v - shift) / scale
                if self.methods_[c] == "minmax" and self.clip:
                    out = out.clip(0.0, 1.0)
                X[c] = out
        return X

    def inverse_transform(self, X) -> pd.DataFrame:
        """Undo :meth:`transform` (clipped values come back at the training range's ends)."""
        check_is_fitted(self, "params_")
        X = _frame(X, "Normalizer").copy()
        for c, (shift, scale) in self.params_.items():
            v = X[c].astype("float64")
            X[c] = np.expm1(v) if self.methods_[c] == "log1p" else v * scale + shift
        return X
