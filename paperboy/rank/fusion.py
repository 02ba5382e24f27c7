"""Fusing ranked lists (keyword BM25 and dense cosine) into one ranking.

Measured on SciFact in docs/search-choices.md.  Hybrid search uses `fuse_hybrid`: a
convex combination of z-score-normalised scores with equal weights over the top 100 of
each list (nDCG@10 0.732 vs 0.692 BM25, 0.648 dense, 0.715 plain RRF k=60).  Per-list
normalisation makes BM25's unbounded scores and cosine similarities comparable without
tuning, and it uses how far ahead a hit is, which RRF throws away.  Equal weights are
the untuned choice, and every BM25 weight from 0.4 to 0.7 scored 0.729-0.732.
`reciprocal_rank_fusion` stays for lists without meaningful scores.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Literal, TypeVar

Key = TypeVar("Key", bound=Hashable)
Ranked = Sequence[tuple[Key, float]]  # (id, score), best first

RRF_K = 60  # Cormack et al. 2009
HYBRID_KEYWORD_WEIGHT = 0.5  # dense gets the rest
HYBRID_CANDIDATES = 100  # per list; 50-1000 all scored 0.732-0.739


def fuse_hybrid(
    keyword: Ranked[Key],
    dense: Ranked[Key],
    keyword_weight: float = HYBRID_KEYWORD_WEIGHT,
    depth: int = HYBRID_CANDIDATES,
) -> list[tuple[Key, float]]:
    """The measured default: z-score convex fusion of the top `depth` of each list.

    Either list may be empty (a query with no keyword match, or no embedding yet); the
    other list's order is then kept.
    """
    if not (0.0 <= keyword_weight <= 1.0):
        raise ValueError(f"keyword_weight must be in [0, 1], got {keyword_weight}")
    return convex_fusion(
        [list(keyword)[:depth], list(dense)[:depth]],
        weights=[keyword_weight, 1.0 - keyword_weight],
        method="zscore",
    )


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Key]], k: float = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[Key, float]]:
    """Fuse ranked id lists (best first): score(d) = sum_i w_i / (k + rank_i(d)), rank from 1.

    An id absent from a list gets nothing from it.  Ties keep first-seen order, so the
    result is deterministic.  Duplicate ids within one list count at their best rank.
    """
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    fused: dict[Key, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[Key] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def normalise_scores(ranked: Ranked[Key], method: Literal["minmax", "zscore"] = "minmax") -> dict[Key, float]:
    """Scores rescaled per list: min-max to [0, 1], or z-score (mean 0, deviation 1).

    A list whose scores are all equal (one hit, say) maps to 1.0 under either method:
    those ids were found and nothing in the list tells them apart.
    """
    if not ranked:
        return {}
    scores = [float(s) for _, s in ranked]
    if method == "minmax":
        low, high = min(scores), max(scores)
        span = high - low
        return {key: (float(s) - low) / span if span else 1.0 for key, s in ranked}
    if method == "zscore":
        mean = sum(scores) / len(scores)
        deviation = math.sqrt(sum((s - mean) ** 2 for s in scores) / len(scores))
        return {key: (float(s) - mean) / deviation if deviation else 1.0 for key, s in ranked}
    raise ValueError(f"unknown normalisation {method!r}; use 'minmax' or 'zscore'")


def convex_fusion(
    runs: Sequence[Ranked[Key]],
    weights: Sequence[float] | None = None,
    method: Literal["minmax", "zscore"] = "minmax",
) -> list[tuple[Key, float]]:
    """Weighted sum of per-list normalised scores.

    An id missing from a list scores that list's lowest normalised value: it ranked
    below everything the list returned, and zero would be generous under z-scores.  When
    a list cannot tell its ids apart (all 1.0), a missing id scores 0.0 from it.
    """
    if weights is None:
        weights = [1.0 / len(runs)] * len(runs) if runs else []
    if len(weights) != len(runs):
        raise ValueError(f"{len(weights)} weights for {len(runs)} runs")
    normalised = [normalise_scores(run, method) for run in runs]
    floors = [min(n.values()) if n and min(n.values()) < max(n.values()) else 0.0 for n in normalised]
    keys: dict[Key, None] = {}
    for n in normalised:
        keys.update(dict.fromkeys(n))
    fused = {
        key: sum(w * n.get(key, floor) for w, n, floor in zip(weights, normalised, floors, strict=True))
        for key in keys
    }
    return sorted(fused.items(), key=lambda kv: -kv[1])
