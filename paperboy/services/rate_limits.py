"""Limits on how often one user, and one network address, may submit, vote and comment.

Counted in the store (table rate_event), so every web worker and machine shares the
count. Each action checks two windows: per user and per client IP. The figures are in
LIMITS and documented in docs/community.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from paperboy.domain.clock import naive_utc, utcnow
from paperboy.store import Database
from paperboy.store import rate_events as store


class RateLimited(Exception):
    """Too many requests; retry_after is how many seconds until the next one is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `count` actions in any `window`."""

    count: int
    window: timedelta


@dataclass(frozen=True)
class ActionLimits:
    """The limits of one action, and how a message names it ("submitted a paper")."""

    per_user: Limit
    per_ip: Limit
    done: str


LIMITS: dict[str, ActionLimits] = {
    "submit": ActionLimits(Limit(10, timedelta(hours=1)), Limit(30, timedelta(hours=1)), "submitted papers"),
    "vote": ActionLimits(Limit(60, timedelta(minutes=1)), Limit(300, timedelta(minutes=1)), "voted"),
    "comment": ActionLimits(Limit(10, timedelta(minutes=10)), Limit(30, timedelta(minutes=10)), "commented"),
}

# Rows older than the longest window count for nothing; every 200th row added prunes them.
_LONGEST = max(max(a.per_user.window, a.per_ip.window) for a in LIMITS.values())
_PRUNE_EVERY = 200


def check_and_record(
    target: Database | Connection, action: str, user_id: int, ip: str, now: datetime | None = None
) -> None:
    """Count one `action` by user_id from ip; RateLimited (nothing counted) if over a limit.

    Pass a Connection to count inside the caller's transaction (the count then rolls back
    with it); pass the Database to count in a transaction of its own.
    """
    if isinstance(target, Database):
        with target.transaction() as conn:
            check_and_record(conn, action, user_id, ip, now)
        return
    conn = target
    limits = LIMITS[action]
    moment = naive_utc(now) if now else utcnow()
    user_key = f"{action}:user:{user_id}"
    ip_key = f"{action}:ip:{(ip or 'unknown')[:100]}"
    wait = _wait_needed(conn, user_key, limits.per_user, moment)
    if wait:
        raise RateLimited(
            f"You have {limits.done} {limits.per_user.count} times in the last "
            f"{_duration(limits.per_user.window)}; try again in {_duration(wait)}.",
            _seconds(wait),
        )
    wait = _wait_needed(conn, ip_key, limits.per_ip, moment)
    if wait:
        raise RateLimited(
            f"Your network has {limits.done} {limits.per_ip.count} times in the last "
            f"{_duration(limits.per_ip.window)}; try again in {_duration(wait)}.",
            _seconds(wait),
        )
    new_id = store.record_events(conn, [user_key, ip_key], moment)
    if new_id % _PRUNE_EVERY < 2:  # two rows per check: ids advance by two
        store.prune_events(conn, moment - _LONGEST)


def _wait_needed(conn: Connection, key: str, limit: Limit, now: datetime) -> timedelta | None:
    """How long until one more event for key fits in the window, or None if it fits now."""
    recent = store.recent_events(conn, key, now - limit.window, limit.count)
    if len(recent) < limit.count:
        return None
    # recent is newest first: the window frees up when the limit-th newest event ages out.
    return max(recent[limit.count - 1] + limit.window - now, timedelta(seconds=1))


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def _duration(span: timedelta) -> str:
    seconds = span.total_seconds()
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = int(seconds // 3600)
        return "1 hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
