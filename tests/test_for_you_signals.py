"""The for-you page's controls: "Not interested" (form and script), per-tag feeds, the page of
signals with removal one by one and a confirmed reset; and one reader never sees another's."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_community_web import csrf, post, sign_in
from test_for_you import stocked  # noqa: F401  (the fixture the app is built on)

from paperboy.config import Settings
from paperboy.domain.accounts import User
from paperboy.services.community import votes
from paperboy.services.library import feedback, follows, items
from paperboy.services.library.for_you_signals import remove_signal, signals_of
from paperboy.store import Database
from paperboy.store import accounts as account_store
from paperboy.web import create_app

SPEECH = [f"2611.1000{i}" for i in range(3)]
ROBOTS = [f"2611.2000{i}" for i in range(3)]


@pytest.fixture
def app(stocked: Database, settings: Settings) -> FastAPI:  # noqa: F811
    return create_app(settings, stocked)


def _user(db: Database, email: str) -> User:
    with db.connect() as conn:
        found = account_store.find_user_by_email(conn, email)
    assert found is not None
    return found


def _keys(client: TestClient, query: str = "") -> list[str]:
    answer = client.get(f"/api/for-you?days=30{query}")
    assert answer.status_code == 200, answer.text
    return [p["key"] for p in answer.json()["papers"]]


def test_a_tag_feed_ranks_from_the_papers_with_that_tag_only(
    app: FastAPI, db: Database, settings: Settings
) -> None:
    client = sign_in(app, db, settings, "ada@example.org")
    ada = _user(db, "ada@example.org")
    for key in SPEECH:
        items.update_item(db, ada, key, tags="asr")
    for key in ROBOTS:
        items.update_item(db, ada, key, tags="robots")
    assert {k[:7] for k in _keys(client, "&tag=robots")[:3]} == {"2611.20"}
    assert {k[:7] for k in _keys(client, "&tag=asr")[:3]} == {"2611.10"}
    page = client.get("/for-you?days=30&tag=robots").text
    assert "papers tagged “robots”" in page
    assert "None of your saved papers" in client.get("/for-you?days=30&tag=nothing").text
    assert client.get("/api/for-you?tag=" + "x" * 41).status_code == 422
    library = client.get("/library").text
    assert 'href="/for-you?tag=robots"' in library


def test_not_interested_by_form_and_by_script(app: FastAPI, db: Database, settings: Settings) -> None:
    client = sign_in(app, db, settings, "ada@example.org")
    ada = _user(db, "ada@example.org")
    for key in SPEECH:
        items.set_saved(db, ada, key, True)
    page = client.get("/for-you?days=30").text
    first = _keys(client)[0]
    assert f'action="/papers/{first}/not-interested"' in page
    answer = post(client, f"/papers/{first}/not-interested", action="mark", next="/for-you?days=30")
    assert answer.status_code == 303 and answer.headers["location"] == "/for-you?days=30"
    assert first not in _keys(client)
    second = _keys(client)[0]
    headers = {"Accept": "application/json", "X-CSRF-Token": csrf(client)}
    scripted = client.post(f"/papers/{second}/not-interested", headers=headers, data={"action": "mark"})
    assert scripted.json() == {"paper": second, "not_interested": True}
    assert second not in _keys(client)
    # Without the CSRF token nothing happens.
    third = _keys(client)[0]
    refused = client.post(f"/papers/{third}/not-interested", headers={"Accept": "application/json"})
    assert refused.status_code == 403 and third in _keys(client)


def test_signals_are_listed_and_removed_one_by_one(app: FastAPI, db: Database, settings: Settings) -> None:
    client = sign_in(app, db, settings, "ada@example.org")
    ada = _user(db, "ada@example.org")
    items.update_item(db, ada, SPEECH[0], tags="asr, audio")
    items.update_item(db, ada, SPEECH[1], tags="asr")
    votes.set_vote(db, ada, ROBOTS[0], True, ip="127.0.0.1")
    follows.follow(db, ada, "category", "cs.RO")
    feedback.set_not_interested(db, ada, ROBOTS[1], True)
    page = client.get("/for-you/signals")
    assert page.headers["cache-control"] == "private, no-store"
    for text in ("Saved papers (2)", "asr", "audio", "Category: cs.RO", "Not interested"):
        assert text in page.text
    assert post(client, "/for-you/signals/remove", kind="tag", value="audio").status_code == 303
    assert [t for t, _ in signals_of(db, ada).tags] == ["asr"]
    post(client, "/for-you/signals/remove", kind="upvote", value=ROBOTS[0])
    post(client, "/for-you/signals/remove", kind="category", value="cs.RO")
    post(client, "/for-you/signals/remove", kind="not_interested", value=ROBOTS[1])
    post(client, "/for-you/signals/remove", kind="library", value=SPEECH[1])
    left = signals_of(db, ada)
    assert [p.key for p in left.library] == [SPEECH[0]] and left.library[0].tags == ("asr",)
    assert not (left.upvotes or left.follows or left.not_interested)
    assert post(client, "/for-you/signals/remove", kind="password", value="x").status_code == 400
    assert remove_signal(db, ada, "library", "9999.99999") is False


def test_reset_asks_first_then_deletes_every_signal(app: FastAPI, db: Database, settings: Settings) -> None:
    client = sign_in(app, db, settings, "ada@example.org")
    ada = _user(db, "ada@example.org")
    for key in SPEECH:
        items.set_saved(db, ada, key, True)
    feedback.set_not_interested(db, ada, ROBOTS[1], True)
    asked = client.get("/for-you/signals/reset").text
    assert "3 saved papers" in asked and "Yes, delete all of it" in asked
    # A post without the confirmation goes to the question, and deletes nothing.
    unconfirmed = post(client, "/for-you/signals/reset")
    assert (
        unconfirmed.headers["location"] == "/for-you/signals/reset" and signals_of(db, ada).library_total == 3
    )
    done = post(client, "/for-you/signals/reset", confirm="yes")
    assert done.status_code == 303 and signals_of(db, ada).empty
    assert client.get("/api/for-you").json()["needs_library"] is True


def test_one_reader_never_sees_anothers_list_or_signals(
    app: FastAPI, db: Database, settings: Settings
) -> None:
    ada_client = sign_in(app, db, settings, "ada@example.org")
    bob_client = sign_in(app, db, settings, "bob@example.org")
    ada = _user(db, "ada@example.org")
    items.update_item(db, ada, SPEECH[0], tags="secret-project")
    feedback.set_not_interested(db, ada, ROBOTS[1], True)
    assert _keys(ada_client)
    assert bob_client.get("/api/for-you?days=30").json()["needs_library"] is True
    assert bob_client.get("/api/for-you?days=30&tag=secret-project").json()["papers"] == []
    bob_signals = bob_client.get("/api/for-you/signals").json()
    assert bob_signals["library"] == [] and bob_signals["not_interested"] == [] and bob_signals["tags"] == []
    assert "secret-project" not in bob_client.get("/for-you/signals").text
    # Bob's removals and reset act on Bob alone.
    post(bob_client, "/for-you/signals/remove", kind="library", value=SPEECH[0])
    post(bob_client, "/for-you/signals/reset", confirm="yes")
    kept = signals_of(db, ada)
    assert kept.library_total == 1 and len(kept.not_interested) == 1
    signed_out = TestClient(app)
    assert signed_out.get("/api/for-you/signals").status_code == 401


def test_a_reader_subscribes_their_own_address_to_the_digest(
    app: FastAPI, db: Database, settings: Settings
) -> None:
    from paperboy.store import subscriptions as subscription_store

    client = sign_in(app, db, settings, "ada@example.org")
    assert "Papers per mail (5 to 50)" in client.get("/for-you/subscribe").text
    refused = post(client, "/for-you/subscribe", frequency="weekly", count="99")
    assert refused.status_code == 400 and "from 5 to 50" in refused.text
    done = post(client, "/for-you/subscribe", frequency="weekly", count="20", min_score="1.5")
    assert done.status_code == 200 and "ada@example.org" in done.text
    with db.connect() as conn:
        [row] = subscription_store.for_email(conn, "ada@example.org")
    assert (row.kind, row.frequency, row.status, row.filters) == (
        "for_you", "weekly", "pending", {"count": "20", "min_score": "1.5"}
    )  # fmt: skip
    assert TestClient(app).get("/for-you/subscribe", follow_redirects=False).status_code == 303
