"""Which key-phrase extractor to use: tf-idf over noun-phrase-like candidates
(paperboy/domain/keyphrases.py) against YAKE, on real papers.

Usage:
    PAPERBOY_DATA_DIR=DIR python bench/keyphrases.py [--sample 200] [--yake-path PATH]

DIR holds a store and its keyword index (e.g. 14 listing days of ../shared/data/
arxiv-2025-2026/). There are no reference key phrases for arXiv papers, so the measure is
what the phrases are for: finding the paper. Each paper's five phrases, as one keyword
query over the whole store's index, should rank that paper first: hit@1 and MRR@10 of the
paper itself, with the extraction time per paper. Baseline in the same run: the paper's
title as the query. YAKE is imported from --yake-path (install it there with
`pip install --target PATH yake`; it is not a dependency).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time

from paperboy.config import load_settings
from paperboy.domain.keyphrases import document_frequencies, key_phrases
from paperboy.search import parse_query
from paperboy.services.finding.search import SearchService
from paperboy.store import open_database

_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def rank_of(service: SearchService, text: str, paper_id: int) -> int | None:
    words = " ".join(_WORDS.findall(text))
    if not words:
        return None
    hits = service.keyword_index.search(parse_query(words), limit=10).hits
    ids = [pid for pid, _ in hits]
    return ids.index(paper_id) + 1 if paper_id in ids else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--corpus", type=int, default=10_000, help="papers the idf is counted over")
    parser.add_argument("--yake-path")
    args = parser.parse_args()
    settings = load_settings()
    db = open_database(settings.effective_database_url)
    with db.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, title, abstract FROM paper WHERE NOT withdrawn").fetchall()
    # The idf is counted over a random part of the store (all of it for a small one); the
    # paper must still be found among every paper of the index.
    corpus = random.Random(15).sample(rows, min(args.corpus, len(rows)))
    started = time.perf_counter()
    df = document_frequencies((title, abstract) for _, title, abstract in corpus)
    df_seconds = time.perf_counter() - started
    sample = random.Random(16).sample(corpus, min(args.sample, len(corpus)))
    methods = {
        "title as the query (baseline)": lambda t, a: [t],
        "tf-idf over candidates": lambda t, a: key_phrases(t, a, df.__getitem__, len(corpus)),
    }
    if args.yake_path:
        sys.path.insert(0, args.yake_path)
        import yake  # type: ignore[import-not-found]

        extractor = yake.KeywordExtractor(lan="en", n=3, top=5)
        methods["YAKE (n=3, top 5)"] = lambda t, a: [k for k, _ in extractor.extract_keywords(f"{t}. {a}")]
    service = SearchService(db, settings)
    print(f"{len(rows):,} papers in the index; idf over {len(corpus):,} ({df_seconds:.1f} s)", end="")
    print(f"; sample {len(sample)}")
    print(f"{'method':32} {'hit@1':>6} {'MRR@10':>7} {'ms/paper':>9} {'MRR x base':>11}")
    base_mrr = None
    for name, extract in methods.items():
        hits = 0
        reciprocal = 0.0
        spent = 0.0
        for paper_id, title, abstract in sample:
            started = time.perf_counter()
            phrases = extract(title, abstract)
            spent += time.perf_counter() - started
            rank = rank_of(service, " ".join(phrases), paper_id)
            hits += rank == 1
            reciprocal += 1 / rank if rank else 0.0
        mrr = reciprocal / len(sample)
        base_mrr = base_mrr or mrr
        per_paper = spent / len(sample) * 1000
        print(f"{name:32} {hits / len(sample):>6.2f} {mrr:>7.3f} {per_paper:>9.2f} {mrr / base_mrr:>11.2f}")


if __name__ == "__main__":
    main()
