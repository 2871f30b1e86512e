"""Property tests: generated malformed tables through every public loader and the validator (issue 17).

Each example builds a table *and its truth*: how many records the file holds (counted here, from what was
generated, never from the loader) and, per record, either the canonical values it must load as or the fact
that one of its fields breaks a rule. The only outcomes allowed are

* a :class:`~campaignkit.errors.CampaignkitError` that names the rule, the file and (for a column fault)
  the column, or
* a load where ``rows_in`` equals the true record count, ``rows_in = kept + quarantined``, every record
  that breaks a rule is quarantined, every valid record is kept, and every kept row holds exactly the
  values written (no id rounded, no time shifted, no category turned missing).

The number of examples tried is printed per test (``pytest -s``) and summed in ``CASES_TRIED``; the
default suite runs a few hundred, ``-m slow`` thousands.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaignkit.data.hillstrom import load_hillstrom
from campaignkit.data.loaders import load_events
from campaignkit.data.retailrocket import load_retailrocket
from campaignkit.data.schema import EVENT_TYPES
from campaignkit.data.validate import validate
from campaignkit.errors import CampaignkitError

CASES_TRIED: dict[str, int] = {}
BAD = object()  # a field that breaks a rule: its record must be quarantined
COLUMNS = ["user_id", "ts", "event_type", "item_id", "category", "price", "quantity"]
BASE = pd.Timestamp("2024-03-01T00:00:00", tz="UTC")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
SLOW = settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))


def _count(name: str) -> None:
    CASES_TRIED[name] = CASES_TRIED.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _report_cases():
    yield
    print(f"\nmalformed cases tried: {CASES_TRIED} (total {sum(CASES_TRIED.values())})")


# ---------------------------------------------------------------------------------------------- fields
# Each strategy draws (text as written, expected canonical value or BAD).
NULL_TEXT = ("NA", "N/A", "NULL", "null", "None")  # read as missing, by the loaders' documented convention
NON_ASCII_DIGITS = ["١٢", "۳۴", "५", "१२३", "１２", "٣.٥"]  # Arabic-Indic, Persian, Devanagari, full-width


def _int_field(rid: int, base: int):
    v = base + rid  # distinct per record, so valid rows never repeat one another
    good = st.sampled_from([str(v), f" {v} ", f"+{v}", f"000{v}", f"{v}.0", f"{v}.000", f"{v}e0"]).map(
        lambda t: (t, v)
    )
    bad = st.sampled_from(
        [
            f"{v}.5",
            f"{v}.0000001",
            "1e-3",
            "",
            "   ",
            "abc",
            "1e400",
            "NaN",
            "99999999999999999999",
            "18446744073709551615",
            "0x10",
            "1_000",
            *NON_ASCII_DIGITS,
        ]
    ).map(lambda t: (t, BAD))
    return st.one_of(good, good, good, bad)


def _ts_field(style: str):
    """Draw (text, expected UTC time or BAD, kind): kind 'zoned' (a valid offset), 'naive' or 'bad'."""

    @st.composite
    def draw(d):
        secs = d(st.integers(0, 200 * 86400))
        t = BASE + pd.Timedelta(seconds=secs)
        if d(st.integers(0, 6)) == 0:
            return (
                d(
                    st.sampled_from(
                        [
                            "",
                            "2024-13-45T25:61:00Z",
                            "yesterday",
                            "1e12",
                            "inf",
                            "2024-02-30T10:00:00+01:00",
                            "٢٠٢٤-٠١-٠١",
                        ]
                    )
                ),
                BAD,
                "bad",
            )
        if style == "offset" and d(st.integers(0, 8)) > 0:
            h = d(st.integers(-11, 13))
            local = t + pd.Timedelta(hours=h)
            sign = "+" if h >= 0 else "-"
            off = d(st.sampled_from(["Z"] if h == 0 else [f"{sign}{abs(h):02d}:00", f"{sign}{abs(h):02d}00"]))
            return local.strftime("%Y-%m-%dT%H:%M:%S") + off, t, "zoned"
        if style != "naive" and d(st.booleans()):  # a date alone: midnight, no offset
            return t.strftime("%Y-%m-%d"), t.normalize(), "naive"
        sep = d(st.sampled_from(["T", " "]))
        return t.strftime(f"%Y-%m-%d{sep}%H:%M:%S"), t, "naive"

    return draw()


EVENT_FIELD = st.one_of(
    st.sampled_from(EVENT_TYPES).flatmap(
        lambda e: st.sampled_from([e, e.upper(), f" {e.title()} "]).map(lambda t, e=e: (t, e))
    ),
    st.sampled_from(["click", "", "views", "VIEW!"]).map(lambda t: (t, BAD)),
)
CATEGORY_FIELD = st.one_of(
    st.sampled_from(
        [
            "shoes",
            "bags",
            "Schuhe & Taschen",
            "鞋",
            "a,b",
            'say "hi"',
            "x" * 3000,
            "١٢",
            "00123",
            "+5",
            "nan",
            "NULL",
            "2024-01-01",
            "line\nbreak",
        ]
    ).map(lambda t: (t, None if t in NULL_TEXT else t.strip())),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20)
    .filter(lambda t: t.strip() not in ("", *NULL_TEXT))
    .map(lambda t: (t, t.strip())),
    st.just(("", None)),
)
PRICE_FIELD = st.one_of(
    st.sampled_from(
        [
            ("19.99", 19.99),
            ("0", 0.0),
            (" 5 ", 5.0),
            ("1e2", 100.0),
            ("0.000001", 1e-6),
            ("12345678.5", 12345678.5),
        ]
    ),
    st.sampled_from(["", "-1", "-0.01", "NaN", "inf", "-Infinity", "1e400", "abc", "5,00", "$5", "١٫٥"]).map(
        lambda t: (t, BAD)
    ),
)
QTY_FIELD = st.one_of(
    st.sampled_from([("1", 1), ("2", 2), (" 3", 3), ("4.0", 4)]),
    st.sampled_from(["0", "-1", "1.5", "", "two", "٢"]).map(lambda t: (t, BAD)),
)


@dataclass
class Table:
    """Generated records (fields as text), what each must load as (None: quarantined), and the file."""

    header: list[str]
    records: list[list[str]]
    expect: list[dict | None]


@st.composite
def event_tables(draw, max_rows: int = 10) -> Table:
    n = draw(st.integers(0, max_rows))
    style = draw(st.sampled_from(["offset", "naive", "date"]))
    records, expect, ts_kind = [], [], []
    for rid in range(n):
        shape = draw(st.integers(0, 19))
        if shape == 0:  # a row with a field too many or too few: 'field_count'
            extra = draw(st.booleans())
            records.append(
                ["1", "2024-01-01T00:00:00Z", "view", "1", "c", "1"] + (["1", "x"] if extra else [])
            )
            expect.append(None)
            ts_kind.append("unread")
            continue
        if shape == 1:  # the header again (files concatenated with their headers): 'repeated_header'
            records.append(list(COLUMNS))
            expect.append(None)
            ts_kind.append("bad")
            continue
        ts_text, ts_value, kind = draw(_ts_field(style))
        fields = {
            "user_id": draw(_int_field(rid, 1000)),
            "ts": (ts_text, ts_value),
            "event_type": draw(EVENT_FIELD),
            "item_id": draw(_int_field(rid, 5_000_000_000_000_000)),  # above 2**53: no float round trip
            "category": draw(CATEGORY_FIELD),
            "price": draw(PRICE_FIELD),
            "quantity": draw(QTY_FIELD),
        }
        records.append([fields[c][0] for c in COLUMNS])
        bad = any(v is BAD for _, v in fields.values())
        expect.append(None if bad else {c: v for c, (_, v) in fields.items()})
        ts_kind.append(kind)
    if "zoned" in ts_kind:  # a time without offset in a file whose other times carry one: 'timezone'
        expect = [None if k == "naive" else e for e, k in zip(expect, ts_kind, strict=True)]
    return Table(list(COLUMNS), records, expect)


@st.composite
def csv_bytes(draw, table: Table) -> tuple[bytes, dict, str]:
    """Serialise ``table`` with a drawn dialect; returns (bytes, loader keywords, file suffix)."""
    delim = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, quoting=quoting, lineterminator=end)
    w.writerow(table.header)
    body = []
    for rec in table.records:
        line = io.StringIO()
        csv.writer(line, delimiter=delim, quoting=quoting, lineterminator=end).writerow(rec)
        body.append(line.getvalue())
        if draw(st.integers(0, 9)) == 0:  # blank or whitespace-only lines are not records
            body.append(draw(st.sampled_from(["", " ", "\t", "   "])) + end)
    lead = draw(st.sampled_from(["", end, " " + end, "\t" + end + end]))
    text = lead + buf.getvalue() + "".join(body)
    if table.records and draw(st.booleans()):
        text = text[: -len(end)]  # no newline after the last record
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        enc, data = "utf-8", text.encode("utf-8")
    kw = {"sep": delim}
    if enc in ("utf-16", "latin-1"):
        kw["encoding"] = enc
    suffix = ".csv"
    if draw(st.booleans()):
        data, suffix = gzip.compress(data), ".csv.gz"
    return data, kw, suffix


# ---------------------------------------------------------------------------------------------- checks
def _assert_named(err: CampaignkitError, path) -> None:
    """A raised error names its rule (``[rule]``) and file; a column fault names the column."""
    text = str(err)
    assert text.startswith("[") and "]" in text, text
    rule = getattr(err, "rule", None) or text[1 : text.index("]")]
    assert rule and f"[{rule}]" in text
    assert str(path) in text, text
    if getattr(err, "column", None) is not None:
        assert repr(err.column) in text


def _same(got, want, column: str) -> bool:
    if want is None:
        return got is None or got is pd.NA or (isinstance(got, float) and math.isnan(got))
    if column == "price":
        return math.isclose(float(got), want, rel_tol=1e-12, abs_tol=0)
    if column == "ts":
        return pd.Timestamp(got) == want
    if column == "category":
        return str(got) == str(want)
    return got == want


def _check_result(res, expect: list[dict | None], path) -> None:
    n = len(expect)
    assert res.rows_in == n, f"rows_in {res.rows_in} but the file holds {n} records"
    assert res.rows_kept + res.rows_quarantined == n
    q = res.quarantine
    assert q["source_row"].is_unique and set(q["source_row"]) <= set(range(n))
    assert q["rule"].notna().all() and q["reason"].map(lambda r: isinstance(r, str) and r != "").all()
    bad_rows = {i for i, e in enumerate(expect) if e is None}
    assert set(q["source_row"]) == bad_rows, (sorted(set(q["source_row"]) ^ bad_rows), q[["rule", "reason"]])
    kept = res.kept
    assert list(kept.columns[:7]) == COLUMNS
    assert str(kept["user_id"].dtype) == "int64" and str(kept["item_id"].dtype) == "int64"
    assert str(kept["ts"].dtype).startswith("datetime64") and str(kept["ts"].dt.tz) == "UTC"
    assert kept["event_type"].isin(EVENT_TYPES).all()
    assert (kept["price"] >= 0).all() and np.isfinite(kept["price"]).all() and (kept["quantity"] >= 1).all()
    want = [e for e in expect if e is not None]
    assert len(kept) == len(want)
    for i, e in enumerate(want):  # kept rows keep file order
        row = kept.iloc[i]
        for c in COLUMNS:
            assert _same(row[c], e[c], c), (c, row[c], e[c])


# ---------------------------------------------------------------------------------------------- tests
def _csv_case(data, tmp_path_factory) -> None:
    table = data.draw(event_tables())
    raw, kw, suffix = data.draw(csv_bytes(table))
    path = tmp_path_factory.mktemp("csv") / f"events{suffix}"
    path.write_bytes(raw)
    _count("csv_events")
    try:
        res = load_events(path, **kw)
    except CampaignkitError as err:
        _assert_named(err, path)
        # the only file-level faults a well-formed generated file may raise: nothing but a header
        assert not table.records or err.rule in ("encoding",), err
        return
    _check_result(res, table.expect, path)


@FAST
@given(data=st.data())
def test_csv_events_property(data, tmp_path_factory):
    _csv_case(data, tmp_path_factory)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_csv_events_property_many(data, tmp_path_factory):
    _csv_case(data, tmp_path_factory)


# ---------------------------------------------------------------------------------------------- Parquet
# Each column draws one Arrow type for the file, then (value, expected or BAD) per row.
def _pq_int(kind: str, v: int):
    if kind == "int64":
        return st.just((v, v))
    if kind == "uint64":
        return st.sampled_from([(v, v), (v, v), (2**63, BAD), (2**64 - 1, BAD)])
    if kind == "float64":
        return st.sampled_from(
            [
                (float(v), v if v < 2**53 else BAD),
                (v + 0.5, BAD),
                (float("nan"), BAD),
                (float("inf"), BAD),
                (float(2**60), BAD),
            ]
        )
    return _int_field(0, v)  # string: the CSV spellings


def _pq_ts(kind: str, secs: int):
    t = BASE + pd.Timedelta(seconds=secs)
    if kind == "timestamp_utc":
        return st.sampled_from([(t, t), (None, BAD)])
    if kind == "timestamp_naive":
        return st.just((t.tz_localize(None), t))
    if kind == "int_s":
        return st.sampled_from([(int(t.timestamp()), t), (10**15, BAD), (-(10**15), BAD)])
    if kind == "float_s":
        return st.sampled_from(
            [(float(t.timestamp()), t), (float("inf"), BAD), (float("nan"), BAD), (1e300, BAD)]
        )
    return st.sampled_from([(t.strftime("%Y-%m-%dT%H:%M:%SZ"), t), ("2024-02-30T00:00:00Z", BAD)])


def _pq_category(kind: str, rid: int):
    if kind == "int64":
        return st.sampled_from([(rid, rid), (2**62 + rid, 2**62 + rid), (None, None)])
    if kind == "float64":
        return st.sampled_from([(3.0, "3.0"), (0.5, "0.5"), (float("nan"), None)])
    if kind == "null":
        return st.just((None, None))
    return CATEGORY_FIELD


def _pq_price(kind: str):
    if kind == "float64":
        return st.sampled_from(
            [(19.99, 19.99), (0.0, 0.0), (float("nan"), BAD), (float("inf"), BAD), (-1.0, BAD)]
        )
    if kind == "float32":
        return st.sampled_from([(0.5, 0.5), (2.25, 2.25), (-2.0, BAD)])
    if kind == "int64":
        return st.sampled_from([(5, 5.0), (-5, BAD)])
    return PRICE_FIELD


def _pq_qty(kind: str):
    if kind in ("int64", "int32", "uint8"):
        return st.sampled_from([(1, 1), (3, 3), (0, BAD)])
    if kind == "float64":
        return st.sampled_from([(1.0, 1), (1.5, BAD), (float("nan"), BAD)])
    return QTY_FIELD


_ARROW = {
    "int64": pa.int64(),
    "uint64": pa.uint64(),
    "float64": pa.float64(),
    "float32": pa.float32(),
    "int32": pa.int32(),
    "uint8": pa.uint8(),
    "string": pa.string(),
    "null": pa.null(),
    "timestamp_utc": pa.timestamp("us", tz="UTC"),
    "timestamp_naive": pa.timestamp("ns"),
    "int_s": pa.int64(),
    "float_s": pa.float64(),
    "dictionary": pa.dictionary(pa.int32(), pa.string()),
}


@st.composite
def parquet_tables(draw, max_rows: int = 8):
    """Draw (arrow table, expected per row, whether a column name is duplicated)."""
    n = draw(st.integers(0, max_rows))
    kinds = {
        "user_id": draw(st.sampled_from(["int64", "uint64", "float64", "string"])),
        "ts": draw(st.sampled_from(["timestamp_utc", "timestamp_naive", "int_s", "float_s", "string"])),
        "event_type": draw(st.sampled_from(["string", "dictionary"])),
        "item_id": draw(st.sampled_from(["int64", "uint64", "float64", "string"])),
        "category": draw(st.sampled_from(["int64", "float64", "null", "string"])),
        "price": draw(st.sampled_from(["float64", "float32", "int64", "string"])),
        "quantity": draw(st.sampled_from(["int64", "int32", "uint8", "float64", "string"])),
    }
    cols = {c: [] for c in COLUMNS}
    expect = []
    for rid in range(n):
        secs = draw(st.integers(0, 200 * 86400))
        cells = {
            "user_id": draw(_pq_int(kinds["user_id"], 1000 + rid)),
            "ts": draw(_pq_ts(kinds["ts"], secs)),
            "event_type": draw(EVENT_FIELD),
            "item_id": draw(_pq_int(kinds["item_id"], 2**40 + rid)),
            "category": draw(_pq_category(kinds["category"], rid)),
            "price": draw(_pq_price(kinds["price"])),
            "quantity": draw(_pq_qty(kinds["quantity"])),
        }
        for c in COLUMNS:
            cols[c].append(cells[c][0])
        bad = any(v is BAD for _, v in cells.values())
        expect.append(None if bad else {c: v for c, (_, v) in cells.items()})
    arrays = []
    for c in COLUMNS:
        typ = _ARROW[kinds[c]]
        if pa.types.is_dictionary(typ):
            arrays.append(pa.array(cols[c], pa.string()).dictionary_encode())
        else:
            arrays.append(pa.array(cols[c], typ, from_pandas=True) if cols[c] else pa.array([], typ))
    names = list(COLUMNS)
    dup = draw(st.integers(0, 9)) == 0
    if dup:
        arrays.append(arrays[5])
        names.append("price")
    return pa.Table.from_arrays(arrays, names=names), expect, dup


def _parquet_case(data, tmp_path_factory) -> None:
    table, expect, dup = data.draw(parquet_tables())
    path = tmp_path_factory.mktemp("pq") / "events.parquet"
    pq.write_table(table, path)
    _count("parquet_events")
    try:
        res = load_events(path, ts_unit="s")
    except CampaignkitError as err:
        _assert_named(err, path)
        assert dup and err.rule == "duplicate_column" and err.column == "price", err
        return
    assert not dup, "a duplicated column name was read without an error"
    _check_result(res, expect, path)
    # the validator alone, on the same rows in memory: the same verdicts
    _count("validate_frame")
    frame = table.to_pandas(types_mapper=lambda t: pd.Int64Dtype() if pa.types.is_signed_integer(t) else None)
    _check_result(validate(frame, "events", source_file="mem", ts_unit="s"), expect, "mem")


@FAST
@given(data=st.data())
def test_parquet_events_and_validator_property(data, tmp_path_factory):
    _parquet_case(data, tmp_path_factory)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_parquet_events_and_validator_property_many(data, tmp_path_factory):
    _parquet_case(data, tmp_path_factory)


# ---------------------------------------------------------------------------------------------- Hillstrom
HILLSTROM_HEADER = [
    "recency",
    "history_segment",
    "history",
    "mens",
    "womens",
    "zip_code",
    "newbie",
    "channel",
    "segment",
    "visit",
    "conversion",
    "spend",
]
_SEGMENTS = [
    "1) $0 - $100",
    "2) $100 - $200",
    "3) $200 - $350",
    "4) $350 - $500",
    "5) $500 - $750",
    "6) $750 - $1,000",
    "7) $1,000 +",
]


def _choice(good: list, bad: list):
    return st.one_of(
        st.sampled_from(good).map(lambda g: (g[0], g[1])),
        st.sampled_from(good).map(lambda g: (g[0], g[1])),
        st.sampled_from(bad).map(lambda t: (t, BAD)),
    )


_BIT = _choice([("0", 0), ("1", 1), (" 1 ", 1), ("1.0", 1)], ["2", "-1", "", "x", "0.5", "١"])
HILLSTROM_FIELDS = {
    "recency": _choice([(str(r), r) for r in range(1, 13)], ["0", "13", "1.5", "", "abc", "١", "1e400"]),
    "history_segment": _choice([(s, s) for s in _SEGMENTS], ["8) lots", "", "$100"]),
    "history": _choice([("142.44", 142.44), ("0", 0.0), ("29.99", 29.99)], ["-1", "inf", "NaN", "", "cheap"]),
    "mens": _BIT,
    "womens": _BIT,
    "newbie": _BIT,
    "zip_code": _choice(
        [("Urban", "Urban"), ("Surburban", "Surburban"), ("rural", "rural"), ("Suburban", "Suburban")],
        ["Mars", "", "Urban2"],
    ),
    "channel": _choice([("Phone", "Phone"), ("Web", "Web"), ("Multichannel", "Multichannel")], ["Fax", ""]),
    "segment": _choice(
        [("Mens E-Mail", "mens_email"), ("Womens E-Mail", "womens_email"), ("No E-Mail", "control")],
        ["Other E-Mail", "", "SMS"],
    ),
    "visit": _BIT,
    "conversion": _BIT,
    "spend": _choice([("0", 0.0), ("29.99", 29.99)], ["-1", "inf", "", "$5"]),
}


def _hillstrom_case(data, tmp_path_factory) -> None:
    n = data.draw(st.integers(0, 8))
    rows, expect = [], []
    for _ in range(n):
        cells = {c: data.draw(HILLSTROM_FIELDS[c]) for c in HILLSTROM_HEADER}
        rows.append([cells[c][0] for c in HILLSTROM_HEADER])
        expect.append(
            None if any(v is BAD for _, v in cells.values()) else {c: v for c, (_, v) in cells.items()}
        )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=data.draw(st.sampled_from(["\n", "\r\n"])))
    w.writerow(HILLSTROM_HEADER)
    w.writerows(rows)
    path = tmp_path_factory.mktemp("hs") / "hillstrom.csv"
    path.write_bytes(buf.getvalue().encode(data.draw(st.sampled_from(["utf-8", "utf-8-sig"]))))
    _count("hillstrom")
    try:
        h = load_hillstrom(path, download=False)
    except CampaignkitError as err:
        _assert_named(err, path)
        raise AssertionError(f"a well-formed Hillstrom file raised: {err}") from None
    res = h.validation
    assert res.rows_in == n and res.rows_kept + res.rows_quarantined == n
    bad = {i for i, e in enumerate(expect) if e is None}
    assert set(res.quarantine["source_row"]) == bad, (bad, res.quarantine[["rule", "reason"]])
    want = [(i, e) for i, e in enumerate(expect) if e is not None]
    assert h.users["user_id"].tolist() == [i for i, _ in want]
    for (_, e), (_, u), (_, x) in zip(want, h.users.iterrows(), h.exposures.iterrows(), strict=True):
        for c in ("recency", "mens", "womens", "newbie", "history_segment", "zip_code", "channel"):
            assert u[c] == e[c], (c, u[c], e[c])
        assert math.isclose(u["history"], e["history"]) and x["campaign_id"] == e["segment"]
    out = h.outcomes
    assert out["participated"].isin([0, 1]).all() and (out["revenue"] >= 0).all()


@FAST
@given(data=st.data())
def test_hillstrom_loader_property(data, tmp_path_factory):
    _hillstrom_case(data, tmp_path_factory)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_hillstrom_loader_property_many(data, tmp_path_factory):
    _hillstrom_case(data, tmp_path_factory)


# ---------------------------------------------------------------------------------------------- RetailRocket
RR_EVENTS = {"view": "view", "addtocart": "cart", "transaction": "purchase"}


def _rr_case(data, tmp_path_factory) -> None:
    n = data.draw(st.integers(0, 8))
    rows, expect = [], []
    for rid in range(n):
        ms = data.draw(st.integers(1_430_000_000_000, 1_450_000_000_000))
        ts = data.draw(
            _choice(
                [(str(ms), pd.Timestamp(ms, unit="ms", tz="UTC"))],
                ["", "abc", "1e30", "inf", "-1e300", "١٤٣٣٢٢١٣٣٢١١٧", "1433221332117.5e30"],
            )
        )
        ev = data.draw(
            _choice(
                [(k, v) for k, v in RR_EVENTS.items()] + [("AddToCart", "cart")], ["click", "", "purchase!"]
            )
        )
        cells = {
            "timestamp": ts,
            "visitorid": data.draw(_int_field(rid, 257_000)),
            "event": ev,
            "itemid": data.draw(_int_field(rid, 355_000)),
            "transactionid": data.draw(
                st.sampled_from(
                    [("", None), ("42", None), ("1.5", None), ("abc", None), ("99999999999999999999", None)]
                )
            ),
        }
        rows.append([cells[c][0] for c in ("timestamp", "visitorid", "event", "itemid", "transactionid")])
        expect.append(
            None
            if any(v is BAD for _, v in cells.values())
            else {
                "user_id": cells["visitorid"][1],
                "ts": ts[1],
                "event_type": ev[1],
                "item_id": cells["itemid"][1],
            }
        )
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["timestamp", "visitorid", "event", "itemid", "transactionid"])
    w.writerows(rows)
    path = tmp_path_factory.mktemp("rr") / "events.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    _count("retailrocket")
    try:
        res = load_retailrocket(path)
    except CampaignkitError as err:
        _assert_named(err, path)
        raise AssertionError(f"a well-formed RetailRocket file raised: {err}") from None
    assert res.rows_in == n and res.rows_kept + res.rows_quarantined == n
    bad = {i for i, e in enumerate(expect) if e is None}
    assert set(res.quarantine["source_row"]) == bad, (bad, res.quarantine[["rule", "reason"]])
    want = [e for e in expect if e is not None]
    assert len(res.kept) == len(want)
    for e, (_, row) in zip(want, res.kept.iterrows(), strict=True):
        for c, v in e.items():
            assert _same(row[c], v, c), (c, row[c], v)
        assert row["quantity"] == 1


@FAST
@given(data=st.data())
def test_retailrocket_loader_property(data, tmp_path_factory):
    _rr_case(data, tmp_path_factory)


@pytest.mark.slow
@SLOW
@given(data=st.data())
def test_retailrocket_loader_property_many(data, tmp_path_factory):
    _rr_case(data, tmp_path_factory)
