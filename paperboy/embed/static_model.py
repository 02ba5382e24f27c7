"""A static embedding model distilled from all-MiniLM-L6-v2: one vector per token, mean-pooled.

Model2Vec's recipe, done here with the packaged weights and no extra dependency: every
vocabulary token is run through the transformer once (as ``[CLS] token [SEP]``, mean
pooled like a one-word sentence), the token vectors are centred and reduced with PCA,
then each is scaled by a SIF weight from a Zipf prior on the token's vocabulary rank (the
BERT vocabulary lists word pieces roughly by frequency), so frequent tokens count less.
A text is then embedded without any transformer: tokenize, average its token vectors,
normalise. The distilled matrix is built once (about a minute, with onnxruntime running
the encoder graph written from the packaged weights; no torch) and cached under
``cache_dir``; loading it needs only numpy and tokenizers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from paperboy.embed.base import Embedder, EmbedderError, Progress, normalise_rows

# Bump when the recipe changes, so cached matrices built the old way are not reused.
RECIPE_VERSION = 2
# Measured on SciFact (docs/embedding.md): keeping all 384 dimensions (PCA then only
# centres and rotates) and SIF 1e-5 beat Model2Vec's defaults, 256 and 1e-4 (0.403 vs 0.365 nDCG@10).
DEFAULT_DIMS = 384
SIF_COEFFICIENT = 1e-5
_DISTIL_BATCH = 512
# Texts pooled per numpy step: bounds the (tokens x dims) gather to a few megabytes.
_POOL_CHUNK = 64


@dataclass(frozen=True)
class StaticBuild:
    """What to distil: the source sentence-transformers folder and the output size."""

    model_dir: Path
    model_version: str  # of the package the weights come from; a new version rebuilds
    dims: int = DEFAULT_DIMS

    def file_name(self) -> str:
        return f"{self.model_dir.name}-{self.model_version}-static-r{RECIPE_VERSION}-pca{self.dims}.npy"


def cached_static_matrix(build: StaticBuild, cache_dir: Path, threads: int | None = None) -> Path:
    """Path of the distilled (vocabulary x dims) matrix in ``cache_dir``, distilling it if missing."""
    target = cache_dir / build.file_name()
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    matrix = distil_token_vectors(build.model_dir, build.dims, threads)
    # Written to a scratch name and renamed, so a crash or a concurrent build never
    # leaves a half-written matrix under the final name.
    with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".build-", suffix=".npy", delete=False) as f:
        np.save(f, matrix)
    os.replace(f.name, target)
    return target


def distil_token_vectors(model_dir: Path, dims: int, threads: int | None = None) -> np.ndarray:
    """Run every vocabulary token through the transformer; PCA to ``dims``; SIF-weight by rank."""
    import onnxruntime as ort
    from tqdm import tqdm

    from paperboy.embed.bert_graph import BertShape, build_bert_graph

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    vocab_size = tokenizer.get_vocab_size()
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls_id is None or sep_id is None:
        raise EmbedderError(f"{model_dir / 'tokenizer.json'} has no [CLS]/[SEP] tokens; not a BERT tokenizer")
    # The float32 encoder graph, built in memory from the packaged weights (the same
    # graph as the minilm-onnx model, before fusion): no torch needed.
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    encoder = ort.InferenceSession(
        build_bert_graph(model_dir).SerializeToString(), options, providers=["CPUExecutionProvider"]
    )

    hidden_size = BertShape.from_config(model_dir / "config.json").hidden
    token_vectors = np.zeros((vocab_size, hidden_size), dtype=np.float32)
    with tqdm(total=vocab_size, desc="distilling token vectors", unit="tok") as bar:
        for start in range(0, vocab_size, _DISTIL_BATCH):
            ids = np.arange(start, min(start + _DISTIL_BATCH, vocab_size), dtype=np.int64)
            batch = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
            feeds = {
                "input_ids": batch,
                "attention_mask": np.ones_like(batch),
                "token_type_ids": np.zeros_like(batch),
            }
            hidden = encoder.run(None, feeds)[0]
            # The sentence embedding of the one-token text, pooled as sentence-transformers does.
            token_vectors[start : start + len(ids)] = hidden.mean(axis=1)
            bar.update(len(ids))
    return _reduce_and_weight(token_vectors, dims)


def _reduce_and_weight(token_vectors: np.ndarray, dims: int) -> np.ndarray:
    """PCA (centring removes the direction all token vectors share), then SIF weights."""
    centred = token_vectors - token_vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ components[: min(dims, components.shape[0])].T
    # Zipf prior: probability of the token at rank r is proportional to 1/r.
    ranks = np.arange(1, len(reduced) + 1, dtype=np.float64)
    probability = (1.0 / ranks) / (1.0 / ranks).sum()
    weights = SIF_COEFFICIENT / (SIF_COEFFICIENT + probability)
    weighted: np.ndarray = (reduced * weights[:, None]).astype(np.float32)
    return weighted


class StaticEmbedder(Embedder):
    """Mean of distilled token vectors over a text's word pieces; no transformer at run time."""

    def __init__(self, name: str, matrix_path: Path, tokenizer_path: Path):
        self._vectors = np.load(matrix_path)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # No token limit: pooling costs one row lookup per token, so whole abstracts are used.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        if self._tokenizer.get_vocab_size() != len(self._vectors):
            raise EmbedderError(
                f"{matrix_path} has {len(self._vectors)} token vectors but the tokenizer has "
                f"{self._tokenizer.get_vocab_size()}; delete the file so it is rebuilt"
            )
        self.name = name
        self.dim = int(self._vectors.shape[1])

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts``; output rows follow the input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), _POOL_CHUNK):
            chunk = list(texts[start : start + _POOL_CHUNK])
            # Special tokens left out: [CLS]/[SEP] would add the same vector to every text.
            encodings = self._tokenizer.encode_batch(chunk, add_special_tokens=False)
            lengths = np.array([len(e.ids) for e in encodings])
            ids = np.fromiter((i for e in encodings for i in e.ids), dtype=np.int64, count=int(lengths.sum()))
            present = lengths > 0  # empty texts stay zero vectors
            if present.any():
                offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])[present]
                sums = np.add.reduceat(self._vectors[ids], offsets, axis=0)
                out[start : start + len(chunk)][present] = sums / lengths[present, None]
            if progress is not None:
                progress(len(chunk))
        return normalise_rows(out)
