"""The site in a real headless Chromium (Debian's), driven by Playwright, against
`paperboy serve` running in a subprocess. Saves screenshots to tests/screenshots/ (ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_harness import DESKTOP, PHONE, Visit
from browser_harness import screenshot as shared_screenshot
from conftest import fresh_database
from web_server import EXTRA_DAY, SEED_DAYS, fill_store, index_store, running_server

from paperboy.config import Settings
from paperboy.store import open_database


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser")
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url:
        db = open_database(url)
        db.migrate()
        fill_store(db, with_snapshot=True)
        index_store(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir))
        db.close()
        with running_server(url, data_dir, model_dir) as base:
            yield base


@pytest.fixture
def visit(browser: object, site: str) -> Iterator[Visit]:
    context = browser.new_context(viewport=DESKTOP, base_url=site, color_scheme="light")  # type: ignore[attr-defined]
    page = context.new_page()
    visit = Visit(page)
    yield visit
    visit.check_clean()
    context.close()


def screenshot(page: object, name: str) -> None:
    shared_screenshot(page, name, max_bytes=300_000)


def test_browse_days_forward_back_and_by_week(visit: Visit) -> None:
    page = visit.page
    page.goto("/")
    assert page.locator("h1").inner_text() == "Daily Papers"
    assert "1 September 2024" in page.locator(".feed-date").inner_text()
    screenshot(page, "home.png")
    page.goto(f"/papers/{SEED_DAYS[0]}")
    page.click(".day-nav a.next")
    page.wait_for_url(f"**/papers/{EXTRA_DAY}")
    assert "A Quiet Paper on the First of August" in page.content()
    page.click(".day-nav a.prev")
    page.wait_for_url(f"**/papers/{SEED_DAYS[0]}")
    page.click(".period-switch >> text=Week")
    page.wait_for_url("**period=week")
    assert "Week of 29 Jul" in page.locator(".feed-date").inner_text()
    assert page.locator(".card-title", has_text="A Quiet Paper").count() == 1


def test_an_abstract_expands_in_place(visit: Visit) -> None:
    page = visit.page
    page.goto(f"/papers/{SEED_DAYS[0]}")
    card = page.locator(".card", has=page.locator(".abstract-toggle")).first
    text = card.locator(".abstract-text")
    clipped = "e => e.scrollHeight > e.clientHeight + 1"
    assert text.evaluate(clipped)  # the opening lines only
    card.locator(".abstract-toggle summary").click()
    assert not text.evaluate(clipped) and card.locator(".abstract-toggle .less").is_visible()


def test_open_a_paper_from_the_feed_and_read_its_citation(visit: Visit) -> None:
    page = visit.page
    page.goto(f"/papers/{SEED_DAYS[0]}")
    page.click("text=Sparse Mixture-of-Experts Accelerators")
    page.wait_for_url("**/papers/2405.07518")
    assert page.locator("h1").inner_text().startswith("Sparse Mixture-of-Experts")
    assert "eprint = {2405.07518}" in page.locator("#bibtex").inner_text()
    assert (
        page.locator(".links a", has_text="PDF").get_attribute("href") == "https://arxiv.org/pdf/2405.07518"
    )
    screenshot(page, "paper.png")
    similar = page.locator(".similar .card-title a")
    assert similar.count() > 0
    similar.first.click()
    page.wait_for_url("**/papers/**")


def test_hostile_markup_renders_as_readable_text(visit: Visit) -> None:
    page = visit.page
    page.goto("/papers/2407.00001")
    title = page.locator("h1").inner_text()
    assert title.startswith('<script>alert("title")</script> Attention & <b>bold</b>')
    assert "<img src=x onerror=alert(1)>" in page.locator(".abstract.full").inner_text()
    assert page.locator("h1 b, h1 script, .abstract img").count() == 0
    page.goto(f"/papers/{SEED_DAYS[0]}")
    assert "<svg onload=alert(2)>" in page.locator(".submitter").first.inner_text()
    # Visit.check_clean (after the test) asserts no dialog fired and CSP blocked nothing.


def test_keyboard_alone_reaches_content_search_and_papers(visit: Visit) -> None:
    page = visit.page
    page.goto(f"/papers/{SEED_DAYS[0]}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").bounding_box()["y"] >= 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = page.evaluate("document.activeElement.getAttribute('href')")
    assert second == "/papers/2405.07518"
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/papers/2407.00001"
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/2405.07518")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-search"
    page.keyboard.type("memory accelerator")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=memory+accelerator")


def test_search_with_filters(visit: Visit) -> None:
    page = visit.page
    page.goto("/search")
    assert page.get_by_label("Category").is_visible() and page.get_by_label("Published after").is_visible()
    page.get_by_label("Query").fill("memory-efficient accelerator")
    page.get_by_label("Ranking").select_option("hybrid")
    page.get_by_label("Category").fill("cs.AR")
    page.get_by_role("button", name="Search").last.click()
    page.wait_for_url("**/search?q=memory-efficient*cat=cs.AR*")
    assert page.locator(".card mark").count() > 0
    assert page.get_by_label("Category").input_value() == "cs.AR"
    screenshot(page, "search.png")


def test_dark_theme_follows_the_system_and_the_toggle_is_remembered(browser: object, site: str) -> None:
    context = browser.new_context(viewport=DESKTOP, base_url=site, color_scheme="dark")  # type: ignore[attr-defined]
    page = context.new_page()
    visit = Visit(page)
    page.goto(f"/papers/{SEED_DAYS[0]}")
    dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_background == "rgb(19, 20, 23)"
    screenshot(page, "dark.png")
    toggle = page.locator("#theme-toggle")
    assert toggle.inner_text() == "Light theme"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    page.reload()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(247, 247, 244)"
    assert page.locator("#theme-toggle").inner_text() == "Dark theme"
    visit.check_clean()
    context.close()


def test_phone_width_has_no_sideways_scrolling(browser: object, site: str) -> None:
    context = browser.new_context(viewport=PHONE, base_url=site, device_scale_factor=1, is_mobile=True)  # type: ignore[attr-defined]
    page = context.new_page()
    visit = Visit(page)
    for path in (f"/papers/{SEED_DAYS[0]}", "/papers/2405.07518", "/papers/2407.00001", "/search"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.goto(f"/papers/{SEED_DAYS[0]}")
    screenshot(page, "phone.png")
    visit.check_clean()
    context.close()
