"""Helpers the top-level tests share: small notebooks written to a folder."""

from __future__ import annotations

import nbformat


def write_notebook(path, params_src, body_src, title="# t", extra=()):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_markdown_cell(title), p, nbformat.v4.new_code_cell(body_src)]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in extra]
    nbformat.write(nb, str(path))


def write_notebook_cells(path, params_src, *cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params_src)
    p.metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_markdown_cell("# t"), p] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(path))
