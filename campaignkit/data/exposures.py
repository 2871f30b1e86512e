"""Campaign logs from exposures and events: one row per exposure, outcomes in a window after its send.

Offer data come as an exposure table (who was sent which offer, when), an event stream and, for offers that
can be redeemed, a redemption table. :func:`build_campaign_log` turns them into the kit's campaign log: one row
per exposure and, when the eligible ``population`` is given, one ``control`` row for each customer a wave left
out (the randomised design's "no offer" arm). Each row gets its own int64 key ``user_id`` (the key of its
point-in-time features, :func:`campaignkit.features.pointintime.exposure_features`) and names its customer in
``unit_id`` (:data:`~campaignkit.data.schema.UNIT_COLUMN`).

- **Waves**: the exposures' ``wave`` column, else the ``waves`` argument (send times; an exposure belongs to the
  last wave sent at or before it), else each distinct ``sent_at`` is a wave. A wave's send time is the given
  one or its first exposure's; control rows are sent then. A customer exposed twice in one wave is an error.
- **Window** ``[sent_at, end)``: ``"next_wave"`` (the next wave's send; the last wave ends at ``horizon_end``),
  a fixed ``pd.Timedelta``, or ``"offer_duration"`` (the catalogue's ``duration_days``; control rows take the
  longest offer window of their wave). ``horizon_end`` also caps every window.
- **Outcomes**: ``converted`` = a purchase in the window, ``revenue`` = sum of ``price * quantity`` of those
  purchases, ``participated`` = a redemption of the row's own campaign in the window (each redemption counts
  for the customer's latest exposure to that campaign sent at or before it; 0 for types that cannot be
  redeemed; NaN when no redemptions are given), ``discount_cost`` = the redemptions' ``reward`` when given,
  else the catalogue's cost model (``amount``, or ``depth`` x revenue, on participating converted rows - the
  rule of :func:`campaignkit.models.profit.realised_discount`), ``contact_cost`` from the catalogue, and
  ``profit = margin_rate * revenue - discount_cost - contact_cost`` with the catalogue's ``margin_rate``
  (0.35 unless stated). ``retained`` is not observed here: NaN.
- **Propensity**: an exposure ``propensity`` column (each value in (0, 1]) is used as given; else the
  ``propensity`` argument ``{campaign_id: probability}``; else the design: the arm's share of its wave's rows,
  control included. Control rows added here take the mapping's ``control`` entry or the design share.

The window joins run in DuckDB over a DataFrame or Parquet files of events (10^7 events stream; only per-row
results come back), in the private :mod:`campaignkit.data._outcome_windows`. Bad input raises
:class:`~campaignkit.errors.SchemaError` naming column, row and rule;
nothing is dropped: redemptions that match no row are counted in :attr:`ExposureLog.counts`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from campaignkit.data._checks import require_columns
from campaignkit.data._outcome_windows import (
    US,
    check_redemptions,
    redeemable,
    utc,
    window_outcomes,
)
from campaignkit.data.catalogue import validate_catalogue
from campaignkit.data.schema import UNIT_COLUMN
from campaignkit.errors import ParameterError, SchemaError

__all__ = ["ExposureLog", "build_campaign_log", "WINDOW_RULES", "LOG_COLUMNS"]

WINDOW_RULES: tuple[str, ...] = ("next_wave", "offer_duration")
"""Named window rules; a ``pd.Timedelta`` gives a fixed window."""

LOG_COLUMNS: tuple[str, ...] = (
    "user_id", UNIT_COLUMN, "campaign_id", "propensity", "target_category", "participated", "converted",
    "revenue", "retained", "discount_cost", "contact_cost", "profit", "wave", "sent_at", "window_end",
)  # fmt: skip
"""Columns of a log built from exposures, in order."""


@dataclass
class ExposureLog:
    """A campaign log built from exposures, with its wave table and counts.

    Attributes:
        log: One row per exposure (and control row), columns :data:`LOG_COLUMNS`, ``user_id`` = 0..n-1.
        waves: One row per wave: ``wave, sent_at, n_rows, n_exposed, n_control``.
        counts: ``n_exposures``, ``n_control_rows``, ``n_rows``, ``propensity_source`` (``given``,
            ``mapping`` or ``design``) and the redemptions by fate (``redemptions_matched``,
            ``redemptions_outside_window``, ``redemptions_not_redeemable``, ``redemptions_no_exposure``).
    """

    log: pd.DataFrame
    waves: pd.DataFrame
    counts: dict = field(default_factory=dict)

    @property
    def exposures(self) -> pd.DataFrame:
        """The row keys of the point-in-time features: ``user_id`` (row key), ``unit_id``, ``sent_at``."""
        return self.log[["user_id", UNIT_COLUMN, "sent_at"]]


def _ns(values) -> np.ndarray:
    """Nanoseconds since the epoch of a UTC datetime column."""
    return pd.DatetimeIndex(values).as_unit("ns").asi8


def _check_exposures(exposures, cat: pd.DataFrame) -> pd.DataFrame:
    """The exposures with ``unit, campaign_id, sent_at`` (UTC) [, propensity, wave] and their source ``row``."""
    require_columns(exposures, ("user_id", "campaign_id", "sent_at"), "exposures")
    for col in ("user_id", "campaign_id", "sent_at"):
        if exposures[col].isna().any():
            row = int(np.flatnonzero(exposures[col].isna().to_numpy())[0])
            raise SchemaError("missing_value", f"exposures: {col} is empty", column=col, row=row)
    if not pd.api.types.is_integer_dtype(exposures["user_id"]):
        raise SchemaError("dtype", "exposures: user_id must be an integer customer id", column="user_id")
    exp = pd.DataFrame({"unit": exposures["user_id"].to_numpy(np.int64)})
    exp["campaign_id"] = exposures["campaign_id"].astype(str).to_numpy()
    exp["sent_at"] = utc(exposures["sent_at"], "sent_at")
    exp["row"] = np.arange(len(exp))
    unknown = ~exp["campaign_id"].isin(cat["campaign_id"])
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise SchemaError(
            "unknown_campaign",
            f"campaign {exp['campaign_id'].iloc[i]!r} is not in the catalogue {cat['campaign_id'].tolist()}",
            column="campaign_id",
            row=i,
        )
    for col in ("propensity", "wave"):
        if col in exposures:
            exp[col] = exposures[col].to_numpy()
    return exp


def _assign_waves(exp: pd.DataFrame, waves) -> pd.DataFrame:
    """Put a ``wave`` label on each exposure; return the wave table ``wave, sent_at`` in send order."""
    if waves is not None:
        given = dict(waves) if isinstance(waves, Mapping) else dict(enumerate(waves))
        table = pd.DataFrame({"wave": list(given), "sent_at": utc(list(given.values()), "waves")})
        if "wave" in exp:
            bad = ~exp["wave"].isin(table["wave"])
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise SchemaError("vocabulary", "exposure wave not among `waves`", column="wave", row=i)
        else:
            table = table.sort_values("sent_at", kind="stable").reset_index(drop=True)
            pos = np.searchsorted(_ns(table["sent_at"]), _ns(exp["sent_at"]), side="right") - 1
            if (pos < 0).any():
                i = int(np.flatnonzero(pos < 0)[0])
                raise SchemaError("window", "exposure sent before the first wave", column="sent_at", row=i)
            exp["wave"] = table["wave"].to_numpy()[pos]
    elif "wave" in exp:
        table = exp.groupby("wave", sort=True)["sent_at"].min().reset_index()
    else:
        starts = np.unique(_ns(exp["sent_at"]))
        exp["wave"] = np.searchsorted(starts, _ns(exp["sent_at"]))
        table = pd.DataFrame({"wave": np.arange(len(starts)), "sent_at": pd.to_datetime(starts, utc=True)})
    return table.sort_values("sent_at", kind="stable").reset_index(drop=True)


def _design_rows(exp: pd.DataFrame, table: pd.DataFrame, population) -> pd.DataFrame:
    """Exposures plus a control row per eligible customer a wave left out, in (wave, customer) order."""
    dup = exp.duplicated(["wave", "unit"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise SchemaError(
            "duplicate",
            f"customer {exp['unit'].iloc[i]} has two exposures in wave {exp['wave'].iloc[i]!r}",
            column="user_id",
            row=i,
        )
    parts = [exp]
    if population is not None:
        ids = population["user_id"] if isinstance(population, pd.DataFrame) else population
        ids = np.unique(np.asarray(ids, dtype=np.int64))
        outside = ~np.isin(exp["unit"].to_numpy(), ids)
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise SchemaError(
                "unknown_user", "exposed customer not in the population", column="user_id", row=i
            )
        for wave, sent in zip(table["wave"], table["sent_at"], strict=True):
            left_out = np.setdiff1d(ids, exp.loc[exp["wave"] == wave, "unit"].to_numpy())
            parts.append(
                pd.DataFrame(
                    {"unit": left_out, "campaign_id": "control", "sent_at": sent, "row": -1, "wave": wave}
                )
            )
    rows = pd.concat(parts, ignore_index=True)
    rank = pd.Series(np.arange(len(table)), index=table["wave"].to_numpy())
    rows["_rank"] = rows["wave"].map(rank).to_numpy()
    rows = rows.sort_values(["_rank", "unit"], kind="stable").drop(columns="_rank").reset_index(drop=True)
    rows["key"] = np.arange(len(rows), dtype=np.int64)
    return rows


def _window_ends(rows, table, cat, window, horizon_end) -> pd.DatetimeIndex:
    """End of each row's window (exclusive), as datetime64 UTC."""
    horizon = None if horizon_end is None else utc([horizon_end], "horizon_end")[0]
    sent = pd.Series(pd.DatetimeIndex(rows["sent_at"]))
    if isinstance(window, str) and window == "next_wave":
        if horizon is None:
            raise ParameterError("window='next_wave' needs horizon_end: the end of the last wave's window")
        nxt = pd.Series([*table["sent_at"].iloc[1:], horizon], index=table["wave"].to_numpy())
        end = pd.Series(pd.DatetimeIndex(rows["wave"].map(nxt)))
    elif isinstance(window, str) and window == "offer_duration":
        days = rows["campaign_id"].map(cat.set_index("campaign_id")["duration_days"]).to_numpy(float)
        bad = (rows["campaign_id"].to_numpy() != "control") & ~(days > 0)
        if bad.any():
            c = rows["campaign_id"].iloc[int(np.flatnonzero(bad)[0])]
            raise SchemaError("range", f"campaign {c!r} states no duration_days > 0", column="duration_days")
        longest = pd.Series(days).groupby(rows["wave"].to_numpy()).transform("max").to_numpy()
        days = np.where(rows["campaign_id"].to_numpy() == "control", longest, days)
        end = sent + pd.to_timedelta(days, unit="D")
    elif isinstance(window, (pd.Timedelta, np.timedelta64)) or hasattr(window, "total_seconds"):
        if not pd.Timedelta(window) > pd.Timedelta(0):
            raise ParameterError(f"a fixed window must be positive, got {window!r}")
        end = sent + pd.Timedelta(window)
    else:
        raise ParameterError(f"window must be one of {list(WINDOW_RULES)} or a pd.Timedelta, got {window!r}")
    if horizon is not None:
        end = end.where(end <= horizon, horizon)
    empty = (end <= sent).to_numpy()
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        raise SchemaError(
            "window", "the outcome window is empty (sent at or after its end)", column="sent_at", row=i
        )
    return pd.DatetimeIndex(end)


def _propensities(rows: pd.DataFrame, propensity) -> tuple[np.ndarray, str]:
    """Each row's assignment probability and where it came from."""
    share = rows.groupby(["wave", "campaign_id"])["key"].transform("size") / rows.groupby("wave")[
        "key"
    ].transform("size")
    p = share.to_numpy(float)
    source = "design"
    mapping = {str(k): float(v) for k, v in dict(propensity or {}).items()}
    if mapping:
        missing = sorted(
            set(rows["campaign_id"]) - set(mapping) - ({"control"} if "propensity" in rows else set())
        )
        if missing:
            raise ParameterError(f"propensity mapping has no probability for campaign(s) {missing}")
        mapped = rows["campaign_id"].map(mapping).to_numpy(float)
        p = np.where(np.isnan(mapped), p, mapped)
        source = "mapping"
    if "propensity" in rows:
        given = pd.to_numeric(rows["propensity"], errors="coerce").to_numpy(float)
        exposed = rows["row"].to_numpy() >= 0
        p = np.where(exposed, given, p)
        source = "given"
    bad = ~(np.isfinite(p) & (p > 0) & (p <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            "range",
            f"propensity {p[i]!r} is not in (0, 1]",
            column="propensity",
            row=int(rows["row"].iloc[i]),
        )
    return p, source


def _wave_counts(rows: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    exposed = (rows["row"] >= 0).groupby(rows["wave"].to_numpy())
    out = table.copy()
    out["n_rows"] = out["wave"].map(exposed.size()).fillna(0).astype("int64").to_numpy()
    out["n_exposed"] = out["wave"].map(exposed.sum()).fillna(0).astype("int64").to_numpy()
    out["n_control"] = (
        out["wave"]
        .map((rows["campaign_id"] == "control").groupby(rows["wave"].to_numpy()).sum())
        .fillna(0)
        .astype("int64")
        .to_numpy()
    )
    return out


def build_campaign_log(
    exposures: pd.DataFrame,
    events,
    catalogue: pd.DataFrame,
    *,
    window,
    population=None,
    redemptions: pd.DataFrame | None = None,
    waves=None,
    propensity: Mapping | None = None,
    horizon_end=None,
) -> ExposureLog:
    """Build a campaign log, one row per exposure, with outcomes in a window after each send.

    The rules (waves, windows, outcomes, costs, propensities) are in the module docstring.

    Args:
        exposures: ``user_id`` (the customer), ``campaign_id``, ``sent_at`` and optional ``propensity`` and
            ``wave``; a ``control`` exposure is allowed (an explicit "no offer" row).
        events: Canonical events (DataFrame or Parquet file(s)): ``user_id, ts, event_type, price, quantity``.
        catalogue: The campaigns (:func:`~campaignkit.data.catalogue.validate_catalogue`; row 0 ``control``).
        window: ``"next_wave"``, ``"offer_duration"`` or a ``pd.Timedelta``.
        population: Every eligible customer id (array-like, or a users table with ``user_id``): who got no
            exposure in a wave gets a ``control`` row then. None: no control rows are added.
        redemptions: ``user_id, campaign_id, ts`` [, ``reward``]: completed / redeemed offers.
        waves: Wave send times (a sequence, or ``{wave: time}``); see the module docstring.
        propensity: ``{campaign_id: probability}`` of a known design, used when exposures carry none.
        horizon_end: End of the observation: the last wave's window under ``"next_wave"``; caps every window.

    Returns:
        An :class:`ExposureLog`.

    Raises:
        SchemaError: a missing column or value, an unknown campaign, a customer exposed twice in a wave or
            outside ``population``, an empty window, a propensity outside (0, 1].
        ParameterError: a bad ``window``, no ``horizon_end`` for ``"next_wave"``, no ``duration_days``.
    """
    cat = validate_catalogue(catalogue)
    exp = _check_exposures(exposures, cat)
    table = _assign_waves(exp, waves)
    rows = _design_rows(exp, table, population)
    rows["window_end"] = _window_ends(rows, table, cat, window, horizon_end)
    rows["propensity"], source = _propensities(rows, propensity)
    rows["redeemable"] = redeemable(rows["campaign_id"].map(cat.set_index("campaign_id")["type"]))
    rows["start_us"] = _ns(rows["sent_at"]) // US
    rows["end_us"] = _ns(rows["window_end"]) // US
    red = None if redemptions is None else check_redemptions(redemptions, cat)
    outcomes, counts = window_outcomes(rows, events, red, red is not None and "reward" in redemptions, cat)
    if red is None and rows["redeemable"].any():
        warnings.warn(
            "build_campaign_log: no redemptions given, so participation (and the discount paid by the cost "
            "model) is NaN on rows of redeemable offers",
            UserWarning,
            stacklevel=2,
        )
    log = pd.DataFrame(
        {
            "user_id": rows["key"].to_numpy(np.int64),
            UNIT_COLUMN: rows["unit"].to_numpy(np.int64),
            "campaign_id": rows["campaign_id"].to_numpy(),
            "propensity": rows["propensity"].to_numpy(float),
            "target_category": np.full(len(rows), -1, dtype=np.int64),
            **{c: outcomes[c].to_numpy() for c in ("participated", "converted", "revenue")},
            "retained": np.full(len(rows), np.nan),
            **{c: outcomes[c].to_numpy() for c in ("discount_cost", "contact_cost", "profit")},
            "wave": rows["wave"].to_numpy(),
            "sent_at": rows["sent_at"],
            "window_end": rows["window_end"],
        }
    )
    n_control = int((rows["row"] < 0).sum())
    counts = {
        "n_exposures": len(exp),
        "n_control_rows": n_control,
        "n_rows": len(rows),
        "propensity_source": source,
        **counts,
    }
    return ExposureLog(log[list(LOG_COLUMNS)], _wave_counts(rows, table), counts)
