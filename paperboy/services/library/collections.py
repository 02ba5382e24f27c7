"""Collections: named, ordered reading lists; private or public (a page and an Atom feed).

Only the owner changes a collection. A private collection is found by nobody else: to
them it does not exist (NotFound), so its address does not even confirm it is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from paperboy.domain.accounts import User
from paperboy.domain.clock import utcnow
from paperboy.domain.library import (
    MAX_COLLECTION_DESCRIPTION,
    MAX_COLLECTION_NAME,
    Collection,
    CollectionPaper,
    LibraryInputError,
)
from paperboy.services.community.access import acting_member
from paperboy.services.library.access import NotFound, library_owner, paper_ref
from paperboy.store import Database
from paperboy.store import accounts as account_store
from paperboy.store import library as store

MAX_COLLECTIONS = 500
MAX_PAPERS_PER_COLLECTION = 5_000
_GONE = "There is no collection at this address (or it is private)."


@dataclass(frozen=True)
class CollectionView:
    """A collection as one viewer may see it: its papers, and whether they may edit it."""

    collection: Collection
    papers: list[CollectionPaper]
    owner_name: str
    editable: bool


def _clean(name: str, description: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    description = (description or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not name:
        raise LibraryInputError("Give the collection a name.", "name")
    if len(name) > MAX_COLLECTION_NAME:
        raise LibraryInputError(
            f"A collection's name can be at most {MAX_COLLECTION_NAME} characters.", "name"
        )
    if len(description) > MAX_COLLECTION_DESCRIPTION:
        raise LibraryInputError(
            f"A description can be at most {MAX_COLLECTION_DESCRIPTION:,} characters.", "description"
        )
    return name, description


def _owned(conn: Connection, user: User, slug: str) -> Collection:
    found = store.find_collection(conn, (slug or "")[:64])
    if found is None or found.owner_id != user.id:
        raise NotFound(_GONE)
    return found


def create_collection(
    db: Database,
    user: User,
    name: str,
    description: str = "",
    public: bool = False,
    now: datetime | None = None,
) -> Collection:
    """A new, empty collection owned by user. A public one needs an account in good standing."""
    name, description = _clean(name, description)
    with db.transaction() as conn:
        owner = acting_member(conn, user) if public else library_owner(conn, user)
        if len(store.collections_of(conn, owner.id)) >= MAX_COLLECTIONS:
            raise LibraryInputError(f"You have {MAX_COLLECTIONS} collections, the most one reader can have.")
        return store.create_collection(conn, owner.id, name, description, public, now or utcnow())


def update_collection(
    db: Database,
    user: User,
    slug: str,
    name: str,
    description: str,
    public: bool,
    now: datetime | None = None,
) -> Collection:
    name, description = _clean(name, description)
    with db.transaction() as conn:
        owner = acting_member(conn, user) if public else library_owner(conn, user)
        found = _owned(conn, owner, slug)
        store.update_collection(conn, found.id, name, description, public, now or utcnow())
        updated = store.find_collection(conn, found.slug)
        assert updated is not None
        return updated


def delete_collection(db: Database, user: User, slug: str) -> None:
    with db.transaction() as conn:
        found = _owned(conn, library_owner(conn, user), slug)
        store.delete_collection(conn, found.id)


def add_paper(db: Database, user: User, slug: str, paper_key: str, now: datetime | None = None) -> bool:
    """Put the paper at the end of the user's collection; False if it was there."""
    moment = now or utcnow()
    with db.transaction() as conn:
        found = _owned(conn, library_owner(conn, user), slug)
        if found.size >= MAX_PAPERS_PER_COLLECTION:
            raise LibraryInputError(f"A collection holds at most {MAX_PAPERS_PER_COLLECTION:,} papers.")
        paper = paper_ref(conn, paper_key)
        added = store.add_to_collection(conn, found.id, paper.id, moment)
        store.touch_collection(conn, found.id, moment)
        return added


def remove_paper(db: Database, user: User, slug: str, paper_key: str, now: datetime | None = None) -> bool:
    with db.transaction() as conn:
        found = _owned(conn, library_owner(conn, user), slug)
        paper = paper_ref(conn, paper_key)
        removed = store.remove_from_collection(conn, found.id, paper.id)
        store.touch_collection(conn, found.id, now or utcnow())
        return removed


def move_paper(db: Database, user: User, slug: str, paper_key: str, offset: int) -> None:
    """Move the paper up (offset < 0) or down (offset > 0) the owner's order."""
    with db.transaction() as conn:
        found = _owned(conn, library_owner(conn, user), slug)
        paper = paper_ref(conn, paper_key)
        order = store.collection_paper_ids(conn, found.id)
        if paper.id not in order:
            raise NotFound("That paper is not in this collection.")
        here = order.index(paper.id)
        there = max(0, min(len(order) - 1, here + offset))
        order.insert(there, order.pop(here))
        store.set_positions(conn, found.id, order)


def my_collections(db: Database, user: User) -> list[Collection]:
    with db.connect() as conn:
        return store.collections_of(conn, user.id)


def view_collection(db: Database, viewer: User | None, slug: str) -> CollectionView:
    """The collection at slug as viewer may see it; NotFound if private and not theirs."""
    with db.connect() as conn:
        found = store.find_collection(conn, (slug or "")[:64])
        mine = found is not None and viewer is not None and found.owner_id == viewer.id
        if found is None or not (found.public or mine):
            raise NotFound(_GONE)
        owner = account_store.find_user(conn, found.owner_id)
        return CollectionView(
            collection=found,
            papers=store.collection_papers(conn, found.id),
            owner_name=owner.shown_name if owner else "a former member",
            editable=mine,
        )
