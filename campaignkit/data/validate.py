"""Validate a table against the canonical schema, quarantining the rows that break a rule.

File-level faults (a required column missing, a numeric timestamp without a unit...) raise
:class:`~campaignkit.errors.SchemaError` naming the file, column and rule. Row-level faults never stop the
load: the row goes to the quarantine table with the rule and a reason that names the column and value,
under the *first* rule it breaks, so the per-rule counts add up and ``rows_in == rows_kept +
rows_quarantined`` holds, always. Checks run in this order: ``field_count`` (the reader),
``repeated_header``, ``missing_value``, then column by column in schema order the conversions (``dtype``,
``timestamp``, ``timezone``, and ``range`` for a literal NaN), then ``vocabulary``, ``range``,
``unknown_user``, ``unknown_campaign``, ``window`` and last ``duplicate`` (among rows still kept).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd

from campaignkit._atomic import atomic_path, clean_leftovers
from campaignkit._helpers import sha256_file
from campaignkit.data.schema import ROW_RULES, RULES, TableSchema, campaign_types, get_schema
from campaignkit.errors import CampaignkitError, DataNotFoundError, ParameterError, SchemaError

__all__ = ["ValidationResult", "validate", "SOURCE_FILE", "SOURCE_ROW"]

SOURCE_FILE = "_source_file"
"""Provenance column a loader attaches: the file a row came from."""
SOURCE_ROW = "_source_row"
"""Provenance column a loader attaches: the 0-based data row in that file (CSV line = row + 2)."""

QUARANTINE_COLUMNS = ["rule", "reason", "source_file", "source_row"]
_SAVED = {
    "kept": "kept.parquet",
    "quarantine": "quarantine.csv",
    "report": "report.csv",
    "manifest": "validation.json",
}
"""The files :meth:`ValidationResult.save` writes (the manifest, with their checksums, last)."""
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


@dataclass
class ValidationResult:
    """What a validation (or a load) returns.

    Attributes:
        kept: The rows that passed every rule, in canonical types.
        quarantine: The rejected rows as they came in, with ``rule``, ``reason``, ``source_file``,
            ``source_row`` in front.
        counts: ``{rule: rows quarantined under it}`` for every row-level rule (zeros included).
        rows_in: Rows read.
        table: Canonical table name.
        sources: Files read (empty for an in-memory frame).
    """

    kept: pd.DataFrame
    quarantine: pd.DataFrame
    counts: dict[str, int]
    rows_in: int
    table: str = "events"
    sources: list[str] = field(default_factory=list)

    def __post_init__(self):
        # An explicit check, not `assert`: it must hold under `python -O` too.
        if self.rows_in != len(self.kept) + len(self.quarantine):
            raise CampaignkitError(
                f"validation of {self.table!r} lost rows: rows_in={self.rows_in} but kept={len(self.kept)}"
                f" + quarantined={len(self.quarantine)}"
            )
        if sum(self.counts.values()) != len(self.quarantine):
            raise CampaignkitError(
                f"validation of {self.table!r}: per-rule counts {self.counts} do not add up to"
                f" {len(self.quarantine)} quarantined rows"
            )

    @property
    def rows_kept(self) -> int:
        """Number of rows kept."""
        return len(self.kept)

    @property
    def rows_quarantined(self) -> int:
        """Number of rows quarantined."""
        return len(self.quarantine)

    def report(self) -> pd.DataFrame:
        """Return the per-rule report.

        Returns:
            DataFrame with one row per row-level rule: ``rule``, ``rows``, ``share`` (of rows in),
            ``description``; a last row ``kept`` holds the rows that passed.
        """
        rows = [{"rule": r, "rows": int(self.counts.get(r, 0)), "description": RULES[r]} for r in ROW_RULES]
        rows.append({"rule": "kept", "rows": self.rows_kept, "description": "rows that passed every rule"})
        out = pd.DataFrame(rows)
        out["share"] = out["rows"] / max(self.rows_in, 1)
        return out[["rule", "rows", "share", "description"]]

    def summary(self) -> dict[str, int]:
        """Return ``{"rows_in", "rows_kept", "rows_quarantined"}`` plus the non-zero per-rule counts."""
        out = {
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "rows_quarantined": self.rows_quarantined,
        }
        out.update({f"rule_{k}": v for k, v in self.counts.items() if v})
        return out

    def save(self, folder) -> dict[str, Path]:
        """Write ``kept.parquet``, ``quarantine.csv`` (values as text), ``report.csv`` and ``validation.json``.

        The folder is written whole under a hidden sibling name and swapped into place in one step, so a
        kill leaves the previous result or this one, never a mix; :meth:`load` reads it back and checks it.

        Args:
            folder: Output folder, owned by the result: it may hold only an earlier saved result.

        Returns:
            ``{"kept", "quarantine", "report", "manifest"}`` -> paths written.

        Raises:
            ParameterError: ``folder`` holds files that are not a saved result (they would be replaced).
        """
        out = Path(folder)
        if out.exists():
            foreign = sorted(p.name for p in out.iterdir() if p.name not in _SAVED.values())
            if not out.is_dir() or foreign:
                raise ParameterError(
                    f"ValidationResult.save: {str(out)!r} holds {foreign or 'a file'}, not a saved "
                    "result; save into a new or empty folder"
                )
        with atomic_path(out, folder=True) as tmp:
            self.kept.to_parquet(tmp / _SAVED["kept"], index=False)
            self.quarantine.astype("string").to_csv(tmp / _SAVED["quarantine"], index=False)
            self.report().to_csv(tmp / _SAVED["report"], index=False)
            manifest = {
                "table": self.table,
                "rows_in": self.rows_in,
                "counts": self.counts,
                "sources": list(self.sources),
                "sha256": {k: sha256_file(tmp / v) for k, v in _SAVED.items() if k != "manifest"},
            }
            (tmp / _SAVED["manifest"]).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return {k: out / v for k, v in _SAVED.items()}

    @classmethod
    def load(cls, folder) -> ValidationResult:
        """Read a result written by :meth:`save`, checking every file against the saved checksums.

        The quarantine comes back as text, as saved.

        Raises:
            DataNotFoundError: No saved result in ``folder``.
            CampaignkitError: A file is missing or changed, or the rows do not reconcile.
        """
        folder = Path(folder)
        clean_leftovers(folder)
        mfile = folder / _SAVED["manifest"]
        if not mfile.is_file():
            raise DataNotFoundError(
                f"no saved validation result in {str(folder)!r} ({_SAVED['manifest']} missing)"
            )
        manifest = json.loads(mfile.read_text(encoding="utf-8"))
        for key, digest in manifest["sha256"].items():
            f = folder / _SAVED[key]
            if not f.is_file() or sha256_file(f) != digest:
                raise CampaignkitError(
                    f"saved validation result {str(folder)!r}: {f.name} is missing or changed"
                )
        kept = pd.read_parquet(folder / _SAVED["kept"])
        quarantine = pd.read_csv(folder / _SAVED["quarantine"], dtype="string", keep_default_na=False)
        return cls(
            kept,
            quarantine,
            {k: int(v) for k, v in manifest["counts"].items()},
            int(manifest["rows_in"]),
            manifest["table"],
            list(manifest["sources"]),
        )

    @classmethod
    def concat(cls, results: Iterable[ValidationResult]) -> ValidationResult:
        """Combine the results of several files of one table.

        Args:
            results: Results of the same table.

        Returns:
            One :class:`ValidationResult` whose counts are the sums.
        """
        results = list(results)
        if not results:
            raise CampaignkitError("ValidationResult.concat needs at least one result")
        counts = {r: sum(res.counts.get(r, 0) for res in results) for r in ROW_RULES}
        kept = pd.concat([r.kept for r in results], ignore_index=True)
        quarantine = pd.concat([r.quarantine for r in results], ignore_index=True)
        return cls(
            kept,
            quarantine,
            counts,
            sum(r.rows_in for r in results),
            results[0].table,
            [s for r in results for s in r.sources],
        )


class _Flags:
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


def _flag_inexact(flags: _Flags, exact: pd.Series, miss: np.ndarray, raw: pd.Series, name: str) -> None:
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


def _convert_ts(s: pd.Series, name: str, miss: np.ndarray, flags: _Flags, *, naive_tz, ts_unit, file):
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


def validate(
    df: pd.DataFrame,
    table: str | TableSchema = "events",
    *,
    source_file: str | None = None,
    users=None,
    campaigns=None,
    window: tuple | None = None,
    naive_tz: str | None = "UTC",
    ts_unit: str | None = None,
    nullable: Iterable[str] = (),
    check_duplicates: bool = True,
    prior_quarantine: pd.DataFrame | None = None,
    keep_extra: bool = True,
) -> ValidationResult:
    """Check every row of ``df`` against the canonical schema of ``table``.

    Args:
        df: Input rows with canonical column names (map them first: see
            :func:`campaignkit.data.loaders.read_table`). Provenance columns ``_source_file`` and
            ``_source_row`` are used when present.
        table: Table name or :class:`~campaignkit.data.schema.TableSchema`.
        source_file: File name for messages when ``df`` has no provenance columns.
        users: Known users (array-like of ids, or a DataFrame with ``user_id``); rows of other users go to
            quarantine under ``unknown_user``. ``None`` skips the rule.
        campaigns: Known campaigns (array-like of ids, or a DataFrame with ``campaign_id``), for
            ``unknown_campaign``. ``None`` skips the rule.
        window: ``(start, end)`` timestamps (inclusive; naive means UTC) for the table's time column
            (``assigned_ts`` of exposures). ``None`` skips the rule.
        naive_tz: Time zone of timestamps written without an offset when *no* row of the column has one;
            ``None`` quarantines them. In a column mixing both, the naive ones go to ``timezone``.
        ts_unit: Unit of numeric timestamps (``"s"``, ``"ms"``...); numeric timestamps without it raise.
        nullable: Extra columns allowed to be missing (e.g. ``["price"]`` for a log without prices).
        check_duplicates: Quarantine exact repeats of an earlier row (on the table's key columns).
        prior_quarantine: Rows a reader already rejected (e.g. wrong field count) with the quarantine
            columns; they count in ``rows_in``.
        keep_extra: Keep non-canonical columns in ``kept`` (after the canonical ones).

    Returns:
        A :class:`ValidationResult`.

    Raises:
        SchemaError: A required column is missing, or a file-level fault makes the rows unreadable.
    """
    schema = get_schema(table)
    if nullable:
        schema = schema.with_nullable(nullable)
    if not isinstance(df, pd.DataFrame):
        raise SchemaError("dtype", f"expected a pandas DataFrame, got {type(df).__name__}", file=source_file)
    files = df[SOURCE_FILE] if SOURCE_FILE in df else None
    file_label = source_file or (str(files.iloc[0]) if files is not None and len(files) else None)
    dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if dupes:
        raise SchemaError(
            "duplicate_column", f"the table names {dupes} more than once", file=file_label, column=dupes[0]
        )
    missing_cols = [c for c in schema.required if c not in df.columns]
    if missing_cols:
        raise SchemaError(
            "required_column",
            f"table {schema.name!r} needs column(s) {missing_cols}; found {[c for c in df.columns if not c.startswith('_')]}",
            file=file_label,
            column=missing_cols[0],
        )
    n = len(df)
    df = df.reset_index(drop=True)
    flags = _Flags(n)
    present = [c for c in schema.columns if c.name in df.columns]

    # repeated header: every canonical value equals its own column name (only possible in all-text input)
    if n and all(_is_text(df[c.name]) for c in present):
        rep = np.ones(n, dtype=bool)
        for c in present:
            rep &= (df[c.name].astype("string").str.strip() == c.name).fillna(False).to_numpy(dtype=bool)
        flags.flag(rep, "repeated_header", "the row repeats the header")

    miss = {c.name: _is_missing(df[c.name]) for c in present}
    for c in present:
        if not c.nullable:
            flags.flag(miss[c.name], "missing_value", f"column {c.name!r}: required value is empty")

    out: dict[str, pd.Series] = {}
    checks: dict[str, pd.Series] = {}  # float views of integer columns, for the range rules
    for c in present:
        s, m = df[c.name], miss[c.name]
        if c.kind in ("int", "float"):
            num = _convert_number(s)
            nan_text = ~m & _is_nan_text(s)
            flags.flag(nan_text, "range", f"column {c.name!r}: NaN is not finite")
            flags.flag(
                ~m & num.isna().to_numpy(),
                "dtype",
                lambda i, s=s, c=c: [f"column {c.name!r}: {v!r} is not a number" for v in _values(s, i)],
            )
            if c.kind == "int":
                frac = (
                    np.zeros(n, dtype=bool)
                    if pd.api.types.is_integer_dtype(s.dtype)
                    else np.isfinite(num.to_numpy()) & (num.to_numpy() != np.round(num.to_numpy()))
                )
                flags.flag(
                    frac,
                    "dtype",
                    lambda i, s=s, c=c: [
                        f"column {c.name!r}: {v!r} is not an integer" for v in _values(s, i)
                    ],
                )
                checks[c.name] = num
                out[c.name] = _exact_int(s, num)  # float64 would round ids above 2**53
                _flag_inexact(flags, out[c.name], m, s, c.name)
            else:
                out[c.name] = num
        elif c.kind == "ts":
            out[c.name] = _convert_ts(
                s, c.name, m, flags, naive_tz=naive_tz, ts_unit=ts_unit, file=file_label
            )
            # whatever the path (numbers out of range or infinite, a local time that does not exist): a
            # value that was there and did not become a time is never kept as a silent NaT
            flags.flag(
                ~m & out[c.name].isna().to_numpy(),
                "timestamp",
                lambda i, s=s, c=c: [
                    f"column {c.name!r}: {v!r} is not a finite timestamp in range" for v in _values(s, i)
                ],
            )
        elif c.kind == "bool":
            if pd.api.types.is_bool_dtype(s.dtype):
                out[c.name] = s.astype("boolean")
            else:
                low = s.astype("string").str.strip().str.lower()
                val = pd.Series(pd.NA, index=s.index, dtype="boolean")
                val[low.isin(_TRUE).fillna(False)] = True
                val[low.isin(_FALSE).fillna(False)] = False
                flags.flag(
                    ~m & val.isna().to_numpy(),
                    "dtype",
                    lambda i, s=s, c=c: [f"column {c.name!r}: {v!r} is not a boolean" for v in _values(s, i)],
                )
                out[c.name] = val
        elif c.kind == "label" and _all_integers(s, m):
            out[c.name] = _exact_int(s, _convert_number(s))
            _flag_inexact(flags, out[c.name], m, s, c.name)
        elif isinstance(s.dtype, pd.CategoricalDtype):  # few distinct values: work on the categories only
            out[c.name] = _cat_map(s, lambda t: t.str.strip().replace("", pd.NA))
        else:  # str, or a label with non-integer values
            text = s.astype("string").str.strip()
            text = text.where(~pd.Series(m, index=text.index))
            out[c.name] = text

    for c in present:
        vocab = campaign_types() if (schema.name == "campaigns" and c.name == "type") else c.vocabulary
        if vocab is not None:
            col = out[c.name]
            low = (
                _cat_map(col, lambda t: t.str.lower())
                if isinstance(col.dtype, pd.CategoricalDtype)
                else col.str.lower()
            )
            bad = ~miss[c.name] & ~low.isin(vocab).fillna(False).to_numpy(dtype=bool)
            flags.flag(
                bad,
                "vocabulary",
                lambda i, c=c, vocab=vocab: [
                    f"column {c.name!r}: {v!r} is not one of {list(vocab)}" for v in _values(out[c.name], i)
                ],
            )
            out[c.name] = low
        if c.kind in ("int", "float"):
            v = checks.get(c.name, out[c.name]).to_numpy(dtype=float)
            has = ~miss[c.name] & ~np.isnan(v)
            bad = has & ~np.isfinite(v)
            flags.flag(
                bad,
                "range",
                lambda i, c=c: [f"column {c.name!r}: {x!r} is not finite" for x in _values(out[c.name], i)],
            )
            with np.errstate(invalid="ignore"):
                if c.min_value is not None:
                    flags.flag(
                        has & (v < c.min_value),
                        "range",
                        lambda i, c=c: [
                            f"column {c.name!r}: {x!r} is below the minimum {c.min_value}"
                            for x in _values(out[c.name], i)
                        ],
                    )
                if c.max_value is not None:
                    flags.flag(
                        has & (v > c.max_value),
                        "range",
                        lambda i, c=c: [
                            f"column {c.name!r}: {x!r} is above the maximum {c.max_value}"
                            for x in _values(out[c.name], i)
                        ],
                    )
            if c.kind == "int":
                with np.errstate(invalid="ignore"):
                    flags.flag(has & (np.abs(v) > 2**62), "range", f"column {c.name!r}: integer too large")

    if users is not None and schema.user_col in out:
        known = users["user_id"] if isinstance(users, pd.DataFrame) else pd.Series(np.asarray(users))
        known = pd.to_numeric(pd.Series(known), errors="coerce").dropna()
        known = known.astype("int64").unique() if pd.api.types.is_float_dtype(known.dtype) else known.unique()
        bad = ~out[schema.user_col].isin(known).to_numpy()
        flags.flag(bad, "unknown_user", "user id not in the users table")
    if campaigns is not None and schema.campaign_col in out:
        known = (
            campaigns["campaign_id"] if isinstance(campaigns, pd.DataFrame) else pd.Series(list(campaigns))
        )
        known = set(known.astype(str))
        bad = ~out[schema.campaign_col].isin(known).fillna(False).to_numpy(dtype=bool)
        flags.flag(
            bad,
            "unknown_campaign",
            lambda i: [f"campaign {v!r} not in the catalogue" for v in _values(out[schema.campaign_col], i)],
        )
    if window is not None and schema.time_col in out:
        start, end = (pd.Timestamp(w) for w in window)
        start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
        end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
        t = out[schema.time_col]
        bad = t.notna().to_numpy() & ~((t >= start) & (t <= end)).fillna(False).to_numpy(dtype=bool)
        flags.flag(bad, "window", f"{schema.time_col} outside the window [{start}, {end}]")

    if check_duplicates and n:
        key = list(schema.key) if schema.key else [c.name for c in present]
        key = [k for k in key if k in out]
        ok = flags.ok
        frame = pd.DataFrame({k: out[k] for k in key})[ok]
        dup = np.zeros(n, dtype=bool)
        dup[np.flatnonzero(ok)[_duplicated(frame)]] = True
        flags.flag(dup, "duplicate", f"repeats an earlier row on {key}")

    ok = flags.ok
    every = bool(ok.all())  # the usual case: no row to drop, no copy to take
    kept = pd.DataFrame(
        {c.name: _final(out[c.name] if every else out[c.name][ok], c) for c in present}, copy=False
    )
    for c in schema.columns:  # optional canonical columns absent from the input
        if c.name not in kept:
            kept[c.name] = _empty(c, int(ok.sum()))
    kept = kept[[c.name for c in schema.columns]]
    if keep_extra:
        extra = [c for c in df.columns if c not in kept.columns and not c.startswith("_")]
        for c in extra:
            kept[c] = (df[c] if every else df[c][ok]).to_numpy()
    kept = kept.reset_index(drop=True)

    bad = ~ok
    quarantine = df[bad].copy()
    quarantine.insert(0, "rule", flags.rule[bad])
    quarantine.insert(1, "reason", flags.reason[bad])
    src_file = files[bad].astype(str).to_numpy() if files is not None else np.full(bad.sum(), source_file)
    src_row = df[SOURCE_ROW][bad].to_numpy() if SOURCE_ROW in df else np.flatnonzero(bad)
    quarantine = quarantine.drop(columns=[c for c in (SOURCE_FILE, SOURCE_ROW) if c in quarantine])
    quarantine.insert(2, "source_file", src_file)
    quarantine.insert(3, "source_row", np.asarray(src_row, dtype="int64"))
    rows_in = n
    if prior_quarantine is not None and len(prior_quarantine):
        quarantine = pd.concat([prior_quarantine, quarantine], ignore_index=True)
        rows_in += len(prior_quarantine)
    quarantine = quarantine.sort_values(["source_file", "source_row"], kind="stable").reset_index(drop=True)
    counts = {r: int((quarantine["rule"] == r).sum()) for r in ROW_RULES}
    return ValidationResult(
        kept,
        quarantine,
        counts,
        rows_in,
        schema.name,
        sorted(set(map(str, files.unique())))
        if files is not None
        else ([source_file] if source_file else []),
    )


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


def _final(s: pd.Series, c) -> pd.Series:
    """Cast a checked column to its canonical dtype."""
    if c.kind == "int":
        return s.astype("Int64") if s.isna().any() else s.astype("int64")
    if c.kind == "float":
        return s.astype("float64")
    if c.kind == "ts":
        return s.dt.as_unit("us") if s.dt.unit in ("s", "ms") else s
    if c.kind == "label":
        if pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype):
            return s.astype("Int64") if s.isna().any() else s.astype("int64")
        return s.astype("string")
    if c.kind == "str":
        return s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("string")
    return s


def _empty(c, n: int) -> pd.Series:
    if c.kind == "ts":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[us, UTC]")
    if c.kind == "float":
        return pd.Series(np.nan, index=range(n), dtype="float64")
    if c.kind == "int":
        return pd.Series(pd.NA, index=range(n), dtype="Int64")
    if c.kind == "bool":
        return pd.Series(pd.NA, index=range(n), dtype="boolean")
    return pd.Series(pd.NA, index=range(n), dtype="string")
