"""Pausing Python's cyclic garbage collector around bulk work.

Planning 100,000 actions creates a few hundred thousand small objects that all live until the
run ends. Each young-generation collection then walks a growing heap for cycles that do not
exist: measured at 0.7 s of a 1.7 s chase plan. Reference counting still frees everything;
only the cycle hunt waits until the bulk work is done.
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
