"""Embeddings of evaluation papers kept on disk, so a rerun embeds only what is new."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from paperboy.embed.base import Embedder


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class VectorCache:
    """Vectors by text digest for one model, in FOLDER/<model>.npz (never committed)."""

    def __init__(self, folder: Path, model: str) -> None:
        self.path = Path(folder) / f"{model}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as saved:
                for key, row in zip(saved["keys"], saved["vectors"], strict=True):
                    self._vectors[str(key)] = row

    def missing(self, texts: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(t for t in texts if _digest(t) not in self._vectors))

    def vectors(
        self,
        texts: Sequence[str],
        embedder: Embedder | Callable[[], Embedder],
        progress: Callable[[int], None] | None = None,
        batch: int = 2048,
    ) -> np.ndarray:
        """The vectors of texts in order, embedding (and saving every batch) those not cached."""
        todo = self.missing(texts)
        if todo:
            model = embedder if isinstance(embedder, Embedder) else embedder()
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                for text, row in zip(chunk, model.embed(chunk, progress=progress), strict=True):
                    self._vectors[_digest(text)] = row
                self.save()
        return np.vstack([self._vectors[_digest(t)] for t in texts]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="U16")
        matrix = np.vstack(list(self._vectors.values())).astype(np.float32)
        temporary = self.path.with_suffix(".tmp.npz")
        np.savez(temporary, keys=keys, vectors=matrix)
        temporary.replace(self.path)
