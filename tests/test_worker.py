"""The worker: schedule, harvest lease, and two workers at once sending each edition once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from digest_fixtures import FEED_DAY, add_subscribers, fill_feed
from smtp_sink import SmtpSink, smtp_certificate, smtp_sink  # noqa: F401  (fixtures)
from sqlalchemy import select

from paperboy.config import ConfigError, Settings
from paperboy.services.worker import TickReport, Worker
from paperboy.store import Database, open_database
from paperboy.store import deliveries as ledger
from paperboy.store.schema import delivery, edition, paper

# A Friday (2026-11-20), after the default digest hour (06:00 UTC).
FRIDAY_MORNING = datetime(2026, 11, 20, 7, 0)


def test_two_workers_started_together_send_each_edition_once(
    db: Database,
    database_url: str,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    fill_feed(db)
    readers = add_subscribers(db, 120)
    readers += add_subscribers(db, 80, frequency="weekly", start=500)
    config = replace(settings, smtp_url=smtp_sink.url, weekly_digest_day="friday")
    start = threading.Barrier(2)
    reports: list[TickReport] = []
    failures: list[BaseException] = []

    def work(name: str) -> None:
        own = open_database(database_url)  # each worker its own connections, as separate processes
        try:
            worker = Worker(own, config, worker_id=name, harvest=False)
            start.wait()
            reports.append(worker.tick(FRIDAY_MORNING, fixed_clock=True))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            failures.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    counts = smtp_sink.count_by_recipient()
    assert set(counts) == set(readers) and set(counts.values()) == {1}, "one mail per subscriber per edition"
    assert sum(r.totals.total("sent") for r in reports if r.totals) == 200
    with db.connect() as conn:
        names = set(conn.execute(select(edition.c.name)).scalars())
        statuses = set(conn.execute(select(delivery.c.status)).scalars())
    kinds = ("trending", "search", "for_you")
    assert names == {f"{k}-{f}:2026-11-20" for k in kinds for f in ("daily", "weekly")}
    assert statuses == {"sent"}


def test_before_the_digest_hour_nothing_is_created_or_sent(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    fill_feed(db)
    add_subscribers(db, 3)
    worker = Worker(db, replace(settings, smtp_url=smtp_sink.url), harvest=False)
    report = worker.tick(FRIDAY_MORNING.replace(hour=5), fixed_clock=True)
    assert report.editions == [] and smtp_sink.raw == []
    assert worker.tick(FRIDAY_MORNING, fixed_clock=True).editions == [
        "trending-daily:2026-11-20",
        "search-daily:2026-11-20",
        "for_you-daily:2026-11-20",
    ]
    assert len(smtp_sink.raw) == 3


def test_weekly_editions_go_out_on_their_day_only(db: Database, settings: Settings) -> None:
    fill_feed(db)
    add_subscribers(db, 2, frequency="weekly")
    worker = Worker(db, replace(settings, weekly_digest_day="monday"), harvest=False)
    assert all("weekly" not in name for name in worker.tick(FRIDAY_MORNING, fixed_clock=True).editions)
    monday = FRIDAY_MORNING + timedelta(days=3)
    report = worker.tick(monday, fixed_clock=True)
    assert "trending-weekly:2026-11-23" in report.editions
    assert report.totals is not None and report.totals.total("sent") == 2, "the week before is covered"


def test_only_one_worker_harvests_a_day_and_a_failed_harvest_is_retried_later(
    db: Database, database_url: str, settings: Settings
) -> None:
    calls: list[str] = []
    outcomes = iter(["arXiv answered 503", None])

    def harvest_step(name: str):  # type: ignore[no-untyped-def]
        def step() -> str | None:
            calls.append(name)
            return next(outcomes)

        return step

    first = Worker(db, settings, worker_id="one", harvest_step=harvest_step("one"))
    second_db = open_database(database_url)
    second = Worker(second_db, settings, worker_id="two", harvest_step=harvest_step("two"))
    at = datetime(2026, 11, 20, 1, 45)
    assert first.tick(at).harvest_error == "arXiv answered 503"
    assert not second.tick(at + timedelta(minutes=5)).harvested, "a failure holds off retries for a while"
    assert second.tick(at + timedelta(minutes=20)).harvested
    assert not first.tick(at + timedelta(minutes=30)).harvested, "the day's harvest is done"
    assert calls == ["one", "two"]
    before = datetime(2026, 11, 21, 1, 0)
    assert not first.tick(before).harvested, "not before harvest_time"
    second_db.close()


def test_leases_go_to_one_holder_until_they_expire(db: Database) -> None:
    now = datetime(2026, 11, 20, 2, 0)
    with db.transaction() as conn:
        assert ledger.acquire_lease(conn, "harvest", "a", now, now + timedelta(minutes=10))
        assert not ledger.acquire_lease(conn, "harvest", "b", now, now + timedelta(minutes=10))
        assert ledger.acquire_lease(conn, "harvest", "a", now, now + timedelta(minutes=20)), (
            "renewed by its holder"
        )
        later = now + timedelta(minutes=21)
        assert ledger.acquire_lease(conn, "harvest", "b", later, later + timedelta(minutes=10))


def test_bad_schedule_settings_are_named(db: Database, settings: Settings) -> None:
    with pytest.raises(ConfigError, match="harvest_time"):
        Worker(db, replace(settings, harvest_time="half past one"))
    with pytest.raises(ConfigError, match="weekly_digest_day"):
        Worker(db, replace(settings, weekly_digest_day="caturday"))
    with pytest.raises(ConfigError, match="digest_hour"):
        Worker(db, replace(settings, digest_hour=24))


def test_a_worker_that_died_mid_send_leaves_no_duplicate_behind(
    db: Database,
    settings: Settings,
    smtp_sink: SmtpSink,  # noqa: F811
) -> None:
    """Rows a dead worker left "sending" are given up once its claim expires, never resent."""
    fill_feed(db, day=FEED_DAY)
    add_subscribers(db, 2)
    config = replace(settings, smtp_url=smtp_sink.url)
    worker = Worker(db, config, harvest=False)
    worker.tick(FRIDAY_MORNING.replace(hour=5), fixed_clock=True)
    from paperboy.services.digests import schedule as digests

    [made, _, _] = digests.create_editions(db, config, FEED_DAY, frequencies=["daily"], now=FRIDAY_MORNING)
    with db.transaction() as conn:
        [first, _second] = ledger.claim(
            conn, made.id, "dead", FRIDAY_MORNING, FRIDAY_MORNING + timedelta(minutes=10), 2
        )
        ledger.mark_sending(conn, [first.id], "dead")
        ledger.release(conn, [_second.id], "dead")
    worker.tick(FRIDAY_MORNING + timedelta(minutes=1), fixed_clock=True)
    assert len(smtp_sink.raw) == 1, "the row in doubt waits while its claim lasts"
    worker.tick(FRIDAY_MORNING + timedelta(minutes=11), fixed_clock=True)
    with db.connect() as conn:
        rows = {
            r.status: r.last_error
            for r in conn.execute(select(delivery).where(delivery.c.edition_id == made.id))
        }
    assert set(rows) == {"sent", "permanent"} and "interrupted" in rows["permanent"]
    assert len(smtp_sink.raw) == 1


def test_the_daily_harvest_runs_once_against_a_stand_in_for_arxiv(
    db: Database, database_url: str, settings: Settings
) -> None:
    """One worker harvests the three pages; a reader's imported entry that named one of
    those papers before it was here joins their library with that harvest."""
    from community_fixtures import member
    from test_harvest import three_pages

    from paperboy.services.library import imports, items

    reader = member(db, "ada@example.org")
    waiting = b"@article{later, title={Study number 2401.00005 of learning}, eprint={2401.00005}}"
    assert imports.import_library(db, reader, waiting, "mine.bib").unmatched == 1

    with three_pages() as server:
        config = replace(settings, oai_url=f"{server.url}/oai", arxiv_sets=("cs",))
        other_db = open_database(database_url)
        workers = [
            Worker(db, config, worker_id="a", index=False),
            Worker(other_db, config, worker_id="b", index=False),
        ]
        at = datetime(2026, 11, 20, 1, 45)
        reports = [worker.tick(at, fixed_clock=True) for worker in workers]
        other_db.close()
    assert [r.harvested for r in reports] == [True, False]
    assert reports[0].harvest_error is None
    assert len(server.requests) == 3, "three pages, fetched by one worker"
    with db.connect() as conn:
        assert len(conn.execute(select(paper.c.id)).all()) == 9
    assert [i.paper.arxiv_id for i in items.library_items(db, reader)] == ["2401.00005"]
    assert imports.unmatched_entries(db, reader) == []
