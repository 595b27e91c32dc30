"""Rate limiting: ``delivery.rate_per_second`` sends per channel (a scheme and host)."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """At most ``rate`` sends per second per channel (0 = unlimited)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.next_free: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        if not self.interval:
            return
        now = self.clock()
        ready = self.next_free.get(channel, now)
        if ready > now:
            time.sleep(ready - now)
        self.next_free[channel] = max(ready, now) + self.interval
