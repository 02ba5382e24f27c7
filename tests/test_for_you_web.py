"""/for-you and /api/for-you: signed-in only, the reader's own list with reasons; an empty library
is asked for papers."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_community_web import sign_in
from test_for_you import stocked  # noqa: F401  (the fixture the app is built on)

from paperboy.config import Settings
from paperboy.services.library import items
from paperboy.store import Database
from paperboy.store import accounts as account_store
from paperboy.web import create_app


@pytest.fixture
def app(stocked: Database, settings: Settings) -> FastAPI:  # noqa: F811  (the imported fixture)
    return create_app(settings, stocked)


def test_signed_out_readers_are_sent_to_sign_in(app: FastAPI) -> None:
    client = TestClient(app)
    assert client.get("/api/for-you").status_code == 401
    page = client.get("/for-you", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/sign-in"


def test_the_api_lists_the_readers_papers_with_reasons(
    app: FastAPI, db: Database, settings: Settings
) -> None:
    client = sign_in(app, db, settings, "ada@example.org")
    with db.connect() as conn:
        ada = account_store.find_user_by_email(conn, "ada@example.org")
    for i in range(3):
        items.update_item(db, ada, f"2611.1000{i}", tags="asr")
    # The fixture's papers are listed around 2026-11-20; 30 days back from today covers them
    # only when today is near; ask with the widest window and check the shape either way.
    answer = client.get("/api/for-you?days=30")
    assert answer.status_code == 200
    body = answer.json()
    assert body["library_size"] == 3 and body["needs_library"] is False
    assert answer.headers["cache-control"] == "private, no-store"
    for paper in body["papers"]:
        assert set(paper) == {"key", "title", "categories", "score", "reasons"}
    assert client.get("/api/for-you?days=31").status_code == 422
    assert client.get("/for-you?days=30").status_code == 200


def test_an_empty_library_asks_for_papers(app: FastAPI, db: Database, settings: Settings) -> None:
    client = sign_in(app, db, settings, "bob@example.org")
    assert client.get("/api/for-you").json()["needs_library"] is True
    page = client.get("/for-you").text
    assert "Save a few papers you like" in page and "import your library" in page
