"""Subscriptions to digests and saved-search alerts: every SQL query they need."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from paperboy.domain.subscriptions import Subscription
from paperboy.store.schema import paper, subscription


def _row(row: Any) -> Subscription:
    return Subscription(
        id=row.id,
        email=row.email,
        kind=row.kind,
        frequency=row.frequency,
        query=row.query,
        filters=dict(row.filters or {}),
        status=row.status,
        pause_reason=row.pause_reason,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        unsubscribed_at=row.unsubscribed_at,
        bounces=int(row.bounces or 0),
        alert_watermark=row.alert_watermark,
        dedupe_key=row.dedupe_key,
        secret=row.secret,
        manage_secret=row.manage_secret,
    )


def find(conn: Connection, subscription_id: int) -> Subscription | None:
    row = conn.execute(select(subscription).where(subscription.c.id == subscription_id)).first()
    return _row(row) if row else None


def find_by_key(conn: Connection, dedupe_key: str) -> Subscription | None:
    row = conn.execute(select(subscription).where(subscription.c.dedupe_key == dedupe_key)).first()
    return _row(row) if row else None


def for_email(conn: Connection, email: str) -> list[Subscription]:
    """Every subscription of an address that is not unsubscribed, oldest first."""
    rows = conn.execute(
        select(subscription)
        .where(subscription.c.email == email, subscription.c.status != "unsubscribed")
        .order_by(subscription.c.id)
    )
    return [_row(r) for r in rows]


def confirmed_manage_secrets(conn: Connection, email: str) -> list[str]:
    """The manage secrets of the address's confirmed (active or paused) subscriptions, oldest first."""
    return list(
        conn.execute(
            select(subscription.c.manage_secret)
            .where(subscription.c.email == email, subscription.c.status.in_(("active", "paused")))
            .order_by(subscription.c.id)
        ).scalars()
    )


def insert_pending(
    conn: Connection,
    *,
    email: str,
    kind: str,
    frequency: str,
    query: str | None,
    filters: dict[str, str],
    dedupe_key: str,
    now: datetime,
    secret: str,
    manage_secret: str,
) -> Subscription:
    """A new pending subscription, or the existing row with this dedupe_key (a race lost)."""
    try:
        # A savepoint, so losing a race with the same request keeps the transaction usable.
        with conn.begin_nested():
            conn.execute(
                subscription.insert().values(
                    email=email,
                    kind=kind,
                    frequency=frequency,
                    query=query,
                    filters=filters,
                    status="pending",
                    created_at=now,
                    bounces=0,
                    dedupe_key=dedupe_key,
                    secret=secret,
                    manage_secret=manage_secret,
                )
            )
    except IntegrityError:
        pass
    found = find_by_key(conn, dedupe_key)
    assert found is not None
    return found


def set_fields(conn: Connection, subscription_id: int, **values: Any) -> None:
    conn.execute(update(subscription).where(subscription.c.id == subscription_id).values(**values))


def remove(conn: Connection, subscription_id: int) -> None:
    conn.execute(delete(subscription).where(subscription.c.id == subscription_id))


def active(conn: Connection, kind: str, frequency: str) -> list[Subscription]:
    """Active subscriptions of a kind and frequency, in id order."""
    rows = conn.execute(
        select(subscription)
        .where(
            subscription.c.status == "active",
            subscription.c.kind == kind,
            subscription.c.frequency == frequency,
        )
        .order_by(subscription.c.id)
    )
    return [_row(r) for r in rows]


def by_ids(conn: Connection, ids: list[int]) -> dict[int, Subscription]:
    if not ids:
        return {}
    rows = conn.execute(select(subscription).where(subscription.c.id.in_(ids)))
    return {r.id: _row(r) for r in rows}


def record_bounce(conn: Connection, subscription_id: int, pause_after: int) -> bool:
    """Count a permanent failure; pause the subscription at pause_after in a row. True if paused."""
    conn.execute(
        update(subscription)
        .where(subscription.c.id == subscription_id)
        .values(bounces=subscription.c.bounces + 1)
    )
    paused = conn.execute(
        update(subscription)
        .where(
            subscription.c.id == subscription_id,
            subscription.c.bounces >= pause_after,
            subscription.c.status == "active",
        )
        .values(status="paused", pause_reason="bouncing")
    )
    return bool(paused.rowcount)


def record_success(conn: Connection, subscription_id: int, watermark: datetime | None) -> None:
    """A delivery went out (or had nothing to say): bounces reset, alert watermark advanced."""
    values: dict[str, Any] = {"bounces": 0}
    if watermark is not None:
        values["alert_watermark"] = func.coalesce(
            # Never move a watermark backwards (an older edition finishing late).
            func.max(subscription.c.alert_watermark, watermark)
            if conn.dialect.name == "sqlite"
            else func.greatest(subscription.c.alert_watermark, watermark),
            watermark,
        )
    conn.execute(update(subscription).where(subscription.c.id == subscription_id).values(**values))


def first_seen_of(conn: Connection, paper_ids: list[int]) -> dict[int, datetime]:
    """When each paper was first seen (what "new since the last alert" is measured by)."""
    if not paper_ids:
        return {}
    rows = conn.execute(select(paper.c.id, paper.c.first_seen).where(paper.c.id.in_(paper_ids)))
    return {r.id: r.first_seen for r in rows}
