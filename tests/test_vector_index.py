"""VectorIndex on a real usearch index in a temporary folder; faiss as an outside check."""

from pathlib import Path

import numpy as np
import pytest

from paperboy.index.vectors import EXACT_FILTER_LIMIT, VectorIndex

DIM = 32


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def vectors() -> np.ndarray:
    return unit(np.random.default_rng(0).normal(size=(2000, DIM)))


@pytest.fixture
def index(tmp_path: Path, vectors: np.ndarray) -> VectorIndex:
    # exact_scan_limit=0: the graph search itself, which serves indexes above 100k.
    idx = VectorIndex(tmp_path / "vectors", ndim=DIM, exact_scan_limit=0)
    idx.upsert(list(range(1000, 3000)), vectors)
    return idx


def test_nearest_is_itself_and_ann_matches_exact(index: VectorIndex, vectors: np.ndarray) -> None:
    hits = index.search(vectors[5], k=10)
    assert hits[0][0] == 1005 and hits[0][1] == pytest.approx(1.0, abs=1e-2)

    def top(hits: list[tuple[int, float]]) -> set[int]:
        return {p for p, _ in hits}

    recall = np.mean(
        [
            len(top(index.search(vectors[i], 10)) & top(index.exact_search(vectors[i], 10))) / 10
            for i in range(0, 2000, 40)
        ]
    )
    assert recall >= 0.95


def test_exact_search_agrees_with_faiss(index: VectorIndex, vectors: np.ndarray) -> None:
    import faiss

    flat = faiss.IndexFlatIP(DIM)
    flat.add(vectors)
    _, expected = flat.search(vectors[:20], 10)
    for row in range(20):
        got = [p - 1000 for p, _ in index.exact_search(vectors[row], 10)]
        assert len(set(got) & set(expected[row].tolist())) >= 9  # f16 storage may swap near-ties


def test_filter_small_set_is_exact_and_complete(index: VectorIndex, vectors: np.ndarray) -> None:
    allowed = set(range(1000, 3000, 97))  # 21 papers
    hits = index.search(vectors[0], k=50, allowed=allowed)
    assert {p for p, _ in hits} == allowed
    sims = [s for _, s in hits]
    assert sims == sorted(sims, reverse=True)


def test_filter_large_set_uses_ann_and_only_returns_allowed(tmp_path: Path) -> None:
    rows = unit(np.random.default_rng(1).normal(size=(3000, 8)))
    idx = VectorIndex(
        tmp_path / "big", ndim=8, exact_filter_limit=100, exact_scan_limit=0, subset_scan_limit=0
    )
    idx.upsert(list(range(len(rows))), rows)
    assert idx.exact_filter_limit < EXACT_FILTER_LIMIT
    for allowed in (set(range(0, 3000, 2)), set(range(0, 3000, 25))):  # 1500 and 120 allowed
        hits = idx.search(rows[-1], k=10, allowed=allowed)
        assert len(hits) == 10 and all(p in allowed for p, _ in hits)
        sims = [s for _, s in hits]
        assert sims == sorted(sims, reverse=True)
    # The same filter as a set, a sorted array (as the search service remembers it) and an
    # unsorted array with repeats gives the same answer.
    allowed_sorted = np.arange(0, 3000, 7, dtype=np.int64)
    shuffled = np.random.default_rng(3).permutation(np.concatenate([allowed_sorted, allowed_sorted[:50]]))
    answers = [
        idx.search(rows[-1], k=10, allowed=a)
        for a in (set(allowed_sorted.tolist()), allowed_sorted, shuffled)
    ]
    assert answers[0] == answers[1] == answers[2] and all(p % 7 == 0 for p, _ in answers[0])
    # Fewer allowed than k on the HNSW path: it widens until it has seen every paper.
    idx.exact_filter_limit = 2
    few = set(range(0, 3000, 500))
    assert {p for p, _ in idx.search(rows[-1], k=10, allowed=few)} == few


def test_filter_on_a_scanned_index_is_exact_and_complete(tmp_path: Path) -> None:
    # Below exact_scan_limit a broad filter ranks the whole scan and keeps the allowed
    # ids; a narrow one reads its vectors. Both must give the brute-force answer.
    rows = unit(np.random.default_rng(2).normal(size=(3000, DIM)))
    idx = VectorIndex(tmp_path / "scanned", ndim=DIM)
    idx.upsert(list(range(len(rows))), rows)
    assert idx.count() <= idx.exact_scan_limit
    query = rows[7]
    for allowed in (set(range(0, 3000, 3)), set(range(0, 3000, 400)), {5, 6}):
        expected = sorted(allowed, key=lambda i: -float(rows[i] @ query))[:50]
        hits = idx.search(query, k=50, allowed=allowed)
        assert len(hits) == min(50, len(allowed)) and all(p in allowed for p, _ in hits)
        sims = [s for _, s in hits]
        assert sims == sorted(sims, reverse=True)
        # f16 storage may swap near-ties, never change the set by more than one or two.
        assert len({p for p, _ in hits} & set(expected)) >= len(expected) - 2


def test_upsert_replaces_and_remove_deletes(index: VectorIndex, vectors: np.ndarray) -> None:
    index.upsert([1000], vectors[1:2])  # paper 1000 now has paper 1001's vector
    assert index.count() == 2000
    assert {p for p, _ in index.search(vectors[1], 2)} == {1000, 1001}
    index.remove([1001, 424242])
    assert 1001 not in index and index.count() == 1999
    assert index.search(vectors[1], 1)[0][0] == 1000


def test_save_and_reopen(index: VectorIndex, vectors: np.ndarray, tmp_path: Path) -> None:
    index.save(watermark=12)
    reopened = VectorIndex(tmp_path / "vectors", ndim=DIM)
    assert reopened.count() == 2000 and reopened.watermark == 12
    assert reopened.search(vectors[7], 1)[0][0] == 1007
    with pytest.raises(ValueError, match="rebuild"):
        VectorIndex(tmp_path / "vectors", ndim=DIM + 1)


def test_unsaved_changes_are_dropped_by_load(index: VectorIndex, tmp_path: Path) -> None:
    index.save()
    index.remove([1000])
    index.load()
    assert 1000 in index


def test_bad_input_is_refused(index: VectorIndex, vectors: np.ndarray) -> None:
    with pytest.raises(ValueError, match="dims"):
        index.search(np.ones(DIM + 1, dtype=np.float32))
    with pytest.raises(ValueError, match="NaN"):
        index.upsert([1], np.full((1, DIM), np.nan))
    with pytest.raises(ValueError, match="duplicate"):
        index.upsert([1, 1], vectors[:2])
    assert index.search(vectors[0], k=0) == []


def test_empty_index_and_clear(tmp_path: Path, index: VectorIndex, vectors: np.ndarray) -> None:
    assert VectorIndex(tmp_path / "empty", ndim=DIM).search(vectors[0], 5) == []
    index.clear()
    assert index.count() == 0


def test_small_indexes_are_scanned_exactly(tmp_path: Path, vectors: np.ndarray) -> None:
    idx = VectorIndex(tmp_path / "small", ndim=DIM)
    idx.upsert(list(range(len(vectors))), vectors)
    for row in range(0, 2000, 100):
        assert idx.search(vectors[row], 10) == idx.exact_search(vectors[row], 10)


def brute_force(rows: dict[int, np.ndarray], query: np.ndarray, allowed: set[int], k: int) -> list[int]:
    return sorted((i for i in allowed if i in rows), key=lambda i: (-float(rows[i] @ query), i))[:k]


def test_a_filter_scans_its_rows_and_the_rows_follow_every_change_and_save(tmp_path: Path) -> None:
    from paperboy.index.vector_rows import ROW_IDS_FILE, ROWS_FILE

    rng = np.random.default_rng(4)
    vectors = {i: row for i, row in enumerate(unit(rng.normal(size=(3000, DIM))), start=10)}
    idx = VectorIndex(tmp_path / "rows", ndim=DIM, exact_scan_limit=0, subset_scan_limit=2000)
    idx.upsert(list(vectors), np.stack(list(vectors.values())))
    query = unit(rng.normal(size=(1, DIM)))[0]
    allowed = set(range(10, 3010, 3))  # 1,000: under the limit, so scanned

    def agrees(index: VectorIndex) -> None:
        got = [p for p, _ in index.search(query, k=20, allowed=allowed)]
        expected = brute_force(vectors, query, allowed, 20)
        assert len(got) == 20 and len(set(got) ^ set(expected)) <= 2  # f16 rows may swap near-ties
        assert got[:5] == expected[:5]

    agrees(idx)
    # Changes before any save: a replaced vector, a removed one, a new paper.
    best = brute_force(vectors, query, allowed, 1)[0]
    vectors[best] = unit(-query.reshape(1, -1))[0]
    idx.upsert([best], vectors[best].reshape(1, -1))
    gone = brute_force(vectors, query, allowed, 1)[0]
    idx.remove([gone])
    del vectors[gone]
    vectors[4000] = query.copy()
    allowed.add(4000)
    idx.upsert([4000], query.reshape(1, -1))
    agrees(idx)
    assert idx.search(query, k=1, allowed=allowed)[0][0] == 4000
    idx.save(watermark=7)
    assert (tmp_path / "rows" / ROWS_FILE).exists() and (tmp_path / "rows" / ROW_IDS_FILE).exists()
    reopened = VectorIndex(tmp_path / "rows", ndim=DIM, exact_scan_limit=0, subset_scan_limit=2000)
    agrees(reopened)
    assert gone not in {p for p, _ in reopened.search(query, k=3000, allowed=allowed | {gone})}


def test_an_index_saved_without_rows_still_filters_and_gets_them_at_its_next_save(tmp_path: Path) -> None:
    from paperboy.index.vector_rows import ROW_IDS_FILE, ROWS_FILE

    rng = np.random.default_rng(5)
    rows = unit(rng.normal(size=(2000, DIM)))
    vectors = dict(enumerate(rows))
    folder = tmp_path / "older"
    idx = VectorIndex(folder, ndim=DIM, exact_scan_limit=0)
    idx.upsert(list(vectors), rows)
    idx.save(watermark=3)
    (folder / ROWS_FILE).unlink()
    (folder / ROW_IDS_FILE).unlink()
    older = VectorIndex(folder, ndim=DIM, exact_scan_limit=0, exact_filter_limit=10)
    allowed = set(range(0, 2000, 4))
    expected = brute_force(vectors, rows[1], allowed, 10)
    hits = [p for p, _ in older.search(rows[1], k=10, allowed=allowed)]  # the graph search, oversampled
    assert len(set(hits) & set(expected)) >= 9
    older.save(watermark=3)
    assert (folder / ROWS_FILE).exists()
    again = VectorIndex(folder, ndim=DIM, exact_scan_limit=0)
    assert [p for p, _ in again.search(rows[1], k=10, allowed=allowed)][:5] == expected[:5]


def test_the_graph_search_widens_for_a_large_index_unless_told_a_width(tmp_path: Path) -> None:
    from paperboy.index.vectors import EXPANSION_SEARCH, EXPANSION_SEARCH_LARGE, LARGE_INDEX

    by_size = VectorIndex(tmp_path / "a", ndim=DIM)
    assert (
        by_size._width(LARGE_INDEX - 1)
        == EXPANSION_SEARCH
        < by_size._width(LARGE_INDEX)
        == EXPANSION_SEARCH_LARGE
    )
    told = VectorIndex(tmp_path / "b", ndim=DIM, expansion_search=64)
    assert told._width(10 * LARGE_INDEX) == 64
