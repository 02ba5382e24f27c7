"""What the for-you ranker's fast mode (digests) costs in quality and saves in time.

Usage:
    python bench/for_you_fast_quality.py [PATH] [--max-readers 150] [--cache DIR]

On the evaluation of `paperboy recommend eval` (../shared/data/arxiv-2025-2026, cuts
2026-01-01 and 2026-04-01, the same readers, candidates and features), the full ranker
(`rank_for_reader`, per-reader SVM) and its fast mode (`rank_for_reader_fast`, tf-idf
cosines) are measured in the same run: nDCG@20, recall@50, MRR with the paired bootstrap
interval of fast / full, and the CPU milliseconds per reader of each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "data" / "arxiv-2025-2026"))
    parser.add_argument("--max-readers", type=int, default=150)
    parser.add_argument("--cache", default=str(ROOT / "bench" / "out" / "recommend-vectors"))
    args = parser.parse_args()

    from paperboy.config import Settings
    from paperboy.embed import load_embedder
    from paperboy.evaluation.recommend import (
        bootstrap_samples,
        evaluate,
        feature_space,
        interval,
        ratio_interval,
    )
    from paperboy.evaluation.recommend_data import Reader, build_evaluation_set, read_records
    from paperboy.evaluation.vector_cache import VectorCache
    from paperboy.rank.for_you import FeatureSpace, rank_for_reader
    from paperboy.rank.for_you_fast import rank_for_reader_fast

    settings = Settings()
    cache = VectorCache(Path(args.cache), settings.embedding_model)
    records = list(read_records(Path(args.path)))
    print(f"read {len(records):,} records", file=sys.stderr)
    spent = {"paperboy": 0.0, "paperboy-fast": 0.0}

    def timed(name: str, rank: Any) -> Any:
        def ranker(space: FeatureSpace, reader: Reader, candidates: Sequence[str]) -> list[str]:
            started = time.process_time()
            ranked = rank(space, list(reversed(reader.library)), candidates).candidates
            spent[name] += time.process_time() - started
            return list(ranked)

        return ranker

    rankers = {
        "paperboy": timed("paperboy", rank_for_reader),
        "paperboy-fast": timed("paperboy-fast", rank_for_reader_fast),
    }
    for cut in (date(2026, 1, 1), date(2026, 4, 1)):
        evaluation = build_evaluation_set(records, cut, args.max_readers)
        space = feature_space(
            evaluation,
            lambda texts: cache.vectors(
                texts, lambda: load_embedder(settings.embedding_model, settings.effective_model_dir)
            ),
        )
        for name in spent:
            spent[name] = 0.0
        results = evaluate(evaluation, space, methods=list(rankers), rankers=rankers)
        readers = len(evaluation.readers)
        draws = bootstrap_samples(readers)
        print(f"\ncut {cut}: {readers} readers, {len(evaluation.candidates):,} candidates\n")
        print("| method | nDCG@20 | recall@50 | MRR | CPU ms per reader |")
        print("|---|---|---|---|---:|")
        for name, result in results.items():
            cells = []
            for metric in ("ndcg@20", "recall@50", "mrr"):
                values = result.per_reader[metric]
                low, high = interval(values, draws)
                cells.append(f"{values.mean():.3f} ({low:.3f}-{high:.3f})")
            print(f"| {name} | {' | '.join(cells)} | {1000 * spent[name] / readers:.1f} |")
        fast, full = results["paperboy-fast"].per_reader["ndcg@20"], results["paperboy"].per_reader["ndcg@20"]
        low, high = ratio_interval(fast, full, draws)
        print(
            f"\nfast / full on nDCG@20: {fast.mean() / full.mean():.2f}x "
            f"(paired bootstrap 95%: {low:.2f}-{high:.2f}); "
            f"time: {spent['paperboy'] / max(spent['paperboy-fast'], 1e-9):.0f}x less CPU per reader"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
