"""Calibrate the semantic threshold: cosine of real relevant papers vs nonsense queries.

Usage (from the checkout root, PYTHONPATH=$PWD):
    python bench/semantic_threshold.py ../shared/data/scifact ../shared/data/cacm ../shared/data/csfcube \
        [--arxiv ../shared/data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz [--sample 3000]]

For each dataset, with the default embedding model (embeddings cached like `paperboy eval`):
- the cosine similarity of every judged-relevant (query, paper) pair: the share of
  relevant papers a threshold t would drop, were they not keyword matches either;
- the best cosine any paper reaches for nonsense queries (random letter strings and
  keyboard mashes): a threshold above these answers "nothing matched" for them.
Prints, for a range of t, the recall lost and the share of nonsense queries that still
find something; docs/search.md records the table and the choice.

With --arxiv, a seeded random sample of real arXiv papers stands in for a production
store (the best cosine of a nonsense query grows with the number of papers, so a small
benchmark corpus alone would set the threshold too low): for nonsense queries and for
short researcher queries (keywords, questions, method names), the share of papers at or
above each t, scaled to the 200,000-paper file and to 1M papers.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

import numpy as np

from paperboy.config import load_settings
from paperboy.evaluation.metrics import load_beir_dataset
from paperboy.services.finding.evaluation import CachingEmbedder, plain_text_query
from paperboy.services.finding.indexing import embedder_for, embedding_text

THRESHOLDS = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40)
# Queries as researchers type them (not drawn from any benchmark): the semantic side should
# still count papers for these at the chosen threshold.
RESEARCHER_QUERIES = (
    "transformer",
    "LoRA",
    "graph neural networks",
    "sparse attention kernels",
    "federated learning privacy",
    "how do diffusion models generate images",
    "what is retrieval augmented generation",
    "speculative decoding for LLM inference",
    "processing-in-memory accelerators",
    "making neural networks smaller for phones",
    "robots learning from human videos",
    "proof of convergence for stochastic gradient descent",
)


def nonsense_queries(count: int = 60, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    made = ["asdfghjkl qwertyuiop", "zxcvbnm", "qqqq wwww eeee", "xkcd blorft zimzam", "jjjjjjjj"]
    while len(made) < count:
        words = [
            "".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(rng.randint(1, 4))
        ]
        made.append(" ".join(words))
    return made


def arxiv_sample(path: Path, size: int, seed: int = 20261202) -> list[tuple[str, str]]:
    """(title, abstract) of `size` records drawn uniformly from the file (reservoir sampling)."""
    rng = random.Random(seed)
    chosen: list[tuple[str, str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            slot = number if number < size else rng.randrange(number + 1)
            if slot < size:
                record = json.loads(line)
                entry = (" ".join(record["title"].split()), " ".join(record["abstract"].split()))
                if number < size:
                    chosen.append(entry)
                else:
                    chosen[slot] = entry
    return chosen


def arxiv_tables(path: Path, size: int, settings, inner) -> None:  # type: ignore[no-untyped-def]
    papers = arxiv_sample(path, size)
    embedder = CachingEmbedder(
        inner, settings.data_dir / "cache" / "eval" / f"arxiv-sample-{size}-{inner.name}.npz"
    )
    docs = embedder.embed([embedding_text(title, abstract) for title, abstract in papers])
    embedder.save()
    groups = {"nonsense": nonsense_queries(), "researcher": list(RESEARCHER_QUERIES)}
    print()
    print(f"arXiv sample: {len(papers):,} papers drawn from {path.name}; papers at or above t per query,")
    print("scaled to 200,000 and 1,000,000 papers (mean over the queries; max for nonsense)")
    print()
    print("| queries | t | share of papers | per query at 200k | at 1M | queries with any in sample |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, queries in groups.items():
        scores = np.stack([docs @ embedder.embed_query(q) for q in queries])  # queries x papers
        for t in THRESHOLDS:
            share = (scores >= t).mean(axis=1)
            any_hit = (scores >= t).any(axis=1).mean()
            stat = share.max() if name == "nonsense" else share.mean()
            print(
                f"| {name} ({'max' if name == 'nonsense' else 'mean'}) | {t:.2f} | {stat:.4%} "
                f"| {stat * 200_000:,.0f} | {stat * 1_000_000:,.0f} | {any_hit:.0%} |"
            )
    embedder.save()


def main(folders: list[str], arxiv: Path | None, sample: int) -> None:
    settings = load_settings()
    inner = embedder_for(settings)
    nonsense = nonsense_queries()
    relevant_scores: dict[str, np.ndarray] = {}
    nonsense_best: dict[str, np.ndarray] = {}
    for name in folders:
        folder = Path(name)
        data = load_beir_dataset(folder)
        embedder = CachingEmbedder(
            inner, settings.data_dir / "cache" / "eval" / f"{folder.resolve().name}-{inner.name}.npz"
        )
        ids = [doc.id for doc in data.corpus]
        title = {doc.id: doc.title or " ".join(doc.text.split()[:12]) or doc.id for doc in data.corpus}
        docs = embedder.embed([embedding_text(title[d.id], d.text or d.title) for d in data.corpus])
        position = {d: i for i, d in enumerate(ids)}
        pairs = []
        for qid, judged in data.qrels.items():
            if qid not in data.queries:
                continue
            q = embedder.embed_query(plain_text_query(data.queries[qid]))
            pairs += [float(docs[position[d]] @ q) for d, g in judged.items() if g > 0 and d in position]
        relevant_scores[folder.name] = np.array(pairs)
        nonsense_best[folder.name] = np.array(
            [float((docs @ embedder.embed_query(q)).max()) for q in nonsense]
        )
        embedder.save()
    print(
        "| dataset | relevant pairs | median cosine | "
        + " | ".join(f"lost at {t:.2f}" for t in THRESHOLDS)
        + " |"
    )
    print("|---|---:|---:|" + "---:|" * len(THRESHOLDS))
    for name, scores in relevant_scores.items():
        lost = " | ".join(f"{(scores < t).mean():.1%}" for t in THRESHOLDS)
        print(f"| {name} | {len(scores)} | {np.median(scores):.3f} | {lost} |")
    print()
    print(
        "| dataset | nonsense queries | max best cosine | "
        + " | ".join(f"found at {t:.2f}" for t in THRESHOLDS)
        + " |"
    )
    print("|---|---:|---:|" + "---:|" * len(THRESHOLDS))
    for name, best in nonsense_best.items():
        found = " | ".join(f"{(best >= t).mean():.0%}" for t in THRESHOLDS)
        print(f"| {name} | {len(best)} | {best.max():.3f} | {found} |")
    if arxiv is not None:
        arxiv_tables(arxiv, sample, settings, inner)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("datasets", nargs="*", help="BEIR-layout dataset folders")
    parser.add_argument("--arxiv", type=Path, help="an arXiv metadata .jsonl.gz to sample papers from")
    parser.add_argument("--sample", type=int, default=3000, help="papers drawn from --arxiv")
    options = parser.parse_args()
    main(options.datasets, options.arxiv, options.sample)
