"""Keeping the keyword and vector indexes in step with the store.

The store is the source of truth. Each index folder records the highest paper revision
it holds (its watermark); catching up reads the papers changed since then, in revision
order, and advances the watermark only after the index has committed. A crash at any
point leaves a watermark that is at most behind, never ahead: the next run redoes a
little work and loses nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from paperboy.config import Settings
from paperboy.domain.clock import utcnow
from paperboy.domain.keyphrases import candidate_set, choosable, choose_phrases, phrase_counts
from paperboy.domain.records import StoredPaper
from paperboy.embed import Embedder, load_embedder
from paperboy.index.keyword import KeywordDocument, KeywordIndex
from paperboy.index.phrase_counts import COUNTS_FILE, PhraseCounts, text_hash
from paperboy.index.vectors import INDEX_FILE, VectorIndex, vector_file_metadata
from paperboy.index.watermark import read_watermark
from paperboy.store import Database, changes
from paperboy.store import embeddings as embedding_store
from paperboy.store import papers as paper_store

Progress = Callable[[int], None]
# A progress bar per index: given its label and how many papers it has to take in, a
# context that hands out the bar's advance function.
IndexBars = Callable[[str, int], AbstractContextManager[Progress | None]]

# Papers read from the store per step; the keyword index commits after each step.
STEP = 1000
# The vector index is one file written whole, so it is saved at most this often.
VECTOR_SAVE_SECONDS = 30.0
# The phrase counts too (16 MiB); the watermark they record says what they hold.
COUNTS_SAVE_SECONDS = 30.0
# Key phrases shown and searchable per paper.
KEYWORDS_PER_PAPER = 5
# Papers whose candidates the count ahead (a first import, a rebuild) keeps for their choice,
# so the first of them are not extracted twice; ~21 KiB a paper (2026 papers), so at most
# ~110 MB. Beyond them a larger import extracts each paper again when choosing it.
KEPT_AHEAD = 5000

# A paper's candidate counts and their words as written (keyphrases.phrase_counts), kept
# by (paper id, text hash) so that a text changed meanwhile is extracted afresh.
Extractions = dict[tuple[int, int], tuple[dict[str, int], dict[str, list[str]]]]


def keyword_folder(settings: Settings) -> Path:
    return settings.data_dir / "index" / "keyword"


def vector_folder(settings: Settings) -> Path:
    # One folder per model: vectors of different models must never meet.
    return settings.data_dir / "index" / f"vectors-{settings.embedding_model}"


def embedder_for(settings: Settings) -> Embedder:
    return load_embedder(settings.embedding_model, settings.effective_model_dir)


def embedding_text(title: str, abstract: str) -> str:
    """What is embedded for a paper: its title, then its abstract."""
    return f"{title} {abstract}"


@dataclass(frozen=True)
class IndexStatus:
    store_revision: int
    papers: int
    keyword_watermark: int
    keyword_documents: int
    keyword_behind: int
    vector_watermark: int
    vectors: int
    vector_behind: int
    embeddings: int
    model: str

    @property
    def up_to_date(self) -> bool:
        return self.keyword_behind == 0 and self.vector_behind == 0

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "up_to_date": self.up_to_date}


def index_status(db: Database, settings: Settings) -> IndexStatus:
    """How far behind the store each index is, without loading the model."""
    keyword = KeywordIndex(keyword_folder(settings))
    vector_wm = _vector_watermark(settings)
    with db.connect() as conn:
        return IndexStatus(
            store_revision=changes.latest_revision(conn),
            papers=changes.count_live_papers(conn),
            keyword_watermark=keyword.watermark,
            keyword_documents=keyword.count(),
            keyword_behind=changes.count_changed(conn, keyword.watermark),
            vector_watermark=vector_wm,
            vectors=_saved_vector_count(settings),
            vector_behind=changes.count_changed(conn, vector_wm),
            embeddings=embedding_store.count_embeddings(conn, settings.embedding_model),
            model=settings.embedding_model,
        )


class Indexer:
    """Brings both indexes up to the store; one indexer process at a time."""

    def __init__(self, db: Database, settings: Settings, embedder: Embedder | None = None) -> None:
        self.db = db
        self.settings = settings
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = embedder_for(self.settings)
        return self._embedder

    def catch_up(
        self, keyword_progress: Progress | None = None, vector_progress: Progress | None = None
    ) -> IndexStatus:
        """Index every paper changed since each index's watermark."""
        self.catch_up_keyword(keyword_progress)
        self.catch_up_vectors(vector_progress)
        return index_status(self.db, self.settings)

    def catch_up_with_bars(self, bars: IndexBars, *, vectors: bool = True) -> IndexStatus:
        """catch_up, the keyword index and then the embeddings each under its own bar,
        sized by what it has to take in; vectors=False leaves the embeddings for later.
        Every import command ends with this (unless --no-index), as does `index update`."""
        keyword_pending, vector_pending = self.pending()
        with bars("keyword index", keyword_pending) as advance:
            self.catch_up_keyword(advance)
        if vectors:
            with bars("embedding", vector_pending) as advance:
                self.catch_up_vectors(advance)
        return index_status(self.db, self.settings)

    def rebuild(
        self, keyword_progress: Progress | None = None, vector_progress: Progress | None = None
    ) -> IndexStatus:
        """Empty both indexes and index the whole store again (stored embeddings are reused)."""
        keyword = KeywordIndex(keyword_folder(self.settings))
        keyword.delete_all()
        keyword.commit(watermark=0)
        PhraseCounts.remove(keyword_folder(self.settings))
        vectors = VectorIndex(vector_folder(self.settings), self.embedder.dim)
        vectors.clear()
        vectors.save(watermark=0)
        return self.catch_up(keyword_progress, vector_progress)

    def pending(self) -> tuple[int, int]:
        """Papers each index has yet to take in: (keyword, vector)."""
        status = index_status(self.db, self.settings)
        return status.keyword_behind, status.vector_behind

    def catch_up_keyword(self, progress: Progress | None = None) -> None:
        """Bring the keyword index up to the store, choosing each changed paper's key
        phrases on the way (stored with the paper, and searchable with `kw:`)."""
        folder = keyword_folder(self.settings)
        index = KeywordIndex(folder)
        try:
            # An index in an older format reads as watermark 0: every paper is written again.
            outdated = not index.current_format
            since = index.watermark
            counts = PhraseCounts.load(folder) if since else None
            if counts is None:
                # A new or rebuilt index, or counts lost: every paper is read and counted again.
                since, counts = 0, PhraseCounts()
            # Counts saved less often than the index commits may be behind it.
            since = min(since, counts.watermark)
            reached, saved_at = since, counts.watermark
            counted_ahead, extracted = self._count_ahead(counts, since)
            unsaved = counted_ahead > 0
            last_save = time.monotonic()
            for rows, safe_watermark in self._changed_steps(since):
                if rows:
                    live = [r for r in rows if not r.withdrawn]
                    chosen = _choose_keywords(counts, live, extracted)
                    unsaved = True
                    with self.db.transaction() as conn:
                        paper_store.save_keywords(conn, [(r.id, r.revision, chosen[r.id]) for r in live])
                    index.delete([r.id for r in rows if r.withdrawn])
                    index.upsert(_keyword_document(r, chosen[r.id]) for r in live)
                index.commit(watermark=safe_watermark)
                reached = safe_watermark
                if time.monotonic() - last_save > COUNTS_SAVE_SECONDS:
                    counts.save(folder, reached)
                    last_save, saved_at, unsaved = time.monotonic(), reached, False
                if progress and rows:
                    progress(len(rows))
            if unsaved or reached != saved_at or not (folder / COUNTS_FILE).exists():
                counts.save(folder, reached)
            if outdated:
                index.mark_current_format()
        finally:
            index.close()

    def _count_ahead(self, counts: PhraseCounts, since: int) -> tuple[int, Extractions]:
        """Count the candidates of every changed paper before any is chosen, when they are
        more than the papers counted so far (a first import, a rebuild): otherwise the first
        thousand papers would be judged against a corpus of a thousand. Smaller updates
        count each step's papers just before choosing theirs. Returns how many it counted,
        and the choosable candidates of the first KEPT_AHEAD papers, for their choice."""
        extracted: Extractions = {}
        with self.db.connect() as conn:
            pending = changes.count_changed(conn, since)
        if pending <= counts.total:
            return 0, extracted
        added = 0
        for rows, _ in self._changed_steps(since):
            step: list[tuple[int, int, Iterable[str]]] = []
            for r in rows:
                if r.withdrawn:
                    continue
                hashed = text_hash(r.paper.title, r.paper.abstract)
                if len(extracted) < KEPT_AHEAD:
                    found, written = phrase_counts(r.paper.title, r.paper.abstract)
                    extracted[(r.id, hashed)] = choosable(found, written)
                    step.append((r.id, hashed, found))
                else:
                    step.append((r.id, hashed, candidate_set(r.paper.title, r.paper.abstract)))
            added += counts.add(step)
        return added, extracted

    def catch_up_vectors(self, progress: Progress | None = None) -> None:
        model = self.settings.embedding_model
        folder = vector_folder(self.settings)
        since = _vector_watermark(self.settings)
        with self.db.connect() as conn:
            if changes.count_changed(conn, since) == 0:
                return
        vectors = VectorIndex(folder, self.embedder.dim)
        last_save = time.monotonic()
        unsaved = None
        for rows, safe_watermark in self._changed_steps(since):
            live = [r for r in rows if not r.withdrawn]
            vectors.remove([r.id for r in rows if r.withdrawn])
            if live:
                ids, matrix = self._vectors_for(live, model)
                vectors.upsert(ids, matrix)
            unsaved = safe_watermark
            if time.monotonic() - last_save > VECTOR_SAVE_SECONDS:
                vectors.save(watermark=unsaved)
                last_save, unsaved = time.monotonic(), None
            if progress and rows:
                progress(len(rows))
        if unsaved is not None:
            vectors.save(watermark=unsaved)

    def _vectors_for(self, rows: Sequence[StoredPaper], model: str) -> tuple[list[int], Any]:
        """Stored embeddings where the text is unchanged; the rest computed and stored."""
        texts = {r.id: embedding_text(r.paper.title, r.paper.abstract) for r in rows}
        hashes = {pid: hashlib.sha1(text.encode("utf-8")).hexdigest() for pid, text in texts.items()}
        with self.db.connect() as conn:
            stored_hashes = embedding_store.text_hashes(conn, model, list(texts))
            fresh = [pid for pid in texts if stored_hashes.get(pid) == hashes[pid]]
            vectors = embedding_store.load_vectors(conn, model, fresh)
        missing = [pid for pid in texts if pid not in vectors]
        if missing:
            computed = self.embedder.embed([texts[pid] for pid in missing])
            with self.db.transaction() as conn:
                embedding_store.save_embeddings(
                    conn, model, [(pid, hashes[pid], computed[i]) for i, pid in enumerate(missing)], utcnow()
                )
            vectors.update({pid: computed[i] for i, pid in enumerate(missing)})
        ids = [r.id for r in rows]
        return ids, np.vstack([vectors[pid] for pid in ids])

    def _changed_steps(self, since: int):  # type: ignore[no-untyped-def]
        """Yield (rows, watermark safe to record after indexing them) step by step.

        Papers changed in one ingest batch share a revision; a step that ends inside
        such a group may only claim the revision before it. When a full step turns out to
        be the last one, a final empty step claims its whole revision, so the watermark
        always ends at the store's revision (without it, changes filling whole steps left
        the last group "behind" for ever).
        """
        position = (since, 0)
        while True:
            with self.db.connect() as conn:
                rows = changes.changed_papers(conn, since, position, STEP)
            if not rows:
                if position[0] > since:
                    # One transaction writes one revision, so once nothing follows the last
                    # full step, its revision group is complete.
                    yield [], position[0]
                return
            last = rows[-1]
            position = (last.revision, last.id)
            complete = len(rows) < STEP
            yield rows, last.revision if complete else last.revision - 1
            if complete:
                return


def _choose_keywords(
    counts: PhraseCounts, rows: Sequence[StoredPaper], extracted: Extractions | None = None
) -> dict[int, list[str]]:
    """Each paper's key phrases, its candidates counted first (unless its text was counted
    before), judged by document frequencies over every paper counted. A paper found in
    `extracted` (taken out of it) was counted ahead with this text: its candidates there
    are used, not extracted again."""
    phrases = {}
    fresh: list[tuple[int, int, Iterable[str]]] = []
    for r in rows:
        hashed = text_hash(r.paper.title, r.paper.abstract)
        found = extracted.pop((r.id, hashed), None) if extracted else None
        if found is None:
            found = phrase_counts(r.paper.title, r.paper.abstract)
            fresh.append((r.id, hashed, found[0]))
        phrases[r.id] = found
    counts.add(fresh)
    frequencies = counts.counts(list({p for found, _ in phrases.values() for p in found}))
    return {
        pid: choose_phrases(found, written, frequencies.__getitem__, counts.total, KEYWORDS_PER_PAPER)
        for pid, (found, written) in phrases.items()
    }


def _keyword_document(stored: StoredPaper, keywords: Sequence[str] = ()) -> KeywordDocument:
    paper = stored.paper
    return KeywordDocument(
        paper_id=stored.id,
        title=paper.title,
        abstract=paper.abstract,
        authors=[a.name for a in paper.authors],
        categories=list(paper.categories),
        published=paper.published or _midnight(paper.metadata_updated),
        has_code=bool(paper.code_url),
        keywords=tuple(keywords),
    )


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day else None


def _vector_watermark(settings: Settings) -> int:
    return read_watermark(vector_folder(settings))


def _saved_vector_count(settings: Settings) -> int:
    """Vectors in the saved index file, read without loading the model."""
    path = vector_folder(settings) / INDEX_FILE
    if not path.exists():
        return 0
    meta = vector_file_metadata(path)
    return int(meta["count_present"]) if meta else 0
