"""Community upvotes: every SQL query votes need.

Exactness comes from the vote table's primary key (user, paper): a vote is added with
INSERT .. ON CONFLICT DO NOTHING and taken back with DELETE, and counts are COUNT(*);
no counter is ever read, changed and written back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.store.schema import entry, vote


def add_vote(conn: Connection, user_id: int, paper_id: int, now: datetime) -> bool:
    """Record the user's vote for the paper; False if it was already there."""
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(vote)
    added = conn.execute(
        insert.values(user_id=user_id, paper_id=paper_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(vote.c.paper_id)
    ).first()
    return added is not None


def remove_vote(conn: Connection, user_id: int, paper_id: int) -> bool:
    """Take the user's vote for the paper back; False if there was none."""
    result = conn.execute(delete(vote).where(vote.c.user_id == user_id, vote.c.paper_id == paper_id))
    return result.rowcount > 0


def has_voted(conn: Connection, user_id: int, paper_id: int) -> bool:
    found = conn.execute(
        select(vote.c.paper_id).where(vote.c.user_id == user_id, vote.c.paper_id == paper_id)
    ).first()
    return found is not None


def count_votes(conn: Connection, paper_id: int) -> int:
    """The paper's community votes."""
    return int(conn.execute(select(func.count()).where(vote.c.paper_id == paper_id)).scalar_one())


def external_upvotes(conn: Connection, paper_id: int) -> int:
    """The highest upvote count any source gave the paper (e.g. Hugging Face), 0 if none."""
    found = conn.execute(
        select(func.max(entry.c.external_upvotes)).where(entry.c.paper_id == paper_id)
    ).scalar()
    return int(found or 0)


def voted_among(conn: Connection, user_id: int, paper_ids: Sequence[int]) -> set[int]:
    """Which of paper_ids the user has voted for."""
    if not paper_ids:
        return set()
    rows = conn.execute(
        select(vote.c.paper_id).where(vote.c.user_id == user_id, vote.c.paper_id.in_(list(paper_ids)))
    )
    return {r.paper_id for r in rows}


def vote_counts(conn: Connection, paper_ids: Sequence[int]) -> dict[int, int]:
    """Community votes per paper (papers without votes are left out)."""
    if not paper_ids:
        return {}
    rows = conn.execute(
        select(vote.c.paper_id, func.count().label("n"))
        .where(vote.c.paper_id.in_(list(paper_ids)))
        .group_by(vote.c.paper_id)
    )
    return {r.paper_id: int(r.n) for r in rows}


def external_upvote_counts(conn: Connection, paper_ids: Sequence[int]) -> dict[int, int]:
    """The highest upvote count any source gave each paper (papers without any are left out)."""
    if not paper_ids:
        return {}
    rows = conn.execute(
        select(entry.c.paper_id, func.max(entry.c.external_upvotes).label("n"))
        .where(entry.c.paper_id.in_(list(paper_ids)))
        .group_by(entry.c.paper_id)
    )
    return {r.paper_id: int(r.n or 0) for r in rows}
