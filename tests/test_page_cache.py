"""Pages kept for signed-out readers (web/page_cache.py): served again without the work and
with each reader's own CSRF token, dropped when something changes through the site (in
every worker process), reused at most `page_cache_seconds` otherwise, never shown to a
signed-in reader."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from community_fixtures import member
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from starlette.requests import Request
from test_community_web import PAPER, card_of, csrf, post, sign_in, vote_button
from web_server import SEED_DAYS, fill_store

from paperboy.config import Settings
from paperboy.domain.clock import utcnow
from paperboy.services.community.votes import toggle_vote
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.page_cache import PageCache

DAY_PATH = f"/papers/{SEED_DAYS[0].isoformat()}"


@pytest.fixture
def app(db: Database, settings: Settings) -> FastAPI:
    fill_store(db)
    return create_app(settings, db)


def queries_for(db: Database, client: TestClient, path: str) -> tuple[int, str]:
    statements: list[str] = []

    def counted(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        page = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert page.status_code == 200
    return len(statements), page.text


def token_in(page: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def votes_shown(page: str) -> str:
    return re.findall(r'<span class="count">(\d+)</span>', vote_button(card_of(page, PAPER), PAPER))[0]


@pytest.mark.parametrize("path", [DAY_PATH, "/", f"/papers/{PAPER}"])
def test_a_signed_out_page_comes_again_for_one_query_with_each_readers_own_token(
    app: FastAPI, db: Database, path: str
) -> None:
    first, second = TestClient(app), TestClient(app)
    rendered, first_page = queries_for(db, first, path)
    kept, second_page = queries_for(db, second, path)
    assert rendered > 2 and kept == 1  # the kept page costs only the store's revision
    assert token_in(first_page) != token_in(second_page)
    # Each token is the one the site gives that browser on a page never kept.
    assert token_in(first_page) == csrf(first) and token_in(second_page) == csrf(second)
    assert second_page.replace(token_in(second_page), "") == first_page.replace(token_in(first_page), "")


def test_a_vote_through_the_site_shows_at_once_in_every_worker(
    app: FastAPI, db: Database, settings: Settings
) -> None:
    other_worker = create_app(settings, db)  # another process over the same store and data folder
    here, there = TestClient(app), TestClient(other_worker)
    assert votes_shown(here.get(DAY_PATH).text) == votes_shown(there.get(DAY_PATH).text) == "99"
    ada = sign_in(app, db, settings, "ada@example.org", "Ada L.")
    assert post(ada, f"/papers/{PAPER}/vote").status_code == 303
    assert votes_shown(here.get(DAY_PATH).text) == votes_shown(there.get(DAY_PATH).text) == "100"


def test_a_vote_written_outside_the_site_shows_within_the_cache_time(
    db: Database, settings: Settings
) -> None:
    fill_store(db)
    visitor = TestClient(create_app(replace(settings, page_cache_seconds=0.5), db))
    assert votes_shown(visitor.get(DAY_PATH).text) == "99"
    toggle_vote(db, member(db, "ada@example.org"), PAPER, "192.0.2.7", utcnow())
    assert votes_shown(visitor.get(DAY_PATH).text) == "99"  # kept, as documented
    time.sleep(0.6)
    assert votes_shown(visitor.get(DAY_PATH).text) == "100"


def test_a_signed_in_reader_never_gets_a_kept_page_nor_leaves_one(
    app: FastAPI, db: Database, settings: Settings
) -> None:
    visitor = TestClient(app)
    visitor.get(DAY_PATH)
    ada = sign_in(app, db, settings, "ada@example.org", "Ada L.")
    hers = ada.get(DAY_PATH).text
    assert "Ada L." in hers and 'action="/papers/2405.07518/vote"' in hers
    after = visitor.get(DAY_PATH).text
    assert "Ada L." not in after and 'action="/papers/2405.07518/vote"' not in after


def test_a_cache_of_zero_seconds_keeps_nothing(db: Database, settings: Settings) -> None:
    fill_store(db)
    client = TestClient(create_app(replace(settings, page_cache_seconds=0), db))
    first, _ = queries_for(db, client, DAY_PATH)
    again, _ = queries_for(db, client, DAY_PATH)
    assert again == first > 1


def test_the_kept_pages_stay_under_their_byte_limit_least_recently_used_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.responses import HTMLResponse

    cache = PageCache(60, tmp_path / "stamp", max_bytes=4 * 1000)
    rendered: list[str] = []

    def visit(path: str) -> None:
        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
        request = Request(scope)
        request.state.user = None
        request.state.csrf_token = "a" * 64

        def render() -> HTMLResponse:
            rendered.append(path)
            return HTMLResponse("x" * 900)

        cache.page(request, lambda: 1, render)

    for path in ("/1", "/2", "/3", "/4", "/5", "/1", "/5"):
        visit(path)
    assert rendered == ["/1", "/2", "/3", "/4", "/5", "/1"]  # four fit: /1 was the oldest
    cache.changed()
    visit("/5")
    assert rendered[-1] == "/5" and (tmp_path / "stamp").exists()


def test_readers_arriving_together_wait_for_one_rendering(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from fastapi.responses import HTMLResponse

    cache = PageCache(60, tmp_path / "stamp")
    renders: list[int] = []

    def render() -> HTMLResponse:
        renders.append(1)
        time.sleep(0.3)  # a long day's first rendering
        return HTMLResponse(f'<meta name="csrf-token" content="{"0" * 64}"> the day')

    pages: dict[int, str] = {}

    def reader(n: int) -> None:
        request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []})
        request.state.user = None
        request.state.csrf_token = "0" * 64 if n == 0 else f"{n:064x}"
        pages[n] = bytes(cache.page(request, lambda: 1, render).body).decode()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    threads[0].start()
    time.sleep(0.05)  # the first reader is rendering when the others arrive
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(renders) == 1
    assert all(token_in(pages[n]) == ("0" * 64 if n == 0 else f"{n:064x}") for n in range(8))


def test_the_apis_day_is_kept_for_callers_without_a_session(app: FastAPI, db: Database) -> None:
    path = f"/api/papers?date={SEED_DAYS[0].isoformat()}"
    first, second = TestClient(app), TestClient(app)
    rendered, answer = queries_for(db, first, path)
    kept, again = queries_for(db, second, path)
    assert rendered > 2 and kept == 1 and again == answer
    assert second.get(path).headers["content-type"] == "application/json"
