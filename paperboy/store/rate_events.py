"""Counted actions for rate limits: every SQL query the limits need."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select

from paperboy.store.schema import rate_event


def recent_events(conn: Connection, key: str, since: datetime, limit: int) -> list[datetime]:
    """Times of key's events after since, newest first, at most limit of them."""
    rows = conn.execute(
        select(rate_event.c.at)
        .where(rate_event.c.key == key, rate_event.c.at > since)
        .order_by(rate_event.c.at.desc())
        .limit(limit)
    )
    return [r.at for r in rows]


def record_events(conn: Connection, keys: Sequence[str], at: datetime) -> int:
    """Add one event per key at `at`; return the id of the last row added."""
    last = 0
    for key in keys:
        last = conn.execute(
            rate_event.insert().values(key=key, at=at).returning(rate_event.c.id)
        ).scalar_one()
    return int(last)


def prune_events(conn: Connection, before: datetime) -> int:
    """Forget events at or before `before`; return how many went."""
    return conn.execute(delete(rate_event).where(rate_event.c.at <= before)).rowcount
