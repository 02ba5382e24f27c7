"""Benchmark serving one "for you" list: a 500-paper library against 5,000 candidates.

Usage:
    python bench/for_you.py [--library 500] [--candidates 5000] [--repeat 5] [--random-vectors]
                            [--data ../shared/data/arxiv-2025-2026] [--cache bench/out/recommend-vectors]

Real arXiv records (the 200k file): the candidates are the first --candidates papers
listed from 2026-01-01, the library the --library newest cs.CL papers listed before it;
embeddings come from the evaluation's cache (missing ones are embedded once, with the
default model). Measured in the same run, median of --repeat:

- pool, once per window:  tf-idf vocabulary fitted and the candidates' rows built (shared
                          by every reader of the same days; the service keeps it);
- library rows:           the library read with the pool's vocabulary (`FeatureSpace.extended`):
                          once per paper, then reused (first call timed apart);
- rank, first call:        `rank_for_reader` as the service calls it (likeness + SVM and centroid
                          on tf-idf + categories, neighbours named for the top 50), with an
                          empty cache: what a reader's first page view of a window costs;
- rank, repeat call:       the same with the reader's fused scores cached (`ReaderScores`): a
                          later view while library, marks and window are unchanged;
- levers, each alone:      the first call with the SVM capped at 10 passes instead of 20 (measured and not
                          taken: it cost nDCG) and with neighbours found for all 5,000 candidates;
- zotero-arxiv-daily:     recency-weighted mean cosine (the cheap baseline);
- arxiv-sanity SVM:       LinearSVC(C=0.01) on the same tf-idf rows.

Goal: library rows + rank, at most 100 ms. The machine is shared: read the ratios.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from paperboy.embed import DEFAULT_EMBEDDER, load_embedder  # noqa: E402
from paperboy.evaluation.recommend_data import read_records  # noqa: E402
from paperboy.evaluation.vector_cache import VectorCache  # noqa: E402
from paperboy.rank.for_you import (  # noqa: E402
    DEFAULT_WEIGHTS,
    FeatureSpace,
    ReaderScores,
    rank_for_reader,
    recency_weights,
)

CUT = date(2026, 1, 1)


CPU_MS: dict[int, float] = {}


def _median_ms(work, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Median wall ms; the median CPU ms (this process, all threads) goes to CPU_MS[id(work)].

    On a shared machine wall time includes waiting for a core; CPU time does not.
    """
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    CPU_MS[id(work)] = statistics.median(cpu)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=int, default=500)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "arxiv-2025-2026")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / "out" / "recommend-vectors")
    parser.add_argument(
        "--model-dir", type=Path, default=ROOT / ".pytest_cache" / "d" / "paperboy-embed-models"
    )
    parser.add_argument(
        "--random-vectors",
        action="store_true",
        help="timing only: random unit vectors for the embeddings (no products' time depends on them)",
    )
    args = parser.parse_args()

    before, after = [], []
    for record in read_records(args.data):
        paper = record.paper
        if paper.day >= CUT:
            after.append(paper)
        elif paper.categories and paper.categories[0] == "cs.CL":
            before.append(paper)
    candidates = sorted(after, key=lambda p: (p.day, p.id))[: args.candidates]
    library = sorted(before, key=lambda p: (p.day, p.id), reverse=True)[: args.library]
    if args.random_vectors:
        vectors = np.random.default_rng(13).standard_normal((len(candidates) + len(library), 384))
        vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    else:
        cache = VectorCache(args.cache, DEFAULT_EMBEDDER)
        vectors = cache.vectors(
            [p.text for p in candidates + library], lambda: load_embedder(DEFAULT_EMBEDDER, args.model_dir)
        )
    candidate_vectors, library_vectors = vectors[: len(candidates)], vectors[len(candidates) :]

    built: dict[str, FeatureSpace] = {}

    def build_pool() -> None:
        # The service fits the vocabulary on the candidates and the papers in readers' libraries.
        texts = [p.text for p in library]
        built["pool"] = FeatureSpace(candidates, candidate_vectors, vocabulary_texts=texts)

    pool_ms = _median_ms(build_pool, max(1, args.repeat // 2))
    pool = built["pool"]

    def extend() -> None:
        built["space"] = pool.extended(library, library_vectors)

    start_cpu = time.process_time()
    extend()  # the first call reads the library; later ones reuse its rows
    first_extend_cpu = (time.process_time() - start_cpu) * 1000
    extend_ms = _median_ms(extend, args.repeat)
    space = built["space"]
    library_ids = [p.id for p in library]
    candidate_ids = [p.id for p in candidates]

    shown = 50  # the page's default length: neighbours (reasons) are found for these

    def rank_first() -> None:
        rank_for_reader(
            space,
            library_ids,
            candidate_ids,
            neighbours=3,
            neighbours_for=shown,
            cache=ReaderScores(),
            reader=1,
        )

    warm = ReaderScores()

    def rank_repeat() -> None:
        rank_for_reader(
            space, library_ids, candidate_ids, neighbours=3, neighbours_for=shown, cache=warm, reader=1
        )

    def capped_svm() -> None:
        weights = dataclasses.replace(DEFAULT_WEIGHTS, svm_max_iter=10)
        rank_for_reader(
            space, library_ids, candidate_ids, neighbours=3, neighbours_for=shown, weights=weights
        )

    def all_neighbours() -> None:
        rank_for_reader(space, library_ids, candidate_ids, neighbours=3)

    first_ms = _median_ms(rank_first, args.repeat)
    rank_repeat()  # fills the cache
    repeat_ms = _median_ms(rank_repeat, args.repeat)
    capped_ms = _median_ms(capped_svm, args.repeat)
    all_neighbours_ms = _median_ms(all_neighbours, args.repeat)

    def zotero() -> None:
        sims = space.vectors[space.rows(candidate_ids)] @ space.vectors[space.rows(library_ids)].T
        np.argsort(-(sims @ recency_weights(len(library_ids))))

    zotero_ms = _median_ms(zotero, args.repeat)

    def sanity() -> None:
        from sklearn.svm import LinearSVC

        rows = np.concatenate([space.rows(library_ids), space.rows(candidate_ids)])
        labels = np.concatenate([np.ones(len(library_ids)), np.zeros(len(candidate_ids))])
        model = LinearSVC(class_weight="balanced", C=0.01, tol=1e-6, max_iter=1000).fit(
            space.tfidf[rows], labels
        )
        np.argsort(-model.decision_function(space.tfidf[space.rows(candidate_ids)]))

    sanity_ms = _median_ms(sanity, args.repeat)
    fns = (build_pool, extend, rank_first, rank_repeat, capped_svm, all_neighbours, zotero, sanity)
    cpu = {f: CPU_MS[id(f)] for f in fns}
    served_first, served_repeat = extend_ms + first_ms, extend_ms + repeat_ms
    cpu_first, cpu_repeat = cpu[extend] + cpu[rank_first], cpu[extend] + cpu[rank_repeat]
    print(f"library {len(library)}, candidates {len(candidates)}, median of {args.repeat}, load {_load()}\n")
    print("| step | wall ms | CPU ms | wall vs zotero-arxiv-daily |")
    print("|---|---:|---:|---:|")
    for name, value, used in (
        ("pool (once per window, shared)", pool_ms, cpu[build_pool]),
        ("library rows, first call (CPU only)", float("nan"), first_extend_cpu),
        ("library rows, later calls", extend_ms, cpu[extend]),
        ("rank, first call", first_ms, cpu[rank_first]),
        ("rank, repeat call (cached scores)", repeat_ms, cpu[rank_repeat]),
        ("**served, first call: library rows + rank**", served_first, cpu_first),
        ("**served, repeat call**", served_repeat, cpu_repeat),
        ("rank, first call, SVM capped at 10 passes, not 20 (not taken)", capped_ms, cpu[capped_svm]),
        ("rank, first call, neighbours for every candidate", all_neighbours_ms, cpu[all_neighbours]),
        ("zotero-arxiv-daily similarity (baseline)", zotero_ms, cpu[zotero]),
        ("arxiv-sanity SVM (baseline)", sanity_ms, cpu[sanity]),
    ):
        wall = "-" if value != value else f"{value:.1f}"  # NaN: timed as CPU only
        ratio = "-" if value != value else f"{value / zotero_ms:.1f}x"
        print(f"| {name} | {wall} | {used:.1f} | {ratio} |")
    for label, wall, used in (
        ("first call", served_first, cpu_first),
        ("repeat call", served_repeat, cpu_repeat),
    ):
        verdict = "met" if wall <= 100 else "NOT met"
        print(f"goal, {label}: served <= 100 ms wall: {verdict} ({wall:.1f} ms wall, {used:.1f} ms CPU)")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
