"""Benchmark `paperboy ingest snapshot` on the real 200k-record file against parsing it.

Usage:
    python bench/ingest.py [--file PATH] [--limit N] [--postgresql URL] [--steps]
                           [--profile OUT.prof]

The file defaults to ../shared/data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz
(relative to the checkout): gzip as shipped. An uncompressed copy is written once to
bench/out/ (ignored by git) and measured too. Every phase runs in a fresh subprocess:

- parse:    read_snapshot alone (decompress, orjson, build each domain Paper): the
            baseline, once per file.
- ingest:   import_snapshot, as `paperboy ingest snapshot --no-index` does, into a
            fresh store: a new SQLite file, and (with --postgresql) a new database.
- reimport: the same file again into that store; must add 0 and update 0 (asserted).

--steps adds the SQLite and PostgreSQL variants that show what each part of the bulk
path buys, on the uncompressed file (where the store's share is largest): transactions
of 1,000 records with every index kept, transactions of 20,000, indexes built after
(what import_snapshot does), plus SQLite's synchronous=OFF, and no background child.

The machine is shared: ratios are against the parse measured in the same run.
Goal: ingest <= 3x parse.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
CHECKOUT = HERE.parents[1]
REAL_FILE = CHECKOUT.parent / "shared" / "data" / "arxiv-2025-2026" / "arxiv-metadata-oai-snapshot.jsonl.gz"
OUT = CHECKOUT / "bench" / "out"


# ---------------------------------------------------------------- phases (in a child)
def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the preparing child): on a
    shared machine, a steadier measure of cost than the clock. A PostgreSQL server's
    own work is not in it."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def phase_parse(path: Path, limit: int | None) -> dict[str, Any]:
    from paperboy.sources.snapshot import read_snapshot

    cpu, start = _cpu_seconds(), time.perf_counter()
    records = sum(1 for _ in itertools.islice(read_snapshot(path), limit))
    return {"seconds": time.perf_counter() - start, "cpu": _cpu_seconds() - cpu, "records": records}


def phase_ingest(path: Path, url: str, limit: int | None, options: dict[str, Any]) -> dict[str, Any]:
    from sqlalchemy import event

    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.sources.snapshot import read_snapshot
    from paperboy.store import open_database

    db = open_database(url)
    if options.get("migrate"):
        db.migrate()
    if options.get("sqlite_sync_off"):
        event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
        db.engine.dispose()  # pooled connections predate the listener
    profiler = None
    if options.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu, start = _cpu_seconds(), time.perf_counter()
    # What import_snapshot does, with its choices open to the steps.
    report = ingest_items(
        db,
        itertools.islice(read_snapshot(path), limit),
        kind="snapshot",
        detail=str(path),
        batch_size=options.get("batch_size", 1000),
        prepare_in_background=options.get("background", True),
        bulk_load=options.get("bulk_load", True),
    )
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(options["profile"])
    db.close()
    return {
        "seconds": seconds,
        "cpu": cpu,
        "records": report.added + report.updated + report.unchanged + report.rejected,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "error": report.error,
    }


def child_main(args: argparse.Namespace) -> int:
    path, limit = Path(args.file), args.limit
    if args.phase == "parse":
        result = phase_parse(path, limit)
    else:
        result = phase_ingest(path, args.url, limit, json.loads(args.options))
    result["peak_rss_mb"] = _peak_rss_mb()
    print("RESULT " + json.dumps(result))
    return 0


# ---------------------------------------------------------------- the run (parent)
def run_phase(
    phase: str, path: Path, limit: int | None, url: str = "", options: dict[str, Any] | None = None
) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE), "--phase", phase, "--file", str(path), "--url", url]
    cmd += ["--options", json.dumps(options or {})]
    if limit:
        cmd += ["--limit", str(limit)]
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT ") :])


class Stores:
    """Fresh, empty stores: new SQLite files in a temporary folder, new PostgreSQL
    databases (named paperboy_bench_*) on the server given, each dropped at the end."""

    def __init__(self, folder: Path, postgres_url: str | None) -> None:
        self.folder, self.postgres_url = folder, postgres_url
        self.count = 0
        self.databases: list[str] = []

    def fresh(self, backend: str) -> str:
        self.count += 1
        if backend == "sqlite":
            return f"sqlite:///{self.folder / f'bench-{self.count}.db'}"
        assert self.postgres_url
        name = f"paperboy_bench_{uuid.uuid4().hex[:10]}"
        self._admin(f"CREATE DATABASE {name}")
        self.databases.append(name)
        from sqlalchemy.engine import make_url

        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.databases:
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.databases.clear()

    def _admin(self, sql: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        url = make_url(self.postgres_url).set(drivername="postgresql+psycopg")
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(sql))
        engine.dispose()


def plain_copy(path: Path) -> Path:
    """The file uncompressed, under bench/out (written once)."""
    if not path.name.endswith(".gz"):
        return path
    target = OUT / path.name.removesuffix(".gz")
    if not target.exists() or target.stat().st_mtime < path.stat().st_mtime:
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"writing {target}", file=sys.stderr)
        partial = target.with_suffix(".partial")
        with gzip.open(path, "rb") as source, partial.open("wb") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
        partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=REAL_FILE, help="a snapshot, gzip or plain")
    parser.add_argument("--limit", type=int, help="only the first N records (quick runs)")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("PAPERBOY_BENCH_POSTGRES_URL"),
        metavar="URL",
        help="a server where fresh databases may be created and dropped "
        "(default $PAPERBOY_BENCH_POSTGRES_URL; none: SQLite only)",
    )
    parser.add_argument("--steps", action="store_true", help="also measure what each bulk step buys")
    parser.add_argument("--profile", help="cProfile one more SQLite ingest of the plain file into this file")
    # Child-process arguments (one phase per process).
    parser.add_argument("--phase", choices=["parse", "ingest"], help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--options", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        return child_main(args)
    if not args.file.exists():
        parser.error(f"{args.file}: no such file")

    files = (
        {"gzip": args.file, "plain": plain_copy(args.file)}
        if args.file.name.endswith(".gz")
        else {"plain": args.file}
    )
    backends = ["sqlite"] + (["postgresql"] if args.postgresql else [])
    rows: list[tuple[str, str, str, dict[str, Any], dict[str, Any]]] = []  # step, file, store, result, parse
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp:
        stores = Stores(Path(tmp), args.postgresql)
        try:
            for kind, path in files.items():
                parse = run_phase("parse", path, args.limit)
                rows.append(("parse", kind, "-", parse, parse))
                _say(rows[-1])
                for backend in backends:
                    url = stores.fresh(backend)
                    ingest = run_phase("ingest", path, args.limit, url, {"migrate": True})
                    rows.append(("ingest (bulk path)", kind, backend, ingest, parse))
                    _say(rows[-1])
                    again = run_phase("ingest", path, args.limit, url)
                    assert again["added"] == 0 and again["updated"] == 0, (
                        f"re-import changed the store: {again['added']} added, {again['updated']} updated"
                    )
                    rows.append(("re-import", kind, backend, again, parse))
                    _say(rows[-1])
                    stores.drop_all()
            if args.steps:
                path = files["plain"]
                parse = run_phase("parse", path, args.limit)
                rows.append(("parse (again, for the steps)", "plain", "-", parse, parse))
                _say(rows[-1])
                for backend in backends:
                    for step, options in _steps(backend):
                        url = stores.fresh(backend)
                        result = run_phase("ingest", path, args.limit, url, {"migrate": True, **options})
                        rows.append((step, "plain", backend, result, parse))
                        _say(rows[-1])
                        stores.drop_all()
            if args.profile:
                print(f"profiling one more ingest into {args.profile}", file=sys.stderr)
                run_phase("ingest", files["plain"], args.limit, stores.fresh("sqlite"),
                          {"migrate": True, "profile": args.profile})  # fmt: skip
        finally:
            stores.drop_all()

    print(
        f"\n{args.file.name}{f' (first {args.limit:,} records)' if args.limit else ''}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end\n"
    )
    print(
        "| step | file | store | rows | seconds | records/s | vs parse | CPU s | CPU vs parse | peak RSS MB |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for step, kind, backend, result, parse in rows:
        seconds, cpu = result["seconds"], result["cpu"]
        print(
            f"| {step} | {kind} | {backend} | {result['records']:,} | {seconds:.1f} | "
            f"{result['records'] / seconds:,.0f} | {seconds / parse['seconds']:.2f}x | "
            f"{cpu:.1f} | {cpu / parse['cpu']:.2f}x | {result['peak_rss_mb']:.0f} |"
        )
    # The goal is read in CPU: on a shared machine the clock measures the run queue.
    print()
    for step, kind, backend, result, parse in rows:
        if step in ("ingest (bulk path)", "re-import"):
            ratio = result["cpu"] / parse["cpu"]
            verdict = "meets" if ratio <= 3 else "MISSES"
            print(f"{kind}, {backend}, {step}: CPU {ratio:.2f}x parse: {verdict} the <= 3x goal")
    return 0


def _steps(backend: str) -> list[tuple[str, dict[str, Any]]]:
    steps = [
        ("step: transactions of 1,000, every index kept", {"batch_size": 1000, "bulk_load": False}),
        ("step: transactions of 20,000, every index kept", {"batch_size": 20_000, "bulk_load": False}),
        ("step: + plain indexes built after (shipped)", {"bulk_load": True}),
    ]
    if backend == "sqlite":
        steps.append(("step: + synchronous=OFF", {"bulk_load": True, "sqlite_sync_off": True}))
    steps.append(("step: shipped, without the background child", {"bulk_load": True, "background": False}))
    return steps


def _say(row: tuple[str, str, str, dict[str, Any], dict[str, Any]]) -> None:
    step, kind, backend, result, parse = row
    print(
        f"  {step} [{kind}, {backend}]: {result['records']:,} in {result['seconds']:.1f}s, "
        f"CPU {result['cpu']:.1f}s ({result['seconds'] / parse['seconds']:.2f}x parse, "
        f"CPU {result['cpu'] / parse['cpu']:.2f}x)"
        + (f", {result['added']:,} added, {result['unchanged']:,} unchanged" if "added" in result else ""),
        file=sys.stderr,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
