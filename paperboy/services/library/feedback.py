"""What a reader tells the "for you" ranking about a paper: for now, "not interested"."""

from __future__ import annotations

from datetime import datetime

from paperboy.domain.accounts import User
from paperboy.domain.clock import utcnow
from paperboy.services.library.access import library_owner, paper_ref
from paperboy.store import Database
from paperboy.store import library as store

NOT_INTERESTED = "not_interested"


def set_not_interested(
    db: Database, user: User, paper_key: str, value: bool, now: datetime | None = None
) -> str:
    """Mark (or unmark) the paper as not interesting to the reader; returns the paper's key."""
    with db.transaction() as conn:
        owner = library_owner(conn, user)
        paper = paper_ref(conn, paper_key)
        if value:
            store.add_feedback(conn, owner.id, paper.id, NOT_INTERESTED, now or utcnow())
        else:
            store.remove_feedback(conn, owner.id, paper.id, NOT_INTERESTED)
        return paper.key


def not_interested_ids(db: Database, user: User) -> set[int]:
    with db.connect() as conn:
        return store.feedback_paper_ids(conn, user.id, NOT_INTERESTED)
