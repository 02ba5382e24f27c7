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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import numpy as np

from paperboy.config import Settings
from paperboy.domain import Paper, StoredPaper
from paperboy.domain.categories import is_category
from paperboy.domain.clock import DAY_RANGE, day_in_range
from paperboy.domain.highlighted import Highlighted
from paperboy.domain.search_modes import MODES, Mode
from paperboy.embed import Embedder
from paperboy.index.highlight import best_passage, match_terms
from paperboy.index.keyword import KeywordIndex, text_analyzer
from paperboy.index.vectors import INDEX_FILE, VectorIndex, vector_file_metadata
from paperboy.index.watermark import read_watermark
from paperboy.rank.fusion import fuse_hybrid
from paperboy.search import ParsedQuery, QuerySyntaxError, parse_query, query_text
from paperboy.services.finding.activity import WeeklyTrend, weekly_trend
from paperboy.services.finding.indexing import embedder_for, keyword_folder, vector_folder
from paperboy.store import Database, changes
from paperboy.store import embeddings as embedding_store

MAX_PER_PAGE = 100
# Deepest result a search reaches; also the depth of each list hybrid fuses, so the
# fused order is the same on every page.
MAX_RESULTS = 200
# Filters whose passing ids are remembered (each a sorted int64 array).
ALLOWED_CACHE_SIZE = 64
SNIPPET_CHARS = 300
# How long the count of papers not embedded yet (the "catching up" notice) is reused.
NOTICE_SECONDS = 2.0
# Threads running the keyword half of semantic and hybrid searches, for the process.
BESIDE_THREADS = 4
# Papers read to find how a respelt word is usually written.
SURFACE_PAPERS = 5
# More like this: a paper's title and abstract as the query, cut to the search box's size.
MAX_EXAMPLE_WORDS = 2_000
_WORDS = re.compile(r"[^\W_]+")


class SearchRequestError(QuerySyntaxError):
    """A search parameter (mode, page, dates) is unusable; the message says which."""


@dataclass(frozen=True)
class SearchHit:
    paper_id: int
    key: str
    paper: Paper
    score: float
    # The title and the abstract's best passage, with the words matching the query located.
    title: Highlighted
    snippet: Highlighted


@dataclass(frozen=True)
class Suggestion:
    """Another query to try when one found nothing."""

    query: str  # the whole query, in the search box's syntax (filters included)
    reason: str  # for the reader: "spelling: transformer for transfomer", "without cat:cs.ar"
    total: int  # papers it matches in the same mode


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
    # True when `total` is a lower bound ("at least N"): every one of the MAX_RESULTS
    # nearest papers passed the semantic threshold, so more may lie beyond.
    total_is_lower_bound: bool = False
    # How many of the matches can be paged through (the deepest page is MAX_RESULTS).
    listed: int = -1
    # When nothing matched: other queries to try (spelling from the index, fewer filters).
    suggestions: tuple[Suggestion, ...] = ()
    # Of `total`, the papers that match the words (the rest are close in meaning only).
    keyword_total: int = -1

    @property
    def pages(self) -> int:
        listed = self.total if self.listed < 0 else self.listed
        return max((min(listed, MAX_RESULTS) + self.per_page - 1) // self.per_page, 1)

    @property
    def count_text(self) -> str:
        """The count as the reader sees it: "no papers matched", "1 paper matches",
        "at least 230 papers match (37 by keyword + at least 193 by meaning)"."""
        if self.total == 0:
            return "no papers matched"
        verb = "paper matches" if self.total == 1 else "papers match"
        bound = "at least " if self.total_is_lower_bound else ""
        text = f"{bound}{self.total:,} {verb}"
        by_meaning = self.total - self.keyword_total
        if self.mode != "keyword" and 0 <= self.keyword_total and by_meaning > 0:
            text += f" ({self.keyword_total:,} by keyword + {bound}{by_meaning:,} by meaning)"
        return text


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
        self._behind: tuple[int, float, int] | None = None  # (vectors revision, until, count)
        self._beside = ThreadPoolExecutor(max_workers=BESIDE_THREADS, thread_name_prefix="keyword-half")

    def trend(
        self,
        query: str,
        *,
        category: str | None = None,
        after: date | None = None,
        before: date | None = None,
    ) -> WeeklyTrend | None:
        """Papers per week with every word of `query` (and its filters), for its chart."""
        parsed = _with_filters(parse_query(query), category, after, before)
        if not parsed.has_text and not parsed.has_filters:
            return None
        return weekly_trend(self._keyword, parsed)

    @property
    def keyword_index(self) -> KeywordIndex:
        """The open keyword index, for pages that count or list papers by its fields."""
        return self._keyword

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
        lower_bound = False
        if mode == "keyword" or not parsed.has_text:
            found = self._keyword.search(parsed, limit=per_page, offset=offset)
            ranked, total, listed = found.hits, found.total, found.total
            keyword_total = total
        else:
            listing, total, lower_bound, notice, keyword_total = self._blend(parsed, mode)
            ranked, listed = listing[offset : offset + per_page], len(listing)
        hits = self._hits(ranked, parsed)
        suggestions = self._suggestions(parsed, mode) if total == 0 else ()
        took = (time.perf_counter() - started) * 1000
        return SearchResults(
            query,
            mode,
            hits,
            total,
            page,
            per_page,
            took,
            notice,
            total_is_lower_bound=lower_bound,
            listed=listed,
            suggestions=suggestions,
            keyword_total=keyword_total,
        )

    def _blend(
        self, parsed: ParsedQuery, mode: str, vector: np.ndarray | None = None
    ) -> tuple[list[tuple[int, float]], int, bool, str | None, int]:
        """Semantic or hybrid ranking (up to MAX_RESULTS), the number of papers that
        match, whether that number is a lower bound, a notice for the reader, and how
        many of the matches have the words.

        A paper is a result when it matches the words or its cosine similarity passes
        the calibrated threshold (docs/search.md); the count is the size of that union:
        |keyword matches| + |semantic hits above the threshold that do not match|.
        """
        # The keyword half runs beside the embedding and the vector search: tantivy and
        # onnxruntime leave the GIL while they work (docs/performance.md).
        keyword_half = self._beside.submit(self._keyword.search, parsed, MAX_RESULTS)
        try:
            if vector is None and not self._keyword.knows_any(parsed.words + parsed.phrases):
                # No paper has any of its words: nonsense or misspellings. The nearest vectors
                # of such text are chance (at 200,000 papers some pass any useful threshold;
                # docs/search.md), so meaning adds nothing and the reader gets suggestions.
                dense: list[tuple[int, float]] = []
                notice = None
            else:
                dense, notice = self._dense(parsed, MAX_RESULTS, vector)
        finally:
            keyword = keyword_half.result()
        threshold = self.settings.semantic_threshold
        # The keyword hits match by definition; the index is asked only about the rest.
        listed = {i for i, _ in keyword.hits}
        matched = {i for i, _ in dense if i in listed}
        matched |= self._keyword.matching_ids(parsed, [i for i, _ in dense if i not in listed])
        passing = {i for i, score in dense if score >= threshold or i in matched}
        total = keyword.total + sum(1 for i in passing if i not in matched)
        # Every one of the nearest MAX_RESULTS passed: more may lie beyond them.
        lower_bound = len(dense) >= MAX_RESULTS and dense[-1][1] >= threshold
        if mode == "semantic":
            ranked = [(i, score) for i, score in dense if i in passing]
            return ranked, total, lower_bound, notice, keyword.total
        # Fused over the full lists (the normalisation sees every score), then papers
        # that neither match nor are close enough are dropped.
        passing.update(i for i, _ in keyword.hits)
        fused = fuse_hybrid(keyword.hits, dense, depth=MAX_RESULTS)
        ranked = [(i, score) for i, score in fused if i in passing]
        return ranked, total, lower_bound, notice, keyword.total

    def _suggestions(self, parsed: ParsedQuery, mode: str) -> tuple[Suggestion, ...]:
        """Queries likely to find something, each with how many papers it finds in this
        mode: the words respelt from the index's own vocabulary, and the query without a
        filter (or without all of them) when that is what left it empty."""
        found: list[Suggestion] = []
        respelt = self._keyword.respell(parsed.words) if parsed.words else {}
        fixed = parsed
        if respelt:
            surface = {w: self._surface_word(stem, w) for w, stem in respelt.items()}
            fixed = replace(parsed, words=tuple(surface.get(w, w) for w in parsed.words))
            total = self._count(fixed, mode)
            if total:
                changed = ", ".join(f"{surface[w]} for {w}" for w in respelt)
                found.append(Suggestion(query_text(fixed), f"spelling: {changed}", total))
        if parsed.has_filters and parsed.has_text:
            # The text's embedding is the same for every looser filter: computed once.
            vector = None if mode == "keyword" else self._query_vector(fixed)
            looser = [
                Suggestion(query_text(query), f"without {label}", total)
                for label, query in _looser_filters(fixed)
                if (total := self._count(query, mode, vector))
            ]
            if not looser:
                bare = ParsedQuery(words=fixed.words, phrases=fixed.phrases)
                if total := self._count(bare, mode, vector):
                    looser.append(Suggestion(query_text(bare), "without any filter", total))
            found += looser
        return tuple(found)

    def _count(self, parsed: ParsedQuery, mode: str, vector: np.ndarray | None = None) -> int:
        """How many papers `parsed` matches in `mode` (the count a search would show)."""
        if mode == "keyword" or not parsed.has_text:
            return self._keyword.search(parsed, limit=1).total
        return self._blend(parsed, mode, vector)[1]

    def _query_vector(self, parsed: ParsedQuery) -> np.ndarray | None:
        return self.embedder.embed_query(parsed.text) if self._vector_index().count() else None

    def _surface_word(self, stem: str, typed: str) -> str:
        """A word as papers write it for an indexed stem, the one closest to what was
        typed ("transformer" for "transfomer", where the stem is "transform"): the
        spellings with that stem in a few papers holding it."""
        hits = self._keyword.search(ParsedQuery(words=(stem,)), limit=SURFACE_PAPERS).hits
        if not hits:
            return stem
        with self.db.connect() as conn:
            rows = changes.papers_by_id(conn, [i for i, _ in hits])
        spellings = {
            word.lower()
            for stored in rows.values()
            for word in _WORDS.findall(f"{stored.paper.title} {stored.paper.abstract}")
            if word.lower().startswith(stem[:2].lower()) and _stem(word) == stem
        }
        typed = typed.lower()
        return min(spellings, key=lambda w: (_edit_distance(w, typed), w), default=stem)

    def similar(self, of: StoredPaper, limit: int = 10) -> list[SearchHit]:
        """Papers most like this one (found by the catalogue), the way a pasted abstract is:
        hybrid search with its title and abstract as the query (the keyword side by its
        most discriminative terms, the semantic side by its stored embedding)."""
        limit = max(1, min(limit, 50))
        with self.db.connect() as conn:
            stored = embedding_store.load_vectors(conn, self.settings.embedding_model, [of.id])
        parsed = example_query(f"{of.paper.title}. {of.paper.abstract}")
        ranked = self._blend(parsed, "hybrid", stored.get(of.id))[0]
        return list(self._hits([(i, s) for i, s in ranked if i != of.id][:limit], ParsedQuery()))

    # ------------------------------------------------------------------ internals
    def _dense(
        self, parsed: ParsedQuery, k: int, vector: np.ndarray | None = None
    ) -> tuple[list[tuple[int, float]], str | None]:
        vectors = self._vector_index()
        if vectors.count() == 0:
            return (
                [],
                "semantic search is not ready yet (run `paperboy index update`); showing keyword matches",
            )
        # The text whole: the model reads up to its token limit (title and opening of a pasted abstract).
        query_vector = self.embedder.embed_query(parsed.text) if vector is None else vector
        notice = self._catching_up_notice()
        if not parsed.has_filters:
            return vectors.search(query_vector, k=k), notice
        return vectors.search(query_vector, k=k, allowed=self._allowed_ids(parsed)), notice

    def _catching_up_notice(self) -> str | None:
        """Said while the embeddings are still being computed (a first import embeds in
        the background): meaning-based results then cover only part of the store. The
        count is remembered for NOTICE_SECONDS (a query to the store, ~1 ms a search)."""
        now = time.monotonic()
        with self._lock:
            remembered = self._behind
        if remembered is not None and remembered[0] == self._vectors_revision and now < remembered[1]:
            behind = remembered[2]
        else:
            with self.db.connect() as conn:
                behind = changes.count_changed(conn, self._vectors_revision)
            with self._lock:
                self._behind = (self._vectors_revision, now + NOTICE_SECONDS, behind)
        if not behind:
            return None
        noun = "paper is" if behind == 1 else "papers are"
        return (
            f"semantic search is catching up: {behind:,} {noun} not embedded yet, "
            "so only their keyword matches are shown"
        )

    def _allowed_ids(self, parsed: ParsedQuery) -> np.ndarray:
        """Every paper id passing the query's filters, sorted; remembered per filter until
        the keyword index changes (a broad filter at 1M papers takes ~20 ms to list)."""
        key = (
            parsed.categories, parsed.authors, parsed.after, parsed.before, parsed.has_code, parsed.keywords,
        )  # fmt: skip
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
            stored = rows.get(paper_id)
            if stored is None or stored.withdrawn:
                continue  # gone from the store since the index last caught up
            hits.append(_hit(stored, score, terms))
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


def example_query(text: str) -> ParsedQuery:
    """A paper's text as a query by example: its words only, no search syntax."""
    return ParsedQuery(words=tuple(_WORDS.findall(text)[:MAX_EXAMPLE_WORDS]))


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
        if not is_category(category):
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


def _looser_filters(parsed: ParsedQuery) -> list[tuple[str, ParsedQuery]]:
    """The query with one of its filters dropped, for each filter, with its label."""
    looser = []
    if parsed.categories:
        label = " ".join(f"cat:{c}" for c in parsed.categories)
        looser.append((label, replace(parsed, categories=())))
    for author in parsed.authors:
        others = tuple(a for a in parsed.authors if a != author)
        looser.append((f"author:{author}", replace(parsed, authors=others)))
    if parsed.after:
        looser.append((f"after:{parsed.after.isoformat()}", replace(parsed, after=None)))
    if parsed.before:
        looser.append((f"before:{parsed.before.isoformat()}", replace(parsed, before=None)))
    if parsed.has_code:
        looser.append(("has:code", replace(parsed, has_code=False)))
    for keyword in parsed.keywords:
        others = tuple(k for k in parsed.keywords if k != keyword)
        label = f'kw:"{keyword}"' if " " in keyword else f"kw:{keyword}"
        looser.append((label, replace(parsed, keywords=others)))
    return looser


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (words are short: the plain table is fast enough)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _stem(word: str) -> str:
    stems = text_analyzer().analyze(word)
    return stems[0] if stems else ""


def _hit(stored: StoredPaper, score: float, terms: frozenset[str]) -> SearchHit:
    paper = stored.paper
    passage = best_passage(paper.abstract, terms, SNIPPET_CHARS)
    return SearchHit(
        paper_id=stored.id,
        key=stored.key,
        paper=paper,
        score=float(score),
        title=match_terms(paper.title, terms),
        snippet=match_terms(passage, terms),
    )


__all__ = [
    "MODES",
    "SearchHit",
    "SearchResults",
    "SearchService",
    "SearchRequestError",
    "Suggestion",
]
