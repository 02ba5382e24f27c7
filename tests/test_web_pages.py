"""HTML pages: the daily feed, paper pages, search and error pages, in process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser

import httpx
import pytest
from fastapi.testclient import TestClient
from web_server import EXTRA_DAY, SEED_DAYS, fill_store, require_search

from paperboy.config import Settings
from paperboy.domain import Author, Paper
from paperboy.domain.bibtex import bibtex_entry, escape_bibtex
from paperboy.store import Database
from paperboy.web import create_app


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    fill_store(db)
    with TestClient(create_app(settings, db)) as test_client:
        yield test_client


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_home_shows_the_latest_day_with_papers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Daily Papers" in text and "Sunday, 1 September 2024" in text
    assert "Strings on a Brane" in text  # a paper of 1 September
    assert 'role="search"' in page.text and 'name="q"' in page.text


def test_the_header_offers_subscribing_now_that_subscriptions_exist(client: TestClient) -> None:
    page = client.get("/")
    assert "Get trending papers in your email inbox!" in page.text and 'action="/subscribe"' in page.text


def test_a_day_lists_most_upvoted_first_with_previous_and_next_days(client: TestClient) -> None:
    page = client.get(f"/papers/{SEED_DAYS[0].isoformat()}")
    assert page.status_code == 200
    titles = re.findall(r'<h2 class="card-title"><a href="([^"]+)"', page.text)
    assert titles[:2] == ["/papers/2407.00001", "/papers/2405.07518"]
    hrefs = links_of(page.text)
    assert f"/papers/{EXTRA_DAY.isoformat()}" in hrefs  # next day with papers
    assert "No earlier papers" in page.text
    later = client.get(f"/papers/{EXTRA_DAY.isoformat()}")
    assert f"/papers/{SEED_DAYS[0].isoformat()}" in links_of(later.text)
    assert f"/papers/{SEED_DAYS[1].isoformat()}" in links_of(later.text)


def test_a_card_shows_authors_votes_submitter_categories_and_links(client: TestClient) -> None:
    page = client.get(f"/papers/{SEED_DAYS[0].isoformat()}").text
    card = page[page.index('href="/papers/2405.07518"') :]
    card = card[: card.index("</article>")]
    text = text_of(card)
    assert re.sub(r"\s+,", ",", text).count("Ada Lovelace, Alan Turing, Grace Hopper") == 1
    assert '<a href="/authors/Alan%20Turing">Alan Turing</a>' in card
    assert "submitted by akhaliq" in text and "cs.AR" in text
    assert 'class="primary" title="Primary category">cs.AR</a>' in card
    assert "https://arxiv.org/abs/2405.07518" in card and "https://arxiv.org/pdf/2405.07518" in card
    assert '<a class="code-link" href="https://github.com/example/moe-pim"' in card
    assert '<details class="abstract-toggle">' in card and "Show full abstract" in card
    assert "0 comments" in text
    assert re.search(r'<span class="count">99</span>', page)


def test_week_and_month_views_cover_their_days(client: TestClient) -> None:
    week = client.get(f"/papers/{SEED_DAYS[0].isoformat()}?period=week")
    assert week.status_code == 200
    assert "Week of 29 Jul – 4 Aug 2024" in week.text
    assert "A Quiet Paper on the First of August" in week.text
    assert 'aria-current="page">Week' in week.text
    assert '<h1 id="feed-title">Papers of the Week</h1>' in week.text
    assert "<title>Papers of the Week · Week of 29 Jul – 4 Aug 2024 · Paperboy</title>" in week.text
    month = client.get(f"/papers/{SEED_DAYS[1].isoformat()}?period=month")
    assert "September 2024" in month.text and "Strings on a Brane" in month.text
    assert '<h1 id="feed-title">Papers of the Month</h1>' in month.text
    day = client.get(f"/papers/{SEED_DAYS[1].isoformat()}")
    assert '<h1 id="feed-title">Daily Papers</h1>' in day.text


def test_a_day_comes_in_parts_and_a_week_is_split_into_pages(client: TestClient) -> None:
    from paperboy.web.pages import DAY_PART

    day = SEED_DAYS[0].isoformat()
    first = client.get(f"/papers/{day}")
    assert first.text.count('<article class="card') == DAY_PART and 'data-total="59"' in first.text
    rest = client.get(f"/papers/{day}?page=2")
    assert rest.text.count('<article class="card') == 59 - DAY_PART and "more-papers" not in rest.text
    week = client.get(f"/papers/{day}?period=week")
    assert "Page 1 of 2" in week.text and f"/papers/{day}?period=week&amp;page=2" in week.text
    assert "more-papers" not in week.text  # a week's pages are pages
    assert client.get(f"/papers/{day}?period=week&page=2").status_code == 200
    assert client.get(f"/papers/{day}?page=3").status_code == 404


def test_paper_page_shows_metadata_links_and_bibtex(client: TestClient) -> None:
    page = client.get("/papers/2405.07518")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Sparse Mixture-of-Experts Accelerators" in text and "arXiv:2405.07518 (v2)" in text
    assert "14 pages, 9 figures" in text and "J. Hardw. Learn." in text
    assert "https://doi.org/10.1234/moe.2024.7" in page.text
    assert "@article{lovelace2024sparse," in page.text
    assert "eprint = {2405.07518}" in page.text and "primaryClass = {cs.AR}" in page.text


def test_paper_page_accepts_versions_and_old_style_ids(client: TestClient) -> None:
    assert "Sparse Mixture-of-Experts" in client.get("/papers/2405.07518v2").text
    old = client.get("/papers/hep-th/9901001")
    assert old.status_code == 200 and "Strings on a Brane" in old.text
    assert "https://arxiv.org/abs/hep-th/9901001" in old.text


def test_papers_known_only_by_title_have_pages_too(client: TestClient) -> None:
    day = client.get(f"/papers/{SEED_DAYS[1].isoformat()}").text
    # A title-only paper's key is a slug of its title and 8 hex digits of the title's digest.
    title_links = [h for h in links_of(day) if re.fullmatch(r"/papers/[a-z0-9-]+-[0-9a-f]{8}", h)]
    assert title_links
    page = client.get(title_links[0])
    assert page.status_code == 200 and "@misc{" in page.text


def test_a_day_without_papers_says_so(client: TestClient) -> None:
    page = client.get("/papers/2024-08-15")
    assert page.status_code == 200 and "No papers were on the feed on this day" in page.text


def test_an_empty_library_explains_how_to_get_papers_in(db: Database, settings: Settings) -> None:
    with TestClient(create_app(settings, db)) as empty:
        page = empty.get("/")
    assert page.status_code == 200 and "paperboy ingest arxiv" in page.text


def test_search_page_without_a_query_shows_the_form_and_tips(client: TestClient) -> None:
    page = client.get("/search")
    assert page.status_code == 200
    for label in ('for="q"', 'for="mode"', 'for="cat"', 'for="after"', 'for="before"'):
        assert label in page.text


def test_blank_optional_fields_from_the_search_form_count_as_not_given(client: TestClient) -> None:
    page = client.get("/search?q=&mode=hybrid&cat=&after=&before=")
    assert page.status_code == 200
    assert client.get("/feeds/papers.atom?date=").status_code == 200


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/papers/2405.99999", 404, "No paper with the id"),
        ("/no/such/page", 404, "There is no page at /no/such/page"),
        ("/papers/2024-13-45", 400, "not a real calendar date"),
        ("/papers/2024-02-30", 400, "not a real calendar date"),
        ("/?page=0", 400, "page must be at least 1"),
        ("/?page=abc", 400, "page must be a whole number"),
        ("/?page=1000000000", 400, "page must be at most 10,000"),
        ("/?period=year", 400, "period must be one of"),
        ("/search?q=" + "a" * 10_001, 400, "the limit is 10,000"),
        ("/search?q=x&after=yesterday", 400, "after must be a date like 2024-05-31"),
        ("/search?q=x&mode=fuzzy", 400, "mode must be one of"),
        ("/search?q=x&cat=%3Cscript%3E", 400, "not in the expected form"),
        # Hole 3: out-of-range dates overflowed into a 500.
        ("/search?q=x+before:9999-12-31", 400, "before:9999-12-31 is out of range"),
        ("/search?q=x&mode=keyword&before=9999-12-31", 400, "from 1900-01-01 to 2199-12-31"),
        ("/search?q=x&after=0001-01-01", 400, "from 1900-01-01 to 2199-12-31"),
        ("/papers/9999-12-31", 400, "from 1900-01-01 to 2199-12-31"),
    ],
)
def test_bad_input_gets_a_helpful_page_not_a_traceback(
    client: TestClient, url: str, status: int, message: str
) -> None:
    page = client.get(url)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert message in page.text
    assert "Traceback" not in page.text and 'role="search"' in page.text


def test_similar_papers_appear_on_the_paper_page(db: Database, settings: Settings) -> None:
    fill_store(db, with_snapshot=True)
    require_search(db, settings)
    with TestClient(create_app(settings, db)) as test_client:
        page = test_client.get("/papers/2405.07518")
    assert "Similar papers" in page.text


def test_search_marks_the_query_terms_and_keeps_filters(db: Database, settings: Settings) -> None:
    fill_store(db, with_snapshot=True)
    require_search(db, settings)
    with TestClient(create_app(settings, db)) as test_client:
        page = test_client.get("/search?q=accelerator+decoding&mode=hybrid&cat=cs.AR")
        assert page.status_code == 200
        assert "<mark>" in page.text and "Sparse Mixture-of-Experts" in page.text
        assert 'value="cs.AR"' in page.text
        keyword = test_client.get("/search?q=accelerator&mode=keyword")
        assert keyword.status_code == 200 and "selected>Words only" in keyword.text


def test_bibtex_escapes_plain_text_and_keeps_the_authors_latex() -> None:
    assert escape_bibtex("R&D at 50% of cost_#1") == r"R\&D at 50\% of cost\_\#1"
    assert escape_bibtex("Unbalanced } brace { here") == r"Unbalanced \} brace \{ here"
    assert escape_bibtex(r"Fast $O(n \log n)$ sort & merge") == r"Fast $O(n \log n)$ sort \& merge"
    assert escape_bibtex(r"A \textbf{bold} } title") == r"A \textbackslash{}textbf\{bold\} \} title"


def test_bibtex_entry_is_misc_without_a_journal_and_names_the_eprint() -> None:
    paper = Paper(
        title="Attention Is All You Need",
        abstract="",
        source="arxiv",
        arxiv_id="1706.03762",
        authors=(Author("Ashish Vaswani", "Vaswani", "Ashish"), Author("Noam Shazeer", "Shazeer", "Noam")),
        categories=("cs.CL", "cs.LG"),
        published=datetime(2017, 6, 12),
    )
    entry = bibtex_entry("1706.03762", paper)
    assert entry.startswith("@misc{vaswani2017attention,\n")
    assert "  author = {Vaswani, Ashish and Shazeer, Noam}," in entry
    assert "  eprint = {1706.03762}," in entry and "  archivePrefix = {arXiv}," in entry
    assert "  primaryClass = {cs.CL}," in entry and entry.endswith("\n}")
    assert entry.count("{") == entry.count("}")


def test_serve_with_several_workers_answers(tmp_path, database_url, model_dir) -> None:  # type: ignore[no-untyped-def]
    from web_server import running_server

    with running_server(database_url, tmp_path / "data", model_dir, workers=2) as base:
        for _ in range(4):
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            assert httpx.get(f"{base}/", timeout=10).status_code == 200
