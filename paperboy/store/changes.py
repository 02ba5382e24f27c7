"""Reading papers in revision order: what derived indexes catch up from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from paperboy.store.schema import paper

_INDEXED_COLUMNS = (
    paper.c.id, paper.c.revision, paper.c.withdrawn, paper.c.title, paper.c.abstract,
    paper.c.authors, paper.c.categories, paper.c.published, paper.c.metadata_updated, paper.c.code_url,
)  # fmt: skip


def changed_papers(
    conn: Connection, since_revision: int, after: tuple[int, int], limit: int
) -> Sequence[Any]:
    """Papers with revision > since_revision, in (revision, id) order after the
    (revision, id) position `after`; at most limit rows."""
    last_revision, last_id = after
    return conn.execute(
        select(*_INDEXED_COLUMNS)
        .where(
            paper.c.revision > since_revision,
            or_(
                paper.c.revision > last_revision,
                and_(paper.c.revision == last_revision, paper.c.id > last_id),
            ),
        )
        .order_by(paper.c.revision, paper.c.id)
        .limit(limit)
    ).all()


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


def papers_by_id(conn: Connection, paper_ids: Sequence[int]) -> dict[int, Any]:
    """Full paper rows by id (for rendering search hits)."""
    found: dict[int, Any] = {}
    ids = list(paper_ids)
    for start in range(0, len(ids), 500):
        for row in conn.execute(select(paper).where(paper.c.id.in_(ids[start : start + 500]))):
            found[row.id] = row
    return found


def paper_id_for_key(conn: Connection, key: str) -> int | None:
    return conn.execute(select(paper.c.id).where(paper.c.key == key)).scalar()
