"""The vector index's vectors again, as one matrix in paper-id order, for scanning a subset.

usearch hands stored vectors back one array per key: reading and stacking 33,000 of them
took 180 ms, longer than scanning 200,000 in place. So a filter that passes tens of
thousands of papers (`after:` a recent date at 1M papers) could only oversample the graph
search, fetching thousands of neighbours to keep 200. This keeps a copy, float16 rows
sorted by paper id, saved beside the index (`vectors.rows.npy`, `vectors.row-ids.npy`) and
memory-mapped when loaded, so every process on the machine shares its pages: the rows of
any set of ids are one gather.

Changes are kept apart until the matrix is next needed or saved, then merged in one pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ROWS_FILE = "vectors.rows.npy"
ROW_IDS_FILE = "vectors.row-ids.npy"


class VectorRows:
    """Paper ids (sorted int64) and their vectors (float16 rows), with pending changes."""

    def __init__(self, ndim: int, ids: np.ndarray | None = None, rows: np.ndarray | None = None) -> None:
        self.ndim = ndim
        self._ids = ids if ids is not None else np.empty(0, dtype=np.int64)
        self._rows = rows if rows is not None else np.empty((0, ndim), dtype=np.float16)
        # id -> its new vector, or None when removed; applied by _merge.
        self._pending: dict[int, np.ndarray | None] = {}

    @classmethod
    def load(cls, folder: Path, ndim: int, count: int) -> VectorRows | None:
        """The saved matrix, memory-mapped; None when there is none or it does not hold
        `count` vectors of `ndim` (an index saved before the matrix existed, or a save
        that stopped between the two files)."""
        try:
            ids = np.load(folder / ROW_IDS_FILE, mmap_mode="r")
            rows = np.load(folder / ROWS_FILE, mmap_mode="r")
        except (FileNotFoundError, ValueError):
            return None
        if ids.shape != (count,) or rows.shape != (count, ndim):
            return None
        return cls(ndim, ids, rows)

    def upsert(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        for paper_id, vector in zip(ids.tolist(), vectors.astype(np.float16), strict=True):
            self._pending[int(paper_id)] = vector

    def remove(self, ids: list[int]) -> None:
        for paper_id in ids:
            self._pending[int(paper_id)] = None

    def subset(self, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, float16 rows) of the sorted `allowed` ids that are here. Float16 as
        stored: numpy converts float16 to float32 at about 1 ns a number, which for
        33,000 rows took three times as long as gathering them."""
        self._merge()
        if len(self._ids) == 0 or len(allowed) == 0:
            return np.empty(0, dtype=np.int64), np.empty((0, self.ndim), dtype=np.float16)
        places = np.minimum(np.searchsorted(self._ids, allowed), len(self._ids) - 1)
        places = places[self._ids[places] == allowed]
        return np.asarray(self._ids[places]), np.asarray(self._rows[places])

    def save(self, folder: Path) -> None:
        """Write both files atomically (temporary file, fsync, rename)."""
        self._merge()
        for name, array in ((ROWS_FILE, self._rows), (ROW_IDS_FILE, self._ids)):
            tmp = folder / (name + ".tmp")
            with open(tmp, "wb") as out:
                np.save(out, np.ascontiguousarray(array))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, folder / name)

    def _merge(self) -> None:
        if not self._pending:
            return
        changed = np.fromiter(self._pending, dtype=np.int64, count=len(self._pending))
        order = np.argsort(changed)
        changed = changed[order]
        keep = np.ones(len(self._ids), dtype=bool)
        if len(self._ids):
            places = np.minimum(np.searchsorted(changed, self._ids), len(changed) - 1)
            keep = changed[places] != self._ids
        added = [(paper_id, vector) for paper_id, vector in self._pending.items() if vector is not None]
        added_ids = np.fromiter((paper_id for paper_id, _ in added), dtype=np.int64, count=len(added))
        added_rows = (
            np.stack([vector for _, vector in added]) if added else np.empty((0, self.ndim), dtype=np.float16)
        )
        ids = np.concatenate([np.asarray(self._ids)[keep], added_ids])
        rows = np.concatenate([np.asarray(self._rows)[keep], added_rows])
        order = np.argsort(ids, kind="stable")
        self._ids, self._rows = ids[order], rows[order]
        self._pending = {}
