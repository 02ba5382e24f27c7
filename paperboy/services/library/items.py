"""Saving papers, tagging them, a private note, read or unread; searching and sorting one's library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from paperboy.domain.accounts import User
from paperboy.domain.clock import utcnow
from paperboy.domain.keyphrases import holds_phrase
from paperboy.domain.library import LibraryItem, clean_note, clean_tags
from paperboy.domain.text import normalise_title
from paperboy.search.query import ParsedQuery, parse_query
from paperboy.services.library.access import NotFound, library_owner, paper_ref
from paperboy.store import Database
from paperboy.store import library as store
from paperboy.store import papers as paper_store

SORTS = ("saved", "published", "title")


@dataclass(frozen=True)
class SaveState:
    """After a save or unsave: whether the paper is now in the reader's library."""

    paper_key: str
    saved: bool


def set_saved(
    db: Database, user: User, paper_key: str, saved: bool, now: datetime | None = None
) -> SaveState:
    """Save the paper (or take it out of the library); doing it twice changes nothing."""
    with db.transaction() as conn:
        owner = library_owner(conn, user)
        paper = paper_ref(conn, paper_key)
        if saved:
            store.save_item(conn, owner.id, paper.id, now or utcnow())
        else:
            store.remove_item(conn, owner.id, paper.id)
        return SaveState(paper.key, saved)


def toggle_saved(db: Database, user: User, paper_key: str, now: datetime | None = None) -> SaveState:
    """Save the paper, or take it out if it was saved already."""
    with db.transaction() as conn:
        owner = library_owner(conn, user)
        paper = paper_ref(conn, paper_key)
        saved = not store.remove_item(conn, owner.id, paper.id)
        if saved:
            store.save_item(conn, owner.id, paper.id, now or utcnow())
        return SaveState(paper.key, saved)


def update_item(
    db: Database,
    user: User,
    paper_key: str,
    tags: str | Sequence[str] | None = None,
    note: str | None = None,
    read: bool | None = None,
    now: datetime | None = None,
) -> LibraryItem:
    """Change tags, note or read state of a saved paper (saving it first if it is not saved).

    Raises LibraryInputError (a tag or note too long) before anything is written.
    """
    cleaned_tags = clean_tags(tags) if tags is not None else None
    cleaned_note = clean_note(note) if note is not None else None
    moment = now or utcnow()
    with db.transaction() as conn:
        owner = library_owner(conn, user)
        paper = paper_ref(conn, paper_key)
        store.save_item(conn, owner.id, paper.id, moment)
        store.update_item(conn, owner.id, paper.id, moment, tags=cleaned_tags, note=cleaned_note, read=read)
        item = store.find_item(conn, owner.id, paper.id)
        assert item is not None  # saved just above, in this transaction
        return item


def find_item(db: Database, user: User, paper_key: str) -> LibraryItem | None:
    """The reader's saved copy of the paper, or None when they have not saved it."""
    with db.connect() as conn:
        try:
            paper = paper_ref(conn, paper_key)
        except NotFound:
            return None
        return store.find_item(conn, user.id, paper.id)


def saved_among(db: Database, user: User, paper_ids: Sequence[int]) -> set[int]:
    """Which of paper_ids the reader has saved (for Save / Saved buttons on a list)."""
    with db.connect() as conn:
        return store.saved_among(conn, user.id, paper_ids)


def saved_keys(db: Database, user: User) -> set[str]:
    """The keys of every paper in the reader's library (one query, for a whole page of cards)."""
    with db.connect() as conn:
        return store.saved_paper_keys(conn, user.id)


def library_items(
    db: Database,
    user: User,
    query: str = "",
    tag: str = "",
    sort: str = "saved",
    read: bool | None = None,
) -> list[LibraryItem]:
    """The reader's library, searched with the search box syntax and sorted.

    Words must all appear (in the title, abstract, authors, tags or note); phrases,
    author:, cat:, after:, before:, has:code and kw: work as in search. Raises QuerySyntaxError.
    """
    parsed = parse_query(query) if query.strip() else ParsedQuery()
    with db.connect() as conn:
        items = store.items_of(conn, user.id)
    wanted_tag = tag.strip().lower()
    chosen = [
        item
        for item in items
        if (not wanted_tag or wanted_tag in item.tags)
        and (read is None or item.read == read)
        and _matches(item, parsed)
    ]
    if sort == "title":
        chosen.sort(key=lambda i: (normalise_title(i.paper.title), i.paper_key))
    elif sort == "published":
        chosen.sort(key=lambda i: (i.paper.published or datetime.min, i.paper_key), reverse=True)
    return chosen


def tags_of(db: Database, user: User) -> list[tuple[str, int]]:
    """The reader's tags with how many papers carry each, most used first."""
    with db.connect() as conn:
        items = store.items_of(conn, user.id)
    counts: dict[str, int] = {}
    for item in items:
        for tag in item.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _matches(item: LibraryItem, query: ParsedQuery) -> bool:
    paper = item.paper
    authors = " ".join(a.name for a in paper.authors).lower()
    text = " ".join([paper.title, paper.abstract, authors, " ".join(item.tags), item.note]).lower()
    words = set(normalise_title(text).split())
    flat = " ".join(normalise_title(text).split())
    if any(normalise_title(w) and not set(normalise_title(w).split()) <= words for w in query.words):
        return False
    if any(normalise_title(p) not in flat for p in query.phrases):
        return False
    if any(a.lower() not in authors for a in query.authors):
        return False
    if query.categories:
        cats = [c.lower() for c in paper.categories]
        if not any(c == q or c.startswith(q + ".") for q in query.categories for c in cats):
            return False
    published: date | None = paper.published.date() if paper.published else None
    if query.after and (published is None or published < query.after):
        return False
    if query.before and (published is None or published > query.before):
        return False
    if query.has_code and not paper.code_url:
        return False
    return all(holds_phrase(paper.keywords, k) for k in query.keywords)


def paper_ids_of(db: Database, paper_keys: Sequence[str]) -> dict[str, int]:
    """Stored paper ids by key (for adding votes and comment counts to a list of papers)."""
    with db.connect() as conn:
        return paper_store.ids_by_key(conn, paper_keys)
