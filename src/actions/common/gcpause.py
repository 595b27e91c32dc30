"""Pausing Python's cyclic garbage collector around bulk work.

Bulk work creates hundreds of thousands of short-lived objects, and each of the collector's
automatic passes walks the heap for cycles that mostly do not exist: measured at 0.5-1 s of a
5 s planning run of 100,000 actions. Reference counting still frees nearly everything; the
cycles that do occur (SQLAlchemy builds statements with them) are freed by
:func:`collect_young` at points the caller chooses, e.g. once per batch, so streaming work
stays flat in memory.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """``with paused_gc():`` or, around a whole function, ``@paused_gc()``."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def collect_young() -> None:
    """Free the cyclic garbage made since the last call (the youngest generation only: cheap,
    and it leaves the long-lived heap alone)."""
    gc.collect(0)
