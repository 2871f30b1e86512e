"""glue / read_glued round trip, through a real executed notebook and through hand-made JSON."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from campaignkit.notebook import GLUE_MIMETYPE, _to_jsonable, read_glued


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
