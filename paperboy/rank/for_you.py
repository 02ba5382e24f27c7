"""The "for you" ranker: candidates ranked for one reader from what their library says.

Four views of a candidate, each standardised over the candidates (z-scores) and summed
with weights, so no view's scale can swamp another. (Fusing ranks in [0, 1] instead was
measured worse: a whole-list rank treats the tail like the top, where the list is decided.)

- likeness: embedding cosine to the library papers, the most similar one (a 1-NN vote)
  blended with a recency-weighted mean over the whole library; papers the reader
  marked "not interested" count against a candidate like them;
- words: a linear model on tf-idf of title and abstract, library papers positive and the
  other candidates (plus "not interested" papers, weighted up) negative, as arxiv-sanity
  does but with a milder regularisation and the whole vocabulary (every word and word pair
  found in two papers, not the 20,000 most frequent: a reader's own method and dataset
  names are the rare terms a frequency cap drops);
- word centroid: the cosine-like product of the candidate's tf-idf with the library's mean
  tf-idf row (Rocchio's query from the library), a cheap second opinion on the words;
- categories: how much of the library is in the candidate's categories, and followed ones.

It sees text, categories and dates only; authors never reach it (RankerPaper has none),
so the evaluation, whose readers are authors, cannot leak them. docs/recommendations.md
gives the measurements behind each weight.
"""

from __future__ import annotations

import hashlib
import math
import threading
import warnings
from collections import Counter, OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from threadpoolctl import ThreadpoolController


@dataclass(frozen=True, slots=True)
class RankerPaper:
    """What a ranker may know about a paper: text, categories and listing day; never authors."""

    id: str
    title: str
    abstract: str
    categories: tuple[str, ...]
    day: date

    @property
    def text(self) -> str:
        return f"{self.title} {self.abstract}"


def tfidf_vectorizer(
    min_df: int = 5, max_df: float = 0.1, max_features: int | None = 20_000
) -> TfidfVectorizer:
    """arxiv-sanity-lite's tf-idf: words and word pairs, English stop words out, sublinear tf."""
    return TfidfVectorizer(
        strip_accents="unicode",
        lowercase=True,
        analyzer="word",
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b",
        ngram_range=(1, 2),
        max_features=max_features,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        sublinear_tf=True,
        max_df=max_df,
        min_df=min_df,
    )


def words_vectorizer(papers: int) -> TfidfVectorizer:
    """The ranker's tf-idf: arxiv-sanity's, with every term found in two papers or more kept.

    arxiv-sanity keeps the 20,000 most frequent terms seen in 5 papers. Measured on 200
    readers kept apart from the reported ones (docs/recommendations.md), the uncapped
    vocabulary lifted the SVM alone from 1.06x to 1.26x arxiv-sanity's nDCG@20. A small set
    (tests, a young instance) keeps every term: it has too few papers for the cut-offs.
    """
    if papers < 2000:
        return tfidf_vectorizer(min_df=1, max_df=1.0, max_features=None)
    return tfidf_vectorizer(min_df=2, max_df=0.1, max_features=None)


_blas_lock = threading.Lock()
_blas: list[ThreadpoolController] = []


def _blas_controller() -> ThreadpoolController:
    """One controller, built on first use: building one inspects every loaded library (~ms)."""
    with _blas_lock:
        if not _blas:
            _blas.append(ThreadpoolController())
        return _blas[0]


# Library papers' tf-idf rows kept by a pool between calls (about 1 kB each).
MAX_KNOWN_ROWS = 100_000


class FeatureSpace:
    """Embedding and tf-idf rows for a set of papers, built once and shared by every reader."""

    def __init__(
        self,
        papers: Sequence[RankerPaper],
        vectors: np.ndarray,
        vectorizer: TfidfVectorizer | None = None,
        vocabulary_texts: Sequence[str] = (),
    ) -> None:
        """vectorizer: an already fitted one to read the papers with; else words_vectorizer is
        fitted on the papers' texts plus vocabulary_texts (say, the papers in readers'
        libraries, so a term a library shares with one candidate is not cut as too rare)."""
        if len(papers) != len(vectors):
            raise ValueError(f"{len(papers)} papers but {len(vectors)} vectors")
        self.papers = list(papers)
        self.row = {p.id: i for i, p in enumerate(self.papers)}
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        texts = [p.text for p in self.papers]
        digest = hashlib.sha1(b"space\x00" + _papers_digest(self.papers, self.vectors))
        if vectorizer is None:
            fitted_on = texts + list(vocabulary_texts)
            vectorizer = words_vectorizer(len(fitted_on))
            vectorizer.fit(fitted_on)
            self.tfidf = vectorizer.transform(texts).tocsr()
            for text in vocabulary_texts:
                digest.update(text.encode() + b"\x00")
        else:
            self.tfidf = vectorizer.transform(texts).tocsr()
            digest.update(_vectorizer_digest(vectorizer))
        self.vectorizer = vectorizer
        self._known_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.categories = CategoryRows.of(self.papers)
        # Names what the rows hold (ids, texts, categories, days, vectors, vocabulary): a reader's
        # cached scores are valid for a space with the same signature only.
        self.signature = digest.digest()

    def extended(self, papers: Sequence[RankerPaper], vectors: np.ndarray) -> FeatureSpace:
        """This space plus more papers, read with this space's vocabulary (it is not refitted)."""
        if len(papers) != len(vectors):
            raise ValueError(f"{len(papers)} papers but {len(vectors)} vectors")
        grown = object.__new__(FeatureSpace)
        grown.papers = self.papers + list(papers)
        grown.row = dict(self.row)
        grown.row.update((p.id, len(self.papers) + i) for i, p in enumerate(papers))
        grown.vectors = np.vstack([self.vectors, np.asarray(vectors, dtype=np.float32)])
        grown.tfidf = _stacked(self.tfidf, self._tfidf_rows([p.text for p in papers]))
        grown.vectorizer = self.vectorizer
        grown._known_rows = {}
        grown.categories = self.categories.extended(papers)
        grown.signature = hashlib.sha1(
            self.signature + _papers_digest(papers, np.asarray(vectors, dtype=np.float32))
        ).digest()
        return grown

    def _tfidf_rows(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Texts read with this space's vocabulary (columns and values of each row), each read
        once: a library changes little between calls, and reading 500 abstracts costs more than
        ranking against them."""
        if len(self._known_rows) > MAX_KNOWN_ROWS:
            self._known_rows.clear()
        fresh = [t for t in dict.fromkeys(texts) if t not in self._known_rows]
        if fresh:
            read = self.vectorizer.transform(fresh).tocsr()
            for i, text in enumerate(fresh):
                span = slice(read.indptr[i], read.indptr[i + 1])
                self._known_rows[text] = (read.indices[span].copy(), read.data[span].copy())
        return [self._known_rows[t] for t in texts]

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        return np.array([self.row[i] for i in ids], dtype=np.int64)


def _stacked(top: sparse.csr_matrix, rows: list[tuple[np.ndarray, np.ndarray]]) -> sparse.csr_matrix:
    """top with rows (columns, values) below it, built from the arrays: scipy's vstack of
    500 one-row matrices took longer than the ranking's products."""
    lengths = np.array([len(c) for c, _ in rows], dtype=np.int64)
    indptr = np.concatenate([top.indptr.astype(np.int64), top.indptr[-1] + np.cumsum(lengths)])
    indices = np.concatenate([top.indices.astype(np.int64)] + [c for c, _ in rows])
    data = np.concatenate([top.data] + [v for _, v in rows])
    return sparse.csr_matrix((data, indices, indptr), shape=(top.shape[0] + len(rows), top.shape[1]))


def _papers_digest(papers: Sequence[RankerPaper], vectors: np.ndarray) -> bytes:
    digest = hashlib.sha1()
    for p in papers:
        fields = (p.id, p.title, p.abstract, "\x02".join(p.categories), p.day.isoformat())
        digest.update(("\x00".join(fields) + "\x01").encode())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.digest()


def _vectorizer_digest(vectorizer: TfidfVectorizer) -> bytes:
    """A given (already fitted) vocabulary, named by its terms and idf weights."""
    vocabulary = getattr(vectorizer, "vocabulary_", {})
    digest = hashlib.sha1("\x00".join(sorted(vocabulary)).encode())
    digest.update(np.asarray(getattr(vectorizer, "idf_", []), dtype=np.float64).tobytes())
    return digest.digest()


@dataclass(frozen=True)
class CategoryRows:
    """Each paper's categories as the rows of a 0/1 matrix (papers x categories, CSR arrays) and
    its primary one's column, so the category view is a few array operations, not a loop."""

    index: dict[str, int]
    indptr: np.ndarray
    columns: np.ndarray
    primary: np.ndarray  # column of each paper's first category; -1 when it has none

    @staticmethod
    def of(papers: Sequence[RankerPaper], index: dict[str, int] | None = None) -> CategoryRows:
        known = dict(index or {})
        indptr = [0]
        columns: list[int] = []
        primary = np.full(len(papers), -1, dtype=np.int64)
        for i, paper in enumerate(papers):
            columns.extend(known.setdefault(name, len(known)) for name in dict.fromkeys(paper.categories))
            indptr.append(len(columns))
            if paper.categories:
                primary[i] = known[paper.categories[0]]
        return CategoryRows(
            known, np.asarray(indptr, dtype=np.int64), np.asarray(columns, dtype=np.int64), primary
        )

    def extended(self, papers: Sequence[RankerPaper]) -> CategoryRows:
        more = CategoryRows.of(papers, self.index)
        return CategoryRows(
            more.index,
            np.concatenate([self.indptr, more.indptr[1:] + self.indptr[-1]]),
            np.concatenate([self.columns, more.columns]),
            np.concatenate([self.primary, more.primary]),
        )

    def member(self, rows: np.ndarray) -> sparse.csr_matrix:
        """The 0/1 matrix of these rows' papers (rows x every category)."""
        width = max(len(self.index), 1)
        every = sparse.csr_matrix(
            (np.ones(len(self.columns)), self.columns, self.indptr), shape=(len(self.primary), width)
        )
        return every[rows]


@dataclass(frozen=True)
class Weights:
    """How much each view counts, and the shape of the likeness score (measured, see docs)."""

    likeness: float = 0.5
    words: float = 1.0
    word_centroid: float = 0.25
    categories: float = 0.1
    top_k: int = 1
    recency_mix: float = 0.3  # share of the recency-weighted mean in the likeness score
    negative_penalty: float = 1.0  # how much likeness to a "not interested" paper costs
    negative_sample_weight: float = 5.0
    svm_c: float = 1.0
    # Passes of liblinear's coordinate descent. With C = 1 on the whole vocabulary, 20 passes
    # rank as the fit run to its tolerance did (nDCG@20 on 200 tuning readers equal to four
    # decimals) and a 500-paper library's first page costs 78 ms CPU instead of 168 ms
    # (docs/recommendations.md). Stopping there is chosen, not a failure to converge.
    svm_max_iter: int = 20


DEFAULT_WEIGHTS = Weights()


@dataclass
class Ranking:
    """Candidates best first, with each one's score and its nearest library papers (for reasons).

    neighbours has one list per candidate from the top: all of them, or the first
    `neighbours_for` when rank_for_reader was asked for fewer.
    """

    candidates: list[str]
    scores: list[float]
    neighbours: list[list[tuple[str, float]]] = field(default_factory=list)


def recency_weights(count: int) -> np.ndarray:
    """zotero-arxiv-daily's weights for a library listed newest first: 1/(1+log10(i+1)), sum 1."""
    weights = 1.0 / (1.0 + np.log10(np.arange(count) + 1.0))
    normalised: np.ndarray = weights / weights.sum()
    return normalised


def standardised(scores: np.ndarray) -> np.ndarray:
    """(x - mean) / std over the candidates; all zeros when every score is the same."""
    scores = np.asarray(scores, dtype=np.float64)
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 1e-12 else np.zeros(len(scores))


def likeness_scores(
    candidate_vectors: np.ndarray,
    library_vectors: np.ndarray,
    negative_vectors: np.ndarray | None,
    weights: Weights,
    library_weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(score per candidate, similarity matrix candidates x library); library newest first.

    One float32 product against the library and the "not interested" papers together.
    """
    count = len(library_vectors)
    others = library_vectors
    if negative_vectors is not None and len(negative_vectors):
        others = np.vstack([library_vectors, negative_vectors])
    refused = len(others) > count
    product = candidate_vectors @ others.T
    sims = product[:, :count]
    valued = sims if library_weights is None else sims * library_weights[None, :]
    k = min(weights.top_k, count)
    if k == 1:  # the same as the partition below, several times faster
        top = valued.max(axis=1)
    else:
        top = np.partition(valued, count - k, axis=1)[:, count - k :].mean(axis=1)
    recent = valued @ recency_weights(count).astype(np.float32)
    score = (1 - weights.recency_mix) * top + weights.recency_mix * recent
    if refused:
        # As like a refused paper as a saved one: about no likeness left.
        score = score - weights.negative_penalty * product[:, count:].max(axis=1)
    return score, sims


def words_scores(
    space: FeatureSpace,
    library_rows: np.ndarray,
    negative_rows: np.ndarray,
    candidate_rows: np.ndarray,
    weights: Weights,
) -> np.ndarray:
    """A linear SVM's margin on tf-idf: library positive, candidates and negatives negative."""
    unlabeled = np.setdiff1d(candidate_rows, library_rows)
    negatives = np.setdiff1d(negative_rows, library_rows)
    train = np.concatenate([library_rows, unlabeled, negatives])
    labels = np.concatenate([np.ones(len(library_rows)), np.zeros(len(unlabeled) + len(negatives))])
    if labels.min() == labels.max():
        return np.zeros(len(candidate_rows))
    sample_weight = np.concatenate(
        [np.ones(len(library_rows) + len(unlabeled)), np.full(len(negatives), weights.negative_sample_weight)]
    )
    # A fixed seed for liblinear's order of coordinates: the same reader gets the same list,
    # stopped early or not (and a cached one equals a fresh one).
    model = LinearSVC(
        C=weights.svm_c, class_weight="balanced", tol=1e-4, max_iter=weights.svm_max_iter, random_state=0
    )
    with warnings.catch_warnings():
        # With a cap (svm_max_iter), stopping early is chosen, not a failure to report.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(space.tfidf[train], labels, sample_weight=sample_weight)
    scores: np.ndarray = model.decision_function(space.tfidf[candidate_rows])
    return scores


def word_centroid_scores(
    space: FeatureSpace,
    library_rows: np.ndarray,
    candidate_rows: np.ndarray,
    library_weights: np.ndarray | None = None,
) -> np.ndarray:
    """Each candidate's tf-idf row times the library's (weighted) mean row: Rocchio's query."""
    library = space.tfidf[library_rows]
    if library_weights is None:
        centroid = np.asarray(library.mean(axis=0)).ravel()
    else:
        centroid = np.asarray(library.T @ library_weights).ravel() / max(float(library_weights.sum()), 1e-12)
    scores: np.ndarray = np.asarray(space.tfidf[candidate_rows] @ centroid).ravel()
    return scores


def category_scores(
    library: Sequence[RankerPaper],
    candidates: Sequence[RankerPaper],
    followed: Sequence[str] = (),
) -> np.ndarray:
    """Share of the library listed in the candidate's categories (its primary one counts double)."""
    listed = Counter(c for p in library for c in set(p.categories))
    size = max(len(library), 1)
    wanted = [f.lower() for f in followed]
    scores = np.zeros(len(candidates))
    for i, paper in enumerate(candidates):
        if not paper.categories:
            continue
        primary = listed.get(paper.categories[0], 0) / size
        best = max(listed.get(c, 0) for c in paper.categories) / size
        follows = any(
            c.lower() == f or c.lower().startswith(f + ".") for c in paper.categories for f in wanted
        )
        scores[i] = primary + best + (1.0 if follows else 0.0)
    return scores


def space_category_scores(
    space: FeatureSpace,
    library_rows: np.ndarray,
    candidate_rows: np.ndarray,
    followed: Sequence[str] = (),
) -> np.ndarray:
    """category_scores on the space's category matrix: the same numbers, without the loop."""
    rows = space.categories
    size = max(len(library_rows), 1)
    share = np.asarray(rows.member(library_rows).sum(axis=0)).ravel() / size
    column = rows.primary[candidate_rows]
    primary = np.where(column >= 0, share[np.maximum(column, 0)], 0.0)
    member = rows.member(candidate_rows)
    best = member.multiply(share[None, :]).tocsr().max(axis=1).toarray().ravel()
    scores: np.ndarray = primary + best
    wanted = [f.lower() for f in followed]
    if wanted:
        names = sorted(rows.index, key=rows.index.__getitem__)
        chosen = np.array(
            [any(c.lower() == f or c.lower().startswith(f + ".") for f in wanted) for c in names] + [False]
        )[: member.shape[1]]
        follows = np.asarray(member @ chosen.astype(np.float64)).ravel() > 0
        scores = scores + np.where(follows, 1.0, 0.0)
    return scores


class ReaderScores:
    """Each reader's fused score per candidate, kept between calls (by the for-you service).

    An entry is the reader's own and holds for one signature: the space's (texts, vectors,
    vocabulary), the library in order with its weights, the "not interested" papers, the
    candidates, the followed categories and the Weights. Any change there is a miss and the
    reader's views are computed again; boosts are added after, so they may change freely.
    Least recently used readers go first beyond max_readers (one entry is ~8 bytes a candidate).
    """

    def __init__(self, max_readers: int = 512) -> None:
        if max_readers < 1:
            raise ValueError(f"max_readers must be at least 1, not {max_readers}")
        self.max_readers = max_readers
        self._entries: OrderedDict[Hashable, tuple[bytes, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, reader: Hashable, signature: bytes) -> np.ndarray | None:
        with self._lock:
            entry = self._entries.get(reader)
            if entry is None or entry[0] != signature:
                self.misses += 1
                return None
            self._entries.move_to_end(reader)
            self.hits += 1
            return entry[1]

    def put(self, reader: Hashable, signature: bytes, scores: np.ndarray) -> None:
        kept = np.array(scores, dtype=np.float64)
        kept.setflags(write=False)
        with self._lock:
            self._entries[reader] = (signature, kept)
            self._entries.move_to_end(reader)
            while len(self._entries) > self.max_readers:
                self._entries.popitem(last=False)


def reader_signature(
    space: FeatureSpace,
    library_rows: np.ndarray,
    candidate_rows: np.ndarray,
    negative_rows: np.ndarray,
    library_weights: np.ndarray | None,
    followed_categories: Sequence[str],
    weights: Weights,
) -> bytes:
    """What a reader's fused scores depend on, as one digest (see ReaderScores)."""
    digest = hashlib.sha1(space.signature)
    for part in (library_rows, candidate_rows, negative_rows):
        digest.update(len(part).to_bytes(8, "little") + np.asarray(part, dtype=np.int64).tobytes())
    digest.update(b"-" if library_weights is None else np.asarray(library_weights, np.float32).tobytes())
    digest.update("\x00".join(followed_categories).encode() + b"\x01" + repr(weights).encode())
    return digest.digest()


def _fused_views(
    space: FeatureSpace,
    library_rows: np.ndarray,
    candidate_rows: np.ndarray,
    negative_rows: np.ndarray,
    lib_w: np.ndarray | None,
    followed_categories: Sequence[str],
    weights: Weights,
) -> np.ndarray:
    likeness, _ = likeness_scores(
        space.vectors[candidate_rows],
        space.vectors[library_rows],
        space.vectors[negative_rows] if len(negative_rows) else None,
        weights,
        lib_w,
    )
    words = words_scores(space, library_rows, negative_rows, candidate_rows, weights)
    centroid = word_centroid_scores(space, library_rows, candidate_rows, lib_w)
    cats = space_category_scores(space, library_rows, candidate_rows, followed_categories)
    fused: np.ndarray = (
        weights.likeness * standardised(likeness)
        + weights.words * standardised(words)
        + weights.word_centroid * standardised(centroid)
        + weights.categories * standardised(cats)
    )
    return fused


def rank_for_reader(
    space: FeatureSpace,
    library: Sequence[str],
    candidates: Sequence[str],
    not_interested: Sequence[str] = (),
    followed_categories: Sequence[str] = (),
    library_weights: Sequence[float] | None = None,
    boost: Sequence[float] | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    neighbours: int = 0,
    neighbours_for: int | None = None,
    cache: ReaderScores | None = None,
    reader: Hashable | None = None,
) -> Ranking:
    """Rank candidates (ids in space) for the reader whose library is `library`, newest first.

    library_weights (one per library paper, default 1) let a tag or an upvote count more;
    boost adds to a candidate's fused score (e.g. 1.0 for a followed author, as the
    service decides). neighbours > 0 also returns the most similar library papers of each
    candidate, or of the first neighbours_for from the top only (what a page shows).
    With a cache and the reader's key, a call whose inputs are unchanged reuses the
    reader's fused scores (the SVM is not fitted again); the answer is the same.
    """
    if not library:
        raise ValueError("rank_for_reader needs at least one library paper")
    if cache is not None and reader is None:
        raise ValueError("rank_for_reader needs the reader's key to use a cache")
    library_rows = space.rows(library)
    candidate_rows = space.rows(candidates)
    negative_rows = space.rows(not_interested) if not_interested else np.zeros(0, dtype=np.int64)
    lib_w = None if library_weights is None else np.asarray(library_weights, dtype=np.float32)
    views = (space, library_rows, candidate_rows, negative_rows, lib_w, followed_categories, weights)
    # One BLAS thread: OpenBLAS's second thread spin-waits, which cost ~20x the CPU of the
    # neighbours' small product and nothing gained on the large one, on a shared 2-core machine
    # (docs/recommendations.md); a page should not hold both cores.
    with _blas_controller().limit(limits=1, user_api="blas"):
        return _ranked(views, library, candidates, boost, neighbours, neighbours_for, cache, reader)


def _ranked(
    views: tuple[FeatureSpace, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, Sequence[str], Weights],
    library: Sequence[str],
    candidates: Sequence[str],
    boost: Sequence[float] | None,
    neighbours: int,
    neighbours_for: int | None,
    cache: ReaderScores | None,
    reader: Hashable | None,
) -> Ranking:
    space, library_rows, candidate_rows, negative_rows = views[:4]
    fused: np.ndarray | None = None
    if cache is not None:
        signature = reader_signature(*views)
        fused = cache.get(reader, signature)
        if fused is None:
            fused = _fused_views(*views)
            cache.put(reader, signature, fused)
    else:
        fused = _fused_views(*views)
    fused = np.array(fused, dtype=np.float64)
    if boost is not None:
        fused = fused + np.asarray(boost, dtype=np.float64)
    if len(negative_rows):
        # A paper the reader said no to is never recommended back to them.
        fused[np.isin(candidate_rows, negative_rows)] = -math.inf
    order = np.lexsort((-candidate_rows, -fused))
    ranking = Ranking([candidates[i] for i in order.tolist()], fused[order].tolist())
    if neighbours:
        width = min(neighbours, len(library))
        top = order if neighbours_for is None else order[: max(neighbours_for, 0)]
        # The shown candidates' similarities only: a page names reasons for 50, not 5,000.
        sims = space.vectors[candidate_rows[top]] @ space.vectors[library_rows].T
        best = np.argsort(-sims, axis=1)[:, :width]
        for row, columns in zip(sims, best, strict=True):
            ranking.neighbours.append([(library[j], float(row[j])) for j in columns])
    return ranking
