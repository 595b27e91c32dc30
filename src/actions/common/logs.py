"""Keeping third-party libraries quiet where the product reports the problem itself."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def muted(name: str) -> Iterator[None]:
    """No records from logger ``name`` (and its children) while the block runs.

    Libraries such as Apprise log what they refuse (a URL with its token). The product already
    says what is wrong in one line; once Prefect has configured logging (every flow run) those
    records would reach stderr as extra lines, and secrets with them.
    """
    # A level, not ``logger.disabled``: a library's child loggers inherit the level but not the
    # disabled flag.
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)
