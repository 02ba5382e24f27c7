"""Queries behind the daily feed: which papers were on which days."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from paperboy.store.schema import entry, paper


def ranked_papers_between(
    conn: Connection, first_day: date, last_day: date, limit: int, offset: int
) -> tuple[list[Any], int]:
    """Papers with an entry in [first_day, last_day], most upvoted first, then newest.

    Returns rows (paper columns plus upvotes, first_day, submitted_by, origins) and the
    total number of papers in the range.
    """
    in_range = entry.c.day.between(first_day, last_day)
    grouped = (
        select(
            entry.c.paper_id,
            func.max(entry.c.external_upvotes).label("upvotes"),
            func.min(entry.c.day).label("first_day"),
            func.max(entry.c.submitted_by).label("submitted_by"),
        )
        .where(in_range)
        .group_by(entry.c.paper_id)
        .subquery()
    )
    total = conn.execute(select(func.count()).select_from(grouped)).scalar_one()
    rows = conn.execute(
        select(paper, grouped.c.upvotes, grouped.c.first_day, grouped.c.submitted_by)
        .join(grouped, grouped.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False))
        .order_by(
            grouped.c.upvotes.desc(),
            func.coalesce(paper.c.published, paper.c.first_seen).desc(),
            paper.c.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return rows, int(total)


def origins_of(
    conn: Connection, paper_ids: list[int], first_day: date, last_day: date
) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not paper_ids:
        return found
    rows = conn.execute(
        select(entry.c.paper_id, entry.c.origin)
        .where(entry.c.paper_id.in_(paper_ids), entry.c.day.between(first_day, last_day))
        .order_by(entry.c.id)
    )
    for paper_id, origin in rows:
        found.setdefault(paper_id, [])
        if origin not in found[paper_id]:
            found[paper_id].append(origin)
    return found


def latest_day(conn: Connection, not_after: date | None = None) -> date | None:
    query = select(func.max(entry.c.day))
    if not_after is not None:
        query = query.where(entry.c.day <= not_after)
    return conn.execute(query).scalar()


def neighbour_days(conn: Connection, first_day: date, last_day: date) -> tuple[date | None, date | None]:
    """The nearest days with entries before first_day and after last_day."""
    before = conn.execute(select(func.max(entry.c.day)).where(entry.c.day < first_day)).scalar()
    after = conn.execute(select(func.min(entry.c.day)).where(entry.c.day > last_day)).scalar()
    return before, after
