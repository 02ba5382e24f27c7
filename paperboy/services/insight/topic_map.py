"""The map of a period's topics: its papers' stored embeddings clustered, each topic named
by its distinctive phrases, laid out in two dimensions (paperboy.domain.topics).

Computing a busy week takes seconds, so a map is kept in a file under the data folder,
named by the period and by what it was computed from: the vector index's revision and the
newest feed entry. When either moves, the next request computes a new map and removes the
period's older file; until then every request reads the file (or the process's copy)."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from paperboy.config import Settings
from paperboy.domain.topics import cluster, topic_count, topic_labels, topic_layout
from paperboy.index.watermark import read_watermark
from paperboy.services.feed import Period, period_bounds
from paperboy.services.finding.indexing import vector_folder
from paperboy.store import Database
from paperboy.store import embeddings as embedding_store
from paperboy.store import feed as feed_store

CACHE_FORMAT = 1
# One cold map at a time per process: each costs seconds of CPU, so requests for many
# uncached periods at once (a crawler, or someone trying to tie the site up) queue here
# instead of starving every other page of the two cores.
_COMPUTING = threading.Lock()


@dataclass(frozen=True, slots=True)
class MapPoint:
    paper_id: int
    key: str
    title: str
    topic: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Topic:
    number: int  # 0 is the largest
    labels: tuple[str, ...]  # most distinctive first; may be empty for a tiny topic
    size: int

    @property
    def name(self) -> str:
        return ", ".join(self.labels) if self.labels else f"Topic {self.number + 1}"


@dataclass(frozen=True)
class TopicMap:
    period: Period
    first_day: date
    last_day: date
    revision: str  # what the map was computed from (the cache key)
    points: tuple[MapPoint, ...]
    topics: tuple[Topic, ...]
    unembedded: int  # papers of the period without an embedding yet (not on the map)
    seconds: float  # how long computing it took

    def topic(self, number: int) -> Topic | None:
        return self.topics[number] if 0 <= number < len(self.topics) else None

    def papers_of(self, number: int) -> list[MapPoint]:
        return [p for p in self.points if p.topic == number]


def map_folder(settings: Settings) -> Path:
    return settings.data_dir / "cache" / "maps"


def map_revision(db: Database, settings: Settings) -> str:
    """What a map depends on, cheaply: the vector index's revision and the newest entry."""
    with db.connect() as conn:
        newest_entry = feed_store.newest_entry_id(conn)
    return f"v{read_watermark(vector_folder(settings))}-e{newest_entry}"


def topic_map(db: Database, settings: Settings, day: date, period: Period) -> TopicMap:
    """The map of the period around day: read from the cache file, or computed and saved."""
    first, last = period_bounds(day, period)
    revision = map_revision(db, settings)
    path = map_folder(settings) / f"map-{period}-{first.isoformat()}-{revision}.json"
    cached = _read(path)
    if cached is not None:
        return cached
    with _COMPUTING:
        cached = _read(path)  # drawn by the request this one waited for
        if cached is not None:
            return cached
        computed = compute_map(db, settings, first, last, period, revision)
        _write(path, computed)
    return computed


def compute_map(
    db: Database, settings: Settings, first: date, last: date, period: Period, revision: str = ""
) -> TopicMap:
    started = time.perf_counter()
    with db.connect() as conn:
        listed = feed_store.papers_between(conn, first, last)
        vectors = embedding_store.load_vectors(conn, settings.embedding_model, [p.id for p in listed])
    placed = [p for p in listed if p.id in vectors]
    if not placed:
        return TopicMap(period, first, last, revision, (), (), len(listed), time.perf_counter() - started)
    matrix = np.vstack([vectors[p.id] for p in placed])
    # One BLAS thread: on a busy machine many threads spinning over small matrices made
    # k-means and the layout 15 to 50 times slower (bench/topic_map.py); one is enough here.
    with threadpool_limits(1):
        clustering = cluster(matrix, topic_count(len(placed)))
        layout = topic_layout(matrix, clustering)
    labels = topic_labels([(p.paper.title, p.paper.abstract) for p in placed], clustering.assignments)
    sizes = np.bincount(clustering.assignments, minlength=len(labels))
    points = tuple(
        MapPoint(p.id, p.key, p.paper.title, int(t), round(float(x), 5), round(float(y), 5))
        for p, t, (x, y) in zip(placed, clustering.assignments.tolist(), layout, strict=True)
    )
    topics = tuple(Topic(n, tuple(labels[n]), int(sizes[n])) for n in range(len(labels)))
    unembedded = len(listed) - len(placed)
    return TopicMap(period, first, last, revision, points, topics, unembedded, time.perf_counter() - started)


def _read(path: Path) -> TopicMap | None:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None  # none yet, or a damaged file: compute it again
    if data.get("format") != CACHE_FORMAT:
        return None
    return TopicMap(
        data["period"],
        date.fromisoformat(data["first_day"]),
        date.fromisoformat(data["last_day"]),
        data["revision"],
        tuple(MapPoint(*p) for p in data["points"]),
        tuple(Topic(n, tuple(labels), size) for n, labels, size in data["topics"]),
        data["unembedded"],
        data["seconds"],
    )


def _write(path: Path, found: TopicMap) -> None:
    """Write atomically, then remove the period's maps of older revisions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {
        "format": CACHE_FORMAT,
        "period": found.period,
        "first_day": found.first_day.isoformat(),
        "last_day": found.last_day.isoformat(),
        "revision": found.revision,
        "points": [[p.paper_id, p.key, p.title, p.topic, p.x, p.y] for p in found.points],
        "topics": [[t.number, list(t.labels), t.size] for t in found.topics],
        "unembedded": found.unembedded,
        "seconds": found.seconds,
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")))
    os.replace(tmp, path)
    prefix = f"map-{found.period}-{found.first_day.isoformat()}-"
    for old in path.parent.glob(f"{prefix}*.json"):
        if old != path:
            old.unlink(missing_ok=True)
