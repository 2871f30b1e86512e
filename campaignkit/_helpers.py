"""Small helpers every stage shares: the Axes a plot draws on, and the checksum of a file.

This module imports nothing from the stage packages, so any of them (``metrics`` included, which depends only
on :mod:`campaignkit.errors`) can use it. Random state goes through :func:`campaignkit.config.resolve_seed`
and :func:`campaignkit.config.resolve_rng`; atomic writes through :mod:`campaignkit._atomic`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["axes", "sha256_file"]


def axes(ax=None, figsize: tuple[float, float] = (7, 4)):
    """Return ``ax``, or the Axes of a new figure of ``figsize`` inches when ``ax`` is ``None``.

    Args:
        ax: A matplotlib Axes to draw on, or ``None``.
        figsize: Width and height of the new figure.

    Returns:
        The Axes to draw on.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def sha256_file(path: str | Path, block: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in blocks of ``block`` bytes.

    Args:
        path: The file.
        block: Bytes read at a time (the digest does not depend on it).

    Returns:
        The 64-character hex digest.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(block), b""):
            h.update(chunk)
    return h.hexdigest()
