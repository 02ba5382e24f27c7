"""The search service: keyword, semantic and hybrid search, and more-like-this.

Hybrid fuses the keyword (BM25) and semantic (embedding) rankings by z-score convex
combination, measured in docs/search-choices.md. Filters (author, category, dates, has:code)
are applied inside retrieval by the keyword index for both halves, so a filtered page
is complete and means the same in every mode.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

import numpy as np

from paperboy.config import Settings
from paperboy.domain import Paper
from paperboy.domain.clock import DAY_RANGE, day_in_range
from paperboy.embed import Embedder
from paperboy.index.highlight import best_passage, mark_terms
from paperboy.index.keyword import KeywordIndex
from paperboy.index.vectors import INDEX_FILE, VectorIndex, vector_file_metadata
from paperboy.index.watermark import read_watermark
from paperboy.rank.fusion import fuse_hybrid
from paperboy.search import ParsedQuery, QuerySyntaxError, parse_query
from paperboy.services.indexing import embedder_for, keyword_folder, vector_folder
from paperboy.store import Database, changes
from paperboy.store import embeddings as embedding_store
from paperboy.store.papers import row_to_paper

Mode = Literal["hybrid", "keyword", "semantic"]
MODES: tuple[Mode, ...] = ("hybrid", "keyword", "semantic")
MAX_PER_PAGE = 100
# Deepest result a search reaches; also the depth of each list hybrid fuses, so the
# fused order is the same on every page.
MAX_RESULTS = 200
# Filters whose passing ids are remembered (each a sorted int64 array).
ALLOWED_CACHE_SIZE = 64
SNIPPET_CHARS = 300


_CATEGORY = re.compile(r"^[a-zA-Z][a-zA-Z-]*(\.[a-zA-Z-]+)?$")


class PaperNotFound(LookupError):
    """No paper has the key asked for."""


class SearchRequestError(QuerySyntaxError):
    """A search parameter (mode, page, dates) is unusable; the message says which."""


@dataclass(frozen=True)
class SearchHit:
    paper_id: int
    key: str
    paper: Paper
    score: float
    # Escaped HTML with matched terms in <mark>.
    title_html: str
    snippet_html: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    mode: Mode
    hits: tuple[SearchHit, ...]
    total: int
    page: int
    per_page: int
    took_ms: float
    # Said to the reader when results may be incomplete (an index still catching up).
    notice: str | None = None

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


class SearchService:
    """One per process: holds the open indexes and, once needed, the embedding model."""

    def __init__(self, db: Database, settings: Settings, embedder: Embedder | None = None) -> None:
        self.db = db
        self.settings = settings
        self._keyword = KeywordIndex(keyword_folder(settings))
        self._embedder = embedder
        self._vectors: VectorIndex | None = None
        self._vectors_revision = -1
        self._allowed: dict[tuple[Any, ...], np.ndarray] = {}
        self._allowed_watermark = -1
        self._lock = threading.Lock()

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        page: int = 1,
        per_page: int = 20,
        category: str | None = None,
        after: date | None = None,
        before: date | None = None,
    ) -> SearchResults:
        """One page of results. Raises QuerySyntaxError (a ValueError) with a message
        for the reader on a query or parameter it cannot use."""
        started = time.perf_counter()
        if mode not in MODES:
            raise SearchRequestError(f"mode {mode!r} is not one of {', '.join(MODES)}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise SearchRequestError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if page < 1 or (page - 1) * per_page >= MAX_RESULTS:
            raise SearchRequestError(f"page must be between 1 and {MAX_RESULTS // per_page}")
        parsed = _with_filters(parse_query(query), category, after, before)
        if not parsed.has_text and not parsed.has_filters:
            raise QuerySyntaxError("type some words to search for")
        offset = (page - 1) * per_page
        notice = None
        if mode == "keyword" or not parsed.has_text:
            found = self._keyword.search(parsed, limit=per_page, offset=offset)
            ranked, total = found.hits, min(found.total, MAX_RESULTS)
        else:
            dense, notice = self._dense(parsed, MAX_RESULTS)
            if mode == "semantic":
                ranked = dense[offset : offset + per_page]
                total = len(dense)
            else:
                keyword = self._keyword.search(parsed, limit=MAX_RESULTS).hits
                fused = fuse_hybrid(keyword, dense, depth=MAX_RESULTS)
                ranked, total = fused[offset : offset + per_page], len(fused)
        hits = self._hits(ranked, parsed)
        took = (time.perf_counter() - started) * 1000
        return SearchResults(query, mode, hits, total, page, per_page, took, notice)  # type: ignore[arg-type]

    def similar(self, key: str, limit: int = 10) -> list[SearchHit]:
        """Papers most like the paper with this key: by embedding, or by its title's words
        when it has no embedding yet. Raises PaperNotFound (a LookupError) for an unknown key."""
        limit = max(1, min(limit, 50))
        with self.db.connect() as conn:
            paper_id = changes.paper_id_for_key(conn, key)
            if paper_id is None:
                raise PaperNotFound(f"no paper {key!r}")
            stored = embedding_store.load_vectors(conn, self.settings.embedding_model, [paper_id])
            rows = changes.papers_by_id(conn, [paper_id])
        vectors = self._vector_index()
        if paper_id in stored and vectors.count() > 1:
            neighbours = vectors.search(stored[paper_id], k=limit + 1)
        else:
            title_query = parse_query(" ".join(rows[paper_id].title.split()[:30]))
            neighbours = self._keyword.search(title_query, limit=limit + 1).hits
        return list(self._hits([(i, s) for i, s in neighbours if i != paper_id][:limit], ParsedQuery()))

    # ------------------------------------------------------------------ internals
    def _dense(self, parsed: ParsedQuery, k: int) -> tuple[list[tuple[int, float]], str | None]:
        vectors = self._vector_index()
        if vectors.count() == 0:
            return (
                [],
                "semantic search is not ready yet (run `paperboy index update`); showing keyword matches",
            )
        query_vector = self.embedder.embed_query(parsed.text)
        if not parsed.has_filters:
            return vectors.search(query_vector, k=k), None
        return vectors.search(query_vector, k=k, allowed=self._allowed_ids(parsed)), None

    def _allowed_ids(self, parsed: ParsedQuery) -> np.ndarray:
        """Every paper id passing the query's filters, sorted; remembered per filter until
        the keyword index changes (a broad filter at 1M papers takes ~20 ms to list)."""
        key = (parsed.categories, parsed.authors, parsed.after, parsed.before, parsed.has_code)
        watermark = self._keyword.watermark
        with self._lock:
            if watermark != self._allowed_watermark:
                self._allowed, self._allowed_watermark = {}, watermark
            found = self._allowed.get(key)
        if found is None:
            _, passing = self._keyword.filtered_ids(parsed, limit=1)
            ids, _ = self._keyword.filtered_ids(parsed, limit=max(passing, 1))
            found = np.sort(np.asarray(ids, dtype=np.int64))
            with self._lock:
                if len(self._allowed) >= ALLOWED_CACHE_SIZE:
                    self._allowed.pop(next(iter(self._allowed)))
                self._allowed[key] = found
        return found

    def _hits(self, ranked: list[tuple[int, float]], parsed: ParsedQuery) -> tuple[SearchHit, ...]:
        if not ranked:
            return ()
        with self.db.connect() as conn:
            rows = changes.papers_by_id(conn, [i for i, _ in ranked])
        terms = self._keyword.query_terms(parsed) if parsed.has_text else frozenset()
        hits = []
        for paper_id, score in ranked:
            row = rows.get(paper_id)
            if row is None or row.withdrawn:
                continue  # gone from the store since the index last caught up
            hits.append(_hit(row, score, terms))
        return tuple(hits)

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = embedder_for(self.settings)
            return self._embedder

    def _vector_index(self) -> VectorIndex:
        """The vector index, reloaded when the indexer has saved a newer one."""
        folder = vector_folder(self.settings)
        revision = read_watermark(folder)
        with self._lock:
            if self._vectors is None:
                dim = self._embedder.dim if self._embedder is not None else _saved_dim(folder)
                self._vectors = VectorIndex(folder, dim)  # loads the saved index
            elif revision != self._vectors_revision:
                self._vectors.load()
            self._vectors_revision = revision
            return self._vectors


def _saved_dim(folder: Any) -> int:
    meta = vector_file_metadata(folder / INDEX_FILE) if (folder / INDEX_FILE).exists() else None
    return int(meta["dimensions"]) if meta else 384


def _with_filters(
    parsed: ParsedQuery, category: str | None, after: date | None, before: date | None
) -> ParsedQuery:
    """Add the search form's filter fields to what the query text itself says."""
    changes_: dict[str, Any] = {}
    for name, day in (("after", after), ("before", before)):
        if day is not None and not day_in_range(day):
            raise SearchRequestError(f"{name} {day.isoformat()} is out of range; dates run from {DAY_RANGE}")
    if category:
        category = category.strip()
        if not _CATEGORY.match(category):
            raise SearchRequestError(f"category {category[:40]!r} is not like cs.LG or cs")
        changes_["categories"] = tuple(dict.fromkeys(parsed.categories + (category.lower(),)))
    if after:
        changes_["after"] = max(after, parsed.after) if parsed.after else after
    if before:
        changes_["before"] = min(before, parsed.before) if parsed.before else before
    merged = replace(parsed, **changes_) if changes_ else parsed
    if merged.after and merged.before and merged.after > merged.before:
        raise SearchRequestError(
            f"the date range is empty: after {merged.after} is later than before {merged.before}"
        )
    return merged


def _hit(row: Any, score: float, terms: frozenset[str]) -> SearchHit:
    paper = row_to_paper(row)
    passage = best_passage(paper.abstract, terms, SNIPPET_CHARS)
    return SearchHit(
        paper_id=row.id,
        key=row.key,
        paper=paper,
        score=float(score),
        title_html=mark_terms(paper.title, terms),
        snippet_html=mark_terms(passage, terms),
    )


__all__ = ["MODES", "PaperNotFound", "SearchHit", "SearchResults", "SearchService", "SearchRequestError"]
