"""Key-phrase chips in a real headless Chromium against `paperboy serve`: a chip on a card
opens the `kw:` search, which lists that card's paper; the compact layout has none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from browser_harness import Visit, screenshot, served_store, visiting
from feed_fixtures import DAY, fill_realistic_day

from paperboy.config import Settings
from paperboy.services.finding.indexing import Indexer
from paperboy.store import Database

DAY_PATH = f"/papers/{DAY.isoformat()}"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[str]:
    def fill(db: Database, settings: Settings) -> None:
        fill_realistic_day(db)
        # The keyword index step chooses each paper's key phrases: the chips.
        Indexer(db, settings).catch_up_keyword()

    with served_store(tmp_path_factory.mktemp("browser-keywords"), model_dir, fill) as base:
        yield base


@pytest.fixture
def visit(browser: object, site: str) -> Iterator[Visit]:
    with visiting(browser, site) as visit:
        yield visit


def test_a_key_phrase_chip_on_a_card_opens_the_kw_search_listing_that_paper(visit: Visit) -> None:
    page = visit.page
    page.goto(DAY_PATH)
    card = page.locator(".card", has=page.locator("ul.keywords")).first
    chips = card.locator("ul.keywords a")
    assert 1 <= chips.count() <= 5
    screenshot(card, "card-keywords.png")
    chip = chips.first
    phrase = chip.inner_text()
    assert chip.get_attribute("href") == "/search?q=" + quote_plus(f'kw:"{phrase}"')
    paper_path = card.locator(".card-title a").get_attribute("href")
    chip.click()
    page.wait_for_url("**/search?q=kw*")
    assert page.locator("input[name=q]").first.input_value() == f'kw:"{phrase}"'
    assert page.locator(f'.card-title a[href="{paper_path}"]').count() == 1
    # Every paper listed has the phrase among its chips, or holds it as whole words of one.
    for chip_texts in page.locator(".card ul.keywords").all_inner_texts():
        assert any(f" {phrase.lower()} " in f" {k.lower()} " for k in chip_texts.split("\n")), chip_texts


def test_the_compact_layout_leaves_the_chips_out(visit: Visit) -> None:
    page = visit.page
    page.goto(f"/layout?set=compact&next={DAY_PATH}")
    page.wait_for_url(f"**{DAY_PATH}")
    assert page.locator(".papers.layout-compact").count() == 1
    assert page.locator(".card").count() > 0 and page.locator("ul.keywords").count() == 0
    page.goto(f"/layout?set=comfortable&next={DAY_PATH}")
    assert page.locator("ul.keywords").count() > 0
