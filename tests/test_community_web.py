"""Community pages in process: submitting, upvoting, commenting, trending and moderation."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from test_accounts import mailed_tokens
from web_server import SEED_DAYS, fill_store

from paperboy.config import Settings
from paperboy.domain.clock import utcnow
from paperboy.services import accounts
from paperboy.store import Database
from paperboy.web import create_app
from paperboy.web.cookies import SESSION as SESSION_COOKIE

PAPER = "2405.07518"  # on the seed list with 99 upvotes from Hugging Face


@pytest.fixture
def app(db: Database, settings: Settings) -> FastAPI:
    fill_store(db)
    return create_app(settings, db)


def sign_in(
    app: FastAPI, db: Database, settings: Settings, email: str, name: str | None = None, admin: bool = False
) -> TestClient:
    """A client signed in as email through a real emailed link (used by the service, not the form)."""
    if admin:
        accounts.promote(db, email)
    before = set(mailed_tokens(settings))
    accounts.request_sign_in(db, settings, email)
    [token] = set(mailed_tokens(settings)) - before
    signed = accounts.complete_sign_in(db, token)
    if name:
        accounts.set_display_name(db, signed.user.id, name)
    client = TestClient(app, raise_server_exceptions=False)
    client.cookies.set(SESSION_COOKIE, signed.session_token)
    return client


def csrf(client: TestClient, path: str = "/trending") -> str:
    """The page's CSRF token (getting a page also sets the browser's CSRF cookie)."""
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', client.get(path).text)
    assert match
    return match.group(1)


def post(client: TestClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf(client), **data}, follow_redirects=False)


def vote_button(html: str, key: str) -> str:
    """The upvote form (or sign-in link) of one paper on a page."""
    target = rf'(action="/papers/{re.escape(key)}/vote"|href="/sign-in")'
    match = re.search(rf'<(form|a) class="votes[^"]*"[^>]*{target}[^>]*>.*?</\1>', html, re.S)
    assert match, f"no vote button for {key}"
    return match.group(0)


def card_of(html: str, key: str) -> str:
    start = html.rindex('<article class="card">', 0, html.index(f'<a href="/papers/{key}">'))
    return html[start : html.index("</article>", start)]


@pytest.fixture
def ada(app: FastAPI, db: Database, settings: Settings) -> TestClient:
    return sign_in(app, db, settings, "ada@example.org", "Ada L.")


def test_signed_out_visitors_see_votes_as_a_link_to_sign_in(app: FastAPI) -> None:
    visitor = TestClient(app)
    day = visitor.get(f"/papers/{SEED_DAYS[0].isoformat()}").text
    button = vote_button(card_of(day, PAPER), PAPER)
    assert button.startswith('<a class="votes vote-button" href="/sign-in"') and ">99<" in button
    assert 'href="/trending"' in day and 'href="/submit"' in day and 'href="/admin"' not in day
    assert visitor.get("/submit", follow_redirects=False).headers["location"] == "/sign-in"
    paper = visitor.get(f"/papers/{PAPER}").text
    assert 'href="/sign-in">Sign in</a> to comment' in paper and "<textarea" not in paper


def test_a_vote_toggles_and_the_form_goes_back_where_it_came_from(ada: TestClient) -> None:
    day = f"/papers/{SEED_DAYS[0].isoformat()}"
    before = vote_button(card_of(ada.get(day).text, PAPER), PAPER)
    assert 'aria-pressed="false"' in before and '<span class="count">99</span>' in before
    voted = post(ada, f"/papers/{PAPER}/vote", next=day)
    assert voted.status_code == 303 and voted.headers["location"] == day
    after = vote_button(card_of(ada.get(day).text, PAPER), PAPER)
    assert 'aria-pressed="true"' in after and '<span class="count">100</span>' in after
    post(ada, f"/papers/{PAPER}/vote", next=day)
    again = vote_button(card_of(ada.get(day).text, PAPER), PAPER)
    assert 'aria-pressed="false"' in again and '<span class="count">99</span>' in again


def test_a_script_votes_with_json_and_the_csrf_header(ada: TestClient) -> None:
    token = csrf(ada)
    headers = {"Accept": "application/json", "X-CSRF-Token": token}
    response = ada.post(f"/papers/{PAPER}/vote", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"paper": PAPER, "voted": True, "votes": 100}
    assert ada.post(f"/papers/{PAPER}/vote", headers=headers).json()["voted"] is False
    missing = ada.post("/papers/9999.99999/vote", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    # Signed out, the same browser's token (bound to the session that is gone) no longer works;
    # with a token of its own it is told to sign in.
    signed_out = TestClient(ada.app, cookies={"paperboy_csrf": ada.cookies["paperboy_csrf"]})
    stale = signed_out.post(f"/papers/{PAPER}/vote", headers=headers)
    assert stale.status_code == 403 and "CSRF" in stale.text
    headers["X-CSRF-Token"] = csrf(signed_out)
    refused = signed_out.post(f"/papers/{PAPER}/vote", headers=headers)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "sign_in_required"


def test_the_vote_form_never_sends_people_to_another_site(ada: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = post(ada, f"/papers/{PAPER}/vote", next=target)
        assert response.headers["location"] == f"/papers/{PAPER}"


def test_submitting_a_stored_paper_puts_it_on_todays_list(
    app: FastAPI, db: Database, settings: Settings, ada: TestClient
) -> None:
    form = ada.get("/submit")
    assert form.status_code == 200 and 'name="text"' in form.text
    done = post(ada, "/submit", text=f"https://arxiv.org/abs/{PAPER}v2")
    assert done.status_code == 303 and done.headers["location"] == f"/papers/{PAPER}?submitted=1"
    assert "the paper is on today&#39;s list" in ada.get(done.headers["location"]).text
    today = ada.get(f"/papers/{utcnow().date().isoformat()}").text
    assert "submitted by <strong>Ada L.</strong>" in card_of(today, PAPER)
    grace = sign_in(app, db, settings, "grace@example.org")
    again = post(grace, "/submit", text=PAPER)
    assert again.status_code == 200
    assert "is already on" in again.text and "submitted by <strong>Ada L.</strong>" in again.text


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [("", 400, "Enter an arXiv id"), ("not an id", 400, "Paste an id like"), ("x" * 600, 400, "at most")],
)
def test_a_bad_submission_shows_the_form_again_with_the_reason(
    ada: TestClient, text: str, status: int, message: str
) -> None:
    response = post(ada, "/submit", text=text)
    assert response.status_code == status and message in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text


def test_comments_render_markdown_and_their_author_can_edit_and_delete_them(
    app: FastAPI, db: Database, settings: Settings, ada: TestClient
) -> None:
    added = post(ada, f"/papers/{PAPER}/comments", body="Great **result**, see [code](https://example.org/x)")
    assert added.status_code == 303
    comment_id = int(re.fullmatch(rf"/papers/{PAPER}#comment-(\d+)", added.headers["location"]).group(1))  # type: ignore[union-attr]
    page = ada.get(f"/papers/{PAPER}").text
    assert "Comments (1)" in page and "Great <strong>result</strong>" in page
    assert '<a href="https://example.org/x" rel="nofollow noopener ugc">code</a>' in page
    assert f'action="/comments/{comment_id}/edit"' in page
    assert f'action="/comments/{comment_id}/delete"' in page
    day = ada.get(f"/papers/{SEED_DAYS[0].isoformat()}").text
    assert f'href="/papers/{PAPER}#comments">1 comment</a>' in card_of(day, PAPER)

    grace = sign_in(app, db, settings, "grace@example.org")
    assert f'action="/comments/{comment_id}/edit"' not in grace.get(f"/papers/{PAPER}").text
    assert post(grace, f"/comments/{comment_id}/edit", body="mine now").status_code == 403
    assert post(grace, f"/comments/{comment_id}/delete").status_code == 403

    edited = post(ada, f"/comments/{comment_id}/edit", body="Revised _view_")
    assert edited.status_code == 303
    page = ada.get(f"/papers/{PAPER}").text
    assert "Revised <em>view</em>" in page and "edited" in page
    assert post(ada, f"/comments/{comment_id}/delete").status_code == 303
    assert "Comments (0)" in ada.get(f"/papers/{PAPER}").text


def test_a_reply_sits_under_its_comment(ada: TestClient) -> None:
    first = post(ada, f"/papers/{PAPER}/comments", body="Question?")
    parent = first.headers["location"].rsplit("-", 1)[1]
    post(ada, f"/papers/{PAPER}/comments", body="Answer.", parent_id=parent)
    page = ada.get(f"/papers/{PAPER}").text
    replies = page[page.index('<ol class="comment-list replies">') :]
    assert "Answer." in replies[: replies.index("</ol>")]


def test_an_empty_comment_shows_the_page_again_with_the_reason(ada: TestClient) -> None:
    refused = post(ada, f"/papers/{PAPER}/comments", body="   ")
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    assert '<h1 id="paper-title">' in refused.text  # the paper's page, not an error page
    long_text = "word " * 3000
    too_long = post(ada, f"/papers/{PAPER}/comments", body=long_text)
    assert too_long.status_code == 400 and long_text.strip()[:200] in too_long.text  # the text is kept


def test_commenting_on_a_paper_that_does_not_exist_is_404(ada: TestClient) -> None:
    assert post(ada, "/papers/9999.99999/comments", body="hello").status_code == 404
    assert post(ada, "/comments/987654/edit", body="hello").status_code == 404


def test_trending_lists_voted_papers_in_pages(ada: TestClient) -> None:
    post(ada, "/submit", text=PAPER)
    post(ada, f"/papers/{PAPER}/vote")
    page = ada.get("/trending")
    assert page.status_code == 200 and '<h1 id="trending-title">Trending</h1>' in page.text
    assert 'aria-pressed="true"' in vote_button(card_of(page.text, PAPER), PAPER)
    assert ada.get("/trending?page=999").status_code == 404


def test_an_admin_hides_a_comment_and_the_log_records_it(
    app: FastAPI, db: Database, settings: Settings, ada: TestClient
) -> None:
    added = post(ada, f"/papers/{PAPER}/comments", body="Spam spam spam")
    comment_id = added.headers["location"].rsplit("-", 1)[1]
    admin = sign_in(app, db, settings, "root@example.org", "Root", admin=True)
    page = admin.get(f"/papers/{PAPER}").text
    assert f'action="/admin/comments/{comment_id}/hide"' in page and 'href="/admin"' in page
    back = f"/papers/{PAPER}#comments"
    hidden = post(admin, f"/admin/comments/{comment_id}/hide", reason="spam", next=back)
    assert hidden.status_code == 303 and hidden.headers["location"] == f"/papers/{PAPER}#comments"
    assert "Spam spam spam" not in ada.get(f"/papers/{PAPER}").text
    assert "Spam spam spam" not in TestClient(app).get(f"/papers/{PAPER}").text
    seen_by_admin = admin.get(f"/papers/{PAPER}").text
    assert "Spam spam spam" in seen_by_admin and "hidden by a moderator" in seen_by_admin
    log = admin.get("/admin").text
    assert "root@example.org" in log and "hide comment" in log and "spam" in log
    post(admin, f"/admin/comments/{comment_id}/hide", hidden="0")
    assert "Spam spam spam" in ada.get(f"/papers/{PAPER}").text


def test_an_admin_hides_a_listing_from_the_lists(
    app: FastAPI, db: Database, settings: Settings, ada: TestClient
) -> None:
    admin = sign_in(app, db, settings, "root@example.org", admin=True)
    day = f"/papers/{SEED_DAYS[0].isoformat()}"
    assert f'<a href="/papers/{PAPER}">' in ada.get(day).text
    done = post(admin, f"/admin/listings/{PAPER}/hide", hidden="1", reason="off-topic")
    assert done.status_code == 303
    assert f'<a href="/papers/{PAPER}">' not in ada.get(day).text
    assert ada.get(f"/papers/{PAPER}").status_code == 200  # the page itself stays
    post(admin, f"/admin/listings/{PAPER}/hide", hidden="0")
    assert f'<a href="/papers/{PAPER}">' in ada.get(day).text


def test_an_admin_bans_and_unbans_from_the_admin_page(
    app: FastAPI, db: Database, settings: Settings, ada: TestClient
) -> None:
    admin = sign_in(app, db, settings, "root@example.org", admin=True)
    banned = post(admin, "/admin/users/ban", user="ADA@example.org", reason="abuse")
    assert banned.status_code == 200 and "ada@example.org banned" in banned.text
    page = admin.get("/admin").text
    listed = page[page.index("Banned accounts") : page.index("Moderation log")]
    assert "ada@example.org" in listed and "Unban" in listed
    assert "Sign out" not in ada.get("/").text  # the session ended
    user_id = re.search(r'name="user" value="(\d+)"', listed).group(1)  # type: ignore[union-attr]
    unbanned = post(admin, "/admin/users/ban", user=user_id, banned="0")
    assert unbanned.status_code == 200 and "can take part again" in unbanned.text
    unknown = post(admin, "/admin/users/ban", user="nobody@example.org")
    assert unknown.status_code == 404 and "nobody@example.org" in unknown.text
    itself = post(admin, "/admin/users/ban", user="root@example.org")
    assert itself.status_code == 403 and "cannot ban yourself" in itself.text


def test_the_admin_link_and_page_are_for_admins_only(
    app: FastAPI, db: Database, settings: Settings, ada: TestClient
) -> None:
    assert 'href="/admin"' not in ada.get("/").text
    assert ada.get("/admin").status_code == 403
    assert TestClient(app).get("/admin", follow_redirects=False).headers["location"] == "/sign-in"
    admin = sign_in(app, db, settings, "root@example.org", admin=True)
    assert 'href="/admin"' in admin.get("/").text
    page = admin.get("/admin")
    assert page.status_code == 200 and "Nothing has been moderated yet" in page.text


def test_today_is_the_home_page_once_a_paper_is_submitted(ada: TestClient) -> None:
    post(ada, "/submit", text=PAPER)
    home = ada.get("/").text
    assert utcnow().date().strftime("%B") in home and f'<a href="/papers/{PAPER}">' in home


def test_the_api_sets_and_clears_votes_and_adds_comments(app: FastAPI, ada: TestClient) -> None:
    headers = {"X-CSRF-Token": csrf(ada)}
    assert ada.put(f"/api/papers/{PAPER}/vote", headers=headers).json() == {
        "paper": PAPER,
        "voted": True,
        "votes": 100,
    }
    assert ada.put(f"/api/papers/{PAPER}/vote", headers=headers).json()["votes"] == 100  # idempotent
    assert ada.delete(f"/api/papers/{PAPER}/vote", headers=headers).json()["voted"] is False
    added = ada.post(f"/api/papers/{PAPER}/comments", headers=headers, json={"body": "Nice *work*"})
    assert added.status_code == 201
    body = added.json()
    assert (
        body["paper"] == PAPER
        and body["author"] == "Ada L."
        and body["html"] == "<p>Nice <em>work</em></p>\n"
    )
    empty = ada.post(f"/api/papers/{PAPER}/comments", headers=headers, json={"body": ""})
    assert empty.status_code == 400 and set(empty.json()["error"]) == {"status", "code", "message", "field"}
    missing = ada.put("/api/papers/9999.99999/vote", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    visitor = TestClient(app)
    token = csrf(visitor)
    refused = visitor.put(f"/api/papers/{PAPER}/vote", headers={"X-CSRF-Token": token})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "sign_in_required"
    paths = app.openapi()["paths"]
    assert "put" in paths["/api/papers/{key}/vote"] and "post" in paths["/api/papers/{key}/comments"]
