"""Topics and the map, measured on a real store: how well the topics agree with arXiv's
primary categories (NMI) against k-means on tf-idf vectors in the same run, how well each
2D layout keeps neighbours (trustworthiness, 10-neighbour overlap) and what it costs, and
what the /map page costs cold, from the cache file and from memory.

Usage:
    PAPERBOY_DATA_DIR=DIR python bench/topic_map.py [--day YYYY-MM-DD] [--period week] [--tsne]

DIR holds a store with embeddings, e.g. `paperboy ingest snapshot
../shared/data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz --feed --last-days 14`
then `paperboy index update`. Figures in docs/insight.md. CPU time is printed beside wall
time: on a shared machine the wall clock mostly measures the queue.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from datetime import date

import numpy as np
from fastapi.testclient import TestClient
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import normalized_mutual_info_score
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from paperboy.config import load_settings
from paperboy.domain.topics import cluster, pca_layout, topic_count, topic_layout
from paperboy.services.feed import period_bounds
from paperboy.services.insight.topic_map import map_folder
from paperboy.store import embeddings as embedding_store
from paperboy.store import feed as feed_store
from paperboy.store import open_database
from paperboy.web import create_app


def row(name: str, *cells: str) -> None:
    print(f"{name:44} " + " ".join(cells))


def timed(call):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def neighbour_overlap(high: np.ndarray, low: np.ndarray, k: int = 10) -> float:
    """The share of each paper's k nearest papers (by cosine) that are still among its k
    nearest on the map."""
    a = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(high).kneighbors(return_distance=False)
    b = NearestNeighbors(n_neighbors=k + 1).fit(low).kneighbors(return_distance=False)
    return float(np.mean([len(set(x[1:]) & set(y[1:])) / k for x, y in zip(a, b, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat)
    parser.add_argument("--period", default="week", choices=("day", "week", "month"))
    parser.add_argument("--tsne", action="store_true", help="also time t-SNE (slow)")
    args = parser.parse_args()
    settings = load_settings()
    db = open_database(settings.effective_database_url)
    with db.connect() as conn:
        day = args.day or conn.exec_driver_sql("SELECT max(day) FROM entry").scalar()
        day = date.fromisoformat(day) if isinstance(day, str) else day
        first, last = period_bounds(day, args.period)
        listed = feed_store.papers_between(conn, first, last)
        vectors = embedding_store.load_vectors(conn, settings.embedding_model, [p.id for p in listed])
    papers = [p.paper for p in listed if p.id in vectors]
    matrix = np.vstack([vectors[p.id] for p in listed if p.id in vectors]).astype(np.float64)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    categories = [r.primary_category or "" for r in papers]
    k = topic_count(len(papers))
    print(f"{first} to {last}: {len(papers):,} papers, {len(set(categories))} primary categories, k = {k}\n")

    print(f"{'topics':44} {'NMI':>6} {'wall s':>8} {'cpu s':>7} {'NMI x tf-idf':>13}")
    with threadpool_limits(1):
        texts = [f"{r.title} {r.abstract}" for r in papers]

        def tfidf_kmeans() -> np.ndarray:
            tfidf = TfidfVectorizer(stop_words="english", min_df=2, sublinear_tf=True).fit_transform(texts)
            return np.asarray(KMeans(n_clusters=k, n_init=3, random_state=0).fit(tfidf).labels_)

        base, wall, cpu = timed(tfidf_kmeans)
        base_nmi = normalized_mutual_info_score(categories, base)
        row("k-means on tf-idf vectors (baseline)", f"{base_nmi:>6.3f} {wall:>8.2f} {cpu:>7.2f} {1.0:>13.2f}")
        ours, wall, cpu = timed(lambda: cluster(matrix, k))
        nmi = normalized_mutual_info_score(categories, ours.assignments)
        row(
            "k-means on embeddings (the map)", f"{nmi:>6.3f} {wall:>8.2f} {cpu:>7.2f} {nmi / base_nmi:>13.2f}"
        )
        for other in (k // 2, 2 * k):
            again, wall, cpu = timed(lambda o=other: cluster(matrix, o))
            nmi = normalized_mutual_info_score(categories, again.assignments)
            cells = f"{nmi:>6.3f} {wall:>8.2f} {cpu:>7.2f} {nmi / base_nmi:>13.2f}"
            row(f"k-means on embeddings, k = {other}", cells)

        print(f"\n{'layout':44} {'trust@10':>9} {'kept@10':>8} {'wall s':>8} {'cpu s':>7}")
        layouts = [
            ("PCA (baseline)", lambda: pca_layout(matrix)),
            ("topic layout (the map)", lambda: topic_layout(matrix, ours)),
        ]
        if args.tsne:
            layouts.append(
                (
                    "t-SNE (sklearn, perplexity 30)",
                    lambda: TSNE(random_state=0, init="pca").fit_transform(matrix),
                )
            )
        for name, make in layouts:
            placed, wall, cpu = timed(make)
            trust = trustworthiness(matrix, placed, n_neighbors=10, metric="cosine")
            kept = neighbour_overlap(matrix, placed)
            print(f"{name:44} {trust:>9.3f} {kept:>8.3f} {wall:>8.2f} {cpu:>7.2f}")

    url = f"/map?day={first.isoformat()}&period={args.period}"
    shutil.rmtree(map_folder(settings), ignore_errors=True)
    print(f"\n{'page':44} {'wall ms':>9} {'cpu ms':>8} {'bytes':>10}")
    with TestClient(create_app(settings, db)) as client:
        page, wall, cpu = timed(lambda: client.get(url))
        svg = page.text[
            page.text.index('<svg class="topic-map') : page.text.index(
                "</svg>", page.text.index('<svg class="topic-map')
            )
            + 6
        ]
        print(
            f"{url + ' cold (computed)':44} {wall * 1000:>9.0f} {cpu * 1000:>8.0f} {len(page.content):>10,}"
        )
        print(f"{'  of which the SVG':44} {'':>9} {'':>8} {len(svg.encode()):>10,}")
        walls, cpus = [], []
        for _ in range(5):
            _, wall, cpu = timed(lambda: client.get(url))
            walls.append(wall)
            cpus.append(cpu)
        row(
            "  again, same process (median of 5)",
            f"{statistics.median(walls) * 1000:>9.1f}",
            f"{statistics.median(cpus) * 1000:>8.1f}",
        )
    with TestClient(create_app(settings, db)) as client:  # a new process's memory: the file serves
        _, wall, cpu = timed(lambda: client.get(url))
        print(f"{'  new process, from the cache file':44} {wall * 1000:>9.1f} {cpu * 1000:>8.1f}")
        _, wall, cpu = timed(lambda: client.get(url + "&q=diffusion"))
        print(f"{'  with &q=diffusion marked':44} {wall * 1000:>9.1f} {cpu * 1000:>8.1f}")


if __name__ == "__main__":
    main()
