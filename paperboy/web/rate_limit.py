"""Limits on how often sign-in mail can be asked for, per address and per client IP.

Counted in this process's memory (a sliding window): with several workers each keeps
its own count, so the effective limit is at most workers times the one below. That is
enough to stop one form being used to flood an inbox.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimited(Exception):
    """Too many requests; retry_after is how many seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_needed(self, key: str) -> float:
        """Seconds until one more event for key would be allowed (0: allowed now)."""
        now = self.clock()
        with self._lock:
            events = self._events.get(key)
            if not events:
                return 0.0
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) < self.limit:
                return 0.0
            return max(events[0] + self.window - now, 0.001)

    def record(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._events) > 100_000:  # forget keys with no recent events: memory stays bounded
                for idle in [k for k, v in self._events.items() if not v or v[-1] <= now - self.window]:
                    del self._events[idle]
            self._events.setdefault(key, deque()).append(now)


class SignInMailLimits:
    """Per address: 3 mails in 15 minutes; per IP: 10 mails in an hour."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_address = SlidingWindow(3, 15 * 60, clock)
        self.per_ip = SlidingWindow(10, 60 * 60, clock)

    def check(self, address: str, ip: str) -> None:
        """Count one sign-in mail; RateLimited (and nothing counted) if either has had too many."""
        ip_key, address_key = f"ip:{ip}", f"address:{address}"
        wait = self.per_ip.wait_needed(ip_key)
        if wait:
            raise RateLimited(
                "Too many sign-in links have been asked for from your network. "
                f"Try again in {_minutes(wait)}.",
                math.ceil(wait),
            )
        wait = self.per_address.wait_needed(address_key)
        if wait:
            raise RateLimited(
                "Several sign-in links were sent to this address in the last minutes; use the newest "
                f"one in your inbox, or try again in {_minutes(wait)}.",
                math.ceil(wait),
            )
        self.per_ip.record(ip_key)
        self.per_address.record(address_key)


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
