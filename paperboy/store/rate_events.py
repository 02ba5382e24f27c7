"""Counted actions for rate limits: every SQL query the limits need."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.store.schema import rate_event, rate_lock


def lock_keys(conn: Connection, keys: Sequence[str], at: datetime) -> None:
    """Hold each key's rate_lock row (created if new) until conn's transaction ends.

    Call it before reading the keys' events. On PostgreSQL the upsert takes a row lock that
    a second check of the same key waits for; on SQLite it is the transaction's first write,
    so it takes the database's write lock. Either way no other check of these keys counts
    until this one has committed or rolled back. Sorted, so two checks sharing keys take
    them in one order and cannot deadlock.
    """
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(rate_lock)
    for key in sorted(set(keys)):
        upsert = insert.values(key=key, at=at)
        conn.execute(upsert.on_conflict_do_update(index_elements=["key"], set_={"at": upsert.excluded.at}))


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
    """Forget events, and lock rows no check has taken since, at or before `before`.

    Lock rows another check holds right now are skipped (FOR UPDATE SKIP LOCKED on
    PostgreSQL; SQLite has one writer at a time): waiting for them while holding our own
    could deadlock with a check waiting for ours. Returns how many events went.
    """
    idle = select(rate_lock.c.key).where(rate_lock.c.at <= before).with_for_update(skip_locked=True)
    conn.execute(delete(rate_lock).where(rate_lock.c.key.in_(idle)))
    return conn.execute(delete(rate_event).where(rate_event.c.at <= before)).rowcount
