"""The interface every text-embedding model in Paperboy implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from paperboy.domain.errors import UserFacingError

#: Called with the number of texts just embedded (an increment, like ``tqdm.update``).
Progress = Callable[[int], None]


class EmbedderError(UserFacingError, RuntimeError):
    """A model cannot be found, loaded or built; the message says what to do."""


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors, so cosine similarity is a dot product.

    ``name`` identifies the vector space: it is stored beside every vector, and vectors
    made under different names must never be compared.
    """

    name: str
    dim: int

    @abstractmethod
    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts``; returns a float32 array of shape (len(texts), dim), rows of norm 1."""

    def embed_query(self, text: str) -> np.ndarray:
        """Embed one search query; returns a 1-D float32 vector of norm 1."""
        vector: np.ndarray = self.embed([text])[0]
        return vector


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length as float32; all-zero rows stay zero instead of NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit
