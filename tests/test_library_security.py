"""The library under attack: one reader's library, notes, tags, collections and follows are
never seen by another (by page, API or feed; a guessed address answers 404, as an address
that never existed does), every new state-changing route refuses a request without its CSRF
token, and hostile tags, notes and collection names stay inert text."""

from __future__ import annotations

import re
from typing import Any

import feedparser
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_community_security import count, live_script
from test_community_web import app, csrf, post, sign_in  # noqa: F401  (app is a fixture)
from test_library_web import BIBTEX, DAY, OLD, PAPER, api, collection_slug, save_form, upload
from test_web_security import _InlineCode
from web_server import SEED_DAYS

from paperboy.config import Settings
from paperboy.store import Database
from paperboy.store.schema import collection, collection_paper, follow, library_item, library_unmatched
from paperboy.web import collection_pages, library_api, library_pages

SECRET_TAG = "ada-secret-tag"
SECRET_NOTE = "Private note: reviewer two is wrong"  # nothing HTML escapes, so pages show it as is
SECRET_LIST = "Secret reading list of Ada"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_TAGS = '<script>alert(1)</script>, <img src=x onerror=alert(2)>, " onmouseover=alert(3) x="'
HOSTILE_NAME = "<img src=x onerror=alert(4)> </textarea><script>alert(5)</script>"
MALLORY = "<i>Mallory</i> O'Brien"  # the author of 2407.00001, whose title and abstract hold markup


@pytest.fixture
def ada(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "ada@example.org", "Ada")


@pytest.fixture
def bob(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "bob@example.org", "Bob")


def private_library(ada: TestClient) -> str:
    """Ada saves and tags a paper with a note, follows Grace Hopper, keeps a private collection."""
    post(ada, f"/papers/{PAPER}/save")
    post(ada, f"/library/items/{PAPER}", tags=SECRET_TAG, note=SECRET_NOTE)
    post(ada, "/follows", kind="author", value="Grace Hopper")
    upload(ada, BIBTEX)  # one entry waits for a match: "A Paper Nobody Has Harvested Yet"
    slug = collection_slug(post(ada, "/collections", name=SECRET_LIST, description=SECRET_NOTE, paper=OLD))
    return slug


def test_another_reader_never_sees_a_library_its_tags_notes_or_follows(
    ada: TestClient, bob: TestClient
) -> None:
    private_library(ada)
    visitor = TestClient(ada.app)
    pages = {
        "bob's library": bob.get("/library").text,
        "bob's import page": bob.get("/library/import").text,
        "bob's collections": bob.get("/collections").text,
        "bob's collect page": bob.get(f"/collections/add?paper={PAPER}").text,
        "the day, bob": bob.get(DAY).text,
        "the paper, bob": bob.get(f"/papers/{PAPER}").text,
        "the paper, visitor": visitor.get(f"/papers/{PAPER}").text,
        "bob's export": bob.get("/library/export?format=bibtex").text,
        "bob's csl-json": bob.get("/library/export?format=csl-json").text,
        "bob's api library": bob.get("/api/library").text,
        "bob's api collections": bob.get("/api/collections").text,
        "bob's api follows": bob.get("/api/follows").text,
    }
    for name, text in pages.items():
        for secret in (
            SECRET_TAG,
            SECRET_NOTE,
            SECRET_LIST,
            "Nobody Has Harvested",
            "You follow Grace",
            "Following Grace",
        ):
            assert secret not in text, (name, secret)
    for searched in (f"/library?q={SECRET_TAG}", "/library?q=reviewer", f"/library?tag={SECRET_TAG}"):
        found = bob.get(searched).text
        assert "0 papers found" in found and "library-item" not in found, searched
    assert bob.get("/api/library", params={"q": "reviewer"}).json()["items"] == []
    assert 'aria-pressed="false"' in save_form(pages["the day, bob"], PAPER)
    assert "Nothing saved yet" in pages["bob's library"]
    assert bob.get("/api/library").json()["items"] == [] and bob.get("/api/library").json()["tags"] == []
    missing = bob.get(f"/api/library/items/{PAPER}")
    assert missing.status_code == 404 and SECRET_NOTE not in missing.text
    # Signed out, none of it is there either.
    assert visitor.get("/library", follow_redirects=False).status_code == 303
    assert visitor.get("/api/library").status_code == 401
    assert visitor.get("/library/export", follow_redirects=False).status_code == 303
    # Bob editing "the same" item edits his own copy; Ada's tags and note stay.
    post(bob, f"/library/items/{PAPER}", tags="bobs", note="Bob was here")
    assert SECRET_NOTE in ada.get("/library").text and "Bob was here" not in ada.get("/library").text
    assert SECRET_NOTE not in bob.get("/library").text


def test_a_private_collection_answers_404_to_everyone_else_exactly_as_a_missing_one(
    db: Database, ada: TestClient, bob: TestClient
) -> None:
    slug = private_library(ada)
    visitor = TestClient(ada.app)
    never = "A" * len(slug)
    for client in (bob, visitor):
        for path in ("/collections/{}", "/collections/{}/feed.atom", "/api/collections/{}"):
            hidden, absent = client.get(path.format(slug)), client.get(path.format(never))
            assert hidden.status_code == absent.status_code == 404, path
            assert hidden.text.replace(slug, never) == absent.text.replace(slug, never), path
            assert SECRET_LIST not in hidden.text
    rows = {t.name: count(db, t) for t in (collection, collection_paper)}
    for path, data in (
        (f"/collections/{slug}", {"name": "Bob's now", "public": "1"}),
        (f"/collections/{slug}/delete", {}),
        (f"/collections/{slug}/papers", {"paper": PAPER, "action": "add"}),
        (f"/collections/{slug}/papers", {"paper": OLD, "action": "remove"}),
    ):
        hidden = post(bob, path, **data)
        absent = post(bob, path.replace(slug, never), **data)
        assert hidden.status_code == absent.status_code == 404, path
    for method, path, body in (
        ("PATCH", f"/api/collections/{slug}", {"name": "Bob's now"}),
        ("DELETE", f"/api/collections/{slug}", None),
        ("PUT", f"/api/collections/{slug}/papers/{PAPER}", None),
        ("DELETE", f"/api/collections/{slug}/papers/{OLD}", None),
        ("POST", f"/api/collections/{slug}/move", {"paper": OLD, "offset": 1}),
    ):
        hidden = api(bob, method, path, json=body)
        absent = api(bob, method, path.replace(slug, never), json=body)
        assert hidden.status_code == absent.status_code == 404, path
        assert hidden.json()["error"]["message"] == absent.json()["error"]["message"]
    assert {t.name: count(db, t) for t in (collection, collection_paper)} == rows
    with db.connect() as conn:
        assert conn.execute(select(collection.c.name, collection.c.public)).one() == (SECRET_LIST, False)
    page = ada.get(f"/collections/{slug}")
    assert (
        page.status_code == 200
        and SECRET_LIST in page.text
        and page.headers["cache-control"] == "private, no-store"
    )


def test_a_public_collection_shows_its_papers_but_never_the_owners_tags_or_notes(
    ada: TestClient, bob: TestClient
) -> None:
    private_library(ada)
    slug = collection_slug(post(ada, "/collections", name="Open list", public="1", paper=PAPER))
    for client in (bob, TestClient(ada.app)):
        page = client.get(f"/collections/{slug}").text
        feed = client.get(f"/collections/{slug}/feed.atom").text
        api_body = client.get(f"/api/collections/{slug}").text
        for text in (page, feed, api_body):
            assert "Sparse Mixture" in text and SECRET_TAG not in text and SECRET_NOTE not in text
        assert "Delete this collection" not in page and 'action="/collections/' + slug not in page


def _state_changing_routes() -> set[tuple[str, str]]:
    """Every library route that changes something, as (method, path template), from its router."""
    found = set()
    for router in (library_pages.router, collection_pages.router, library_api.router):
        for route in router.routes:
            for method in getattr(route, "methods", None) or ():
                if method in ("POST", "PUT", "PATCH", "DELETE"):
                    found.add((method, re.sub(r"\{(\w+):path\}", r"{\1}", route.path)))  # type: ignore[attr-defined]
    return found


def _requests(slug: str) -> list[tuple[str, str, dict[str, Any]]]:
    form = "form"
    items, papers = f"/api/library/items/{PAPER}", f"/api/collections/{slug}/papers"
    return [
        ("POST", "/papers/{key}/save", {form: {}, "path": f"/papers/{OLD}/save"}),
        ("POST", "/library/items/{key}", {form: {"tags": "x"}, "path": f"/library/items/{PAPER}"}),
        ("POST", "/library/import", {"files": True, "path": "/library/import"}),
        ("POST", "/follows", {form: {"kind": "author", "value": "Alan Turing"}, "path": "/follows"}),
        ("POST", "/collections", {form: {"name": "new"}, "path": "/collections"}),
        ("POST", "/collections/{slug}", {form: {"name": "renamed"}, "path": f"/collections/{slug}"}),
        ("POST", "/collections/{slug}/delete", {form: {}, "path": f"/collections/{slug}/delete"}),
        ("POST", "/collections/{slug}/papers", {form: {"paper": OLD}, "path": f"/collections/{slug}/papers"}),
        ("PUT", "/api/library/items/{key}", {"json": {"note": "z"}, "path": items}),
        ("DELETE", "/api/library/items/{key}", {"path": items}),
        ("POST", "/api/library/import", {"content": BIBTEX, "path": "/api/library/import?filename=a.bib"}),
        ("POST", "/api/collections", {"json": {"name": "api"}, "path": "/api/collections"}),
        ("PATCH", "/api/collections/{slug}", {"json": {"name": "api"}, "path": f"/api/collections/{slug}"}),
        ("DELETE", "/api/collections/{slug}", {"path": f"/api/collections/{slug}"}),
        ("PUT", "/api/collections/{slug}/papers/{key}", {"path": f"{papers}/{OLD}"}),
        ("DELETE", "/api/collections/{slug}/papers/{key}", {"path": f"{papers}/{PAPER}"}),
        ("POST", "/api/collections/{slug}/move", {"json": {"paper": PAPER, "offset": 1},
                                                  "path": f"/api/collections/{slug}/move"}),
        ("PUT", "/api/follows/{kind}/{value}", {"path": "/api/follows/author/Alan Turing"}),
        ("DELETE", "/api/follows/{kind}/{value}", {"path": "/api/follows/author/Grace Hopper"}),
    ]  # fmt: skip


@pytest.mark.parametrize("token", [None, "", "0" * 64, "someone-else"])
def test_every_new_state_changing_route_refuses_a_request_without_the_right_csrf_token(
    db: Database, ada: TestClient, bob: TestClient, token: str | None
) -> None:
    slug = private_library(ada)
    post(ada, f"/collections/{slug}/papers", paper=PAPER)
    requests = _requests(slug)
    routes = _state_changing_routes()
    assert len(routes) == 19 and {(method, path) for method, path, _ in requests} == routes
    if token == "someone-else":
        token = csrf(bob)  # a real token, of another reader's session
    tables = (library_item, collection, collection_paper, follow, library_unmatched)
    before = {t.name: count(db, t) for t in tables}
    library_before = ada.get("/api/library").json()
    ada.get("/")
    for method, _, sent in requests:
        path = sent["path"]
        if "form" in sent or "files" in sent:
            data = sent.get("form", {}) | ({"csrf_token": token} if token is not None else {})
            files = {"file": ("a.bib", BIBTEX, "text/plain")} if "files" in sent else None
            response = ada.request(method, path, data=data, files=files, follow_redirects=False)
            assert response.status_code == 403 and "CSRF" in response.text, path
        headers = {"Accept": "application/json"} | ({"X-CSRF-Token": token} if token is not None else {})
        extra = {k: v for k, v in sent.items() if k in ("json", "content")}
        scripted = ada.request(method, path, headers=headers, **extra)
        assert scripted.status_code == 403, (method, path)
        if path.startswith("/api"):
            assert scripted.json()["error"]["code"] == "csrf_failed", path
    assert {t.name: count(db, t) for t in tables} == before
    assert ada.get("/api/library").json() == library_before
    assert SECRET_LIST in ada.get(f"/collections/{slug}").text


def test_hostile_tags_notes_names_and_follows_stay_inert_text(ada: TestClient, bob: TestClient) -> None:
    post(ada, "/papers/2407.00001/save")
    assert post(ada, "/library/items/2407.00001", tags=HOSTILE_TAGS, note=HOSTILE_NAME).status_code == 303
    slug = collection_slug(
        post(ada, "/collections", name=HOSTILE_NAME, description=HOSTILE, public="1", paper="2407.00001")
    )
    post(ada, "/follows", kind="author", value=MALLORY)
    visitor = TestClient(ada.app)
    pages = {
        "library": ada.get("/library").text,
        "library by tag": ada.get("/library", params={"tag": "<script>alert(1)</script>"}).text,
        "collections": ada.get("/collections").text,
        "collection (owner)": ada.get(f"/collections/{slug}").text,
        "collection (visitor)": visitor.get(f"/collections/{slug}").text,
        "collect page": ada.get("/collections/add?paper=2407.00001").text,
        "day (follows marked)": ada.get(f"/papers/{SEED_DAYS[0].isoformat()}").text,
        "paper": ada.get("/papers/2407.00001").text,
        "import page": ada.get("/library/import").text,
    }
    for name, html in pages.items():
        assert live_script(html) == [], name
        assert "<script>alert" not in html and "<img src=x" not in html, name
        strict = _InlineCode()  # what the CSP would refuse: inline script, style, handlers
        strict.feed(html)
        assert strict.problems == [], name
    assert "script-src 'self'" in ada.get("/library").headers["content-security-policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["library"]
    assert "You follow &lt;i&gt;Mallory&lt;/i&gt; O&#39;Brien" in pages["day (follows marked)"]
    feed = visitor.get(f"/collections/{slug}/feed.atom")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and parsed.feed.title.startswith(HOSTILE_NAME)  # the text, as text
    assert b"<script>" not in feed.content
    api_item = ada.get("/api/library/items/2407.00001").json()
    assert api_item["note"] == HOSTILE_NAME and "<script>alert(1)</script>" in api_item["tags"]
