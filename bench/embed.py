"""Embedding throughput and retrieval quality of every registered embedder, on SciFact.

    python bench/embed.py [--limit N] [--models a,b] [--baseline-sample 500] [--token-sweep 64,96]

For each model: abstracts/s embedding the corpus (title + abstract), and SciFact test
nDCG@10 / Recall@100 / MRR@10 of dense retrieval alone (exact cosine over every
document), beside the plain sentence-transformers baseline measured in the same run.
Speed is given twice: by wall clock, and per CPU-second times the thread count (what
the wall clock would show on idle cores), because a shared machine skews the first.
Every registered model is measured by default, the distilled static model
(minilm-static) included; its first run distils and caches its token matrix (minutes).
The data is read from ../shared/data/scifact beside the checkout (never copied into the repository).
Results are in docs/embedding.md.

The baseline (minilm-torch) runs PyTorch, which a plain install leaves out: install the
benchmark extra first, `pip install -e '.[bench]'` (scripts/setup bench). Without it the
bench stops at once and says so; `--models` without minilm-torch runs the rest.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from paperboy.embed import EMBEDDERS, Embedder, EmbedderError, load_embedder  # noqa: E402  (onnxruntime first)
from paperboy.embed.onnx_embedder import available_cpus  # noqa: E402
from paperboy.embed.registry import minilm_onnx_embedder  # noqa: E402
from paperboy.evaluation import BeirDataset, load_beir_dataset, mrr_at_k, ndcg_at_k, recall_at_k  # noqa: E402

BASELINE = "minilm-torch"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"  # ../shared beside the checkout
DEFAULT_DATA = SHARED / "data" / "scifact"
# Baseline corpus vectors are slow to make (minutes); kept here between runs (git-ignored).
VECTOR_CACHE = ROOT / "bench" / "out" / "embed-vectors"


@dataclass
class Result:
    model: str
    per_second: float
    per_cpu_second: float  # abstracts per CPU-second, times the thread count
    timed_on: int
    ndcg10: float
    recall100: float
    mrr10: float


def embed_with_progress(embedder: Embedder, texts: list[str], label: str) -> tuple[np.ndarray, float, float]:
    """Embed with a progress bar; returns the vectors, wall seconds and CPU seconds."""
    with tqdm(total=len(texts), desc=label, unit="doc", leave=False) as bar:
        start, cpu_start = time.perf_counter(), time.process_time()
        vectors = embedder.embed(texts, progress=bar.update)
        return vectors, time.perf_counter() - start, time.process_time() - cpu_start


def corpus_vectors(embedder: Embedder, texts: list[str], reuse: bool) -> np.ndarray:
    """Corpus vectors, read from the cache when ``reuse`` (the baseline's fixed vectors)."""
    path = VECTOR_CACHE / f"{embedder.name}-{len(texts)}.npy"
    if reuse and path.is_file():
        return np.load(path)
    vectors, _, _ = embed_with_progress(embedder, texts, f"{embedder.name} corpus")
    if reuse:
        VECTOR_CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def retrieval_quality(
    doc_vectors: np.ndarray, query_vectors: np.ndarray, data: BeirDataset
) -> tuple[float, float, float]:
    """nDCG@10, Recall@100, MRR@10 of exact cosine search (vectors are unit length)."""
    scores = query_vectors @ doc_vectors.T
    top = np.argsort(-scores, axis=1, kind="stable")[:, :100]
    doc_ids = [d.id for d in data.corpus]
    run = {q: [doc_ids[i] for i in row] for q, row in zip(data.queries, top, strict=True)}
    return ndcg_at_k(run, data.qrels, 10), recall_at_k(run, data.qrels, 100), mrr_at_k(run, data.qrels, 10)


def load(name: str, args: argparse.Namespace) -> Embedder:
    if "@" in name:  # a token-limit sweep point: minilm-onnx-int8@<max tokens>
        return minilm_onnx_embedder(name, args.cache_dir, True, int(name.split("@")[1]), args.threads)
    return load_embedder(name, args.cache_dir, threads=args.threads)


def measure(name: str, data: BeirDataset, texts: list[str], args: argparse.Namespace) -> Result:
    start = time.perf_counter()
    embedder = load(name, args)
    print(f"{name}: loaded in {time.perf_counter() - start:.1f} s (includes the ONNX build on a first run)")
    embedder.embed(texts[:16])  # warm-up: first calls allocate and pick kernels
    if name == BASELINE:
        sample = texts[: args.baseline_sample]
        _, seconds, cpu_seconds = embed_with_progress(embedder, sample, f"{name} timing")
        timed_on = len(sample)
        doc_vectors = corpus_vectors(embedder, texts, reuse=True)
    else:
        doc_vectors, seconds, cpu_seconds = embed_with_progress(embedder, texts, f"{name} corpus")
        timed_on = len(texts)
    query_vectors = embedder.embed(list(data.queries.values()))
    ndcg, recall, mrr = retrieval_quality(doc_vectors, query_vectors, data)
    per_cpu = timed_on / (cpu_seconds / args.threads)
    result = Result(name, timed_on / seconds, per_cpu, timed_on, ndcg, recall, mrr)
    print(
        f"{name}: {result.per_second:.1f} abstracts/s ({per_cpu:.1f} per CPU-s x threads), nDCG@10 {ndcg:.4f}"
    )
    return result


def print_table(results: list[Result]) -> None:
    base = next((r for r in results if r.model == BASELINE), None)
    print()
    print(
        "| model | abstracts/s (wall) | vs baseline | abstracts/s (CPU) | vs baseline "
        "| nDCG@10 | vs baseline | Recall@100 | MRR@10 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        wall = f"{r.per_second / base.per_second:.1f}x" if base else "-"
        cpu = f"{r.per_cpu_second / base.per_cpu_second:.1f}x" if base else "-"
        quality = f"{r.ndcg10 / base.ndcg10:.3f}" if base else "-"
        print(
            f"| {r.model} | {r.per_second:.1f} | {wall} | {r.per_cpu_second:.1f} | {cpu} "
            f"| {r.ndcg10:.4f} | {quality} | {r.recall100:.4f} | {r.mrr10:.4f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="BEIR-layout SciFact folder")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="use only the first N abstracts (quick run; nDCG then not comparable)",
    )
    parser.add_argument(
        "--baseline-sample", type=int, default=500, help="abstracts timed for the slow baseline"
    )
    parser.add_argument(
        "--models",
        default=",".join([BASELINE, *(n for n in EMBEDDERS if n != BASELINE)]),
        help="comma-separated embedder names; the baseline first",
    )
    parser.add_argument(
        "--token-sweep", default="", help="also int8 MiniLM at these token limits, e.g. 64,96"
    )
    parser.add_argument("--threads", type=int, default=available_cpus())
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("PAPERBOY_DATA_DIR", "paperboy-data")) / "models",
    )
    args = parser.parse_args()

    data = load_beir_dataset(args.data)
    if args.limit:
        data = BeirDataset(data.corpus[: args.limit], data.queries, data.qrels)
    texts = [d.title_and_text() for d in data.corpus]
    load = os.getloadavg()[0]
    print(
        f"{len(texts)} abstracts, {len(data.queries)} test queries, {args.threads} threads, "
        f"load average {load:.1f}"
    )
    names = args.models.split(",") + [f"minilm-onnx-int8@{t}" for t in args.token_sweep.split(",") if t]
    if BASELINE in names:
        try:  # fail now, not after minutes of other models
            load(BASELINE, args)
        except EmbedderError as error:
            raise SystemExit(f"{error}\n(or leave the baseline out: --models without {BASELINE})") from None
    results = [measure(name, data, texts, args) for name in names]
    print_table(results)


if __name__ == "__main__":
    main()
