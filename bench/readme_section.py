"""Write one bench's section of ``bench/README.md`` between its markers, leaving the rest as it is."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def markers(bench: str) -> tuple[str, str]:
    """The start and end markers of ``bench``'s section."""
    return f"<!-- {bench}:start -->", f"<!-- {bench}:end -->"


def write_section(section: str, bench: str, path: Path = README) -> None:
    """Replace the text between ``bench``'s markers with ``section`` (which carries them), or append it.

    The file is read just before writing, so sections written by other benches in the meantime stay.
    """
    start, end = markers(bench)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text if text.endswith("\n") else text + "\n")
