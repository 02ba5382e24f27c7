"""Rate limits on votes, comments and submissions: per member and per address, shared in the store."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from community_fixtures import NOW, list_papers, member
from sqlalchemy import func, select

from paperboy.services.community.comments import add_comment
from paperboy.services.community.votes import toggle_vote
from paperboy.services.rate_limits import LIMITS, RateLimited, check_and_record
from paperboy.store import Database
from paperboy.store.schema import rate_event

PAPER = "2411.00001"


@pytest.fixture(autouse=True)
def paper(db: Database) -> None:
    list_papers(db, date(2026, 11, 20), [(PAPER, "A paper", 0)])


def test_the_sixty_first_vote_in_a_minute_is_refused_with_retry_after(db: Database) -> None:
    ada = member(db, "ada@example.org")
    for second in range(60):
        toggle_vote(db, ada, PAPER, "198.51.100.1", NOW + timedelta(seconds=second * 0.5))
    with pytest.raises(RateLimited) as caught:
        toggle_vote(db, ada, PAPER, "198.51.100.1", NOW + timedelta(seconds=40))
    assert str(caught.value) == "You have voted 60 times in the last 1 minute; try again in 1 minute."
    assert caught.value.retry_after == 20  # the oldest vote, at NOW, leaves the window at NOW + 60 s
    # Once the window has moved on, voting works again.
    toggle_vote(db, ada, PAPER, "198.51.100.1", NOW + timedelta(seconds=61))


def test_a_hundred_simultaneous_votes_from_one_member_accept_exactly_sixty(db: Database) -> None:
    ada = member(db, "ada@example.org")
    start = threading.Barrier(100)
    accepted: list[int] = []
    refused: list[int] = []
    failures: list[BaseException] = []

    def vote(n: int) -> None:
        try:
            start.wait(timeout=30)
            toggle_vote(db, ada, PAPER, "198.51.100.1", NOW)
            accepted.append(n)
        except RateLimited:
            refused.append(n)
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failures.append(exc)

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert (len(accepted), len(refused)) == (LIMITS["vote"].per_subject.count, 40)
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_event)).scalar() == 120  # user + ip rows


def test_a_refused_action_is_not_counted(db: Database) -> None:
    ada = member(db, "ada@example.org")
    for n in range(10):
        add_comment(db, ada, PAPER, f"Comment {n}", "198.51.100.1", now=NOW)
    for _ in range(3):
        with pytest.raises(RateLimited, match="You have commented 10 times in the last 10 minutes"):
            add_comment(db, ada, PAPER, "One more", "198.51.100.1", now=NOW + timedelta(minutes=1))
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_event)).scalar() == 20  # user + ip rows


def test_one_address_is_limited_across_many_members(db: Database) -> None:
    members = [member(db, f"m{n}@example.org") for n in range(4)]
    for n in range(30):
        add_comment(db, members[n % 3], PAPER, f"Comment {n}", "203.0.113.9", now=NOW)
    with pytest.raises(RateLimited, match="Your network has commented 30 times") as caught:
        add_comment(db, members[3], PAPER, "From the same network", "203.0.113.9", now=NOW)
    assert caught.value.retry_after == 600
    # Another address is not affected.
    add_comment(db, members[3], PAPER, "From elsewhere", "203.0.113.10", now=NOW)


def test_limits_are_shared_by_every_worker_through_the_store(db: Database, database_url: str) -> None:
    from paperboy.store import open_database

    other_worker = open_database(database_url)
    try:
        for _ in range(LIMITS["submit"].per_subject.count):
            check_and_record(db, "submit", 7, "198.51.100.1", NOW)
        with pytest.raises(RateLimited, match="submitted papers 10 times in the last 1 hour"):
            check_and_record(other_worker, "submit", 7, "198.51.100.1", NOW + timedelta(minutes=1))
    finally:
        other_worker.close()


def test_old_events_are_pruned(db: Database) -> None:
    for n in range(99):  # rows 1..198, a day old
        check_and_record(db, "vote", n, f"198.51.100.{n}", NOW - timedelta(days=1))
    check_and_record(db, "vote", 999, "198.51.100.1", NOW)  # rows 199 and 200: every 200th row prunes
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rate_event)).scalar() == 2


def test_pruning_never_waits_for_a_check_in_progress(db: Database, database_url: str) -> None:
    from sqlalchemy import text

    from paperboy.store import open_database, rate_events
    from paperboy.store.schema import rate_lock

    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: a pruning check holds every lock already")
    day_old = NOW - timedelta(days=1)
    check_and_record(db, "vote", 1, "198.51.100.1", day_old)
    other_worker = open_database(database_url)
    try:
        with other_worker.transaction() as in_progress:
            rate_events.lock_keys(in_progress, ["vote:user:1"], day_old)  # held, and still old
            with db.transaction() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail the test
                rate_events.prune_events(conn, NOW - timedelta(hours=2))
    finally:
        other_worker.close()
    with db.connect() as conn:
        assert [r.key for r in conn.execute(select(rate_lock.c.key))] == ["vote:user:1"]
        assert conn.execute(select(func.count()).select_from(rate_event)).scalar() == 0
