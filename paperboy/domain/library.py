"""A reader's library: saved papers, collections, follows, and entries read from library files.

Plain records and pure rules (tag cleaning, how an imported entry is matched). No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from paperboy.domain.arxiv_ids import InvalidArxivId, parse_arxiv_id
from paperboy.domain.errors import UserFacingError
from paperboy.domain.records import Paper, Rejection
from paperboy.domain.text import normalise_title

MAX_TAGS = 20
MAX_TAG_LENGTH = 40
MAX_NOTE_LENGTH = 10_000
MAX_COLLECTION_NAME = 200
MAX_COLLECTION_DESCRIPTION = 5_000
# What a reader can follow.
FollowKind = Literal["author", "category"]
FOLLOW_KINDS: tuple[FollowKind, ...] = ("author", "category")

_TAG_SPACE = re.compile(r"\s+")
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
# An arXiv id written anywhere in a field: "arXiv:2402.01234", an abs/pdf URL, the arXiv DOI.
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv[:./\s]*(?:abs/|pdf/)?|10\.48550/arxiv\.)(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)


class LibraryInputError(UserFacingError, ValueError):
    """A tag, note, name or description a reader typed is not acceptable; says why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class LibraryItem:
    """One paper in one reader's library."""

    user_id: int
    paper_id: int
    paper_key: str
    paper: Paper
    tags: tuple[str, ...]
    note: str
    read: bool
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class Collection:
    """A named, ordered reading list. slug is random: it is the public page's address."""

    id: int
    owner_id: int
    slug: str
    name: str
    description: str
    public: bool
    created_at: datetime
    updated_at: datetime
    size: int = 0


@dataclass(frozen=True, slots=True)
class CollectionPaper:
    """A paper at its place in a collection."""

    position: int
    paper_key: str
    paper: Paper
    added_at: datetime


@dataclass(frozen=True, slots=True)
class Follow:
    """A reader follows an author (by name) or a category (e.g. cs.LG)."""

    kind: str  # one of FOLLOW_KINDS
    value: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SignalPaper:
    """A paper one of a reader's signals names, as the page listing them shows it (a saved
    paper with its tags)."""

    key: str
    title: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MarkedPaper:
    """A paper a reader saved, upvoted or marked (not interested), by its store id and key:
    what a digest ranks from, without the paper itself (a batch reads thousands)."""

    paper_id: int
    key: str
    marked_at: datetime  # when saved, upvoted or marked
    tags: tuple[str, ...] = ()  # a saved paper's


@dataclass(slots=True)
class ReaderSignals:
    """One reader's for-you signals, each list in no particular order."""

    saved: list[MarkedPaper] = field(default_factory=list)
    upvoted: list[MarkedPaper] = field(default_factory=list)
    refused: list[MarkedPaper] = field(default_factory=list)  # marked with the feedback kind asked
    follows: list[Follow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FollowMark:
    """Why a paper is marked on the feed for a reader: the follows it matches."""

    paper_key: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(slots=True)
class LibraryEntry:
    """One entry of a BibTeX, RIS or CSL-JSON file, as far as matching and keeping it need."""

    location: str
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    tags: tuple[str, ...] = ()
    note: str = ""
    # The entry's fields as read (strings), kept so a later harvest can still match it.
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def title_norm(self) -> str:
        return normalise_title(self.title) if self.title else ""

    def identity(self) -> str:
        """What makes two imports of the same entry the same: its best identifier."""
        if self.arxiv_id:
            return "arxiv:" + self.arxiv_id
        if self.doi:
            return "doi:" + self.doi.lower()
        return "title:" + self.title_norm


@dataclass(frozen=True, slots=True)
class ParsedLibraryFile:
    """What a parser read: entries, entries refused (with location and reason), and warnings."""

    entries: tuple[LibraryEntry, ...]
    rejections: tuple[Rejection, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnmatchedEntry:
    """An imported entry no stored paper matched (yet), kept for a later harvest."""

    id: int
    identity: str
    title: str
    fields: dict[str, str]
    reason: str
    created_at: datetime
    matched_paper_key: str | None = None


@dataclass
class ImportReport:
    """What one import did."""

    format: str
    entries: int = 0
    saved: int = 0
    already_saved: int = 0
    unmatched: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    unmatched_entries: list[tuple[str, str, str]] = field(default_factory=list)  # location, title, reason
    warnings: list[str] = field(default_factory=list)

    KEEP = 200

    def to_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "entries": self.entries,
            "saved": self.saved,
            "already_saved": self.already_saved,
            "unmatched": self.unmatched,
            "rejected": self.rejected,
            "rejections": [{"location": r.location, "reason": r.reason} for r in self.rejections],
            "unmatched_entries": [
                {"location": loc, "title": title, "reason": reason}
                for loc, title, reason in self.unmatched_entries
            ],
            "warnings": list(self.warnings),
        }


def clean_tags(text: str | Sequence[str]) -> tuple[str, ...]:
    """Tags from comma-separated text (or a list): trimmed, lower-cased, unique, in order."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    tags: list[str] = []
    for part in parts:
        tag = _TAG_SPACE.sub(" ", str(part)).strip().lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise LibraryInputError(
                f"The tag {tag[:50]!r} is longer than {MAX_TAG_LENGTH} characters.", "tags"
            )
        if any(ord(c) < 32 for c in tag):
            raise LibraryInputError("Tags cannot contain control characters.", "tags")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise LibraryInputError(f"A paper can have at most {MAX_TAGS} tags.", "tags")
    return tuple(tags)


def clean_note(text: str) -> str:
    note = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise LibraryInputError(f"A note can be at most {MAX_NOTE_LENGTH:,} characters.", "note")
    return note


def arxiv_id_in(text: str | None) -> str | None:
    """An arXiv id (without version) written in a field, or None."""
    if not text:
        return None
    value = text.strip()
    try:
        return parse_arxiv_id(value)[0]
    except InvalidArxivId:
        pass
    found = _ARXIV_IN_TEXT.search(value)
    if found:
        try:
            return parse_arxiv_id(found.group(1))[0]
        except InvalidArxivId:
            return None
    return None


def doi_in(text: str | None) -> str | None:
    """A DOI (without the https://doi.org/ prefix) written in a field, or None."""
    if not text:
        return None
    found = _DOI.search(text.strip())
    return found.group(1).rstrip(".,;") if found else None
