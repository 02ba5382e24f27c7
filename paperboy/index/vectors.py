"""Approximate nearest-neighbour index of paper embeddings in a folder, built on usearch.

Choices measured in docs/search-choices.md (100k MiniLM-like vectors, 384 dims):
usearch HNSW at expansion_search=128 has recall@10 0.980 against exact search at about
0.45 ms a query, removes and replaces by key (faiss HNSW cannot remove; faiss IVF needs
training that goes stale as the corpus grows), and saves to one file.  Vectors are
stored as `f16`: the same recall as f32 in about half the memory; `i8` lost 8 points of
recall (0.896) on these tightly clustered vectors.

Import order: in one process `onnxruntime` must be imported before `usearch` (the other
order segfaults), so the embedding model's runtime is imported first here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import onnxruntime  # noqa: F401  -- must precede usearch; see module docstring
from usearch.index import Index
from usearch.index import search as scan_rows

from paperboy.index.vector_rows import VectorRows
from paperboy.index.watermark import read_watermark, write_watermark

INDEX_FILE = "vectors.usearch"
# Below this many allowed ids an exact scan of just those vectors is cheaper than
# HNSW with oversampling, and it is always complete.
EXACT_FILTER_LIMIT = 20_000
# Candidates HNSW keeps while searching, by the index's size. On the real vectors
# (bench/search_real.py, docs/performance.md): at 200,000 papers 1024 finds 0.985 of the
# exact top 10 in 6-7 ms, where 2048 (0.990) costs 14 ms, as much as scanning every vector,
# and 512 finds 0.977; at 1M papers (each real one with four noisy copies, many near-ties)
# 2048 finds 0.980.
EXPANSION_SEARCH = 1024
LARGE_INDEX = 500_000
EXPANSION_SEARCH_LARGE = 2048
# Up to this many vectors an exact scan costs about what HNSW does (4.9 vs 4.1 ms at 100k)
# and is exact and deterministic, so small and medium indexes are scanned.
EXACT_SCAN_LIMIT = 100_000
# Reading one vector by id (usearch `get`, then stacking) costs about 200 times scanning
# one in place (bench/search_real.py, 10k real papers: 3,000 ids read took longer than
# scanning all 10,000 twenty times over). So where the whole index is scanned anyway, a
# filter reads its allowed vectors one by one only when they are under 1/200 of it;
# otherwise the scan ranks every vector and the filter keeps the allowed ones.
FETCH_TO_SCAN_COST = 200
# Up to this many allowed ids a filter scans their rows (index/vector_rows.py: one gather
# and one exact scan, about 13 ms for 33,000) instead of oversampling the graph search by
# index size / allowed. Measured on the real vectors (docs/performance.md).
SUBSET_SCAN_LIMIT = 50_000
# Vectors read from usearch at a time when an older index gets its matrix of rows.
ROWS_READ_CHUNK = 50_000


def vector_file_metadata(path: Path) -> dict[str, Any] | None:
    """The saved index's header (count_present, ndim...) without loading it."""
    return Index.metadata(str(path))


class VectorIndex:
    """Unit-normalised embeddings keyed by paper id, searched by cosine similarity.

    Changes live in memory until `save`; readers see them after `load`/reopen.
    """

    def __init__(
        self,
        folder: Path | str,
        ndim: int,
        dtype: str = "f16",
        connectivity: int = 16,
        expansion_add: int = 128,
        expansion_search: int | None = None,
        exact_filter_limit: int = EXACT_FILTER_LIMIT,
        exact_scan_limit: int = EXACT_SCAN_LIMIT,
        subset_scan_limit: int = SUBSET_SCAN_LIMIT,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ndim = ndim
        self.exact_filter_limit = exact_filter_limit
        self.exact_scan_limit = exact_scan_limit
        self.subset_scan_limit = subset_scan_limit
        self._dtype = dtype
        self._connectivity = connectivity
        self._expansion_add = expansion_add
        # None: by the index's size (_width).
        self._expansion_search = expansion_search
        self._index = self._empty_index()
        # The same vectors as rows in id order, for filters; None while an index saved
        # before the rows existed has none (the next save writes them).
        self._rows: VectorRows | None = VectorRows(ndim)
        self.load()

    def _empty_index(self) -> Index:
        return Index(
            ndim=self.ndim,
            metric="cos",
            dtype=self._dtype,
            connectivity=self._connectivity,
            expansion_add=self._expansion_add,
            expansion_search=self._expansion_search or EXPANSION_SEARCH,
        )

    # ------------------------------------------------------------------ persistence
    def load(self) -> None:
        """Replace in-memory contents with what is saved in the folder (if anything)."""
        path = self.folder / INDEX_FILE
        if not path.exists():
            self._index = self._empty_index()
            self._rows = VectorRows(self.ndim)
            return
        index = self._empty_index()
        index.load(str(path))
        if index.ndim != self.ndim:
            raise ValueError(
                f"{path}: holds {index.ndim}-dim vectors, expected {self.ndim}; rebuild the vector index"
            )
        # The saved header does not keep the search width; usearch sets it through the property.
        index.expansion_search = self._width(len(index))  # type: ignore[misc]
        self._index = index
        self._rows = VectorRows.load(self.folder, self.ndim, len(index))

    def save(self, watermark: int | None = None) -> None:
        """Write the index atomically (temp file + rename), then record `watermark`."""
        path = self.folder / INDEX_FILE
        tmp = self.folder / (INDEX_FILE + ".tmp")
        # The rows first: a reader that sees the new watermark reloads both.
        self._rows_or_read().save(self.folder)
        self._index.save(str(tmp))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        if watermark is not None:
            write_watermark(self.folder, watermark)

    @property
    def watermark(self) -> int:
        """The highest store revision the saved index holds (0 for a new index)."""
        return read_watermark(self.folder)

    # ------------------------------------------------------------------ writing
    def upsert(self, paper_ids: Sequence[int], vectors: np.ndarray) -> None:
        """Add vectors, replacing any stored under the same ids."""
        keys = np.asarray(paper_ids, dtype=np.uint64)
        vectors = self._check(vectors)
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} ids for {len(vectors)} vectors")
        if len(set(keys.tolist())) != len(keys):
            raise ValueError("duplicate paper ids in one upsert")
        if len(keys) == 0:
            return
        self.remove(keys.tolist())
        self._index.add(keys, vectors)
        if self._rows is not None:
            self._rows.upsert(keys.astype(np.int64), vectors)

    def remove(self, paper_ids: Iterable[int]) -> None:
        """Drop vectors by id; ids not present are ignored."""
        keys = [k for k in paper_ids if self._index.contains(int(k))]
        if keys:
            self._index.remove(np.asarray(keys, dtype=np.uint64))
            if self._rows is not None:
                self._rows.remove([int(k) for k in keys])

    def clear(self) -> None:
        """Empty the index (before a rebuild)."""
        self._index = self._empty_index()
        self._rows = VectorRows(self.ndim)

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        return len(self._index)

    def ids(self) -> set[int]:
        """Every paper id in the index (for checking it against the store)."""
        return {int(key) for key in self._index.keys}

    def __contains__(self, paper_id: int) -> bool:
        return bool(self._index.contains(int(paper_id)))

    def search(
        self, vector: np.ndarray, k: int = 10, allowed: np.ndarray | Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """The `k` nearest papers as (id, cosine similarity), most similar first.

        With `allowed` (ids; a sorted int64 array is cheapest), only those ids are
        returned and the result is complete: a small set is scanned exactly; a large one
        uses HNSW (or the exact scan, on an index small enough to be scanned), fetching
        as many neighbours as the set's share of the index says `k` allowed ones need,
        doubling until enough pass.
        """
        query = self._check(vector.reshape(1, -1))[0]
        size = len(self._index)
        if k <= 0 or size == 0:
            return []
        if allowed is None:
            keys, sims = self._ann(query, min(k, size))
            return list(zip(keys.tolist(), sims.tolist(), strict=True))
        allowed_ids = _sorted_ids(allowed)
        if len(allowed_ids) == 0:
            return []
        scanned = size <= self.exact_scan_limit
        if self._rows is not None and len(allowed_ids) <= self.subset_scan_limit:
            return self._scan_rows(query, k, allowed_ids)
        if len(allowed_ids) <= (size // FETCH_TO_SCAN_COST if scanned else self.exact_filter_limit):
            return self._exact_subset(query, k, allowed_ids)
        fetch = min(size, math.ceil(1.5 * k * size / len(allowed_ids)))
        while True:
            keys, sims = self._ann(query, fetch)
            passing = _members(keys, allowed_ids)
            if passing.sum() >= k or fetch >= size:
                return list(zip(keys[passing][:k].tolist(), sims[passing][:k].tolist(), strict=True))
            fetch = min(size, fetch * 2)

    def exact_search(self, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        """Brute-force search over every stored vector (ground truth for recall)."""
        query = self._check(vector.reshape(1, -1))[0]
        matches = self._index.search(query, min(k, len(self._index)), exact=True)
        return [(int(key), 1.0 - float(d)) for key, d in zip(matches.keys, matches.distances, strict=True)]

    def _width(self, size: int) -> int:
        if self._expansion_search is not None:
            return self._expansion_search
        return EXPANSION_SEARCH_LARGE if size >= LARGE_INDEX else EXPANSION_SEARCH

    def _ann(self, query: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, cosine similarities) of the `count` approximate nearest, as arrays."""
        width = self._width(len(self._index))
        if self._index.expansion_search != width:
            self._index.expansion_search = width  # type: ignore[misc]
        matches = self._index.search(query, count, exact=len(self._index) <= self.exact_scan_limit)
        return np.asarray(matches.keys, dtype=np.int64), 1.0 - np.asarray(matches.distances, dtype=np.float64)

    def _scan_rows(self, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        assert self._rows is not None
        keys, vectors = self._rows.subset(allowed)
        if len(keys) == 0:
            return []
        # usearch's own float16 kernels, one thread: no conversion, and no BLAS threads
        # left spinning after a product (they doubled the CPU of the searches after).
        matches = scan_rows(
            vectors, query.astype(np.float16), min(k, len(keys)), "cos", exact=True, threads=1
        )
        found = np.asarray(matches.keys, dtype=np.int64)
        sims = 1.0 - np.asarray(matches.distances, dtype=np.float64)
        return list(zip(keys[found].tolist(), sims.tolist(), strict=True))

    def _rows_or_read(self) -> VectorRows:
        """The rows, read from usearch once for an index saved before they existed."""
        if self._rows is None:
            rows = VectorRows(self.ndim)
            keys = np.asarray(self._index.keys, dtype=np.uint64)
            for start in range(0, len(keys), ROWS_READ_CHUNK):
                chunk = keys[start : start + ROWS_READ_CHUNK]
                fetched = self._index.get(chunk)
                rows.upsert(chunk.astype(np.int64), np.vstack(cast("Sequence[np.ndarray]", fetched)))
            self._rows = rows
        return self._rows

    def _exact_subset(self, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        keys = allowed[self._index.contains(allowed.astype(np.uint64))]
        if len(keys) == 0:
            return []
        # Fetched in the index's own precision: converting on the way out costs 5x more.
        fetched = self._index.get(keys.astype(np.uint64))
        vectors = np.vstack(cast("Sequence[np.ndarray]", fetched)).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1)
        sims = vectors @ query / (np.where(norms > 0, norms, 1.0) * max(np.linalg.norm(query), 1e-12))
        top = np.argsort(-sims, kind="stable")[:k]
        return [(int(keys[i]), float(sims[i])) for i in top]

    def _check(self, vectors: np.ndarray) -> np.ndarray:
        array = np.ascontiguousarray(vectors, dtype=np.float32)
        if array.ndim != 2 or array.shape[1] != self.ndim:
            raise ValueError(f"expected vectors of {self.ndim} dims, got shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError("vectors contain NaN or infinity")
        return array


def _sorted_ids(allowed: np.ndarray | Collection[int]) -> np.ndarray:
    """The ids as a sorted int64 array without duplicates. An array already so (what the
    search service remembers per filter) is used as it is: sorting 300,000 ids again cost
    about 100 ms a query, the checking costs 0.1 ms."""
    if isinstance(allowed, np.ndarray):
        ids = allowed.astype(np.int64, copy=False)
        if len(ids) < 2 or bool((ids[1:] > ids[:-1]).all()):
            return ids
        return np.unique(ids)
    return np.unique(np.fromiter(allowed, dtype=np.int64))


def _members(keys: np.ndarray, sorted_ids: np.ndarray) -> np.ndarray:
    """Which keys are in sorted_ids, by binary search (np.isin sorts both arrays each call)."""
    if len(sorted_ids) == 0:
        return np.zeros(len(keys), dtype=bool)
    places = np.minimum(np.searchsorted(sorted_ids, keys), len(sorted_ids) - 1)
    return np.asarray(sorted_ids[places] == keys)
