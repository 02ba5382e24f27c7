"""How many papers hold each key-phrase candidate, kept incrementally beside the keyword index.

Choosing a paper's key phrases needs each candidate's document frequency (its idf).
Counting the corpus again per update costs 20 s per 8,000 papers, and an exact table of
phrases would hold millions of rows at 200,000 papers (docs/insight.md), so the counts
are a count-min sketch: DEPTH rows of WIDTH uint32 counters, each phrase counted in one
cell per row, its count read as the smallest of its cells. A count is never below the
truth; above it only where phrases share cells. Counts are raised by conservative update
(a cell rises only as far as the phrase's own estimate needs), which cuts the excess.

Hashes are blake2b (stable across processes and Python versions, unlike `hash()`); the
64-bit digest is split into one 32-bit index per row.

Derived data, in one file: the counters, the text hash of every paper counted (so a paper
indexed again with the same title and abstract is not counted twice) and the store
revision through which every changed paper has been counted. A rebuilt keyword index
starts a new sketch. Phrases are never subtracted (a conservative-update sketch cannot
take counts back), so a withdrawn paper stays counted and a paper whose text changes is
counted again with its new text: counts drift up by the papers that changed, until a
rebuild.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

COUNTS_FILE = "phrase-counts.npz"
DEPTH = 2
WIDTH = 1 << 23  # 2 rows x 2^23 x 4 bytes = 64 MiB; error measured in docs/insight.md


def phrase_hashes(phrases: Sequence[str]) -> np.ndarray:
    """The 64-bit blake2b digest of each phrase (UTF-8), as uint64."""
    digests = b"".join(hashlib.blake2b(p.encode("utf-8"), digest_size=8).digest() for p in phrases)
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64, copy=False)


def text_hash(title: str, abstract: str) -> int:
    """What identifies the text a paper was counted with (63 bits, stored as int64)."""
    digest = hashlib.blake2b(f"{title}\n{abstract}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _cells(hashes: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Each phrase's cell in row 0 (from the low 32 bits) and row 1 (the high 32 bits);
    `width` is a power of two."""
    mask = np.uint64(width - 1)
    low = (hashes & mask).astype(np.intp)
    high = ((hashes >> np.uint64(32)) & mask).astype(np.intp)
    return low, high


class PhraseCounts:
    """Document frequencies of phrases over the papers counted so far (a count-min sketch)."""

    def __init__(
        self,
        table: np.ndarray | None = None,
        counted: dict[int, int] | None = None,
        watermark: int = 0,
        width: int = WIDTH,
    ) -> None:
        if width & (width - 1):
            raise ValueError(f"the width must be a power of two, not {width}")
        self.table = table if table is not None else np.zeros((DEPTH, width), dtype=np.uint32)
        self.width = self.table.shape[1]
        self.counted: dict[int, int] = counted if counted is not None else {}
        self.watermark = watermark

    @property
    def total(self) -> int:
        """How many papers are counted (the N of idf)."""
        return len(self.counted)

    def needs_counting(self, paper_id: int, hashed_text: int) -> bool:
        """Whether this paper's text is not counted yet (a new paper, or its text changed)."""
        return self.counted.get(paper_id) != hashed_text

    def add(self, papers: Iterable[tuple[int, int, Iterable[str]]]) -> int:
        """Count papers given as (paper id, text hash, candidate phrases), skipping those
        already counted with this text; returns how many were counted."""
        batch: Counter[str] = Counter()
        added = 0
        for paper_id, hashed_text, phrases in papers:
            if not self.needs_counting(paper_id, hashed_text):
                continue
            batch.update(set(phrases))
            self.counted[paper_id] = hashed_text
            added += 1
        if batch:
            phrases = list(batch)
            k = np.fromiter(batch.values(), dtype=np.uint64, count=len(phrases))
            rows = _cells(phrase_hashes(phrases), self.width)
            # Conservative update over the batch: each phrase's cells rise to (its estimate
            # + its count in the batch), where no other phrase has raised them further.
            estimate = np.minimum(self.table[0, rows[0]], self.table[1, rows[1]]).astype(np.uint64)
            target = np.minimum(estimate + k, np.uint64(np.iinfo(np.uint32).max)).astype(np.uint32)
            for row, cells in enumerate(rows):
                np.maximum.at(self.table[row], cells, target)
        return added

    def counts(self, phrases: Sequence[str]) -> dict[str, int]:
        """Each phrase's estimated document frequency (never below the true one)."""
        if not phrases:
            return {}
        rows = _cells(phrase_hashes(phrases), self.width)
        found = np.minimum(self.table[0, rows[0]], self.table[1, rows[1]])
        return dict(zip(phrases, found.tolist(), strict=True))

    # ------------------------------------------------------------------ file
    @classmethod
    def load(cls, folder: Path) -> PhraseCounts | None:
        """The counts saved in `folder`, or None when there are none (or they are damaged or
        of another shape): the caller then counts every paper again."""
        path = folder / COUNTS_FILE
        try:
            with np.load(path, allow_pickle=False) as saved:
                if int(saved["width"]) != WIDTH:
                    return None  # another width: its cells mean other phrases
                if "table" in saved:
                    table = np.array(saved["table"])
                else:  # saved sparse: the cells that are not zero
                    table = np.zeros((DEPTH, WIDTH), dtype=np.uint32)
                    table.reshape(-1)[saved["cells"]] = saved["values"]
                ids, hashes = saved["ids"], saved["hashes"]
                watermark = int(saved["watermark"])
        except (OSError, KeyError, ValueError, IndexError, zipfile.BadZipFile, EOFError):
            return None
        if table.shape != (DEPTH, WIDTH) or table.dtype != np.uint32 or ids.shape != hashes.shape:
            return None
        counted = dict(zip(ids.tolist(), hashes.tolist(), strict=True))
        return cls(table, counted, watermark)

    def save(self, folder: Path, watermark: int) -> None:
        """Write the counts atomically (temp file, fsync, rename), recording that every paper
        changed through `watermark` is counted."""
        self.watermark = watermark
        path = folder / COUNTS_FILE
        tmp = folder / (COUNTS_FILE + ".tmp")
        cells = np.flatnonzero(self.table)
        # A small corpus fills few cells: its file holds those (8 bytes each) instead of all.
        table = (
            {"cells": cells.astype(np.uint32), "values": self.table.reshape(-1)[cells]}
            if cells.size * 2 < self.table.size and self.table.size < 2**32
            else {"table": self.table}
        )
        with open(tmp, "wb") as f:
            np.savez(
                f,
                **table,
                ids=np.fromiter(self.counted.keys(), dtype=np.int64, count=len(self.counted)),
                hashes=np.fromiter(self.counted.values(), dtype=np.int64, count=len(self.counted)),
                watermark=np.int64(watermark),
                width=np.int64(self.width),
            )
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    @staticmethod
    def remove(folder: Path) -> None:
        """Forget the saved counts (the keyword index is being rebuilt from nothing)."""
        (folder / COUNTS_FILE).unlink(missing_ok=True)
