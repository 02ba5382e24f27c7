"""Measure the keyword, dense and fusion options for hybrid search on SciFact (BEIR).

Usage:
    python bench/search_choices.py keyword   # BM25 variants (tantivy, SQLite FTS5, bm25s)
    python bench/search_choices.py dense     # all-MiniLM-L6-v2 exact cosine
    python bench/search_choices.py fusion    # fusion methods + parameter sensitivity
    python bench/search_choices.py ann       # usearch vs faiss on 100k vectors

Reads SciFact from $SCIFACT (default /work/shared/data/scifact); caches runs and
embeddings under /tmp.  Prints markdown tables; docs/search-choices.md records them.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import onnxruntime  # noqa: F401  -- must precede usearch in one process (segfault otherwise)

SCIFACT = Path(os.environ.get("SCIFACT", "/work/shared/data/scifact"))
CACHE = Path(os.environ.get("BENCH_CACHE", "/tmp/paperboy_bench"))
EMB_PATH = Path("/tmp/scifact_minilm.npy")
Run = dict[str, dict[str, float]]  # query id -> {doc id: score}


# ---------------------------------------------------------------- data and metrics
def load_scifact() -> tuple[list[dict], dict[str, str], dict[str, dict[str, int]]]:
    corpus = [json.loads(line) for line in open(SCIFACT / "corpus.jsonl")]
    queries = {}
    for line in open(SCIFACT / "queries.jsonl"):
        q = json.loads(line)
        queries[q["_id"]] = q["text"]
    qrels: dict[str, dict[str, int]] = {}
    with open(SCIFACT / "qrels" / "test.tsv") as f:
        next(f)  # header
        for line in f:
            qid, did, score = line.split("\t")
            qrels.setdefault(qid, {})[did] = int(score)
    queries = {qid: queries[qid] for qid in qrels}
    return corpus, queries, qrels


def ndcg_at(run: Run, qrels: dict[str, dict[str, int]], k: int = 10) -> float:
    total = 0.0
    for qid, rels in qrels.items():
        ranked = sorted(run.get(qid, {}).items(), key=lambda kv: -kv[1])[:k]
        dcg = sum(rels.get(d, 0) / math.log2(i + 2) for i, (d, _) in enumerate(ranked))
        ideal = sorted(rels.values(), reverse=True)[:k]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        total += dcg / idcg if idcg else 0.0
    return total / len(qrels)


def recall_at(run: Run, qrels: dict[str, dict[str, int]], k: int = 100) -> float:
    total = 0.0
    for qid, rels in qrels.items():
        ranked = {d for d, _ in sorted(run.get(qid, {}).items(), key=lambda kv: -kv[1])[:k]}
        relevant = {d for d, g in rels.items() if g > 0}
        total += len(ranked & relevant) / len(relevant)
    return total / len(qrels)


def row(name: str, run: Run, qrels: dict[str, dict[str, int]]) -> str:
    return f"| {name} | {ndcg_at(run, qrels):.3f} | {recall_at(run, qrels):.3f} |"


def cached_run(name: str, make: Callable[[], Run]) -> Run:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    run = make()
    path.write_bytes(pickle.dumps(run))
    return run


# ---------------------------------------------------------------- keyword options
def tantivy_run(corpus, queries, *, fields: str, title_boost: float, tokenizer: str,
                combine: str = "sum", depth: int = 1000) -> Run:
    """fields='split': title + abstract fields; 'single': one concatenated field."""
    import tantivy

    analyzers = {
        "en_stem": None,  # built in
        "en_stem_stop": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("english")).filter(tantivy.Filter.stemmer("english"))
        .build(),
        "default": None,
    }
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    names = ["title", "abstract"] if fields == "split" else ["body"]
    for n in names:
        sb.add_text_field(n, tokenizer_name=tokenizer)
    schema = sb.build()
    index = tantivy.Index(schema)
    if analyzers.get(tokenizer) is not None:
        index.register_tokenizer(tokenizer, analyzers[tokenizer])
    writer = index.writer(heap_size=100_000_000, num_threads=1)
    for d in corpus:
        doc = {"id": d["_id"]}
        if fields == "split":
            doc.update(title=d["title"], abstract=d["text"])
        else:
            doc["body"] = d["title"] + "\n" + d["text"]
        writer.add_document(tantivy.Document(**doc))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    query_analyzer = analyzers.get(tokenizer) or (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.stemmer("english")).build()
        if tokenizer == "en_stem" else
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase()).build())
    run: Run = {}
    for qid, text in queries.items():
        terms = list(dict.fromkeys(query_analyzer.analyze(text)))
        per_term = []
        for t in terms:
            subs = []
            for n in names:
                q = tantivy.Query.term_query(schema, n, t)
                boost = title_boost if n == "title" else 1.0
                subs.append(tantivy.Query.boost_query(q, boost) if boost != 1.0 else q)
            if combine == "dismax" and len(subs) > 1:
                per_term.append(tantivy.Query.disjunction_max_query(subs, 0.1))
            else:
                per_term.extend(subs)
        if not per_term:
            run[qid] = {}
            continue
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in per_term])
        hits = searcher.search(query, depth).hits
        run[qid] = {searcher.doc(addr)["id"][0]: float(s) for s, addr in hits}
    return run


def fts5_run(corpus, queries, *, title_weight: float, tokenizer: str = "porter unicode61",
             depth: int = 1000) -> Run:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, abstract, tokenize='{tokenizer}')")
    con.executemany("INSERT INTO docs VALUES (?,?,?)", [(d["_id"], d["title"], d["text"]) for d in corpus])
    run: Run = {}
    import re
    for qid, text in queries.items():
        words = list(dict.fromkeys(w.lower() for w in re.findall(r"\w+", text)))
        if not words:
            run[qid] = {}
            continue
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = con.execute(
            f"SELECT id, bm25(docs, 0, ?, 1.0) AS s FROM docs WHERE docs MATCH ? ORDER BY s LIMIT {depth}",
            (title_weight, match)).fetchall()
        run[qid] = {i: -s for i, s in rows}  # FTS5 bm25 is negative: lower is better
    return run


def bm25s_run(corpus, queries, depth: int = 1000) -> Run:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    texts = [d["title"] + " " + d["text"] for d in corpus]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    qids = list(queries)
    qtok = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False)
    docs, scores = retriever.retrieve(qtok, k=depth, show_progress=False, n_threads=1)
    return {qid: {corpus[int(i)]["_id"]: float(s) for i, s in zip(docs[n], scores[n]) if s > 0}
            for n, qid in enumerate(qids)}


KEYWORD_OPTIONS: dict[str, Callable] = {
    "tantivy split title^2 en_stem (sum)": lambda c, q: tantivy_run(c, q, fields="split", title_boost=2, tokenizer="en_stem"),
    "tantivy split title^1 en_stem": lambda c, q: tantivy_run(c, q, fields="split", title_boost=1, tokenizer="en_stem"),
    "tantivy split title^3 en_stem": lambda c, q: tantivy_run(c, q, fields="split", title_boost=3, tokenizer="en_stem"),
    "tantivy split title^2 en_stem (dismax)": lambda c, q: tantivy_run(c, q, fields="split", title_boost=2, tokenizer="en_stem", combine="dismax"),
    "tantivy split title^2 en_stem+stopwords": lambda c, q: tantivy_run(c, q, fields="split", title_boost=2, tokenizer="en_stem_stop"),
    "tantivy split title^2 no stemming": lambda c, q: tantivy_run(c, q, fields="split", title_boost=2, tokenizer="default"),
    "tantivy single field en_stem": lambda c, q: tantivy_run(c, q, fields="single", title_boost=1, tokenizer="en_stem"),
    "tantivy single field en_stem+stopwords": lambda c, q: tantivy_run(c, q, fields="single", title_boost=1, tokenizer="en_stem_stop"),
    "tantivy abstract only en_stem": lambda c, q: tantivy_run(
        [{**d, "title": ""} for d in c], q, fields="split", title_boost=1, tokenizer="en_stem"),
    "SQLite FTS5 porter, title weight 2": lambda c, q: fts5_run(c, q, title_weight=2),
    "SQLite FTS5 porter, title weight 1": lambda c, q: fts5_run(c, q, title_weight=1),
    "SQLite FTS5 unicode61 (no stem), title 2": lambda c, q: fts5_run(c, q, title_weight=2, tokenizer="unicode61"),
    "bm25s + PyStemmer + stopwords (reference)": bm25s_run,
}


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def bench_keyword() -> None:
    corpus, queries, qrels = load_scifact()
    print("| keyword option | nDCG@10 | recall@100 | seconds (index+300 queries) |\n|---|---|---|---|")
    for name, make in KEYWORD_OPTIONS.items():
        start = time.perf_counter()
        run = cached_run("kw_" + slug(name), lambda: make(corpus, queries))
        print(f"{row(name, run, qrels)} {time.perf_counter() - start:.1f} |", flush=True)


if __name__ == "__main__":
    {"keyword": bench_keyword}[sys.argv[1]]()
