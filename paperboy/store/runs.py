"""The record of ingest runs and the checkpoints of harvests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select, update

from paperboy.domain import IngestReport
from paperboy.store.schema import harvest_checkpoint, ingest_run


def start_run(conn: Connection, kind: str, detail: str, now: datetime) -> int:
    result = conn.execute(ingest_run.insert().values(kind=kind, detail=detail[:2000], started_at=now))
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has one
    return int(key[0])


def finish_run(conn: Connection, run_id: int, report: IngestReport, now: datetime) -> None:
    conn.execute(
        update(ingest_run)
        .where(ingest_run.c.id == run_id)
        .values(
            finished_at=now,
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
            deleted=report.deleted,
            error=report.error,
            first_rejections=[str(r) for r in report.rejections[:10]],
        )
    )


def recent_runs(conn: Connection, limit: int = 5) -> list[dict[str, Any]]:
    rows = conn.execute(select(ingest_run).order_by(ingest_run.c.id.desc()).limit(limit))
    return [
        {
            "kind": r.kind,
            "detail": r.detail,
            "started_at": r.started_at.isoformat(),
            "finished": r.finished_at is not None,
            "added": r.added,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "rejected": r.rejected,
            "error": r.error,
        }
        for r in rows
    ]


@dataclass
class Checkpoint:
    """Where a harvest stands: the token of the next page to ask for, if any."""

    name: str
    from_date: date | None = None
    until_date: date | None = None
    resumption_token: str | None = None
    pages: int = 0
    records: int = 0
    started_at: datetime | None = None
    completed_at: datetime | None = None
    next_from: date | None = None

    @property
    def in_progress(self) -> bool:
        return self.started_at is not None and self.completed_at is None


def load_checkpoint(conn: Connection, name: str) -> Checkpoint | None:
    row = conn.execute(select(harvest_checkpoint).where(harvest_checkpoint.c.name == name)).first()
    if row is None:
        return None
    return Checkpoint(
        name=row.name,
        from_date=row.from_date,
        until_date=row.until_date,
        resumption_token=row.resumption_token,
        pages=row.pages,
        records=row.records,
        started_at=row.started_at,
        completed_at=row.completed_at,
        next_from=row.next_from,
    )


def save_checkpoint(conn: Connection, checkpoint: Checkpoint, now: datetime) -> None:
    values = {
        "from_date": checkpoint.from_date,
        "until_date": checkpoint.until_date,
        "resumption_token": checkpoint.resumption_token,
        "pages": checkpoint.pages,
        "records": checkpoint.records,
        "started_at": checkpoint.started_at,
        "completed_at": checkpoint.completed_at,
        "next_from": checkpoint.next_from,
        "updated_at": now,
    }
    changed = conn.execute(
        update(harvest_checkpoint).where(harvest_checkpoint.c.name == checkpoint.name).values(**values)
    ).rowcount
    if not changed:
        conn.execute(harvest_checkpoint.insert().values(name=checkpoint.name, **values))
