"""The "for you" ranker: candidates ranked for one reader from what their library says.

Four views of a candidate, each standardised over the candidates (z-scores) and summed
with weights, so no view's scale can swamp another. (Fusing ranks in [0, 1] instead was
measured worse: a whole-list rank treats the tail like the top, where the list is decided.)

- likeness: embedding cosine to the library papers, the most similar one (a 1-NN vote)
  blended with a recency-weighted mean over the whole library; papers the reader
  marked "not interested" count against a candidate like them;
- words: a linear model on tf-idf of title and abstract, library papers positive and the
  other candidates (plus "not interested" papers, weighted up) negative, as arxiv-sanity
  does but with a milder regularisation;
- word centroid: the cosine-like product of the candidate's tf-idf with the library's mean
  tf-idf row (Rocchio's query from the library), a cheap second opinion on the words;
- categories: how much of the library is in the candidate's categories, and followed ones.

It sees text, categories and dates only; authors never reach it (RankerPaper has none),
so the evaluation, whose readers are authors, cannot leak them. docs/recommendations.md
gives the measurements behind each weight.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC


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


def tfidf_vectorizer(min_df: int = 5, max_df: float = 0.1, max_features: int = 20_000) -> TfidfVectorizer:
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


# Library papers' tf-idf rows kept by a pool between calls (about 1 kB each).
MAX_KNOWN_ROWS = 100_000


class FeatureSpace:
    """Embedding and tf-idf rows for a set of papers, built once and shared by every reader."""

    def __init__(
        self,
        papers: Sequence[RankerPaper],
        vectors: np.ndarray,
        vectorizer: TfidfVectorizer | None = None,
    ) -> None:
        if len(papers) != len(vectors):
            raise ValueError(f"{len(papers)} papers but {len(vectors)} vectors")
        self.papers = list(papers)
        self.row = {p.id: i for i, p in enumerate(self.papers)}
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        texts = [p.text for p in self.papers]
        if vectorizer is None:
            # A small set (tests, a young instance) has too few papers for arxiv-sanity's cut-offs.
            n = len(texts)
            vectorizer = tfidf_vectorizer(min_df=5 if n >= 2000 else 1, max_df=0.1 if n >= 2000 else 1.0)
            self.tfidf = vectorizer.fit_transform(texts).tocsr()
        else:
            self.tfidf = vectorizer.transform(texts).tocsr()
        self.vectorizer = vectorizer
        self._known_rows: dict[str, sparse.csr_matrix] = {}

    def extended(self, papers: Sequence[RankerPaper], vectors: np.ndarray) -> FeatureSpace:
        """This space plus more papers, read with this space's vocabulary (it is not refitted)."""
        if len(papers) != len(vectors):
            raise ValueError(f"{len(papers)} papers but {len(vectors)} vectors")
        grown = object.__new__(FeatureSpace)
        grown.papers = self.papers + list(papers)
        grown.row = {p.id: i for i, p in enumerate(grown.papers)}
        grown.vectors = np.vstack([self.vectors, np.asarray(vectors, dtype=np.float32)])
        grown.tfidf = sparse.vstack([self.tfidf, self._tfidf_rows([p.text for p in papers])]).tocsr()
        grown.vectorizer = self.vectorizer
        grown._known_rows = {}
        return grown

    def _tfidf_rows(self, texts: list[str]) -> sparse.csr_matrix:
        """Texts read with this space's vocabulary, each read once: a library changes little
        between calls, and reading 500 abstracts costs more than ranking against them."""
        if len(self._known_rows) > MAX_KNOWN_ROWS:
            self._known_rows.clear()
        fresh = [t for t in dict.fromkeys(texts) if t not in self._known_rows]
        if fresh:
            read = self.vectorizer.transform(fresh).tocsr()
            self._known_rows.update((text, read[i]) for i, text in enumerate(fresh))
        return sparse.vstack([self._known_rows[t] for t in texts]).tocsr()

    def rows(self, ids: Sequence[str]) -> np.ndarray:
        return np.array([self.row[i] for i in ids], dtype=np.int64)


@dataclass(frozen=True)
class Weights:
    """How much each view counts, and the shape of the likeness score (measured, see docs)."""

    likeness: float = 1.75
    words: float = 0.75
    word_centroid: float = 0.25
    categories: float = 0.1
    top_k: int = 1
    recency_mix: float = 0.3  # share of the recency-weighted mean in the likeness score
    negative_penalty: float = 1.0  # how much likeness to a "not interested" paper costs
    negative_sample_weight: float = 5.0
    svm_c: float = 0.3


DEFAULT_WEIGHTS = Weights()


@dataclass
class Ranking:
    """Candidates best first, with each one's score and its nearest library papers (for reasons)."""

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
    """(score per candidate, similarity matrix candidates x library); library newest first."""
    sims = candidate_vectors @ library_vectors.T
    count = sims.shape[1]
    valued = sims if library_weights is None else sims * library_weights[None, :]
    k = min(weights.top_k, count)
    if k == 1:  # the same as the partition below, several times faster
        top = valued.max(axis=1)
    else:
        top = np.partition(valued, count - k, axis=1)[:, count - k :].mean(axis=1)
    recent = valued @ recency_weights(count)
    score = (1 - weights.recency_mix) * top + weights.recency_mix * recent
    if negative_vectors is not None and len(negative_vectors):
        # As like a refused paper as a saved one: about no likeness left.
        score = score - weights.negative_penalty * (candidate_vectors @ negative_vectors.T).max(axis=1)
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
    model = LinearSVC(C=weights.svm_c, class_weight="balanced", tol=1e-4, max_iter=2000)
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
) -> Ranking:
    """Rank candidates (ids in space) for the reader whose library is `library`, newest first.

    library_weights (one per library paper, default 1) let a tag or an upvote count more;
    boost adds to a candidate's fused score (e.g. 1.0 for a followed author, as the
    service decides). neighbours > 0 also returns each candidate's most similar library papers.
    """
    if not library:
        raise ValueError("rank_for_reader needs at least one library paper")
    library_rows = space.rows(library)
    candidate_rows = space.rows(candidates)
    negative_rows = space.rows(not_interested) if not_interested else np.zeros(0, dtype=np.int64)
    lib_w = None if library_weights is None else np.asarray(library_weights, dtype=np.float32)
    likeness, sims = likeness_scores(
        space.vectors[candidate_rows],
        space.vectors[library_rows],
        space.vectors[negative_rows] if len(negative_rows) else None,
        weights,
        lib_w,
    )
    words = words_scores(space, library_rows, negative_rows, candidate_rows, weights)
    centroid = word_centroid_scores(space, library_rows, candidate_rows, lib_w)
    cats = category_scores(
        [space.papers[r] for r in library_rows],
        [space.papers[r] for r in candidate_rows],
        followed_categories,
    )
    fused = (
        weights.likeness * standardised(likeness)
        + weights.words * standardised(words)
        + weights.word_centroid * standardised(centroid)
        + weights.categories * standardised(cats)
    )
    if boost is not None:
        fused = fused + np.asarray(boost, dtype=np.float64)
    if len(negative_rows):
        # A paper the reader said no to is never recommended back to them.
        fused[np.isin(candidate_rows, negative_rows)] = -math.inf
    order = np.lexsort((-candidate_rows, -fused))
    ranking = Ranking([candidates[i] for i in order], [float(fused[i]) for i in order])
    if neighbours:
        width = min(neighbours, len(library))
        for i in order:
            best = np.argsort(-sims[i])[:width]
            ranking.neighbours.append([(library[j], float(sims[i, j])) for j in best])
    return ranking
