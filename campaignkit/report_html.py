"""Notebook HTML that reads offline: maths rendered at export, no script or style from the network.

nbconvert's ``lab`` template loads MathJax, require.js and mermaid from a CDN, so without a network the
formulas of a report show as raw LaTeX. :class:`OfflineHTMLExporter` keeps the template (its CSS is inlined
already) but drops those scripts, and converts every ``$...$`` / ``$$...$$`` of the markdown cells to MathML
with ``latex2mathml`` (a pure-Python package installed with the kit), which browsers draw natively.
Tables are plain HTML either way. Widgets are not rendered (the reports have none).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
from nbconvert import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

from campaignkit._atomic import write_text

__all__ = ["OfflineHTMLExporter", "latex_to_mathml", "notebook_to_html"]

_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
<style type="text/css">math[display="block"]{display:block;margin:.6em 0;text-align:center}
.ck-latex{font-family:monospace;color:#a33}</style>
{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
_XMLNS = re.compile(r'\s+xmlns="[^"]*"')


def latex_to_mathml(tex: str, display: bool = False) -> str:
    """Render one LaTeX formula as MathML; a formula the converter cannot read stays as escaped LaTeX."""
    from latex2mathml.converter import convert

    try:
        return _XMLNS.sub("", convert(tex.strip(), display="block" if display else "inline"))
    except Exception:  # noqa: BLE001 - any parse failure: show the source rather than fail the report
        delim = "$$" if display else "$"
        return f'<code class="ck-latex">{html.escape(delim + tex + delim)}</code>'


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's markdown renderer with maths as MathML instead of text for MathJax."""

    def block_math(self, body: str) -> str:
        return latex_to_mathml(body, display=True)

    def multiline_math(self, text: str) -> str:
        return latex_to_mathml(text.strip().strip("$"), display=True)

    def latex_environment(self, name: str, body: str) -> str:
        return latex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    def inline_math(self, body: str) -> str:
        return latex_to_mathml(body)


class OfflineHTMLExporter(HTMLExporter):
    """``HTMLExporter`` (lab template) whose pages load nothing from the network."""

    def __init__(self, **kw):
        kw.setdefault("extra_loaders", [jinja2.DictLoader({"campaignkit_offline.html.j2": _TEMPLATE})])
        kw.setdefault("template_file", "campaignkit_offline.html.j2")
        super().__init__(**kw)

    @jinja2.pass_context
    def markdown2html(self, context, source) -> str:
        """Markdown to HTML with the maths converted to MathML."""
        cell = context.get("cell", {})
        renderer = _MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)


def notebook_to_html(ipynb: str | Path) -> Path:
    """Render an executed notebook to ``<same name>.html`` beside it, offline-readable; returns the path."""
    import nbformat

    ipynb = Path(ipynb)
    body, _ = OfflineHTMLExporter().from_notebook_node(nbformat.read(str(ipynb), as_version=4))
    return write_text(ipynb.with_suffix(".html"), body)
