"""What a whole day on one page costs: a real arXiv day (about 1,000 papers) rendered by the
feed page, its server time and its size.

Usage:
    python bench/day_page.py [--day 2025-07-08] [--repeat 10] [--database-url URL]

The papers are the real records of one listing day, read from
../shared/data/arxiv-2025-2026/ (never copied into the repository) and put on that feed day
through the ordinary ingest path; a few hundred get upvotes from a source and some get
comments, so the counts are not all zero. Each page is requested in process (FastAPI's
TestClient: the app's own time, no network), signed out, first with the formula and card
caches empty (a fresh process would be in that state), then --repeat times warm. Wall and CPU
time are both shown: on a busy shared machine the wall clock mostly measures the queue.

Baseline, measured in the same run on the same store: the week view's first page (50
cards), the size the feed had before whole days.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fastapi.testclient import TestClient  # noqa: E402

from paperboy.config import Settings  # noqa: E402
from paperboy.domain import FeedEntry, SourceRecord  # noqa: E402
from paperboy.services.gathering.ingest import ingest_items  # noqa: E402
from paperboy.sources.snapshot import read_snapshot  # noqa: E402
from paperboy.store import open_database  # noqa: E402
from paperboy.web import create_app  # noqa: E402
from paperboy.web.mathml import clear_caches  # noqa: E402

SNAPSHOT = ROOT.parent / "shared" / "data" / "arxiv-2025-2026" / "arxiv-metadata-oai-snapshot.jsonl.gz"


def load_day(database_url: str, day: date) -> int:
    db = open_database(database_url)
    db.migrate()
    rng = random.Random(7)

    def on_the_day():  # type: ignore[no-untyped-def]
        for item in read_snapshot(SNAPSHOT):
            if isinstance(item, SourceRecord) and item.paper.metadata_updated == day:
                upvotes = rng.randrange(60) if rng.random() < 0.3 else 0
                yield SourceRecord(item.paper, item.location, FeedEntry(day, "arxiv", upvotes=upvotes))

    report = ingest_items(db, on_the_day(), kind="bench")
    db.close()
    return report.added


def timed(client: TestClient, path: str, repeat: int) -> tuple[float, list[float], list[float], int]:
    """(cold wall ms, warm wall ms, warm CPU ms, bytes). CPU time is the process's own (all
    threads), which a busy shared machine inflates far less than the wall clock. Cold: the
    formula and card caches emptied first, as in a freshly started server."""
    clear_caches()
    client.app.state.templates.env.globals["card_parts"].clear()  # type: ignore[attr-defined]
    started = time.perf_counter()
    first = client.get(path)
    cold = (time.perf_counter() - started) * 1000
    assert first.status_code == 200, first.status_code
    wall, cpu = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(path)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return cold, wall, cpu, len(first.content)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--day", type=date.fromisoformat, default=date(2025, 7, 8))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-day-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/paperboy.db"
        started = time.perf_counter()
        papers = load_day(url, args.day)
        print(
            f"{papers:,} papers of {args.day} loaded in {time.perf_counter() - started:.0f}s", file=sys.stderr
        )
        db = open_database(url)
        app = create_app(Settings(data_dir=Path(tmp), database_url=url), db)
        targets = [
            ("week, first 50 cards (baseline)", f"/papers/{args.day}?period=week"),
            ("whole day, comfortable", f"/papers/{args.day}"),
            ("whole day, compact", f"/papers/{args.day}"),
            ("whole day, one category", f"/papers/{args.day}?cat=cs.CV"),
            ("whole day, most discussed", f"/papers/{args.day}?sort=discussed"),
        ]
        rows = []
        with TestClient(app) as client:
            for name, path in targets:
                client.cookies.set("paperboy_layout", "compact" if "compact" in name else "comfortable")
                cards = client.get(path).text.count("<article class=")
                cold, wall, cpu, size = timed(client, path, args.repeat)
                rows.append(
                    (name, cards, cold, statistics.median(wall), min(cpu), statistics.median(cpu), size)
                )
        db.close()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"\n{papers:,} papers on {args.day}, {backend}, in process, signed out, "
        f"{args.repeat} warm requests each, {datetime.now():%Y-%m-%d}\n"
    )
    print("| page | cards | cold wall ms | warm wall ms (median) | warm CPU ms (min) | (median) | HTML KB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, cards, cold, wall, cpu_min, cpu_median, size in rows:
        print(
            f"| {name} | {cards:,} | {cold:.0f} | {wall:.0f} | {cpu_min:.0f} | {cpu_median:.0f} "
            f"| {size / 1024:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
