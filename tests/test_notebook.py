"""glue / read_glued round trip, through a real executed notebook and through hand-made JSON; format_value."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from campaignkit.notebook import (
    GLUE_MIMETYPE,
    Glued,
    _to_jsonable,
    format_value,
    glue,
    read_glued,
    read_glued_records,
)


def test_to_jsonable_converts_numpy_and_dicts():
    assert _to_jsonable(np.float32(1.5), "x") == 1.5
    assert _to_jsonable(np.int64(3), "x") == 3 and isinstance(_to_jsonable(np.int64(3), "x"), int)
    assert _to_jsonable({"a": np.float64(2.0), "b": "s"}, "d") == {"a": 2.0, "b": "s"}
    with pytest.raises(TypeError, match="glue\\('arr'\\)"):
        _to_jsonable(np.arange(3), "arr")
    with pytest.raises(ValueError, match="too large"):
        _to_jsonable({i: i for i in range(500)}, "big")


def test_read_glued_last_value_wins(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={GLUE_MIMETYPE: {"name": "a", "value": 1}}),
        nbformat.v4.new_output("display_data", data={GLUE_MIMETYPE: json.dumps({"name": "a", "value": 2})}),
        nbformat.v4.new_output("display_data", data={"text/plain": "other"}),
    ]
    nb.cells.append(cell)
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    assert read_glued(path) == {"a": 2}


def test_glue_through_a_kernel(tmp_path):
    papermill = pytest.importorskip("papermill")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("X = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells += [
        params,
        nbformat.v4.new_code_cell(
            "import numpy as np\nfrom campaignkit.notebook import glue\n"
            "glue('x', X * 2)\nglue('f', np.float64(0.25))\nglue('d', {'k': 1})"
        ),
    ]
    src, out = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, str(src))
    papermill.execute_notebook(
        str(src), str(out), parameters={"X": 21}, progress_bar=False, kernel_name="python3"
    )
    assert read_glued(out) == {"x": 42, "f": 0.25, "d": {"k": 1}}


def test_glue_keywords_round_trip(tmp_path):
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={GLUE_MIMETYPE: {"name": "a", "value": 0.5}},
            metadata={GLUE_MIMETYPE: {"description": "d", "unit": "share", "target": [0.6, None]}},
        ),
        nbformat.v4.new_output("display_data", data={GLUE_MIMETYPE: {"name": "b", "value": 3}}),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells.append(cell)
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    recs = read_glued_records(path)
    assert recs["a"] == Glued("a", 0.5, "d", "share", (0.6, None)) and recs["a"].passed is False
    assert recs["b"] == Glued("b", 3) and recs["b"].passed is None
    assert read_glued(path) == {"a": 0.5, "b": 3}
    with pytest.raises(ValueError, match="target"):
        glue("x", 1.0, target=(2, 1))


@pytest.mark.parametrize(
    "value, unit, text",
    [
        (12345, None, "12,345"),
        (0.81234, None, "0.812"),
        (0.278, "share", "27.8 %"),
        (4567.8, "$", "4,568"),
        (123.456, None, "123.5"),
        (1.2e-5, None, "1.2e-05"),
        (0.0, None, "0"),
        (True, None, "yes"),
        (7.0, None, "7"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text
