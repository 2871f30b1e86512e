"""Write one bench's section of ``bench/README.md`` between its markers, leaving the rest as it is; and the
bookkeeping every bench shares (the code a run imports, its output flags, saving a run)."""

from __future__ import annotations

import json
import re
import subprocess
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


def git_state() -> dict:
    """The commit a run imports and any uncommitted change under ``campaignkit/`` (they run too); read it when a
    run starts, not when it ends."""

    def git(*a):
        try:
            return subprocess.run(
                ["git", *a], cwd=README.parent.parent, capture_output=True, text=True
            ).stdout.strip()
        except OSError:
            return ""

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": git("status", "--porcelain", "campaignkit"),
    }


def output_args(ap, out: Path) -> None:
    """The output flags of a bench that keeps one JSON and a README section: ``--out``, ``--no-readme``,
    ``--readme-only`` and ``--also``."""
    ap.add_argument("--out", type=Path, default=out)
    ap.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    ap.add_argument(
        "--readme-only", action="store_true", help="rewrite the README section from --out, run nothing"
    )
    ap.add_argument(
        "--also", type=Path, nargs="*", default=[], help="other runs' JSON to summarise in the README"
    )


def quick_outputs(args, default: Path) -> None:
    """Keep a ``--quick`` smoke run off the committed results: unless ``--out`` names another file, it writes
    ``<bench>_quick.json`` beside ``default`` (git-ignored), and never the README section."""
    if args.quick:
        if Path(args.out) == default:
            args.out = default.with_name(f"{default.stem}_quick{default.suffix}")
        args.no_readme = True


def save_run(result: dict, out: Path, bench: str, section: str | None) -> None:
    """Write a run's JSON to ``out`` and, unless ``section`` is None, its section of ``bench/README.md``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=float) + "\n")
    if section is not None:
        write_section(section, bench)
