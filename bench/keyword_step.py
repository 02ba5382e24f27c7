"""CPU per paper of the keyword index step (key phrases counted, chosen and stored, the index
written), on real papers, and the phrases it chose.

Usage:
    python bench/keyword_step.py [--papers 2000] [--prefix 2608.] [--out CHOSEN.json]
                                 [--compare CHOSEN.json] [--profile OUT.prof]

Reads the first 2 x --papers records whose arXiv id starts with --prefix from
../shared/data/arxiv-2025-2026/ into a new SQLite store (in a temporary folder), then
runs the keyword step (`Indexer.catch_up_keyword`, as `paperboy index update
--keyword-only` does) twice: a first import of the first --papers (every candidate
counted before any paper is chosen), then an update taking in the other --papers (each
step counted just before it is chosen). CPU time (all threads of the process) and wall
time per paper of each, and the process's peak memory so far. --out writes every paper's
chosen phrases (JSON, arXiv id to phrases); --compare reads such a file and fails unless
every paper's phrases are the same: the check that a change to the step left its choice
alone. Run it with PYTHONPATH pointing at another checkout to measure that code.

The machine is shared: CPU time is the measure, wall time is inflated by load.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from paperboy.config import Settings
from paperboy.domain import SourceRecord
from paperboy.services.finding.indexing import Indexer
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.snapshot import read_snapshot
from paperboy.store import open_database
from paperboy.store.schema import paper

SHARED = Path(__file__).resolve().parents[2] / "shared"
SNAPSHOT = SHARED / "data/arxiv-2025-2026/arxiv-metadata-oai-snapshot.jsonl.gz"


def read_records(path: Path, prefix: str, n: int) -> list[SourceRecord]:
    wanted = (
        item
        for item in read_snapshot(path)
        if isinstance(item, SourceRecord) and (item.paper.arxiv_id or "").startswith(prefix)
    )
    return list(itertools.islice(wanted, n))


def timed_step(indexer: Indexer, papers: int, what: str, profile: cProfile.Profile | None) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    if profile:
        profile.enable()
    indexer.catch_up_keyword()
    if profile:
        profile.disable()
    cpu_ms = (time.process_time() - cpu) / papers * 1000
    wall_ms = (time.perf_counter() - started) / papers * 1000
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{what:14} {papers:>6,} papers  {cpu_ms:6.2f} ms CPU / paper  {wall_ms:6.2f} ms wall / paper  "
        f"peak RSS so far {peak_mib:5.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--papers", type=int, default=2000, help="papers per step run (first import, update)")
    parser.add_argument("--prefix", default="2608.", help="arXiv ids to read (2608.: August 2026)")
    parser.add_argument("--out", type=Path, help="write the chosen phrases here (JSON)")
    parser.add_argument("--compare", type=Path, help="fail unless the chosen phrases equal this file's")
    parser.add_argument("--profile", type=Path, help="write a cProfile of both steps here")
    args = parser.parse_args()
    records = read_records(args.snapshot, args.prefix, 2 * args.papers)
    if len(records) < 2 * args.papers:
        sys.exit(f"only {len(records)} records start with {args.prefix}")
    profile = cProfile.Profile() if args.profile else None
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        url = f"sqlite:///{data_dir / 'paperboy.db'}"
        db = open_database(url)
        db.migrate()
        indexer = Indexer(db, Settings(data_dir=data_dir, database_url=url))
        ingest_items(db, records[: args.papers], kind="bench")
        timed_step(indexer, args.papers, "first import", profile)
        ingest_items(db, records[args.papers :], kind="bench")
        timed_step(indexer, args.papers, "update", profile)
        with db.connect() as conn:
            chosen = {
                key: list(keywords or ())
                for key, keywords in conn.execute(select(paper.c.key, paper.c.keywords))
            }
        db.close()
    if profile and args.profile:
        profile.dump_stats(args.profile)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(chosen, indent=0, sort_keys=True))
    if args.compare:
        expected = json.loads(args.compare.read_text())
        differ = sorted(k for k in expected.keys() | chosen.keys() if expected.get(k) != chosen.get(k))
        with_phrases = sum(bool(v) for v in chosen.values())
        print(f"{len(chosen):,} papers ({with_phrases:,} with phrases): {len(differ)} differ from the file")
        if differ:
            sys.exit(f"first to differ: {differ[:5]}")


if __name__ == "__main__":
    main()
