"""Author pages, in process: exact names (accents and case aside), newest first, co-authors,
categories, the activity chart and its table, links from cards, bad and hostile names."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from author_fixtures import HOSTILE_NAME, fill_author_store
from fastapi.testclient import TestClient

from paperboy.config import Settings
from paperboy.domain.authors import author_name_key
from paperboy.services.insight.authors import monthly_counts
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.cards import author_page_url
from paperboy.web.charts import Bar, bar_chart


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_author_store(db, settings)
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="card-title"><a href="/papers/([^"]+)"', html)


def test_names_fold_like_the_index_folds_them() -> None:
    assert author_name_key("José  A. García-Pérez") == "jose a garcia perez"
    assert author_name_key("JOSE GARCIA") == author_name_key("José García")
    assert author_name_key("--") == ""


def test_an_author_page_lists_their_papers_newest_first_and_only_theirs(client: TestClient) -> None:
    page = client.get("/authors/Jose%20Garcia")
    assert page.status_code == 200
    # The paper dated only by its listing (April) counts; García-Pérez is someone else.
    assert titles(page.text) == ["2504.00004", "2503.00002", "2501.00001"]
    assert '<h1 id="author-title">José García</h1>' in page.text  # the spelling most papers use
    assert "3 papers in this library" in page.text
    assert 'href="/search?q=author%3A%22Jos%C3%A9+Garc%C3%ADa%22"' in page.text


def test_the_page_names_frequent_coauthors_and_categories(client: TestClient) -> None:
    page = client.get("/authors/jos%C3%A9%20garc%C3%ADa").text
    coauthors = page[page.index('class="coauthors"') : page.index('class="author-categories"')]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a> <span class="shared">(\d+) paper', coauthors) == [
        ("/authors/Ada%20Lovelace", "Ada Lovelace", "2"),
        ("/authors/Alan%20Turing", "Alan Turing", "1"),
    ]
    assert "Grace Hopper" not in coauthors
    categories = page[page.index('class="author-categories"') :]
    assert re.findall(r'>(cs\.\w+) <span class="shared">(\d+)</span>', categories) == [
        ("cs.LG", "2"),
        ("cs.CV", "1"),
    ]


def test_the_activity_chart_is_svg_with_a_table_beside_it(client: TestClient) -> None:
    page = client.get("/authors/Jose%20Garcia").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    bars = re.findall(r'<rect class="bar"[^>]*height="([\d.]+)"><title>([^<]+)</title>', svg)
    assert [label for _, label in bars] == [
        "January 2025: 1 paper", "February 2025: 0 papers", "March 2025: 1 paper", "April 2025: 1 paper",
    ]  # fmt: skip
    assert float(bars[1][0]) == 0 and float(bars[0][0]) == float(bars[3][0]) > 0
    assert 'role="img"' in svg and '<title id="activity-title">Papers by José García per month' in svg
    assert "style=" not in svg and "<script" not in page.split("</main>")[0].split("<main")[1]
    table = page[
        page.index('<details class="chart-data">') : page.index("</details>", page.index("chart-data"))
    ]
    assert re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td></tr>", table) == [
        ("January 2025", "1"), ("March 2025", "1"), ("April 2025", "1"),
    ]  # fmt: skip


def test_cards_link_every_author_to_their_page_and_it_resolves(client: TestClient) -> None:
    day = client.get("/papers/2025-03-05").text
    assert '<a href="/authors/Alan%20Turing">Alan Turing</a>' in day
    assert client.get("/authors/Alan%20Turing").status_code == 200
    paper = client.get("/papers/2503.00002").text
    assert '<a href="/authors/Ada%20Lovelace">Ada Lovelace</a>' in paper


def test_a_name_with_a_slash_or_markup_is_quoted_escaped_and_found(client: TestClient) -> None:
    assert author_page_url("A/B Team") == "/authors/A%2FB%20Team"
    assert titles(client.get(author_page_url("A/B Team")).text) == ["2504.00005"]
    page = client.get(author_page_url(HOSTILE_NAME))
    assert page.status_code == 200 and titles(page.text) == ["2504.00005"]
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#34;name&#34;)" in page.text


def test_unknown_empty_and_oversized_names_get_clear_errors(client: TestClient) -> None:
    missing = client.get("/authors/Nobody%20Here")
    assert missing.status_code == 404 and "No paper in this library lists an author named" in missing.text
    assert client.get("/authors/--").status_code == 400
    assert client.get("/authors/" + "a" * 300).status_code == 400
    assert client.get("/authors/Jose%20Garcia?page=2").status_code == 404


def test_months_run_unbroken_from_first_to_last() -> None:
    from datetime import date

    months = monthly_counts([date(2024, 11, 3), date(2025, 2, 1), date(2025, 2, 27)])
    assert months == (
        (date(2024, 11, 1), 1),
        (date(2024, 12, 1), 0),
        (date(2025, 1, 1), 0),
        (date(2025, 2, 1), 2),
    )


def test_bars_are_as_tall_as_their_share_of_the_largest_and_labels_escaped() -> None:
    svg = str(bar_chart([Bar("a", "<b>a</b>", 2), Bar("b", "b", 4)], "T & U", "c"))
    heights = [float(h) for h in re.findall(r'height="([\d.]+)"', svg)]
    assert heights[1] == 2 * heights[0] > 0
    assert "&lt;b&gt;a&lt;/b&gt;" in svg and "T &amp; U" in svg
    assert bar_chart([], "empty", "e") == ""


def test_a_prolific_author_is_paged_twenty_at_a_time(db: Database, settings: Settings) -> None:
    from datetime import datetime

    from paperboy.domain import Author, Paper, SourceRecord
    from paperboy.services.finding.indexing import Indexer
    from paperboy.services.gathering.ingest import ingest_items

    ingest_items(
        db,
        [
            SourceRecord(
                Paper(
                    title=f"Result number {i}",
                    abstract="An abstract long enough for the store to take it as a real one.",
                    source="arxiv",
                    arxiv_id=f"2502.{i:05d}",
                    authors=(Author("Prolific Person"), Author(f"Student {i % 3}")),
                    categories=("math.CO",),
                    published=datetime(2025, 2, 1 + i),
                ),
                f"test:{i}",
            )
            for i in range(25)
        ],
        kind="test",
    )
    Indexer(db, settings).catch_up_keyword()
    with TestClient(create_app(settings, db)) as client:
        first = client.get("/authors/Prolific%20Person").text
        assert titles(first)[:2] == ["2502.00024", "2502.00023"] and len(titles(first)) == 20
        assert 'href="?page=2"' in first and "Page 1 of 2" in first
        second = client.get("/authors/Prolific%20Person?page=2").text
        assert titles(second) == [f"2502.{i:05d}" for i in range(4, -1, -1)]
        assert '<ol class="papers" start="21">' in second
        assert '>Student 0</a> <span class="shared">9 papers' in first
