"""Papers for the author pages and trend charts: one author spelled with and without
accents, a longer name that contains theirs, a paper dated only by its listing, and a
hostile name."""

from __future__ import annotations

from datetime import date, datetime

from paperboy.config import Settings
from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.finding.indexing import Indexer
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database

HOSTILE_NAME = '<script>alert("name")</script> Mallory'


def _paper(arxiv_id: str, title: str, authors: list[str], categories: str, **dates: object) -> SourceRecord:
    paper = Paper(
        title=title,
        abstract=f"{title}. We study graph transformers for molecule property prediction at scale.",
        source="arxiv",
        arxiv_id=arxiv_id,
        authors=tuple(Author(n) for n in authors),
        categories=tuple(categories.split()),
        **dates,  # type: ignore[arg-type]
    )
    day = dates.get("published") or dates.get("metadata_updated")
    entry_day = day.date() if isinstance(day, datetime) else day
    return SourceRecord(paper, f"test:{arxiv_id}", FeedEntry(entry_day, "arxiv"))  # type: ignore[arg-type]


def author_papers() -> list[SourceRecord]:
    return [
        _paper("2501.00001", "Graph Transformers for Molecules", ["José García", "Ada Lovelace"], "cs.LG",
               published=datetime(2025, 1, 10)),
        _paper("2503.00002", "Scaling Molecule Transformers", ["Jose Garcia", "Ada Lovelace", "Alan Turing"],
               "cs.LG stat.ML", published=datetime(2025, 3, 5)),
        _paper("2503.00003", "A Paper by Someone Else", ["José García-Pérez", "Grace Hopper"], "cs.LG",
               published=datetime(2025, 3, 20)),
        _paper("2504.00004", "Vision for Chemistry", ["José García"], "cs.CV",
               metadata_updated=date(2025, 4, 2)),
        _paper("2504.00005", "Hostile Names in Metadata", [HOSTILE_NAME, "A/B Team"], "cs.CR",
               published=datetime(2025, 4, 8)),
    ]  # fmt: skip


def fill_author_store(db: Database, settings: Settings) -> None:
    """Store the papers and bring the keyword index up to date (no embeddings needed)."""
    ingest_items(db, author_papers(), kind="test")
    Indexer(db, settings).catch_up_keyword()
