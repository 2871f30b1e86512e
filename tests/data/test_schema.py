"""The table schemas: every design table has one."""

from __future__ import annotations

import pytest

from campaignkit.data.schema import EVENT_TYPES, EVENTS, ROW_RULES, RULES, SCHEMAS, get_schema
from campaignkit.errors import ParameterError


def test_schemas_cover_the_design_tables():
    assert set(SCHEMAS) == {"events", "users", "campaigns", "exposures", "outcomes"}
    assert EVENTS.names == ["user_id", "ts", "event_type", "item_id", "category", "price", "quantity"]
    assert EVENT_TYPES == ("view", "cart", "fav", "purchase")
    assert set(ROW_RULES) <= set(RULES)
    with pytest.raises(ParameterError):
        get_schema("nope")
