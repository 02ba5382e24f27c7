"""Queries on papers and their feed entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from paperboy.domain import Author, FeedEntry, Paper, PaperByline, PaperRef, StoredPaper
from paperboy.domain.keys import is_title_key, title_key
from paperboy.store.schema import entry, paper, paper_alias, revision_counter


def paper_key(p: Paper, title_norm: str) -> str:
    """The store's key: arXiv id, else the source's own key, else a slug of the
    normalised title with a short digest (domain/keys.py)."""
    return p.arxiv_id or p.source_key or title_key(title_norm)


def _paper_to_row(p: Paper, title_norm: str) -> dict[str, Any]:
    """A paper row's columns from a Paper (row converters are the store's own: every other
    layer speaks Paper and StoredPaper)."""
    return {
        "key": paper_key(p, title_norm),
        "arxiv_id": p.arxiv_id,
        "title": p.title,
        "title_norm": title_norm,
        "abstract": p.abstract,
        "authors": [
            {"name": a.name, "keyname": a.keyname, "forenames": a.forenames, "suffix": a.suffix}
            for a in p.authors
        ],
        "categories": " ".join(p.categories),
        "primary_category": p.primary_category,
        "published": p.published,
        "updated": p.updated,
        "version": p.version,
        "versions": [[number, when.isoformat()] for number, when in p.versions],
        "metadata_updated": p.metadata_updated,
        "doi": p.doi,
        "journal_ref": p.journal_ref,
        "comments": p.comments,
        "report_no": p.report_no,
        "license": p.license,
        "submitter": p.submitter,
        "code_url": p.code_url,
        "source": p.source,
    }


def _row_to_paper(row: Any) -> Paper:
    """A Paper from a paper row, or from the values _paper_to_row made."""
    m = row if isinstance(row, Mapping) else row._mapping
    key = m["key"]
    return Paper(
        title=m["title"],
        abstract=m["abstract"],
        source=m["source"],
        arxiv_id=m["arxiv_id"],
        source_key=None if m["arxiv_id"] or is_title_key(key) else key,
        authors=tuple(Author(**a) for a in m["authors"]),
        categories=tuple(m["categories"].split()),
        published=m["published"],
        updated=m["updated"],
        version=m["version"],
        versions=tuple((int(n), datetime.fromisoformat(w)) for n, w in m["versions"]),
        metadata_updated=m["metadata_updated"],
        doi=m["doi"],
        journal_ref=m["journal_ref"],
        comments=m["comments"],
        report_no=m["report_no"],
        license=m["license"],
        submitter=m["submitter"],
        code_url=m["code_url"],
        keywords=tuple(m.get("keywords") or ()),
    )


def row_to_stored_paper(row: Any, entries: tuple[FeedEntry, ...] = ()) -> StoredPaper:
    """A StoredPaper from a whole paper row (with these feed entries)."""
    return StoredPaper(
        id=row.id,
        key=row.key,
        paper=_row_to_paper(row),
        withdrawn=row.withdrawn,
        first_seen=row.first_seen,
        changed_at=row.changed_at,
        revision=row.revision,
        entries=entries,
    )


def next_revision(conn: Connection) -> int:
    """Take the next change number. On PostgreSQL the row lock orders concurrent writers,
    so revisions become visible in increasing order and a watermark never skips one."""
    bumped = conn.execute(
        update(revision_counter)
        .where(revision_counter.c.name == "paper")
        .values(value=revision_counter.c.value + 1)
    )
    if bumped.rowcount == 0:
        conn.execute(revision_counter.insert().values(name="paper", value=1))
        return 1
    return int(
        conn.execute(select(revision_counter.c.value).where(revision_counter.c.name == "paper")).scalar_one()
    )


def key_of_arxiv_id(conn: Connection, arxiv_id: str) -> str | None:
    """The key of the paper with this arXiv id, whatever key it is kept under."""
    return conn.execute(select(paper.c.key).where(paper.c.arxiv_id == arxiv_id)).scalar()


def rows_by_key(conn: Connection, keys: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(list(set(keys)), 500):
        for row in conn.execute(select(paper).where(paper.c.key.in_(chunk))):
            found[row.key] = row
    return found


def bylines_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, PaperByline]:
    """The bylines of the papers with these ids that are not withdrawn: six columns, no
    text, so an author's page can count thousands and read in full only the ones it shows."""
    found: dict[int, PaperByline] = {}
    byline = select(
        paper.c.id,
        paper.c.key,
        paper.c.authors,
        paper.c.categories,
        paper.c.published,
        paper.c.metadata_updated,
    ).where(paper.c.withdrawn.is_(False))
    for chunk in _chunks(list(set(ids)), 500):
        for row in conn.execute(byline.where(paper.c.id.in_(chunk))):
            found[row.id] = PaperByline(
                id=row.id,
                key=row.key,
                authors=tuple(a["name"] for a in row.authors),
                categories=tuple(row.categories.split()),
                published=row.published,
                metadata_updated=row.metadata_updated,
            )
    return found


def rows_by_title_norm(conn: Connection, title_norms: Iterable[str]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for chunk in _chunks(list(set(title_norms)), 500):
        for row in conn.execute(select(paper).where(paper.c.title_norm.in_(chunk)).order_by(paper.c.id)):
            found.setdefault(row.title_norm, []).append(row)
    return found


def ids_by_key(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """Paper ids by key, for the keys that are stored."""
    ids: dict[str, int] = {}
    for chunk in _chunks(list(keys), 500):
        for key, paper_id in conn.execute(select(paper.c.key, paper.c.id).where(paper.c.key.in_(chunk))):
            ids[key] = paper_id
    return ids


def title_only_norms(conn: Connection) -> set[str]:
    """Normalised titles of the papers known by title alone (no arXiv id, a title key)."""
    rows = conn.execute(
        select(paper.c.key, paper.c.title_norm).where(
            paper.c.arxiv_id.is_(None), or_(~paper.c.key.contains(":"), paper.c.key.startswith("title:"))
        )
    )
    return {norm for key, norm in rows if is_title_key(key)}


@dataclass(frozen=True, slots=True)
class PaperUpdate:
    """A merged paper to write over its stored row (store/bulk.py:paper_update makes one)."""

    paper_id: int
    old_key: str
    values: dict[str, Any]  # the columns to set, as _paper_to_row makes them


def update_papers(conn: Connection, updates: Sequence[PaperUpdate], revision: int, now: datetime) -> None:
    """Write merged papers over their stored rows, changed at revision. A paper whose key
    changed (a title key outgrown) keeps its old one as an alias: old links still work."""
    for change in updates:
        conn.execute(
            update(paper)
            .where(paper.c.id == change.paper_id)
            .values(**change.values, changed_at=now, revision=revision)
        )
    aliases = [(c.old_key, c.paper_id) for c in updates if c.values["key"] != c.old_key]
    add_aliases(conn, aliases, now)


def save_keywords(conn: Connection, chosen: Sequence[tuple[int, int, Sequence[str]]]) -> int:
    """Store key phrases given as (paper id, revision they were chosen at, phrases). A paper
    changed since (another revision) keeps what it has: the indexer reaches its new text
    next. Bumps no revision, so the indexes do not see this as a change. Returns the count."""
    if not chosen:
        return 0
    statement = (
        update(paper)
        .where(paper.c.id == bindparam("paper_id"), paper.c.revision == bindparam("at_revision"))
        .values(keywords=bindparam("chosen"))
    )
    rows = [{"paper_id": pid, "at_revision": rev, "chosen": list(phrases)} for pid, rev, phrases in chosen]
    conn.execute(statement, rows)
    return len(rows)


def mark_withdrawn(conn: Connection, arxiv_ids: Iterable[str], revision: int, now: datetime) -> int:
    """Flag papers as withdrawn; return how many changed."""
    changed = 0
    for chunk in _chunks(list(set(arxiv_ids)), 500):
        changed += conn.execute(
            update(paper)
            .where(paper.c.arxiv_id.in_(chunk), paper.c.withdrawn.is_(False))
            .values(withdrawn=True, revision=revision, changed_at=now)
        ).rowcount
    return changed


def insert_entries(
    conn: Connection,
    entries: Sequence[tuple[int, FeedEntry]],
    now: datetime,
    submitted_by_user_id: int | None = None,
) -> int:
    """Put papers (by row id) on the feed, skipping any (day, paper, origin) already there.

    submitted_by_user_id names the member behind "user" entries (one submission at a time).
    """
    if not entries:
        return 0
    rows = [
        {
            "paper_id": paper_id,
            "day": e.day,
            "origin": e.origin,
            "submitted_by": e.submitted_by,
            "external_upvotes": e.upvotes,
            "created_at": now,
            "submitted_by_user_id": submitted_by_user_id,
            "hidden": False,
        }
        for paper_id, e in entries
    ]
    dialect = conn.dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entry)
    # Count the RETURNING rows: psycopg reports no rowcount for an executemany.
    result = conn.execute(
        insert.on_conflict_do_nothing(index_elements=["day", "paper_id", "origin"]).returning(entry.c.id),
        list(rows),
    )
    added = len(result.all())
    _refresh_upvotes(conn, [r for r in rows if r.get("external_upvotes")])
    return added


def _refresh_upvotes(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """A source's upvote count moves on (a day's list is fetched again): keep the latest."""
    for row in rows:
        conn.execute(
            update(entry)
            .where(
                entry.c.day == row["day"],
                entry.c.paper_id == row["paper_id"],
                entry.c.origin == row["origin"],
                entry.c.external_upvotes != row["external_upvotes"],
            )
            .values(external_upvotes=row["external_upvotes"])
        )


def add_aliases(conn: Connection, aliases: Sequence[tuple[str, int]], now: datetime) -> None:
    """Remember old keys (old key, paper id) of papers whose key changed."""
    if not aliases:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(paper_alias)
    conn.execute(
        insert.on_conflict_do_nothing(index_elements=["key"]),
        [{"key": key, "paper_id": paper_id, "created_at": now} for key, paper_id in aliases],
    )


def paper_id_by_alias(conn: Connection, key: str) -> int | None:
    """The paper that once had this key, if any."""
    found = conn.execute(select(paper_alias.c.paper_id).where(paper_alias.c.key == key)).scalar()
    return int(found) if found is not None else None


def paper_ref_by_key(conn: Connection, key: str) -> PaperRef | None:
    """The id and current key of the paper with this key or a key it had before."""
    row = _by_key_or_alias(conn, key, paper.c.id, paper.c.key)
    return None if row is None else PaperRef(row.id, row.key)


def get_stored_paper(conn: Connection, key: str) -> StoredPaper | None:
    """A paper by key (arXiv id without version, source key, title key, or a key it had
    before), with its feed entries."""
    row = _by_key_or_alias(conn, key, paper)
    if row is None:
        return None
    entries = tuple(
        FeedEntry(day=e.day, origin=e.origin, submitted_by=e.submitted_by, upvotes=e.external_upvotes)
        for e in conn.execute(
            select(entry).where(entry.c.paper_id == row.id).order_by(entry.c.day, entry.c.id)
        )
    )
    return row_to_stored_paper(row, entries)


def _by_key_or_alias(conn: Connection, key: str, *columns: Any) -> Any | None:
    row = conn.execute(select(*columns).where(paper.c.key == key)).first()
    if row is not None:
        return row
    paper_id = paper_id_by_alias(conn, key)
    if paper_id is None:
        return None
    return conn.execute(select(*columns).where(paper.c.id == paper_id)).first()


def paper_counts(conn: Connection) -> dict[str, Any]:
    """Totals for `paperboy stats`."""
    total = conn.execute(select(func.count()).select_from(paper)).scalar_one()
    withdrawn = conn.execute(
        select(func.count()).select_from(paper).where(paper.c.withdrawn.is_(True))
    ).scalar_one()
    with_arxiv = conn.execute(
        select(func.count()).select_from(paper).where(paper.c.arxiv_id.is_not(None))
    ).scalar_one()
    by_source: dict[str, int] = {
        source: count
        for source, count in conn.execute(select(paper.c.source, func.count()).group_by(paper.c.source))
    }
    top_categories = conn.execute(
        select(paper.c.primary_category, func.count().label("n"))
        .group_by(paper.c.primary_category)
        .order_by(func.count().desc(), paper.c.primary_category)
        .limit(10)
    ).all()
    entries = conn.execute(select(func.count()).select_from(entry)).scalar_one()
    days = conn.execute(select(func.min(entry.c.day), func.max(entry.c.day))).one()
    newest = conn.execute(select(func.max(paper.c.published))).scalar()
    return {
        "papers": int(total),
        "withdrawn": int(withdrawn),
        "with_arxiv_id": int(with_arxiv),
        "by_source": {k: int(v) for k, v in by_source.items()},
        "top_categories": [(c or "(none)", int(n)) for c, n in top_categories],
        "entries": int(entries),
        "first_day": _iso(days[0]),
        "last_day": _iso(days[1]),
        "newest_published": _iso(newest),
    }


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
