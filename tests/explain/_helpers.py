"""Sizes the explanation tests share."""

from __future__ import annotations

N_USERS = 1_500
