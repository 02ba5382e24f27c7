"""The plain baseline: sentence-transformers ``encode`` in PyTorch.

Slow on CPU (about 20 abstracts/s on two cores) but the reference every faster path is
measured against (see docs/embedding.md). Only the benchmarks use it: torch and
sentence-transformers are in the optional ``bench`` extra, not in a plain install.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from paperboy.embed.base import Embedder, EmbedderError, Progress, normalise_rows
from paperboy.embed.packaged_model import force_offline


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model loaded from a local folder, with hub access off."""

    def __init__(self, name: str, model_dir: Path, batch_size: int = 32, threads: int | None = None):
        force_offline()  # before the import: huggingface_hub reads it at import time
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                f"the {name} baseline runs PyTorch, which a plain Paperboy install leaves out; "
                "install the benchmark extra: pip install '.[bench]'"
            ) from exc

        if threads is not None:
            torch.set_num_threads(threads)
        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        # Renamed in sentence-transformers 6; the old name still works but warns.
        dim_of = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = dim_of()
        assert dim is not None, "sentence-transformers model without a fixed dimension"
        self.dim = int(dim)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed in chunks of ``batch_size`` so ``progress`` can be told as work finishes."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        chunks = []
        # Chunks of several batches keep sentence-transformers' own length sorting useful.
        step = self.batch_size * 8
        for start in range(0, len(texts), step):
            part = list(texts[start : start + step])
            chunks.append(
                self._model.encode(
                    part, batch_size=self.batch_size, convert_to_numpy=True, normalize_embeddings=True
                )
            )
            if progress is not None:
                progress(len(part))
        return normalise_rows(np.concatenate(chunks))
