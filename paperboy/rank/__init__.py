"""Fusion of ranked lists for hybrid search."""

from paperboy.rank.fusion import (
    HYBRID_CANDIDATES,
    convex_fusion,
    fuse_hybrid,
    normalise_scores,
    reciprocal_rank_fusion,
)

__all__ = ["HYBRID_CANDIDATES", "convex_fusion", "fuse_hybrid", "normalise_scores", "reciprocal_rank_fusion"]
