"""Queries behind the "what your for-you list is built from" page: one reader's signals, and
wiping them. Every query takes the reader's id and filters on it."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from paperboy.domain.library import SignalPaper
from paperboy.store.schema import feedback, follow, library_item, paper, vote


def not_interested_papers(conn: Connection, user_id: int, kind: str) -> list[SignalPaper]:
    """The papers the reader marked with feedback kind, latest mark first."""
    rows = conn.execute(
        select(paper.c.key, paper.c.title)
        .join(feedback, feedback.c.paper_id == paper.c.id)
        .where(feedback.c.user_id == user_id, feedback.c.kind == kind)
        .order_by(feedback.c.created_at.desc(), paper.c.id.desc())
    )
    return [SignalPaper(r.key, r.title) for r in rows]


def reset_signals(conn: Connection, user_id: int) -> dict[str, int]:
    """Delete the reader's saved papers, upvotes, follows and feedback; how many of each went."""
    gone = {}
    for name, table in (
        ("library", library_item),
        ("upvotes", vote),
        ("follows", follow),
        ("feedback", feedback),
    ):
        gone[name] = conn.execute(delete(table).where(table.c.user_id == user_id)).rowcount
    return gone
