"""Embedding models by name, so an operator picks one in settings.

The name is stored with each vector: changing what a name means (model, quantization,
token limit) changes its vectors, so give the new variant a new name instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from paperboy.embed.base import Embedder, EmbedderError
from paperboy.embed.onnx_embedder import OnnxEmbedder
from paperboy.embed.onnx_export import OnnxBuild, cached_onnx_model
from paperboy.embed.packaged_model import minilm_model_dir, minilm_package_version

DEFAULT_EMBEDDER = "minilm-onnx-int8-128"

# all-MiniLM-L6-v2's shape, needed by the graph optimiser to fuse attention.
_MINILM_HEADS = 12
_MINILM_HIDDEN = 384
# The limit sentence-transformers applies to this model (sentence_bert_config.json).
_MINILM_FULL_TOKENS = 256


def _minilm_torch(cache_dir: Path, threads: int | None) -> Embedder:
    from paperboy.embed.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder("minilm-torch", minilm_model_dir(), threads=threads)


def _minilm_static(cache_dir: Path, threads: int | None) -> Embedder:
    from paperboy.embed.static_model import StaticBuild, StaticEmbedder, cached_static_matrix

    model_dir = minilm_model_dir()
    matrix = cached_static_matrix(StaticBuild(model_dir, minilm_package_version()), cache_dir, threads)
    return StaticEmbedder("minilm-static", matrix, model_dir / "tokenizer.json")


def minilm_onnx_embedder(
    name: str, cache_dir: Path, int8: bool, max_tokens: int, threads: int | None = None
) -> OnnxEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime, fp32 or int8, truncating inputs at ``max_tokens``."""
    model_dir = minilm_model_dir()
    build = OnnxBuild(model_dir, minilm_package_version(), _MINILM_HEADS, _MINILM_HIDDEN, int8)
    onnx_path = cached_onnx_model(build, cache_dir)
    return OnnxEmbedder(name, onnx_path, model_dir / "tokenizer.json", max_tokens, threads=threads)


def _minilm_onnx(name: str, int8: bool, max_tokens: int) -> Callable[[Path, int | None], Embedder]:
    return lambda cache_dir, threads: minilm_onnx_embedder(name, cache_dir, int8, max_tokens, threads)


#: name -> loader(cache_dir, threads). Measured in docs/embedding.md: int8 costs no
#: SciFact nDCG@10 at the full 256 tokens; cutting inputs to 128 tokens doubles speed and
#: costs nothing in hybrid search (the keyword side reads the whole abstract), so it is
#: the default; 112 tokens is the fastest cut measured.
EMBEDDERS: dict[str, Callable[[Path, int | None], Embedder]] = {
    "minilm-onnx-int8": _minilm_onnx("minilm-onnx-int8", int8=True, max_tokens=_MINILM_FULL_TOKENS),
    "minilm-onnx-int8-128": _minilm_onnx("minilm-onnx-int8-128", int8=True, max_tokens=128),
    "minilm-onnx-int8-112": _minilm_onnx("minilm-onnx-int8-112", int8=True, max_tokens=112),
    "minilm-onnx": _minilm_onnx("minilm-onnx", int8=False, max_tokens=_MINILM_FULL_TOKENS),
    # The PyTorch baseline for bench/: needs the optional `bench` extra (torch).
    "minilm-torch": _minilm_torch,
    # Distilled static token vectors (Model2Vec-style): thousands of abstracts/s, lower quality.
    "minilm-static": _minilm_static,
}


def load_embedder(name: str, cache_dir: Path, threads: int | None = None) -> Embedder:
    """Load the embedding model called ``name``, building cached files under ``cache_dir``.

    Never touches the network. ``threads`` defaults to every CPU this process may use.
    """
    try:
        loader = EMBEDDERS[name]
    except KeyError:
        known = ", ".join(sorted(EMBEDDERS))
        raise EmbedderError(f"unknown embedding model {name!r}; known models: {known}") from None
    return loader(Path(cache_dir), threads)
