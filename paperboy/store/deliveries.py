"""Editions, the delivery ledger, workers' claims on it, and named worker leases.

The ledger holds one row per (subscription, edition). Workers take rows with a single
conditional UPDATE (a claim with an expiry), so any number of them can send one edition
and no row is ever held by two at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from paperboy.store.schema import delivery, edition, worker_lease

# Statuses a delivery ends in; an edition with only these is complete.
FINAL = ("sent", "empty", "permanent")


@dataclass(frozen=True)
class Edition:
    id: int
    name: str
    kind: str
    frequency: str
    period_start: date
    period_end: date
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    subscription_id: int
    edition_id: int
    status: str
    attempts: int


def _edition(row: Any) -> Edition:
    return Edition(
        id=row.id,
        name=row.name,
        kind=row.kind,
        frequency=row.frequency,
        period_start=row.period_start,
        period_end=row.period_end,
        created_at=row.created_at,
        completed_at=row.completed_at,
    )


def _insert(conn: Connection, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT DO NOTHING on either backend."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


# -- editions ----------------------------------------------------------------------------


def find_edition(conn: Connection, name: str) -> Edition | None:
    row = conn.execute(select(edition).where(edition.c.name == name)).first()
    return _edition(row) if row else None


def get_or_create_edition(
    conn: Connection,
    *,
    name: str,
    kind: str,
    frequency: str,
    period_start: date,
    period_end: date,
    now: datetime,
) -> Edition:
    """The edition with this name, created if new (two workers creating it agree on one row)."""
    conn.execute(
        _insert(conn, edition)
        .values(
            name=name, kind=kind, frequency=frequency, period_start=period_start, period_end=period_end,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )  # fmt: skip
    found = find_edition(conn, name)
    assert found is not None
    return found


def previous_edition(conn: Connection, kind: str, frequency: str, before_name: str) -> Edition | None:
    """The latest edition of the same kind and frequency named before this one (names sort by date)."""
    row = conn.execute(
        select(edition)
        .where(edition.c.kind == kind, edition.c.frequency == frequency, edition.c.name < before_name)
        .order_by(edition.c.name.desc())
        .limit(1)
    ).first()
    return _edition(row) if row else None


def open_editions(conn: Connection) -> list[Edition]:
    """Editions with deliveries still to do, oldest first."""
    rows = conn.execute(select(edition).where(edition.c.completed_at.is_(None)).order_by(edition.c.id))
    return [_edition(r) for r in rows]


def complete_if_done(conn: Connection, edition_id: int, now: datetime) -> bool:
    """Mark the edition complete when every delivery is final. True if it is complete."""
    unfinished = (
        select(delivery.c.id)
        .where(delivery.c.edition_id == edition_id, delivery.c.status.not_in(FINAL))
        .exists()
    )
    # One statement (no read before the write), so concurrent SQLite writers simply queue.
    conn.execute(
        update(edition)
        .where(edition.c.id == edition_id, edition.c.completed_at.is_(None), ~unfinished)
        .values(completed_at=now)
    )
    done = conn.execute(select(edition.c.completed_at).where(edition.c.id == edition_id)).scalar()
    return done is not None


# -- the ledger --------------------------------------------------------------------------


def add_deliveries(conn: Connection, edition_id: int, subscription_ids: Iterable[int]) -> int:
    """One pending delivery per subscription, skipping any already there. Returns how many were new."""
    rows = [{"subscription_id": s, "edition_id": edition_id, "status": "pending", "attempts": 0}
            for s in subscription_ids]  # fmt: skip
    added = 0
    for start in range(0, len(rows), 1000):
        result = conn.execute(
            _insert(conn, delivery).on_conflict_do_nothing(index_elements=["subscription_id", "edition_id"]),
            rows[start : start + 1000],
        )
        added += max(result.rowcount, 0)
    return added


def _due(now: datetime) -> Any:
    """Rows a worker may take: pending or failed-and-due, and not under someone's live claim."""
    return and_(
        or_(
            delivery.c.status == "pending",
            and_(delivery.c.status == "failed", delivery.c.next_attempt_at <= now),
        ),
        or_(delivery.c.claimed_until.is_(None), delivery.c.claimed_until < now),
    )


def claim(
    conn: Connection, edition_id: int, claim_id: str, now: datetime, until: datetime, limit: int
) -> list[ClaimedDelivery]:
    """Take up to limit due deliveries of an edition for claim_id (unique per batch), until `until`.

    One UPDATE whose WHERE repeats the due test: when two workers race for a row, the
    second's UPDATE finds it no longer due (PostgreSQL re-checks it after the first commits;
    SQLite runs one writer at a time) and skips it.
    """
    wanted = (
        select(delivery.c.id).where(delivery.c.edition_id == edition_id, _due(now)).order_by(delivery.c.id)
    )
    if conn.dialect.name == "postgresql":
        wanted = wanted.with_for_update(skip_locked=True)
    wanted = wanted.limit(limit)
    conn.execute(
        update(delivery)
        .where(delivery.c.id.in_(wanted.scalar_subquery()), _due(now))
        .values(claimed_by=claim_id, claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    rows = conn.execute(
        select(delivery.c.id, delivery.c.subscription_id, delivery.c.edition_id, delivery.c.status,
               delivery.c.attempts)
        .where(delivery.c.claimed_by == claim_id, delivery.c.claimed_until == until)
        .order_by(delivery.c.id)
    )  # fmt: skip
    return [ClaimedDelivery(r.id, r.subscription_id, r.edition_id, r.status, r.attempts) for r in rows]


def mark_sending(conn: Connection, delivery_ids: list[int], claim_id: str) -> None:
    """Before SMTP: these are being sent now (a crash leaves them "sending", never resent)."""
    if delivery_ids:
        conn.execute(
            update(delivery)
            .where(delivery.c.id.in_(delivery_ids), delivery.c.claimed_by == claim_id)
            .values(status="sending", attempts=delivery.c.attempts + 1)
        )


def release(conn: Connection, delivery_ids: list[int], claim_id: str) -> None:
    """Give back claimed rows that were never tried, for any worker to take."""
    if delivery_ids:
        conn.execute(
            update(delivery)
            .where(delivery.c.id.in_(delivery_ids), delivery.c.claimed_by == claim_id)
            .values(
                status="pending",
                # A try that never happened does not count.
                attempts=case(
                    (delivery.c.status == "sending", delivery.c.attempts - 1), else_=delivery.c.attempts
                ),
                claimed_by=None,
                claimed_until=None,
            )
        )


def record(conn: Connection, outcomes: list[dict[str, Any]]) -> None:
    """Write outcomes: dicts with id and the columns to set (status, message_id, sent_at, ...)."""
    for outcome in outcomes:
        values = {k: v for k, v in outcome.items() if k != "id"}
        values.update(claimed_by=None, claimed_until=None)
        conn.execute(update(delivery).where(delivery.c.id == outcome["id"]).values(**values))


def give_up_interrupted(conn: Connection, now: datetime) -> int:
    """Rows left "sending" by a worker that stopped (claim expired): recorded permanent, not resent.

    The mail may or may not have reached the server; sending again could make a duplicate,
    and the ledger's promise is at most one mail per subscriber per edition.
    """
    result = conn.execute(
        update(delivery)
        .where(delivery.c.status == "sending", delivery.c.claimed_until < now)
        .values(
            status="permanent",
            last_error="interrupted while sending (the worker stopped); not resent, to never send twice",
            claimed_by=None,
            claimed_until=None,
        )
    )
    return max(result.rowcount, 0)


def counts(conn: Connection, edition_id: int) -> dict[str, int]:
    """How many deliveries of an edition are in each status."""
    rows = conn.execute(
        select(delivery.c.status, func.count())
        .where(delivery.c.edition_id == edition_id)
        .group_by(delivery.c.status)
    )
    return {status: int(n) for status, n in rows}


# -- leases ------------------------------------------------------------------------------


def acquire_lease(conn: Connection, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Hold the named lease until `until` if it is free, expired, or already ours. True if held."""
    try:
        with conn.begin_nested():
            conn.execute(worker_lease.insert().values(name=name, holder=holder, expires_at=until))
        return True
    except IntegrityError:
        pass
    taken = conn.execute(
        update(worker_lease)
        .where(
            worker_lease.c.name == name,
            or_(worker_lease.c.holder == holder, worker_lease.c.expires_at < now),
        )
        .values(holder=holder, expires_at=until)
    )
    return bool(taken.rowcount)
