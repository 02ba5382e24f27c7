"""Trend charts, in process: papers per week of a search, counted by the keyword index over
the library's weeks, drawn as SVG with a table; every word must match."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from author_fixtures import fill_author_store
from fastapi.testclient import TestClient

from paperboy.config import Settings
from paperboy.domain import FeedEntry, Paper, SourceRecord
from paperboy.search import parse_query
from paperboy.services.finding.activity import weekly_from_days, weekly_trend
from paperboy.services.finding.search import SearchService
from paperboy.services.gathering.ingest import ingest_items
from paperboy.services.insight.rising import rising_categories, rising_phrases, rising_shares
from paperboy.store import Database
from paperboy.web import create_app


@pytest.fixture
def filled(db: Database, settings: Settings) -> Database:
    fill_author_store(db, settings)
    return db


@pytest.fixture
def client(filled: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, filled)) as test_client:
        yield test_client


def test_weeks_run_monday_to_monday_with_zeros() -> None:
    trend = weekly_from_days(
        {date(2025, 1, 8): 2, date(2025, 1, 12): 1, date(2025, 1, 22): 4}, date(2025, 1, 6), date(2025, 1, 20)
    )
    assert trend.weeks == ((date(2025, 1, 6), 3), (date(2025, 1, 13), 0), (date(2025, 1, 20), 4))
    assert trend.total == 7


def test_a_trend_counts_papers_with_every_word_over_the_library_weeks(
    filled: Database, settings: Settings
) -> None:
    index = SearchService(filled, settings).keyword_index
    assert index.date_span() == (date(2025, 1, 10), date(2025, 4, 8))
    everything = weekly_trend(index, parse_query("molecule transformers"))
    assert everything is not None and everything.total == 5
    assert (
        everything.first == date(2025, 1, 6)
        and everything.last == date(2025, 4, 7)
        and len(everything.weeks) == 14
    )
    # "vision" alone is in one paper; the search's OR of words would match all five.
    vision = weekly_trend(index, parse_query("vision molecule"))
    assert vision is not None and vision.total == 1 and dict(vision.weeks)[date(2025, 3, 31)] == 1
    filtered = weekly_trend(index, parse_query("molecule cat:cs.CV"))
    assert filtered is not None and filtered.total == 1
    assert weekly_trend(index, parse_query("molecule"), weeks=2).first == date(2025, 3, 31)  # type: ignore[union-attr]


def test_the_search_page_draws_the_trend_with_a_table(client: TestClient) -> None:
    page = client.get("/search", params={"q": "molecule transformers", "mode": "keyword"}).text
    section = page[
        page.index('<section class="trend"') : page.index("</section>", page.index('<section class="trend"'))
    ]
    bars = re.findall(r'<rect class="bar"[^>]*><title>([^<]+)</title>', section)
    assert len(bars) == 14 and bars[0] == "Week of 6 January 2025: 1 paper"
    assert "Week of 13 January 2025: 0 papers" in bars
    assert "5 papers in this library have every word" in section
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", section)
    assert sum(int(n) for _, n in rows) == 5 and ("6 Jan 2025", "1") in rows
    assert "style=" not in section


def test_no_chart_when_nothing_has_every_word_or_past_page_one(client: TestClient) -> None:
    none = client.get("/search", params={"q": "molecule zebrafish", "mode": "keyword"})
    assert none.status_code == 200 and '<section class="trend"' not in none.text
    assert '<section class="trend"' not in client.get("/search").text


def _listed(n: int, category: str, day: date, start: int) -> list[SourceRecord]:
    return [
        SourceRecord(
            Paper(
                title=f"A {category} paper number {start + i}",
                abstract="An abstract long enough for the store to take it as a real one.",
                source="arxiv",
                arxiv_id=f"2504.{start + i:05d}",
                categories=(category,),
            ),
            f"test:{start + i}",
            FeedEntry(day, "arxiv"),
        )
        for i in range(n)
    ]


@pytest.fixture
def rising_store(db: Database) -> Database:
    week = date(2025, 4, 30)
    ingest_items(
        db,
        _listed(12, "cs.CR", week, 0)
        + _listed(12, "cs.LG", week - timedelta(days=2), 100)
        + _listed(5, "cs.CV", week, 200)  # fast growing, but too few papers this week
        + _listed(2, "cs.CR", week - timedelta(days=10), 300)
        + _listed(30, "cs.LG", week - timedelta(days=20), 400),
        kind="test",
    )
    return db


def test_rising_categories_compare_shares_against_the_weeks_before(rising_store: Database) -> None:
    report = rising_categories(rising_store, date(2025, 4, 30))
    assert report is not None and report.first_day == date(2025, 4, 24) and report.weeks_before == 2
    assert [r.category for r in report.categories] == ["cs.CR"]  # cs.LG's share fell; cs.CV has 5
    cr = report.categories[0]
    assert cr.papers == 12 and cr.share == pytest.approx(12 / 29)
    assert cr.share_before == pytest.approx(3 / 35)  # (2 + 1) / (32 + 3 categories)
    assert rising_categories(rising_store, date(2025, 4, 12)) is None  # nothing before to compare


def test_the_home_page_names_the_rising_categories(rising_store: Database, settings: Settings) -> None:
    with TestClient(create_app(settings, rising_store)) as client:
        page = client.get("/").text
        section = page[
            page.index('<section class="rising"') : page.index("</section>", page.index('class="rising"'))
        ]
        assert "24 Apr 2025 – 30 Apr 2025" in section and "the 2 weeks before" in section
        assert re.findall(r">(cs\.\w+) <span", section) == ["cs.CR"]
        assert "12 papers" in section
        assert '<section class="rising"' not in client.get("/?period=week").text


def test_rising_shares_smooth_the_share_before_and_need_both_totals() -> None:
    now = Counter({"new": 6, "grew": 8, "fell": 6, "few": 2})
    before = Counter({"grew": 4, "fell": 40, "few": 0, "gone": 16})
    rises = rising_shares(now, before, 20, 60, prior=2, prior_total=4, min_count=5, min_growth=1.5)
    # "new" was absent before: the prior alone gives it a share, (0 + 2) / (60 + 4).
    assert rises == [("new", 6, 6 / 20, 2 / 64), ("grew", 8, 8 / 20, 6 / 64)]
    # At exactly the least growth it still rises; ties go by name.
    even = rising_shares(
        Counter(b=5, a=5), Counter(b=1, a=1), 10, 2, prior=0, prior_total=0, min_count=5, min_growth=1.0
    )
    assert [r[0] for r in even] == ["a", "b"]
    for total_now, total_before in ((0, 60), (20, 0), (0, 0)):
        assert (
            rising_shares(
                now, before, total_now, total_before, prior=2, prior_total=4, min_count=1, min_growth=0
            )
            == []
        )


def test_rising_phrases_compare_shares_and_skip_a_phrase_inside_a_better_one() -> None:
    week, before = date(2025, 4, 28), date(2025, 4, 14)
    rows = (
        [(week, ["Mixture-of-Experts routing", "sparse"]) for _ in range(6)]  # new, on 6 of 20
        + [(week, ["diffusion", "routing"]) for _ in range(5)]  # "routing" sits inside the first
        + [(week, ["diffusion"]) for _ in range(9)]  # 14 of 20 now, 40 of 40 before: falls
        + [(week, ["tiny topic"]) for _ in range(4)]  # rises, but on 4 papers only
        + [(before, ["diffusion"]) for _ in range(40)]
    )
    found = rising_phrases(rows, date(2025, 4, 24))
    assert [r.phrase for r in found] == ["Mixture-of-Experts routing", "sparse"]
    moe = found[0]
    assert moe.papers == 6 and moe.share == pytest.approx(6 / 24)
    assert moe.share_before == pytest.approx(2 / 42)  # the prior of two papers over 40 + 2
    assert rising_phrases(rows[:24], date(2025, 4, 24)) == ()  # nothing before to compare


def test_the_home_page_names_the_rising_topics_as_keyword_searches(
    rising_store: Database, settings: Settings
) -> None:
    from sqlalchemy import select

    from paperboy.store import papers as paper_store
    from paperboy.store.schema import paper

    def phrases(title: str) -> list[str]:
        return ["Quantum <key> exchange"] if "cs.CR" in title else ["gradients"]

    with rising_store.transaction() as conn:
        rows = conn.execute(select(paper.c.id, paper.c.revision, paper.c.title)).all()
        paper_store.save_keywords(conn, [(r.id, r.revision, phrases(r.title)) for r in rows])
    with TestClient(create_app(settings, rising_store)) as client:
        page = client.get("/").text
    start = page.index('<section class="rising"')
    section = page[start : page.index("</section>", start)]
    assert "Quantum &lt;key&gt; exchange <span" in section and "<key>" not in section
    assert 'href="/search?q=kw%3A%22Quantum+%3Ckey%3E+exchange%22"' in section
    assert "gradients" not in section  # cs.LG's papers: a smaller share than the weeks before
