"""Records that cross layers: what a source yields and what ingest reports.

Datetimes are naive UTC throughout; sources convert at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple


class Author(NamedTuple):
    """One author, in the order the paper lists them. A named tuple rather than a frozen
    dataclass: ingest makes millions of them, and a tuple is made four times faster."""

    name: str
    keyname: str = ""
    forenames: str = ""
    suffix: str = ""


@dataclass(slots=True)
class Paper:
    """A paper as a source describes it. Fields a source does not know stay empty."""

    title: str
    abstract: str
    source: str
    arxiv_id: str | None = None
    # Stable key for papers from a source other than arXiv, e.g. "hf:some-slug".
    source_key: str | None = None
    authors: tuple[Author, ...] = ()
    # Primary category first.
    categories: tuple[str, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    version: int | None = None
    # Each as (version number, date it was submitted).
    versions: tuple[tuple[int, datetime], ...] = ()
    metadata_updated: date | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    report_no: str | None = None
    license: str | None = None
    submitter: str | None = None
    code_url: str | None = None
    # Key phrases of the title and abstract, best first: derived by the keyword indexer
    # (domain/keyphrases.py), never given by a source; empty until it has seen the paper.
    keywords: tuple[str, ...] = ()

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """A paper's place on a feed day, and who or what put it there."""

    day: date
    # "arxiv", "hf", "page" or "user".
    origin: str
    submitted_by: str | None = None
    upvotes: int = 0


@dataclass(slots=True)
class SourceRecord:
    """A paper read from a source, with where it was read."""

    paper: Paper
    location: str
    entry: FeedEntry | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input the source or ingest refused: where it was and why."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Deletion:
    """A source's notice that a paper was withdrawn or deleted."""

    arxiv_id: str
    location: str


SourceItem = SourceRecord | Rejection | Deletion


@dataclass
class IngestReport:
    """What one ingest run did. Only the first rejections are kept in full."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    deleted: int = 0
    entries_added: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    # Set when the run stopped early (interrupted harvest, source gone away).
    error: str | None = None

    KEEP_REJECTIONS = 50

    def reject(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < self.KEEP_REJECTIONS:
            self.rejections.append(rejection)

    def merge(self, other: IngestReport) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        self.entries_added += other.entries_added
        self.rejected += other.rejected
        room = self.KEEP_REJECTIONS - len(self.rejections)
        self.rejections.extend(other.rejections[: max(room, 0)])
        self.error = self.error or other.error

    def as_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "deleted": self.deleted,
            "entries_added": self.entries_added,
            "rejections": [{"location": r.location, "reason": r.reason} for r in self.rejections],
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class PaperRef:
    """A stored paper's id and current key: what an action on a paper needs to find first."""

    id: int
    key: str


@dataclass(slots=True)
class StoredPaper:
    """A paper as the store holds it: the merged record plus bookkeeping."""

    id: int
    key: str
    paper: Paper
    withdrawn: bool
    first_seen: datetime
    changed_at: datetime
    revision: int
    entries: tuple[FeedEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperByline:
    """A stored paper as an author's page counts it: its authors' names, categories and
    dates, without its text (a page reads up to 2,000 of these and shows 20 papers)."""

    id: int
    key: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published: datetime | None
    metadata_updated: date | None

    @property
    def day(self) -> date | None:
        """The day of its first version, else its listing date."""
        return self.published.date() if self.published else self.metadata_updated

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass(frozen=True, slots=True)
class ListedPaper:
    """A stored paper listed in a window of feed days, with the first day it was listed there."""

    stored: StoredPaper
    first_day: date


@dataclass(frozen=True, slots=True)
class VotedPaper:
    """A stored paper a reader upvoted, with when."""

    stored: StoredPaper
    voted_at: datetime


@dataclass(frozen=True, slots=True)
class FeedListing:
    """A stored paper on a feed list of days, with what the list is ranked by.

    votes: community votes plus the highest upvote count of any of the paper's entries;
    score: votes weighted by how long ago first_day was (the trending score).
    """

    stored: StoredPaper
    first_day: date
    submitted_by: str | None
    votes: int
    score: float
    comments: int
    submissions: int
