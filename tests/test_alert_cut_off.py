"""Saved-search alerts and the keyword index: an alert's cut-off never passes what the index has seen.

Hole 4: a paper imported with --no-index, then an alert edition, then `index update`: the
paper was never alerted, because the edition moved the alert's watermark past a paper the
index did not hold yet. Shown both ways: (a) the edition's cut-off stays at what the index
has seen, so (b) the paper is alerted in a later edition once indexed.
"""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from digest_fixtures import add_subscribers, feed_papers
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)
from sqlalchemy import select

from paperboy.cli.main import main
from paperboy.config import Settings
from paperboy.domain import Paper, SourceRecord
from paperboy.services.digests import schedule as digests
from paperboy.services.finding.indexing import Indexer
from paperboy.services.gathering.ingest import ingest_items
from paperboy.store import Database, open_database
from paperboy.store.schema import paper, subscription

LATE_TITLE = "A late kernel for sparse attention in graph neural networks"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def late_paper(day: date) -> SourceRecord:
    return SourceRecord(
        Paper(
            title=LATE_TITLE,
            abstract="Sparse attention for graph neural networks, with a new kernel. " * 4,
            source="arxiv",
            arxiv_id="2612.30001",
            categories=("cs.LG",),
            published=datetime(day.year, day.month, day.day),
        ),
        "test:late",
    )


def watermark(db: Database) -> datetime:
    with db.connect() as conn:
        return conn.execute(select(subscription.c.alert_watermark)).scalar_one()


def first_seen(db: Database, arxiv_id: str) -> datetime:
    with db.connect() as conn:
        return conn.execute(select(paper.c.first_seen).where(paper.c.arxiv_id == arxiv_id)).scalar_one()


def send_search_edition(db: Database, settings: Settings, at: datetime) -> digests.DigestTotals:
    digests.create_editions(db, settings, at.date(), kinds=["search"], frequencies=["daily"], now=at)
    return digests.send_due(db, settings, now=at, kinds=["search"])


def test_an_alerts_cut_off_never_passes_what_the_keyword_index_has_seen(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    today = utc_now().date()
    [reader] = add_subscribers(
        db, 1, kind="search", query="sparse attention", watermark=utc_now() - timedelta(hours=1)
    )
    config = replace(settings, smtp_url=smtp_sink.url, digest_top_n=20)
    ingest_items(db, feed_papers(today, count=3, prefix="2612"), kind="test")
    Indexer(db, config).catch_up_keyword()
    ingest_items(db, [late_paper(today)], kind="test")  # stored, not yet indexed
    late_seen = first_seen(db, "2612.30001")

    made = utc_now()
    assert send_search_edition(db, config, made).total("sent") == 1
    [mail] = smtp_sink.messages_to(reader)
    assert mail["Subject"].startswith("Paperboy alert: 3 new"), "the indexed papers go out"
    assert LATE_TITLE not in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # (a) The cut-off stayed at what the index holds: before the paper it has not seen.
    assert first_seen(db, "2612.10002") <= watermark(db) < late_seen

    # (b) Once indexed, the next edition alerts it, and only it.
    Indexer(db, config).catch_up_keyword()
    next_day = made + timedelta(days=1)
    assert send_search_edition(db, config, next_day).total("sent") == 1
    later = smtp_sink.messages_to(reader)[-1]
    assert later["Subject"].startswith("Paperboy alert: 1 new")
    assert LATE_TITLE in later.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert watermark(db) == next_day


def test_a_paper_imported_with_no_index_is_alerted_by_a_later_edition_once_indexed(
    cli_env: Path, database_url: str
) -> None:
    """The reported sequence, through the CLI, mail to the outbox."""
    today = utc_now().date()
    db = open_database(database_url)
    [reader] = add_subscribers(
        db, 1, kind="search", query="sparse attention kernel", watermark=utc_now() - timedelta(hours=1)
    )
    snapshot = cli_env / "new.jsonl"
    record = {
        "id": "2612.30001",
        "title": LATE_TITLE,
        "abstract": "Sparse attention for graph neural networks, with a new kernel.",
        "authors": "Ada Lovelace",
        "categories": "cs.LG",
        "versions": [{"version": "v1", "created": f"{today:%a, %d %b %Y} 09:00:00 GMT"}],
        "update_date": today.isoformat(),
    }
    snapshot.write_text(json.dumps(record) + "\n")

    assert main(["ingest", "snapshot", str(snapshot), "--no-index"]) == 0
    assert main(["digest", "send", "--kind", "search", "--frequency", "daily"]) == 0
    assert alerts_to(cli_env, reader) == [], "the index has not seen it: nothing to alert yet"
    # (a) The edition's cut-off stayed before the paper the index had not seen.
    assert watermark(db) < first_seen(db, "2612.30001")

    assert main(["index", "update"]) == 0
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert main(["digest", "send", "--kind", "search", "--frequency", "daily", "--date", tomorrow]) == 0
    # (b) The next day's edition alerts it.
    [mail] = alerts_to(cli_env, reader)
    assert mail["Subject"].startswith("Paperboy alert: 1 new")
    assert LATE_TITLE in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    db.close()


def alerts_to(folder: Path, address: str) -> list[EmailMessage]:
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((folder / "data" / "outbox").glob("*.eml"))
    ]
    return [m for m in mails if m["To"] == address]  # type: ignore[misc]


def robot_paper(arxiv_id: str, title: str, abstract: str) -> SourceRecord:
    paper = Paper(title=title, abstract=abstract, source="arxiv", arxiv_id=arxiv_id,
                  categories=("cs.RO",), published=datetime(2026, 12, 1))  # fmt: skip
    return SourceRecord(paper, f"test:{arxiv_id}")


# Seen before the alerts were saved: it puts the query's words in the index's vocabulary.
EARLIER_ROBOT = robot_paper(
    "2612.30003",
    "Quadruped locomotion from motion capture",
    "Quadruped locomotion controllers imitate animals recorded in a studio.",
)
# New, and without a word of the query: only a search by meaning finds it.
WALKING_ROBOT = robot_paper(
    "2612.30002",
    "Legged machines that learn to walk over rough terrain",
    "A four-legged robot learns gaits in simulation with reinforcement learning and "
    "transfers them to hills, stairs and gravel without retuning its controller.",
)
MEANING_QUERY = "quadruped locomotion"


def test_an_alert_runs_in_the_mode_it_was_saved_with(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    """A semantic alert finds a new paper by meaning that has none of its words; the same
    query saved without a mode (keyword) finds only the paper it had seen, and sends nothing."""
    config = replace(settings, smtp_url=smtp_sink.url, digest_top_n=20)
    ingest_items(db, [EARLIER_ROBOT], kind="test")
    since = utc_now()
    [by_meaning] = add_subscribers(
        db, 1, kind="search", query=MEANING_QUERY, filters={"mode": "semantic"}, watermark=since
    )
    [by_words] = add_subscribers(db, 1, kind="search", query=MEANING_QUERY, start=1, watermark=since)
    ingest_items(db, [WALKING_ROBOT], kind="test")
    Indexer(db, config).catch_up()

    assert send_search_edition(db, config, utc_now()).total("sent") == 1
    [mail] = smtp_sink.messages_to(by_meaning)
    assert mail["Subject"].startswith("Paperboy alert: 1 new")
    assert "Legged machines" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert smtp_sink.messages_to(by_words) == []


def test_a_meaning_alerts_cut_off_waits_for_the_embeddings(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    """Keyword-indexed but not yet embedded (a first import embeds in the background): a
    semantic alert's watermark stops before the paper, and once it is embedded the next
    edition alerts it."""
    config = replace(settings, smtp_url=smtp_sink.url, digest_top_n=20)
    ingest_items(db, [EARLIER_ROBOT], kind="test")
    Indexer(db, config).catch_up()
    since = utc_now()
    add_subscribers(db, 1, kind="search", query=MEANING_QUERY, filters={"mode": "semantic"}, watermark=since)
    ingest_items(db, [WALKING_ROBOT], kind="test")
    Indexer(db, config).catch_up_keyword()  # the embeddings are behind
    walker_seen = first_seen(db, "2612.30002")

    made = utc_now()
    assert send_search_edition(db, config, made).total("sent") == 0
    assert since <= watermark(db) < walker_seen, "the cut-off stayed before the unembedded paper"

    Indexer(db, config).catch_up()
    next_day = made + timedelta(days=1)
    assert send_search_edition(db, config, next_day).total("sent") == 1
    assert watermark(db) == next_day
