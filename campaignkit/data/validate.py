"""Validate a table against the canonical schema, quarantining the rows that break a rule.

File-level faults (a required column missing, a numeric timestamp without a unit...) raise
:class:`~campaignkit.errors.SchemaError` naming the file, column and rule. Row-level faults never stop the
load: the row goes to the quarantine table with the rule and a reason that names the column and value,
under the *first* rule it breaks, so the per-rule counts add up and ``rows_in == rows_kept +
rows_quarantined`` holds, always. Checks run in this order: ``field_count`` (the reader),
``repeated_header``, ``missing_value``, then column by column in schema order the conversions (``dtype``,
``timestamp``, ``timezone``, and ``range`` for a literal NaN), then ``vocabulary``, ``range``,
``unknown_user``, ``unknown_campaign``, ``window`` and last ``duplicate`` (among rows still kept). The rule
steps live in :mod:`campaignkit.data._checks`; this module holds the result and runs the steps in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from campaignkit._atomic import atomic_path, clean_leftovers
from campaignkit._helpers import sha256_file
from campaignkit.data._checks import (
    Flags,
    convert_columns,
    flag_duplicates,
    flag_missing,
    flag_references,
    flag_repeated_header,
    flag_values,
)
from campaignkit.data.schema import ROW_RULES, RULES, TableSchema, get_schema
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
        blank_lines: Empty or whitespace-only lines the CSV reader skipped: not records, so not in
            ``rows_in``, but counted here (and in :meth:`summary` as ``blank_lines_skipped``).
    """

    kept: pd.DataFrame
    quarantine: pd.DataFrame
    counts: dict[str, int]
    rows_in: int
    table: str = "events"
    sources: list[str] = field(default_factory=list)
    blank_lines: int = 0

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
        """Return ``{"rows_in", "rows_kept", "rows_quarantined"}`` plus the non-zero per-rule counts and, when
        the CSV reader skipped blank lines, ``blank_lines_skipped``."""
        out = {
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "rows_quarantined": self.rows_quarantined,
        }
        out.update({f"rule_{k}": v for k, v in self.counts.items() if v})
        if self.blank_lines:
            out["blank_lines_skipped"] = int(self.blank_lines)
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
                "blank_lines": int(self.blank_lines),
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
            int(manifest.get("blank_lines", 0)),
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
            sum(r.blank_lines for r in results),
        )


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
    schema = get_schema(table).with_nullable(nullable) if nullable else get_schema(table)
    if not isinstance(df, pd.DataFrame):
        raise SchemaError("dtype", f"expected a pandas DataFrame, got {type(df).__name__}", file=source_file)
    files = df[SOURCE_FILE] if SOURCE_FILE in df else None
    file_label = source_file or (str(files.iloc[0]) if files is not None and len(files) else None)
    _check_columns(df, schema, file_label)
    n = len(df)
    df = df.reset_index(drop=True)
    flags = Flags(n)
    present = [c for c in schema.columns if c.name in df.columns]
    flag_repeated_header(df, present, flags)
    miss = flag_missing(df, present, flags)
    out, checks = convert_columns(
        df, present, miss, flags, naive_tz=naive_tz, ts_unit=ts_unit, file=file_label
    )
    flag_values(out, checks, miss, present, schema, flags)
    flag_references(out, schema, flags, users=users, campaigns=campaigns, window=window)
    if check_duplicates and n:
        flag_duplicates(out, present, schema, flags)
    kept = _kept(df, out, present, schema, flags.ok, keep_extra)
    quarantine = _quarantine(df, flags, files, source_file, prior_quarantine)
    counts = {r: int((quarantine["rule"] == r).sum()) for r in ROW_RULES}
    rows_in = n + (len(prior_quarantine) if prior_quarantine is not None else 0)
    sources = (
        sorted(set(map(str, files.unique()))) if files is not None else ([source_file] if source_file else [])
    )
    return ValidationResult(kept, quarantine, counts, rows_in, schema.name, sources)


def _check_columns(df: pd.DataFrame, schema: TableSchema, file_label: str | None) -> None:
    """File-level rules: ``duplicate_column`` and ``required_column`` raise."""
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


def _kept(df: pd.DataFrame, out: dict, present: list, schema: TableSchema, ok: np.ndarray, keep_extra: bool):
    """The rows that passed, canonical columns in schema order (then the extra ones when kept)."""
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
    return kept.reset_index(drop=True)


def _quarantine(df: pd.DataFrame, flags: Flags, files, source_file, prior_quarantine) -> pd.DataFrame:
    """The rejected rows with rule, reason and provenance in front, after any a reader rejected before."""
    bad = ~flags.ok
    quarantine = df[bad].copy()
    quarantine.insert(0, "rule", flags.rule[bad])
    quarantine.insert(1, "reason", flags.reason[bad])
    src_file = files[bad].astype(str).to_numpy() if files is not None else np.full(bad.sum(), source_file)
    src_row = df[SOURCE_ROW][bad].to_numpy() if SOURCE_ROW in df else np.flatnonzero(bad)
    quarantine = quarantine.drop(columns=[c for c in (SOURCE_FILE, SOURCE_ROW) if c in quarantine])
    quarantine.insert(2, "source_file", src_file)
    quarantine.insert(3, "source_row", np.asarray(src_row, dtype="int64"))
    if prior_quarantine is not None and len(prior_quarantine):
        quarantine = pd.concat([prior_quarantine, quarantine], ignore_index=True)
    return quarantine.sort_values(["source_file", "source_row"], kind="stable").reset_index(drop=True)


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
