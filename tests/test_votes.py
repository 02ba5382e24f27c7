"""Upvotes: one per member per paper, toggled, exact under concurrency, refused to the banned."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from community_fixtures import NOW, list_papers, member
from sqlalchemy import func, select

from paperboy.services.community.errors import NotAllowed, NotFound
from paperboy.services.community.moderation import ban_user
from paperboy.services.community.votes import set_vote, toggle_vote, vote_state, voted_papers
from paperboy.services.feed import feed_page
from paperboy.store import Database
from paperboy.store.schema import paper as paper_table
from paperboy.store.schema import vote

DAY = date(2026, 11, 20)
PAPER = "2411.00001"


@pytest.fixture
def paper(db: Database) -> str:
    list_papers(db, DAY, [(PAPER, "A paper worth reading", 0)])
    return PAPER


def test_a_vote_counts_once_and_toggling_again_takes_it_back(db: Database, paper: str) -> None:
    ada = member(db, "ada@example.org")
    first = toggle_vote(db, ada, paper, "198.51.100.1", NOW)
    assert (first.voted, first.votes) == (True, 1)
    second = toggle_vote(db, ada, paper, "198.51.100.1", NOW)
    assert (second.voted, second.votes) == (False, 0)
    assert vote_state(db, paper, ada).votes == 0


def test_setting_a_vote_twice_changes_nothing(db: Database, paper: str) -> None:
    ada, bob = member(db, "ada@example.org"), member(db, "bob@example.org")
    set_vote(db, ada, paper, True, "198.51.100.1", NOW)
    again = set_vote(db, ada, paper, True, "198.51.100.1", NOW)
    set_vote(db, bob, paper, True, "198.51.100.2", NOW)
    assert (again.voted, again.votes) == (True, 1)
    assert vote_state(db, paper, bob).votes == 2
    state = set_vote(db, bob, paper, False, "198.51.100.2", NOW)
    assert (state.voted, state.votes) == (False, 1)
    assert set_vote(db, bob, paper, False, "198.51.100.2", NOW).votes == 1


def test_the_total_adds_community_votes_to_a_source_s_upvotes(db: Database) -> None:
    list_papers(db, DAY, [("2411.00002", "Popular on Hugging Face", 40)])
    state = toggle_vote(db, member(db, "ada@example.org"), "2411.00002", "198.51.100.1", NOW)
    assert state.votes == 41


def test_a_later_day_s_feed_shows_the_same_total_as_the_answer_to_a_vote(db: Database) -> None:
    list_papers(db, DAY, [("2411.00009", "Popular yesterday", 100)])
    list_papers(db, date(2026, 11, 21), [("2411.00009", "Popular yesterday", 0)], origin="user")
    state = toggle_vote(db, member(db, "ada@example.org"), "2411.00009", "198.51.100.1", NOW)
    listing = feed_page(db, date(2026, 11, 21), "day")
    assert [(item.key, item.votes) for item in listing.items] == [("2411.00009", state.votes)]
    assert state.votes == 101


def test_voted_papers_says_which_the_member_voted_for(db: Database) -> None:
    list_papers(db, DAY, [("2411.00003", "One", 0), ("2411.00004", "Two", 0)])
    ada = member(db, "ada@example.org")
    toggle_vote(db, ada, "arXiv:2411.00004v2", "198.51.100.1", NOW)  # any usual id form works
    with db.connect() as conn:
        ids = {r.key: r.id for r in conn.execute(select(paper_table.c.key, paper_table.c.id))}
    assert voted_papers(db, ada.id, list(ids.values())) == {ids["2411.00004"]}


def test_voting_for_an_unknown_paper_is_not_found(db: Database, paper: str) -> None:
    with pytest.raises(NotFound) as caught:
        toggle_vote(db, member(db, "ada@example.org"), "2411.99999", "198.51.100.1", NOW)
    assert caught.value.field == "paper_key"


def test_a_banned_member_cannot_vote_even_with_an_old_user_record(db: Database, paper: str) -> None:
    admin = member(db, "admin@example.org", admin=True)
    eve = member(db, "eve@example.org")
    ban_user(db, admin, eve.email, "spam")
    assert eve.banned is False  # the caller's copy is stale; the service re-reads the account
    with pytest.raises(NotAllowed, match="suspended"):
        toggle_vote(db, eve, paper, "198.51.100.1", NOW)
    assert vote_state(db, paper).votes == 0


def test_two_hundred_users_voting_at_once_leave_exactly_two_hundred_votes(db: Database, paper: str) -> None:
    voters = [member(db, f"voter{n}@example.org") for n in range(200)]
    # Each thread waits for a pooled connection (at most 15: pool 5 + overflow 10), as web workers would.
    assert db.engine.pool.size() + db.engine.pool._max_overflow < 100  # type: ignore[attr-defined]
    start = threading.Barrier(len(voters))
    failures: list[BaseException] = []

    def cast_vote(user_index: int) -> None:
        try:
            start.wait(timeout=30)
            toggle_vote(db, voters[user_index], paper, f"198.51.{user_index // 250}.{user_index % 250}", NOW)
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            failures.append(exc)

    threads = [threading.Thread(target=cast_vote, args=(n,)) for n in range(len(voters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert vote_state(db, paper).votes == 200
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(vote)).scalar() == 200
