"""The for-you page in a real headless Chromium against `paperboy serve`: each paper says why it
is there, "Not interested" takes a paper off the list in place (no reload) and for good, and the
signals page removes a signal and, after asking, resets everything. No dialog may open, no
script error or CSP refusal may be logged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from browser_harness import DESKTOP, Visit
from conftest import fresh_database
from playwright import sync_api as playwright_sync
from recommend_fixtures import TOPICS
from test_browser_community import Site, sign_in
from web_server import fill_store, index_store, running_server

from paperboy.config import Settings
from paperboy.domain import Author, FeedEntry, Paper, SourceRecord
from paperboy.services.gathering.ingest import ingest_items
from paperboy.services.library import items
from paperboy.store import accounts as account_store
from paperboy.store import open_database

expect = playwright_sync.expect
TODAY = date.today()
SPEECH = [f"2611.1000{i}" for i in range(3)]


def _recent_topics() -> list[SourceRecord]:
    """Per topic: five papers listed two months ago (to save), three in the last days."""
    records = []
    for t, (category, titles) in enumerate(TOPICS.values()):
        for i, title in enumerate(titles):
            day = TODAY - timedelta(days=60 - i) if i < 5 else TODAY - timedelta(days=i - 4)
            paper = Paper(
                title=title, abstract=f"We study {title.lower()}.", source="arxiv",
                arxiv_id=f"2611.{t}000{i}",
                authors=(Author(f"Writer {t}{i}"),), categories=(category,),
                published=datetime.combine(day, datetime.min.time()),
            )  # fmt: skip
            records.append(SourceRecord(paper, f"test {t}{i}", FeedEntry(day=day, origin="arxiv")))
    return records


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser-for-you")
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url:
        db = open_database(url)
        db.migrate()
        fill_store(db)
        ingest_items(db, _recent_topics(), kind="test")
        index_store(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir))
        db.close()
        with running_server(url, data_dir, model_dir) as base:
            yield Site(base, data_dir, url)


def _reader_with_library(browser: object, site: Site, address: str) -> Iterator[Visit]:
    context = browser.new_context(viewport=DESKTOP, base_url=site.base, color_scheme="light")  # type: ignore[attr-defined]
    visit = Visit(context.new_page())
    sign_in(visit.page, site, address)
    db = open_database(site.database_url)
    with db.connect() as conn:
        user = account_store.find_user_by_email(conn, address)
    assert user is not None
    for key in SPEECH:
        items.update_item(db, user, key, tags="asr")
    db.close()
    yield visit
    visit.check_clean()
    context.close()


@pytest.fixture
def ada(browser: object, site: Site) -> Iterator[Visit]:
    yield from _reader_with_library(browser, site, "ada@example.org")


@pytest.fixture
def bob(browser: object, site: Site) -> Iterator[Visit]:
    yield from _reader_with_library(browser, site, "bob@example.org")


def test_the_list_says_why_and_not_interested_removes_a_paper_in_place(ada: Visit) -> None:
    page = ada.page
    page.goto("/for-you?days=30")
    papers = page.locator("li.for-you-item")
    expect(papers.first).to_be_visible()
    before = papers.count()
    assert before >= 3
    first = papers.first
    reasons = first.locator(".reasons li").all_inner_texts()
    assert any(r.startswith("like “") and r.endswith("in your library") for r in reasons), reasons
    assert "tag: asr" in reasons
    key = first.get_attribute("data-paper")
    page.evaluate("window.stillTheSamePage = true")
    first.get_by_role("button", name="Not interested").click()
    expect(page.locator(f"li.for-you-item[data-paper='{key}']")).to_have_count(0)
    expect(papers).to_have_count(before - 1)
    assert page.evaluate("window.stillTheSamePage") is True
    page.reload()
    expect(page.locator(f"li.for-you-item[data-paper='{key}']")).to_have_count(0)
    page.goto("/for-you/signals")
    expect(page.locator("#signals-not-interested .signal")).to_have_count(1)


def test_signals_are_removed_one_by_one_and_reset_after_asking(bob: Visit) -> None:
    page = bob.page
    page.goto("/for-you/signals")
    expect(page.locator("#signals-library .signal")).to_have_count(3)
    page.locator("#signals-tags .signal", has_text="asr").get_by_role("button", name="Remove").click()
    page.wait_for_url("**/for-you/signals")
    expect(page.locator("#signals-tags .signal")).to_have_count(0)
    page.get_by_role("link", name="Reset everything…").click()
    page.wait_for_url("**/for-you/signals/reset")
    expect(page.get_by_text("3 saved papers of your library")).to_be_visible()
    page.get_by_role("button", name="Yes, delete all of it").click()
    page.wait_for_url("**/for-you/signals?reset=done")
    expect(page.get_by_text("Everything was reset")).to_be_visible()
    page.goto("/for-you")
    expect(page.get_by_text("Save a few papers you like")).to_be_visible()
