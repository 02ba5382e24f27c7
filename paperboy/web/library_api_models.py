"""The library API's bodies: saved papers, collections, follows and import reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from paperboy.domain.library import (
    MAX_COLLECTION_DESCRIPTION,
    MAX_COLLECTION_NAME,
    MAX_NOTE_LENGTH,
    Collection,
    FollowKind,
    LibraryItem,
)
from paperboy.web.api_models import PaperOut


class LibraryItemIn(BaseModel):
    """Fields left out stay as they are; PUT saves the paper first if it is not saved."""

    tags: list[str] | None = Field(None, max_length=100, description="Tags (trimmed, lower-cased).")
    note: str | None = Field(None, max_length=MAX_NOTE_LENGTH * 2, description="A private note.")
    read: bool | None = None


class LibraryItemOut(BaseModel):
    paper: PaperOut
    tags: list[str]
    note: str = Field(description="The reader's private note; no one else sees it.")
    read: bool
    saved_at: datetime

    @classmethod
    def of(cls, item: LibraryItem, votes: int, comment_count: int) -> LibraryItemOut:
        return cls(
            paper=PaperOut.of(item.paper_key, item.paper, votes, comment_count),
            tags=list(item.tags),
            note=item.note,
            read=item.read,
            saved_at=item.saved_at,
        )


class TagOut(BaseModel):
    tag: str
    papers: int


class LibraryOut(BaseModel):
    query: str
    tag: str
    sort: str = Field(description="saved (newest save first), published (newest first) or title.")
    page: int
    per_page: int
    pages: int
    total: int = Field(description="Papers found, on every page.")
    items: list[LibraryItemOut]
    tags: list[TagOut] = Field(description="Every tag of the library, most used first.")


class SavedOut(BaseModel):
    paper: str = Field(description="The paper's key.")
    saved: bool = Field(description="Whether the paper is now in the reader's library.")


class RejectedEntryOut(BaseModel):
    location: str = Field(description="Where in the file: the entry's key or line.")
    reason: str


class UnmatchedEntryOut(BaseModel):
    location: str
    title: str
    reason: str


class ImportOut(BaseModel):
    format: str
    entries: int
    saved: int = Field(description="Entries matched to a paper and saved now.")
    already_saved: int
    unmatched: int = Field(description="Entries no paper matched yet; kept, matched after a harvest.")
    rejected: int = Field(description="Entries refused (the reasons are in rejections, the first 200).")
    rejections: list[RejectedEntryOut]
    unmatched_entries: list[UnmatchedEntryOut]
    warnings: list[str]


class CollectionIn(BaseModel):
    name: str = Field(max_length=MAX_COLLECTION_NAME * 2)
    description: str = Field("", max_length=MAX_COLLECTION_DESCRIPTION * 2)
    public: bool = False


class CollectionPatch(BaseModel):
    """Fields left out stay as they are."""

    name: str | None = Field(None, max_length=MAX_COLLECTION_NAME * 2)
    description: str | None = Field(None, max_length=MAX_COLLECTION_DESCRIPTION * 2)
    public: bool | None = None


class CollectionOut(BaseModel):
    slug: str = Field(description="The collection's address: /collections/{slug}.")
    name: str
    description: str
    public: bool
    papers: int = Field(description="How many papers it holds.")
    created_at: datetime
    updated_at: datetime
    page: str
    feed: str | None = Field(description="The Atom feed of a public collection.")

    @classmethod
    def of(cls, c: Collection) -> CollectionOut:
        page = f"/collections/{c.slug}"
        return cls(
            slug=c.slug,
            name=c.name,
            description=c.description,
            public=c.public,
            papers=c.size,
            created_at=c.created_at,
            updated_at=c.updated_at,
            page=page,
            feed=f"{page}/feed.atom" if c.public else None,
        )


class CollectionPaperOut(BaseModel):
    position: int
    paper: PaperOut
    added_at: datetime


class CollectionDetailOut(BaseModel):
    collection: CollectionOut
    owner: str = Field(description="The owner's display name.")
    editable: bool = Field(description="Whether the signed-in reader owns it.")
    papers: list[CollectionPaperOut] = Field(description="In the owner's order.")


class MoveIn(BaseModel):
    paper: str = Field(max_length=1_000, description="The paper's key.")
    offset: int = Field(ge=-10_000, le=10_000, description="Places to move: negative is up.")


class FollowOut(BaseModel):
    kind: FollowKind
    value: str
    following: bool = True
