"""The ingest service: validate, deduplicate, merge and upsert what sources yield.

Work is committed in batches, so a crash loses at most the batch in flight and a rerun
completes it; running the same input twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from paperboy.domain import (
    Deletion,
    FeedEntry,
    IngestReport,
    Paper,
    Rejection,
    SourceItem,
    SourceRecord,
    normalise_title,
)
from paperboy.domain.clock import utcnow
from paperboy.services.background import can_prepare_in_background, prepared_in_background
from paperboy.services.merge import merge_papers
from paperboy.services.validate import InvalidPaper, validate_paper
from paperboy.store import Database, runs
from paperboy.store import papers as paper_store

Progress = Callable[[int], None]


@dataclass
class _Candidate:
    """One paper of a batch, after merging every record of it the batch holds."""

    paper: Paper
    title_norm: str
    location: str
    entries: list[FeedEntry] = field(default_factory=list)

    @property
    def identity(self) -> str:
        return paper_store.paper_key(self.paper, self.title_norm)


@dataclass
class PreparedBatch:
    """A batch checked and deduplicated, ready to meet the store. Needs no database,
    so it can be made in another process while the store takes the previous one."""

    size: int
    candidates: dict[str, _Candidate] = field(default_factory=dict)
    deletions: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def ingest_items(
    db: Database,
    items: Iterable[SourceItem],
    *,
    kind: str,
    detail: str = "",
    batch_size: int = 1000,
    progress: Progress | None = None,
    prepare_in_background: bool = False,
) -> IngestReport:
    """Ingest a stream of source items in committed batches and record the run.

    With prepare_in_background, reading and checking happen in a child process while
    this one writes: worth it for large files, where both halves are CPU-bound.
    """
    report = IngestReport()
    with db.transaction() as conn:
        run_id = runs.start_run(conn, kind, detail, utcnow())
    try:
        if prepare_in_background and can_prepare_in_background():
            prepared = prepared_in_background(items, batch_size, prepare_batch)
        else:
            prepared = (prepare_batch(batch) for batch in _batches(items, batch_size))
        for batch in prepared:
            with db.transaction() as conn:
                apply_batch(conn, batch, report)
            if progress:
                progress(batch.size)
    except KeyboardInterrupt:
        report.error = "interrupted; batches committed so far are kept, rerun to finish"
        raise
    except OSError as exc:
        report.error = f"reading stopped: {exc}"
    finally:
        with db.transaction() as conn:
            runs.finish_run(conn, run_id, report, utcnow())
    return report


def ingest_batch(conn: Connection, items: Iterable[SourceItem], report: IngestReport) -> None:
    """Check and apply one batch inside the caller's transaction, adding to report."""
    apply_batch(conn, prepare_batch(items), report)


def prepare_batch(items: Iterable[SourceItem]) -> PreparedBatch:
    """Validate and deduplicate a batch; no database needed."""
    items = list(items)
    batch = PreparedBatch(size=len(items))
    for item in items:
        if isinstance(item, Rejection):
            batch.rejections.append(item)
        elif isinstance(item, Deletion):
            batch.deletions.append(item.arxiv_id)
        else:
            _add_candidate(batch, item)
    _fold_titles_into_ids(batch.candidates)
    return batch


def apply_batch(conn: Connection, batch: PreparedBatch, report: IngestReport) -> None:
    """Write a prepared batch inside the caller's transaction."""
    for rejection in batch.rejections:
        report.reject(rejection)
    candidates = batch.candidates
    now = utcnow()
    revision: list[int] = []

    def take_revision() -> int:
        if not revision:
            revision.append(paper_store.next_revision(conn))
        return revision[0]

    paper_ids = _upsert(conn, list(candidates.values()), report, now, take_revision)
    entry_rows = [
        {
            "paper_id": paper_ids[identity],
            "day": e.day,
            "origin": e.origin,
            "submitted_by": e.submitted_by,
            "external_upvotes": e.upvotes,
            "created_at": now,
        }
        for identity, c in candidates.items()
        for e in c.entries
    ]
    report.entries_added += paper_store.insert_entries(conn, entry_rows)
    if batch.deletions:
        report.deleted += paper_store.mark_withdrawn(conn, batch.deletions, take_revision(), now)


def _add_candidate(batch: PreparedBatch, record: SourceRecord) -> None:
    try:
        paper, norm = validate_paper(record.paper)
    except InvalidPaper as exc:
        batch.rejections.append(Rejection(record.location, str(exc)))
        return
    candidates = batch.candidates
    candidate = _Candidate(paper, norm, record.location, [record.entry] if record.entry else [])
    earlier = candidates.get(candidate.identity)
    if earlier is None:
        candidates[candidate.identity] = candidate
    else:
        earlier.paper = merge_papers(earlier.paper, paper)
        earlier.entries.extend(candidate.entries)


def _fold_titles_into_ids(candidates: dict[str, _Candidate]) -> None:
    """A record known only by title joins a record of the same batch that has an id."""
    with_id = {c.title_norm: c for c in candidates.values() if c.paper.arxiv_id}
    for identity in [i for i in candidates if i.startswith(paper_store.TITLE_KEY_PREFIX)]:
        target = with_id.get(candidates[identity].title_norm)
        if target is not None:
            orphan = candidates.pop(identity)
            target.paper = merge_papers(target.paper, orphan.paper)
            target.entries.extend(orphan.entries)


def _upsert(
    conn: Connection,
    candidates: list[_Candidate],
    report: IngestReport,
    now: datetime,
    take_revision: Callable[[], int],
) -> dict[str, int]:
    """Insert or update each candidate; return paper ids by candidate identity."""
    by_key = paper_store.rows_by_key(conn, [c.identity for c in candidates])
    unmatched = [c for c in candidates if c.identity not in by_key]
    by_title = paper_store.rows_by_title_norm(conn, [c.title_norm for c in unmatched])
    ids: dict[str, int] = {}
    inserts: list[tuple[str, dict[str, Any]]] = []
    updates: list[dict[str, Any]] = []
    claimed: set[int] = set()
    for c in candidates:
        row = by_key.get(c.identity) or _title_match(c, by_title.get(c.title_norm, []), claimed)
        if row is None:
            values = paper_store.paper_to_row(c.paper, c.title_norm)
            values.update(first_seen=now, changed_at=now, revision=take_revision(), withdrawn=False)
            inserts.append((c.identity, values))
            continue
        claimed.add(row.id)
        ids[c.identity] = row.id
        # Re-imports mostly bring what is stored already: compare before building and
        # merging Papers (identical content merges to itself).
        values = paper_store.paper_to_row(c.paper, c.title_norm)
        values["withdrawn"] = row.withdrawn
        if all(values[col] == getattr(row, col) for col in paper_store.CONTENT_COLUMNS):
            report.unchanged += 1
            continue
        stored = paper_store.row_to_paper(row)
        merged = merge_papers(stored, c.paper)
        values = paper_store.paper_to_row(merged, normalise_title(merged.title))
        values["withdrawn"] = row.withdrawn
        if all(values[col] == getattr(row, col) for col in paper_store.CONTENT_COLUMNS):
            report.unchanged += 1
            continue
        values.update(id=row.id, changed_at=now, revision=take_revision())
        updates.append(values)
    paper_store.update_papers(conn, updates)
    report.updated += len(updates)
    # Ids are wanted only for feed entries; a snapshot has none, so skip reading them back.
    wanted = {c.identity for c in candidates if c.entries}
    new_ids = paper_store.insert_papers(
        conn, [values for _, values in inserts], return_ids=any(i in wanted for i, _ in inserts)
    )
    report.added += len(inserts)
    for identity, values in inserts:
        if identity in wanted:
            ids[identity] = new_ids[values["key"]]
    return ids


def _title_match(candidate: _Candidate, rows: list[Any], claimed: set[int]) -> Any | None:
    """A stored paper this candidate is by title: a title-only record joins a stored paper
    of that title, or an arXiv record meets a stored title-only paper. Records with ids of
    their own (two arXiv ids, two source keys) never merge by title."""
    paper = candidate.paper
    for row in rows:
        if row.id in claimed:
            continue
        if paper.arxiv_id is None and paper.source_key is None:
            return row
        if paper.arxiv_id is not None and row.key.startswith(paper_store.TITLE_KEY_PREFIX):
            return row
    return None


def _batches(items: Iterable[SourceItem], size: int) -> Iterator[list[SourceItem]]:
    batch: list[SourceItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
