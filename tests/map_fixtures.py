"""Papers for the topic map: three clear subjects in one week (molecules, galaxies,
speech), seven papers each, and a title with markup; embedded with the real model."""

from __future__ import annotations

from datetime import date, datetime

from paperboy.config import Settings
from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.finding.indexing import Indexer
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database

WEEK_DAY = date(2025, 3, 12)  # a Wednesday; its week is 10 to 16 March 2025
HOSTILE_TITLE = '<script>alert("map")</script> Protein folding with graph networks'

SUBJECTS = {
    "molecules": (
        "cs.LG",
        "Graph neural networks for molecule property prediction",
        "We train graph neural networks on molecular graphs to predict molecule properties such as "
        "toxicity and solubility, with message passing over atoms and bonds.",
    ),
    "galaxies": (
        "astro-ph.GA",
        "Galaxy cluster dark matter halos",
        "We measure dark matter halos of galaxy clusters with weak gravitational lensing and X-ray "
        "observations of the intracluster gas, constraining halo concentration.",
    ),
    "speech": (
        "eess.AS",
        "Speech recognition with self-supervised audio encoders",
        "We fine-tune self-supervised audio encoders for automatic speech recognition of accented "
        "speech, reducing word error rate on low-resource languages.",
    ),
}
VARIANTS = (
    "",
    " at scale",
    " revisited",
    " with fewer labels",
    " in practice",
    " for beginners",
    " benchmarks",
)


def map_papers() -> list[SourceRecord]:
    records = []
    number = 0
    for subject, (category, title, abstract) in SUBJECTS.items():
        for i, variant in enumerate(VARIANTS):
            number += 1
            full_title = HOSTILE_TITLE if subject == "molecules" and i == 0 else f"{title}{variant}"
            paper = Paper(
                title=full_title,
                abstract=f"{abstract} Variant {i} of the {subject} study{variant}.",
                source="arxiv",
                arxiv_id=f"2503.{number:05d}",
                authors=(Author(f"Author {number}"),),
                categories=(category,),
                published=datetime(2025, 3, 10 + i % 5),
            )
            records.append(
                SourceRecord(paper, f"test:{number}", FeedEntry(date(2025, 3, 10 + i % 5), "arxiv"))
            )
    return records


def fill_map_store(db: Database, settings: Settings, embedder) -> None:  # type: ignore[no-untyped-def]
    """Store the papers and bring both indexes (and the stored embeddings) up to date."""
    ingest_items(db, map_papers(), kind="test")
    Indexer(db, settings, embedder).catch_up()
