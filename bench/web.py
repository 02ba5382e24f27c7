"""Web throughput and latency: `paperboy serve` on a store of 10k+ papers on feed days,
loaded by wrk with 50 concurrent connections over loopback.

Usage:
    python bench/web.py [--records 12000] [--seconds 10] [--connections 50] [--workers 2]
    python bench/web.py --data-dir bench/out/search-real-N-x1 --workers 2

With --data-dir, the server runs on that existing store and its indexes (e.g. the real
papers, with their real embeddings, that bench/search_real.py builds) instead of a
synthetic one: the feed day is the store's busiest, the paper page one of its papers,
and search rotates through the queries bench/search_real.py saved beside the store
(real title words, phrases, method names and questions), one per request.

Each target is measured in the same run as a static file served by the same server,
the baseline: the ratio says what the page's own work costs next to the framework.

The server runs twice (--page-cache both, the default): as configured by default, where
signed-out pages are kept and served again (web/page_cache.py; wrk is signed out, so
after its first request to an address every later one is a kept page: what a day's page
or a popular search costs when many readers open it), and with
PAPERBOY_PAGE_CACHE_SECONDS=0, where every request renders (what a page costs the first
time, or for a signed-in reader).
Needs Debian's `wrk` (apt-get install wrk). Search is measured only when the search
service exists (paperboy.services.finding.search).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from paperboy.config import Settings  # noqa: E402
from paperboy.domain import FeedEntry, SourceRecord  # noqa: E402
from paperboy.services.gathering.ingest import ingest_items  # noqa: E402
from paperboy.sources.snapshot import read_snapshot  # noqa: E402
from paperboy.store import open_database  # noqa: E402

TEST_MODEL_CACHE = ROOT / ".pytest_cache" / "d" / "paperboy-embed-models"
FEED_DAYS = 60
FIRST_DAY = date(2024, 6, 3)
# wrk prints one JSON line from done(): requests/s, p50/p95/p99 latency (µs) and errors.
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format('{"requests": %d, "seconds": %f, "p50": %d, "p95": %d, "p99": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), errors))
end
"""


def build_store(folder: Path, records: int) -> tuple[str, list[str]]:
    """A SQLite store with `records` synthetic papers spread over FEED_DAYS feed days."""
    snapshot = folder / "snapshot.jsonl"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate_snapshot.py"),
            "--records",
            str(records),
            "--out",
            str(snapshot),
        ],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    url = f"sqlite:///{folder / 'data' / 'paperboy.db'}"
    db = open_database(url)
    db.migrate()
    rng = random.Random(7)
    keys: list[str] = []

    def on_feed_days():  # type: ignore[no-untyped-def]
        for item in read_snapshot(snapshot):
            if isinstance(item, SourceRecord):
                keys.append(item.paper.arxiv_id or "")
                day = FIRST_DAY + timedelta(days=rng.randrange(FEED_DAYS))
                yield SourceRecord(
                    item.paper,
                    item.location,
                    FeedEntry(day, "hf", submitted_by="bench", upvotes=rng.randrange(200)),
                )

    report = ingest_items(db, on_feed_days(), kind="bench")
    print(
        f"store: {report.added:,} papers on {FEED_DAYS} feed days ({report.entries_added:,} entries)",
        file=sys.stderr,
    )
    from web_server import index_store

    started = time.perf_counter()
    index_store(db, Settings(data_dir=folder / "data", database_url=url))
    print(f"indexed in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    db.close()
    return url, [k for k in keys if k]


ROTATE = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def existing_store(folder: Path) -> tuple[str, str, str, list[str]]:
    """(database URL, busiest feed day, a paper key on it, search paths) of a built store."""
    from urllib.parse import quote_plus

    from sqlalchemy import func, select

    from paperboy.store.schema import entry, paper

    url = f"sqlite:///{folder / 'paperboy.db'}"
    db = open_database(url)
    with db.connect() as conn:
        day = conn.execute(
            select(entry.c.day).group_by(entry.c.day).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        key = conn.execute(
            select(paper.c.arxiv_id)
            .join(entry, entry.c.paper_id == paper.c.id)
            .where(entry.c.day == day)
            .limit(1)
        ).scalar_one()
    db.close()
    saved = sorted(folder.glob("queries-*.json"))
    texts = [q["text"] for q in json.loads(saved[0].read_text())] if saved else ["neural network memory"]
    return url, day.isoformat(), key, [f"/search?q={quote_plus(t)}" for t in texts]


def run_wrk(
    url: str, seconds: int, connections: int, script: Path, rotate: list[str] | None = None
) -> dict[str, float]:
    if rotate:
        script = script.with_name("rotate.lua")
        script.write_text(ROTATE % ", ".join(json.dumps(p) for p in rotate) + WRK_REPORT)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report = json.loads(out.strip().splitlines()[-1])
    return {
        "rps": report["requests"] / report["seconds"],
        "p95_ms": report["p95"] / 1000,
        "p50_ms": report["p50"] / 1000,
        "errors": report["errors"],
        "requests": report["requests"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=12_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--data-dir", type=Path, help="serve this built store instead of a synthetic one")
    parser.add_argument(
        "--page-cache",
        choices=["both", "kept", "off"],
        default="both",
        help="runs with kept pages, without, or both",
    )
    args = parser.parse_args()
    runs = [
        (label, extra)
        for label, extra in (
            ("pages kept (default)", None),
            ("every request rendered", {"PAPERBOY_PAGE_CACHE_SECONDS": "0"}),
        )
        if args.page_cache == "both" or (args.page_cache == "kept") == (extra is None)
    ]

    from web_server import running_server

    with tempfile.TemporaryDirectory(prefix="paperboy-bench-web-") as tmp:
        folder = Path(tmp)
        searches: list[str] | None = None
        if args.data_dir:
            data_dir = args.data_dir.resolve()
            url, busiest, key, searches = existing_store(data_dir)
            model_dir = Path(os.environ.get("PAPERBOY_MODEL_DIR", TEST_MODEL_CACHE))
            described = f"{data_dir.name}, feed day {busiest}"
        else:
            url, keys = build_store(folder, args.records)
            data_dir, model_dir = folder / "data", folder / "data" / "models"
            busiest, key = (FIRST_DAY + timedelta(days=FEED_DAYS // 2)).isoformat(), keys[len(keys) // 2]
            described = f"{args.records:,} synthetic papers"
        script = folder / "report.lua"
        script.write_text(WRK_REPORT)
        targets = [
            ("static file (baseline)", "/static/style.css", None),
            ("feed day", f"/papers/{busiest}", None),
            ("feed week", f"/papers/{busiest}?period=week", None),
            ("paper page", f"/papers/{key}", None),
            ("API day (JSON)", f"/api/papers?date={busiest}", None),
            ("search (hybrid)", "/search?q=neural+network+memory", searches),
        ]
        results = []
        for label, extra in runs:
            with running_server(
                url, data_dir, model_dir, timeout=120, workers=args.workers, settings=extra
            ) as base:
                # Untimed: the server answers once one worker is up; this lets every worker start.
                run_wrk(base + targets[0][1], 3, args.connections, script)
                rows = [
                    (name, path, run_wrk(base + path, args.seconds, args.connections, script, rotate))
                    for name, path, rotate in targets
                ]
            results.append((label, rows))
    errors = 0
    for label, rows in results:
        baseline = rows[0][2]["rps"]
        print(
            f"\n{described}, SQLite, {args.workers} uvicorn worker(s), {label}, "
            f"wrk -c{args.connections} for {args.seconds}s each"
            + (f", search rotating over {len(searches)} real queries" if searches else "")
            + "\n"
        )
        print(
            f"| {'target':<24} | {'req/s':>8} | {'p50 ms':>7} | {'p95 ms':>7} "
            f"| {'vs static':>9} | {'errors':>6} |"
        )
        print(f"|{'-' * 26}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 11}|{'-' * 8}|")
        for name, _, r in rows:
            print(
                f"| {name:<24} | {r['rps']:>8,.0f} | {r['p50_ms']:>7.1f} | {r['p95_ms']:>7.1f} | "
                f"{r['rps'] / baseline:>8.2f}x | {r['errors']:>6} |"
            )
            errors += int(r["errors"])
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
