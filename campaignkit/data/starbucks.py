"""The Starbucks rewards-app offers data: find, verify, validate, load and map to the kit's tables.

A public simulation made by Starbucks of customers on its rewards app (the Udacity data-science capstone data,
redistributed in many public GitHub repositories): ten offers (``portfolio.json``), 17,000 customers
(``profile.json``) and 306,534 events over 714 hours (``transcript.json``), three JSON-lines files. Offers go
out in six waves (:data:`WAVE_TIMES_H`); in each wave about 75% of customers receive one of the ten offers
uniformly at random and 25% none, so it is a randomised, multi-offer campaign log nobody on this project wrote.

The files have no stable public address, so the kit never downloads them: :func:`load_starbucks` reads them
from a folder (``path``, else ``$CAMPAIGNKIT_DATA_HOME/starbucks``, see :func:`campaignkit.config.data_home`),
checks their SHA-256 against :data:`STARBUCKS_SHA256`, validates every line (:func:`~campaignkit.data.validate.validate`: exact repeated events go to quarantine under ``duplicate``; blank lines under
:data:`BLANK_LINE_RULE` with the reason ``blank line``, counted in :meth:`StarbucksData.report`) and maps the
rows to the kit's tables. Row numbers (``source_row`` of the quarantine, ``line`` of the tables) are 0-based
line indices in the file (file line = row + 1), blank lines included.

Mapping decisions (fixed, so results compare):

- Time: ``ts = STARBUCKS_EPOCH + time`` hours. :data:`STARBUCKS_EPOCH` is 2018-07-27 00:00 UTC, the day after
  the latest ``became_member_on`` (2018-07-26), so every customer joined before hour 0; ``tenure_days`` counts
  days from the member date to it.
- Age 118 is the file's placeholder for "unknown" (:data:`AGE_PLACEHOLDER`; gender and income are missing on
  the same rows): it becomes a missing age, counted, not quarantined.
- Offers get readable ids ``<offer_type>_<difficulty>_<reward>_<duration>d`` (``bogo_10_10_7d``,
  ``discount_20_5_10d``) and ``info_<duration>d`` for informational ones; the file's hex id stays in the
  catalogue's ``offer_hex`` column. The file's ``discount`` is the kit's ``spend_get`` (spend ``difficulty``,
  get ``reward`` back).
- The customers' hex ids stay in ``customers["person"]`` only (for joins); every other table uses ``user_id``
  (0..n-1 in file order), so reports never show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from campaignkit._helpers import sha256_file
from campaignkit.config import data_home
from campaignkit.data._checks import require_columns
from campaignkit.data._jsonl import BLANK_LINE_RULE, read_jsonl
from campaignkit.data.catalogue import DEFAULT_MARGIN_RATE, validate_catalogue
from campaignkit.data.schema import ROW_RULES, Column, TableSchema
from campaignkit.data.validate import SOURCE_FILE, SOURCE_ROW, ValidationResult, validate
from campaignkit.errors import DataNotFoundError, SchemaError

__all__ = [
    "STARBUCKS_DIRNAME",
    "STARBUCKS_FILES",
    "STARBUCKS_SHA256",
    "STARBUCKS_EPOCH",
    "STARBUCKS_EVENTS",
    "STARBUCKS_OFFER_TYPES",
    "STARBUCKS_CHANNELS",
    "STARBUCKS_AGE_BANDS",
    "STARBUCKS_MARGIN",
    "AGE_PLACEHOLDER",
    "WAVE_TIMES_H",
    "HORIZON_H",
    "BLANK_LINE_RULE",
    "StarbucksData",
    "starbucks_path",
    "starbucks_catalogue",
    "load_starbucks",
]

STARBUCKS_DIRNAME = "starbucks"
"""The folder under the data home that holds the three files."""
STARBUCKS_FILES: dict[str, str] = {
    "portfolio": "portfolio.json",
    "profile": "profile.json",
    "transcript": "transcript.json",
}
STARBUCKS_SHA256: dict[str, str] = {
    "portfolio": "928a02da21961a9dd464a3000ef84af147efbe0101a7547425c6abe795ab9309",
    "profile": "a23145d0b912c3d6a4c0f0d47d3e643ea3575a1014ebd3ad5af220c3cd181c76",
    "transcript": "a975793c58e206168af7624497c8879c45d84968249947ddc4f2c38ef86a7006",
}
"""SHA-256 of the published files (the capstone's bytes, as redistributed)."""
STARBUCKS_EPOCH = pd.Timestamp("2018-07-27", tz="UTC")
"""Hour 0 of the transcript: the day after the latest ``became_member_on`` (a fixed, documented choice)."""
WAVE_TIMES_H: tuple[int, ...] = (0, 168, 336, 408, 504, 576)
"""Hours at which the six waves of offers were sent (wave ``k`` is sent at ``WAVE_TIMES_H[k]``)."""
HORIZON_H = 714
"""Last hour of the transcript: the last wave's outcome window ends here."""
AGE_PLACEHOLDER = 118
"""The profile's age for "unknown" (gender and income are missing on those rows): loaded as a missing age."""
STARBUCKS_EVENTS: tuple[str, ...] = ("offer received", "offer viewed", "offer completed", "transaction")
STARBUCKS_OFFER_TYPES: dict[str, str] = {
    "bogo": "bogo",
    "discount": "spend_get",
    "informational": "informational",
}
"""The file's ``offer_type`` and the kit's offer type."""
STARBUCKS_CHANNELS: tuple[str, ...] = ("email", "mobile", "social", "web")
STARBUCKS_AGE_BANDS: tuple[str, ...] = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
"""``age_band`` labels (they sort in age order, as :func:`~campaignkit.features.build_features` ranks them)."""
STARBUCKS_MARGIN = DEFAULT_MARGIN_RATE
"""Gross margin on spend used for profit: the kit's default (the data state no margin)."""

_OFFER_EVENTS = {"offer received": "received", "offer viewed": "viewed", "offer completed": "completed"}
_AGE_EDGES = (18, 25, 35, 45, 55, 65, 75)
_MEMBER_SINCE = pd.Timestamp("1900-01-01", tz="UTC")


def _where_to_put(folder: Path, why: str) -> str:
    files = ", ".join(f"{f} (SHA-256 {STARBUCKS_SHA256[k]})" for k, f in STARBUCKS_FILES.items())
    return (
        f"Starbucks data not found: {why}. The files have no stable public address, so the kit does not "
        f"download them: put the Starbucks rewards-app capstone files {files} in {folder}, or set "
        f"CAMPAIGNKIT_DATA_HOME to the folder that holds {STARBUCKS_DIRNAME}/, or pass load_starbucks(path=...)."
    )


def starbucks_path(path=None) -> Path:
    """Find the folder holding the three Starbucks files.

    Args:
        path: Explicit folder; default ``data_home() / "starbucks"``.

    Returns:
        The folder.

    Raises:
        DataNotFoundError: A file is missing (the message names the folder and where to put the files).
    """
    folder = Path(path).expanduser() if path is not None else data_home() / STARBUCKS_DIRNAME
    missing = [f for f in STARBUCKS_FILES.values() if not (folder / f).is_file()]
    if missing:
        raise DataNotFoundError(_where_to_put(folder, f"no {', '.join(missing)} in {str(folder)!r}"))
    return folder


@dataclass
class StarbucksData:
    """The Starbucks offers data in the kit's tables.

    Attributes:
        customers: ``user_id`` (0..n-1 in file order), ``person`` (the file's hex id, for joins only),
            ``gender`` (``F``/``M``/``O``, missing for the placeholder), ``age`` (float, missing for 118),
            ``income``, ``became_member_on`` (UTC), ``tenure_days`` (to :data:`STARBUCKS_EPOCH`), ``age_band``.
        events: Canonical events (the kit's ``events`` schema): one ``purchase`` per transaction, ``item_id``
            0, ``category`` ``"transaction"``, ``price`` = amount, ``quantity`` 1.
        offer_events: ``user_id, ts, event`` (``received``/``viewed``/``completed``), ``campaign_id``,
            ``reward`` (completions only), ``time_h``.
        exposures: ``user_id, campaign_id, sent_at, wave`` (0..5), one per offer received.
        redemptions: ``user_id, campaign_id, ts, reward``: the completions.
        catalogue: ``control`` then the ten offers (see :func:`starbucks_catalogue`).
        validation: Per file (``portfolio``, ``profile``, ``transcript``) the
            :class:`~campaignkit.data.validate.ValidationResult` (rows in = non-empty lines + blank lines).
        sha256: Per file its SHA-256; ``checksum_ok`` says whether all three are the published files.
        path: The folder read.
        blank_lines: Per file, how many blank lines it holds (quarantined under :data:`BLANK_LINE_RULE`).
        placeholders: Customers whose age was the placeholder 118 (loaded as missing, not quarantined).
    """

    customers: pd.DataFrame
    events: pd.DataFrame
    offer_events: pd.DataFrame
    exposures: pd.DataFrame
    redemptions: pd.DataFrame
    catalogue: pd.DataFrame
    validation: dict[str, ValidationResult]
    sha256: dict[str, str]
    path: Path
    blank_lines: dict[str, int]
    placeholders: int

    @property
    def checksum_ok(self) -> bool:
        """Whether all three files are byte for byte the published ones."""
        return all(self.sha256.get(k) == v for k, v in STARBUCKS_SHA256.items())

    @property
    def users(self) -> pd.DataFrame:
        """The customers as the kit's users table, for :func:`~campaignkit.features.build_features`.

        ``user_id, signup_ts`` (= ``became_member_on``: the feature builder derives ``tenure_days`` as of its
        cutoff), ``gender, age_band, age, income``; no ``person`` (a hex id is no feature).
        """
        c = self.customers
        return pd.DataFrame(
            {
                "user_id": c["user_id"],
                "signup_ts": c["became_member_on"],
                "gender": c["gender"],
                "age_band": c["age_band"],
                "age": c["age"],
                "income": c["income"],
            }
        )

    @property
    def wave_times(self) -> dict[int, pd.Timestamp]:
        """Send time of each wave, ``{wave: time}`` (:data:`WAVE_TIMES_H` hours after :data:`STARBUCKS_EPOCH`)."""
        return {w: STARBUCKS_EPOCH + pd.Timedelta(hours=h) for w, h in enumerate(WAVE_TIMES_H)}

    @property
    def horizon_end(self) -> pd.Timestamp:
        """End of the observation (hour :data:`HORIZON_H`): the last wave's outcome window ends here."""
        return STARBUCKS_EPOCH + pd.Timedelta(hours=HORIZON_H)

    def report(self) -> pd.DataFrame:
        """Per file: rows in, kept, quarantined by rule, blank lines, placeholders made missing, checksum.

        Returns:
            One row per file: ``file, rows_in, rows_kept, rows_quarantined``, one column per rule that
            quarantined a row in any file, ``blank_lines``, ``placeholder_to_missing``, ``checksum_ok``.
        """
        rules = [r for r in ROW_RULES if any(v.counts.get(r, 0) for v in self.validation.values())]
        rows = []
        for key, res in self.validation.items():
            row = {
                "file": STARBUCKS_FILES[key],
                "rows_in": res.rows_in,
                "rows_kept": res.rows_kept,
                "rows_quarantined": res.rows_quarantined,
            }
            row.update({r: int(res.counts.get(r, 0)) for r in rules})
            row["blank_lines"] = int(self.blank_lines.get(key, 0))
            row["placeholder_to_missing"] = self.placeholders if key == "profile" else 0
            row["checksum_ok"] = self.sha256.get(key) == STARBUCKS_SHA256[key]
            rows.append(row)
        return pd.DataFrame(rows)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column, or all missing when no record has the field."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def _move(res: ValidationResult, faults: list[tuple[str, str] | None]) -> ValidationResult:
    """Move kept rows with a ``(rule, reason)`` to the quarantine (checks across columns, after validation)."""
    bad = np.array([f is not None for f in faults], dtype=bool)
    if not bad.any():
        return res
    moved = res.kept[bad].copy()
    moved.insert(0, "rule", [f[0] for f in faults if f is not None])
    moved.insert(1, "reason", [f[1] for f in faults if f is not None])
    moved.insert(2, "source_file", res.sources[0] if res.sources else None)
    moved.insert(3, "source_row", moved["line"].astype("int64"))
    quarantine = pd.concat([res.quarantine, moved], ignore_index=True)
    quarantine = quarantine.sort_values("source_row", kind="stable").reset_index(drop=True)
    counts = {r: int((quarantine["rule"] == r).sum()) for r in ROW_RULES}
    kept = res.kept[~bad].reset_index(drop=True)
    return ValidationResult(kept, quarantine, counts, res.rows_in, res.table, res.sources)


# ------------------------------------------------------------------------------------------------- portfolio

_PORTFOLIO = TableSchema(
    "starbucks_portfolio",
    (
        Column("offer_hex", "str"),
        Column("offer_type", "str", vocabulary=tuple(STARBUCKS_OFFER_TYPES)),
        Column("difficulty", "float", min_value=0.0),
        Column("reward", "float", min_value=0.0),
        Column("duration", "float", min_value=0.0),
        Column("channels", "str"),
    ),
    key=("offer_hex",),
)


def _channels(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    items = [value] if isinstance(value, str) else list(value)
    return "+".join(sorted(str(v).strip().lower() for v in items))


def _offer_faults(kept: pd.DataFrame) -> list[tuple[str, str] | None]:
    """Per offer, ``(rule, reason)`` when its channels or its numbers do not fit its type."""
    out: list[tuple[str, str] | None] = []
    for ch, typ, diff, rew in kept[["channels", "offer_type", "difficulty", "reward"]].itertuples(
        index=False
    ):
        unknown = sorted(set(str(ch).split("+")) - set(STARBUCKS_CHANNELS))
        if unknown:
            out.append(("vocabulary", f"channels {unknown} not in {list(STARBUCKS_CHANNELS)}"))
        elif typ == "informational" and (diff != 0 or rew != 0):
            out.append(("range", "an informational offer has difficulty 0 and reward 0"))
        elif typ != "informational" and (diff <= 0 or rew <= 0):
            out.append(("range", f"a {typ} offer needs difficulty > 0 and reward > 0"))
        else:
            out.append(None)
    return out


def _load_portfolio(path: Path) -> ValidationResult:
    lines = read_jsonl(path)
    f = lines.frame
    require_columns(
        f,
        ["id", "offer_type", "difficulty", "reward", "duration", "channels"],
        f"not a Starbucks {path.stem} file",
        file=str(path),
    )
    rows = pd.DataFrame(
        {
            "offer_hex": f["id"],
            "offer_type": f["offer_type"],
            "difficulty": f["difficulty"],
            "reward": f["reward"],
            "duration": f["duration"],
            "channels": [_channels(v) for v in f["channels"]],
            "line": f["line"],
            SOURCE_FILE: f[SOURCE_FILE],
            SOURCE_ROW: f[SOURCE_ROW],
        }
    )
    res = validate(rows, _PORTFOLIO, prior_quarantine=lines.rejected)
    return _move(res, _offer_faults(res.kept))


def _number(x: float) -> str:
    return f"{x:g}"


def _readable_ids(offers: pd.DataFrame) -> list[str]:
    """``<type>_<difficulty>_<reward>_<duration>d`` (``info_<duration>d``); clashes get the hex id's head."""
    ids = [
        f"info_{_number(d)}d" if t == "informational" else f"{t}_{_number(x)}_{_number(r)}_{_number(d)}d"
        for t, x, r, d in offers[["offer_type", "difficulty", "reward", "duration"]].itertuples(index=False)
    ]
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    return [f"{i}_{h[:6]}" if d else i for i, h, d in zip(ids, offers["offer_hex"], dup, strict=True)]


def starbucks_catalogue(portfolio: pd.DataFrame, margin_rate: float = STARBUCKS_MARGIN) -> pd.DataFrame:
    """Build the kit's catalogue from the (validated) portfolio, without checking it against the vocabulary.

    Args:
        portfolio: One row per offer: ``offer_hex, offer_type`` (``bogo``/``discount``/``informational``),
            ``difficulty, reward, duration`` (days), ``channels`` (joined by ``+``).
        margin_rate: Gross margin on spend, the same for every row (default :data:`STARBUCKS_MARGIN`).

    Returns:
        ``control`` then the offers (portfolio order): ``campaign_id`` (readable, see the module notes),
        ``type`` (``bogo``/``spend_get``/``informational``), ``depth`` (bogo: reward/(difficulty+reward);
        spend_get: reward/difficulty; informational 0), ``threshold`` = difficulty, ``amount`` = reward,
        ``channel`` (e.g. ``email+mobile+social``), ``targets_category`` False, ``contact_cost`` 0,
        ``margin_rate``, ``duration_days``, ``offer_hex`` (missing for control).
    """
    p = portfolio.reset_index(drop=True)
    diff = p["difficulty"].to_numpy(float)
    rew = p["reward"].to_numpy(float)
    typ = p["offer_type"].map(STARBUCKS_OFFER_TYPES).to_numpy(dtype=object)
    with np.errstate(divide="ignore", invalid="ignore"):
        depth = np.select([typ == "bogo", typ == "spend_get"], [rew / (diff + rew), rew / diff], default=0.0)
    offers = pd.DataFrame(
        {
            "campaign_id": _readable_ids(p),
            "type": typ,
            "depth": depth,
            "threshold": diff,
            "amount": rew,
            "channel": p["channels"].astype(str).to_numpy(),
            "targets_category": False,
            "contact_cost": 0.0,
            "margin_rate": float(margin_rate),
            "duration_days": p["duration"].to_numpy(float),
            "offer_hex": p["offer_hex"].astype(str).to_numpy(),
        }
    )
    control = pd.DataFrame(
        {
            "campaign_id": ["control"],
            "type": ["control"],
            "depth": [0.0],
            "threshold": [0.0],
            "amount": [0.0],
            "channel": ["none"],
            "targets_category": [False],
            "contact_cost": [0.0],
            "margin_rate": [float(margin_rate)],
            "duration_days": [0.0],
            "offer_hex": [None],
        }
    )
    cat = pd.concat([control, offers], ignore_index=True)
    cat["offer_hex"] = cat["offer_hex"].astype("string")
    return cat


def _checked_catalogue(cat: pd.DataFrame) -> pd.DataFrame:
    """The catalogue through :func:`~campaignkit.data.catalogue.validate_catalogue`, its extra columns kept."""
    checked = validate_catalogue(cat)
    extra = [c for c in cat.columns if c not in checked.columns]
    return pd.concat([checked, cat[extra].reset_index(drop=True)], axis=1)


# --------------------------------------------------------------------------------------------------- profile

_PROFILE = TableSchema(
    "starbucks_profile",
    (
        Column("person", "str"),
        Column("gender", "str", nullable=True, vocabulary=("f", "m", "o")),
        Column("age", "float", nullable=True, min_value=0.0, max_value=120.0),
        Column("income", "float", nullable=True, min_value=0.0),
        Column("became_member_on", "ts"),
    ),
    key=("person",),
    time_col="became_member_on",
)


def _member_dates(s: pd.Series) -> pd.Series:
    """``YYYYMMDD`` as ISO dates; what does not parse stays as written (the ``timestamp`` rule names it)."""
    text = s.astype("string").str.strip()
    parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    return text.where(parsed.isna(), parsed.dt.strftime("%Y-%m-%d"))


def _age_bands(age: pd.Series) -> pd.Series:
    codes = np.searchsorted(np.asarray(_AGE_EDGES), age.to_numpy(float), side="right") - 1
    labels = np.array(STARBUCKS_AGE_BANDS, dtype=object)[np.clip(codes, 0, None)]
    ok = age.notna().to_numpy() & (codes >= 0)
    return pd.Series(np.where(ok, labels, None), index=age.index).astype("string")


def _load_profile(path: Path) -> tuple[ValidationResult, int]:
    lines = read_jsonl(path)
    f = lines.frame
    require_columns(f, ["id", "age", "became_member_on"], f"not a Starbucks {path.stem} file", file=str(path))
    age = pd.to_numeric(_column(f, "age"), errors="coerce")
    placeholder = (age == AGE_PLACEHOLDER).to_numpy()
    rows = pd.DataFrame(
        {
            "person": f["id"],
            "gender": _column(f, "gender"),
            "age": _column(f, "age").astype(object).where(~placeholder, None),
            "income": _column(f, "income"),
            "became_member_on": _member_dates(f["became_member_on"]),
            "line": f["line"],
            SOURCE_FILE: f[SOURCE_FILE],
            SOURCE_ROW: f[SOURCE_ROW],
        }
    )
    window = (_MEMBER_SINCE, STARBUCKS_EPOCH - pd.Timedelta(days=1))
    res = validate(rows, _PROFILE, window=window, prior_quarantine=lines.rejected)
    return res, int(placeholder.sum())


def _customers(kept: pd.DataFrame) -> pd.DataFrame:
    member = kept["became_member_on"]
    out = pd.DataFrame(
        {
            "user_id": np.arange(len(kept), dtype="int64"),
            "person": kept["person"].astype("string"),
            "gender": kept["gender"].astype("string").str.upper(),
            "age": kept["age"].astype("float64"),
            "income": kept["income"].astype("float64"),
            "became_member_on": member,
            "tenure_days": ((STARBUCKS_EPOCH - member) / pd.Timedelta(days=1)).astype("float64"),
        }
    )
    out["age_band"] = _age_bands(out["age"])
    return out


# ------------------------------------------------------------------------------------------------ transcript


def _transcript_schema(required: tuple[str, ...]) -> TableSchema:
    """One schema per kind of event: the same columns, ``required`` ones may not be missing."""
    return TableSchema(
        "starbucks_transcript",
        (
            Column("user_id", "int"),
            Column("event", "str", vocabulary=STARBUCKS_EVENTS),
            Column("campaign_id", "str", nullable="campaign_id" not in required),
            Column("reward", "float", nullable="reward" not in required, min_value=0.0),
            Column("amount", "float", nullable="amount" not in required, min_value=0.0),
            Column("time", "int", min_value=0, max_value=HORIZON_H),
        ),
        user_col="user_id",
        campaign_col="campaign_id",
    )


_REQUIRED_BY_EVENT: dict[str, tuple[str, ...]] = {
    "transaction": ("amount",),
    "offer completed": ("campaign_id", "reward"),
    "offer received": ("campaign_id",),
    "offer viewed": ("campaign_id",),
}
"""What each event must carry; an unknown event name needs nothing more (it fails ``vocabulary``)."""


def _transcript_rows(f: pd.DataFrame, person_ids: pd.Index, offer_ids: dict[str, str]) -> pd.DataFrame:
    person = f["person"].astype("string")
    code = person_ids.get_indexer(person.fillna(""))
    offer = _column(f, "offer id").astype("string").fillna(_column(f, "offer_id").astype("string"))
    campaign = offer.map(offer_ids).fillna(
        offer
    )  # an unknown hex id stays: the unknown_campaign rule names it
    return pd.DataFrame(
        {
            "user_id": pd.array(np.where(person.isna(), None, code), dtype="Int64"),
            "event": f["event"].astype("string").str.strip().str.lower().astype("category"),
            "campaign_id": campaign.astype("category"),
            "reward": _column(f, "reward"),
            "amount": _column(f, "amount"),
            "time": f["time"],
            "person": person,
            "line": f["line"],
            SOURCE_FILE: f[SOURCE_FILE],
            SOURCE_ROW: f[SOURCE_ROW],
        }
    )


def _load_transcript(path: Path, customers: pd.DataFrame, catalogue: pd.DataFrame) -> ValidationResult:
    lines = read_jsonl(path)
    f = lines.frame
    require_columns(f, ["person", "event", "time"], f"not a Starbucks {path.stem} file", file=str(path))
    offers = catalogue.iloc[1:]
    rows = _transcript_rows(
        f, pd.Index(customers["person"]), dict(zip(offers["offer_hex"], offers["campaign_id"], strict=True))
    )
    users = customers["user_id"].to_numpy()
    parts = []
    kind = rows["event"].astype(object).to_numpy()
    known = np.isin(kind, list(_REQUIRED_BY_EVENT))
    for name, required in [*_REQUIRED_BY_EVENT.items(), (None, ())]:
        mask = ~known if name is None else kind == name
        if mask.any():
            part = rows[mask]
            checked = offers if "campaign_id" in required else None  # a missing id would fail the rule
            parts.append(validate(part, _transcript_schema(required), users=users, campaigns=checked))
    res = ValidationResult.concat(parts)
    kept = res.kept.sort_values("line", kind="stable").reset_index(drop=True)
    quarantine = pd.concat([lines.rejected, res.quarantine], ignore_index=True)
    quarantine = quarantine.sort_values("source_row", kind="stable").reset_index(drop=True)
    counts = {r: int((quarantine["rule"] == r).sum()) for r in ROW_RULES}
    return ValidationResult(
        kept, quarantine, counts, res.rows_in + len(lines.rejected), res.table, [str(path)]
    )


def _waves(received: pd.DataFrame, path: Path) -> np.ndarray:
    """Each send's wave index; a send time that is not one of :data:`WAVE_TIMES_H` is an error."""
    t = received["time"].to_numpy()
    wave = np.searchsorted(np.asarray(WAVE_TIMES_H), t)
    off = (wave >= len(WAVE_TIMES_H)) | (
        np.asarray(WAVE_TIMES_H)[np.minimum(wave, len(WAVE_TIMES_H) - 1)] != t
    )
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise SchemaError(
            "vocabulary",
            f"offer received at hour {int(t[i])}, not one of the six wave times {list(WAVE_TIMES_H)}",
            file=str(path),
            column="time",
            row=int(received["line"].iloc[i]),
        )
    return wave.astype("int64")


def _event_tables(kept: pd.DataFrame, path: Path) -> dict[str, pd.DataFrame]:
    """The transcript's kept rows as events, offer events, exposures and redemptions."""
    ts = pd.DatetimeIndex(STARBUCKS_EPOCH + pd.to_timedelta(kept["time"].to_numpy(), unit="h")).as_unit("us")
    event = kept["event"].astype(object).to_numpy()
    is_tx = event == "transaction"
    tx = kept[is_tx]
    events = pd.DataFrame(
        {
            "user_id": tx["user_id"].astype("int64").to_numpy(),
            "ts": ts[is_tx],
            "event_type": pd.array(["purchase"] * len(tx), dtype="string"),
            "item_id": np.zeros(len(tx), dtype="int64"),
            "category": pd.array(["transaction"] * len(tx), dtype="string"),
            "price": tx["amount"].astype("float64").to_numpy(),
            "quantity": np.ones(len(tx), dtype="int64"),
        }
    )
    is_offer = np.isin(event, list(_OFFER_EVENTS))
    ev = kept[is_offer]
    offer_events = pd.DataFrame(
        {
            "user_id": ev["user_id"].astype("int64").to_numpy(),
            "ts": ts[is_offer],
            "event": pd.array(ev["event"].astype(object).map(_OFFER_EVENTS), dtype="string"),
            "campaign_id": pd.array(ev["campaign_id"].astype(object), dtype="string"),
            "reward": ev["reward"].astype("float64").to_numpy(),
            "time_h": ev["time"].astype("int64").to_numpy(),
        }
    )
    is_rec = event == "offer received"
    rec = kept[is_rec]
    exposures = pd.DataFrame(
        {
            "user_id": rec["user_id"].astype("int64").to_numpy(),
            "campaign_id": pd.array(rec["campaign_id"].astype(object), dtype="string"),
            "sent_at": ts[is_rec],
            "wave": _waves(rec, path),
        }
    )
    done = offer_events[(offer_events["event"] == "completed").to_numpy()]
    redemptions = done[["user_id", "campaign_id", "ts", "reward"]].reset_index(drop=True)
    return {
        "events": events,
        "offer_events": offer_events,
        "exposures": exposures,
        "redemptions": redemptions,
    }


def load_starbucks(path=None) -> StarbucksData:
    """Load the Starbucks offers data: customers, events, offer events, exposures, redemptions, catalogue.

    Args:
        path: The folder holding ``portfolio.json``, ``profile.json``, ``transcript.json``; default
            ``$CAMPAIGNKIT_DATA_HOME/starbucks``. Nothing is downloaded (no stable public address).

    Returns:
        A :class:`StarbucksData` (validation per file, checksums, the tables; see the module notes).

    Raises:
        DataNotFoundError: A file is missing (the message says where to put them).
        SchemaError: A file holds no record or lacks a field every record needs, or an offer was sent at an
            hour that is not one of the six wave times.
    """
    folder = starbucks_path(path)
    files = {k: folder / f for k, f in STARBUCKS_FILES.items()}
    portfolio = _load_portfolio(files["portfolio"])
    catalogue = _checked_catalogue(starbucks_catalogue(portfolio.kept))
    profile, placeholders = _load_profile(files["profile"])
    customers = _customers(profile.kept)
    transcript = _load_transcript(files["transcript"], customers, catalogue)
    tables = _event_tables(transcript.kept, files["transcript"])
    validation = {"portfolio": portfolio, "profile": profile, "transcript": transcript}
    blank = {k: int((v.quarantine["reason"] == "blank line").sum()) for k, v in validation.items()}
    return StarbucksData(
        customers=customers,
        catalogue=catalogue,
        validation=validation,
        sha256={k: sha256_file(p) for k, p in files.items()},
        path=folder,
        blank_lines=blank,
        placeholders=placeholders,
        **tables,
    )
