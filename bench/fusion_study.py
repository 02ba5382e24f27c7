"""Other ways to fuse the keyword and semantic lists, tried on the lists hybrid search fused.

Usage (from the checkout root, PYTHONPATH=$PWD, after bench/search_quality.py, which saves
each query's two lists to bench/out/fusion-inputs-DATASET.json):
    python bench/fusion_study.py ../shared/data/scifact ../shared/data/cacm ../shared/data/csfcube

Every variant sees the same inputs (the top 200 of each list, as the service fuses them)
and the same rule for what counts as a result (a keyword match, or a cosine at or above
the semantic threshold), so the first row reproduces the product's hybrid and the rest
differ only in how they fuse. Prints nDCG@10 per dataset, the baseline row first.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from paperboy.config import load_settings
from paperboy.evaluation.metrics import load_beir_dataset, ndcg_at_k
from paperboy.rank.fusion import convex_fusion, fuse_hybrid, reciprocal_rank_fusion

OUT = Path("bench/out")
Lists = dict[str, list[tuple[str, float]]]
Fusion = Callable[[Lists, str], list[tuple[str, float]]]


def zscore(weight: float, depth: int = 200) -> Fusion:
    return lambda lists, _text: fuse_hybrid(
        lists["keyword"], lists["dense"], keyword_weight=weight, depth=depth
    )


def minmax(weight: float) -> Fusion:
    return lambda lists, _text: convex_fusion(
        [lists["keyword"], lists["dense"]], weights=[weight, 1 - weight], method="minmax"
    )


def rrf(lists: Lists, _text: str) -> list[tuple[str, float]]:
    return reciprocal_rank_fusion([[d for d, _ in lists["keyword"]], [d for d, _ in lists["dense"]]])


def dense_only(lists: Lists, _text: str) -> list[tuple[str, float]]:
    return list(lists["dense"])


def keyword_only(lists: Lists, _text: str) -> list[tuple[str, float]]:
    return list(lists["keyword"])


def by_length(short: float, long: float, words: int = 12, start: int = 1) -> Fusion:
    """Keyword weight `short` up to `start` words, moving linearly to `long` at `words` words."""

    def fuse(lists: Lists, text: str) -> list[tuple[str, float]]:
        share = min(max(len(text.split()) - start, 0), words - start) / (words - start)
        weight = short + (long - short) * share
        return fuse_hybrid(lists["keyword"], lists["dense"], keyword_weight=weight, depth=200)

    return fuse


VARIANTS: dict[str, Fusion] = {
    "z-score, keyword weight 0.5 (the product)": zscore(0.5),
    "keyword alone": keyword_only,
    "semantic alone": dense_only,
    "RRF k=60": rrf,
    "min-max, 0.5": minmax(0.5),
    "z-score, 0.4": zscore(0.4),
    "z-score, 0.6": zscore(0.6),
    "z-score, 0.5, top 50": zscore(0.5, 50),
    "z-score, 0.5, top 100": zscore(0.5, 100),
    "z-score, by length 0.4 -> 0.6": by_length(0.4, 0.6),
    "z-score, by length 0.6 -> 0.4": by_length(0.6, 0.4),
    "z-score, 0.5 up to 20 words -> 0.4 at 100 (pasted text)": by_length(0.5, 0.4, 100, 20),
}


def main(folders: list[str]) -> None:
    threshold = load_settings().semantic_threshold
    table: dict[str, dict[str, float]] = {name: {} for name in VARIANTS}
    names = []
    for folder in map(Path, folders):
        data = load_beir_dataset(folder)
        inputs = json.loads((OUT / f"fusion-inputs-{folder.name}.json").read_text())
        names.append(folder.name)
        for name, fuse in VARIANTS.items():
            run = {}
            for query_id, lists in inputs.items():
                if lists is None:
                    run[query_id] = []
                    continue
                lists = {side: [(d, float(s)) for d, s in ranked] for side, ranked in lists.items()}
                passing = {d for d, _ in lists["keyword"]} | {d for d, s in lists["dense"] if s >= threshold}
                text = data.queries[query_id]
                run[query_id] = [d for d, _ in fuse(lists, text) if d in passing][:100]
            table[name][folder.name] = ndcg_at_k(run, data.qrels, 10)
    print("| fusion (nDCG@10) | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for name, scores in table.items():
        print(f"| {name} | " + " | ".join(f"{scores[n]:.3f}" for n in names) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
