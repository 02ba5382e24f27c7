"""The for-you ranker's fast mode, for digests: the same three views, fused the same way, but
the words view reads tf-idf cosines instead of fitting a linear SVM per reader.

The per-reader SVM (paperboy.rank.for_you.words_scores) costs ~100+ ms; a digest for
10,000 readers cannot pay that. Here the words view has the likeness view's shape on
tf-idf: the cosine to the most similar library paper blended with the recency-weighted
mean over the library, minus the cosine to the nearest "not interested" paper. That is a
sparse product of the candidates by the library, about a millisecond. Likeness and
categories are the ranker's own functions, with its Weights; docs/recommendations.md gives
the measured quality cost (nDCG@20) against the full ranker.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from paperboy.rank.for_you import (
    DEFAULT_WEIGHTS,
    FeatureSpace,
    Ranking,
    Weights,
    category_scores,
    likeness_scores,
    recency_weights,
    standardised,
)


def fast_words_scores(
    space: FeatureSpace,
    library_rows: np.ndarray,
    negative_rows: np.ndarray,
    candidate_rows: np.ndarray,
    weights: Weights,
) -> np.ndarray:
    """Tf-idf cosine to the library (nearest blended with the recency-weighted mean), less the
    cosine to the nearest "not interested" paper; rows are l2-normalised, so products are cosines."""
    candidates = space.tfidf[candidate_rows]
    sims = (candidates @ space.tfidf[library_rows].T).toarray()
    nearest = sims.max(axis=1)
    recent = sims @ recency_weights(sims.shape[1])
    score: np.ndarray = (1 - weights.recency_mix) * nearest + weights.recency_mix * recent
    if len(negative_rows):
        refused = (candidates @ space.tfidf[negative_rows].T).toarray()
        score = score - weights.negative_penalty * refused.max(axis=1)
    return score


def rank_for_reader_fast(
    space: FeatureSpace,
    library: Sequence[str],
    candidates: Sequence[str],
    not_interested: Sequence[str] = (),
    followed_categories: Sequence[str] = (),
    boost: Sequence[float] | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
    neighbours: int = 0,
    top: int | None = None,
) -> Ranking:
    """rank_for_reader's arguments and answer, with the words view of fast_words_scores.

    top: return only the best `top` candidates (a digest needs its few papers, and naming
    the neighbours of all the others would cost more than ranking them)."""
    if not library:
        raise ValueError("rank_for_reader_fast needs at least one library paper")
    library_rows = space.rows(library)
    candidate_rows = space.rows(candidates)
    negative_rows = space.rows(not_interested) if not_interested else np.zeros(0, dtype=np.int64)
    likeness, sims = likeness_scores(
        space.vectors[candidate_rows],
        space.vectors[library_rows],
        space.vectors[negative_rows] if len(negative_rows) else None,
        weights,
    )
    words = fast_words_scores(space, library_rows, negative_rows, candidate_rows, weights)
    cats = category_scores(
        [space.papers[r] for r in library_rows],
        [space.papers[r] for r in candidate_rows],
        followed_categories,
    )
    fused = (
        weights.likeness * standardised(likeness)
        + weights.words * standardised(words)
        + weights.categories * standardised(cats)
    )
    if boost is not None:
        fused = fused + np.asarray(boost, dtype=np.float64)
    if len(negative_rows):
        fused[np.isin(candidate_rows, negative_rows)] = -math.inf
    order = np.lexsort((-candidate_rows, -fused))[:top]
    ranking = Ranking([candidates[i] for i in order], [float(fused[i]) for i in order])
    if neighbours:
        width = min(neighbours, len(library))
        for i in order:
            best = np.argsort(-sims[i])[:width]
            ranking.neighbours.append([(library[j], float(sims[i, j])) for j in best])
    return ranking
