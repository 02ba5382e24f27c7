"""What reading papers as StoredPaper costs against reading the few columns a ranker needs.

Usage:
    python bench/stored_paper_reads.py [PATH] [--papers 27505]

Ingests the first --papers records of PATH (default ../shared/data/arxiv-2025-2026, up to
20 authors each, as bench/for_you_digest.py does) into a new SQLite store, then reads them
all back by id, best of 3: as six columns (id, key, title, abstract, categories, published),
what the for-you digest read before, and as StoredPaper (store.for_you.papers_by_ids), what
it reads now. 27,505 is the digest benchmark's count of distinct library papers. Figures in
docs/architecture.md ("Domain records").
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from for_you_digest import _source_record  # noqa: E402  (bench/ is this script's folder)


def _six_columns(conn: Any, paper_ids: list[int]) -> list[Any]:
    from sqlalchemy import select

    from paperboy.store.schema import paper

    c = paper.c
    columns = (c.id, c.key, c.title, c.abstract, c.categories, c.published)
    found: list[Any] = []
    for start in range(0, len(paper_ids), 500):
        found.extend(conn.execute(select(*columns).where(paper.c.id.in_(paper_ids[start : start + 500]))))
    return found


def main() -> None:
    from sqlalchemy import select

    from paperboy.evaluation.recommend_data import read_records
    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.store import for_you as for_you_store
    from paperboy.store import open_database
    from paperboy.store.schema import paper

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "data" / "arxiv-2025-2026"))
    parser.add_argument("--papers", type=int, default=27_505)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="paperboy-bench-reads-"))
    db = open_database(f"sqlite:///{folder / 'paperboy.db'}")
    db.migrate()
    # The papers as the digest bench stores them (off the feed).
    records = itertools.islice(read_records(Path(args.path)), args.papers)
    ingest_items(db, [_source_record(record, None) for record in records], kind="bench")
    with db.connect() as conn:
        ids = sorted(conn.execute(select(paper.c.id)).scalars())
    print(f"{len(ids):,} papers, SQLite, best of 3")
    reads: tuple[tuple[str, Callable[[Any, list[int]], list[Any]]], ...] = (
        ("six columns", _six_columns),
        ("StoredPaper (papers_by_ids)", for_you_store.papers_by_ids),
    )
    for name, read in reads:
        best = float("inf")
        for _ in range(3):
            with db.connect() as conn:
                started = time.perf_counter()
                read(conn, ids)
                best = min(best, time.perf_counter() - started)
        print(f"{name:30} {best:.3f} s  ({best / len(ids) * 1e6:.1f} us a paper)")


if __name__ == "__main__":
    main()
