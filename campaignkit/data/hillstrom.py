"""The Hillstrom (MineThatData) e-mail RCT: find, verify, load and map to the canonical tables.

64,000 customers who bought in the last twelve months were randomised, a third each, to a men's
merchandise e-mail, a women's merchandise e-mail, or no e-mail; visits, conversions and spend were
recorded in the two weeks after. The file is public; the kit never commits it. :func:`load_hillstrom`
looks for it in this order: an explicit ``path``; ``$CAMPAIGNKIT_DATA_HOME/hillstrom.csv``
(:func:`campaignkit.config.data_home`); a download from the MineThatData address with the SHA-256
checked and an atomic write (when a network is there); else a :class:`~campaignkit.errors.DataNotFoundError`
that says where to put the file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from campaignkit._helpers import sha256_file
from campaignkit.config import data_home
from campaignkit.data._checks import require_columns
from campaignkit.data.catalogue import DEFAULT_MARGIN_RATE
from campaignkit.data.loaders import read_table
from campaignkit.data.schema import Column, TableSchema
from campaignkit.data.validate import ValidationResult, validate
from campaignkit.errors import CampaignkitError, DataNotFoundError, SchemaError
from campaignkit.metrics import difference_in_means

__all__ = [
    "HILLSTROM_URL",
    "HILLSTROM_SHA256",
    "HILLSTROM_FILENAME",
    "HILLSTROM_ARMS",
    "HILLSTROM_FEATURES",
    "HillstromData",
    "hillstrom_path",
    "download_hillstrom",
    "load_hillstrom",
    "arm_effects",
]

HILLSTROM_URL = "http://www.minethatdata.com/Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"
"""Public address of the file (MineThatData blog, March 2008)."""
HILLSTROM_SHA256 = "0e5893329d8b93cefecc571777672028290ab69865718020c78c7284f291aece"
HILLSTROM_FILENAME = "hillstrom.csv"
HILLSTROM_ARMS: dict[str, str] = {
    "No E-Mail": "control",
    "Mens E-Mail": "mens_email",
    "Womens E-Mail": "womens_email",
}
"""The file's ``segment`` labels and the campaign ids the kit gives them (control first)."""
HILLSTROM_FEATURES: tuple[str, ...] = (
    "recency",
    "history",
    "mens",
    "womens",
    "newbie",
    "zip_code",
    "channel",
)
"""The customer features of the case study's protocols: the file's attributes less ``history_segment`` (a binned
copy of ``history``)."""

_USER_COLS = ["recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel"]
_OUTCOME_COLS = ["visit", "conversion", "spend"]
_REQUIRED = _USER_COLS + ["segment"] + _OUTCOME_COLS


def download_hillstrom(
    dest=None, *, url: str | None = None, sha256: str | None = None, timeout: float = 30.0
) -> Path:
    """Download the Hillstrom file, check its SHA-256 and move it into place atomically.

    Args:
        dest: Target file (default ``data_home() / "hillstrom.csv"``).
        url: Address (default :data:`HILLSTROM_URL`, read at call time).
        sha256: Expected hex digest (default :data:`HILLSTROM_SHA256`); a mismatch leaves no file behind.
        timeout: Seconds before giving up on the connection.

    Returns:
        The path written.

    Raises:
        DataNotFoundError: No network, or the address does not answer.
        CampaignkitError: The bytes do not match the checksum.
    """
    dest = Path(dest) if dest is not None else data_home() / HILLSTROM_FILENAME
    url = url or HILLSTROM_URL
    sha256 = sha256 or HILLSTROM_SHA256
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - fixed public address
            payload = resp.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DataNotFoundError(_where_to_put(dest, f"the download from {url} failed ({exc})")) from None
    digest = hashlib.sha256(payload).hexdigest()
    if digest != sha256:
        raise CampaignkitError(
            f"[checksum] the file downloaded from {url} has SHA-256 {digest}, expected "
            f"{sha256}; nothing was written to {dest}"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".hillstrom-", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)  # atomic on one filesystem: readers see the whole file or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return dest


def _where_to_put(dest: Path, why: str) -> str:
    return (
        f"Hillstrom data not found: {why}. Put the public file (SHA-256 {HILLSTROM_SHA256}) at {dest}, "
        f"or set CAMPAIGNKIT_DATA_HOME to the folder that holds {HILLSTROM_FILENAME}, or pass "
        f"load_hillstrom(path=...)."
    )


def hillstrom_path(path=None, *, download: bool = True) -> Path:
    """Find the Hillstrom file (explicit path, then the data home, then a download).

    Args:
        path: Explicit file; must exist when given.
        download: Try the public address when the file is not in the data home.

    Returns:
        Path of an existing file.

    Raises:
        DataNotFoundError: No file, and no download possible.
    """
    if path is not None:
        p = Path(path).expanduser()
        if not p.is_file():
            raise DataNotFoundError(_where_to_put(p, f"no file at {str(p)!r}"))
        return p
    home = data_home() / HILLSTROM_FILENAME
    if home.is_file():
        return home
    if not download:
        raise DataNotFoundError(_where_to_put(home, "the data home has no copy and download=False"))
    return download_hillstrom(home)


@dataclass
class HillstromData:
    """The Hillstrom RCT in canonical tables.

    Attributes:
        users: ``user_id`` (row number) and the customer attributes (``recency``, ``history_segment``,
            ``history``, ``mens``, ``womens``, ``zip_code``, ``newbie``, ``channel``).
        campaigns: The three arms as a campaign catalogue (``control`` first; the e-mails are
            category-targeted ``reminder`` contacts with no discount).
        exposures: ``user_id, campaign_id, assigned_ts`` (unknown: NaT), ``propensity`` (1/3 by design),
            ``arm`` (the file's label).
        outcomes: ``user_id, campaign_id, participated`` (= visit), ``converted`` (= conversion),
            ``revenue`` (= spend), ``retained`` (not recorded: NaN), and the original ``visit``,
            ``conversion``, ``spend``.
        validation: The validation of the exposures and outcomes (quarantine and per-rule counts).
        path: The file read.
        sha256: Its checksum; ``checksum_ok`` says whether it is the published file.
    """

    users: pd.DataFrame
    campaigns: pd.DataFrame
    exposures: pd.DataFrame
    outcomes: pd.DataFrame
    validation: ValidationResult
    path: Path
    sha256: str

    @property
    def checksum_ok(self) -> bool:
        """Whether the file read is byte-for-byte the published one."""
        return self.sha256 == HILLSTROM_SHA256

    def __len__(self) -> int:
        return len(self.exposures)

    def campaign_log(self) -> pd.DataFrame:
        """Return the log in the kit's campaign-log contract.

        Returns:
            DataFrame with ``user_id, campaign_id, propensity, target_category`` (-1: the e-mails target
            men's/women's merchandise, not a category id), ``participated, converted, revenue, retained``.
        """
        log = self.exposures[["user_id", "campaign_id", "propensity"]].merge(
            self.outcomes[["user_id", "campaign_id", "participated", "converted", "revenue", "retained"]],
            on=["user_id", "campaign_id"],
            how="inner",
            validate="one_to_one",
        )
        log.insert(3, "target_category", np.int64(-1))
        return log

    def arm_effects(self, confidence: float = 0.95) -> pd.DataFrame:
        """Difference in means of each e-mail arm against control (see :func:`arm_effects`)."""
        return arm_effects(self.campaign_log(), confidence=confidence)


def arm_effects(log: pd.DataFrame, *, control: str = "control", confidence: float = 0.95) -> pd.DataFrame:
    """Randomised effect of each arm on each outcome: difference in means with a normal interval.

    Args:
        log: Campaign log with ``campaign_id`` and the outcome columns ``participated``, ``converted``,
            ``revenue``.
        control: The control arm's id.
        confidence: Nominal coverage of the intervals.

    Returns:
        One row per (arm, outcome): ``arm, outcome, n_arm, n_control, mean_arm, mean_control, effect, se,
        ci_low, ci_high`` from :func:`~campaignkit.metrics.difference_in_means` (``ddof=1``: an arm with
        one row gets a NaN ``se`` and interval). Rates are fractions (multiply by 100 for percentage points).

    Raises:
        SchemaError: The log has no ``control`` arm.
        ParameterError: An outcome is missing or infinite, or ``confidence`` is outside (0, 1).
    """
    campaign = log["campaign_id"].to_numpy()
    is_ctl = campaign == control
    if not is_ctl.any():
        raise SchemaError("vocabulary", f"the log has no {control!r} arm", column="campaign_id")
    rows = []
    for arm in sorted(a for a in pd.unique(log["campaign_id"]) if a != control):
        is_arm = campaign == arm
        both = is_arm | is_ctl
        for outcome in ("participated", "converted", "revenue"):
            d = difference_in_means(
                log[outcome].to_numpy(float)[both], is_arm[both], confidence=confidence, ddof=1
            )
            rows.append(
                {
                    "arm": arm,
                    "outcome": outcome,
                    "n_arm": d.n_treated,
                    "n_control": d.n_control,
                    "mean_arm": d.mean_treated,
                    "mean_control": d.mean_control,
                    "effect": d.effect,
                    "se": d.se,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                }
            )
    return pd.DataFrame(rows)


_HISTORY_SEGMENTS = (
    "1) $0 - $100",
    "2) $100 - $200",
    "3) $200 - $350",
    "4) $350 - $500",
    "5) $500 - $750",
    "6) $750 - $1,000",
    "7) $1,000 +",
)
"""The file's spend-history bands (``zip_code`` spells ``Surburban`` as published; ``Suburban`` is allowed)."""

_JOINT = TableSchema(
    "hillstrom",
    (
        Column("user_id", "int"),
        Column("campaign_id", "str"),
        Column("assigned_ts", "ts", required=False, nullable=True),
        Column("propensity", "float", min_value=0.0, max_value=1.0),
        Column("participated", "int", min_value=0, max_value=1),
        Column("converted", "int", min_value=0, max_value=1),
        Column("revenue", "float", min_value=0.0),
        Column("retained", "float", required=False, nullable=True),
        # the customer's attributes: validated with the row, so none is coerced to missing or kept out of range
        Column("recency", "int", min_value=1, max_value=12),
        Column("history_segment", "str", vocabulary=_HISTORY_SEGMENTS),
        Column("history", "float", min_value=0.0),
        Column("mens", "int", min_value=0, max_value=1),
        Column("womens", "int", min_value=0, max_value=1),
        Column("zip_code", "str", vocabulary=("urban", "surburban", "suburban", "rural")),
        Column("newbie", "int", min_value=0, max_value=1),
        Column("channel", "str", vocabulary=("phone", "web", "multichannel")),
    ),
    key=("user_id",),
    user_col="user_id",
    campaign_col="campaign_id",
)
"""One Hillstrom row = one exposure joined with its outcome; validated as a whole."""


def _campaigns() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": list(HILLSTROM_ARMS.values()),
            "type": ["control", "reminder", "reminder"],
            "depth": [0.0, 0.0, 0.0],
            "threshold": [0.0, 0.0, 0.0],
            "channel": ["none", "email", "email"],
            "targets_category": [False, True, True],
            "contact_cost": [0.0, 0.0, 0.0],
            "margin_rate": DEFAULT_MARGIN_RATE,  # the kit's margin, stated: Hillstrom gives none
        }
    )


def load_hillstrom(path=None, *, download: bool = True) -> HillstromData:
    """Load the Hillstrom e-mail RCT as users, campaigns, exposures and outcomes.

    Args:
        path: Explicit file; ``None`` looks in ``$CAMPAIGNKIT_DATA_HOME`` then downloads.
        download: Allow the download when no local copy exists.

    Returns:
        A :class:`HillstromData`.

    Raises:
        DataNotFoundError: No file and no download (the message says where to put it).
        SchemaError: The file lacks a Hillstrom column, or is not a readable CSV.
    """
    p = hillstrom_path(path, download=download)
    raw = read_table(p, fmt="csv")
    frame = raw.frame
    require_columns(frame, _REQUIRED, "not a Hillstrom file", file=str(p))
    n = len(frame)
    user_id = frame["_source_row"].astype("int64")
    arm = frame["segment"].astype("string").str.strip()
    campaign_id = arm.map(HILLSTROM_ARMS)
    rows = pd.DataFrame(
        {
            "user_id": user_id,
            "campaign_id": campaign_id.where(
                campaign_id.notna(), arm
            ),  # unknown labels fail the catalogue check
            "assigned_ts": pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]"),
            "propensity": 1.0 / len(HILLSTROM_ARMS),
            "participated": frame["visit"],
            "converted": frame["conversion"],
            "revenue": frame["spend"],
            **{c: frame[c] for c in _USER_COLS},
            "arm": arm,
            "_source_file": frame["_source_file"],
            "_source_row": frame["_source_row"],
        }
    )
    # Validate the joined exposure+outcome row once, so a row is kept or quarantined as a whole.
    res = validate(rows, _JOINT, campaigns=_campaigns(), prior_quarantine=raw.rejected)
    kept = res.kept
    # numbers come checked from the validation; text keeps the file's spelling (validation lower-cases it)
    users = kept[["user_id", "recency", "history", "mens", "womens", "newbie"]].reset_index(drop=True)
    text = frame.set_index("_source_row").loc[kept["user_id"].to_numpy()]
    for c in ("history_segment", "zip_code", "channel"):
        users[c] = pd.array(text[c].astype("string").str.strip().to_numpy(), dtype="string")
    users = users[["user_id"] + _USER_COLS]
    for c in ("recency", "mens", "womens", "newbie"):
        users[c] = users[c].astype("Int64")
    exposures = kept[["user_id", "campaign_id", "assigned_ts", "propensity", "arm"]].copy()
    exposures["campaign_id"] = exposures["campaign_id"].astype("string")
    outcomes = kept[["user_id", "campaign_id", "participated", "converted", "revenue", "retained"]].copy()
    outcomes["campaign_id"] = outcomes["campaign_id"].astype("string")
    outcomes["visit"] = outcomes["participated"]
    outcomes["conversion"] = outcomes["converted"]
    outcomes["spend"] = outcomes["revenue"]
    if len(kept) + len(res.quarantine) != n + len(raw.rejected):  # pragma: no cover - guarded by validate
        raise CampaignkitError("Hillstrom load lost rows")
    return HillstromData(users, _campaigns(), exposures, outcomes, res, p, sha256_file(p))
