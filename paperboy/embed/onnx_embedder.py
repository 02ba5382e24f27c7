"""The fast path: a BERT-style sentence encoder run by onnxruntime.

Speed comes from (measured in docs/embedding.md): the fused, int8-quantized graph;
the Rust ``tokenizers`` tokenizer called directly on the whole input; sorting inputs by
length so each batch pads to nearly its own length; and a shorter token limit.
Pooling (mean over real tokens) and normalisation match sentence-transformers'.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

# Imported here, not lazily: loading usearch before onnxruntime in one process segfaults,
# and the index package imports usearch, so importing paperboy.embed first keeps it safe.
import onnxruntime as ort
from tokenizers import Tokenizer

from paperboy.embed.base import Embedder, Progress, normalise_rows


def available_cpus() -> int:
    """CPUs this process may run on (respects taskset and container limits)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class OnnxEmbedder(Embedder):
    """Mean-pooled sentence embeddings from an ONNX transformer returning last_hidden_state."""

    def __init__(
        self,
        name: str,
        onnx_path: Path,
        tokenizer_path: Path,
        max_tokens: int,
        batch_size: int = 32,
        threads: int | None = None,
    ):
        # One single-threaded run per core, batches in parallel: measured 25% more
        # abstracts per CPU-second than one run split over the cores (docs/embedding.md),
        # since a batch of short sequences is too small to split across threads well.
        self._workers = threads or available_cpus()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._input_names = {i.name for i in self._session.get_inputs()}

        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()  # padding is done per batch below, to the batch's longest

        self.name = name
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Embed ``texts`` in length-sorted batches; output rows follow the input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]

        def padded(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ids = np.zeros((len(rows), int(lengths[rows].max())), dtype=np.int64)
            mask = np.zeros_like(ids)
            for i, row in enumerate(rows):
                ids[i, : lengths[row]] = encodings[row].ids
                mask[i, : lengths[row]] = 1
            return ids, mask

        pooled_batches = self._run_batches((padded(rows) for rows in batches), len(batches) == 1)
        for rows, pooled in zip(batches, pooled_batches, strict=True):
            out[rows] = pooled
            if progress is not None:
                progress(len(rows))
        return normalise_rows(out)

    def _run_batches(
        self, batches: Iterator[tuple[np.ndarray, np.ndarray]], single: bool = False
    ) -> Iterator[np.ndarray]:
        """Pooled vectors of each batch, in order; onnxruntime releases the GIL while running.
        One batch (a query) runs here: starting a pool's thread cost 1.5 ms a query."""
        if self._workers == 1 or single:
            yield from (self._mean_pool(ids, mask) for ids, mask in batches)
            return
        with ThreadPoolExecutor(self._workers) as pool:
            # A few batches in flight per worker, so padded inputs for a huge corpus are
            # made as they are needed rather than all at once.
            window: list[Future[np.ndarray]] = []
            for ids, mask in batches:
                window.append(pool.submit(self._mean_pool, ids, mask))
                if len(window) >= 2 * self._workers:
                    yield window.pop(0).result()
            yield from (future.result() for future in window)

    def _mean_pool(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._input_names})[0]
        weights = mask[..., None].astype(np.float32)
        pooled: np.ndarray = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled
