"""Declared notebook parameters: types, ranges and the quick block."""

from __future__ import annotations

from campaignkit.nbparams import declared


def test_declared_types_ranges_and_quick_block(sizes_nbdir):
    spec = declared(sizes_nbdir / "00_sizes.ipynb")
    p = spec.params
    assert (p["N_USERS"].kind, p["N_USERS"].low, p["N_USERS"].high) == ("int", 1, None)
    assert (p["SHARE"].kind, p["SHARE"].low, p["SHARE"].high) == ("float", 0.0, 1.0)
    assert (p["DEPTH"].low, p["DEPTH"].high) == (1.0, 5.0)  # written in the comment
    assert p["QUICK"].kind == "bool" and p["LABEL"].kind == "str" and p["SEED"].low == 0
    assert spec.quick == {"N_USERS": 100, "SHARE": 0.25}
