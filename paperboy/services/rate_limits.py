"""The one rate limiter: how often a member may submit, vote and comment, how often sign-in
and confirmation mail may go to one inbox, and how often one network address may do each.

Counted in the store (table rate_event), so every web worker and machine shares the
count. Each action checks two windows: per subject (a member, or an inbox) and per client
IP. A check locks its keys' rows (table rate_lock) before counting, so the check and the
count are one step: a burst of simultaneous requests cannot pass a limit. The figures are
in LIMITS and documented in docs/community.md and docs/accounts.md.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from paperboy.domain.clock import naive_utc, utcnow
from paperboy.domain.mailbox import mailbox
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
    """The limits of one action, and the refusals; {count}, {window} and {wait} are filled in."""

    per_subject: Limit
    per_ip: Limit
    subject_refusal: str
    ip_refusal: str


def _community(done: str, per_member: Limit, per_ip: Limit) -> ActionLimits:
    return ActionLimits(
        per_member,
        per_ip,
        f"You have {done} {{count}} times in the last {{window}}; try again in {{wait}}.",
        f"Your network has {done} {{count}} times in the last {{window}}; try again in {{wait}}.",
    )


HOUR = timedelta(hours=1)

LIMITS: dict[str, ActionLimits] = {
    "submit": _community("submitted papers", Limit(10, HOUR), Limit(30, HOUR)),
    "vote": _community("voted", Limit(60, timedelta(minutes=1)), Limit(300, timedelta(minutes=1))),
    "comment": _community("commented", Limit(10, timedelta(minutes=10)), Limit(30, timedelta(minutes=10))),
    # Mail: enough to stop a form being used to flood someone's inbox.
    "sign_in_mail": ActionLimits(
        Limit(3, timedelta(minutes=15)),
        Limit(10, HOUR),
        "Several sign-in links were sent to this address in the last minutes; use the newest one "
        "in your inbox, or try again in {wait}.",
        "Too many sign-in links have been asked for from your network. Try again in {wait}.",
    ),
    "subscribe_mail": ActionLimits(
        Limit(3, HOUR),
        Limit(20, HOUR),
        "Several confirmation mails were sent to this address in the last hour; use the newest one "
        "in your inbox, or try again in {wait}.",
        "Too many subscriptions have been asked for from your network. Try again in {wait}.",
    ),
}

# Rows older than the longest window count for nothing; every 200th row added prunes them.
_LONGEST = max(max(a.per_subject.window, a.per_ip.window) for a in LIMITS.values())
_PRUNE_EVERY = 200


def check_and_record(
    target: Database | Connection, action: str, user_id: int, ip: str, now: datetime | None = None
) -> None:
    """Count one `action` by member user_id from ip; RateLimited (nothing counted) if over a limit.

    Pass a Connection to count inside the caller's transaction (the count then rolls back
    with it, and the keys stay locked until it ends: call this before the transaction's
    other writes); pass the Database to count in a transaction of its own.
    """
    _check_and_record(target, action, f"{action}:user:{user_id}", ip, now)


def check_and_record_mail(
    target: Database | Connection, action: str, address: str, ip: str, now: datetime | None = None
) -> None:
    """Count one mail of `action` to address, asked for from ip; RateLimited if over a limit.

    Counted per inbox: case, +tags and (for Gmail) dots do not make a new allowance. The
    key holds a hash of the inbox, so the table keeps no addresses.
    """
    inbox = hashlib.sha256(mailbox(address).encode()).hexdigest()[:32]
    _check_and_record(target, action, f"{action}:mailbox:{inbox}", ip, now)


def _check_and_record(
    target: Database | Connection, action: str, subject_key: str, ip: str, now: datetime | None
) -> None:
    if isinstance(target, Database):
        with target.transaction() as conn:
            _check_and_record(conn, action, subject_key, ip, now)
        return
    conn = target
    limits = LIMITS[action]
    moment = naive_utc(now) if now else utcnow()
    ip_key = f"{action}:ip:{(ip or 'unknown')[:100]}"
    # Locked before counting: a simultaneous check of either key waits until this one ends.
    store.lock_keys(conn, [subject_key, ip_key], moment)
    for key, limit, refusal in (
        (subject_key, limits.per_subject, limits.subject_refusal),
        (ip_key, limits.per_ip, limits.ip_refusal),
    ):
        wait = _wait_needed(conn, key, limit, moment)
        if wait:
            message = refusal.format(count=limit.count, window=_duration(limit.window), wait=_duration(wait))
            raise RateLimited(message, _seconds(wait))
    new_id = store.record_events(conn, [subject_key, ip_key], moment)
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
