"""Author pages and trend charts in a real headless Chromium against `paperboy serve`: the
server-drawn SVG shows (no script, no CSP complaint), takes the theme's colours in light and
dark mode, opens its table, and co-authors link to their pages.

Screenshots go to tests/screenshots/ (not committed); with PAPERBOY_TEST_DOCS_SCREENSHOTS=1
they are also copied to docs/screenshots/ for docs/insight.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from author_fixtures import fill_author_store
from browser_harness import DESKTOP, DOCS_SCREENSHOTS, SCREENSHOTS, Visit, served_store

FOR_DOCS = {"author-light.png", "author-dark.png", "search-trend.png"}
LIGHT_ACCENT = "rgb(51, 70, 199)"  # --accent in style.css
DARK_ACCENT = "rgb(159, 176, 255)"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[str]:
    with served_store(tmp_path_factory.mktemp("browser-insight"), model_dir, fill_author_store) as base:
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


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.stat().st_size < 600_000
    if os.environ.get("PAPERBOY_TEST_DOCS_SCREENSHOTS") == "1" and name in FOR_DOCS:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / name)


def test_the_author_page_draws_its_chart_opens_its_table_and_links_coauthors(light: Visit) -> None:
    page = light.page
    page.goto("/papers/2503.00002")
    page.locator(".authors a", has_text="Jose Garcia").first.click()
    page.wait_for_url("**/authors/Jose%20Garcia")
    assert page.locator("h1").inner_text() == "José García"
    chart = page.locator("svg.chart")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 60
    assert chart.locator("rect.bar").count() == 4
    assert page.locator("rect.bar").first.evaluate("e => getComputedStyle(e).fill") == LIGHT_ACCENT
    table = page.locator(".chart-data table")
    assert not table.is_visible()
    page.locator(".chart-data summary").click()
    assert table.is_visible() and table.locator("tbody tr").count() == 3
    screenshot(page, "author-light.png")
    page.locator(".coauthors a", has_text="Ada Lovelace").click()
    page.wait_for_url("**/authors/Ada%20Lovelace")
    assert page.locator(".card").count() == 2


def test_the_chart_takes_the_dark_theme_colours(dark: Visit) -> None:
    page = dark.page
    page.goto("/authors/Jose%20Garcia")
    assert page.locator("rect.bar").first.evaluate("e => getComputedStyle(e).fill") == DARK_ACCENT
    tick = page.locator("svg.chart text.tick").first.evaluate("e => getComputedStyle(e).fill")
    assert tick != "rgb(0, 0, 0)"  # readable on the dark background
    screenshot(page, "author-dark.png")


def test_a_search_shows_papers_per_week(light: Visit) -> None:
    page = light.page
    page.goto("/search?q=molecule+transformers&mode=keyword")
    chart = page.locator(".trend svg.chart")
    assert chart.is_visible() and chart.locator("rect.bar").count() == 14
    assert "5 papers in this library have every word" in page.locator(".trend").inner_text()
    screenshot(page, "search-trend.png")
