"""Visible long work: a tqdm bar where someone watches, a compact line per step where output is logged.

One helper for every long step of the kit (world generation, loading, features, sequences, training, scoring,
assignment), so each says the same thing the same way:

- :func:`steps` wraps an iterable: a tqdm bar in a terminal or a live notebook, and in a log (``make run >
  log``, a papermill-executed notebook) a line per step at most every ``every`` seconds, plus the last one:
  ``features: 3/10 chunks (30%), 2.1 s``.
- :func:`step_line` prints one such line (to stderr, flushed, so logs show it while the work runs).
- :class:`EpochLine` is a Lightning callback that prints one line per epoch with the losses:
  ``fine-tune 1/3: epoch 2/6 · train/loss 0.412 · val/loss 0.433 · 1.3 s``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

from tqdm.auto import tqdm

__all__ = ["REPORT_ENV", "EpochLine", "interactive", "step_line", "steps"]


REPORT_ENV = "CAMPAIGNKIT_REPORT"
"""Set by ``campaignkit report`` for its kernels: their output is a document, so no live bars there."""


def interactive() -> bool:
    """True in a terminal (stderr is a TTY) or a live Jupyter kernel; False in logs and report runs."""
    if os.environ.get(REPORT_ENV):
        return False
    try:
        from IPython import get_ipython

        if type(get_ipython()).__name__ == "ZMQInteractiveShell":
            return True
    except ImportError:  # pragma: no cover - IPython ships with the kit
        pass
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def step_line(text: str) -> None:
    """Print one progress line to stderr, flushed (a log shows it while the work runs)."""
    print(text, file=sys.stderr, flush=True)


def steps(
    iterable: Iterable,
    desc: str,
    *,
    total: int | None = None,
    unit: str = "it",
    progress: bool | None = None,
    every: float = 10.0,
) -> Iterator:
    """Iterate with visible progress.

    Args:
        iterable: The work, one item per step.
        desc: What is running (``"world"``, ``"features"``).
        total: Number of steps when ``iterable`` has no length.
        unit: Name of a step (``"chunk"``, ``"user"``).
        progress: True: always show; False: never; None: a bar when :func:`interactive`, else lines.
        every: Least seconds between two lines (the first and last step always print).

    Yields:
        The items of ``iterable``.
    """
    if progress is False:
        yield from iterable
        return
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    if progress or interactive():
        yield from tqdm(iterable, desc=desc, total=total, unit=unit, leave=False)
        return
    t0 = last = time.perf_counter()
    i = 0
    for i, item in enumerate(iterable, 1):
        yield item
        now = time.perf_counter()
        if i == 1 or now - last >= every or (total is not None and i == total):
            share = f" ({i / total:.0%})" if total else ""
            step_line(f"{desc}: {i}{'/' + str(total) if total else ''} {unit}s{share}, {now - t0:.1f} s")
            last = now


def _fmt(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


try:  # Lightning is a dependency of the kit, but keep this module importable without it
    from pytorch_lightning import Callback as _Callback
except ImportError:  # pragma: no cover
    _Callback = object


class EpochLine(_Callback):
    """Lightning callback: one compact line per finished epoch, with the logged losses.

    Args:
        label: Names the fit, e.g. ``"pre-train"`` or ``"fine-tune 2/3"``.
        keys: Logged metrics to show, in order, when present.
    """

    def __init__(self, label: str = "fit", keys: tuple[str, ...] = ("train/loss", "val/loss")):
        super().__init__()
        self.label, self.keys, self._t0 = label, keys, None

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._t0 = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:  # validation has run by now
        if not getattr(trainer, "sanity_checking", False):
            self._line(trainer)

    def _line(self, trainer) -> None:
        metrics = trainer.callback_metrics
        parts = [f"{k} {_fmt(metrics[k])}" for k in self.keys if k in metrics]
        took = "" if self._t0 is None else f" · {time.perf_counter() - self._t0:.1f} s"
        step_line(
            f"{self.label}: epoch {trainer.current_epoch + 1}/{trainer.max_epochs}"
            + "".join(f" · {p}" for p in parts)
            + took
        )
