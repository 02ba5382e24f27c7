"""The daily feed: a period's papers, most upvoted first, with neighbouring days."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from community_fixtures import member
from conftest import SEED_PAGES

from paperboy.domain import FeedEntry, Paper, SourceRecord
from paperboy.services.community.comments import add_comment
from paperboy.services.feed import feed_page, latest_feed_day, period_bounds
from paperboy.services.gathering.ingest import ingest_items
from paperboy.sources.daily_pages import read_daily_pages
from paperboy.store import Database


def put_on_day(db: Database, day: date, papers: list[tuple[str, int]]) -> None:
    items = [
        SourceRecord(
            Paper(title=title, abstract=f"Abstract of {title}.", source="hf", arxiv_id=f"2401.{n:05d}"),
            location=f"test {n}",
            entry=FeedEntry(day=day, origin="hf", submitted_by="akhaliq", upvotes=upvotes),
        )
        for n, (title, upvotes) in enumerate(papers, start=day.toordinal() % 1000 * 10)
    ]
    ingest_items(db, items, kind="test")


def test_a_day_lists_its_papers_most_upvoted_first(db: Database) -> None:
    put_on_day(db, date(2024, 5, 2), [("Quiet paper", 1), ("Popular paper", 40), ("Middling paper", 7)])
    page = feed_page(db, date(2024, 5, 2))
    assert [i.paper.title for i in page.items] == ["Popular paper", "Middling paper", "Quiet paper"]
    assert page.items[0].upvotes == 40 and page.items[0].submitted_by == "akhaliq"
    assert page.total == 3


def test_previous_and_next_days_skip_empty_days(db: Database) -> None:
    put_on_day(db, date(2024, 5, 3), [("Friday paper", 1)])
    put_on_day(db, date(2024, 5, 6), [("Monday paper", 1)])
    put_on_day(db, date(2024, 5, 7), [("Tuesday paper", 1)])
    page = feed_page(db, date(2024, 5, 6))
    assert (page.previous_day, page.next_day) == (date(2024, 5, 3), date(2024, 5, 7))
    assert latest_feed_day(db) == date(2024, 5, 7)


def test_week_and_month_views_cover_their_days(db: Database) -> None:
    put_on_day(db, date(2024, 5, 6), [("Monday paper", 3)])
    put_on_day(db, date(2024, 5, 12), [("Sunday paper", 5)])
    put_on_day(db, date(2024, 5, 13), [("Next week paper", 9)])
    week = feed_page(db, date(2024, 5, 8), "week")
    assert (week.first_day, week.last_day) == (date(2024, 5, 6), date(2024, 5, 12))
    assert [i.paper.title for i in week.items] == ["Sunday paper", "Monday paper"]
    month = feed_page(db, date(2024, 5, 20), "month")
    assert month.total == 3
    assert period_bounds(date(2024, 2, 10), "month") == (date(2024, 2, 1), date(2024, 2, 29))


def test_pages_split_the_list(db: Database) -> None:
    put_on_day(db, date(2024, 5, 2), [(f"Paper {n}", n) for n in range(25)])
    first = feed_page(db, date(2024, 5, 2), per_page=10)
    third = feed_page(db, date(2024, 5, 2), page=3, per_page=10)
    assert first.pages == 3 and len(third.items) == 5
    assert first.items[0].paper.title == "Paper 24"


def test_a_new_upvote_count_from_the_source_is_kept(db: Database) -> None:
    put_on_day(db, date(2024, 5, 2), [("Rising paper", 2)])
    put_on_day(db, date(2024, 5, 2), [("Rising paper", 30)])
    assert feed_page(db, date(2024, 5, 2)).items[0].upvotes == 30


def test_seed_pages_fill_their_days(db: Database) -> None:
    items = [item for path in SEED_PAGES for item in read_daily_pages(path, year=2024)]
    ingest_items(db, items, kind="pages")
    totals = [feed_page(db, d).total for d in (date(2024, 7, 30), date(2024, 9, 1))]
    assert totals == [57, 36]  # 88 papers: 5 appear on both days


def test_bad_feed_arguments_are_refused_clearly(db: Database) -> None:
    with pytest.raises(ValueError, match="period 'year'"):
        feed_page(db, date(2024, 5, 2), "year")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="page 0"):
        feed_page(db, date(2024, 5, 2), page=0)
    with pytest.raises(ValueError, match="per_page 5000"):
        feed_page(db, date(2024, 5, 2), per_page=5000)
    with pytest.raises(ValueError, match="sort 'random'"):
        feed_page(db, date(2024, 5, 2), sort="random")


def put_categorised(db: Database, day: date) -> None:
    """Three papers of one day in different categories and published on different days."""
    rows = [
        ("2405.00001", "Vision paper", ("cs.CV", "cs.LG"), datetime(2024, 5, 1), 5),
        ("2405.00002", "Language paper", ("cs.CL",), datetime(2024, 5, 3), 1),
        ("2405.00003", "Learning paper", ("cs.LG",), datetime(2024, 5, 2), 9),
    ]
    ingest_items(
        db,
        [
            SourceRecord(
                Paper(
                    title=t, abstract="An abstract.", source="arxiv", arxiv_id=i, categories=c, published=p
                ),
                location=f"test {i}",
                entry=FeedEntry(day=day, origin="arxiv", upvotes=u),
            )
            for i, t, c, p, u in rows
        ],
        kind="test",
    )


def test_a_day_can_be_sorted_newest_or_most_discussed(db: Database) -> None:
    day = date(2024, 5, 6)
    put_categorised(db, day)
    titles = lambda page: [i.paper.title for i in page.items]  # noqa: E731
    assert titles(feed_page(db, day)) == ["Learning paper", "Vision paper", "Language paper"]
    assert titles(feed_page(db, day, sort="newest")) == ["Language paper", "Learning paper", "Vision paper"]
    for n in range(2):
        add_comment(db, member(db, f"reader{n}@example.org"), "2405.00002", f"Comment {n}", "198.51.100.1")
    discussed = feed_page(db, day, sort="discussed")
    assert titles(discussed) == ["Language paper", "Learning paper", "Vision paper"]
    assert [i.comments for i in discussed.items] == [2, 0, 0] and discussed.sort == "discussed"


def test_a_category_filters_the_day_and_every_category_is_counted(db: Database) -> None:
    day = date(2024, 5, 6)
    put_categorised(db, day)
    page = feed_page(db, day, category="cs.LG", with_categories=True)
    assert [i.paper.title for i in page.items] == ["Learning paper", "Vision paper"]  # any category counts
    assert page.total == 2 and page.category == "cs.LG"
    assert page.categories == (("cs.LG", 2), ("cs.CL", 1), ("cs.CV", 1))
    assert feed_page(db, day, category="cs").total == 3  # an archive
    assert feed_page(db, day, category="cs.C").total == 0  # no partial matches
    assert feed_page(db, day).categories == ()  # counted only when asked


def test_a_whole_day_fits_on_one_page(db: Database) -> None:
    put_on_day(db, date(2024, 5, 2), [(f"Paper {n}", n % 7) for n in range(1200)])
    page = feed_page(db, date(2024, 5, 2), per_page=2000)
    assert page.pages == 1 and len(page.items) == 1200 == page.total
