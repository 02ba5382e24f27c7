"""The community in a real headless Chromium against `paperboy serve`: a member signs in by the
emailed link, names themselves, submits, upvotes without a reload and comments in Markdown;
an admin, in a second browser, hides the comment. No alert may fire at any point."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_harness import DESKTOP, DOCS_SCREENSHOTS, PHONE, SCREENSHOTS, Visit
from conftest import fresh_database
from outbox_links import mailed_links
from playwright import sync_api as playwright_sync
from recorded_server import RecordedServer
from test_arxiv_api import arxiv_like
from web_server import fill_store, index_store, running_server

from paperboy.config import Settings
from paperboy.services import accounts
from paperboy.store import open_database

PAPER = "2405.07518"  # in the store, with 99 upvotes from Hugging Face
NEW_PAPER = "2402.01234"  # not in the store: fetched from the arXiv API (on loopback) when submitted
HOSTILE_NAME = "Ada <img src=x onerror=alert(1)>"
COMMENT = (
    "**Bold claim**: the 4.2x holds, see [the code](https://example.org/moe).\n\n"
    "<script>alert(2)</script> [click me](javascript:alert(3))"
)


class Site:
    def __init__(self, base: str, data_dir: Path, database_url: str) -> None:
        self.base = base
        self.data_dir = data_dir
        self.database_url = database_url


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, _postgres_template: None, model_dir: Path
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("browser-community")
    data_dir = folder / "data"
    data_dir.mkdir(parents=True)
    with fresh_database(folder) as url, RecordedServer(arxiv_like) as arxiv:
        db = open_database(url)
        db.migrate()
        fill_store(db)
        index_store(db, Settings(data_dir=data_dir, database_url=url, model_dir=model_dir))
        db.close()
        # The server runs in data_dir, so it reads this paperboy.toml: arXiv is the loopback one.
        (data_dir / "paperboy.toml").write_text(f'arxiv_api_url = "{arxiv.url}/api/query"\n')
        with running_server(url, data_dir, model_dir) as base:
            yield Site(base, data_dir, url)


def sign_in(page: object, site: Site, address: str) -> None:
    page.goto("/sign-in")  # type: ignore[attr-defined]
    page.locator("#sign-in-email").fill(address)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Email me a sign-in link").click()  # type: ignore[attr-defined]
    page.get_by_text("Check your inbox").wait_for()  # type: ignore[attr-defined]
    # Followed as mailed: `paperboy serve` must put its own address in the link.
    links = mailed_links(site.data_dir / "outbox", "/sign-in/complete", to=address)
    assert links, f"no sign-in link mailed to {address}"
    page.goto(links[-1])  # type: ignore[attr-defined]
    page.locator("form[action='/sign-in/complete'] button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert page.locator("form[action='/sign-out']").count() == 1  # type: ignore[attr-defined]


def screenshot(page: object, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)  # type: ignore[attr-defined]
    assert path.stat().st_size < 600_000
    return path


def new_visit(browser: object, site: Site) -> tuple[object, Visit]:
    context = browser.new_context(viewport=DESKTOP, base_url=site.base, color_scheme="light")  # type: ignore[attr-defined]
    return context, Visit(context.new_page())


def test_a_member_submits_upvotes_and_comments_and_an_admin_hides_the_comment(
    browser: object, site: Site
) -> None:
    member_context, member = new_visit(browser, site)
    page = member.page

    sign_in(page, site, "ada@example.org")
    page.wait_for_url("**/account")  # a new member is asked for a name first
    page.get_by_label("Display name").fill(HOSTILE_NAME)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved.").wait_for()
    assert page.locator("form[action='/sign-out'] a").inner_text() == HOSTILE_NAME

    page.click(".site-nav >> text=Submit")
    page.wait_for_url("**/submit")
    page.get_by_label("arXiv id or URL").fill(f"https://arxiv.org/abs/{NEW_PAPER}v2")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_url(f"**/papers/{NEW_PAPER}?submitted=1")
    assert "on today's list" in page.locator("[role=status]").first.inner_text()
    assert page.locator("h1").inner_text() == "A Paper With Two Versions"  # as arXiv described it
    page.goto("/")
    card = page.locator("article.card", has=page.locator(f"a[href='/papers/{NEW_PAPER}']"))
    assert HOSTILE_NAME in card.locator(".submitter").inner_text()

    # Upvote: the count changes in place; the page is not reloaded.
    button = card.locator(".vote-button")
    assert button.get_attribute("aria-pressed") == "false"
    before = int(card.locator(".count").inner_text())
    page.evaluate("window.stillTheSamePage = true")
    button.click()
    playwright_sync.expect(button).to_have_attribute("aria-pressed", "true")
    playwright_sync.expect(card.locator(".count")).to_have_text(str(before + 1))
    assert page.evaluate("window.stillTheSamePage") is True
    screenshot(page, "community-feed.png")
    page.reload()
    assert button.get_attribute("aria-pressed") == "true"
    assert card.locator(".count").inner_text() == str(before + 1)

    # Comment in Markdown; the script and javascript: link in it stay inert.
    page.goto(f"/papers/{NEW_PAPER}")
    page.locator("#body-new").fill(COMMENT)
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r".*#comment-\d+$"))
    comment = page.locator("article.comment").first
    assert comment.locator(".comment-body strong").inner_text() == "Bold claim"
    assert comment.locator(".comment-body a").get_attribute("href") == "https://example.org/moe"
    assert comment.locator(".comment-author").inner_text() == HOSTILE_NAME
    assert "<script>alert(2)</script>" in comment.locator(".comment-body").inner_text()
    assert page.locator("article.comment script, article.comment img, a[href^='javascript']").count() == 0
    comment.scroll_into_view_if_needed()
    screenshot(page, "community-paper.png")

    # An admin, promoted on the same store, signs in in a second browser and hides it.
    db = open_database(site.database_url)
    try:
        accounts.promote(db, "root@example.org")
    finally:
        db.close()
    admin_context, admin = new_visit(browser, site)
    sign_in(admin.page, site, "root@example.org")
    admin.page.goto(f"/papers/{NEW_PAPER}")
    admin_comment = admin.page.locator("article.comment").first
    admin_comment.get_by_placeholder("Reason (for the log)").fill("test of moderation")
    admin_comment.get_by_role("button", name="Hide", exact=True).click()
    admin.page.wait_for_url(f"**/papers/{NEW_PAPER}#comments")
    assert "hidden by a moderator" in admin.page.locator("article.comment").first.inner_text()
    admin.page.locator("#comments").scroll_into_view_if_needed()
    screenshot(admin.page, "community-moderation.png")
    admin.page.click(".site-nav >> text=Admin")
    admin.page.wait_for_url("**/admin")
    assert "test of moderation" in admin.page.locator(".audit-log").inner_text()

    page.reload()
    assert page.locator("article.comment").count() == 0
    assert "Bold claim" not in page.content() and "Comments (0)" in page.content()

    for visit in (member, admin):
        visit.check_clean()  # no alert fired, no script error, no CSP refusal
    member_context.close()  # type: ignore[attr-defined]
    admin_context.close()  # type: ignore[attr-defined]
    # Tests never write into the source tree unless asked to refresh the docs' pictures.
    if os.environ.get("PAPERBOY_TEST_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in ("community-paper.png", "community-feed.png"):
            shutil.copyfile(SCREENSHOTS / name, DOCS_SCREENSHOTS / name)


def test_a_signed_out_visitor_is_sent_to_sign_in_by_the_upvote_button(browser: object, site: Site) -> None:
    context, visit = new_visit(browser, site)
    visit.page.goto("/trending")
    visit.page.goto(f"/papers/{PAPER}")
    visit.page.locator(".paper-title-row .vote-button").click()
    visit.page.wait_for_url("**/sign-in")
    visit.check_clean()
    context.close()  # type: ignore[attr-defined]


def test_community_pages_fit_a_phone_without_sideways_scrolling(browser: object, site: Site) -> None:
    db = open_database(site.database_url)
    try:
        accounts.promote(db, "phone-admin@example.org")
    finally:
        db.close()
    context = browser.new_context(viewport=PHONE, base_url=site.base, color_scheme="light")  # type: ignore[attr-defined]
    visit = Visit(context.new_page())
    sign_in(visit.page, site, "phone-admin@example.org")
    for path in ("/trending", "/submit", f"/papers/{PAPER}", "/admin", "/"):
        visit.page.goto(path)  # type: ignore[attr-defined]
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
        wide = visit.page.evaluate(  # type: ignore[attr-defined]
            "Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right"
            " > window.innerWidth).map(e => e.tagName + '.' + e.className).slice(0, 5).join(' ')"
        )
        assert overflow <= 0, f"{path}: {wide}"
    screenshot(visit.page, "community-phone.png")
    visit.check_clean()
    context.close()  # type: ignore[attr-defined]
