"""Helpers for the digest tests: papers on a feed day, and many active subscribers at once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database
from paperboy.store.schema import subscription

FEED_DAY = date(2026, 11, 20)
# The daily edition of the next day lists FEED_DAY's papers.
EDITION_DAY = date(2026, 11, 20)
SEND_AT = datetime(2026, 11, 20, 7, 0)


def feed_papers(day: date = FEED_DAY, count: int = 12, prefix: str = "2611") -> list[SourceRecord]:
    """count arXiv papers on the feed of day, the first the most upvoted."""
    records = []
    for n in range(count):
        paper = Paper(
            title=f"Paper {n} on sparse attention for graph neural networks",
            abstract=("We study sparse attention in graph neural networks and report results. " * 8).strip(),
            source="arxiv",
            arxiv_id=f"{prefix}.{n + 10000:05d}",
            authors=tuple(Author(f"Author {n}-{a}") for a in range(5 if n == 0 else 2)),
            categories=("cs.LG",),
            published=datetime(day.year, day.month, day.day),
        )
        records.append(SourceRecord(paper, f"test:{prefix}-{n}", FeedEntry(day, "hf", upvotes=100 - n)))
    return records


def fill_feed(db: Database, day: date = FEED_DAY, count: int = 12, prefix: str = "2611") -> None:
    ingest_items(db, feed_papers(day, count, prefix), kind="test")


def add_subscribers(
    db: Database,
    count: int,
    kind: str = "trending",
    frequency: str = "daily",
    query: str | None = None,
    filters: dict[str, str] | None = None,
    status: str = "active",
    start: int = 0,
    watermark: datetime | None = None,
    domain: str = "example.org",
) -> list[str]:
    """count subscriptions inserted directly (as if confirmed); returns their addresses."""
    addresses = [f"reader{n}@{domain}" for n in range(start, start + count)]
    now = datetime(2026, 11, 1)
    rows = [
        {
            "email": address,
            "kind": kind,
            "frequency": frequency,
            "query": query,
            "filters": filters or {},
            "status": status,
            "created_at": now,
            "confirmed_at": now,
            "bounces": 0,
            "alert_watermark": watermark,
            "dedupe_key": hashlib.sha256(f"{address}|{kind}|{frequency}|{query}".encode()).hexdigest(),
        }
        for address in addresses
    ]
    with db.transaction() as conn:
        conn.execute(subscription.insert(), rows)
    return addresses
