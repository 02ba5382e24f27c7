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

from paperboy.services.rate_limits import RateLimited  # one class for web and services


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


class SubscribeMailLimits:
    """Confirmation mails for subscriptions. Per address: 3 in an hour; per IP: 20 in an hour.

    Unlike sign-in, checking and counting are two steps: a form refused for a bad query
    sends no mail, so it must not use up the reader's allowance.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_address = SlidingWindow(3, 60 * 60, clock)
        self.per_ip = SlidingWindow(20, 60 * 60, clock)

    def check(self, address: str, ip: str) -> None:
        """RateLimited if address or ip has had too many confirmation mails; counts nothing."""
        wait = self.per_ip.wait_needed(f"ip:{ip}")
        if wait:
            raise RateLimited(
                "Too many subscriptions have been asked for from your network. "
                f"Try again in {_minutes(wait)}.",
                math.ceil(wait),
            )
        wait = self.per_address.wait_needed(f"address:{address}")
        if wait:
            raise RateLimited(
                "Several confirmation mails were sent to this address in the last hour; use the newest "
                f"one in your inbox, or try again in {_minutes(wait)}.",
                math.ceil(wait),
            )

    def record(self, address: str, ip: str) -> None:
        """Count one confirmation mail sent to address at the request of ip."""
        self.per_ip.record(f"ip:{ip}")
        self.per_address.record(f"address:{address}")
