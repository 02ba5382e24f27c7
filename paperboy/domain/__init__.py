"""Plain data types and pure functions shared by every layer. No I/O here."""

from paperboy.domain.arxiv_ids import InvalidArxivId, paper_key, parse_arxiv_id
from paperboy.domain.records import (
    Author,
    Deletion,
    FeedEntry,
    FeedListing,
    IngestReport,
    ListedPaper,
    Paper,
    PaperByline,
    PaperRef,
    Rejection,
    SourceItem,
    SourceRecord,
    StoredPaper,
    VotedPaper,
)
from paperboy.domain.text import clean_abstract, clean_title, clip, normalise_title

__all__ = [
    "Author",
    "Deletion",
    "FeedEntry",
    "FeedListing",
    "IngestReport",
    "InvalidArxivId",
    "ListedPaper",
    "Paper",
    "PaperByline",
    "Rejection",
    "SourceItem",
    "SourceRecord",
    "PaperRef",
    "StoredPaper",
    "VotedPaper",
    "clean_abstract",
    "clean_title",
    "clip",
    "normalise_title",
    "paper_key",
    "parse_arxiv_id",
]
