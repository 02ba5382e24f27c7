"""Benchmark the for-you digest: 10,000 subscribers with 50-paper libraries over a 1,000-paper day.

Usage:
    python bench/for_you_digest.py [PATH] [--subscribers 10000] [--library 50] [--day-papers 1000]
                                   [--full-sample 20] [--cache DIR]

The world, from real arXiv records (PATH, default ../shared/data/arxiv-2025-2026):
- the day: --day-papers records of April 2026, all listed on one feed day;
- libraries: each synthetic reader has an account and --library papers of earlier records
  (before 2026-04-01), drawn from one primary category with a few from elsewhere, newest
  saved last, one tag in three; a reader in five also upvoted two papers of the library pool;
- embeddings: the cached vectors of `paperboy recommend eval` (bench/out/recommend-vectors,
  the same model), stored in the embedding table as the indexer would; records without a
  cached vector are left out.
Every reader subscribes to the daily for-you digest (10 papers) and, as the baseline in the
same run, to the daily trending digest. Both editions go through the ledger (`send_due`:
claims, "sending", compose, SMTP, outcomes) to an aiosmtpd sink (STARTTLS) in its own
process. Also measured: the page's full ranker (per-reader SVM, `services.for_you.for_you`)
on --full-sample readers, extrapolated to all, and how many of its top 10 the digest's fast
ranker also lists for those readers. Goal: the for-you edition in at most 5 minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

FEED_DAY = date(2026, 5, 4)
SEND_AT = datetime(2026, 5, 4, 7, 0)
LIBRARY_BEFORE = date(2026, 4, 1)


def _sink_process(cert: tuple[str, str], port_queue: Any, stop_event: Any, count_queue: Any) -> None:
    from smtp_sink import SmtpSink

    sink = SmtpSink((Path(cert[0]), Path(cert[1])), parse=False)
    sink.start()
    port_queue.put(sink.port)
    stop_event.wait()
    count_queue.put((len(sink.raw), len({a for r in sink.envelopes for a in r})))
    sink.stop()


def _records(path: Path, cache_dir: Path, model: str, day_papers: int) -> tuple[list[Any], list[Any], Any]:
    """(the day's records, the library pool's records, {id: vector}) from cached vectors only."""
    import numpy as np

    from paperboy.evaluation.recommend_data import read_records
    from paperboy.evaluation.vector_cache import VectorCache

    cache = VectorCache(cache_dir, model)
    day, pool = [], []
    for record in read_records(path):
        paper = record.paper
        if cache.missing([paper.text]):
            continue
        if paper.day >= LIBRARY_BEFORE and paper.day < date(2026, 5, 1):
            day.append(record)
        elif paper.day < LIBRARY_BEFORE:
            pool.append(record)
    rng = random.Random(13)
    day = sorted(rng.sample(day, min(day_papers, len(day))), key=lambda r: r.paper.id)
    kept = day + pool
    matrix = cache.vectors([r.paper.text for r in kept], _no_model)
    return day, pool, {r.paper.id: np.asarray(matrix[i], dtype=np.float32) for i, r in enumerate(kept)}


def _no_model() -> Any:
    raise RuntimeError("every paper kept has a cached vector; nothing should be embedded")


def _source_record(record: Any, listed: date | None) -> Any:
    from paperboy.domain import Author, FeedEntry, Paper, SourceRecord

    p = record.paper
    paper = Paper(
        title=p.title, abstract=p.abstract, source="arxiv", arxiv_id=p.id,
        authors=tuple(Author(a) for a in record.authors[:20]), categories=p.categories,
        published=datetime.combine(p.day, datetime.min.time()),
    )  # fmt: skip
    return SourceRecord(paper, f"bench:{p.id}", FeedEntry(listed, "arxiv") if listed else None)


def _build_world(db: Any, settings: Any, args: argparse.Namespace) -> dict[str, Any]:
    from digest_fixtures import add_subscribers
    from sqlalchemy import select

    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.store import embeddings as embedding_store
    from paperboy.store.schema import library_item, paper, user, vote

    started = time.perf_counter()
    day, pool, vectors = _records(
        Path(args.path), Path(args.cache), settings.embedding_model, args.day_papers
    )
    by_category: dict[str, list[Any]] = defaultdict(list)
    for record in pool:
        if record.paper.categories:
            by_category[record.paper.categories[0]].append(record)
    categories = [c for c, papers in by_category.items() if len(papers) >= args.library]
    rng = random.Random(7)
    libraries = []
    weights = [len(by_category[c]) for c in categories]
    for _ in range(args.subscribers):
        home = rng.choices(categories, weights)[0]
        chosen = rng.sample(by_category[home], args.library - 5) + rng.sample(pool, 5)
        libraries.append(list(dict.fromkeys(r.paper.id for r in chosen)))
    used = sorted({pid for lib in libraries for pid in lib})
    pool_by_id = {r.paper.id: r for r in pool}
    ingest_items(db, [_source_record(r, FEED_DAY) for r in day], kind="bench")
    ingest_items(db, [_source_record(pool_by_id[i], None) for i in used], kind="bench")
    with db.connect() as conn:
        ids = {r.key: r.id for r in conn.execute(select(paper.c.key, paper.c.id))}
    with db.transaction() as conn:
        rows = [(ids[k], hashlib.sha1(k.encode()).hexdigest(), vectors[k]) for k in list(ids) if k in vectors]
        for start in range(0, len(rows), 2000):
            embedding_store.save_embeddings(
                conn, settings.embedding_model, rows[start : start + 2000], SEND_AT
            )
    now = datetime(2026, 4, 30)
    addresses = [f"reader{n}@example.org" for n in range(args.subscribers)]
    with db.transaction() as conn:
        conn.execute(
            user.insert(),
            [{"email": a, "role": "member", "created_at": now, "banned": False} for a in addresses],
        )
        user_ids = dict(conn.execute(select(user.c.email, user.c.id)).all())
        items, votes = [], []
        for n, (address, library) in enumerate(zip(addresses, libraries, strict=True)):
            uid = user_ids[address]
            for position, key in enumerate(library):
                tags = ["topic"] if position % 3 == 0 else []
                saved = datetime(2026, 1, 1) + (now - datetime(2026, 1, 1)) * (position / len(library))
                items.append({"user_id": uid, "paper_id": ids[key], "tags": tags, "note": "", "read": False,
                              "saved_at": saved, "updated_at": saved})  # fmt: skip
            if n % 5 == 0:
                for key in rng.sample(used, 2):
                    votes.append({"user_id": uid, "paper_id": ids[key], "created_at": now})
        for start in range(0, len(items), 20_000):
            conn.execute(library_item.insert(), items[start : start + 20_000])
        if votes:
            conn.execute(
                vote.insert().prefix_with("OR IGNORE") if db.dialect == "sqlite" else vote.insert(), votes
            )
    add_subscribers(db, args.subscribers, kind="for_you", filters={"count": "10"})
    add_subscribers(db, args.subscribers, kind="trending")
    seconds = time.perf_counter() - started
    print(
        f"world: {len(day)} papers on {FEED_DAY}, {len(used)} distinct library papers, "
        f"{args.subscribers} readers x {args.library} papers, built in {seconds:.0f} s",
        file=sys.stderr,
    )
    return {"day": len(day), "library_papers": len(used)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", default=str(ROOT.parent / "shared" / "data" / "arxiv-2025-2026"))
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--library", type=int, default=50)
    parser.add_argument("--day-papers", type=int, default=1000)
    parser.add_argument("--full-sample", type=int, default=20)
    parser.add_argument("--cache", default=str(ROOT / "bench" / "out" / "recommend-vectors"))
    args = parser.parse_args()

    from smtp_sink import certificate_pair

    from paperboy.config import Settings
    from paperboy.services.digests import schedule as digests
    from paperboy.services.digests.for_you import ForYouDigests
    from paperboy.services.library.for_you import for_you
    from paperboy.store import accounts as account_store
    from paperboy.store import open_database
    from paperboy.store import subscriptions as subscription_store

    folder = Path(tempfile.mkdtemp(prefix="paperboy-bench-for-you-"))
    cert = certificate_pair(folder)
    os.environ["SSL_CERT_FILE"] = str(cert[0])
    url = f"sqlite:///{folder / 'paperboy.db'}"
    db = open_database(url)
    db.migrate()
    settings = Settings(data_dir=folder / "data", database_url=url, secret_key="bench-" * 8)
    world = _build_world(db, settings, args)

    context = multiprocessing.get_context("spawn")
    ports, stop, counts = context.Queue(), context.Event(), context.Queue()
    sink = context.Process(target=_sink_process, args=((str(cert[0]), str(cert[1])), ports, stop, counts))
    sink.start()
    config = replace(
        settings, smtp_url=f"smtp://127.0.0.1:{ports.get(timeout=30)}", base_url="https://papers.example.org"
    )
    trending, mine = digests.create_editions(db, config, FEED_DAY, kinds=["trending", "for_you"],
                                             frequencies=["daily"], now=SEND_AT)  # fmt: skip

    # The page's full ranker on a sample of readers (per-reader SVM), and what the digest's
    # fast ranker lists for the same readers.
    with db.connect() as conn:
        readers = subscription_store.active(conn, "for_you", "daily")
    sample = readers[:: max(len(readers) // args.full_sample, 1)][: args.full_sample]
    full_top: dict[int, list[str]] = {}
    started = time.perf_counter()
    for sub in sample:
        with db.connect() as conn:
            account = account_store.find_user_by_email(conn, sub.email)
        assert account is not None
        listing = for_you(db, config, account, days=1, limit=10, now=SEND_AT)
        full_top[sub.id] = [r.paper_key for r in listing.recommendations]
    full_seconds = time.perf_counter() - started
    fast = ForYouDigests(db, config, mine).contents(sample)
    overlaps = []
    for sub in sample:
        content = fast[sub.id]
        fast_keys = [p.page_url.rsplit("/papers/", 1)[1] for p in content.papers] if content else []
        overlaps.append(len(set(fast_keys) & set(full_top[sub.id])) / max(len(full_top[sub.id]), 1))

    started = time.perf_counter()
    base = digests.send_due(db, config, now=SEND_AT, kinds=["trending"])
    base_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ours = digests.send_due(db, config, now=SEND_AT, kinds=["for_you"])
    ours_seconds = time.perf_counter() - started
    stop.set()
    received, distinct = counts.get(timeout=60)
    sink.join(30)

    n = len(readers)
    extrapolated = full_seconds / len(sample) * n
    compose = sum(r.compose_seconds for r in ours.reports)
    print(f"\nFor-you digest: {n} subscribers, {args.library}-paper libraries "
          f"({world['library_papers']} distinct real papers), {world['day']} real papers on the day, "
          f"{db.dialect}, {os.cpu_count()} CPUs\n")  # fmt: skip
    print("| edition, through the ledger to aiosmtpd | mails | seconds | mails/s | vs baseline |")
    print("|---|---:|---:|---:|---:|")
    rate = base.total("sent") / base_seconds
    print(f"| baseline: daily trending digest, same subscribers | {base.total('sent')} | {base_seconds:.1f} "
          f"| {rate:.0f} | 1.00x |")  # fmt: skip
    ours_rate = ours.total("sent") / ours_seconds
    sent = ours.total("sent")
    print(
        f"| ours: daily for-you digest (fast ranker, per reader) | {sent} | {ours_seconds:.1f} "
        f"| {ours_rate:.0f} | {ours_rate / rate:.2f}x |"
    )
    print(f"| full ranker (page, per-reader SVM): {len(sample)} readers, extrapolated to {n} | - | "
          f"{extrapolated:.0f} | {n / extrapolated:.0f} | {n / extrapolated / rate:.2f}x |")  # fmt: skip
    print(
        f"\nfor-you edition: sent {sent}, empty {ours.total('empty')}, failed {ours.total('failed')}, "
        f"permanent {ours.total('permanent')}; ranking + rendering {compose:.1f} s of {ours_seconds:.1f} s"
    )
    print(
        f"full ranker: {1000 * full_seconds / len(sample):.0f} ms per reader "
        f"(page path, {len(sample)} readers)"
    )
    print(f"fast digest lists {100 * sum(overlaps) / len(overlaps):.0f}% of the full ranker's top 10 "
          f"(mean over {len(sample)} readers)")  # fmt: skip
    print(f"sink received {received} mails, {distinct} distinct recipients")
    verdict = "met" if ours_seconds <= 300 * n / 10_000 else "NOT met"
    print(f"goal: for-you edition of {n} in <= {300 * n / 10_000:.0f} s: {verdict} ({ours_seconds:.1f} s)")
    db.close()
    return 0 if not (base.errors or ours.errors) else 1


if __name__ == "__main__":
    sys.exit(main())
