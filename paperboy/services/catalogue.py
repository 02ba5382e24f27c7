"""Reading the catalogue of papers: one paper, and totals."""

from __future__ import annotations

from typing import Any

from paperboy.domain import StoredPaper, paper_key
from paperboy.store import Database, changes, runs
from paperboy.store import papers as paper_store


def find_paper(db: Database, identifier: str) -> StoredPaper | None:
    """A paper by arXiv id in any usual form (version ignored), or by its store key."""
    with db.connect() as conn:
        return paper_store.get_stored_paper(conn, paper_key(identifier))


def catalogue_revision(db: Database) -> int:
    """The newest change number of any paper: it moves whenever a paper is added or changed."""
    with db.connect() as conn:
        return changes.latest_revision(conn)


def store_statistics(db: Database) -> dict[str, Any]:
    with db.connect() as conn:
        stats = paper_store.paper_counts(conn)
        stats["recent_runs"] = runs.recent_runs(conn)
    return stats
