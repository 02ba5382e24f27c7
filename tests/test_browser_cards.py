"""Cards a researcher can scan, in a real headless Chromium against `paperboy serve`: the
compact and comfortable layouts (remembered), a whole day on one page with sort and
category chips, formulas as MathML, code links, and Trending before anyone has voted.

Screenshots go to tests/screenshots/ (not committed). The documentation's pictures are of
real papers instead, taken by scripts/screenshots.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from browser_harness import PHONE, Visit, screenshot, served_store, visiting
from feed_fixtures import DAY, fill_realistic_day

from paperboy.store import Database
from paperboy.web.pages import DAY_PART

DAY_PATH = f"/papers/{DAY.isoformat()}"
PAPERS_ON_DAY = 41  # 40 arXiv papers and one from a saved page
# A day longer than two parts, in another month (the fixture's arXiv ids follow the month).
LONG_DAY = date(2026, 1, 13)
LONG_DAY_PAPERS = 2 * DAY_PART + 31  # with one from a saved page


def fill_days(db: Database, _: object) -> None:
    fill_realistic_day(db)
    fill_realistic_day(db, LONG_DAY, LONG_DAY_PAPERS - 1, votes=False)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[str]:
    with served_store(tmp_path_factory.mktemp("browser-cards"), model_dir, fill_days) as base:
        yield base


@pytest.fixture
def visit(browser: object, site: str) -> Iterator[Visit]:
    with visiting(browser, site) as visit:
        yield visit


def cards_above_the_fold(page: object) -> int:
    return int(
        page.evaluate(  # type: ignore[attr-defined]
            "[...document.querySelectorAll('.card')]"
            ".filter(c => c.getBoundingClientRect().bottom <= window.innerHeight).length"
        )
    )


def test_compact_layout_fits_six_cards_above_the_fold_and_is_remembered(visit: Visit) -> None:
    page = visit.page
    page.goto(DAY_PATH)
    comfortable = cards_above_the_fold(page)
    screenshot(page, "feed-comfortable.png")
    page.locator(".layout-switch a", has_text="Compact").click()
    page.wait_for_url(f"**{DAY_PATH}")
    assert page.locator(".papers.layout-compact").count() == 1
    compact = cards_above_the_fold(page)
    assert compact >= 6 and compact > comfortable, (compact, comfortable)
    # Title and one line of abstract per card.
    line = page.locator(".compact-card .abstract-text").first
    assert line.bounding_box()["height"] < 30
    screenshot(page, "feed-compact.png")
    page.goto("/trending")  # remembered across pages and visits
    assert page.locator(".papers.layout-compact").count() == 1
    page.goto(DAY_PATH)
    page.locator(".layout-switch a", has_text="Comfortable").click()
    page.wait_for_url(f"**{DAY_PATH}")
    assert page.locator(".papers.layout-compact").count() == 0


def test_an_abstract_expands_in_place_in_both_layouts(visit: Visit) -> None:
    page = visit.page
    page.goto(DAY_PATH)
    clipped = "e => e.scrollHeight > e.clientHeight + 1"
    for _ in range(2):
        card = page.locator(".card", has=page.locator(".abstract-toggle")).first
        text = card.locator(".abstract-text")
        before = text.bounding_box()["height"]
        assert text.evaluate(clipped)
        card.locator(".abstract-toggle summary").click()
        assert text.bounding_box()["height"] > before and not text.evaluate(clipped)
        assert card.locator(".abstract-toggle .less").is_visible()
        card.locator(".abstract-toggle summary").click()
        assert text.evaluate(clipped)
        page.goto(f"/layout?set=compact&next={DAY_PATH}")


def test_a_whole_day_is_one_page_with_sort_and_category_chips(visit: Visit) -> None:
    page = visit.page
    page.goto(DAY_PATH)
    assert page.locator(".card").count() == PAPERS_ON_DAY
    assert page.locator(".pagination").count() == 0
    chip = page.locator(".chips a", has_text="cs.CV")
    shown = int(chip.locator(".n").inner_text())
    chip.click()
    page.wait_for_url("**cat=cs.CV")
    assert page.locator(".card").count() == shown
    for tags in page.locator(".card .tags").all():
        assert "cs.CV" in tags.inner_text()
    assert page.locator(".chips a[aria-current=true]").inner_text().startswith("cs.CV")
    screenshot(page, "feed-chips.png")
    page.locator(".sort-switch a", has_text="Newest").click()
    page.wait_for_url("**sort=newest*")
    assert "cat=cs.CV" in page.url  # the filter is kept
    page.locator(".sort-switch a", has_text="Most discussed").click()
    page.wait_for_url("**sort=discussed*")
    assert page.locator(".card .comment-count").first.inner_text() == "1 comment"


def wait_until(condition: Callable[[], bool], seconds: float = 10) -> None:
    # Polled from Python: the site's CSP refuses the string scripts wait_for_function runs.
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_long_day_reads_as_one_page_its_parts_appended_as_the_reader_scrolls(visit: Visit) -> None:
    page = visit.page
    page.goto(f"/papers/{LONG_DAY.isoformat()}")
    assert page.locator(".card").count() == DAY_PART
    assert page.locator(".pagination").is_hidden() and page.locator(".page-position").is_hidden()
    status = page.locator(".more-papers")
    assert status.inner_text() == f"Showing {DAY_PART} of {LONG_DAY_PAPERS} papers; more load as you scroll."
    for shown in (2 * DAY_PART, LONG_DAY_PAPERS):
        page.locator(".card").last.scroll_into_view_if_needed()
        wait_until(lambda: page.locator(".card").count() >= shown)  # noqa: B023
    wait_until(lambda: page.locator(".more-papers").count() == 0)
    assert page.locator(".pagination").count() == 0
    titles = page.locator(".card-title a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(titles) == len(set(titles)) == LONG_DAY_PAPERS
    # One list, numbered through: the last card is number LONG_DAY_PAPERS.
    assert page.locator("ol.papers > li").count() == LONG_DAY_PAPERS
    page.keyboard.press("End")
    for _ in range(3):
        page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('li') !== null")


def test_formulas_render_as_mathml_and_keep_their_source(visit: Visit) -> None:
    page = visit.page
    page.goto(DAY_PATH)
    title_math = page.locator(".card-title math").first
    assert title_math.is_visible() and title_math.bounding_box()["width"] > 20
    assert "\\mathcal{O}(n \\log n)" in title_math.locator("annotation").text_content()
    assert not title_math.locator("annotation").is_visible()
    page.locator(".card-title a").first.click()
    page.wait_for_url("**/papers/2603.*")
    assert page.locator("h1 math").first.is_visible()
    assert page.locator(".abstract.full math").count() >= 4
    screenshot(page, "paper-math.png")


def test_cards_and_paper_pages_link_the_code(visit: Visit) -> None:
    page = visit.page
    page.goto(DAY_PATH)
    card = page.locator(".card", has=page.locator(".card-title", has_text="Panoramic Video")).first
    assert card.locator("a.code-link").get_attribute("href") == "https://github.com/example/pano-dit"
    assert card.locator(".links a", has_text="arXiv").count() == 1
    assert card.locator(".links a", has_text="PDF").count() == 1
    authors = card.locator(".authors a")
    assert authors.count() >= 3
    assert (authors.first.get_attribute("href") or "").startswith("/authors/")
    card.locator(".card-title a").click()
    page.wait_for_url("**/papers/2603.*")
    assert page.locator(".links a.code-link").get_attribute("href") == "https://github.com/example/pano-dit"


def test_trending_before_any_vote_says_so_and_shows_the_newest_day(visit: Visit) -> None:
    page = visit.page
    page.goto("/trending")
    notice = page.locator(".fallback-notice")
    assert "nothing is trending yet" in notice.inner_text()
    assert page.locator(".card").count() > 0
    # Most discussed first: the fixture's two-comment paper leads.
    assert page.locator(".card .comment-count").first.inner_text() == "2 comments"
    screenshot(page, "trending-empty.png")


def test_both_layouts_fit_a_phone_and_dark_mode(browser: object, site: str) -> None:
    phone = {"viewport": PHONE, "device_scale_factor": 1, "is_mobile": True, "color_scheme": "dark"}
    with visiting(browser, site, **phone) as visit:
        page = visit.page
        for layout in ("comfortable", "compact"):
            page.goto(f"/layout?set={layout}&next={DAY_PATH}")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], layout
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(19, 20, 23)"
        screenshot(page, "phone-compact.png")
