"""Queries behind the "for you" list: the papers of recent days, and a reader's upvotes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from paperboy.store.feed import visible_papers_between
from paperboy.store.schema import paper, vote


def listed_papers_between(conn: Connection, first_day: date, last_day: date, limit: int) -> list[Any]:
    """Papers listed in [first_day, last_day], not hidden nor withdrawn, newest first listing
    first: paper columns plus first_day. At most limit (the newest), to bound the work."""
    listed = visible_papers_between(first_day, last_day)
    rows = conn.execute(
        select(paper, listed.c.first_day)
        .join(listed, listed.c.paper_id == paper.c.id)
        .where(paper.c.withdrawn.is_(False))
        .order_by(listed.c.first_day.desc(), paper.c.id.desc())
        .limit(limit)
    )
    return list(rows)


def voted_papers(conn: Connection, user_id: int, limit: int) -> list[Any]:
    """The papers the reader upvoted, latest vote first: paper columns plus voted_at."""
    rows = conn.execute(
        select(paper, vote.c.created_at.label("voted_at"))
        .join(vote, vote.c.paper_id == paper.c.id)
        .where(vote.c.user_id == user_id)
        .order_by(vote.c.created_at.desc(), paper.c.id.desc())
        .limit(limit)
    )
    return list(rows)


def papers_by_ids(conn: Connection, paper_ids: list[int]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(paper_ids), 500):
        found.extend(conn.execute(select(paper).where(paper.c.id.in_(paper_ids[start : start + 500]))))
    return found
