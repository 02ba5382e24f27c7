"""Embed the real 200k snapshot once with Paperboy's default model; cache the vectors.

    nice -n 10 .venv/bin/python bench/embed_real.py [--file PATH] [--chunk 2000] [--limit N]

Reads `../shared/data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz` (or --file)
and embeds each record's `embedding_text(title, abstract)` -- what the
indexer embeds -- with the default embedder (`minilm-onnx-int8-128`, model files from
PAPERBOY_MODEL_DIR, else the test cache `.pytest_cache/d/paperboy-embed-models`).

The file is sorted by arXiv id (old papers first), so records are embedded in a fixed
seeded random order (`ORDER_SEED`): whatever prefix of that order is done is a uniform
sample of the file, with every period and category in its share.

Resumable: records are embedded in chunks of --chunk, each saved as its own pair of
files under `bench/out/real-embeddings/<model>/` (`chunk-NNNNN.npy`, float16, and
`chunk-NNNNN.ids`, one arXiv id a line). A killed run loses at most the chunk in hand;
the next run skips the chunks on disk. `load_real_embeddings()` returns every saved
chunk concatenated (used by bench/search.py); it may cover only a prefix of the file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from paperboy.domain.records import SourceRecord  # noqa: E402
from paperboy.embed import load_embedder  # noqa: E402  (onnxruntime before usearch)
from paperboy.embed.registry import DEFAULT_EMBEDDER  # noqa: E402
from paperboy.services.finding.indexing import embedding_text  # noqa: E402
from paperboy.sources.snapshot import read_snapshot  # noqa: E402

SHARED = ROOT.parent / "shared"  # ../shared beside the checkout
REAL_FILE = SHARED / "data" / "arxiv-2025-2026" / "arxiv-metadata-oai-snapshot.jsonl.gz"
CACHE = ROOT / "bench" / "out" / "real-embeddings"
TEST_MODEL_CACHE = ROOT / ".pytest_cache" / "d" / "paperboy-embed-models"


def model_dir() -> Path:
    configured = os.environ.get("PAPERBOY_MODEL_DIR")
    return Path(configured) if configured else TEST_MODEL_CACHE


def chunk_paths(folder: Path, number: int) -> tuple[Path, Path]:
    return folder / f"chunk-{number:05d}.npy", folder / f"chunk-{number:05d}.ids"


ORDER_SEED = 12


def records_in_chunks(path: Path, size: int, limit: int | None) -> Iterator[list[tuple[str, str]]]:
    """(arXiv id, text to embed) of each good record, in chunks of ``size``, in the
    seeded random order (see the module docstring)."""
    records = [
        (item.paper.arxiv_id, embedding_text(item.paper.title, item.paper.abstract))
        for item in read_snapshot(path)
        if isinstance(item, SourceRecord) and item.paper.arxiv_id is not None
    ]
    order = np.random.default_rng(ORDER_SEED).permutation(len(records))[:limit]
    for start in range(0, len(order), size):
        yield [records[i] for i in order[start : start + size]]


def load_real_embeddings(model: str = DEFAULT_EMBEDDER) -> tuple[list[str], np.ndarray]:
    """Every saved chunk, in order: arXiv ids and their float16 unit vectors."""
    folder = CACHE / model
    ids: list[str] = []
    parts: list[np.ndarray] = []
    number = 0
    while True:
        vectors_path, ids_path = chunk_paths(folder, number)
        if not (vectors_path.is_file() and ids_path.is_file()):
            break
        ids.extend(ids_path.read_text().split())
        parts.append(np.load(vectors_path))
        number += 1
    if not parts:
        return [], np.zeros((0, 0), dtype=np.float16)
    return ids, np.concatenate(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=REAL_FILE)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--model", default=DEFAULT_EMBEDDER)
    args = parser.parse_args()

    folder = CACHE / args.model
    folder.mkdir(parents=True, exist_ok=True)
    embedder = load_embedder(args.model, model_dir())
    total = args.limit or 200_000
    bar = tqdm(total=total, unit="abstract", desc=args.model, smoothing=0.05)
    start, embedded = time.perf_counter(), 0
    for number, chunk in enumerate(records_in_chunks(args.file, args.chunk, args.limit)):
        vectors_path, ids_path = chunk_paths(folder, number)
        if vectors_path.is_file() and ids_path.is_file():
            if ids_path.read_text().split() != [pid for pid, _ in chunk]:
                sys.exit(
                    f"{ids_path} holds other records than chunk {number} at --chunk {args.chunk}: "
                    f"the cache was made with another --chunk; give that one, or remove {folder}"
                )
            bar.update(len(chunk))
            continue
        vectors = embedder.embed([text for _, text in chunk]).astype(np.float16)
        # Vectors first, ids last: a chunk counts only once its ids file exists.
        np.save(vectors_path.with_suffix(".tmp.npy"), vectors)
        os.replace(vectors_path.with_suffix(".tmp.npy"), vectors_path)
        ids_path.with_suffix(".tmp").write_text("\n".join(pid for pid, _ in chunk) + "\n")
        os.replace(ids_path.with_suffix(".tmp"), ids_path)
        embedded += len(chunk)
        bar.update(len(chunk))
        bar.set_postfix(per_s=f"{embedded / (time.perf_counter() - start):.0f}")
    bar.close()
    ids, _ = load_real_embeddings(args.model)
    print(f"{len(ids):,} vectors cached under {folder}")


if __name__ == "__main__":
    main()
