"""Moderation: hiding listings, banning users and the audit log; every SQL query they need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from paperboy.domain.community import AuditEntry
from paperboy.store.schema import audit_log, entry, session, user


def add_audit(
    conn: Connection,
    now: datetime,
    actor_id: int | None,
    actor_email: str,
    action: str,
    target_type: str,
    target_id: str,
    reason: str,
) -> int:
    """Write one audit row; return its id."""
    return int(
        conn.execute(
            audit_log.insert()
            .values(
                created_at=now,
                actor_id=actor_id,
                actor_email=actor_email,
                action=action,
                target_type=target_type,
                target_id=target_id,
                reason=reason,
            )
            .returning(audit_log.c.id)
        ).scalar_one()
    )


def audit_entries(conn: Connection, limit: int, offset: int) -> list[AuditEntry]:
    """The moderation log, newest first."""
    rows = conn.execute(
        select(audit_log)
        .order_by(audit_log.c.created_at.desc(), audit_log.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        AuditEntry(r.id, r.created_at, r.actor_email, r.action, r.target_type, r.target_id, r.reason)
        for r in rows
    ]


def set_listing_hidden(conn: Connection, paper_id: int, hidden: bool) -> int:
    """Hide or show every entry of the paper; return how many entries there are."""
    return conn.execute(update(entry).where(entry.c.paper_id == paper_id).values(hidden=hidden)).rowcount


def set_banned(conn: Connection, user_id: int, banned: bool) -> None:
    conn.execute(update(user).where(user.c.id == user_id).values(banned=banned))


def delete_sessions(conn: Connection, user_id: int) -> int:
    """End every session of the user; return how many there were."""
    return conn.execute(delete(session).where(session.c.user_id == user_id)).rowcount
