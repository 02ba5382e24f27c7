"""Benchmark `paperboy ingest snapshot`: full ingest and re-ingest against a parse baseline.

Usage:
    python bench/ingest.py [--records 100000] [--backend sqlite | --backend postgresql URL]
                           [--repeat 3] [--small 10000] [--gzip] [--profile OUT.prof]

Generates bench/data/arxiv-snapshot-N.jsonl (bench/generate_snapshot.py) if missing,
then runs every phase in a fresh subprocess, so each phase's peak RSS
(resource.getrusage ru_maxrss) is its own:

- parse:    read the lines and json.loads each (what read_snapshot does before it
            builds a Paper); the baseline.
- ingest:   read_snapshot + ingest_items into a freshly migrated store, batch_size from
            settings (PAPERBOY_BATCH_SIZE, default 1000), as `paperboy ingest snapshot`.
- reingest: the same file again into that store; must add 0 and update 0 (asserted).
- the same three on the first --small records, to show that peak memory is flat.

Parse and ingest alternate --repeat times in one run (the machine is shared); the
table shows the median and the spread. Goal: ingest <= 3x parse, flat peak memory.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from generate_snapshot import default_path, write_snapshot  # noqa: E402

HERE = Path(__file__).resolve()


# ---------------------------------------------------------------- phases (in a child)
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def phase_idle() -> dict[str, Any]:
    """Interpreter plus the imports the ingest needs: the floor under every peak."""
    import paperboy.services.ingest  # noqa: F401
    import paperboy.sources.snapshot  # noqa: F401
    import paperboy.store  # noqa: F401

    return {"seconds": 0.0, "records": 0}


def phase_parse(path: Path, limit: int | None) -> dict[str, Any]:
    from tqdm import tqdm

    from paperboy.sources.snapshot import open_snapshot

    records = 0
    start = time.perf_counter()
    with (
        open_snapshot(path) as stream,
        tqdm(total=limit, unit="rec", desc="parse", file=sys.stderr, mininterval=1) as bar,
    ):
        for raw in itertools.islice(stream, limit):
            # Exactly what _read_line does before paper_from_snapshot.
            if raw.strip():
                json.loads(raw.decode("utf-8"))
                records += 1
                if records % 1000 == 0:
                    bar.update(1000)
    return {"seconds": time.perf_counter() - start, "records": records}


def phase_ingest(
    path: Path, url: str, limit: int | None, migrate: bool, profile: str | None
) -> dict[str, Any]:
    from tqdm import tqdm

    from paperboy.config import load_settings
    from paperboy.services.ingest import ingest_items
    from paperboy.sources.snapshot import read_snapshot
    from paperboy.store import open_database

    db = open_database(url)
    if migrate:
        db.migrate()
    batch_size = load_settings().batch_size
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with tqdm(total=limit, unit="rec", desc="ingest", file=sys.stderr, mininterval=1) as bar:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        report = ingest_items(
            db,
            itertools.islice(read_snapshot(path), limit),
            kind="snapshot",
            detail=str(path),
            batch_size=batch_size,
            progress=bar.update,
            prepare_in_background=True,  # as `paperboy ingest snapshot` does
        )
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - start
    if profiler and profile:
        profiler.dump_stats(profile)
    db.close()
    counts = report.as_dict()
    return {
        "seconds": seconds,
        "records": report.added + report.updated + report.unchanged + report.rejected,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "error": counts.get("error"),
        "batch_size": batch_size,
    }


def phase_store_floor(path: Path, url: str, limit: int | None) -> dict[str, Any]:
    """The least any ingest must spend storing these papers: the same rows, already
    built, written by one raw executemany per 1,000 into Paperboy's schema and indexes.
    Only the writing is timed."""
    import orjson

    from paperboy.domain import SourceRecord
    from paperboy.domain.clock import utcnow
    from paperboy.services.validate import validate_paper
    from paperboy.sources.snapshot import read_snapshot
    from paperboy.store import open_database
    from paperboy.store.papers import paper_to_row

    db = open_database(url)
    db.migrate()
    now = utcnow()
    rows = []
    for item in itertools.islice(read_snapshot(path), limit):
        if isinstance(item, SourceRecord):
            row = paper_to_row(*validate_paper(item.paper))
            row.update(first_seen=now, changed_at=now, revision=1, withdrawn=False)
            rows.append(row)
    columns = list(rows[0])

    def stored(value: Any) -> Any:
        if isinstance(value, (list, dict)):
            return orjson.dumps(value).decode()
        if hasattr(value, "isoformat"):
            return value.isoformat(" ") if hasattr(value, "hour") else value.isoformat()
        return value

    tuples = [tuple(stored(r[c]) for c in columns) for r in rows]
    sql = f"INSERT INTO paper ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    start = time.perf_counter()
    for first in range(0, len(tuples), 1000):
        with db.transaction() as conn:
            conn.exec_driver_sql(sql, tuples[first : first + 1000])
    seconds = time.perf_counter() - start
    db.close()
    return {"seconds": seconds, "records": len(tuples)}


def child_main(args: argparse.Namespace) -> int:
    path, limit = Path(args.file) if args.file else None, args.limit
    if args.phase == "idle":
        result = phase_idle()
    elif args.phase == "store-floor":
        assert path
        result = phase_store_floor(path, args.url, limit)
    elif args.phase == "parse":
        assert path
        result = phase_parse(path, limit)
    else:
        assert path
        result = phase_ingest(path, args.url, limit, args.phase == "ingest", args.profile)
    result["peak_rss_mb"] = _peak_rss_mb()
    print("RESULT " + json.dumps(result))
    return 0


# ---------------------------------------------------------------- the run (parent)
def run_phase(
    phase: str, path: Path | None = None, url: str = "", limit: int | None = None, profile: str | None = None
) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE), "--phase", phase, "--url", url]
    if path:
        cmd += ["--file", str(path)]
    if limit:
        cmd += ["--limit", str(limit)]
    if profile:
        cmd += ["--profile", profile]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


class Store:
    """A fresh, empty store per ingest: a new SQLite file, or PostgreSQL tables dropped."""

    def __init__(self, backend: str, url: str | None, workdir: Path) -> None:
        self.backend, self.url, self.workdir, self.count = backend, url, workdir, 0

    def fresh(self) -> str:
        self.count += 1
        if self.backend == "sqlite":
            return f"sqlite:///{self.workdir / f'bench-{self.count}.db'}"
        assert self.url
        from sqlalchemy import text

        from paperboy.store import open_database

        db = open_database(self.url)
        with db.transaction() as conn:
            from paperboy.store.schema import metadata

            names = [*metadata.tables, "alembic_version"]
            present = set(
                conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                ).scalars()
            )
            if (
                "paper" in present
                and conn.execute(text("SELECT count(*) FROM paper")).scalar()
                and not os.environ.get("BENCH_DROP_OK")
            ):
                raise SystemExit(
                    f"{self.url}: the paper table has rows; point --backend at an empty "
                    "database (or set BENCH_DROP_OK=1 to drop its tables)"
                )
            for name in names:
                if name in present:
                    conn.execute(text(f'DROP TABLE "{name}" CASCADE'))
        db.close()
        return self.url


def _mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def measure(path: Path, store: Store, limit: int | None, repeat: int) -> dict[str, list[dict[str, Any]]]:
    runs: dict[str, list[dict[str, Any]]] = {"parse": [], "store-floor": [], "ingest": [], "reingest": []}
    for attempt in range(repeat):
        runs["parse"].append(run_phase("parse", path, limit=limit))
        if store.backend == "sqlite":
            runs["store-floor"].append(run_phase("store-floor", path, store.fresh(), limit))
        url = store.fresh()
        runs["ingest"].append(run_phase("ingest", path, url, limit))
        again = run_phase("reingest", path, url, limit)
        assert again["added"] == 0 and again["updated"] == 0, (
            f"re-ingest changed the store: {again['added']} added, {again['updated']} updated"
        )
        runs["reingest"].append(again)
        print(
            f"  run {attempt + 1}/{repeat}: parse {runs['parse'][-1]['seconds']:.1f}s, "
            f"ingest {runs['ingest'][-1]['seconds']:.1f}s ({runs['ingest'][-1]['added']:,} added, "
            f"{runs['ingest'][-1]['rejected']} rejected), re-ingest {again['seconds']:.1f}s "
            f"({again['added']} added, {again['updated']} updated, {again['unchanged']:,} unchanged)",
            file=sys.stderr,
        )
    return runs


def table(label: str, runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    parse = statistics.median(r["seconds"] for r in runs["parse"])
    rows = []
    for phase, results in runs.items():
        if not results:
            continue
        seconds = [r["seconds"] for r in results]
        median = statistics.median(seconds)
        records = results[0]["records"]
        spread = f"{min(seconds):.2f}–{max(seconds):.2f}" if len(seconds) > 1 else "-"
        rows.append(
            f"| {phase} | {label} | {median:.2f} | {spread} | {records / median:,.0f} | "
            f"{median / parse:.1f}x | {max(r['peak_rss_mb'] for r in results):.0f} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--backend", nargs="+", default=["sqlite"], metavar=("sqlite|postgresql", "URL"))
    parser.add_argument("--repeat", type=int, default=3, help="alternate parse and ingest this many times")
    parser.add_argument(
        "--small", type=int, default=10_000, help="also measure the first N records (0: skip)"
    )
    parser.add_argument("--gzip", action="store_true", help="benchmark a gzip snapshot")
    parser.add_argument(
        "--profile", help="after the timed runs, cProfile one more full ingest into this file"
    )
    # Child-process arguments (one phase per process).
    parser.add_argument(
        "--phase", choices=["idle", "parse", "ingest", "reingest", "store-floor"], help=argparse.SUPPRESS
    )
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        return child_main(args)

    backend = args.backend[0]
    if (
        backend not in ("sqlite", "postgresql")
        or (backend == "postgresql") != (len(args.backend) == 2)
        or len(args.backend) > 2
    ):
        parser.error("--backend is `sqlite` or `postgresql URL`")
    path = default_path(args.records, args.gzip)
    if not path.exists():
        write_snapshot(path, args.records, compressed=args.gzip)
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp:
        store = Store(backend, args.backend[1] if len(args.backend) == 2 else None, Path(tmp))
        idle = run_phase("idle")
        results = []
        if args.small and args.small < args.records:
            print(f"first {args.small:,} records of {path.name}", file=sys.stderr)
            results.append((f"{args.small // 1000}k", measure(path, store, args.small, args.repeat)))
        print(f"{path.name}: {args.records:,} records", file=sys.stderr)
        results.append((f"{args.records // 1000}k", measure(path, store, None, args.repeat)))
        if args.profile:
            # An extra, untimed run: cProfile slows the ingest by half again.
            print(f"profiling one more ingest into {args.profile}", file=sys.stderr)
            run_phase("ingest", path, store.fresh(), None, profile=args.profile)

    batch = results[-1][1]["ingest"][0]["batch_size"]
    print(
        f"\n{path.name} ({_mb(path):,.0f} MB), {backend}, batch_size {batch}, "
        f"median of {args.repeat}, {os.cpu_count()} cores; interpreter + imports alone peak at "
        f"{idle['peak_rss_mb']:.0f} MB RSS\n"
    )
    print("Goal: ingest <= 3x parse, flat peak memory (10k and 100k peaks alike).\n")
    print("| phase | records | seconds (median) | spread | records/s | vs parse | peak RSS MB |")
    print("|---|---|---:|---|---:|---:|---:|")
    for label, runs in results:
        for row in table(label, runs):
            print(row)
    full = results[-1][1]
    ratio = statistics.median(r["seconds"] for r in full["ingest"]) / statistics.median(
        r["seconds"] for r in full["parse"]
    )
    again = full["reingest"][-1]
    print(
        f"\nre-ingest: {again['added']} added, {again['updated']} updated, "
        f"{again['unchanged']:,} unchanged (asserted 0 / 0)"
    )
    print(f"ingest is {ratio:.1f}x parse: {'meets' if ratio <= 3 else 'MISSES'} the <= 3x goal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
