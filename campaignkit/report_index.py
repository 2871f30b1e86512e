"""The report's ``index.html``: a headline table and a key-figure thumbnail per notebook.

Each notebook gets a section with its title, a thumbnail of its key figure linking to its HTML, a table of its
glued metrics (description, unit and target as the ``glue`` call recorded them, values rounded for reading, a
pass or fail mark where a target exists), its run time and the parameters it ran with. The run's parameters,
git revision and package versions close the page. The page is one self-contained file: the thumbnails are
embedded as small base64 PNGs, and it loads nothing from the network.

The key figure is the first image of a cell tagged ``key-figure``; without such a tag, the last image the
notebook shows.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from campaignkit._atomic import write_text
from campaignkit.notebook import Glued

__all__ = ["KEY_FIGURE_TAG", "key_figure", "notebook_title", "thumbnail_png", "write_index"]

KEY_FIGURE_TAG = "key-figure"
THUMB_WIDTH = 360

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em 2em;color:#222;max-width:1200px}
h1{margin-bottom:.2em} h2{margin:0 0 .3em;font-size:1.25em} h2 a{color:#1a4d8f;text-decoration:none}
.meta{color:#555;font-size:.9em;margin:.3em 0} .muted{color:#999}
section.nb{border-top:1px solid #ccc;padding:1em 0}
.row{display:flex;gap:1.5em;align-items:flex-start}
.thumb img{width:THUMBpx;border:1px solid #ddd;border-radius:4px;background:#fff}
.thumb.none{width:THUMBpx;height:120px;border:1px dashed #ccc;display:flex;align-items:center;justify-content:center}
table{border-collapse:collapse;font-size:.92em}
th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f4f6f8}
.pass{color:#17803d;font-weight:600} .fail{color:#b3261e;font-weight:600}
code{font-size:.95em} ul.toc{columns:2;padding-left:1.2em}
details{margin-top:.4em} pre{background:#f7f7f7;padding:.5em;font-size:.85em;overflow-x:auto}
""".replace("THUMB", str(THUMB_WIDTH))


def _cells(ipynb: Path) -> list[dict]:
    return json.loads(Path(ipynb).read_text(encoding="utf-8")).get("cells", [])


def _heading(nb) -> str:
    """``NN · Title`` (the title's own number is not repeated)."""
    title = notebook_title(nb.ipynb) or nb.stem
    return title if title.startswith(nb.stem[:2]) else f"{nb.stem[:2]} · {title}"


def notebook_title(ipynb: str | Path) -> str | None:
    """The text of the notebook's first H1 heading (``# Title``), or None."""
    for cell in _cells(Path(ipynb)):
        if cell.get("cell_type") != "markdown":
            continue
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for line in src.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def key_figure(ipynb: str | Path) -> bytes | None:
    """The PNG bytes of a notebook's key figure, or None when it shows no image.

    Args:
        ipynb: An executed notebook.

    Returns:
        The first ``image/png`` output of a cell tagged ``key-figure``, else the last one of the notebook.
    """
    last = None
    for cell in _cells(Path(ipynb)):
        tagged = KEY_FIGURE_TAG in cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []) or []:
            png = (output.get("data") or {}).get("image/png")
            if png:
                png = "".join(png) if isinstance(png, list) else png
                if tagged:
                    return base64.b64decode(png)
                last = png
    return None if last is None else base64.b64decode(last)


def thumbnail_png(png: bytes, width: int = THUMB_WIDTH * 2) -> bytes:
    """Scale a PNG down to ``width`` pixels (twice the shown width, sharp on high-DPI screens)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        img = img.convert("RGBA") if img.mode not in ("RGB", "RGBA") else img
        if img.width > width:
            img = img.resize((width, max(1, round(img.height * width / img.width))), Image.LANCZOS)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 60 else f"{int(s // 60)} min {int(round(s % 60)):02d} s"


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _metric_row(g: Glued) -> str:
    mark = ""
    if g.passed is not None:
        mark = '<span class="pass">✓ pass</span>' if g.passed else '<span class="fail">✗ fail</span>'
    desc = _esc(g.description) if g.description else '<span class="muted">–</span>'
    unit = _esc(g.unit) if g.unit and g.unit != "share" else ("%" if g.unit == "share" else "")
    return (
        f'<tr><td><code>{_esc(g.name)}</code></td><td class="num">{_esc(g.text)}</td><td>{unit}</td>'
        f'<td>{desc}</td><td class="num">{_esc(g.target_text)}</td><td>{mark}</td></tr>'
    )


def _params(params: dict[str, Any]) -> str:
    if not params:
        return '<span class="muted">none</span>'
    return ", ".join(f"<code>{_esc(k)}={_esc(json.dumps(v, default=str))}</code>" for k, v in params.items())


def _section(nb) -> str:
    target = nb.html.name if nb.html else nb.ipynb.name
    png = key_figure(nb.ipynb)
    if png is not None:
        data = base64.b64encode(thumbnail_png(png)).decode("ascii")
        thumb = (
            f'<a class="thumb" href="{_esc(target)}"><img src="data:image/png;base64,{data}" '
            f'alt="key figure of {_esc(nb.stem)}"></a>'
        )
    else:
        thumb = f'<a class="thumb none" href="{_esc(target)}"><span class="muted">no figure</span></a>'
    records: dict[str, Glued] = nb.glued or {k: Glued(k, v) for k, v in nb.metrics.items()}
    if records:
        rows = "".join(_metric_row(g) for g in records.values())
        table = (
            '<table class="headline"><thead><tr><th>metric</th><th>value</th><th>unit</th>'
            f"<th>what it measures</th><th>target</th><th></th></tr></thead><tbody>{rows}</tbody></table>"
        )
    else:
        table = '<p class="muted">no metrics glued</p>'
    links = (
        f'<a href="{_esc(nb.html.name)}">HTML</a> · ' if nb.html else ""
    ) + f'<a href="{_esc(nb.ipynb.name)}">ipynb</a>'
    return (
        f'<section class="nb" id="{_esc(nb.stem)}"><h2><a href="{_esc(target)}">{_esc(_heading(nb))}</a></h2>'
        f'<div class="row">{thumb}<div>{table}'
        f'<p class="meta">run time {_seconds(nb.seconds)} · {links}</p>'
        f'<p class="meta">parameters: {_params(nb.parameters)}</p></div></div></section>'
    )


def write_index(result, manifest: dict[str, Any]) -> Path:
    """Write ``index.html`` into the report folder.

    Args:
        result: The :class:`~campaignkit.report.ReportResult` of the run.
        manifest: The run's manifest (created, parameters, quick, versions, git revision, seconds).

    Returns:
        The path of ``index.html``.
    """
    glued = [g for nb in result.notebooks for g in (nb.glued or {}).values()]
    judged = [g.passed for g in glued if g.passed is not None]
    n_fail = judged.count(False)
    verdict = ""
    if judged:
        cls = "fail" if n_fail else "pass"
        verdict = f' · <span class="{cls}">{len(judged) - n_fail} of {len(judged)} targets met</span>'
    total = sum(nb.seconds for nb in result.notebooks)
    toc = "".join(
        f'<li><a href="#{_esc(nb.stem)}">{_esc(_heading(nb))}</a>'
        f' <span class="muted">({len(nb.metrics)} metrics, {_seconds(nb.seconds)})</span></li>'
        for nb in result.notebooks
    )
    versions = "".join(
        f"<tr><td>{_esc(k)}</td><td>{_esc(v or '–')}</td></tr>"
        for k, v in manifest.get("versions", {}).items()
    )
    mode = "quick" if manifest.get("quick") else "full"
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>campaignkit report</title>
<style>{_CSS}</style></head><body>
<h1>campaignkit report</h1>
<p class="meta">{_esc(manifest.get("created", ""))} · {mode} run · {len(result.notebooks)} notebooks in
{_seconds(total)} · git {_esc(manifest.get("git_revision") or "–")}{verdict} ·
<a href="metrics.json">metrics.json</a> · <a href="manifest.json">manifest.json</a></p>
<ul class="toc">{toc}</ul>
{"".join(_section(nb) for nb in result.notebooks)}
<section class="nb" id="run"><h2>Run</h2>
<p class="meta">parameters given: {_params(manifest.get("parameters", {}))}</p>
<p class="meta">kernel <code>{_esc(manifest.get("kernel", ""))}</code> ·
{_esc(manifest.get("platform", {}).get("system", ""))} {_esc(manifest.get("platform", {}).get("machine", ""))}</p>
<details><summary>package versions</summary><table>{versions}</table></details></section>
</body></html>
"""
    return write_text(result.out_dir / "index.html", page)
