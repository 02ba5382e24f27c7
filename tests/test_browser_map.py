"""The topic map in a real headless Chromium against `paperboy serve`: the server-drawn SVG
shows (no script, no CSP complaint), a point opens its paper, Tab reaches the points and a
focused point shows its title, dark mode changes the colours, and a topic page lists its
papers with a trend.

Screenshots go to tests/screenshots/ (not committed); with PAPERBOY_TEST_DOCS_SCREENSHOTS=1
the small-store ones are copied to docs/screenshots/ (the real week's map there is taken by
bench/map_screenshots.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_harness import DESKTOP, Visit
from conftest import fresh_database
from map_fixtures import SUBJECTS, VARIANTS, fill_map_store
from test_browser_insight import screenshot
from web_server import running_server

from paperboy.config import Settings
from paperboy.store import open_database

MAP = "/map?day=2025-03-12&period=week"
PAPERS = len(SUBJECTS) * len(VARIANTS)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path, embedder: object
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-map")
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url:
        db = open_database(url)
        db.migrate()
        fill_map_store(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir), embedder)
        db.close()
        with running_server(url, data_dir, model_dir) as base:
            yield base


def _visit(browser: object, site: str, scheme: str) -> Iterator[Visit]:
    context = browser.new_context(viewport=DESKTOP, base_url=site, color_scheme=scheme)  # type: ignore[attr-defined]
    visit = Visit(context.new_page())
    yield visit
    visit.check_clean()
    context.close()


@pytest.fixture
def light(browser: object, site: str) -> Iterator[Visit]:
    yield from _visit(browser, site, "light")


@pytest.fixture
def dark(browser: object, site: str) -> Iterator[Visit]:
    yield from _visit(browser, site, "dark")


def test_a_point_on_the_map_opens_its_paper(light: Visit) -> None:
    page = light.page
    page.goto(MAP)
    svg = page.locator("svg.topic-map")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 300
    points = svg.locator("a.point")
    assert points.count() == PAPERS
    href = points.nth(3).get_attribute("href")
    assert href and href.startswith("/papers/2503.")
    points.nth(3).locator("circle").click()
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").count() == 1


def test_keyboard_focus_on_a_point_shows_its_title(light: Visit) -> None:
    page = light.page
    page.goto(MAP)
    captions = page.locator("svg.topic-map text.caption")
    assert all(captions.nth(i).evaluate("e => getComputedStyle(e).visibility") == "hidden" for i in range(3))
    for _ in range(80):  # Tab through the header and the form to the first point
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('a.point')"):
            break
    focused = page.locator("a.point:focus")
    assert focused.count() == 1
    caption = focused.locator("text.caption")
    assert caption.evaluate("e => getComputedStyle(e).visibility") == "visible"
    title = focused.locator("title").text_content() or ""
    assert title and caption.text_content().startswith(title[:40])  # type: ignore[union-attr]
    assert focused.locator("circle").evaluate("e => getComputedStyle(e).strokeWidth") != "0px"
    screenshot(page, "map-focus.png")
    page.keyboard.press("Enter")
    page.wait_for_url("**/papers/2503.*")


def test_the_map_takes_the_dark_theme_colours(light: Visit, dark: Visit) -> None:
    fills = []
    for visit in (light, dark):
        visit.page.goto(MAP)
        fills.append(visit.page.locator("a.point circle").first.evaluate("e => getComputedStyle(e).fill"))
        label = visit.page.locator("text.topic-label").first.evaluate("e => getComputedStyle(e).fill")
        background = visit.page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert label != background
    assert fills[0] != fills[1] and "rgb(0, 0, 0)" not in fills
    screenshot(dark.page, "map-small-dark.png")


def test_a_topic_page_lists_its_papers_with_a_trend(light: Visit) -> None:
    page = light.page
    page.goto(MAP)
    page.locator(".topic-entry > a").first.click()
    page.wait_for_url("**/topics/week/2025-03-10/1")
    assert page.locator("article.card").count() == len(VARIANTS)
    assert page.locator("svg.chart rect.bar").count() >= 1
    screenshot(page, "topic-page.png")
    page.locator("a", has_text="Back to the map").click()
    page.wait_for_url("**/map?day=2025-03-10&period=week")
