"""Search latency and ANN recall on the real papers with their real embeddings.

    nice -n 10 .venv/bin/python bench/search_real.py [--real N] [--copies F] [--queries 150]

Goals at 1M papers: hybrid p95 <= 25 ms and p50 <= 10 ms; ANN recall@10 >= 0.98; a
filtered query (`cat:`, `after:`) within 1.5x of the same query unfiltered.

Data (built once per (N, F), cached under bench/out/search-real-N-xF/, never committed):

- papers: the first N records of `bench/embed_real.py`'s seeded random order of the
  real file `../shared/data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz`
  (a uniform sample; N defaults to all records embedded so far), each with its real
  vector (`minilm-onnx-int8-128`, the default model, cached by bench/embed_real.py).
  The originals go in on their announcement day (a feed entry, as `paperboy ingest
  snapshot` gives them), so bench/web.py can serve the same store.
- expansion to N*F papers: copy c (1 <= c < F) of a real paper has the same title,
  abstract, authors and categories, the arXiv id `copy-<letters>/<7 digits>` (a valid
  old-style id, recognisably not a real one) and every date moved back c years (so the
  archive stretches back like a real one and `after:` passes the recent share only).
  Its vector is the real one plus Gaussian noise of norm `COPY_NOISE`, renormalised
  (cosine ~0.99 to the original): close copies, but no exact duplicates for HNSW.
- pipeline: `ingest_items` (the bulk path `paperboy ingest snapshot` takes), the keyword
  index by `Indexer.catch_up_keyword`, vectors into the embedding table
  (`save_embeddings`, with each paper's real text hash) and into the `VectorIndex`,
  saved with the store's revision as its watermark (so the indexer finds nothing to do).

Queries (`--queries`, seeded), taken from real titles of papers in the store, the way
researchers type: 2-4 consecutive title words; a quoted "phrase" of 2-3 words; a method
or model name (a title word with capitals inside or a digit, e.g. LoRA, GPT-4o); and
questions (whole titles ending in "?"). Each is searched plain, with `cat:cs.LG` and
with `after:2026-06-01`, in each mode (keyword, semantic, hybrid), through
`SearchService.search(per_page=20)`: query embedding, retrieval, fusion, reading rows
and snippets included, i.e. everything but HTTP. Modes and filters are interleaved per
query after untimed warm-up, in one process, so the machine's load hits all alike.

Baseline, same run: the exact scan (`VectorIndex.exact_search`, k=10, every vector) of
the same query vectors; ANN (`VectorIndex.search`, k=10 and k=200 as hybrid asks) is
scored as recall@10 against it.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE.parent))

from embed_real import CACHE, REAL_FILE, load_real_embeddings, model_dir  # noqa: E402

MODEL = "minilm-onnx-int8-128"
COPY_NOISE = 0.15  # norm of the noise on a copy's unit vector: cosine ~0.99 to the original
OUT = ROOT / "bench" / "out"
WARMUP = 15
FILTERS = {"none": "", "cat:cs.LG": " cat:cs.LG", "after:2026-06-01": " after:2026-06-01"}
GOALS = {"hybrid p95 ms": 25.0, "hybrid p50 ms": 10.0, "recall@10": 0.98, "filtered / plain": 1.5}


def store_folder(real: int, copies: int) -> Path:
    return OUT / f"search-real-{real}-x{copies}"


def settings_for(folder: Path) -> Any:
    from paperboy.config import Settings

    return Settings(data_dir=folder, model_dir=model_dir(), embedding_model=MODEL)


# ---------------------------------------------------------------- building the store
def copy_letters(copy: int) -> str:
    """a, b, ..., z, ba, bb, ...: an old-style archive name (letters only)."""
    letters = ""
    while True:
        copy, rest = divmod(copy, 26)
        letters = chr(ord("a") + rest) + letters
        if copy == 0:
            return letters


def years_back(value: Any, years: int) -> Any:
    if value is None:
        return None
    try:
        return value.replace(year=value.year - years)
    except ValueError:  # 29 February
        return value.replace(year=value.year - years, day=28)


def copy_of(paper: Any, index: int, copy: int) -> Any:
    return dataclasses.replace(
        paper,
        arxiv_id=f"copy-{copy_letters(copy)}/{index:07d}",
        published=years_back(paper.published, copy),
        updated=years_back(paper.updated, copy),
        versions=tuple((n, years_back(when, copy)) for n, when in paper.versions),
        metadata_updated=years_back(paper.metadata_updated, copy),
        doi=None,
    )


def real_papers(wanted: list[str]) -> dict[str, Any]:
    """The real records whose arXiv ids are in ``wanted``, read from the file."""
    from paperboy.domain.records import SourceRecord
    from paperboy.sources.snapshot import read_snapshot

    keep = set(wanted)
    return {
        item.paper.arxiv_id: item
        for item in read_snapshot(REAL_FILE, on_feed=True)
        if isinstance(item, SourceRecord) and item.paper.arxiv_id in keep
    }


def phase_build(real: int, copies: int) -> dict[str, Any]:
    import numpy as np
    from sqlalchemy import select
    from tqdm import tqdm

    from paperboy.domain.clock import utcnow
    from paperboy.domain.records import SourceRecord
    from paperboy.index.vectors import VectorIndex
    from paperboy.services.finding.indexing import Indexer, embedding_text, vector_folder
    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.store import changes, open_database
    from paperboy.store.embeddings import save_embeddings
    from paperboy.store.schema import paper

    ids, vectors16 = load_real_embeddings(MODEL)
    ids, vectors16 = ids[:real], vectors16[:real]
    folder = store_folder(real, copies)
    settings = settings_for(folder)
    db = open_database(settings.effective_database_url)
    db.migrate()
    timings: dict[str, float] = {}
    records = real_papers(ids)
    position = {pid: i for i, pid in enumerate(ids)}

    def items() -> Iterator[SourceRecord]:
        for copy in range(copies):
            for i, pid in enumerate(ids):
                record = records[pid]
                if copy == 0:
                    yield record
                else:
                    yield SourceRecord(copy_of(record.paper, i, copy), record.location)

    start = time.perf_counter()
    with tqdm(total=real * copies, unit="rec", desc="ingest", file=sys.stderr, mininterval=5) as bar:
        report = ingest_items(
            db,
            items(),
            kind="snapshot",
            detail="bench",
            batch_size=settings.batch_size,
            progress=bar.update,
            prepare_in_background=True,
            bulk_load=True,
        )
    timings["ingest_s"] = time.perf_counter() - start
    print(f"ingest: {report.as_dict()}", file=sys.stderr)

    start = time.perf_counter()
    with tqdm(total=real * copies, unit="paper", desc="keyword index", file=sys.stderr, mininterval=5) as bar:
        Indexer(db, settings).catch_up_keyword(bar.update)
    timings["keyword_index_s"] = time.perf_counter() - start

    with db.connect() as conn:
        revision = changes.latest_revision(conn)
    index = VectorIndex(vector_folder(settings), vectors16.shape[1])
    index.clear()
    rng = np.random.default_rng(5)
    table_s = index_s = 0.0
    last_id = 0
    with tqdm(total=real * copies, unit="vec", desc="vectors", file=sys.stderr, mininterval=5) as bar:
        while True:
            with db.connect() as conn:
                rows = conn.execute(
                    select(paper.c.id, paper.c.arxiv_id, paper.c.title, paper.c.abstract)
                    .where(paper.c.id > last_id)
                    .order_by(paper.c.id)
                    .limit(20_000)
                ).all()
            if not rows:
                break
            last_id = rows[-1].id
            origin = [
                position[r.arxiv_id] if not r.arxiv_id.startswith("copy-") else int(r.arxiv_id.split("/")[1])
                for r in rows
            ]
            matrix = vectors16[origin].astype(np.float32)
            is_copy = np.array([r.arxiv_id.startswith("copy-") for r in rows])
            noise = rng.standard_normal(matrix.shape, dtype=np.float32) * (
                COPY_NOISE / np.sqrt(matrix.shape[1])
            )
            matrix[is_copy] += noise[is_copy]
            matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
            started = time.perf_counter()
            with db.transaction() as conn:
                save_embeddings(
                    conn,
                    MODEL,
                    [
                        (
                            r.id,
                            hashlib.sha1(embedding_text(r.title, r.abstract).encode()).hexdigest(),
                            matrix[i],
                        )
                        for i, r in enumerate(rows)
                    ],
                    utcnow(),
                )
            table_s += time.perf_counter() - started
            started = time.perf_counter()
            index.upsert([r.id for r in rows], matrix)
            index_s += time.perf_counter() - started
            bar.update(len(rows))
    started = time.perf_counter()
    index.save(watermark=revision)
    timings["embedding_table_s"] = table_s
    timings["vector_index_s"] = index_s + time.perf_counter() - started
    db.close()
    return {"real": real, "copies": copies, "papers": index.count(), **timings}


# ---------------------------------------------------------------- queries
METHOD_NAME = re.compile(r"^(?=.*[A-Za-z])(?:[A-Za-z]+[A-Z][A-Za-z]*|[A-Za-z]+-?\d[\w.-]*)$")


def make_queries(folder: Path, count: int, seed: int) -> list[dict[str, str]]:
    """Search-box queries from real titles in the store (see the module docstring)."""
    from sqlalchemy import select

    from paperboy.store import open_database
    from paperboy.store.schema import paper

    db = open_database(settings_for(folder).effective_database_url)
    with db.connect() as conn:
        titles = [
            t for (t,) in conn.execute(select(paper.c.title).where(~paper.c.arxiv_id.startswith("copy-")))
        ]
    db.close()
    rng = random.Random(seed)
    rng.shuffle(titles)
    questions = [t for t in titles if t.rstrip().endswith("?") and len(t) < 90]
    queries: list[dict[str, str]] = []
    kinds = ["title words", "title phrase", "method name", "question"]
    for i, title in enumerate(titles):
        if len(queries) >= count:
            break
        kind = kinds[i % 4]
        words = [w.strip(".,;:()'\"$\\{}[]") for w in title.split()]
        words = [w for w in words if w and re.search(r"[A-Za-z]", w)]
        if kind == "question":
            if not questions:
                continue
            text = questions.pop().rstrip("?").strip()
        elif kind == "method name":
            names = [w for w in words if METHOD_NAME.match(w) and len(w) >= 3]
            if not names:
                continue
            text = rng.choice(names)
        else:
            n = min(len(words), rng.randint(2, 4) if kind == "title words" else rng.randint(2, 3))
            s = rng.randint(0, max(0, len(words) - n))
            text = " ".join(words[s : s + n]).lower()
            if kind == "title phrase":
                text = f'"{text}"'
        if text:
            queries.append({"text": text, "kind": kind})
    return queries


# ---------------------------------------------------------------- searching (a child)
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "mean": statistics.fmean(values),
        "n": len(values),
    }


def phase_search(
    folder: Path, queries: list[dict[str, str]], expansion: int | None, subset_limit: int | None = None
) -> dict[str, Any]:
    from tqdm import tqdm

    from paperboy.search import parse_query
    from paperboy.services.finding.search import MAX_RESULTS, MODES, SearchService
    from paperboy.store import open_database

    settings = settings_for(folder)
    db = open_database(settings.effective_database_url)
    service = SearchService(db, settings)
    _ = service.embedder
    vectors = service._vector_index()
    if expansion is not None:
        vectors._expansion_search = expansion  # what VectorIndex(expansion_search=...) sets
    if subset_limit is not None:
        vectors.subset_scan_limit = subset_limit
    texts = [q["text"] for q in queries]
    cells = [(mode, name) for mode in MODES for name in FILTERS]
    for text in texts[:WARMUP]:
        for mode, name in cells:
            service.search(text + FILTERS[name], mode=mode, per_page=20)
    times: dict[str, list[float]] = {f"{m}|{f}": [] for m, f in cells}
    cpu: dict[str, list[float]] = {f"{m}|{f}": [] for m, f in cells}
    results: dict[str, list[int]] = {f"{m}|{f}": [] for m, f in cells}
    for i, text in enumerate(tqdm(texts, desc="queries", unit="q", file=sys.stderr)):
        for mode, name in cells[i % len(cells) :] + cells[: i % len(cells)]:
            started, cpu_started = time.perf_counter(), time.process_time()
            found = service.search(text + FILTERS[name], mode=mode, per_page=20)
            times[f"{mode}|{name}"].append((time.perf_counter() - started) * 1000)
            cpu[f"{mode}|{name}"].append((time.process_time() - cpu_started) * 1000)
            results[f"{mode}|{name}"].append(len(found.hits))

    embed_ms, ann_ms, ann200_ms, exact_ms, recall, recall200 = [], [], [], [], [], []
    for text in tqdm(texts, desc="ANN vs exact", unit="q", file=sys.stderr):
        started = time.perf_counter()
        vector = service.embedder.embed_query(parse_query(text).text)
        embed_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        ann = vectors.search(vector, k=10)
        ann_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        ann200 = vectors.search(vector, k=MAX_RESULTS)[:10]
        ann200_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        exact = vectors.exact_search(vector, k=10)
        exact_ms.append((time.perf_counter() - started) * 1000)
        truth = {i for i, _ in exact}
        recall.append(len(truth & {i for i, _ in ann}) / len(truth))
        recall200.append(len(truth & {i for i, _ in ann200}) / len(truth))
    db.close()
    return {
        "cells": {k: summary(v) for k, v in times.items()},
        "cpu": {k: summary(v) for k, v in cpu.items()},
        "hits": {k: statistics.fmean(v) for k, v in results.items()},
        "embed": summary(embed_ms),
        "ann": summary(ann_ms),
        "ann200": summary(ann200_ms),
        "exact": summary(exact_ms),
        "recall10": statistics.fmean(recall),
        "recall10_k200": statistics.fmean(recall200),
        "vectors": vectors.count(),
        "exact_scan": vectors.count() <= vectors.exact_scan_limit,
        "expansion": vectors._width(vectors.count()),
        "subset_scan_limit": vectors.subset_scan_limit,
        "loadavg": os.getloadavg()[0],
    }


# ---------------------------------------------------------------- the run (parent)
def run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(HERE), *args], stdout=subprocess.PIPE, text=True, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


def ensure_store(real: int, copies: int, rebuild: bool) -> dict[str, Any]:
    folder = store_folder(real, copies)
    done = folder / "build.json"
    if done.exists() and not rebuild:
        return json.loads(done.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    result = run_child("--phase", "build", "--real", str(real), "--copies", str(copies))
    done.write_text(json.dumps(result))
    return result


def print_report(label: str, found: dict[str, Any]) -> None:
    exact = found["exact"]
    print(
        f"\n### {label}: {found['vectors']:,} vectors "
        f"({'exact scan' if found['exact_scan'] else 'HNSW'}"
        f"{'' if found['expansion'] is None else ', expansion_search ' + str(found['expansion'])}"
        f", subset scan up to {found.get('subset_scan_limit', 0):,} ids), "
        f"load average {found['loadavg']:.1f}\n"
    )
    print(
        "| mode | filter | p50 ms | p95 ms | CPU p50 / p95 ms | p50 vs exact k=10 "
        "| p95 vs same mode unfiltered | mean hits |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for key, v in found["cells"].items():
        mode, name = key.split("|")
        plain, cpu = found["cells"][f"{mode}|none"], found["cpu"][key]
        print(
            f"| {mode} | {name} | {v['p50']:.1f} | {v['p95']:.1f} | {cpu['p50']:.1f} / {cpu['p95']:.1f} | "
            f"{v['p50'] / exact['p50']:.2f}x | {v['p95'] / plain['p95']:.2f}x | {found['hits'][key]:.1f} |"
        )
    embed = found["embed"]
    print(
        f"| query embedding alone | - | {embed['p50']:.1f} | {embed['p95']:.1f} | - | "
        f"{embed['p50'] / exact['p50']:.2f}x | - | - |"
    )
    for name, key, rec in (("ANN k=10", "ann", "recall10"), ("ANN k=200, top 10", "ann200", "recall10_k200")):
        v = found[key]
        print(
            f"| {name} (recall@10 {found[rec]:.3f}) | - | {v['p50']:.2f} | {v['p95']:.2f} | - | "
            f"{v['p50'] / exact['p50']:.2f}x | - | - |"
        )
    print(f"| **exact k=10 (baseline)** | - | {exact['p50']:.2f} | {exact['p95']:.2f} | - | 1.00x | - | - |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=int, default=None, help="real papers (default: all embedded)")
    parser.add_argument("--copies", type=int, action="append", help="expansion factors (default 1)")
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--expansion", type=int, action="append", help="HNSW expansion_search values to try")
    parser.add_argument(
        "--subset-limit", type=int, help="VectorIndex.subset_scan_limit (filters up to it scan their rows)"
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, help="print a saved result-*.json again and stop")
    parser.add_argument("--phase", choices=["build", "search"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    copies_list = args.copies or [1]
    if args.report:
        print_report(args.report.parent.name, json.loads(args.report.read_text()))
        return 0
    if args.phase == "build":
        print("RESULT " + json.dumps(phase_build(args.real, copies_list[0])))
        return 0
    if args.phase == "search":
        queries = json.loads(Path(args.file).read_text())
        expansion = args.expansion[0] if args.expansion else None
        print(
            "RESULT "
            + json.dumps(
                phase_search(store_folder(args.real, copies_list[0]), queries, expansion, args.subset_limit)
            )
        )
        return 0

    embedded = len(load_real_embeddings(MODEL)[0])
    real = min(args.real or embedded, embedded)
    if real == 0:
        sys.exit(f"no real vectors cached under {CACHE}: run bench/embed_real.py first")
    print(
        f"# Search on real papers: {real:,} real of 200,000 embedded so far; goals at 1M: "
        + ", ".join(f"{k} {v:g}" for k, v in GOALS.items())
        + f" ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start, {date.today()})"
    )
    for copies in copies_list:
        build = ensure_store(real, copies, args.rebuild)
        folder = store_folder(real, copies)
        qfile = folder / f"queries-{args.queries}-{args.seed}.json"
        qfile.write_text(json.dumps(make_queries(folder, args.queries, args.seed), indent=1))
        print(
            f"\n{real * copies:,} papers ({real:,} real x {copies}); build: "
            + ", ".join(f"{k} {v:.0f}" for k, v in build.items() if k.endswith("_s"))
        )
        for expansion in args.expansion or [None]:
            extra = ["--expansion", str(expansion)] if expansion is not None else []
            if args.subset_limit is not None:
                extra += ["--subset-limit", str(args.subset_limit)]
            found = run_child(
                "--phase",
                "search",
                "--real",
                str(real),
                "--copies",
                str(copies),
                "--file",
                str(qfile),
                *extra,
            )
            print_report(f"{real * copies:,} papers", found)
            (folder / f"result-{expansion}-{datetime.now():%H%M%S}.json").write_text(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
