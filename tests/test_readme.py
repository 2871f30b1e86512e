"""Every ```python block of README.md and data/README.md runs as written, in order, in one namespace.

The blocks run in a temporary working folder (so ``data/world/demo`` and ``shop/`` land there, not in the
checkout) with ``CAMPAIGNKIT_README_QUICK=1``, which the README's first block reads for small sizes and
one-epoch fits. ``bash`` blocks are not run. A section added to a README is tested as soon as it is there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUICK_ENV = "CAMPAIGNKIT_README_QUICK"
READMES = ["README.md", "data/README.md"]
_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """``(first line number, code)`` of every fenced ```python block, in order."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def test_python_blocks_are_found(tmp_path):
    md = tmp_path / "x.md"
    md.write_text("a\n```python\nx = 1\n```\n```bash\nls\n```\n```python\ny = x + 1\n```\n")
    assert python_blocks(md) == [(3, "x = 1\n"), (9, "y = x + 1\n")]


@pytest.mark.parametrize("readme", READMES)
def test_readme_blocks_run(readme, tmp_path, monkeypatch):
    import campaignkit.features.store as store_module

    blocks = python_blocks(ROOT / readme)
    assert blocks, f"{readme} has no python blocks"
    monkeypatch.setenv(QUICK_ENV, "1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(store_module, "PROCESSED_DATA_DIR", tmp_path / "data" / "processed")
    namespace: dict = {"__name__": "__readme__"}
    for line, code in blocks:
        # pad so a traceback names the README's own line numbers
        compiled = compile("\n" * (line - 1) + code, str(ROOT / readme), "exec")
        try:
            exec(compiled, namespace)
        except Exception as exc:  # noqa: BLE001 - report which block failed, with the README line
            pytest.fail(f"{readme}: the python block at line {line} failed: {type(exc).__name__}: {exc}")
