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

import os
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

import numpy as np
import onnxruntime  # noqa: F401  -- must precede usearch; see module docstring
from usearch.index import Index

from paperboy.index.watermark import read_watermark, write_watermark

INDEX_FILE = "vectors.usearch"
# Below this many allowed ids an exact scan of just those vectors is cheaper than
# HNSW with oversampling, and it is always complete.
EXACT_FILTER_LIMIT = 20_000


def vector_file_metadata(path: Path) -> dict | None:
    """The saved index's header (count_present, ndim...) without loading it."""
    return Index.metadata(str(path))


class VectorIndex:
    """Unit-normalised embeddings keyed by paper id, searched by cosine similarity.

    Changes live in memory until `save`; readers see them after `load`/reopen.
    """

    def __init__(self, folder: Path | str, ndim: int, dtype: str = "f16",
                 connectivity: int = 16, expansion_add: int = 128, expansion_search: int = 128,
                 exact_filter_limit: int = EXACT_FILTER_LIMIT) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.ndim = ndim
        self.exact_filter_limit = exact_filter_limit
        self._settings = dict(ndim=ndim, metric="cos", dtype=dtype, connectivity=connectivity,
                              expansion_add=expansion_add, expansion_search=expansion_search)
        self._index = Index(**self._settings)
        self.load()

    # ------------------------------------------------------------------ persistence
    def load(self) -> None:
        """Replace in-memory contents with what is saved in the folder (if anything)."""
        path = self.folder / INDEX_FILE
        if not path.exists():
            self._index = Index(**self._settings)
            return
        index = Index(**self._settings)
        index.load(str(path))
        if index.ndim != self.ndim:
            raise ValueError(f"{path}: holds {index.ndim}-dim vectors, expected {self.ndim}; "
                             "rebuild the vector index")
        index.expansion_search = self._settings["expansion_search"]
        self._index = index

    def save(self, watermark: int | None = None) -> None:
        """Write the index atomically (temp file + rename), then record `watermark`."""
        path = self.folder / INDEX_FILE
        tmp = self.folder / (INDEX_FILE + ".tmp")
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

    def remove(self, paper_ids: Iterable[int]) -> None:
        """Drop vectors by id; ids not present are ignored."""
        keys = [k for k in paper_ids if self._index.contains(int(k))]
        if keys:
            self._index.remove(np.asarray(keys, dtype=np.uint64))

    def clear(self) -> None:
        """Empty the index (before a rebuild)."""
        self._index = Index(**self._settings)

    # ------------------------------------------------------------------ reading
    def count(self) -> int:
        return len(self._index)

    def ids(self) -> set[int]:
        """Every paper id in the index (for checking it against the store)."""
        return {int(key) for key in self._index.keys}

    def __contains__(self, paper_id: int) -> bool:
        return bool(self._index.contains(int(paper_id)))

    def search(self, vector: np.ndarray, k: int = 10,
               allowed: Collection[int] | None = None) -> list[tuple[int, float]]:
        """The `k` nearest papers as (id, cosine similarity), most similar first.

        With `allowed`, only those ids are returned and the result is complete: a small
        set is scanned exactly; a large one uses HNSW with oversampling, widened until
        `k` allowed ids are found, and finally an exact scan.
        """
        query = self._check(vector.reshape(1, -1))[0]
        size = len(self._index)
        if k <= 0 or size == 0:
            return []
        if allowed is None:
            return self._ann(query, min(k, size))
        allowed_ids = {int(i) for i in allowed}
        if len(allowed_ids) <= self.exact_filter_limit:
            return self._exact_subset(query, k, allowed_ids)
        fetch = min(size, max(4 * k, int(2 * k * size / len(allowed_ids))))
        while True:
            hits = [(pid, sim) for pid, sim in self._ann(query, fetch) if pid in allowed_ids]
            if len(hits) >= k or fetch >= size:
                return hits[:k] if len(hits) >= k else self._exact_subset(query, k, allowed_ids)
            fetch = min(size, fetch * 4)

    def exact_search(self, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        """Brute-force search over every stored vector (ground truth for recall)."""
        query = self._check(vector.reshape(1, -1))[0]
        matches = self._index.search(query, min(k, len(self._index)), exact=True)
        return [(int(key), 1.0 - float(d)) for key, d in zip(matches.keys, matches.distances, strict=True)]

    def _ann(self, query: np.ndarray, count: int) -> list[tuple[int, float]]:
        matches = self._index.search(query, count)
        return [(int(key), 1.0 - float(d)) for key, d in zip(matches.keys, matches.distances, strict=True)]

    def _exact_subset(self, query: np.ndarray, k: int, allowed: set[int]) -> list[tuple[int, float]]:
        keys = [pid for pid in allowed if self._index.contains(pid)]
        if not keys:
            return []
        vectors = np.asarray(self._index.get(np.asarray(keys, dtype=np.uint64), dtype=np.float32))
        norms = np.linalg.norm(vectors, axis=1)
        sims = vectors @ query / (np.where(norms > 0, norms, 1.0) * max(np.linalg.norm(query), 1e-12))
        top = np.argsort(-sims, kind="stable")[:k]
        return [(keys[i], float(sims[i])) for i in top]

    def _check(self, vectors: np.ndarray) -> np.ndarray:
        array = np.ascontiguousarray(vectors, dtype=np.float32)
        if array.ndim != 2 or array.shape[1] != self.ndim:
            raise ValueError(f"expected vectors of {self.ndim} dims, got shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError("vectors contain NaN or infinity")
        return array
