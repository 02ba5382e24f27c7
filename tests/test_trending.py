"""The trending score (docs/community.md) ranking /trending and the day, week and month lists."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from community_fixtures import list_papers, member

from paperboy.rank.trending import trending_score
from paperboy.services.community.comments import add_comment
from paperboy.services.community.moderation import hide_listing
from paperboy.services.community.votes import toggle_vote
from paperboy.services.feed import feed_page
from paperboy.services.trending import trending_page
from paperboy.store import Database

IP = "198.51.100.7"


@pytest.fixture
def worked_example(db: Database) -> None:
    """The three papers of the worked example in docs/community.md (votes from a source)."""
    list_papers(db, date(2026, 11, 20), [("2411.00001", "A", 10)])
    list_papers(db, date(2026, 11, 19), [("2411.00002", "B", 30)])
    list_papers(db, date(2026, 11, 17), [("2411.00003", "C", 100)])


def test_the_formula_gives_the_documented_scores() -> None:
    assert trending_score(10, 2) == pytest.approx(1.250)
    assert trending_score(30, 26) == pytest.approx(0.2025, abs=1e-4)
    assert trending_score(100, 74) == pytest.approx(0.1509, abs=1e-4)
    assert trending_score(0, 5) == 0


@pytest.mark.usefixtures("worked_example")
def test_trending_follows_the_worked_example_and_early_leads_fade(db: Database) -> None:
    early = trending_page(db, now=datetime(2026, 11, 20, 2, 0))
    assert [i.paper.title for i in early.items] == ["A", "B", "C"]
    assert [round(i.score, 3) for i in early.items] == [1.250, 0.202, 0.151]
    assert (early.first_day, early.last_day) == (date(2026, 11, 14), date(2026, 11, 20))
    later = trending_page(db, now=datetime(2026, 11, 22, 2, 0))
    assert [i.paper.title for i in later.items] == ["C", "B", "A"]
    assert [round(i.score, 4) for i in later.items] == [0.0724, 0.0453, 0.0267]


@pytest.mark.usefixtures("worked_example")
def test_trending_covers_only_the_last_seven_days(db: Database) -> None:
    page = trending_page(db, now=datetime(2026, 11, 24, 12, 0))
    assert [i.paper.title for i in page.items] == ["B", "A"]  # C (17 Nov) is 8 days old


@pytest.mark.usefixtures("worked_example")
def test_a_week_is_ranked_at_its_end_or_now_while_it_runs(db: Database) -> None:
    running = feed_page(db, date(2026, 11, 18), "week", now=datetime(2026, 11, 20, 2, 0))
    assert [i.paper.title for i in running.items] == ["A", "B", "C"]
    finished = feed_page(db, date(2026, 11, 18), "week", now=datetime(2027, 1, 1))
    # At the week's end (23 Nov 00:00): A 10/74^1.5, B 30/98^1.5, C 100/146^1.5.
    assert [i.paper.title for i in finished.items] == ["C", "B", "A"]
    assert finished.items[0].score == pytest.approx(trending_score(100, 144))


def test_community_votes_add_to_the_score_and_the_viewer_sees_their_vote(db: Database) -> None:
    day = date(2026, 11, 20)
    list_papers(db, day, [("2411.00011", "Two upvotes on HF", 2), ("2411.00012", "Unnoticed", 0)])
    now = datetime(2026, 11, 20, 12, 0)
    voters = [member(db, f"v{n}@example.org") for n in range(3)]
    for voter in voters:
        toggle_vote(db, voter, "2411.00012", IP, now)
    page = feed_page(db, day, viewer_id=voters[0].id, now=now)
    assert [(i.paper.title, i.votes, i.upvotes, i.voted) for i in page.items] == [
        ("Unnoticed", 3, 3, True),
        ("Two upvotes on HF", 2, 2, False),
    ]
    anonymous = feed_page(db, day, now=now)
    assert [i.voted for i in anonymous.items] == [False, False]


def test_papers_without_votes_are_ordered_newest_first(db: Database) -> None:
    day = date(2026, 11, 20)
    list_papers(db, day, [("2411.00021", "Older", 0), ("2411.00022", "Newer", 0)])
    page = trending_page(db, now=datetime(2026, 11, 20, 12, 0))
    assert [i.paper.title for i in page.items] == ["Newer", "Older"]


@pytest.mark.usefixtures("worked_example")
def test_a_hidden_listing_leaves_every_list(db: Database) -> None:
    admin = member(db, "admin@example.org", admin=True)
    hide_listing(db, admin, "2411.00003", "spam")
    now = datetime(2026, 11, 20, 2, 0)
    assert [i.paper.title for i in trending_page(db, now=now).items] == ["A", "B"]
    week = feed_page(db, date(2026, 11, 18), "week", now=now)
    assert ([i.paper.title for i in week.items], week.total) == (["A", "B"], 2)
    assert feed_page(db, date(2026, 11, 17), now=now).total == 0
    hide_listing(db, admin, "2411.00003", hidden=False)
    assert feed_page(db, date(2026, 11, 17), now=now).total == 1


def test_trending_without_votes_shows_the_newest_day_by_the_signals_there_are(db: Database) -> None:
    list_papers(db, date(2026, 11, 18), [("2411.00031", "Older day", 0)])
    list_papers(db, date(2026, 11, 19), [("2411.00032", "Quiet", 0), ("2411.00033", "Discussed", 0)])
    list_papers(db, date(2026, 11, 19), [("2411.00034", "Unsubmitted", 0)], origin="arxiv", submitter=None)
    add_comment(db, member(db, "reader@example.org"), "2411.00033", "Worth reading.", IP)
    page = trending_page(db, now=datetime(2026, 11, 20, 12, 0))
    assert page.fallback and page.period == "day" and page.first_day == date(2026, 11, 19)
    assert [i.paper.title for i in page.items] == ["Discussed", "Quiet", "Unsubmitted"]
    assert page.items[0].comments == 1 and page.items[1].submissions == 1


def test_one_vote_brings_the_trending_ranking_back(db: Database) -> None:
    list_papers(db, date(2026, 11, 19), [("2411.00041", "Voted", 0), ("2411.00042", "Not voted", 0)])
    now = datetime(2026, 11, 20, 12, 0)
    assert trending_page(db, now=now).fallback
    toggle_vote(db, member(db, "fan@example.org"), "2411.00041", IP, now)
    page = trending_page(db, now=now)
    assert not page.fallback and page.period == "week"
    assert [i.paper.title for i in page.items][0] == "Voted"


def test_trending_in_an_empty_library_is_empty_not_an_error(db: Database) -> None:
    page = trending_page(db, now=datetime(2026, 11, 20, 12, 0))
    assert page.items == () and page.total == 0 and not page.fallback
