"""The for-you ranker's fast mode, for digests: the same three views with the same Weights,
standardised and summed the same way, for many readers at once.

The page's ranker (paperboy.rank.for_you.rank_for_reader) fits a linear SVM per reader on
tf-idf, ~100+ ms; a digest for 10,000 readers cannot pay that. Here:

- words: tf-idf cosines to the library, in the likeness view's shape (the nearest library
  paper blended with the recency-weighted mean, less the nearest "not interested" paper),
  instead of the SVM's margin: no model to fit;
- likeness and categories: the ranker's own formulas (likeness_scores, category_scores),
  written for a matrix of readers;
- batching: the similarities of every library paper of a batch of readers to every
  candidate are two matrix products (embeddings, tf-idf) computed once per batch; each reader
  then reads their rows. What the candidates share (vectors, transposed tf-idf, categories)
  is built once (CandidateFeatures).

docs/recommendations.md gives the measured quality cost (nDCG@20) against the full ranker.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from paperboy.rank.for_you import (
    FeatureSpace,
    RankerPaper,
    Ranking,
    Weights,
    recency_weights,
)

# The weights the fast mode was measured with (docs/recommendations.md: 0.73x / 0.81x of the
# full ranker). The full ranker's second-round weights favour likeness and add a word
# centroid the fast mode does not compute; they are not measured here, so not used here.
FAST_WEIGHTS = Weights(likeness=1.0, words=1.0, word_centroid=0.0, categories=0.1)


class CandidateFeatures:
    """What every reader's ranking of one set of candidates shares, built once."""

    def __init__(self, papers: Sequence[RankerPaper], vectors: np.ndarray, tfidf: sparse.csr_matrix) -> None:
        if not (len(papers) == len(vectors) == tfidf.shape[0]):
            raise ValueError(f"{len(papers)} papers, {len(vectors)} vectors, {tfidf.shape[0]} tf-idf rows")
        self.ids = [p.id for p in papers]
        self.index = {key: i for i, key in enumerate(self.ids)}
        self.vectors_t = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).T)
        self.tfidf_t = sparse.csr_matrix(tfidf.T)
        names = sorted({c for p in papers for c in p.categories})
        self.category_index = {c: i for i, c in enumerate(names)}
        self.categories = names
        self.primary = np.array(
            [self.category_index[p.categories[0]] if p.categories else -1 for p in papers], dtype=np.int64
        )
        rows = [i for i, p in enumerate(papers) for _ in set(p.categories)]
        cols = [self.category_index[c] for p in papers for c in set(p.categories)]
        self.member = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(papers), max(len(names), 1))
        )

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class FastReader:
    """One reader, in rows of the batch's paper matrices (library newest first)."""

    library: np.ndarray
    library_keys: Sequence[str]  # the library's ids, in the same order (named as neighbours)
    library_categories: Sequence[tuple[str, ...]]
    not_interested: np.ndarray
    followed_categories: Sequence[str] = ()
    boost: np.ndarray | None = None  # one per candidate, added to the fused score
    excluded: np.ndarray | None = None  # candidate indices never to rank (the reader's own papers)


def similarities(
    candidates: CandidateFeatures, paper_vectors: np.ndarray, paper_tfidf: sparse.csr_matrix
) -> tuple[np.ndarray, np.ndarray]:
    """(embedding cosines, tf-idf cosines) of papers (rows) to every candidate (columns): two
    matrix products for a whole batch of readers' papers, kept by callers between batches."""
    likeness = np.asarray(paper_vectors, dtype=np.float32) @ candidates.vectors_t
    words = (paper_tfidf @ candidates.tfidf_t).toarray().astype(np.float32)
    return likeness, words


def rank_readers_fast(
    candidates: CandidateFeatures,
    likeness_all: np.ndarray,
    words_all: np.ndarray,
    readers: Sequence[FastReader],
    weights: Weights = FAST_WEIGHTS,
    neighbours: int = 0,
    top: int | None = None,
) -> list[Ranking]:
    """Each reader's Ranking of the candidates; *_all are `similarities` of the papers the
    readers' rows point at."""
    return [
        _rank_one(candidates, likeness_all, words_all, reader, weights, neighbours, top) for reader in readers
    ]


def _shape(sims: np.ndarray, weights: Weights) -> np.ndarray:
    """likeness_scores' shape for a library x candidates matrix: nearest (or top-k mean) blended
    with the recency-weighted mean (library newest first)."""
    count = sims.shape[0]
    k = min(weights.top_k, count)
    top = sims.max(axis=0) if k == 1 else np.partition(sims, count - k, axis=0)[count - k :].mean(axis=0)
    blended: np.ndarray = (1 - weights.recency_mix) * top + weights.recency_mix * (
        recency_weights(count) @ sims
    )
    return blended


def _standardised(scores: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """(x - mean) / std over the kept candidates; zeros when they are all the same."""
    values = scores[kept]
    spread = values.std() if len(values) else 0.0
    return (scores - values.mean()) / spread if spread > 1e-12 else np.zeros(len(scores))


def _category_view(candidates: CandidateFeatures, reader: FastReader) -> np.ndarray:
    """category_scores for every candidate at once."""
    listed = Counter(c for cats in reader.library_categories for c in set(cats))
    size = max(len(reader.library_categories), 1)
    shares = np.zeros(candidates.member.shape[1])
    for name, count in listed.items():
        if name in candidates.category_index:
            shares[candidates.category_index[name]] = count / size
    primary = np.where(candidates.primary >= 0, shares[np.maximum(candidates.primary, 0)], 0.0)
    best = candidates.member.multiply(shares[None, :]).max(axis=1).toarray().ravel()
    scores: np.ndarray = primary + best
    wanted = [f.lower() for f in reader.followed_categories]
    if wanted:
        matching = [
            i
            for c, i in candidates.category_index.items()
            if any(c.lower() == f or c.lower().startswith(f + ".") for f in wanted)
        ]
        if matching:
            scores = scores + (np.asarray(candidates.member[:, matching].sum(axis=1)).ravel() > 0)
    return scores


def _rank_one(
    candidates: CandidateFeatures,
    likeness_all: np.ndarray,
    words_all: np.ndarray,
    reader: FastReader,
    weights: Weights,
    neighbours: int,
    top: int | None,
) -> Ranking:
    if not len(reader.library):
        raise ValueError("a reader needs at least one library paper")
    sims = likeness_all[reader.library]
    likeness = _shape(sims, weights)
    words = _shape(words_all[reader.library], weights)
    if len(reader.not_interested):
        # As like a refused paper as a saved one: about no likeness left (as in likeness_scores).
        likeness = likeness - weights.negative_penalty * likeness_all[reader.not_interested].max(axis=0)
        words = words - weights.negative_penalty * words_all[reader.not_interested].max(axis=0)
    kept = np.ones(len(candidates), dtype=bool)
    if reader.excluded is not None and len(reader.excluded):
        kept[reader.excluded] = False
    fused = (
        weights.likeness * _standardised(likeness, kept)
        + weights.words * _standardised(words, kept)
        + weights.categories * _standardised(_category_view(candidates, reader), kept)
    )
    if reader.boost is not None:
        fused = fused + reader.boost
    fused[~kept] = -math.inf
    ids = np.arange(len(candidates))
    wanted = len(candidates) if top is None else min(top, len(candidates))
    if wanted < len(candidates):
        # Only the best few are ordered; ties broken by the candidate's position, as the ranker does.
        head = np.argpartition(-fused, wanted - 1)[:wanted]
        cut = fused[head].min()
        head = ids[fused >= cut]
    else:
        head = ids
    order = head[np.lexsort((-head, -fused[head]))][:wanted]
    ranking = Ranking([candidates.ids[i] for i in order], [float(fused[i]) for i in order])
    if neighbours:
        width = min(neighbours, len(reader.library))
        for i in order:
            best = np.argsort(-sims[:, i])[:width]
            ranking.neighbours.append([(reader.library_keys[j], float(sims[j, i])) for j in best])
    return ranking


def rank_for_reader_fast(
    space: FeatureSpace,
    library: Sequence[str],
    candidates: Sequence[str],
    not_interested: Sequence[str] = (),
    followed_categories: Sequence[str] = (),
    boost: Sequence[float] | None = None,
    weights: Weights = FAST_WEIGHTS,
) -> Ranking:
    """rank_for_reader's arguments and answer (ids in space), in fast mode: one reader."""
    rows = space.rows(candidates)
    features = CandidateFeatures([space.papers[r] for r in rows], space.vectors[rows], space.tfidf[rows])
    own = list(dict.fromkeys([*library, *not_interested]))
    own_rows = space.rows(own)
    position = {key: i for i, key in enumerate(own)}
    refused = np.array([position[k] for k in not_interested], dtype=np.int64)
    reader = FastReader(
        library=np.array([position[k] for k in library], dtype=np.int64),
        library_keys=list(library),
        library_categories=[space.papers[space.row[k]].categories for k in library],
        not_interested=refused,
        followed_categories=followed_categories,
        boost=None if boost is None else np.asarray(boost, dtype=np.float64),
        excluded=np.array([features.index[k] for k in not_interested if k in features.index], dtype=np.int64),
    )
    likeness_all, words_all = similarities(features, space.vectors[own_rows], space.tfidf[own_rows])
    return rank_readers_fast(features, likeness_all, words_all, [reader], weights)[0]
