"""Paperboy's search modes beside plain BM25 (bm25s) and reciprocal-rank fusion, per dataset.

Usage (from the checkout root, PYTHONPATH=$PWD):
    python bench/search_quality.py ../shared/data/scifact ../shared/data/cacm ../shared/data/csfcube

Each dataset goes through `paperboy eval`'s own code (`evaluate_dataset`: scratch store,
the product's indexes and search service), so keyword, semantic and hybrid are what a
user gets. Beside them, from the same run:
- bm25s: plain BM25 (k1 1.5, b 0.75, bm25s's English stopwords, the Snowball English
  stemmer, here tantivy's, as PyStemmer is not installed) over title + text, the query
  as typed, top 100;
- RRF: reciprocal-rank fusion (k = 60) of the keyword and semantic lists of that run.
For CSFCube, also the pooled protocol: each ranking restricted to the query's own judged
pool (its rows in qrels), as in the official re-ranking task, in the order ranked over
the whole corpus (pool papers not in the top 100 are missing, so this is a lower bound).
Prints a markdown table; docs/search.md records it. Embeddings are cached by `paperboy
eval` under DATA_DIR/cache/eval/, so a second run is quick.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from paperboy.config import load_settings
from paperboy.evaluation.metrics import load_beir_dataset, mrr_at_k, ndcg_at_k, recall_at_k
from paperboy.search import QuerySyntaxError, parse_query
from paperboy.services.finding.evaluation import evaluate_dataset, plain_text_query

# Results kept per query: the service's deepest, so the pooled CSFCube figures see most of each pool.
DEPTH = 200
OUT = Path("bench/out")


def bm25s_run(folder: Path) -> dict[str, list[str]]:
    import bm25s

    data = load_beir_dataset(folder)
    stemmer = snowball_english()
    ids = [doc.id for doc in data.corpus]
    retriever = bm25s.BM25()
    texts = [f"{doc.title} {doc.text}" for doc in data.corpus]
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    qids = list(data.queries)
    tokens = bm25s.tokenize(
        [plain_text_query(data.queries[q]) for q in qids],
        stopwords="en",
        stemmer=stemmer,
        show_progress=False,
    )
    docs, scores = retriever.retrieve(tokens, k=min(DEPTH, len(ids)), show_progress=False, n_threads=1)
    return {
        q: [ids[int(i)] for i, s in zip(docs[n], scores[n], strict=True) if s > 0] for n, q in enumerate(qids)
    }


def snowball_english() -> Callable[[list[str]], list[str]]:
    """Snowball English through tantivy's analyzer (PyStemmer's algorithm), word by word."""
    import tantivy

    analyzer = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(tantivy.Filter.stemmer("english")).build()
    )

    @functools.cache
    def stem(word: str) -> str:
        stems = analyzer.analyze(word)
        return stems[0] if stems else word

    return lambda words: [stem(w) for w in words]


def rrf(*runs: dict[str, list[str]], k: int = 60) -> dict[str, list[str]]:
    fused: dict[str, list[str]] = {}
    for q in set().union(*runs):
        scores: dict[str, float] = {}
        for run in runs:
            for rank, doc in enumerate(run.get(q, [])):
                scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank + 1)
        fused[q] = sorted(scores, key=lambda d: -scores[d])[:DEPTH]
    return fused


def metrics(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    return {
        "ndcg@10": ndcg_at_k(run, qrels, 10),
        "recall@100": recall_at_k(run, qrels, 100),
        "mrr@10": mrr_at_k(run, qrels, 10),
    }


def pooled(run: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    return {q: [d for d in docs if d in qrels.get(q, {})] for q, docs in run.items()}


def query_words(text: str) -> str:
    """The text a dataset query reaches the service's fusion as (its parsed words)."""
    try:
        return parse_query(plain_text_query(text)).text
    except QuerySyntaxError:
        return ""


@contextlib.contextmanager
def fusion_inputs(into: dict[str, dict[str, list]]) -> Iterator[None]:
    """Record, per query text, the keyword and semantic lists hybrid search fuses (as
    (doc id, score), best first), for bench/fusion_study.py to try other fusions on."""
    from paperboy.services.finding import search as search_module
    from paperboy.store import changes

    fuse, blend = search_module.fuse_hybrid, search_module.SearchService._blend
    last: list = []

    def recording_fuse(keyword, dense, **options):  # type: ignore[no-untyped-def]
        last[:] = [list(keyword), list(dense)]
        return fuse(keyword, dense, **options)

    def recording_blend(self, parsed, mode, vector=None):  # type: ignore[no-untyped-def]
        found = blend(self, parsed, mode, vector)
        if mode == "hybrid" and last and parsed.text not in into:
            keyword, dense = last
            with self.db.connect() as conn:
                rows = changes.papers_by_id(conn, [i for i, _ in keyword + dense])
            key = {i: row.key.removeprefix("beir:") for i, row in rows.items()}
            into[parsed.text] = {
                "keyword": [(key[i], s) for i, s in keyword],
                "dense": [(key[i], s) for i, s in dense],
            }
        return found

    search_module.fuse_hybrid, search_module.SearchService._blend = recording_fuse, recording_blend
    try:
        yield
    finally:
        search_module.fuse_hybrid, search_module.SearchService._blend = fuse, blend


def main(folders: list[str]) -> None:
    settings = load_settings()
    report: dict[str, dict[str, dict[str, float]]] = {}
    for name in folders:
        folder = Path(name)
        data = load_beir_dataset(folder)
        inputs: dict[str, dict[str, list]] = {}
        with fusion_inputs(inputs):
            result = evaluate_dataset(folder, settings, depth=DEPTH)
        by_query = {
            q: inputs.get(" ".join(parse_query(plain_text_query(t)).words)) for q, t in data.queries.items()
        }
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"fusion-inputs-{folder.name}.json").write_text(json.dumps(by_query))
        runs = {
            **result.runs,
            "bm25s": bm25s_run(folder),
            "rrf": rrf(result.runs["keyword"], result.runs["semantic"]),
        }
        report[folder.name] = {mode: metrics(run, data.qrels) for mode, run in runs.items()}
        if folder.name == "csfcube":
            report["csfcube (pooled)"] = {
                mode: metrics(pooled(run, data.qrels), data.qrels) for mode, run in runs.items()
            }
        if result.failures:
            print(
                f"{folder.name}: {len(result.failures)} failed query runs: {result.failures}", file=sys.stderr
            )
    print("| dataset | metric | keyword | semantic | hybrid | bm25s | RRF |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for dataset, modes in report.items():
        for metric in ("ndcg@10", "recall@100", "mrr@10"):
            cells = " | ".join(
                f"{modes[m][metric]:.3f}" for m in ("keyword", "semantic", "hybrid", "bm25s", "rrf")
            )
            print(f"| {dataset} | {metric} | {cells} |")
    print(json.dumps(report), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
