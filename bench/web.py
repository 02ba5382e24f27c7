"""Web throughput and latency: `paperboy serve` on a store of 10k+ papers on feed days,
loaded by wrk with 50 concurrent connections over loopback.

Usage:
    python bench/web.py [--records 12000] [--seconds 10] [--connections 50]

Each target is measured in the same run as a static file served by the same server,
the baseline: the ratio says what the page's own work costs next to the framework.
Needs Debian's `wrk` (apt-get install wrk). Search is measured only when the search
service exists (paperboy.services.search).
"""

from __future__ import annotations

import argparse
import json
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
from paperboy.services.ingest import ingest_items  # noqa: E402
from paperboy.sources.snapshot import read_snapshot  # noqa: E402
from paperboy.store import open_database  # noqa: E402

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


def run_wrk(url: str, seconds: int, connections: int, script: Path) -> dict[str, float]:
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
    args = parser.parse_args()

    from web_server import running_server

    with tempfile.TemporaryDirectory(prefix="paperboy-bench-web-") as tmp:
        folder = Path(tmp)
        url, keys = build_store(folder, args.records)
        script = folder / "report.lua"
        script.write_text(WRK_REPORT)
        busiest = (FIRST_DAY + timedelta(days=FEED_DAYS // 2)).isoformat()
        targets = [
            ("static file (baseline)", "/static/style.css"),
            ("feed day (30 cards)", f"/papers/{busiest}"),
            ("feed week (30 cards)", f"/papers/{busiest}?period=week"),
            ("paper page", f"/papers/{keys[len(keys) // 2]}"),
            ("API day (JSON)", f"/api/papers?date={busiest}"),
            ("search (hybrid)", "/search?q=neural+network+memory"),
        ]
        with running_server(
            url, folder / "data", folder / "data" / "models", timeout=60, workers=args.workers
        ) as base:
            rows = [
                (name, path, run_wrk(base + path, args.seconds, args.connections, script))
                for name, path in targets
            ]
    baseline = rows[0][2]["rps"]
    print(
        f"\n{args.records:,} papers, SQLite, {args.workers} uvicorn worker(s), "
        f"wrk -c{args.connections} for {args.seconds}s each\n"
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
    return 1 if any(r["errors"] for _, _, r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
