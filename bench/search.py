"""Benchmark search latency, ANN recall and memory at 100k and 1M papers.

Usage:
    python bench/search.py [--papers 100000] [--papers 1000000] [--queries 200]
                           [--rebuild] [--seed 0]

Goal: hybrid p95 <= 50 ms at 1M papers, on this 2-core machine.

For each size N it builds (once; cached under bench/data/search-N/, `--rebuild` to
force) a real store and real indexes, then measures in a fresh subprocess, so the peak
RSS is the searching process's own:

- store: bench/generate_snapshot.py's synthetic arXiv snapshot of N records (real
  sentences, titles, authors and categories recombined), ingested as
  `paperboy ingest snapshot --no-index` does (`read_snapshot` + `ingest_items`).
- keyword index: `Indexer.catch_up_keyword`, as `paperboy index update` does.
- vectors: embedding N texts takes hours here, so they are made from real ones. A pool
  of real all-MiniLM vectors (`minilm-onnx-int8`, the default model) is embedded once
  and cached: the 5,183 SciFact abstracts, the 200 real arXiv records and the first
  `POOL_GENERATED` generated records. Each paper gets a point on the segment between a
  pool vector and one of its 16 nearest pool neighbours (weight U(0, 0.5) on the
  neighbour), plus Gaussian noise (cosine ~0.96 to that point), renormalised. This keeps
  the real vectors' clustered, low-dimensional shape instead of isotropic noise. Vectors
  are written to the embedding table (`save_embeddings`, with each paper's real text
  hash, so `paperboy index update` would keep them) and added to a `VectorIndex` keyed
  by paper id, which is saved with the store's revision as its watermark.
- queries (`--queries`, seeded), typed the way researchers type:
  half from SciFact claims (2-6 content words of the claim, in order, stopwords and
  numbers dropped: "0-dimensional biomaterials lack inductive properties" ->
  "biomaterials lack inductive"), half from titles of random papers in the store (2-4
  consecutive words); a third of the title ones are a quoted "phrase"; one in five
  queries adds `cat:` with the category of a random paper in the store.

Measured in the search subprocess, in one run so shared-machine load hits all alike:
- `SearchService.search(q, mode=..., per_page=20)` for keyword, semantic and hybrid,
  modes rotated per query, after 20 untimed warm-up queries (including query embedding,
  row fetching and snippets, i.e. everything but HTTP);
- hybrid's stages timed separately, per query: query embedding, keyword top-200, dense
  top-200 (filtered where the query has cat:), z-score fusion, fetching 20 rows from
  SQLite, titles/snippets: their matched spans, then the web's <mark> HTML;
- ANN (`VectorIndex.search`, k=10, and the top 10 of k=200 as the service asks) against
  `VectorIndex.exact_search` (k=10): recall@10 and latency for the same query vectors;
- peak RSS (ru_maxrss) of the process; index sizes on disk.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from generate_snapshot import default_path, write_snapshot  # noqa: E402

HERE = Path(__file__).resolve()
DATA = HERE.parent / "data"
REPO = HERE.parent.parent
SHARED = Path(__file__).resolve().parents[1].parent / "shared"  # ../shared beside the checkout
SCIFACT = Path(os.environ.get("SCIFACT", str(SHARED / "data" / "scifact")))
SAMPLE = Path(
    os.environ.get(
        "SNAPSHOT_SAMPLE",
        str(
            Path(__file__).resolve().parents[1].parent
            / "shared"
            / "data"
            / "arxiv-snapshot-sample"
            / "arxiv-metadata-oai-snapshot.jsonl"
        ),
    )
)
MODEL = "minilm-onnx-int8"
MODEL_DIR = Path(os.environ.get("PAPERBOY_MODEL_DIR", REPO / "paperboy-data" / "models"))
POOL_GENERATED = 3_000
NEIGHBOURS = 16
NOISE = 0.30  # norm of the Gaussian noise added to a unit vector: cosine ~0.96
CHUNK = 20_000
WARMUP = 20
GOAL_MS = 50.0
STOPWORDS = set(
    "a an the of in on at to for from by with and or not no is are was were be been being has have "
    "had do does did can could may might will would should than that this these those it its as "
    "into over under between within without via after before during more less most least very "
    "all any each both some such only also there their which who whom whose when where while "
    "increase increases increased decrease decreases decreased reduce reduces reduced".split()
)


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across
    execve, so a child would report its parent's peak (e.g. the pool's embedding)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(store: Path) -> Any:
    from paperboy.config import Settings

    return Settings(data_dir=store, model_dir=MODEL_DIR, embedding_model=MODEL)


def _du_mb(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


# ---------------------------------------------------------------- the vector pool
def pool_path() -> Path:
    return DATA / f"search-pool-{MODEL}-{POOL_GENERATED}.npy"


def build_pool(snapshot: Path) -> Path:
    """Embed real texts once with the real model; cache the matrix."""
    import numpy as np
    from tqdm import tqdm

    from paperboy.embed import load_embedder
    from paperboy.services.finding.indexing import embedding_text

    path = pool_path()
    if path.exists():
        return path
    texts = [
        embedding_text(d["title"], d["text"]) for d in map(json.loads, (SCIFACT / "corpus.jsonl").open())
    ]
    texts += [embedding_text(r["title"], r["abstract"]) for r in map(json.loads, SAMPLE.open())]
    with snapshot.open() as f:
        for _, line in zip(range(POOL_GENERATED), f, strict=False):
            r = json.loads(line)
            texts.append(embedding_text(" ".join(r["title"].split()), " ".join(r["abstract"].split())))
    embedder = load_embedder(MODEL, MODEL_DIR)
    start = time.perf_counter()
    with tqdm(total=len(texts), unit="text", desc="embedding the real pool", file=sys.stderr) as bar:
        matrix = embedder.embed(texts, progress=bar.update)
    print(f"pool: {len(texts):,} texts embedded in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, matrix.astype(np.float32))
    return path


def synthetic_vectors(pool: Any, neighbours: Any, count: int, seed: int) -> Any:
    """`count` unit vectors shaped like real ones (see the module docstring)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = rng.integers(0, len(pool), count)
    other = neighbours[base, rng.integers(0, neighbours.shape[1], count)]
    weight = rng.uniform(0.0, 0.5, (count, 1)).astype(np.float32)
    mixed = (1 - weight) * pool[base] + weight * pool[other]
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    mixed += rng.standard_normal(mixed.shape, dtype=np.float32) * (NOISE / np.sqrt(pool.shape[1]))
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    return mixed.astype(np.float32)


def pool_neighbours(pool: Any) -> Any:
    import numpy as np

    sims = pool @ pool.T
    np.fill_diagonal(sims, -1.0)
    return np.argsort(-sims, axis=1)[:, :NEIGHBOURS]


# ---------------------------------------------------------------- build (a child)
def phase_build(papers: int, snapshot: Path, store: Path, seed: int) -> dict[str, Any]:
    import itertools

    import numpy as np
    from sqlalchemy import select
    from tqdm import tqdm

    from paperboy.domain.clock import utcnow
    from paperboy.index.vectors import VectorIndex
    from paperboy.services.finding.indexing import Indexer, embedding_text, vector_folder
    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.sources.snapshot import read_snapshot
    from paperboy.store import changes, open_database
    from paperboy.store.embeddings import save_embeddings
    from paperboy.store.schema import paper

    settings = _settings(store)
    db = open_database(settings.effective_database_url)
    db.migrate()
    timings: dict[str, float] = {}

    start = time.perf_counter()
    with tqdm(total=papers, unit="rec", desc="ingest", file=sys.stderr, mininterval=2) as bar:
        report = ingest_items(
            db,
            itertools.islice(read_snapshot(snapshot), papers),
            kind="snapshot",
            detail=str(snapshot),
            batch_size=settings.batch_size,
            progress=bar.update,
        )
    timings["ingest_s"] = time.perf_counter() - start
    print(f"ingest: {report.as_dict()}", file=sys.stderr)

    start = time.perf_counter()
    with tqdm(total=papers, unit="paper", desc="keyword index", file=sys.stderr, mininterval=2) as bar:
        Indexer(db, settings).catch_up_keyword(bar.update)
    timings["keyword_index_s"] = time.perf_counter() - start

    pool = np.load(pool_path())
    neighbours = pool_neighbours(pool)
    with db.connect() as conn:
        revision = changes.latest_revision(conn)
    vectors = VectorIndex(vector_folder(settings), pool.shape[1])
    vectors.clear()
    table_s = hnsw_s = 0.0
    last_id = 0
    with tqdm(total=papers, unit="vec", desc="vectors (table + HNSW)", file=sys.stderr, mininterval=2) as bar:
        for chunk_no in itertools.count():
            with db.connect() as conn:
                rows = conn.execute(
                    select(paper.c.id, paper.c.title, paper.c.abstract)
                    .where(paper.c.id > last_id, paper.c.withdrawn.is_(False))
                    .order_by(paper.c.id)
                    .limit(CHUNK)
                ).all()
            if not rows:
                break
            last_id = rows[-1].id
            ids = [r.id for r in rows]
            matrix = synthetic_vectors(pool, neighbours, len(rows), seed * 1_000_003 + chunk_no)
            started = time.perf_counter()
            hashes = [
                hashlib.sha1(embedding_text(r.title, r.abstract).encode("utf-8")).hexdigest() for r in rows
            ]
            with db.transaction() as conn:
                for s in range(0, len(rows), 5_000):
                    save_embeddings(
                        conn,
                        MODEL,
                        [(ids[i], hashes[i], matrix[i]) for i in range(s, min(s + 5_000, len(rows)))],
                        utcnow(),
                    )
            table_s += time.perf_counter() - started
            started = time.perf_counter()
            vectors.upsert(ids, matrix)
            hnsw_s += time.perf_counter() - started
            bar.update(len(rows))
    started = time.perf_counter()
    vectors.save(watermark=revision)
    hnsw_s += time.perf_counter() - started
    timings["embedding_table_s"] = table_s
    timings["vector_index_s"] = hnsw_s
    db.close()
    return {"papers": papers, "vectors": vectors.count(), **timings}


# ---------------------------------------------------------------- queries
def make_queries(store: Path, count: int, seed: int) -> list[dict[str, Any]]:
    """Seeded, realistic search-box queries; see the module docstring."""
    from sqlalchemy import func, select

    from paperboy.store import open_database
    from paperboy.store.schema import paper

    rng = random.Random(seed)
    claims = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").open()]
    db = open_database(_settings(store).effective_database_url)
    with db.connect() as conn:
        top = conn.execute(select(func.max(paper.c.id))).scalar_one()
        picks = []
        while len(picks) < count:
            row = conn.execute(
                select(paper.c.title, paper.c.categories)
                .where(paper.c.id >= rng.randint(1, top))
                .order_by(paper.c.id)
                .limit(1)
            ).first()
            if row:
                picks.append(row)
    db.close()
    queries = []
    for i in range(count):
        if i % 2 == 0:
            words = [w.strip(".,;:()%'\"") for w in rng.choice(claims).split()]
            words = [w for w in words if w and w.lower() not in STOPWORDS and not re.search(r"\d", w)]
            n = min(len(words), rng.randint(2, 6))
            s = rng.randint(0, max(0, len(words) - n))
            text = " ".join(words[s : s + n]) or "protein"
            kind = "scifact"
        else:
            words = [w.strip(".,;:()'\"$\\{}") for w in picks[i].title.split()]
            words = [w for w in words if w and re.search(r"[A-Za-z]", w)]
            n = min(len(words), rng.randint(2, 4))
            s = rng.randint(0, max(0, len(words) - n))
            text = " ".join(words[s : s + n])
            if rng.random() < 1 / 3:
                text, kind = f'"{text}"', "title phrase"
            else:
                kind = "title words"
        if rng.random() < 0.2:
            category = rng.choice(picks).categories.split()[0]
            text += f" cat:{category}"
            kind += " + cat"
        queries.append({"text": text, "kind": kind})
    return queries


# ---------------------------------------------------------------- search (a child)
def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def phase_search(store: Path, queries: list[dict[str, Any]]) -> dict[str, Any]:
    import numpy as np
    from tqdm import tqdm

    from paperboy.rank.fusion import convex_fusion
    from paperboy.search import parse_query
    from paperboy.services.finding import search as search_module
    from paperboy.services.finding.search import MAX_RESULTS, SearchService, _hit
    from paperboy.store import changes, open_database
    from paperboy.web.highlighting import marked

    settings = _settings(store)
    db = open_database(settings.effective_database_url)
    started = time.perf_counter()
    service = SearchService(db, settings)
    _ = service.embedder
    vectors = service._vector_index()
    load_s = time.perf_counter() - started
    rss_loaded = _peak_rss_mb()
    texts = [q["text"] for q in queries]
    for text in texts[:WARMUP]:
        for mode in search_module.MODES:
            service.search(text, mode=mode, per_page=20)

    times: dict[str, list[float]] = {m: [] for m in search_module.MODES}
    for i, text in tqdm(list(enumerate(texts)), desc="queries", unit="q", file=sys.stderr):
        modes = search_module.MODES[i % 3 :] + search_module.MODES[: i % 3]
        for mode in modes:
            t = time.perf_counter()
            service.search(text, mode=mode, per_page=20)
            times[mode].append((time.perf_counter() - t) * 1000)

    # Hybrid, stage by stage (the same steps SearchService.search takes).
    stages: dict[str, list[float]] = {
        s: []
        for s in (
            "embed query",
            "keyword top-200",
            "dense top-200",
            "fusion",
            "fetch 20 rows",
            "snippets + marks",
        )
    }
    query_vectors = []
    for text in tqdm(texts, desc="hybrid stages", unit="q", file=sys.stderr):
        parsed = parse_query(text)
        t0 = time.perf_counter()
        vector = service.embedder.embed_query(parsed.text)
        t1 = time.perf_counter()
        keyword = service._keyword.search(parsed, limit=MAX_RESULTS).hits
        t2 = time.perf_counter()
        service._embedder = _Fixed(service.embedder, vector)  # _dense without embedding again
        dense, _ = service._dense(parsed, MAX_RESULTS)
        service._embedder = service._embedder.inner
        t3 = time.perf_counter()
        fused = convex_fusion([keyword, dense], weights=[0.5, 0.5], method="zscore")[:20]
        t4 = time.perf_counter()
        with db.connect() as conn:
            rows = changes.papers_by_id(conn, [i for i, _ in fused])
        t5 = time.perf_counter()
        terms = service._keyword.query_terms(parsed)
        for pid, score in fused:
            if pid in rows:
                # The service finds the matched spans; the page's <mark>s are the web's.
                hit = _hit(rows[pid], score, terms)
                marked(hit.title)
                marked(hit.snippet)
        t6 = time.perf_counter()
        for name, (a, b) in zip(
            stages, [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5), (t5, t6)], strict=True
        ):
            stages[name].append((b - a) * 1000)
        query_vectors.append(vector)

    ann_ms, ann200_ms, exact_ms, recall, recall200, top1, top10 = [], [], [], [], [], [], []
    for vector in tqdm(query_vectors, desc="ANN vs exact", unit="q", file=sys.stderr):
        t = time.perf_counter()
        ann = vectors.search(vector, k=10)
        ann_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        ann200 = vectors.search(vector, k=MAX_RESULTS)[:10]
        ann200_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        exact = vectors.exact_search(vector, k=10)
        exact_ms.append((time.perf_counter() - t) * 1000)
        truth = {i for i, _ in exact}
        recall.append(len(truth & {i for i, _ in ann}) / len(truth))
        recall200.append(len(truth & {i for i, _ in ann200}) / len(truth))
        top1.append(exact[0][1])
        top10.append(exact[-1][1])
    db.close()
    summary = lambda v: {"p50": _pct(v, 0.5), "p95": _pct(v, 0.95), "mean": statistics.fmean(v)}  # noqa: E731
    return {
        "modes": {m: summary(v) for m, v in times.items()},
        "stages": {s: summary(v) for s, v in stages.items()},
        "ann": summary(ann_ms),
        "ann200": summary(ann200_ms),
        "exact": summary(exact_ms),
        "recall10": statistics.fmean(recall),
        "recall10_k200": statistics.fmean(recall200),
        "exact_top1_cos": statistics.fmean(top1),
        "exact_top10_cos": statistics.fmean(top10),
        "load_s": load_s,
        "rss_loaded_mb": rss_loaded,
        "vectors": vectors.count(),
        "peak_rss_mb": _peak_rss_mb(),
        "queries": len(texts),
        "loadavg": os.getloadavg()[0],
        "query_vector_norm_ok": bool(
            np.allclose(np.linalg.norm(np.stack(query_vectors), axis=1), 1, atol=1e-3)
        ),
    }


class _Fixed:
    """An embedder that returns one precomputed vector (to time `_dense` alone)."""

    def __init__(self, inner: Any, vector: Any) -> None:
        self.inner, self.vector, self.dim = inner, vector, inner.dim

    def embed_query(self, text: str) -> Any:
        return self.vector


# ---------------------------------------------------------------- the run (parent)
def run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(HERE), *args], stdout=subprocess.PIPE, text=True, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def store_path(papers: int) -> Path:
    return DATA / f"search-{papers}"


def sizes(store: Path) -> dict[str, float]:
    settings = _settings(store)
    from paperboy.services.finding.indexing import keyword_folder, vector_folder

    return {
        "sqlite_mb": _du_mb(store / "paperboy.db"),
        "keyword_mb": _du_mb(keyword_folder(settings)),
        "vectors_mb": _du_mb(vector_folder(settings)),
    }


def ensure_store(papers: int, rebuild: bool, seed: int) -> dict[str, Any]:
    store = store_path(papers)
    done = store / "build.json"
    if done.exists() and not rebuild:
        return json.loads(done.read_text())
    if store.exists():
        shutil.rmtree(store)
    store.mkdir(parents=True)
    snapshot = default_path(papers, False)
    if not snapshot.exists():
        write_snapshot(snapshot, papers)
    build_pool(snapshot)
    result = run_child(
        "--phase", "build", "--papers", str(papers), "--file", str(snapshot), "--seed", str(seed)
    )
    done.write_text(json.dumps(result))
    return result


def report(papers: int, build: dict[str, Any], found: dict[str, Any], disk: dict[str, float]) -> list[str]:
    label = f"{papers // 1000:,}k" if papers < 1_000_000 else f"{papers / 1e6:g}M"
    lines = [f"| {label} | {m} | {v['p50']:.1f} | {v['p95']:.1f} |" for m, v in found["modes"].items()]
    ann, exact = found["ann"], found["exact"]
    lines.append(
        f"| {label} | ANN k=10 (recall@10 {found['recall10']:.3f}) | {ann['p50']:.2f} | {ann['p95']:.2f} |"
    )
    lines.append(
        f"| {label} | ANN k=200, top 10 (recall@10 {found['recall10_k200']:.3f}) | "
        f"{found['ann200']['p50']:.2f} | {found['ann200']['p95']:.2f} |"
    )
    lines.append(
        f"| {label} | exact k=10 (ANN k=10 is {exact['p50'] / ann['p50']:.0f}x faster at p50) | "
        f"{exact['p50']:.2f} | {exact['p95']:.2f} |"
    )
    return lines


def child_main(args: argparse.Namespace) -> int:
    if args.phase == "build":
        result = phase_build(args.papers[0], Path(args.file), store_path(args.papers[0]), args.seed)
    else:
        queries = json.loads(Path(args.file).read_text())
        result = phase_search(store_path(args.papers[0]), queries)
    result["peak_rss_mb"] = result.get("peak_rss_mb") or _peak_rss_mb()
    print("RESULT " + json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, action="append", help="store sizes (default 100000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached stores and indexes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--phase", choices=["build", "search"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.papers = args.papers or [100_000]
    if args.phase:
        return child_main(args)

    print(
        f"# Search benchmark — goal: hybrid p95 <= {GOAL_MS:.0f} ms at 1M papers "
        f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start)\n"
    )
    results = []
    for papers in args.papers:
        build = ensure_store(papers, args.rebuild, args.seed)
        queries = make_queries(store_path(papers), args.queries, args.seed)
        qfile = store_path(papers) / f"queries-{args.queries}-{args.seed}.json"
        qfile.write_text(json.dumps(queries, indent=1))
        found = run_child("--phase", "search", "--papers", str(papers), "--file", str(qfile))
        results.append((papers, build, found, sizes(store_path(papers))))
        print(
            f"  {papers:,}: done; queries in {qfile} (e.g. {', '.join(q['text'] for q in queries[:4])})",
            file=sys.stderr,
        )

    print("| papers | mode | p50 ms | p95 ms |\n|---|---|---:|---:|")
    for row in results:
        print("\n".join(report(*row)))
    print("\nHybrid, stage by stage (ms; the same steps SearchService.search takes):\n")
    print("| papers | stage | p50 ms | p95 ms | mean ms |\n|---|---|---:|---:|---:|")
    for papers, _, found, _ in results:
        for stage, v in found["stages"].items():
            print(f"| {papers:,} | {stage} | {v['p50']:.1f} | {v['p95']:.1f} | {v['mean']:.1f} |")
    print(
        "\n| papers | peak RSS MB (of which by end of index load) | SQLite MB | keyword MB | vectors MB | "
        "ingest s | keyword build s | embedding table s | HNSW build s | load avg |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for papers, build, found, disk in results:
        print(
            f"| {papers:,} | {found['peak_rss_mb']:.0f} ({found['rss_loaded_mb']:.0f}) | "
            f"{disk['sqlite_mb']:,.0f} | "
            f"{disk['keyword_mb']:,.0f} | {disk['vectors_mb']:,.0f} | {build['ingest_s']:.0f} | "
            f"{build['keyword_index_s']:.0f} | {build['embedding_table_s']:.0f} | "
            f"{build['vector_index_s']:.0f} | "
            f"{found['loadavg']:.1f} |"
        )
    print(
        "\nexact-search neighbour cosines (shape check of the synthetic vectors): "
        + ", ".join(
            f"{p:,}: top1 {f['exact_top1_cos']:.3f}, top10 {f['exact_top10_cos']:.3f}"
            for p, _, f, _ in results
        )
    )
    for papers, _, found, _ in results:
        p95 = found["modes"]["hybrid"]["p95"]
        if papers >= 1_000_000:
            print(f"\ngoal at {papers:,}: hybrid p95 {p95:.1f} ms — {'met' if p95 <= GOAL_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
