"""Calibrate the semantic threshold: cosine of real relevant papers vs nonsense queries.

Usage (from the checkout root, PYTHONPATH=$PWD):
    python bench/semantic_threshold.py ../shared/data/scifact ../shared/data/cacm ../shared/data/csfcube

For each dataset, with the default embedding model (embeddings cached like `paperboy eval`):
- the cosine similarity of every judged-relevant (query, paper) pair: the share of
  relevant papers a threshold t would drop, were they not keyword matches either;
- the best cosine any paper reaches for nonsense queries (random letter strings and
  keyboard mashes): a threshold above these answers "nothing matched" for them.
Prints, for a range of t, the recall lost and the share of nonsense queries that still
find something; docs/search.md records the table and the choice.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

from paperboy.config import load_settings
from paperboy.evaluation.metrics import load_beir_dataset
from paperboy.services.evaluation import CachingEmbedder, plain_text_query
from paperboy.services.indexing import embedder_for, embedding_text

THRESHOLDS = (0.15, 0.20, 0.25, 0.30, 0.35, 0.40)


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


def main(folders: list[str]) -> None:
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


if __name__ == "__main__":
    main(sys.argv[1:])
