"""The library in a real headless Chromium against `paperboy serve`: a reader saves a paper from
its card without a reload, tags it and writes a note, imports a BibTeX file, and makes a public
collection that a signed-out visitor reads, with an Atom feed that parses. No dialog may open,
no script error or CSP refusal may be logged. Screenshots go to tests/screenshots/; with
PAPERBOY_TEST_DOCS_SCREENSHOTS=1 the ones the docs show are copied to docs/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from browser_harness import DESKTOP, DOCS_SCREENSHOTS, PHONE, Visit
from conftest import fresh_database
from playwright import sync_api as playwright_sync
from test_browser_community import Site, sign_in
from test_browser_community import screenshot as save_screenshot
from web_server import SEED_DAYS, fill_store, index_store, running_server

from paperboy.config import Settings
from paperboy.store import open_database

PAPER = "2405.07518"  # "Sparse Mixture-of-Experts Accelerators ...", on the first seed day
OLD = "hep-th/9901001"
DAY = f"/papers/{SEED_DAYS[0].isoformat()}"
BIBTEX = """@misc{moe, title={Sparse Mixture-of-Experts Accelerators}, eprint={2405.07518}, keywords={hw}}
@misc{brane, title={Strings on a Brane: An Old-Style Identifier}, year={1999}}
@misc{later, title={A Paper Nobody Has Harvested Yet}, doi={10.9999/later.1}}
@misc{broken, title={Unclosed
"""
expect = playwright_sync.expect
FOR_DOCS = {"library.png", "library-import.png", "collection-phone.png"}


def screenshot(page: object, name: str, full_page: bool = False) -> None:
    path = save_screenshot(page, name, full_page)
    if os.environ.get("PAPERBOY_TEST_DOCS_SCREENSHOTS") == "1" and name in FOR_DOCS:
        shutil.copyfile(path, DOCS_SCREENSHOTS / name)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser-library")
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url:
        db = open_database(url)
        db.migrate()
        fill_store(db)
        index_store(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir))
        db.close()
        with running_server(url, data_dir, model_dir) as base:
            yield Site(base, data_dir, url)


@pytest.fixture
def reader(browser: object, site: Site) -> Iterator[Visit]:
    """A fresh browser signed in by the mailed link as a new reader for each test."""
    context = browser.new_context(viewport=DESKTOP, base_url=site.base, color_scheme="light")  # type: ignore[attr-defined]
    visit = Visit(context.new_page())
    reader.count = getattr(reader, "count", 0) + 1  # type: ignore[attr-defined]
    sign_in(visit.page, site, f"reader{reader.count}@example.org")  # type: ignore[attr-defined]
    yield visit
    visit.check_clean()
    context.close()


def card_of(page: object, key: str) -> object:
    return page.locator("article.card", has=page.locator(f".card-title a[href='/papers/{key}']"))  # type: ignore[attr-defined]


def test_saving_from_a_card_happens_in_place_and_lasts(reader: Visit) -> None:
    page = reader.page
    page.goto(DAY)
    card = card_of(page, PAPER)
    button = card.locator(".save-button")  # type: ignore[attr-defined]
    expect(button).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.stillTheSamePage = true")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("Saved")
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "library-save.png")
    page.reload()
    expect(card_of(page, PAPER).locator(".save-button")).to_have_attribute("aria-pressed", "true")  # type: ignore[attr-defined]
    # The compact layout keeps Save on each card's one line, without sideways scrolling.
    page.goto(f"/layout?set=compact&next={DAY}")
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        compact = card_of(page, PAPER).locator(".save-button")  # type: ignore[attr-defined]
        expect(compact).to_be_visible()
        expect(compact).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), viewport
    page.set_viewport_size(DESKTOP)
    page.click(".site-nav >> text=Library")
    page.wait_for_url("**/library")
    assert page.locator(".library-item .card-title").all_inner_texts() == [
        "Sparse Mixture-of-Experts Accelerators for Memory-Efficient LLM Decoding"
    ]


def test_tagging_a_saved_paper_and_filtering_by_the_tag(reader: Visit) -> None:
    page = reader.page
    for key in (PAPER, OLD):
        page.goto(f"/papers/{key}")
        page.locator(".paper-library .save-button").click()
        expect(page.locator(".paper-library .save-button")).to_have_attribute("aria-pressed", "true")
    page.goto("/library")
    item = page.locator(".library-item", has_text="Sparse Mixture")
    item.locator("summary", has_text="Edit tags and note").click()
    item.get_by_label("Tags, separated by commas").fill("Hardware, to read, <b>bold</b>")
    item.get_by_label("Private note (only you see it)").fill(
        "Check the energy figures <script>alert(1)</script>"
    )
    item.get_by_role("button", name="Save tags and note").click()
    page.wait_for_url("**#item-*")
    item = page.locator(".library-item", has_text="Sparse Mixture")
    assert item.locator(".item-tags li").all_inner_texts() == ["hardware", "to read", "<b>bold</b>"]
    assert "<script>alert(1)</script>" in item.locator(".item-note").inner_text()
    page.locator(".library-tags a", has_text="to read").click()
    page.wait_for_url("**tag=to+read**")
    assert page.locator(".library-item").count() == 1
    page.goto("/library?q=energy")
    assert page.locator(".library-item .card-title").all_inner_texts()[0].startswith("Sparse Mixture")
    screenshot(page, "library.png")


def test_importing_a_bibtex_file_reports_each_entry(reader: Visit, tmp_path: Path) -> None:
    page = reader.page
    path = tmp_path / "mine.bib"
    path.write_text(BIBTEX)
    page.goto("/library")
    page.click("text=Import BibTeX, RIS or CSL-JSON")
    page.wait_for_url("**/library/import")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    report = page.locator(".import-report")
    report.wait_for()
    assert report.locator(".n-saved").inner_text() == "2"
    assert report.locator(".n-unmatched").inner_text() == "1"
    assert report.locator(".n-rejected").inner_text() == "1"
    assert "A Paper Nobody Has Harvested Yet" in report.locator(".report-list.unmatched").inner_text()
    assert "broken" in report.locator(".report-list.rejected").inner_text()
    screenshot(page, "library-import.png", full_page=True)
    # The same file again adds nothing.
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    page.locator(".import-report").wait_for()
    assert page.locator(".n-saved").inner_text() == "0" and page.locator(".n-already").inner_text() == "2"
    page.goto("/library")
    assert page.locator(".library-item").count() == 2


def test_a_public_collection_is_read_signed_out_and_its_feed_parses(
    reader: Visit, browser: object, site: Site
) -> None:
    page = reader.page
    page.goto(DAY)
    card_of(page, PAPER).locator(".collect-link").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/collections/add?paper=*")
    page.get_by_label("Name").fill("Hardware for LLMs")
    page.get_by_label("Description").fill("Accelerators worth reading.")
    page.get_by_label("Public: anyone with the address can read it and follow its Atom feed").check()
    page.get_by_role("button", name="Create collection").click()
    page.wait_for_url("**/collections/*")
    address = page.url
    owner = page.locator("form[action='/sign-out'] a").inner_text()
    assert page.locator("h1").inner_text() == "Hardware for LLMs"
    page.goto(f"/papers/{OLD}")
    page.locator(".paper-library .collect-link").click()
    page.get_by_role("button", name="Add to Hardware for LLMs").click()
    page.wait_for_url(address)
    assert page.locator(".card").count() == 2

    visitor_context = browser.new_context(viewport=PHONE, base_url=site.base, color_scheme="dark")  # type: ignore[attr-defined]
    visitor = Visit(visitor_context.new_page())
    visitor.page.goto(address)
    assert visitor.page.locator("h1").inner_text() == "Hardware for LLMs"
    assert visitor.page.locator(".card").count() == 2
    assert visitor.page.locator(".collection-edit").count() == 0
    assert visitor.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(visitor.page, "collection-phone.png")
    feed_url = visitor.page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
    feed = visitor.page.request.get(site.base + feed_url)
    parsed = feedparser.parse(feed.body())
    assert feed.ok and not parsed.bozo and parsed.feed.title == f"Hardware for LLMs — a collection by {owner}"
    assert len(parsed.entries) == 2
    visitor.check_clean()
    visitor_context.close()
