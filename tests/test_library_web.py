"""The library in process: saving from cards, tags, notes, read state, search and sort, export,
import, collections, follows, and the API under /api/library, /api/collections, /api/follows."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_community_web import app, csrf, post, sign_in  # noqa: F401  (app is a fixture)
from web_server import SEED_DAYS

from paperboy.config import Settings
from paperboy.store import Database

PAPER = "2405.07518"  # "Sparse Mixture-of-Experts Accelerators ...", Lovelace, Turing, Hopper; cs.AR
OLD = "hep-th/9901001"
DAY = f"/papers/{SEED_DAYS[0].isoformat()}"


@pytest.fixture
def ada(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "ada@example.org", "Ada")


@pytest.fixture
def bob(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "bob@example.org", "Bob")


def save_form(html: str, key: str) -> str:
    match = re.search(
        rf'<form class="save-form" method="post" action="/papers/{re.escape(key)}/save">.*?</form>',
        html,
        re.S,
    )
    assert match, f"no save form for {key}"
    return match.group(0)


def test_a_card_saves_and_unsaves_and_comes_back(ada: TestClient) -> None:
    assert 'aria-pressed="false"' in save_form(ada.get(DAY).text, PAPER)
    saved = post(ada, f"/papers/{PAPER}/save", next=DAY)
    assert saved.status_code == 303 and saved.headers["location"] == DAY
    assert 'aria-pressed="true"' in save_form(ada.get(DAY).text, PAPER)
    library = ada.get("/library").text
    assert "Sparse Mixture-of-Experts" in library
    post(ada, f"/papers/{PAPER}/save", next=DAY)
    assert 'aria-pressed="false"' in save_form(ada.get(DAY).text, PAPER)
