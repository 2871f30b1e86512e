"""Small deep-model settings the deep tests share."""

from __future__ import annotations

SMALL = dict(d_model=16, n_heads=2, n_layers=1, batch_size=32, progress_bar=False)
