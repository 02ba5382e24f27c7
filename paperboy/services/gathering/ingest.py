"""The ingest service: validate, deduplicate, merge and upsert what sources yield.

Work is committed in batches, so a crash loses at most the batch in flight and a rerun
completes it; running the same input twice changes nothing the second time.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

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
from paperboy.domain.keys import is_title_key
from paperboy.services.gathering.background import can_prepare_in_background, prepared_in_background
from paperboy.services.gathering.merge import merge_papers
from paperboy.services.gathering.validate import InvalidPaper, validate_papers
from paperboy.store import Database, bulk, runs
from paperboy.store import papers as paper_store

Progress = Callable[[int], None]

# Records a child process prepares at a time; transactions may span several of these.
_PREPARE_CHUNK = 1000
# Records per transaction of a bulk load (at least): a commit, and the revision each
# transaction takes, cost the same for 1,000 records as for 20,000.
BULK_TRANSACTION = 20_000


# One paper of a batch, after merging every record of it the batch holds: (identity,
# arXiv id, normalised title, stored content, feed entries). The content is store/bulk.py's
# CONTENT tuple, as the store holds it: plain values, cheap to send between processes and
# to compare with a stored row. A plain tuple, not a named one: unpickling a named tuple
# calls its Python __new__, which for a 200,000-record file costs as much as the rest of
# the candidate's transport.
_Candidate = tuple[str, "str | None", str, tuple[Any, ...], "tuple[FeedEntry, ...]"]


@dataclass
class PreparedBatch:
    """A batch checked and deduplicated, ready to meet the store. Needs no database,
    so it can be made in another process while the store takes the previous one."""

    size: int
    candidates: list[_Candidate] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class _RunState:
    """What one run remembers across its batches: the normalised titles of papers known
    by title alone (the only stored papers an arXiv record can meet by title), so that
    a batch of arXiv records asks the store by title only when one of them may match."""

    title_only: set[str]


def ingest_items(
    db: Database,
    items: Iterable[SourceItem],
    *,
    kind: str,
    detail: str = "",
    batch_size: int = 1000,
    progress: Progress | None = None,
    prepare_in_background: bool = False,
    bulk_load: bool = False,
) -> IngestReport:
    """Ingest a stream of source items in committed batches and record the run.

    With prepare_in_background, reading and checking happen in a child process while
    this one writes: worth it for large files, where both halves are CPU-bound. With
    bulk_load (a large file), transactions hold at least BULK_TRANSACTION records, and a
    load into an empty store drops paper's plain indexes and builds them once at the end.
    """
    with _few_collections() if bulk_load else nullcontext():
        return _ingest(db, items, kind, detail, batch_size, progress, prepare_in_background, bulk_load)


@contextmanager
def _few_collections() -> Iterator[None]:
    """Python's cycle collector off its usual pace for a bulk load. Every record makes
    dozens of objects, so the collector's default (a pass per 700 allocations, each
    older generation passed over again and again) costs as much as the writing; ingest
    makes almost no cycles, so a pass per 100,000 allocations finds what little there is.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _ingest(
    db: Database,
    items: Iterable[SourceItem],
    kind: str,
    detail: str,
    batch_size: int,
    progress: Progress | None,
    prepare_in_background: bool,
    bulk_load: bool,
) -> IngestReport:
    report = IngestReport()
    with db.transaction() as conn:
        run_id = runs.start_run(conn, kind, detail, utcnow())
        bulk.restore_paper_indexes(conn)  # after a bulk load that died half-way
        state = _RunState(paper_store.title_only_norms(conn))
        dropped = bulk.drop_secondary_indexes(conn) if bulk_load and bulk.paper_table_is_empty(conn) else []
    chunk = min(batch_size, _PREPARE_CHUNK)
    per_transaction = max(batch_size, BULK_TRANSACTION) if bulk_load else batch_size
    prepare = partial(prepare_batch, dialect=db.engine.dialect)
    try:
        if prepare_in_background and can_prepare_in_background():
            prepared = prepared_in_background(items, chunk, prepare)
        else:
            prepared = (prepare(batch) for batch in _batches(items, chunk))
        for group in _transactions(prepared, per_transaction):
            with db.transaction() as conn:
                revision = _Revision(conn)
                for batch in group:
                    _apply(conn, batch, report, state, revision)
            if progress:
                progress(sum(batch.size for batch in group))
    except KeyboardInterrupt:
        report.error = "interrupted; batches committed so far are kept, rerun to finish"
        raise
    except OSError as exc:
        report.error = f"reading stopped: {exc}"
    finally:
        with db.transaction() as conn:
            if dropped:
                bulk.restore_paper_indexes(conn)
            runs.finish_run(conn, run_id, report, utcnow())
    return report


def ingest_batch(conn: Connection, items: Iterable[SourceItem], report: IngestReport) -> None:
    """Check and apply one batch inside the caller's transaction, adding to report."""
    apply_batch(conn, prepare_batch(items, conn.dialect), report)


def prepare_batch(items: Iterable[SourceItem], dialect: Dialect) -> PreparedBatch:
    """Validate and deduplicate a batch, rows in the form the dialect's store holds;
    no database needed."""
    items = list(items)
    batch = PreparedBatch(size=len(items))
    papers: dict[str, _Merging] = {}
    # Validated together (validate_papers checks some fields batch-wide), then taken in
    # the input's order, so rejections keep it.
    checked = iter(validate_papers([item.paper for item in items if isinstance(item, SourceRecord)]))
    for item in items:
        if isinstance(item, Rejection):
            batch.rejections.append(item)
        elif isinstance(item, Deletion):
            batch.deletions.append(item.arxiv_id)
        else:
            result = next(checked)
            if isinstance(result, InvalidPaper):
                batch.rejections.append(Rejection(item.location, str(result)))
            else:
                _add_record(papers, item, *result)
    _fold_titles_into_ids(papers)
    encode = bulk.paper_encoder(dialect)
    add = batch.candidates.append
    for identity, merging in papers.items():
        norm = merging.title_norm if not merging.merged else normalise_title(merging.paper.title)
        paper = merging.paper
        add((identity, paper.arxiv_id, norm, encode(paper, norm), tuple(merging.entries)))
    return batch


def apply_batch(conn: Connection, batch: PreparedBatch, report: IngestReport) -> None:
    """Write a prepared batch inside the caller's transaction."""
    _apply(conn, batch, report, _RunState(paper_store.title_only_norms(conn)), _Revision(conn))


class _Revision:
    """The change number of one transaction, taken from the counter on first use."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.value: int | None = None

    def __call__(self) -> int:
        if self.value is None:
            self.value = paper_store.next_revision(self.conn)
        return self.value


def _apply(
    conn: Connection, batch: PreparedBatch, report: IngestReport, state: _RunState, revision: _Revision
) -> None:
    for rejection in batch.rejections:
        report.reject(rejection)
    candidates = batch.candidates
    now = utcnow()
    paper_ids = _upsert(conn, candidates, report, now, revision, state)
    listed = [(paper_ids[identity], e) for identity, _, _, _, entries in candidates for e in entries]
    report.entries_added += paper_store.insert_entries(conn, listed, now)
    if batch.deletions:
        report.deleted += paper_store.mark_withdrawn(conn, batch.deletions, revision(), now)


@dataclass
class _Merging:
    """A paper of a batch being prepared, as records of it are merged."""

    paper: Paper
    title_norm: str
    entries: list[FeedEntry]
    merged: bool = False


def _add_record(papers: dict[str, _Merging], record: SourceRecord, paper: Paper, norm: str) -> None:
    identity = paper_store.paper_key(paper, norm)
    earlier = papers.get(identity)
    entries = [record.entry] if record.entry else []
    if earlier is None:
        papers[identity] = _Merging(paper, norm, entries)
    else:
        earlier.paper = merge_papers(earlier.paper, paper)
        earlier.entries.extend(entries)
        earlier.merged = True


def _fold_titles_into_ids(papers: dict[str, _Merging]) -> None:
    """A record known only by title joins a record of the same batch that has an id."""
    with_id = {m.title_norm: m for m in papers.values() if m.paper.arxiv_id}
    if not with_id:
        return
    for identity in [i for i in papers if is_title_key(i)]:
        target = with_id.get(papers[identity].title_norm)
        if target is not None:
            orphan = papers.pop(identity)
            target.paper = merge_papers(target.paper, orphan.paper)
            target.entries.extend(orphan.entries)
            target.merged = True


def _upsert(
    conn: Connection,
    candidates: list[_Candidate],
    report: IngestReport,
    now: datetime,
    take_revision: Callable[[], int],
    state: _RunState,
) -> dict[str, int]:
    """Insert or update each candidate; return paper ids by candidate identity."""
    dialect = conn.dialect
    ids: dict[str, int] = {}
    claimed: set[int] = set()
    # Re-imports mostly bring what is stored already: the stored values, read raw, equal
    # the candidate's tuple. Only the others are read as rows and compared field by field.
    stored = bulk.stored_content(conn, [c[0] for c in candidates])
    others = []
    unchanged = 0
    for c in candidates:
        found = stored.get(c[0])
        if found is not None and found[2] == c[3]:
            unchanged += 1
            ids[c[0]] = found[0]
            claimed.add(found[0])
        else:
            others.append(c)
    report.unchanged += unchanged
    by_key = paper_store.rows_by_key(conn, [c[0] for c in others if c[0] in stored])
    # By title, only those that may meet a stored paper that way (see _title_match).
    by_title = paper_store.rows_by_title_norm(
        conn,
        [
            norm
            for identity, arxiv_id, norm, _, _ in others
            if identity not in by_key
            and (is_title_key(identity) if arxiv_id is None else norm in state.title_only)
        ],
    )
    inserts: list[tuple[Any, ...]] = []
    inserted_keys: list[_Candidate] = []
    updates: list[paper_store.PaperUpdate] = []
    first_write: tuple[Any, ...] | None = None
    for c in others:
        identity, _, norm, content, _ = c
        row = by_key.get(identity) or _title_match(c, by_title.get(norm, []), claimed)
        if row is None:
            if first_write is None:
                new = {"withdrawn": False, "first_seen": now, "changed_at": now, "revision": take_revision()}
                first_write = bulk.encode_first_write(dialect, new)
            inserts.append(content + first_write)
            inserted_keys.append(c)
            continue
        claimed.add(row.id)
        ids[identity] = row.id
        # None when the stored paper has this content already, or when merging keeps it.
        pair = bulk.papers_to_merge(dialect, row, content)
        change = None if pair is None else bulk.paper_update(row, merge_papers(*pair))
        if change is None:
            report.unchanged += 1
        else:
            updates.append(change)
    if updates:
        paper_store.update_papers(conn, updates, take_revision(), now)
    report.updated += len(updates)
    bulk.insert_rows(conn, inserts)
    report.added += len(inserts)
    state.title_only.update(norm for _, arxiv_id, norm, _, _ in inserted_keys if arxiv_id is None)
    # Ids are wanted only for feed entries; a snapshot off the feed has none.
    wanted = [identity for identity, _, _, _, entries in inserted_keys if entries]
    if wanted:
        ids.update(paper_store.ids_by_key(conn, wanted))
    return ids


def _title_match(candidate: _Candidate, rows: list[Any], claimed: set[int]) -> Any | None:
    """A stored paper this candidate is by title: a title-only record joins a stored paper
    of that title, or an arXiv record meets a stored title-only paper. Records with ids of
    their own (two arXiv ids, two source keys) never merge by title."""
    identity, arxiv_id = candidate[0], candidate[1]
    title_only = arxiv_id is None and is_title_key(identity)
    for row in rows:
        if row.id in claimed:
            continue
        if title_only:
            return row
        if arxiv_id is not None and row.arxiv_id is None and is_title_key(row.key):
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


def _transactions(prepared: Iterable[PreparedBatch], size: int) -> Iterator[list[PreparedBatch]]:
    """Prepared chunks grouped into transactions of about size records each."""
    group: list[PreparedBatch] = []
    records = 0
    for batch in prepared:
        group.append(batch)
        records += batch.size
        if records >= size:
            yield group
            group, records = [], 0
    if group:
        yield group
