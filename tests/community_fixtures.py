"""Helpers for the community tests: members, admins and papers on a day's list."""

from __future__ import annotations

from datetime import date, datetime

from paperboy.domain import FeedEntry, Paper, SourceRecord
from paperboy.domain.accounts import User
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database
from paperboy.store import accounts as account_store

NOW = datetime(2026, 11, 20, 12, 0, 0)


def member(db: Database, email: str, name: str | None = None, admin: bool = False) -> User:
    """A member (or admin) account for email, with an optional display name."""
    with db.transaction() as conn:
        user = account_store.get_or_create_user(conn, email, NOW)
        if name:
            account_store.set_display_name(conn, user.id, name)
        if admin:
            account_store.set_role(conn, user.id, "admin")
        found = account_store.find_user(conn, user.id)
    assert found is not None
    return found


def list_papers(
    db: Database,
    day: date,
    papers: list[tuple[str, str, int]],
    origin: str = "hf",
    submitter: str | None = "curator",
) -> None:
    """Put papers, given as (arxiv_id, title, external upvotes), on day's list."""
    items = [
        SourceRecord(
            Paper(title=title, abstract=f"Abstract of {title}.", source="hf", arxiv_id=arxiv_id),
            location=f"test {arxiv_id}",
            entry=FeedEntry(day=day, origin=origin, submitted_by=submitter, upvotes=upvotes),
        )
        for arxiv_id, title, upvotes in papers
    ]
    ingest_items(db, items, kind="test")
