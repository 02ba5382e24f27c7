"""What the insight pages cost on a real store: author pages (a prolific author reads
hundreds of rows), a search's weekly trend (a date histogram in the keyword index) and the
home page's rising categories, each against a paper page measured in the same run.

Usage:
    PAPERBOY_DATA_DIR=DIR python bench/insight_pages.py [--repeat 5] [--author NAME ...] [--query Q ...]

DIR holds a store and its keyword index, e.g. built from ../shared/data/arxiv-2025-2026/ by
`paperboy ingest snapshot ... --feed --last-days 14` (docs/insight.md gives the figures).
Pages are requested in process (FastAPI's TestClient), warm (one request first), median of
--repeat; wall and CPU time are both shown because a shared machine's wall clock mostly
measures the queue.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from fastapi.testclient import TestClient

from paperboy.config import load_settings
from paperboy.search import parse_query
from paperboy.services.finding.activity import weekly_trend
from paperboy.services.finding.search import SearchService
from paperboy.services.insight.rising import rising_categories
from paperboy.store import open_database
from paperboy.web import create_app
from paperboy.web.cards import author_page_url

DEFAULT_AUTHORS = ("Yang Liu", "Wei Wang", "Sergey Levine", "Yoshua Bengio")
DEFAULT_QUERIES = ("graph neural networks", "diffusion", "cat:cs.LG")


def timed(call, repeat: int) -> tuple[object, float, float]:  # type: ignore[no-untyped-def]
    result = call()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--author", action="append")
    parser.add_argument("--query", action="append")
    args = parser.parse_args()
    settings = load_settings()
    db = open_database(settings.effective_database_url)
    with db.connect() as conn:
        key = conn.exec_driver_sql("SELECT key FROM paper ORDER BY id DESC LIMIT 1").scalar()
        latest = conn.exec_driver_sql("SELECT max(day) FROM entry").scalar()
    rows: list[tuple[str, str, float, float]] = []
    with TestClient(create_app(settings, db)) as client:
        _, base, base_cpu = timed(lambda: client.get(f"/papers/{key}"), args.repeat)
        rows.append((f"/papers/{key} (baseline)", "", base, base_cpu))
        for name in args.author or DEFAULT_AUTHORS:
            page, wall, cpu = timed(lambda n=name: client.get(author_page_url(n)), args.repeat)
            found = re.search(r"([\d,]+) papers? in this library", page.text)  # type: ignore[attr-defined]
            rows.append((f"author page: {name}", found.group(1) if found else "404", wall, cpu))
        service = SearchService(db, settings)
        for query in args.query or DEFAULT_QUERIES:
            parsed = parse_query(query)
            trend, wall, cpu = timed(lambda p=parsed: weekly_trend(service.keyword_index, p), args.repeat)
            rows.append((f"weekly trend: {query}", f"{trend.total:,}" if trend else "-", wall, cpu))  # type: ignore[attr-defined]
        if latest is not None:
            day = latest if not isinstance(latest, str) else __import__("datetime").date.fromisoformat(latest)
            _, wall, cpu = timed(lambda: rising_categories(db, day), args.repeat)
            rows.append((f"rising categories, week to {day}", "", wall, cpu))
    # The ratio is of CPU time: on a loaded machine the wall clock is mostly the queue.
    print(f"{'what':48} {'papers':>8} {'wall ms':>9} {'cpu ms':>8} {'cpu x paper page':>17}")
    for what, papers, wall, cpu in rows:
        print(f"{what:48} {papers:>8} {wall:>9.1f} {cpu:>8.1f} {cpu / base_cpu:>17.2f}")


if __name__ == "__main__":
    main()
