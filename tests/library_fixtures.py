"""Helpers for the library tests: a handful of stored papers with authors, categories and DOIs."""

from __future__ import annotations

from datetime import date, datetime

from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database

DAY = date(2026, 11, 20)

PAPERS = [
    # arxiv id, title, authors, categories, published, doi
    ("2611.00001", "Attention Is All You Need Again", ("Ada Lovelace", "Alan Turing"), ("cs.LG", "cs.CL"),
     datetime(2026, 11, 1), None),
    ("2611.00002", "Schrödinger Bridges for Diffusion", ("Erwin Schrödinger",), ("stat.ML",),
     datetime(2026, 10, 1), "10.1234/bridges.2026"),
    ("2611.00003", "Zebra Graphs and Processing-in-Memory", ("Grace Hopper",), ("cs.AR",),
     datetime(2026, 9, 1), None),
]  # fmt: skip


def store_papers(db: Database, extra: int = 0) -> None:
    """The three PAPERS, plus `extra` numbered filler papers (2612.NNNNN, "Filler paper N")."""
    records = [
        SourceRecord(
            Paper(
                title=title, abstract=f"Abstract of {title}.", source="arxiv", arxiv_id=arxiv_id,
                authors=tuple(Author(name) for name in authors), categories=cats, published=published,
                doi=doi,
            ),
            location=f"test {arxiv_id}",
            entry=FeedEntry(day=DAY, origin="arxiv"),
        )
        for arxiv_id, title, authors, cats, published, doi in PAPERS
    ]  # fmt: skip
    records += [
        SourceRecord(
            Paper(
                title=f"Filler paper number {n}", abstract="Filler.", source="arxiv", arxiv_id=f"2612.{n:05d}"
            ),
            location=f"filler {n}",
        )
        for n in range(1, extra + 1)
    ]
    ingest_items(db, records, kind="test")
