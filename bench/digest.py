"""Benchmark sending a digest edition: 10,000 subscribers of mixed kinds against an aiosmtpd sink.

Usage:
    python bench/digest.py [--subscribers 10000] [--search-share 0.4] [--queries 50]
                           [--sample 1000] [--database-url URL]

A fresh SQLite store (or the empty PostgreSQL database at --database-url) gets 200
papers on one feed day, their keyword index, and --subscribers active subscriptions:
daily trending, and daily saved-search alerts over --queries distinct queries. The SMTP
sink (tests/smtp_sink.py: aiosmtpd, STARTTLS with a self-signed certificate, so the
session is encrypted as in production) runs in its own process, as a real server would.

Measured in the same run, on the same messages:

- compose, baseline:  render the Jinja templates and build an EmailMessage (the email
                      package) for every reader: the straightforward way.
- compose, middle:    render once per distinct digest, EmailMessage per reader.
- compose, ours:      render once and encode the shared headers once (`prepare_digest`);
                      per reader swap in their links and quoted-printable the two parts
                      (`digest_bytes`), which is what the edition run does.
- send, baseline:     a new connection + STARTTLS + QUIT per message (what `deliver()` does).
- send, ours:         one SMTP session (TLS handshake once) reused for all messages.
- edition, ours:      the whole thing through the ledger (`send_due`: claims, "sending",
                      compose, SMTP, outcomes), the number the 2-minute goal is about.

Baselines run on --sample messages (they are slow by design); rates are per second, so
the ratios compare like with like. Goal: the 10k edition in at most 120 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

FEED_DAY = date(2026, 11, 20)
SEND_AT = datetime(2026, 11, 20, 7, 0)
WORDS = ("sparse", "attention", "graph", "neural", "memory", "quantisation", "decoding", "accelerator",
         "retrieval", "diffusion", "robust", "federated", "kernel", "pruning", "transformer")  # fmt: skip


def _sink_process(cert: tuple[str, str], port_queue: Any, stop_event: Any, count_queue: Any) -> None:
    from smtp_sink import SmtpSink

    sink = SmtpSink((Path(cert[0]), Path(cert[1])), parse=False)
    sink.start()
    port_queue.put(sink.port)
    stop_event.wait()
    count_queue.put((len(sink.raw), len(set(a for r in sink.envelopes for a in r))))
    sink.stop()


def _papers(count: int) -> list[Any]:
    from paperboy.domain import Author, FeedEntry, Paper, SourceRecord

    records = []
    for n in range(count):
        words = [WORDS[(n * 7 + k) % len(WORDS)] for k in range(4)]
        paper = Paper(
            title=f"{' '.join(words).capitalize()} at scale, part {n}",
            abstract=(f"We study {' and '.join(words)} and report what we find. " * 10).strip(),
            source="arxiv",
            arxiv_id=f"2611.{n + 20000:05d}",
            authors=tuple(Author(f"Author {n}-{a}") for a in range(1 + n % 6)),
            categories=("cs.LG",),
            published=datetime(2026, 11, 20),
        )
        records.append(SourceRecord(paper, f"bench:{n}", FeedEntry(FEED_DAY, "hf", upvotes=1000 - n)))
    return records


def _prepare(db: Any, settings: Any, subscribers: int, search_share: float, queries: int) -> None:
    from digest_fixtures import add_subscribers
    from sqlalchemy import update

    from paperboy.services.finding.indexing import Indexer
    from paperboy.services.gathering.ingest import ingest_items
    from paperboy.store.schema import paper

    ingest_items(db, _papers(200), kind="bench")
    with db.transaction() as conn:
        conn.execute(update(paper).values(first_seen=datetime(2026, 11, 20, 2, 0)))
    Indexer(db, settings).catch_up_keyword()
    searchers = int(subscribers * search_share)
    add_subscribers(db, subscribers - searchers)
    per_query = max(searchers // queries, 1)
    made = 0
    for q in range(queries):
        n = per_query if q < queries - 1 else searchers - made
        if n <= 0:
            break
        # Distinct word pairs, so every query is its own digest.
        query = f"{WORDS[q % len(WORDS)]} {WORDS[(q // len(WORDS) + 1 + q) % len(WORDS)]}"
        add_subscribers(db, n, kind="search", query=query, start=100_000 + made,
                        watermark=datetime(2026, 11, 19, 7, 0))  # fmt: skip
        made += n


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--search-share", type=float, default=0.4)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from smtp_sink import certificate_pair

    from paperboy.config import Settings
    from paperboy.digest.compose import digest_bytes, digest_message, prepare_digest, render_digest
    from paperboy.mail import SmtpSession
    from paperboy.services.digests import editions
    from paperboy.services.digests import schedule as digests
    from paperboy.services.digests.subscriptions import manage_url, unsubscribe_url
    from paperboy.services.finding.search import SearchService
    from paperboy.store import open_database
    from paperboy.store import subscriptions as subscription_store

    folder = Path(tempfile.mkdtemp(prefix="paperboy-bench-digest-"))
    cert = certificate_pair(folder)
    os.environ["SSL_CERT_FILE"] = str(cert[0])
    url = args.database_url or f"sqlite:///{folder / 'paperboy.db'}"
    db = open_database(url)
    db.migrate()
    settings = Settings(data_dir=folder / "data", database_url=url, secret_key="bench-" * 8)

    context = multiprocessing.get_context("spawn")
    ports, stop, counts = context.Queue(), context.Event(), context.Queue()
    sink = context.Process(target=_sink_process, args=((str(cert[0]), str(cert[1])), ports, stop, counts))
    sink.start()
    port = ports.get(timeout=30)
    config = replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")

    t0 = time.perf_counter()
    _prepare(db, config, args.subscribers, args.search_share, args.queries)
    print(f"prepared {args.subscribers} subscribers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    # Who gets what, as the edition run sees it.
    made = digests.create_editions(db, config, FEED_DAY, kinds=["trending", "search"], frequencies=["daily"],
                                   now=SEND_AT)  # fmt: skip
    trending, search_edition = made
    with db.connect() as conn:
        readers = subscription_store.active(conn, "trending", "daily") + subscription_store.active(
            conn, "search", "daily"
        )
    search = SearchService(db, config)

    def content_for(sub: Any) -> Any:
        if sub.kind == "trending":
            return editions.trending_content(db, config, trending)
        return editions.alert_content(db, config, search, search_edition, editions.alert_query(sub))

    # Choosing each distinct digest's papers (feed ranking, keyword searches) is shared by
    # both composition methods, so it is done first and timed on its own.
    started = time.perf_counter()
    contents: dict[Any, Any] = {}
    for sub in readers:
        key = "trending" if sub.kind == "trending" else editions.alert_query(sub)
        if key not in contents:
            contents[key] = content_for(sub)
    choose_seconds = time.perf_counter() - started

    def key_of(sub: Any) -> Any:
        return "trending" if sub.kind == "trending" else editions.alert_query(sub)

    mailed = [sub for sub in readers if contents[key_of(sub)] is not None]

    # Warm up both paths (template compilation, the email package's lazy imports), untimed.
    for sub in mailed[:20]:
        digest_message(config, render_digest(contents[key_of(sub)]), sub.email, unsubscribe_url(config, sub),
                       manage_url(config, sub.email)).as_bytes()  # fmt: skip

    # -- composition: baseline (render the templates for every reader) ------------------
    # A sample spread over every kind of reader, not just the first ones.
    step = max(len(mailed) // args.sample, 1)
    sample = mailed[::step][: args.sample]
    started = time.perf_counter()
    for sub in sample:
        digest_message(config, render_digest(contents[key_of(sub)]), sub.email, unsubscribe_url(config, sub),
                       manage_url(config, sub.email)).as_bytes()  # fmt: skip
    compose_base = time.perf_counter() - started

    # -- composition: render once, but still the email package per reader ---------------
    started = time.perf_counter()
    rendered = {key: render_digest(c) for key, c in contents.items() if c is not None}
    for sub in sample:
        digest_message(config, rendered[key_of(sub)], sub.email, unsubscribe_url(config, sub),
                       manage_url(config, sub.email)).as_bytes()  # fmt: skip
    compose_cached = time.perf_counter() - started

    # -- composition: ours (render and encode shared headers once; per reader swap links,
    # quoted-printable the parts). Every reader's mail is built; the first few are kept
    # for the send measurements, so memory stays flat as in the edition run.
    keep = args.sample * 3
    started = time.perf_counter()
    prepared = {key: prepare_digest(config, render_digest(c)) for key, c in contents.items() if c is not None}
    messages = []
    for sub in mailed:
        digest = prepared[key_of(sub)]
        data, _ = digest_bytes(digest, sub.email, unsubscribe_url(config, sub), manage_url(config, sub.email))
        if len(messages) < keep:
            messages.append((digest.sender, sub.email, data))
    compose_ours = time.perf_counter() - started
    composed_n = len(mailed)

    # -- sending: baseline (a connection per message) then ours (one session) -----------
    base_msgs = messages[: args.sample]
    started = time.perf_counter()
    for sender, recipient, data in base_msgs:
        with SmtpSession(config) as single:  # what deliver() does: connect, STARTTLS, send, quit
            single.send_bytes(sender, recipient, data)
    send_base = time.perf_counter() - started
    ours_msgs = messages[: max(args.sample * 3, 1)]
    started = time.perf_counter()
    with SmtpSession(config) as session:
        for sender, recipient, data in ours_msgs:
            session.send_bytes(sender, recipient, data)
    send_ours = time.perf_counter() - started

    # -- the edition itself, through the ledger -----------------------------------------
    started = time.perf_counter()
    totals = digests.send_due(db, config, now=SEND_AT)
    edition_seconds = time.perf_counter() - started
    stop.set()
    received, distinct = counts.get(timeout=30)
    sink.join(30)

    sent = totals.total("sent")
    rows = [
        ("compose", "baseline: render templates + email package per reader", len(sample), compose_base),
        ("compose", "render once, email package per reader", len(sample), compose_cached),
        ("compose", "ours: render + encode once, swap links, QP parts", composed_n, compose_ours),
        ("send", "baseline: new SMTP+STARTTLS connection per mail", len(base_msgs), send_base),
        ("send", "ours: one SMTP session reused", len(ours_msgs), send_ours),
        ("edition", "ours: send_due through the ledger (all steps)", sent, edition_seconds),
    ]
    print(f"\nDigest edition: {len(readers)} subscribers ({args.search_share:.0%} saved searches over "
          f"{args.queries} queries), {db.dialect}, {os.cpu_count()} CPUs\n")  # fmt: skip
    print("| step | method | mails | seconds | mails/s | vs baseline |")
    print("|---|---|---:|---:|---:|---:|")
    base_rate = {}
    for step, method, n, seconds in rows:
        rate = _rate(n, seconds)
        if method.startswith("baseline"):
            base_rate[step] = rate
            ratio = "1.0x"
        elif step in base_rate and method.startswith("ours"):
            ratio = f"{rate / base_rate[step]:.1f}x"
        elif step in base_rate:
            ratio = f"{rate / base_rate[step]:.1f}x"
        else:
            ratio = "-"
        print(f"| {step} | {method} | {n} | {seconds:.2f} | {rate:.0f} | {ratio} |")
    print(f"\nchoosing papers for {len(contents)} distinct digests: {choose_seconds:.2f} s (shared by both)")
    composed = sum(r.composed for r in totals.reports)
    compose_seconds = sum(r.compose_seconds for r in totals.reports)
    print(
        f"edition: sent {sent}, empty {totals.total('empty')}, failed {totals.total('failed')}, "
        f"permanent {totals.total('permanent')}; digests rendered {composed} "
        f"({compose_seconds:.2f} s choosing papers + rendering)"
    )
    print(f"sink received {received} mails in all (incl. the compose/send measurements), "
          f"{distinct} distinct recipients")  # fmt: skip
    goal = 120.0 * len(readers) / 10_000
    verdict = "met" if edition_seconds <= goal else "NOT met"
    print(f"goal: edition of {len(readers)} in <= {goal:.0f} s: {verdict} ({edition_seconds:.1f} s)")
    db.close()
    return 0 if totals.errors == [] else 1


if __name__ == "__main__":
    sys.exit(main())
