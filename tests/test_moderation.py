"""Moderation: admins hide comments and listings and ban users; every action is audited."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
from community_fixtures import NOW, list_papers, member

from paperboy.cli.main import main
from paperboy.services.accounts import user_for_session
from paperboy.services.community.comments import add_comment, comments_for
from paperboy.services.community.errors import CommunityError, NotAllowed, NotFound
from paperboy.services.community.moderation import audit_log, ban_user, hide_comment, hide_listing
from paperboy.services.community.votes import toggle_vote
from paperboy.store import Database
from paperboy.store import accounts as account_store

PAPER = "2411.00001"
IP = "198.51.100.7"


@pytest.fixture(autouse=True)
def paper(db: Database) -> None:
    list_papers(db, date(2026, 11, 20), [(PAPER, "A paper", 0)])


def test_members_cannot_moderate(db: Database) -> None:
    ada, bob = member(db, "ada@example.org"), member(db, "bob@example.org")
    posted = add_comment(db, bob, PAPER, "Hello", IP, now=NOW)
    for attempt in (
        lambda: hide_comment(db, ada, posted.id, "no"),
        lambda: hide_listing(db, ada, PAPER, "no"),
        lambda: ban_user(db, ada, bob.email, "no"),
    ):
        with pytest.raises(NotAllowed, match="Only an admin"):
            attempt()
    assert audit_log(db) == []
    assert [c.hidden for c in comments_for(db, PAPER)] == [False]


def test_an_admin_who_was_demoted_cannot_moderate_with_an_old_record(db: Database) -> None:
    admin = member(db, "admin@example.org", admin=True)
    with db.transaction() as conn:
        account_store.set_role(conn, admin.id, "member")
    with pytest.raises(NotAllowed):
        hide_listing(db, admin, PAPER)


def test_every_action_writes_one_audit_row_newest_first(db: Database) -> None:
    admin = member(db, "admin@example.org", admin=True)
    eve = member(db, "eve@example.org")
    posted = add_comment(db, eve, PAPER, "Buy now", IP, now=NOW)
    hide_comment(db, admin, posted.id, "spam", now=NOW)
    hide_listing(db, admin, f"https://arxiv.org/abs/{PAPER}v3", "off-topic", now=NOW + timedelta(seconds=1))
    ban_user(db, admin, "EVE@example.org", "spammer", now=NOW + timedelta(seconds=2))
    ban_user(db, admin, eve.id, "appeal granted", banned=False, now=NOW + timedelta(seconds=3))
    rows = [(e.actor, e.action, e.target_type, e.target_id, e.reason) for e in audit_log(db)]
    assert rows == [
        ("admin@example.org", "unban_user", "user", "eve@example.org", "appeal granted"),
        ("admin@example.org", "ban_user", "user", "eve@example.org", "spammer"),
        ("admin@example.org", "hide_listing", "paper", PAPER, "off-topic"),
        ("admin@example.org", "hide_comment", "comment", str(posted.id), "spam"),
    ]
    assert audit_log(db, limit=1, offset=1)[0].action == "ban_user"
    assert audit_log(db)[0].created_at == NOW + timedelta(seconds=3)


def test_a_refused_action_writes_no_audit_row(db: Database) -> None:
    admin = member(db, "admin@example.org", admin=True)
    with pytest.raises(NotFound):
        hide_comment(db, admin, 12345, "gone")
    with pytest.raises(NotFound):
        ban_user(db, admin, "nobody@example.org")
    with pytest.raises(NotAllowed, match="cannot ban yourself"):
        ban_user(db, admin, admin.email)
    assert audit_log(db) == []


def test_a_ban_ends_the_sessions_and_every_action_is_refused(db: Database) -> None:
    eve = member(db, "eve@example.org")
    with db.transaction() as conn:
        # Sessions are stored as the SHA-256 of the cookie's value.
        cookie_hash = hashlib.sha256(b"eve-cookie").hexdigest()
        account_store.add_session(conn, cookie_hash, eve.id, NOW, NOW + timedelta(days=30))
    assert user_for_session(db, "eve-cookie", NOW) is not None
    banned = ban_user(db, member(db, "admin@example.org", admin=True), eve.email, "abuse")
    assert banned.banned is True
    assert user_for_session(db, "eve-cookie", NOW) is None
    with db.connect() as conn:
        assert account_store.count_sessions(conn, eve.id) == 0
    with pytest.raises(NotAllowed):
        toggle_vote(db, eve, PAPER, IP, NOW)
    with pytest.raises(NotAllowed):
        add_comment(db, eve, PAPER, "Let me in", IP, now=NOW)


def test_a_banned_admin_cannot_moderate(db: Database) -> None:
    rogue = member(db, "rogue@example.org", admin=True)
    ban_user(db, member(db, "admin@example.org", admin=True), rogue.email, "rogue")
    with pytest.raises(NotAllowed):
        hide_listing(db, rogue, PAPER)


def test_an_overlong_reason_is_refused(db: Database) -> None:
    admin = member(db, "admin@example.org", admin=True)
    with pytest.raises(CommunityError, match="at most 1000 characters") as caught:
        hide_listing(db, admin, PAPER, "x" * 1001)
    assert caught.value.field == "reason"
    assert audit_log(db) == []


def test_users_ban_unban_and_audit_on_the_command_line(
    db: Database, cli_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    eve = member(db, "eve@example.org")
    assert main(["users", "ban", "Eve@Example.org", "--reason", "spam links"]) == 0
    assert "eve@example.org is banned" in capsys.readouterr().out
    with pytest.raises(NotAllowed):
        toggle_vote(db, eve, PAPER, IP, NOW)
    assert main(["users", "unban", "eve@example.org"]) == 0
    assert "no longer banned" in capsys.readouterr().out
    assert main(["users", "audit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == [
        "cli  unban_user user eve@example.org",
        "cli  ban_user user eve@example.org  (spam links)",
    ]
    assert main(["users", "audit", "--json"]) == 0
    assert [e["action"] for e in json.loads(capsys.readouterr().out)] == ["unban_user", "ban_user"]
    assert main(["users", "ban", "nobody@example.org"]) == 1
    assert "There is no account 'nobody@example.org'" in capsys.readouterr().err
