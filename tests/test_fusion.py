"""Fusion of ranked lists on small hand-made examples."""

import pytest

from paperboy.rank.fusion import (
    HYBRID_CANDIDATES,
    convex_fusion,
    fuse_hybrid,
    normalise_scores,
    reciprocal_rank_fusion,
)


def keys(fused) -> list:
    return [k for k, _ in fused]


def test_rrf_rewards_agreement_over_a_single_top_rank() -> None:
    keyword = ["a", "b", "c", "d"]
    dense = ["e", "b", "a", "f"]
    fused = reciprocal_rank_fusion([keyword, dense])
    # b (2nd and 2nd) and a (1st and 3rd) were found by both; e only by dense.
    assert keys(fused)[:2] == ["a", "b"] or keys(fused)[:2] == ["b", "a"]
    assert keys(fused).index("e") > keys(fused).index("b")
    assert dict(fused)["a"] == pytest.approx(1 / 61 + 1 / 63)


def test_rrf_weights_and_k() -> None:
    fused = reciprocal_rank_fusion([["x", "y"], ["y", "x"]], weights=[2.0, 1.0])
    assert keys(fused) == ["x", "y"]
    # A small k makes the top rank dominate; a large one flattens the curve.
    assert dict(reciprocal_rank_fusion([["x"]], k=0))["x"] == 1.0
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["x"]], weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["x"]], k=-1)


def test_rrf_edge_cases() -> None:
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []
    assert keys(reciprocal_rank_fusion([["a", "a", "b"]])) == ["a", "b"]  # duplicate counted once
    assert keys(reciprocal_rank_fusion([["p", "q"], []])) == ["p", "q"]  # one side empty


def test_rrf_is_deterministic_on_ties() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]])
    assert keys(fused) == ["a", "b"]


def test_normalise_minmax_and_zscore() -> None:
    run = [("a", 10.0), ("b", 5.0), ("c", 0.0)]
    assert normalise_scores(run) == {"a": 1.0, "b": 0.5, "c": 0.0}
    z = normalise_scores(run, "zscore")
    assert z["b"] == pytest.approx(0.0) and z["a"] == pytest.approx(-z["c"])
    assert normalise_scores([("a", 3.0), ("b", 3.0)]) == {"a": 1.0, "b": 1.0}
    assert normalise_scores([]) == {}
    with pytest.raises(ValueError):
        normalise_scores(run, "softmax")  # type: ignore[arg-type]


def test_convex_fusion_is_scale_free() -> None:
    bm25 = [("a", 40.0), ("b", 30.0), ("c", 1.0)]  # BM25 scores: unbounded
    dense = [("c", 0.9), ("b", 0.85), ("d", 0.1)]  # cosine: in [-1, 1]
    fused = convex_fusion([bm25, dense])
    assert keys(fused)[0] == "b"  # strong in both beats strong in one
    assert set(keys(fused)) == {"a", "b", "c", "d"}
    # Scaling one list's scores changes nothing.
    scaled = convex_fusion([[(k, s * 1000) for k, s in bm25], dense])
    assert keys(scaled) == keys(fused)
    assert keys(convex_fusion([bm25, dense], weights=[1.0, 0.0]))[:3] == ["a", "b", "c"]


def test_hybrid_beats_either_half_on_a_toy_collection() -> None:
    # Relevant: r1 (keyword finds it, dense ranks it low) and r2 (the reverse).
    keyword = ["r1", "n1", "n2", "r2", "n3"]
    dense = ["r2", "n4", "n5", "r1", "n6"]
    top2 = set(keys(reciprocal_rank_fusion([keyword, dense]))[:2])
    assert top2 == {"r1", "r2"}
    assert len({"r1", "r2"} & set(keyword[:2])) == 1 and len({"r1", "r2"} & set(dense[:2])) == 1


def test_fuse_hybrid_uses_score_gaps_and_handles_empty_lists() -> None:
    # "both" is near the top of both lists; k1 tops BM25 but dense puts it last.
    keyword = [("k1", 30.0), ("both", 25.0), ("k2", 8.0), ("k3", 7.0)]
    dense = [("d1", 0.61), ("both", 0.60), ("d2", 0.40), ("k1", 0.30)]
    fused = keys(fuse_hybrid(keyword, dense))
    assert fused[0] == "both"
    # Missing from a list costs as much as being its last entry: k3 < k2, d2 below d1.
    assert fused.index("k2") < fused.index("k3") and fused.index("d1") < fused.index("d2")
    assert keys(fuse_hybrid([], dense)) == ["d1", "both", "d2", "k1"]
    assert keys(fuse_hybrid(keyword, [])) == ["k1", "both", "k2", "k3"]
    assert fuse_hybrid([], []) == []
    assert keys(fuse_hybrid([("only", 3.0)], dense))[0] in ("only", "d1")
    with pytest.raises(ValueError):
        fuse_hybrid(keyword, dense, keyword_weight=1.5)


def test_fuse_hybrid_caps_candidates() -> None:
    keyword = [(f"k{i}", 1000.0 - i) for i in range(500)]
    assert len(fuse_hybrid(keyword, [])) == HYBRID_CANDIDATES
