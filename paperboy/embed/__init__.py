"""Text embeddings from installed model packages, never from a hub at run time."""

from paperboy.embed.base import Embedder, EmbedderError, Progress
from paperboy.embed.registry import DEFAULT_EMBEDDER, EMBEDDERS, load_embedder

__all__ = ["DEFAULT_EMBEDDER", "EMBEDDERS", "Embedder", "EmbedderError", "Progress", "load_embedder"]
