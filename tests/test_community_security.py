"""Community pages under attack: CSRF, script injection, rate limits, bans and admin-only routes.

Used and expired sign-in links are refused: see test_a_used_link_is_refused and
test_an_expired_link_is_refused in test_sign_in_web.py.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from outbox_links import mailed_links
from sqlalchemy import func, select, update
from test_community_web import PAPER, app, csrf, post, sign_in  # noqa: F401  (app is a fixture)
from web_server import SEED_DAYS

from paperboy.config import Settings
from paperboy.services import accounts
from paperboy.services.community import moderation
from paperboy.services.rate_limits import LIMITS
from paperboy.store import Database
from paperboy.store.schema import audit_log, comment, entry, user, vote

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
]


class _LiveMarkup(HTMLParser):
    """Collects what a browser would run: script tags, event-handler attributes, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.found.append(f"<script {values}>")
        if tag in ("img", "svg", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        self.found += [f"{tag} {name}=" for name, _ in attrs if name.startswith("on")]
        for name in ("href", "src", "action", "formaction"):
            value = re.sub(r"[\s\x00-\x1f]", "", values.get(name) or "").lower()
            if value.startswith(("javascript:", "data:")):
                self.found.append(f"{tag} {name}={values[name]}")


def live_script(html: str) -> list[str]:
    """Markup in the page that a browser would run (the page's own /static/ scripts excepted)."""
    parser = _LiveMarkup()
    parser.feed(html)
    return parser.found


def count(db: Database, table: object) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
def ada(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "ada@example.org", "Ada")


@pytest.fixture
def admin(app: FastAPI, db: Database, settings: Settings) -> TestClient:  # noqa: F811
    return sign_in(app, db, settings, "root@example.org", "Root", admin=True)


def community_posts(comment_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/papers/{PAPER}/vote", {}),
        (f"/papers/{PAPER}/comments", {"body": "hello"}),
        (f"/comments/{comment_id}/edit", {"body": "changed"}),
        (f"/comments/{comment_id}/delete", {}),
        ("/submit", {"text": "hep-th/9901001"}),
        (f"/admin/comments/{comment_id}/hide", {"reason": "x"}),
        (f"/admin/listings/{PAPER}/hide", {"reason": "x"}),
        ("/admin/users/ban", {"user": "ada@example.org"}),
    ]


@pytest.mark.parametrize("token", [None, "", "0" * 64, "not-hex"])
def test_every_community_form_without_the_right_csrf_token_is_refused(
    db: Database, ada: TestClient, admin: TestClient, token: str | None
) -> None:
    added = post(ada, f"/papers/{PAPER}/comments", body="original")
    comment_id = int(added.headers["location"].rsplit("-", 1)[1])
    before = {t.name: count(db, t) for t in (vote, comment, entry, audit_log)}
    for client in (ada, admin):
        client.get("/")  # holds the CSRF cookie: only the token is missing or wrong
        for path, data in community_posts(comment_id):
            sent = data | ({"csrf_token": token} if token is not None else {})
            response = client.post(path, data=sent, follow_redirects=False)
            assert response.status_code == 403 and "CSRF" in response.text, path
            scripted = client.post(path, headers={"X-CSRF-Token": token or "", "Accept": "application/json"})
            assert scripted.status_code == 403, path
        wrong = {"X-CSRF-Token": token} if token is not None else {}
        assert client.put(f"/api/papers/{PAPER}/vote", headers=wrong).status_code == 403
        assert client.delete(f"/api/papers/{PAPER}/vote", headers=wrong).status_code == 403
        assert (
            client.post(f"/api/papers/{PAPER}/comments", headers=wrong, json={"body": "x"}).status_code == 403
        )
    assert {t.name: count(db, t) for t in (vote, comment, entry, audit_log)} == before
    assert "original" in ada.get(f"/papers/{PAPER}").text
    assert "Sign out" in ada.get("/").text  # not banned


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_comments_and_display_names_render_inert(
    app: FastAPI,  # noqa: F811
    db: Database,
    settings: Settings,
    admin: TestClient,
    payload: str,
) -> None:
    mallory = sign_in(app, db, settings, "mallory@example.org", payload)
    assert post(mallory, f"/papers/{PAPER}/comments", body=payload).status_code == 303
    reply_to = re.search(r'id="comment-(\d+)"', mallory.get(f"/papers/{PAPER}").text).group(1)  # type: ignore[union-attr]
    post(mallory, f"/papers/{PAPER}/comments", body=f"**{payload}** {payload}", parent_id=reply_to)
    assert post(mallory, "/submit", text=PAPER).status_code == 303
    post(mallory, f"/papers/{PAPER}/vote")
    post(admin, "/admin/users/ban", user="mallory@example.org", reason=payload)
    today = mallory.get("/").url.path
    pages = {
        "paper (admin)": admin.get(f"/papers/{PAPER}").text,
        "paper (visitor)": TestClient(app).get(f"/papers/{PAPER}").text,
        "feed": admin.get(f"/papers/{SEED_DAYS[0].isoformat()}").text,
        "today": admin.get(today).text,
        "trending": admin.get("/trending").text,
        "admin": admin.get("/admin").text,
    }
    for name, html in pages.items():
        assert live_script(html) == [], name
    shown = pages["paper (visitor)"]
    assert shown.count('<strong class="comment-author">') == 2
    escaped_name = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped_name in shown  # the name is shown, as text


def test_a_display_name_with_markup_is_text_in_the_header_and_on_lists(
    app: FastAPI,  # noqa: F811
    db: Database,
    settings: Settings,
) -> None:
    mallory = sign_in(app, db, settings, "mallory@example.org", '"><svg onload=alert(1)>')
    post(mallory, "/submit", text=PAPER)
    home = mallory.get("/").text
    assert live_script(home) == []
    assert "&#34;&gt;&lt;svg onload=alert(1)&gt;" in home


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_submitted_text_is_shown_back_inert(ada: TestClient, payload: str) -> None:
    refused = post(ada, "/submit", text=payload)
    assert refused.status_code == 400 and live_script(refused.text) == []
    assert 'value="' + payload.replace("<", "&lt;").replace(">", "&gt;") in refused.text


def test_votes_are_rate_limited_with_retry_after(ada: TestClient) -> None:
    headers = {"Accept": "application/json", "X-CSRF-Token": csrf(ada)}
    for _ in range(LIMITS["vote"].per_subject.count):
        assert ada.post(f"/papers/{PAPER}/vote", headers=headers).status_code == 200
    limited = ada.post(f"/papers/{PAPER}/vote", headers=headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert (
        limited.json()["error"]["code"] == "rate_limited"
        and "try again in" in limited.json()["error"]["message"]
    )
    form = post(ada, f"/papers/{PAPER}/vote")
    assert form.status_code == 429 and form.headers["retry-after"] and "try again in" in form.text


def test_comments_are_rate_limited_with_retry_after(db: Database, ada: TestClient) -> None:
    for n in range(LIMITS["comment"].per_subject.count):
        assert post(ada, f"/papers/{PAPER}/comments", body=f"comment {n}").status_code == 303
    limited = post(ada, f"/papers/{PAPER}/comments", body="one too many")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "try again in" in limited.text and "one too many" in limited.text  # the text is kept
    assert count(db, comment) == LIMITS["comment"].per_subject.count


def test_submissions_are_rate_limited_with_retry_after(ada: TestClient) -> None:
    for _ in range(LIMITS["submit"].per_subject.count):
        assert post(ada, "/submit", text=PAPER).status_code in (200, 303)
    limited = post(ada, "/submit", text=PAPER)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "try again in" in limited.text and 'role="alert"' in limited.text


def test_a_banned_member_can_do_nothing_even_with_a_session_from_before_the_ban(
    db: Database, settings: Settings, ada: TestClient, admin: TestClient
) -> None:
    token = csrf(ada)
    post(ada, f"/papers/{PAPER}/comments", body="before the ban")
    # Banned straight in the store, sessions left in place: the session must stop working anyway.
    with db.transaction() as conn:
        conn.execute(update(user).where(user.c.email == "ada@example.org").values(banned=True))
    before = {t.name: count(db, t) for t in (vote, comment, entry)}
    attempts = [
        (f"/papers/{PAPER}/vote", {}),
        (f"/papers/{PAPER}/comments", {"body": "after the ban"}),
        ("/submit", {"text": PAPER}),
        ("/comments/1/edit", {"body": "after the ban"}),
        ("/comments/1/delete", {}),
    ]
    for path, data in attempts:
        response = ada.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in", path
        scripted = ada.post(
            path, headers={"X-CSRF-Token": token, "Accept": "application/json"}, follow_redirects=False
        )
        assert scripted.status_code == 401, path
    assert {t.name: count(db, t) for t in (vote, comment, entry)} == before
    assert "Sign out" not in ada.get("/").text
    assert ada.get("/submit", follow_redirects=False).headers["location"] == "/sign-in"
    # Nor can they sign in again: the link mailed (as to anyone who asks) is refused.
    accounts.request_sign_in(db, settings, "ada@example.org")
    [newest] = mailed_links(settings.data_dir / "outbox", "/sign-in/complete", to="ada@example.org")[-1:]
    with pytest.raises(accounts.AccountBanned):
        accounts.complete_sign_in(db, parse_qs(urlsplit(newest).query)["token"][0])


def test_a_ban_through_the_admin_page_ends_the_members_sessions(
    db: Database, ada: TestClient, admin: TestClient
) -> None:
    assert "Sign out" in ada.get("/").text
    assert post(admin, "/admin/users/ban", user="ada@example.org", reason="abuse").status_code == 200
    assert "Sign out" not in ada.get("/").text
    refused = ada.post(
        f"/papers/{PAPER}/vote", headers={"X-CSRF-Token": csrf(ada), "Accept": "application/json"}
    )
    assert refused.status_code == 401 and count(db, vote) == 0


def test_an_admin_who_is_banned_loses_the_admin_pages(
    app: FastAPI,  # noqa: F811
    db: Database,
    settings: Settings,
    admin: TestClient,
) -> None:
    other = sign_in(app, db, settings, "second@example.org", admin=True)
    moderation.ban_user(db, accounts.promote(db, "root@example.org"), "second@example.org", "rogue")
    assert other.get("/admin", follow_redirects=False).headers["location"] == "/sign-in"


def test_members_get_403_on_every_admin_route_and_nothing_changes(db: Database, ada: TestClient) -> None:
    added = post(ada, f"/papers/{PAPER}/comments", body="mine")
    comment_id = added.headers["location"].rsplit("-", 1)[1]
    assert ada.get("/admin").status_code == 403
    for path, data in [
        (f"/admin/comments/{comment_id}/hide", {"reason": "x"}),
        (f"/admin/listings/{PAPER}/hide", {"reason": "x"}),
        ("/admin/users/ban", {"user": "ada@example.org"}),
    ]:
        response = post(ada, path, **data)
        assert response.status_code == 403 and "Only an admin" in response.text, path
    assert count(db, audit_log) == 0
    assert "mine" in ada.get(f"/papers/{PAPER}").text and "Sign out" in ada.get("/").text
