"""The row-level rules behind :func:`campaignkit.data.validate.validate`, one step per rule family.

Each step marks the rows it rejects on a :class:`Flags` (the first rule a row breaks wins, so the steps run in
the documented order: ``repeated_header``, ``missing_value``, the column conversions (``dtype``,
``timestamp``, ``timezone``, ``range`` for a literal NaN), ``vocabulary`` and ``range`` column by column, the
references (``unknown_user``, ``unknown_campaign``, ``window``) and last ``duplicate``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from campaignkit.data.schema import Column, TableSchema, campaign_types
from campaignkit.errors import ParameterError, SchemaError

__all__ = [
    "require_columns",
    "Flags",
    "flag_repeated_header",
    "flag_missing",
    "convert_columns",
    "flag_values",
    "flag_references",
    "flag_duplicates",
]

_TZ_RE = re.compile(r"[Tt ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")
"""An offset after a time of day; a date alone (``2024-01-15``) carries none, whatever its last digits."""
_INT_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
"""Whole numbers as text, ASCII digits only (``\\d`` would take Arabic-Indic and other digits too)."""
_POINT_ZEROS = re.compile(r"\.0*$")
_LABEL_INT = re.compile(r"0|-?[1-9][0-9]{0,17}")
"""Labels read as integers: canonical form only, so ``007`` or ``+5`` stay the text they are."""
_INT64_MAX = np.iinfo(np.int64).max
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


class Flags:
    """First-rule-wins bookkeeping of row faults."""

    def __init__(self, n: int):
        self.rule = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)
        self._ok = np.ones(n, dtype=bool)

    @property
    def ok(self) -> np.ndarray:
        return self._ok.copy()

    def flag(self, mask, rule: str, reasons) -> None:
        """Mark rows in ``mask`` (not flagged yet) with ``rule``; ``reasons`` is a str or a callable(idx)."""
        mask = np.asarray(mask, dtype=bool) & self.ok
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        self._ok[idx] = False
        self.rule[idx] = rule
        self.reason[idx] = reasons(idx) if callable(reasons) else reasons


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def _cat_map(s: pd.Series, func) -> pd.Series:
    """Apply a text function to a categorical's categories (not its rows); equal results share a category."""
    if len(s.cat.categories) == 0:  # every value missing (an all-null dictionary column): nothing to map
        return s
    cats = func(pd.Series(s.cat.categories.astype("string")))
    uniq, inverse = np.unique(cats.fillna("\x00").to_numpy(dtype=object), return_inverse=True)
    codes = s.cat.codes.to_numpy()
    valid = uniq != "\x00"
    remap = np.where(valid[inverse], np.cumsum(valid)[inverse] - 1, -1)
    new = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1).astype(codes.dtype)
    return pd.Series(pd.Categorical.from_codes(new, categories=uniq[valid].astype(str)), index=s.index)


def _is_missing(s: pd.Series) -> np.ndarray:
    miss = s.isna().to_numpy()
    if isinstance(s.dtype, pd.CategoricalDtype):
        if len(s.cat.categories) == 0:  # an all-null dictionary column: every row missing
            return miss
        blank = pd.Series(s.cat.categories.astype("string")).str.strip().eq("").to_numpy(dtype=bool)
        codes = s.cat.codes.to_numpy()
        return miss | ((codes >= 0) & blank[np.maximum(codes, 0)])
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        stripped = s.astype("string").str.strip()
        miss = miss | (stripped == "").fillna(True).to_numpy(dtype=bool)
    return miss


def _is_nan_text(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return s.isna().to_numpy() & False
    low = s.astype("string").str.strip().str.lower()
    return low.isin(["nan", "-nan", "+nan"]).fillna(False).to_numpy(dtype=bool)


def _exact_int(s: pd.Series, num: pd.Series) -> pd.Series:
    """Integers without a float round trip where the input allows it (Int64; NA where not exact).

    NA comes back for values that are not whole numbers, beyond int64 (unsigned 64-bit input too), or given
    as floats at or beyond 2**53, where a float no longer holds every integer: the caller quarantines those.
    """
    if pd.api.types.is_integer_dtype(s.dtype):
        if pd.api.types.is_unsigned_integer_dtype(s.dtype):
            wide = s.astype("UInt64")
            return wide.mask((wide > _INT64_MAX).fillna(False)).astype("Int64")
        return s if s.dtype == np.int64 else s.astype("Int64")  # plain int64 has no gap: as it is
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    v = num.to_numpy()
    with np.errstate(invalid="ignore"):
        safe = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2**53)
    if not _is_text(s):
        out[safe] = v[safe].astype("int64")
        return out
    text = s.astype("string").str.strip()
    digits = text.str.fullmatch(_INT_TEXT).fillna(False).to_numpy(dtype=bool)
    if digits.any():
        whole = text[digits].str.replace(_POINT_ZEROS, "", regex=True)
        body = whole.str.lstrip("+-").str.lstrip("0")
        fits = ((body.str.len() < 19) | ((body.str.len() == 19) & (body <= str(_INT64_MAX)))).to_numpy(
            dtype=bool
        )
        idx = np.flatnonzero(digits)[fits]
        out.iloc[idx] = pd.to_numeric(whole[fits]).astype("int64").to_numpy()
    # other spellings ("1e3") only when the text is exactly a whole number: "5000000000000000.5" is not
    with np.errstate(invalid="ignore"):
        other = np.flatnonzero(np.isfinite(v) & (v == np.round(v)) & ~digits)
    if len(other):
        exact = [_whole(t) for t in text.iloc[other]]
        got = np.array([e is not None for e in exact], dtype=bool)
        out.iloc[other[got]] = np.array([e for e in exact if e is not None], dtype="int64")
    return out


def _whole(text: str) -> int | None:
    """The exact int64 a numeric text denotes, or None (a fraction, beyond int64, not a number)."""
    try:
        d = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite() or d != d.to_integral_value() or abs(d) > _INT64_MAX:
        return None
    return int(d)


def _flag_inexact(flags: Flags, exact: pd.Series, miss: np.ndarray, raw: pd.Series, name: str) -> None:
    """Quarantine whole numbers that do not survive as int64 (beyond int64, or floats at or past 2**53)."""
    flags.flag(
        ~miss & exact.isna().to_numpy(),
        "range",
        lambda i: [
            f"column {name!r}: {v!r} is not exactly representable as a 64-bit integer"
            for v in _values(raw, i)
        ],
    )


def _all_integers(s: pd.Series, miss: np.ndarray) -> bool:
    if pd.api.types.is_integer_dtype(s.dtype):
        return True
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype):
        return False
    text = s.astype("string").str.strip()[~miss]
    return bool(len(text)) and bool(text.str.fullmatch(_LABEL_INT).all())


def _values(s: pd.Series, idx: np.ndarray) -> list:
    return s.iloc[idx].tolist()


def _convert_number(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64")
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    return pd.to_numeric(s.astype("string").str.strip(), errors="coerce").astype("float64")


def _convert_ts(s: pd.Series, name: str, miss: np.ndarray, flags: Flags, *, naive_tz, ts_unit, file):
    """Parse a timestamp column to UTC, flagging unparseable and ambiguous rows."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(s.dtype):
        if naive_tz is None:
            flags.flag(~miss, "timezone", f"column {name!r}: timestamp without time zone and naive_tz=None")
            return s.dt.tz_localize("UTC")
        return s.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    if pd.api.types.is_numeric_dtype(s.dtype):
        if ts_unit is None:
            raise SchemaError(
                "dtype",
                f"timestamp column {name!r} is numeric; pass ts_unit ('s', 'ms'...)",
                file=file,
                column=name,
            )
        num = s.astype("float64")
        out = pd.to_datetime(num.where(np.isfinite(num)), unit=ts_unit, utc=True, errors="coerce")
        return out
    text = s.astype("string").str.strip()
    has_tz = text.str.contains(_TZ_RE, na=False).to_numpy(dtype=bool)
    naive = ~has_tz & ~miss
    out = pd.to_datetime(text.where(has_tz), utc=True, errors="coerce", format="ISO8601")
    local = pd.to_datetime(text.where(naive), errors="coerce", format="ISO8601")
    if isinstance(local.dtype, pd.DatetimeTZDtype):  # pragma: no cover - naive strings stay naive
        local = local.dt.tz_convert(None)
    unparsed = (has_tz & out.isna().to_numpy()) | (naive & local.isna().to_numpy())
    flags.flag(
        unparsed,
        "timestamp",
        lambda i: [f"column {name!r}: {v!r} is not an ISO 8601 timestamp" for v in _values(s, i)],
    )
    zoned = has_tz & out.notna().to_numpy()  # only a time that parses sets the file's convention
    if naive.any():
        if zoned.any() or naive_tz is None:
            why = "while other rows carry one" if zoned.any() else "and naive_tz=None"
            flags.flag(
                naive,
                "timezone",
                lambda i: [f"column {name!r}: {v!r} has no time-zone offset {why}" for v in _values(text, i)],
            )
        else:
            local = local.dt.tz_localize(naive_tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
            flags.flag(
                naive & local.isna().to_numpy(),
                "timestamp",
                lambda i: [
                    f"column {name!r}: {v!r} does not exist or is ambiguous in {naive_tz}"
                    for v in _values(s, i)
                ],
            )
            out = out.where(~pd.Series(naive, index=out.index), local.dt.as_unit(out.dt.unit))
    return out


def flag_repeated_header(df: pd.DataFrame, present: list[Column], flags: Flags) -> None:
    """``repeated_header``: every canonical value equals its own column name (only in all-text input)."""
    if len(df) and all(_is_text(df[c.name]) for c in present):
        rep = np.ones(len(df), dtype=bool)
        for c in present:
            rep &= (df[c.name].astype("string").str.strip() == c.name).fillna(False).to_numpy(dtype=bool)
        flags.flag(rep, "repeated_header", "the row repeats the header")


def flag_missing(df: pd.DataFrame, present: list[Column], flags: Flags) -> dict[str, np.ndarray]:
    """``missing_value``: an empty value in a required column; returns ``{column: missing mask}``."""
    miss = {c.name: _is_missing(df[c.name]) for c in present}
    for c in present:
        if not c.nullable:
            flags.flag(miss[c.name], "missing_value", f"column {c.name!r}: required value is empty")
    return miss


def convert_columns(
    df: pd.DataFrame, present: list[Column], miss: dict, flags: Flags, *, naive_tz, ts_unit, file
) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """Convert each column to its kind, flagging ``dtype``, ``timestamp``, ``timezone`` and NaN ``range``.

    Returns:
        ``(out, checks)``: the converted columns, and float views of the integer columns for the range rules.
    """
    out: dict[str, pd.Series] = {}
    checks: dict[str, pd.Series] = {}
    for c in present:
        s, m = df[c.name], miss[c.name]
        if c.kind in ("int", "float"):
            out[c.name], num = _convert_numeric(s, m, c, flags)
            if c.kind == "int":
                checks[c.name] = num
        elif c.kind == "ts":
            out[c.name] = _convert_timestamp(s, m, c, flags, naive_tz=naive_tz, ts_unit=ts_unit, file=file)
        elif c.kind == "bool":
            out[c.name] = _convert_bool(s, m, c, flags)
        elif c.kind == "label" and _all_integers(s, m):
            out[c.name] = _exact_int(s, _convert_number(s))
            _flag_inexact(flags, out[c.name], m, s, c.name)
        elif isinstance(s.dtype, pd.CategoricalDtype):  # few distinct values: work on the categories only
            out[c.name] = _cat_map(s, lambda t: t.str.strip().replace("", pd.NA))
        else:  # str, or a label with non-integer values
            text = s.astype("string").str.strip()
            out[c.name] = text.where(~pd.Series(m, index=text.index))
    return out, checks


def _convert_numeric(s: pd.Series, m: np.ndarray, c: Column, flags: Flags) -> tuple[pd.Series, pd.Series]:
    """An int or float column: the converted column and its float view."""
    num = _convert_number(s)
    flags.flag(~m & _is_nan_text(s), "range", f"column {c.name!r}: NaN is not finite")
    flags.flag(
        ~m & num.isna().to_numpy(),
        "dtype",
        lambda i: [f"column {c.name!r}: {v!r} is not a number" for v in _values(s, i)],
    )
    if c.kind != "int":
        return num, num
    frac = (
        np.zeros(len(s), dtype=bool)
        if pd.api.types.is_integer_dtype(s.dtype)
        else np.isfinite(num.to_numpy()) & (num.to_numpy() != np.round(num.to_numpy()))
    )
    flags.flag(
        frac, "dtype", lambda i: [f"column {c.name!r}: {v!r} is not an integer" for v in _values(s, i)]
    )
    exact = _exact_int(s, num)  # float64 would round ids above 2**53
    _flag_inexact(flags, exact, m, s, c.name)
    return exact, num


def _convert_timestamp(s: pd.Series, m: np.ndarray, c: Column, flags: Flags, *, naive_tz, ts_unit, file):
    out = _convert_ts(s, c.name, m, flags, naive_tz=naive_tz, ts_unit=ts_unit, file=file)
    # whatever the path (numbers out of range or infinite, a local time that does not exist): a value that was
    # there and did not become a time is never kept as a silent NaT
    flags.flag(
        ~m & out.isna().to_numpy(),
        "timestamp",
        lambda i: [f"column {c.name!r}: {v!r} is not a finite timestamp in range" for v in _values(s, i)],
    )
    return out


def _convert_bool(s: pd.Series, m: np.ndarray, c: Column, flags: Flags) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    low = s.astype("string").str.strip().str.lower()
    val = pd.Series(pd.NA, index=s.index, dtype="boolean")
    val[low.isin(_TRUE).fillna(False)] = True
    val[low.isin(_FALSE).fillna(False)] = False
    flags.flag(
        ~m & val.isna().to_numpy(),
        "dtype",
        lambda i: [f"column {c.name!r}: {v!r} is not a boolean" for v in _values(s, i)],
    )
    return val


def flag_values(
    out: dict[str, pd.Series],
    checks: dict,
    miss: dict,
    present: list[Column],
    schema: TableSchema,
    flags: Flags,
) -> None:
    """``vocabulary`` and ``range``, column by column (vocabulary columns come back lower-cased in ``out``)."""
    for c in present:
        vocab = campaign_types() if (schema.name == "campaigns" and c.name == "type") else c.vocabulary
        if vocab is not None:
            out[c.name] = _flag_vocabulary(out[c.name], miss[c.name], c, vocab, flags)
        if c.kind in ("int", "float"):
            _flag_range(checks.get(c.name, out[c.name]), out[c.name], miss[c.name], c, flags)


def _flag_vocabulary(col: pd.Series, m: np.ndarray, c: Column, vocab, flags: Flags) -> pd.Series:
    low = (
        _cat_map(col, lambda t: t.str.lower())
        if isinstance(col.dtype, pd.CategoricalDtype)
        else col.str.lower()
    )
    bad = ~m & ~low.isin(vocab).fillna(False).to_numpy(dtype=bool)
    flags.flag(
        bad,
        "vocabulary",
        lambda i: [f"column {c.name!r}: {v!r} is not one of {list(vocab)}" for v in _values(col, i)],
    )
    return low


def _flag_range(view: pd.Series, col: pd.Series, m: np.ndarray, c: Column, flags: Flags) -> None:
    v = view.to_numpy(dtype=float)
    has = ~m & ~np.isnan(v)
    flags.flag(
        has & ~np.isfinite(v),
        "range",
        lambda i: [f"column {c.name!r}: {x!r} is not finite" for x in _values(col, i)],
    )
    with np.errstate(invalid="ignore"):
        if c.min_value is not None:
            flags.flag(
                has & (v < c.min_value),
                "range",
                lambda i: [
                    f"column {c.name!r}: {x!r} is below the minimum {c.min_value}" for x in _values(col, i)
                ],
            )
        if c.max_value is not None:
            flags.flag(
                has & (v > c.max_value),
                "range",
                lambda i: [
                    f"column {c.name!r}: {x!r} is above the maximum {c.max_value}" for x in _values(col, i)
                ],
            )
        if c.kind == "int":
            flags.flag(has & (np.abs(v) > 2**62), "range", f"column {c.name!r}: integer too large")


def flag_references(
    out: dict[str, pd.Series], schema: TableSchema, flags: Flags, *, users, campaigns, window
) -> None:
    """``unknown_user``, ``unknown_campaign`` and ``window``, each skipped when its argument is ``None``."""
    if users is not None and schema.user_col in out:
        known = users["user_id"] if isinstance(users, pd.DataFrame) else pd.Series(np.asarray(users))
        known = pd.to_numeric(pd.Series(known), errors="coerce").dropna()
        known = known.astype("int64").unique() if pd.api.types.is_float_dtype(known.dtype) else known.unique()
        bad = ~out[schema.user_col].isin(known).to_numpy()
        flags.flag(bad, "unknown_user", "user id not in the users table")
    if campaigns is not None and schema.campaign_col in out:
        _flag_campaigns(out[schema.campaign_col], campaigns, flags)
    if window is not None and schema.time_col in out:
        _flag_window(out[schema.time_col], schema.time_col, window, flags)


def _flag_campaigns(col: pd.Series, campaigns, flags: Flags) -> None:
    known = campaigns["campaign_id"] if isinstance(campaigns, pd.DataFrame) else pd.Series(list(campaigns))
    known = set(known.astype(str))
    bad = ~col.isin(known).fillna(False).to_numpy(dtype=bool)
    flags.flag(
        bad, "unknown_campaign", lambda i: [f"campaign {v!r} not in the catalogue" for v in _values(col, i)]
    )


def _flag_window(t: pd.Series, name: str, window: tuple, flags: Flags) -> None:
    start, end = (pd.Timestamp(w) for w in window)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    bad = t.notna().to_numpy() & ~((t >= start) & (t <= end)).fillna(False).to_numpy(dtype=bool)
    flags.flag(bad, "window", f"{name} outside the window [{start}, {end}]")


def flag_duplicates(
    out: dict[str, pd.Series], present: list[Column], schema: TableSchema, flags: Flags
) -> None:
    """``duplicate``: exact repeats of an earlier row still kept, on the table's key columns."""
    key = list(schema.key) if schema.key else [c.name for c in present]
    key = [k for k in key if k in out]
    ok = flags.ok
    frame = pd.DataFrame({k: out[k] for k in key})[ok]
    dup = np.zeros(len(ok), dtype=bool)
    dup[np.flatnonzero(ok)[_duplicated(frame)]] = True
    flags.flag(dup, "duplicate", f"repeats an earlier row on {key}")


def _duplicated(frame: pd.DataFrame) -> np.ndarray:
    """Exact ``frame.duplicated(keep="first")``: a 64-bit row hash finds candidates, a full compare decides."""
    if len(frame) < 100_000:
        return frame.duplicated(keep="first").to_numpy()
    h = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    cand = pd.Series(h).duplicated(keep=False).to_numpy()
    out = np.zeros(len(frame), dtype=bool)
    if cand.any():
        out[np.flatnonzero(cand)] = frame[cand].duplicated(keep="first").to_numpy()
    return out


def require_columns(frame, columns, what: str, *, file: str | None = None) -> None:
    """A clear error when ``frame`` is not a DataFrame or lacks one of ``columns`` (rule ``required_column``).

    Args:
        frame: The table given.
        columns: Columns it must have.
        what: How to name the table in the message (e.g. ``"exposures"``, ``"not a Hillstrom file"``).
        file: The file it was read from, when there is one.

    Raises:
        ParameterError: ``frame`` is not a pandas DataFrame.
        SchemaError: A column is missing (the message lists every missing one; ``column`` names the first).
    """
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            "required_column", f"{what}: column(s) {missing} missing", file=file, column=missing[0]
        )
