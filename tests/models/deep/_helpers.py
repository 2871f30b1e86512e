"""Small deep-model settings the deep tests share."""

from __future__ import annotations

from campaignkit.models.deep import Architecture

SMALL = dict(d_model=16, n_heads=2, n_layers=1, batch_size=32, progress_bar=False)
TINY = Architecture(d_model=16, n_heads=2, n_layers=1, dropout=0.1)
"""A tiny network's architecture (dropout 0.1, the old net default), for tests that build one."""
