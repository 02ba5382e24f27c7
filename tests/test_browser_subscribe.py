"""Subscribing in a real headless Chromium: from the search page to a confirmed subscription.

`paperboy serve` runs in a subprocess with no SMTP set, so the confirmation mail lands in
its outbox folder, where the test reads the link as a reader would from their inbox.
Saves tests/screenshots/subscribe.png (docs/screenshots/ holds a copy).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_harness import DESKTOP, Visit
from conftest import fresh_database
from outbox_links import mailed_links
from test_browser import screenshot
from web_server import fill_store, index_store, running_server

from paperboy.config import Settings
from paperboy.store import open_database


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("browser-subscribe")
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url:
        db = open_database(url)
        db.migrate()
        fill_store(db)
        index_store(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir))
        db.close()
        with running_server(url, data_dir, model_dir) as base:
            yield base, data_dir


@pytest.fixture
def visit(browser: object, site: tuple[str, Path]) -> Iterator[Visit]:
    context = browser.new_context(viewport=DESKTOP, base_url=site[0], color_scheme="light")  # type: ignore[attr-defined]
    visit = Visit(context.new_page())
    yield visit
    visit.check_clean()
    context.close()


def test_subscribe_to_a_search_from_the_search_page_and_confirm_by_the_mailed_link(
    visit: Visit, site: tuple[str, Path]
) -> None:
    page = visit.page
    page.goto("/search?q=accelerator+decoding&mode=keyword&cat=cs.AR")
    page.click("text=Email me new papers like this")
    page.wait_for_url("**/subscribe?**")
    assert page.locator("#subscribe-q").input_value() == "accelerator decoding"
    assert page.locator("#subscribe-cat").input_value() == "cs.AR"
    assert page.locator('.subscribe-form input[name="kind"][value="search"]').is_checked()
    # The saved-search fields are switched off while "Trending papers" is chosen.
    page.check('.subscribe-form input[name="kind"][value="trending"]')
    assert page.locator("#subscribe-q").is_disabled()
    page.check('.subscribe-form input[name="kind"][value="search"]')
    assert page.locator("#subscribe-q").is_enabled()
    page.check('.subscribe-form input[name="frequency"][value="weekly"]')
    page.fill("#subscribe-email", "reader@example.org")
    screenshot(page, "subscribe.png")
    with page.expect_navigation():
        page.click('.subscribe-form button[type="submit"]')
    assert page.locator("h1").inner_text() == "Check your inbox"

    # Followed as mailed: `paperboy serve` must put its own address in the link.
    page.goto(mailed_links(site[1] / "outbox", "/subscriptions/confirm", to="reader@example.org")[-1])
    assert page.locator("h1").inner_text() == "Confirm your subscription"
    with page.expect_navigation():
        page.click('form[action="/subscriptions/confirm"] button')
    assert page.locator("h1").inner_text() == "Subscribed"
    assert "accelerator decoding" in page.locator(".saved").inner_text()

    # The manage page, by the link the confirmation page gives (the server's own address).
    manage = page.locator('a:has-text("your subscriptions page")').get_attribute("href") or ""
    assert manage.startswith(f"{site[0]}/subscriptions/manage?token="), manage
    page.goto(manage)
    assert page.locator("h1").inner_text() == "Subscriptions of reader@example.org"
    screenshot(page, "manage-subscriptions.png")
    with page.expect_navigation():
        page.click('.subscription button:has-text("Pause")')
    assert page.locator(".saved").inner_text().startswith("Paused")
    assert page.locator(".subscription .status").inner_text() == "paused (by subscriber)"


def test_a_bad_address_in_the_header_form_is_explained(visit: Visit) -> None:
    page = visit.page
    page.goto("/")
    # The browser's own check lets a domain without a dot through; the server does not.
    page.fill("#strip-email", "ada@example")
    with page.expect_navigation():
        page.click('.subscribe-compact button[type="submit"]')
    assert page.locator(".problem").is_visible()
    assert page.locator("#subscribe-email").get_attribute("aria-invalid") == "true"
