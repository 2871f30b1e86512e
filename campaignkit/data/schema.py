"""The canonical schema every loader produces: events, users, campaigns, exposures, outcomes.

A :class:`TableSchema` lists the columns of one table with their kind (``int``, ``float``, ``str``,
``bool``, ``ts``), whether a column is required and whether it may hold missing values, plus the
vocabularies and ranges that :mod:`campaignkit.data.validate` checks row by row.

The contracts follow ``CONTRIBUTING.md`` ("Stage contracts"): events carry ``user_id`` int64, ``ts`` UTC,
``event_type`` in :data:`EVENT_TYPES`, ``item_id`` int64, ``category``, ``price`` float64 >= 0 and
``quantity`` int64 >= 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from campaignkit.errors import ParameterError

__all__ = [
    "EVENT_TYPES",
    "RULES",
    "Column",
    "TableSchema",
    "EVENTS",
    "USERS",
    "CAMPAIGNS",
    "EXPOSURES",
    "OUTCOMES",
    "SCHEMAS",
    "get_schema",
    "campaign_types",
    "CAMPAIGN_LOG_COLUMNS",
    "UNIT_COLUMN",
    "log_units",
    "WORLD_COST_COLUMNS",
    "WORLD_LOG_COLUMNS",
]

EVENT_TYPES: tuple[str, ...] = ("view", "cart", "fav", "purchase")
"""The event vocabulary of canonical events, in funnel order (the world's int8 codes 0..3 and the sequence
ids 1..4 follow it)."""

CAMPAIGN_LOG_COLUMNS: tuple[str, ...] = (
    "user_id",
    "campaign_id",
    "propensity",
    "target_category",
    "participated",
    "converted",
    "revenue",
    "retained",
)
"""Columns every campaign log (randomised or targeted) carries: the stage contract in CONTRIBUTING.md."""

UNIT_COLUMN = "unit_id"
"""Optional log column naming the unit (the customer) behind a row. A log with one row per exposure (a customer
sent offers in several waves) keys each row's features by ``user_id`` (one per exposure) and names the customer
here; splits, cross-fitting, bootstraps and standard errors keep a unit's rows together. Without it, the unit is
``user_id``."""


def log_units(log: pd.DataFrame, *, warn: bool = False, source: str = "the log") -> np.ndarray:
    """The unit (customer) behind each log row: the :data:`UNIT_COLUMN` column when present, else ``user_id``.

    Every split, cross-fit, bootstrap and standard error that keeps a customer's rows together reads its
    groups here.

    Args:
        log: Campaign log with ``user_id`` (and optionally :data:`UNIT_COLUMN`).
        warn: Warn (``UserWarning``) when ``user_id`` repeats and the log has no :data:`UNIT_COLUMN`: the
            rows of such a user share one feature row and are fitted as separate observations, and a customer
            logged under several ``user_id`` s would be treated as independent units.
        source: How to name the log in messages.

    Returns:
        Array of shape (n_rows,) of unit labels.

    Raises:
        ParameterError: The log has neither column, or a unit label is missing.
    """
    if UNIT_COLUMN in log.columns:
        units = log[UNIT_COLUMN].to_numpy()
        missing = pd.isna(units)
        if missing.any():
            row = int(np.flatnonzero(missing)[0])
            raise ParameterError(
                f"{source}: column {UNIT_COLUMN!r} row {row}: missing unit ({int(missing.sum())} missing); every "
                "row needs the customer it belongs to"
            )
        return units
    if "user_id" not in log.columns:
        raise ParameterError(f"{source} has no 'user_id' column (nor {UNIT_COLUMN!r})")
    users = log["user_id"].to_numpy()
    if warn:
        counts = pd.Series(users).value_counts(sort=False)
        repeated = int((counts > 1).sum())
        if repeated:
            warnings.warn(
                f"{repeated} users appear on several rows and {source} has no {UNIT_COLUMN!r} column: each "
                "user_id is taken as one unit (its rows kept together in splits, standard errors clustered by "
                "it), but its rows share one feature row and are fitted as separate observations, and a "
                "customer logged under several user_ids is treated as independent units. Give each exposure "
                f"its own user_id and name the customer in {UNIT_COLUMN!r}.",
                UserWarning,
                stacklevel=3,
            )
    return users


WORLD_COST_COLUMNS: tuple[str, ...] = ("discount_cost", "contact_cost", "profit")
"""The synthetic world's exact cost accounting, logged after :data:`CAMPAIGN_LOG_COLUMNS`."""

WORLD_LOG_COLUMNS: tuple[str, ...] = (*CAMPAIGN_LOG_COLUMNS, *WORLD_COST_COLUMNS, "assigned_ts")
"""Columns of a log the synthetic world writes: the contract's, the costs, and when the campaign was sent."""

RULES: dict[str, str] = {
    # file-level rules (raise SchemaError)
    "file_not_found": "the file or glob matches nothing",
    "empty_file": "the file holds no bytes or no header",
    "encoding": "the bytes do not decode with the stated encoding",
    "delimiter": "the header splits into one column: the file uses another delimiter",
    "duplicate_column": "the header names a column twice",
    "required_column": "a required column is missing",
    # row-level rules (quarantine)
    "field_count": "the row has more or fewer fields than the header (e.g. a truncated last line)",
    "repeated_header": "the row repeats the header (files concatenated with their headers)",
    "missing_value": "a required value is empty",
    "dtype": "a value does not convert to the column's type",
    "timestamp": "a timestamp does not parse as ISO 8601",
    "timezone": "a timestamp without offset in a file whose other timestamps carry one",
    "vocabulary": "a value is outside the column's vocabulary",
    "range": "a number is non-finite or outside its allowed range",
    "unknown_user": "the user id is not in the users table",
    "unknown_campaign": "the campaign id is not in the campaign catalogue",
    "window": "the exposure time lies outside the campaign window",
    "duplicate": "the row repeats an earlier row exactly",
}
"""Every rule name, with what it means; file-level rules raise, row-level rules quarantine."""

ROW_RULES: tuple[str, ...] = (
    "field_count",
    "repeated_header",
    "missing_value",
    "dtype",
    "timestamp",
    "timezone",
    "vocabulary",
    "range",
    "unknown_user",
    "unknown_campaign",
    "window",
    "duplicate",
)
"""Row-level rules, in report order (see :mod:`campaignkit.data.validate` for the exact checking order)."""

_KINDS = {"int", "float", "str", "bool", "ts", "label"}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    Args:
        name: Canonical column name.
        kind: One of ``int``, ``float``, ``str``, ``bool``, ``ts``, or ``label`` (an id that stays int64
            when every value is an integer, as the synthetic world's categories, and is text otherwise).
        required: The column must be present (else :class:`~campaignkit.errors.SchemaError`).
        nullable: Missing values are allowed (else the row goes to quarantine under ``missing_value``).
        vocabulary: Allowed values (strings are stripped and lower-cased first), or ``None``.
        min_value: Smallest allowed number (inclusive), or ``None``.
        max_value: Largest allowed number (inclusive), or ``None``.
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    vocabulary: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ParameterError(
                f"Column {self.name!r}: kind must be one of {sorted(_KINDS)}, got {self.kind!r}"
            )


@dataclass(frozen=True)
class TableSchema:
    """The columns of one canonical table and its row-level relations.

    Args:
        name: Table name (``events``, ``users``...).
        columns: The canonical columns, in output order.
        key: Columns that identify a row for the ``duplicate`` rule (``None``: all canonical columns).
        user_col: Column checked against a users table (``unknown_user``), or ``None``.
        campaign_col: Column checked against a campaign catalogue (``unknown_campaign``), or ``None``.
        time_col: Column checked against a time window (``window``), or ``None``.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] | None = None
    user_col: str | None = None
    campaign_col: str | None = None
    time_col: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Canonical column names, in order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Names of the columns that must be present."""
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        """Return the :class:`Column` called ``name``.

        Raises:
            ParameterError: No such column.
        """
        for c in self.columns:
            if c.name == name:
                return c
        raise ParameterError(f"table {self.name!r} has no column {name!r}; columns: {self.names}")

    def with_nullable(self, names: Iterable[str]) -> TableSchema:
        """Return a copy where the given columns may hold missing values.

        Args:
            names: Column names to relax (e.g. ``["price"]`` for logs that carry no price).

        Returns:
            A new :class:`TableSchema`.
        """
        names = set(names)
        unknown = names - set(self.names)
        if unknown:
            raise ParameterError(f"table {self.name!r} has no columns {sorted(unknown)}")
        cols = tuple(
            Column(
                c.name,
                c.kind,
                c.required,
                True if c.name in names else c.nullable,
                c.vocabulary,
                c.min_value,
                c.max_value,
            )
            for c in self.columns
        )
        return TableSchema(
            self.name, cols, self.key, self.user_col, self.campaign_col, self.time_col, self.extra
        )


def campaign_types() -> tuple[str, ...]:
    """Return the campaign-type vocabulary: every registered offer type
    (:data:`campaignkit.data.offers.OFFER_TYPES`, extended by
    :func:`~campaignkit.data.offers.register_offer_type`).

    Returns:
        Tuple of type names in registration order, ``control`` first.
    """
    from campaignkit.data.offers import OFFER_TYPES

    return tuple(OFFER_TYPES)


EVENTS = TableSchema(
    "events",
    (
        Column("user_id", "int"),
        Column("ts", "ts"),
        Column("event_type", "str", vocabulary=EVENT_TYPES),
        Column("item_id", "int"),
        Column("category", "label", required=False, nullable=True),
        Column("price", "float", min_value=0.0),
        Column("quantity", "int", min_value=1),
    ),
    key=None,
    user_col="user_id",
)

USERS = TableSchema(
    "users",
    (
        Column("user_id", "int"),
        Column("signup_ts", "ts", required=False, nullable=True),
        Column("age_band", "str", required=False, nullable=True),
        Column("region", "str", required=False, nullable=True),
        Column("member_tier", "str", required=False, nullable=True),
        Column("channel_pref", "str", required=False, nullable=True),
        Column("tenure_days", "float", required=False, nullable=True, min_value=0.0),
    ),
    key=("user_id",),
)

CAMPAIGNS = TableSchema(
    "campaigns",
    (
        Column("campaign_id", "str"),
        Column("type", "str"),  # vocabulary checked against campaign_types() at validation time
        Column("depth", "float", required=False, nullable=True, min_value=0.0),
        Column("threshold", "float", required=False, nullable=True, min_value=0.0),
        Column("channel", "str", required=False, nullable=True),
        Column("targets_category", "bool", required=False, nullable=True),
        Column("contact_cost", "float", required=False, nullable=True, min_value=0.0),
    ),
    key=("campaign_id",),
)

EXPOSURES = TableSchema(
    "exposures",
    (
        Column("user_id", "int"),
        Column("campaign_id", "str"),
        Column("assigned_ts", "ts", required=False, nullable=True),
        Column("propensity", "float", required=False, nullable=True, min_value=0.0, max_value=1.0),
    ),
    key=("user_id", "campaign_id", "assigned_ts"),
    user_col="user_id",
    campaign_col="campaign_id",
    time_col="assigned_ts",
)

OUTCOMES = TableSchema(
    "outcomes",
    (
        Column("user_id", "int"),
        Column("campaign_id", "str"),
        Column("participated", "float", required=False, nullable=True, min_value=0.0, max_value=1.0),
        Column("converted", "float", required=False, nullable=True, min_value=0.0, max_value=1.0),
        Column("revenue", "float", required=False, nullable=True, min_value=0.0),
        Column("retained", "float", required=False, nullable=True, min_value=0.0, max_value=1.0),
    ),
    key=("user_id", "campaign_id"),
    user_col="user_id",
    campaign_col="campaign_id",
)

SCHEMAS: dict[str, TableSchema] = {s.name: s for s in (EVENTS, USERS, CAMPAIGNS, EXPOSURES, OUTCOMES)}
"""Canonical schemas by table name."""


def get_schema(table: str | TableSchema) -> TableSchema:
    """Return the canonical schema of ``table``.

    Args:
        table: A table name (``events``, ``users``, ``campaigns``, ``exposures``, ``outcomes``) or a schema.

    Returns:
        The :class:`TableSchema`.

    Raises:
        ParameterError: Unknown table name.
    """
    if isinstance(table, TableSchema):
        return table
    try:
        return SCHEMAS[table]
    except KeyError:
        raise ParameterError(f"unknown table {table!r}; choose one of {sorted(SCHEMAS)}") from None
