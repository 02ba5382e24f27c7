"""Every SQL query of the library: saved papers, collections, follows, feedback, unmatched entries.

Every query that reads a reader's data takes the reader's id and filters on it, so no
caller can read another reader's rows by forgetting a check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.domain.library import Collection, CollectionPaper, Follow, LibraryItem, UnmatchedEntry
from paperboy.store.papers import _row_to_paper
from paperboy.store.schema import (
    collection,
    collection_paper,
    feedback,
    follow,
    library_item,
    library_unmatched,
    new_link_secret,
    paper,
)

_CHUNK = 500


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# --- saved papers ---


def _item(row: Any) -> LibraryItem:
    return LibraryItem(
        user_id=row.user_id,
        paper_id=row.paper_id,
        paper_key=row.key,
        paper=_row_to_paper(row),
        tags=tuple(row.tags or ()),
        note=row.note or "",
        read=bool(row.read),
        saved_at=row.saved_at,
    )


def _items_query() -> Any:
    return select(
        paper,
        library_item.c.user_id,
        library_item.c.paper_id,
        library_item.c.tags,
        library_item.c.note,
        library_item.c.read,
        library_item.c.saved_at,
    ).join(paper, paper.c.id == library_item.c.paper_id)


def save_item(
    conn: Connection,
    user_id: int,
    paper_id: int,
    now: datetime,
    tags: Sequence[str] = (),
    note: str = "",
) -> bool:
    """Save the paper in the reader's library; False (and nothing changed) if it was there."""
    added = conn.execute(
        _insert(conn, library_item)
        .values(
            user_id=user_id,
            paper_id=paper_id,
            tags=list(tags),
            note=note,
            read=False,
            saved_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        .returning(library_item.c.paper_id)
    ).first()
    return added is not None


def remove_item(conn: Connection, user_id: int, paper_id: int) -> bool:
    result = conn.execute(
        delete(library_item).where(library_item.c.user_id == user_id, library_item.c.paper_id == paper_id)
    )
    return result.rowcount > 0


def update_item(
    conn: Connection,
    user_id: int,
    paper_id: int,
    now: datetime,
    tags: Sequence[str] | None = None,
    note: str | None = None,
    read: bool | None = None,
) -> bool:
    """Change the given fields of the reader's saved paper; False if it is not saved."""
    values: dict[str, Any] = {"updated_at": now}
    if tags is not None:
        values["tags"] = list(tags)
    if note is not None:
        values["note"] = note
    if read is not None:
        values["read"] = read
    result = conn.execute(
        update(library_item)
        .where(library_item.c.user_id == user_id, library_item.c.paper_id == paper_id)
        .values(**values)
    )
    return result.rowcount > 0


def find_item(conn: Connection, user_id: int, paper_id: int) -> LibraryItem | None:
    row = conn.execute(
        _items_query().where(library_item.c.user_id == user_id, library_item.c.paper_id == paper_id)
    ).first()
    return _item(row) if row else None


def items_of(conn: Connection, user_id: int) -> list[LibraryItem]:
    """Every paper the reader saved, newest save first."""
    rows = conn.execute(
        _items_query()
        .where(library_item.c.user_id == user_id)
        .order_by(library_item.c.saved_at.desc(), library_item.c.paper_id.desc())
    )
    return [_item(r) for r in rows]


def saved_among(conn: Connection, user_id: int, paper_ids: Sequence[int]) -> set[int]:
    """Which of paper_ids the reader has saved."""
    found: set[int] = set()
    for chunk in _chunks(list(set(paper_ids))):
        rows = conn.execute(
            select(library_item.c.paper_id).where(
                library_item.c.user_id == user_id, library_item.c.paper_id.in_(chunk)
            )
        )
        found.update(r.paper_id for r in rows)
    return found


def saved_paper_keys(conn: Connection, user_id: int) -> set[str]:
    """The keys of every paper the reader saved (for Save / Saved on any list)."""
    rows = conn.execute(
        select(paper.c.key)
        .join(library_item, library_item.c.paper_id == paper.c.id)
        .where(library_item.c.user_id == user_id)
    )
    return {r.key for r in rows}


# --- matching imported entries to stored papers ---


def paper_ids_by_arxiv_id(conn: Connection, arxiv_ids: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(list(set(arxiv_ids))):
        for row in conn.execute(select(paper.c.id, paper.c.arxiv_id).where(paper.c.arxiv_id.in_(chunk))):
            found[row.arxiv_id] = row.id
    return found


def paper_ids_by_doi(conn: Connection, dois: Iterable[str]) -> dict[str, int]:
    """Stored papers by DOI, keyed by the lower-cased DOI (DOIs ignore case)."""
    wanted = {d.lower() for d in dois}
    # DOIs are stored as sources give them; asking for the common spellings keeps the index usable.
    variants = list(wanted | {d.upper() for d in wanted} | set(dois))
    found: dict[str, int] = {}
    for chunk in _chunks(variants):
        for row in conn.execute(select(paper.c.id, paper.c.doi).where(paper.c.doi.in_(chunk))):
            found.setdefault(row.doi.lower(), row.id)
    return found


def paper_ids_by_title_norm(conn: Connection, title_norms: Iterable[str]) -> dict[str, int]:
    """Stored papers by normalised title; a title two stored papers share matches neither."""
    found: dict[str, int] = {}
    ambiguous: set[str] = set()
    for chunk in _chunks([t for t in set(title_norms) if t]):
        for row in conn.execute(select(paper.c.id, paper.c.title_norm).where(paper.c.title_norm.in_(chunk))):
            if row.title_norm in found and found[row.title_norm] != row.id:
                ambiguous.add(row.title_norm)
            found[row.title_norm] = row.id
    for title in ambiguous:
        del found[title]
    return found


# --- unmatched imported entries ---


def _unmatched(row: Any, key: str | None = None) -> UnmatchedEntry:
    return UnmatchedEntry(
        id=row.id,
        identity=row.identity,
        title=row.title,
        fields=dict(row.fields or {}),
        reason=row.reason,
        created_at=row.created_at,
        matched_paper_key=key,
    )


def unmatched_of(conn: Connection, user_id: int, pending_only: bool = True) -> list[UnmatchedEntry]:
    query = (
        select(library_unmatched, paper.c.key.label("matched_key"))
        .outerjoin(paper, paper.c.id == library_unmatched.c.matched_paper_id)
        .where(library_unmatched.c.user_id == user_id)
        .order_by(library_unmatched.c.id)
    )
    if pending_only:
        query = query.where(library_unmatched.c.matched_at.is_(None))
    return [_unmatched(r, r.matched_key) for r in conn.execute(query)]


def pending_unmatched(conn: Connection, after_id: int, limit: int) -> list[tuple[int, UnmatchedEntry]]:
    """Unmatched entries of every reader, by id: (user id, entry)."""
    rows = conn.execute(
        select(library_unmatched)
        .where(library_unmatched.c.matched_at.is_(None), library_unmatched.c.id > after_id)
        .order_by(library_unmatched.c.id)
        .limit(limit)
    )
    return [(r.user_id, _unmatched(r)) for r in rows]


def mark_matched(conn: Connection, unmatched_id: int, paper_id: int, now: datetime) -> None:
    conn.execute(
        update(library_unmatched)
        .where(library_unmatched.c.id == unmatched_id)
        .values(matched_paper_id=paper_id, matched_at=now)
    )


# --- collections ---


def _collection(row: Any, size: int = 0) -> Collection:
    return Collection(
        id=row.id,
        owner_id=row.owner_id,
        slug=row.slug,
        name=row.name,
        description=row.description or "",
        public=bool(row.public),
        created_at=row.created_at,
        updated_at=row.updated_at,
        size=size,
    )


def create_collection(
    conn: Connection, owner_id: int, name: str, description: str, public: bool, now: datetime
) -> Collection:
    row = conn.execute(
        collection.insert()
        .values(
            owner_id=owner_id,
            slug=new_link_secret(),
            name=name,
            description=description,
            public=public,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
        .returning(collection)
    ).one()
    return _collection(row)


def _sizes() -> Any:
    return (
        select(collection_paper.c.collection_id, func.count().label("n"))
        .group_by(collection_paper.c.collection_id)
        .subquery()
    )


def find_collection(conn: Connection, slug: str) -> Collection | None:
    """The collection at this address, whoever owns it (callers decide who may see it)."""
    sizes = _sizes()
    row = conn.execute(
        select(collection, func.coalesce(sizes.c.n, 0).label("size"))
        .outerjoin(sizes, sizes.c.collection_id == collection.c.id)
        .where(collection.c.slug == slug)
    ).first()
    return _collection(row, int(row.size)) if row else None


def collections_of(conn: Connection, owner_id: int) -> list[Collection]:
    sizes = _sizes()
    rows = conn.execute(
        select(collection, func.coalesce(sizes.c.n, 0).label("size"))
        .outerjoin(sizes, sizes.c.collection_id == collection.c.id)
        .where(collection.c.owner_id == owner_id)
        .order_by(collection.c.name, collection.c.id)
    )
    return [_collection(r, int(r.size)) for r in rows]


def update_collection(
    conn: Connection, collection_id: int, name: str, description: str, public: bool, now: datetime
) -> None:
    conn.execute(
        update(collection)
        .where(collection.c.id == collection_id)
        .values(name=name, description=description, public=public, updated_at=now)
    )


def delete_collection(conn: Connection, collection_id: int) -> None:
    conn.execute(delete(collection).where(collection.c.id == collection_id))


def touch_collection(conn: Connection, collection_id: int, now: datetime) -> None:
    conn.execute(update(collection).where(collection.c.id == collection_id).values(updated_at=now))


def add_to_collection(conn: Connection, collection_id: int, paper_id: int, now: datetime) -> bool:
    """Put the paper at the end of the collection; False if it is there already."""
    last = conn.execute(
        select(func.max(collection_paper.c.position)).where(collection_paper.c.collection_id == collection_id)
    ).scalar()
    added = conn.execute(
        _insert(conn, collection_paper)
        .values(collection_id=collection_id, paper_id=paper_id, position=(last or 0) + 1, added_at=now)
        .on_conflict_do_nothing(index_elements=["collection_id", "paper_id"])
        .returning(collection_paper.c.paper_id)
    ).first()
    return added is not None


def remove_from_collection(conn: Connection, collection_id: int, paper_id: int) -> bool:
    result = conn.execute(
        delete(collection_paper).where(
            collection_paper.c.collection_id == collection_id, collection_paper.c.paper_id == paper_id
        )
    )
    return result.rowcount > 0


def set_positions(conn: Connection, collection_id: int, paper_ids_in_order: Sequence[int]) -> None:
    for position, paper_id in enumerate(paper_ids_in_order, start=1):
        conn.execute(
            update(collection_paper)
            .where(collection_paper.c.collection_id == collection_id, collection_paper.c.paper_id == paper_id)
            .values(position=position)
        )


def collection_papers(conn: Connection, collection_id: int) -> list[CollectionPaper]:
    rows = conn.execute(
        select(paper, collection_paper.c.position, collection_paper.c.added_at)
        .join(paper, paper.c.id == collection_paper.c.paper_id)
        .where(collection_paper.c.collection_id == collection_id)
        .order_by(collection_paper.c.position, collection_paper.c.added_at)
    )
    return [CollectionPaper(r.position, r.key, _row_to_paper(r), r.added_at) for r in rows]


def collection_paper_ids(conn: Connection, collection_id: int) -> list[int]:
    rows = conn.execute(
        select(collection_paper.c.paper_id)
        .where(collection_paper.c.collection_id == collection_id)
        .order_by(collection_paper.c.position, collection_paper.c.added_at)
    )
    return [r.paper_id for r in rows]


# --- follows ---


def add_follow(conn: Connection, user_id: int, kind: str, value: str, now: datetime) -> bool:
    added = conn.execute(
        _insert(conn, follow)
        .values(user_id=user_id, kind=kind, value=value, value_norm=value.lower(), created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "value_norm"])
        .returning(follow.c.kind)
    ).first()
    return added is not None


def remove_follow(conn: Connection, user_id: int, kind: str, value: str) -> bool:
    result = conn.execute(
        delete(follow).where(
            follow.c.user_id == user_id, follow.c.kind == kind, follow.c.value_norm == value.lower()
        )
    )
    return result.rowcount > 0


def follows_of(conn: Connection, user_id: int) -> list[Follow]:
    rows = conn.execute(
        select(follow).where(follow.c.user_id == user_id).order_by(follow.c.kind, follow.c.value_norm)
    )
    return [Follow(r.kind, r.value, r.created_at) for r in rows]


# --- feedback for the "for you" ranking ---


def add_feedback(conn: Connection, user_id: int, paper_id: int, kind: str, now: datetime) -> bool:
    added = conn.execute(
        _insert(conn, feedback)
        .values(user_id=user_id, paper_id=paper_id, kind=kind, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "paper_id", "kind"])
        .returning(feedback.c.kind)
    ).first()
    return added is not None


def remove_feedback(conn: Connection, user_id: int, paper_id: int, kind: str) -> bool:
    result = conn.execute(
        delete(feedback).where(
            feedback.c.user_id == user_id, feedback.c.paper_id == paper_id, feedback.c.kind == kind
        )
    )
    return result.rowcount > 0


def feedback_paper_ids(conn: Connection, user_id: int, kind: str) -> set[int]:
    rows = conn.execute(
        select(feedback.c.paper_id).where(feedback.c.user_id == user_id, feedback.c.kind == kind)
    )
    return {r.paper_id for r in rows}


def authors_and_categories(conn: Connection, keys: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
    """(author names, categories) of the stored papers with these keys, what follows match on.
    Two columns rather than whole papers: the for-you page marks up to 5,000 candidates."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for chunk in _chunks(list(set(keys))):
        columns = (paper.c.key, paper.c.authors, paper.c.categories)
        rows = conn.execute(select(*columns).where(paper.c.key.in_(chunk)))
        for row in rows:
            names = [a.get("name", "") for a in (row.authors or [])]
            found[row.key] = (names, (row.categories or "").split())
    return found


# --- bulk writes for imports (one statement per batch) ---


def save_items(
    conn: Connection, user_id: int, new: Sequence[tuple[int, Sequence[str], str]], now: datetime
) -> None:
    """Save (paper id, tags, note) triples; papers already saved are left as they are."""
    if not new:
        return
    conn.execute(
        _insert(conn, library_item).on_conflict_do_nothing(index_elements=["user_id", "paper_id"]),
        [
            {"user_id": user_id, "paper_id": p, "tags": list(t), "note": n, "read": False,
             "saved_at": now, "updated_at": now}
            for p, t, n in new
        ],
    )  # fmt: skip


def kept_identities(conn: Connection, user_id: int, identities: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(set(identities))):
        rows = conn.execute(
            select(library_unmatched.c.identity).where(
                library_unmatched.c.user_id == user_id, library_unmatched.c.identity.in_(chunk)
            )
        )
        found.update(r.identity for r in rows)
    return found


def keep_unmatched_many(
    conn: Connection, user_id: int, rows: Sequence[dict[str, Any]], now: datetime
) -> None:
    """Keep unmatched entries (identity, title, fields, format, reason); ones kept already stay."""
    if not rows:
        return
    conn.execute(
        _insert(conn, library_unmatched).on_conflict_do_nothing(index_elements=["user_id", "identity"]),
        [{**row, "user_id": user_id, "created_at": now} for row in rows],
    )
