"""Reading papers in revision order: what derived indexes catch up from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select

from paperboy.domain import StoredPaper
from paperboy.store.papers import row_to_stored_paper
from paperboy.store.schema import paper


def changed_papers(
    conn: Connection, since_revision: int, after: tuple[int, int], limit: int
) -> list[StoredPaper]:
    """Papers with revision > since_revision, in (revision, id) order after the
    (revision, id) position `after`; at most limit of them (without feed entries)."""
    last_revision, last_id = after
    rows = conn.execute(
        select(paper)
        .where(
            paper.c.revision > since_revision,
            or_(
                paper.c.revision > last_revision,
                and_(paper.c.revision == last_revision, paper.c.id > last_id),
            ),
        )
        .order_by(paper.c.revision, paper.c.id)
        .limit(limit)
    )
    return [row_to_stored_paper(row) for row in rows]


def count_changed(conn: Connection, since_revision: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(paper).where(paper.c.revision > since_revision)
        ).scalar_one()
    )


def earliest_first_seen_changed_since(conn: Connection, since_revision: int) -> datetime | None:
    """When the earliest-seen paper changed after since_revision was first seen (None if no
    paper changed): an index at that watermark has not taken in anything seen from then on."""
    return conn.execute(
        select(func.min(paper.c.first_seen)).where(paper.c.revision > since_revision)
    ).scalar()


def latest_revision(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(paper.c.revision), 0))).scalar_one())


def count_live_papers(conn: Connection) -> int:
    return int(
        conn.execute(select(func.count()).select_from(paper).where(paper.c.withdrawn.is_(False))).scalar_one()
    )


def papers_by_id(conn: Connection, paper_ids: Sequence[int]) -> dict[int, StoredPaper]:
    """Papers by row id, without feed entries (for rendering search hits)."""
    found: dict[int, StoredPaper] = {}
    ids = list(paper_ids)
    for start in range(0, len(ids), 500):
        for row in conn.execute(select(paper).where(paper.c.id.in_(ids[start : start + 500]))):
            found[row.id] = row_to_stored_paper(row)
    return found
