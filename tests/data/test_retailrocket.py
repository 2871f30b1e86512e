"""The RetailRocket adapter: events, prices from the item properties, missing columns."""

from __future__ import annotations

import pandas as pd
import pytest

from campaignkit.data.retailrocket import load_retailrocket, retailrocket_categories
from campaignkit.errors import SchemaError

RR_EVENTS = (
    "timestamp,visitorid,event,itemid,transactionid\n"
    "1433221332117,257597,view,355908,\n"
    "1433224214164,992329,view,248676,\n"
    "1433221999827,111016,addtocart,318965,\n"
    "1433222276276,483625,transaction,253185,4000\n"
    "1433222276276,483625,transaction,253185,4000\n"  # exact repeat
    "1433223236124,951259,wishlist,367447,\n"  # unknown event
    "notatime,111016,view,318965,\n"  # broken timestamp
)


RR_PROPS = (
    "timestamp,itemid,property,value\n"
    "1433041200000,355908,categoryid,1173\n"
    "1435460400000,355908,categoryid,1180\n"  # later category wins
    "1433041200000,248676,categoryid,491\n"
    "1433041200000,248676,790,n1500.000\n"
)


def test_retailrocket_adapter(tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_text(RR_EVENTS)
    props = tmp_path / "item_properties_part1.csv"
    props.write_text(RR_PROPS)
    res = load_retailrocket(ev, item_properties=props)
    assert res.rows_in == 7 and res.rows_kept == 4
    assert res.quarantine.set_index("source_row")["rule"].to_dict() == {
        4: "duplicate",
        5: "vocabulary",
        6: "timestamp",
    }
    k = res.kept
    assert k["event_type"].tolist() == ["view", "view", "cart", "purchase"]
    assert k["ts"].iloc[0] == pd.Timestamp(1433221332117, unit="ms", tz="UTC")
    assert k["user_id"].tolist() == [257597, 992329, 111016, 483625]
    assert k["category"].tolist()[:2] == [1180, 491] and pd.isna(
        k["category"].iloc[2]
    )  # integer ids stay ints
    assert k["price"].isna().all() and (k["quantity"] == 1).all()
    assert k["transaction_id"].tolist()[3] == 4000 and pd.isna(k["transaction_id"].iloc[0])
    cats = retailrocket_categories(props)
    assert cats.set_index("item_id")["category"].to_dict() == {248676: "491", 355908: "1180"}


def test_retailrocket_prices_and_missing_columns(tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_text(RR_EVENTS)
    prices = pd.DataFrame(
        {"item_id": [355908, 248676, 318965, 253185, 367447], "price": [10.0, 2.5, 1.0, 3.0, 4.0]}
    )
    res = load_retailrocket(ev, prices=prices)
    assert res.kept["price"].tolist() == [10.0, 2.5, 1.0, 3.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,visitor,event,itemid\n1,2,view,3\n")
    with pytest.raises(SchemaError) as err:
        load_retailrocket(bad)
    assert err.value.column == "visitorid" and err.value.file == str(bad)


def test_repeated_price_rows_for_one_item_take_the_latest(tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_text(RR_EVENTS)
    props = pd.DataFrame(  # item-property rows: repeated price rows, same and different timestamps
        {
            "timestamp": [1, 5, 5, 1, 1, 2],
            "itemid": [355908, 355908, 355908, 248676, 248676, 318965],
            "property": ["price"] * 6,
            "value": ["9", "10", "10", "n2.500", "2.5", "1"],
        }
    )
    res = load_retailrocket(ev, prices=props)
    assert res.kept["price"].tolist() == [10.0, 2.5, 1.0]  # the purchased item has no price row
    assert res.counts["missing_value"] == 3  # 253185 twice, 367447
    plain = pd.DataFrame({"item_id": [355908, 355908, 248676], "price": [10.0, 10.0, 2.5]})
    assert load_retailrocket(ev, prices=plain).kept["price"].tolist()[:2] == [10.0, 2.5]
    clash = pd.DataFrame({"item_id": [355908, 355908], "price": [10.0, 11.0]})
    with pytest.warns(UserWarning, match=r"1 item\(s\) have several different prices .*355908.*last row"):
        res = load_retailrocket(ev, prices=clash)
    assert res.kept["price"].iloc[0] == 11.0
