"""Sign-in pages in process: the emailed link, sessions, CSRF, sign-out and display names."""

from __future__ import annotations

import html
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from test_accounts import mailed_tokens
from test_mail import certificate, smtp_server  # noqa: F401  (certificate is a fixture)

from paperboy.config import Settings
from paperboy.domain.clock import utcnow
from paperboy.mail import outbox_dir
from paperboy.store import Database
from paperboy.store.schema import sign_in_token
from paperboy.web import create_app


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


def ask_for_link(client: TestClient, address: str = "ada@example.org") -> TestClient:
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"email": address, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 200, response.text
    return response


def use_link(client: TestClient, token: str, follow: bool = True):  # type: ignore[no-untyped-def]
    confirm = client.get(f"/sign-in/complete?token={token}")
    assert confirm.status_code == 200
    return client.post(
        "/sign-in/complete",
        data={"token": token, "csrf_token": csrf_of(confirm.text)},
        follow_redirects=follow,
    )


def test_full_sign_in_flow_with_the_link_from_the_outbox(client: TestClient, settings: Settings) -> None:
    home = client.get("/")
    assert 'href="/sign-in"' in home.text and "Sign out" not in home.text
    sent = ask_for_link(client, "Ada@Example.org")
    assert "Check your inbox" in sent.text
    [token] = mailed_tokens(settings)
    # Opening the link (as a mail scanner would) does not use it up.
    client.get(f"/sign-in/complete?token={token}")
    confirm = client.get(f"/sign-in/complete?token={token}")
    assert (
        confirm.headers["referrer-policy"] == "no-referrer" and 'action="/sign-in/complete"' in confirm.text
    )
    done = use_link(client, token, follow=False)
    assert done.status_code == 303 and done.headers["location"] == "/account"
    cookie = done.headers["set-cookie"]
    assert (
        cookie.startswith("paperboy_session=") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    )
    assert "Path=/" in cookie and "Max-Age=2592000" in cookie and "Secure" not in cookie
    account = client.get("/account")
    assert account.status_code == 200 and "ada@example.org" in account.text
    page = client.get("/")
    assert "Sign out" in page.text and ">ada</a>" in page.text
    out = client.post("/sign-out", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and 'paperboy_session=""' in out.headers["set-cookie"]
    assert client.get("/account", follow_redirects=False).headers["location"] == "/sign-in"
    assert 'href="/sign-in"' in client.get("/").text


def test_without_smtp_the_page_says_the_mail_is_in_the_outbox_folder(
    client: TestClient, settings: Settings
) -> None:
    sent = ask_for_link(client, "ada@example.org")
    note = re.search(r'<p class="outbox-note"[^>]*>(.*?)</p>', sent.text, re.S)
    assert note, "the page says where the mail went"
    text = html.unescape(re.sub(r"<[^>]+>", "", note.group(1)))
    assert "no mail server" in text and "PAPERBOY_SMTP_URL" in text
    assert str(outbox_dir(settings)) in text and ".eml" in text


def test_the_answer_does_not_reveal_whether_an_address_has_an_account(
    client: TestClient, settings: Settings
) -> None:
    ask_for_link(client, "known@example.org")
    use_link(client, mailed_tokens(settings)[0])
    client.cookies.clear()
    known = ask_for_link(client, "known@example.org").text
    unknown = ask_for_link(client, "stranger@example.org").text
    strip = lambda html: re.sub(r'value="[0-9a-f]+"|\S+@example\.org', "", html)  # noqa: E731
    assert strip(known) == strip(unknown)


def test_a_real_smtp_server_receives_the_link(
    db: Database,
    settings: Settings,
    certificate: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with smtp_server(certificate, monkeypatch) as (inbox, url):
        config = replace(settings, smtp_url=url, base_url="https://papers.example.org")
        with TestClient(create_app(config, db), base_url="https://testserver") as client:
            sent = ask_for_link(client, "ada@example.org")
            assert "no mail server" not in sent.text, "mail really was sent"
            [message] = inbox.messages
            assert message["To"] == "ada@example.org" and message["Message-ID"]
            link = re.search(
                r"https://papers\.example\.org/sign-in/complete\?token=(\S+)", message.get_content()
            )
            assert link
            done = use_link(client, link.group(1), follow=False)
            assert done.status_code == 303 and "Secure" in done.headers["set-cookie"]
            assert "ada@example.org" in client.get("/account").text


def test_a_used_link_is_refused(client: TestClient, settings: Settings) -> None:
    ask_for_link(client)
    [token] = mailed_tokens(settings)
    use_link(client, token)
    again = use_link(client, token)
    assert again.status_code == 400 and "already been used" in again.text


def test_an_expired_link_is_refused(client: TestClient, db: Database, settings: Settings) -> None:
    ask_for_link(client)
    with db.transaction() as conn:
        conn.execute(update(sign_in_token).values(expires_at=utcnow() - timedelta(seconds=1)))
    refused = use_link(client, mailed_tokens(settings)[0])
    assert refused.status_code == 400 and "expired" in refused.text and 'href="/sign-in"' in refused.text
    assert "Sign out" not in refused.text


def test_a_made_up_link_is_refused(client: TestClient) -> None:
    refused = use_link(client, "not-a-real-token")
    assert refused.status_code == 400 and "not valid" in refused.text


def test_a_bad_address_is_shown_again_with_the_reason(client: TestClient, settings: Settings) -> None:
    page = client.get("/sign-in")
    response = client.post("/sign-in", data={"email": "ada at example", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 400 and "not an email address" in response.text
    assert not (settings.data_dir / "outbox").exists()


@pytest.mark.parametrize("token", [None, "", "0" * 64])
def test_a_form_without_the_right_csrf_token_is_refused(client: TestClient, token: str | None) -> None:
    client.get("/sign-in")
    data = {"email": "ada@example.org"} | ({"csrf_token": token} if token is not None else {})
    response = client.post("/sign-in", data=data)
    assert response.status_code == 403 and "CSRF" in response.text
    assert "<!doctype html>" in response.text.lower()


def test_a_form_from_a_browser_without_the_csrf_cookie_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/sign-in").text)
    client.cookies.clear()
    response = client.post("/sign-in", data={"email": "ada@example.org", "csrf_token": token})
    assert response.status_code == 403 and "cookie" in response.text


def test_the_csrf_header_works_and_api_refusals_have_the_error_shape(client: TestClient) -> None:
    page = client.get("/sign-in")
    token = csrf_of(page.text)
    assert f'<meta name="csrf-token" content="{token}">' in page.text
    with_header = client.post("/sign-in", data={"email": "ada@example.org"}, headers={"X-CSRF-Token": token})
    assert with_header.status_code == 200
    wrong = client.post("/sign-out", headers={"X-CSRF-Token": "wrong"})
    assert wrong.status_code == 403

    from fastapi import APIRouter

    # A state-changing API route (none exists yet) is protected like the forms.
    router = APIRouter()
    router.add_api_route("/api/test-change", lambda: {"changed": True}, methods=["POST"])
    client.app.include_router(router)  # type: ignore[attr-defined]
    refused = client.post("/api/test-change", json={})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed" and "CSRF" in refused.json()["error"]["message"]
    assert client.post("/api/test-change", json={}, headers={"X-CSRF-Token": token}).json() == {
        "changed": True
    }


def test_methods_no_route_accepts_keep_their_own_errors(client: TestClient) -> None:
    assert client.post("/api/papers").status_code == 405
    assert client.delete("/nothing-here").status_code == 404


def test_a_script_in_a_display_name_renders_inert(client: TestClient, settings: Settings) -> None:
    ask_for_link(client)
    use_link(client, mailed_tokens(settings)[0])
    account = client.get("/account")
    evil = '<script>alert("x")</script>'
    saved = client.post("/account", data={"display_name": evil, "csrf_token": csrf_of(account.text)})
    assert saved.status_code == 200 and "Saved" in saved.text
    for page in (saved, client.get("/")):
        assert evil not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_a_display_name_with_control_characters_is_refused(client: TestClient, settings: Settings) -> None:
    ask_for_link(client)
    use_link(client, mailed_tokens(settings)[0])
    account = client.get("/account")
    refused = client.post("/account", data={"display_name": "Ada\x07", "csrf_token": csrf_of(account.text)})
    assert refused.status_code == 400 and "control characters" in refused.text


def test_header_injection_through_the_address_sends_nothing(client: TestClient, settings: Settings) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": "ada@example.org\r\nBcc: eve@example.org", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 400
    assert not (settings.data_dir / "outbox").exists()


def test_sign_in_mail_is_rate_limited_per_address_and_per_ip(client: TestClient, settings: Settings) -> None:
    for _ in range(3):
        ask_for_link(client, "ada@example.org")
    token = csrf_of(client.get("/sign-in").text)
    limited = client.post("/sign-in", data={"email": "ada@example.org", "csrf_token": token})
    assert limited.status_code == 429 and "try again in" in limited.text and limited.headers["retry-after"]
    for n in range(7):
        ask_for_link(client, f"person{n}@example.org")
    from_ip = client.post("/sign-in", data={"email": "other@example.org", "csrf_token": token})
    assert from_ip.status_code == 429 and "your network" in from_ip.text
    assert len(mailed_tokens(settings)) == 10


def test_a_second_worker_does_not_give_an_address_a_fresh_sign_in_allowance(
    db: Database, settings: Settings, database_url: str
) -> None:
    from paperboy.store import open_database

    other_db = open_database(database_url)
    try:
        with (
            TestClient(create_app(settings, db)) as first,
            TestClient(create_app(settings, other_db)) as second,
        ):
            for _ in range(3):
                ask_for_link(first, "ada@example.org")
            token = csrf_of(second.get("/sign-in").text)
            refused = second.post("/sign-in", data={"email": "ada@example.org", "csrf_token": token})
    finally:
        other_db.close()
    assert refused.status_code == 429 and "sent to this address" in refused.text
    assert len(mailed_tokens(settings)) == 3


def test_plus_addressed_and_case_variants_share_one_sign_in_allowance(
    client: TestClient, settings: Settings
) -> None:
    for address in ("victim@example.org", "Victim+1@example.org", "victim+news@EXAMPLE.org"):
        ask_for_link(client, address)
    token = csrf_of(client.get("/sign-in").text)
    refused = client.post("/sign-in", data={"email": "VICTIM+2@example.org", "csrf_token": token})
    assert refused.status_code == 429 and "sent to this address" in refused.text
    assert len(mailed_tokens(settings)) == 3


def test_dotted_gmail_variants_share_one_sign_in_allowance(client: TestClient, settings: Settings) -> None:
    for address in ("victim.name@gmail.com", "victimname@gmail.com", "v.i.c.t.i.m.name+x@googlemail.com"):
        ask_for_link(client, address)
    token = csrf_of(client.get("/sign-in").text)
    refused = client.post("/sign-in", data={"email": "VictimName@Gmail.com", "csrf_token": token})
    assert refused.status_code == 429
    # Dots matter at other providers: first.last@example.org is not firstlast@example.org.
    ask_for_link(client, "victim.name@example.org")
    ask_for_link(client, "victimname@example.org")


def test_the_secret_key_is_generated_once_with_owner_only_permissions(
    db: Database, settings: Settings
) -> None:
    path = settings.data_dir / "secret_key"
    with TestClient(create_app(settings, db)) as first:
        token = csrf_of(first.get("/sign-in").text)
        key = path.read_text()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with TestClient(create_app(settings, db), cookies=dict(first.cookies)) as second:
            # The same key after a restart: forms rendered before it still work.
            assert (
                second.post("/sign-in", data={"email": "ada@example.org", "csrf_token": token}).status_code
                == 200
            )
    assert path.read_text() == key


def test_the_sign_in_limits_free_up_as_time_passes(db: Database, settings: Settings) -> None:
    from paperboy.services.accounts import request_sign_in
    from paperboy.services.rate_limits import RateLimited

    asked = utcnow()
    for _ in range(3):
        request_sign_in(db, settings, "ada@example.org", now=asked, ip="10.0.0.1")
    with pytest.raises(RateLimited, match="try again in 15 minutes") as refused:
        request_sign_in(db, settings, "ada@example.org", now=asked, ip="10.0.0.2")
    assert refused.value.retry_after == 900
    request_sign_in(
        db, settings, "ada@example.org", now=asked + timedelta(minutes=15, seconds=1), ip="10.0.0.1"
    )


def test_a_multipart_form_carries_its_csrf_token_too(client: TestClient) -> None:
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"email": "ada@example.org", "csrf_token": token},
        files={"attachment": ("note.txt", b"hello", "text/plain")},
    )
    assert response.status_code == 200 and "Check your inbox" in response.text


def test_a_planted_csrf_cookie_and_its_token_do_not_work_with_a_victims_session(
    client: TestClient, db: Database, settings: Settings
) -> None:
    ask_for_link(client, "victim@example.org")
    use_link(client, mailed_tokens(settings)[-1])
    # The attacker gets a CSRF cookie and its token from the site in a browser of their own...
    with TestClient(create_app(settings, db)) as attacker:
        planted_token = csrf_of(attacker.get("/sign-in").text)
        planted_cookie = attacker.cookies["paperboy_csrf"]
    # ...and plants the cookie in the victim's browser (from a sibling subdomain, say).
    client.cookies.delete("paperboy_csrf")
    client.cookies.set("paperboy_csrf", planted_cookie)
    forged = client.post("/account", data={"display_name": "Pwned", "csrf_token": planted_token})
    assert forged.status_code == 403
    assert "Pwned" not in client.get("/account").text
    # The victim's own pages carry a token that works with their session.
    own = client.post(
        "/account", data={"display_name": "Victor", "csrf_token": csrf_of(client.get("/account").text)}
    )
    assert own.status_code == 200 and 'value="Victor"' in own.text


def test_on_an_https_site_the_cookies_are_host_cookies_and_login_csrf_fails(
    db: Database, settings: Settings
) -> None:
    """`__Host-` cookies cannot be planted by a sibling subdomain or a plain-http page. The
    attacker's way in was: their own CSRF cookie and token, planted in a browser that is not
    signed in, then a forged POST completing the attacker's own sign-in link there."""
    site = "https://papers.example.org"
    config = replace(settings, base_url=site)
    with TestClient(create_app(config, db), base_url=site) as attacker:
        ask_for_link(attacker, "attacker@example.org")
        attackers_link = mailed_tokens(config)[-1]
        planted_token = csrf_of(attacker.get("/sign-in").text)
        planted_cookie = attacker.cookies["__Host-paperboy_csrf"]
    with TestClient(create_app(config, db), base_url=site) as victim:
        first = victim.get("/sign-in")
        set_cookie = first.headers["set-cookie"]
        assert set_cookie.startswith("__Host-paperboy_csrf=") and "Secure" in set_cookie
        assert "Path=/" in set_cookie and "domain" not in set_cookie.lower()
        # All a sibling domain can plant is a cookie without the prefix.
        victim.cookies.clear()
        victim.cookies.set("paperboy_csrf", planted_cookie, domain="papers.example.org")
        forged = victim.post("/sign-in/complete", data={"token": attackers_link, "csrf_token": planted_token})
        assert forged.status_code == 403
        assert victim.get("/account", follow_redirects=False).headers["location"] == "/sign-in"
        # The victim's own sign-in sets a __Host- session cookie.
        ask_for_link(victim, "victim@example.org")
        done = use_link(victim, mailed_tokens(config)[-1], follow=False)
        session = done.headers["set-cookie"]
        assert session.startswith("__Host-paperboy_session=") and "Secure" in session and "Path=/" in session
        assert victim.get("/account").status_code == 200


def test_a_display_name_of_invisible_characters_only_gets_a_clear_message(
    client: TestClient, settings: Settings
) -> None:
    ask_for_link(client)
    use_link(client, mailed_tokens(settings)[0])
    account = client.get("/account")
    refused = client.post(
        "/account", data={"display_name": "\u3164\u200b", "csrf_token": csrf_of(account.text)}
    )
    assert refused.status_code == 400 and "nothing visible" in refused.text
