"""Accounts: sign-in links, sessions, display names and admins, on the real store."""

from __future__ import annotations

import email
import email.policy
import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from outbox_links import mailed_links
from sqlalchemy import select

from paperboy.config import Settings
from paperboy.domain.clock import utcnow
from paperboy.mail import outbox_dir
from paperboy.services import accounts
from paperboy.store import Database
from paperboy.store.schema import session, sign_in_token


def mailed_tokens(settings: Settings) -> list[str]:
    """The tokens of the sign-in links in the outbox, oldest first."""
    links = mailed_links(outbox_dir(settings), "/sign-in/complete")
    return [parse_qs(urlsplit(link).query)["token"][0] for link in links]


def test_a_sign_in_link_is_mailed_and_only_its_hash_is_stored(db: Database, settings: Settings) -> None:
    accounts.request_sign_in(db, settings, "  Ada@Example.ORG ")
    [token] = mailed_tokens(settings)
    mail = email.message_from_bytes(next(outbox_dir(settings).glob("*.eml")).read_bytes())
    assert mail["To"] == "ada@example.org"
    assert f"{settings.base_url}/sign-in/complete?token={token}" in mail.get_payload(decode=True).decode()
    with db.connect() as conn:
        row = conn.execute(select(sign_in_token)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert row.email == "ada@example.org"
    assert timedelta(minutes=14) < row.expires_at - row.created_at <= timedelta(minutes=15)


def test_a_link_signs_in_once_and_creates_the_account(db: Database, settings: Settings) -> None:
    accounts.request_sign_in(db, settings, "ada@example.org")
    [token] = mailed_tokens(settings)
    signed_in = accounts.complete_sign_in(db, token)
    assert signed_in.user.email == "ada@example.org" and signed_in.user.role == "member"
    assert accounts.user_for_session(db, signed_in.session_token) == signed_in.user
    with pytest.raises(accounts.SignInLinkRefused, match="already been used"):
        accounts.complete_sign_in(db, token)
    with db.connect() as conn:
        stored = conn.execute(select(session.c.id_hash)).scalar_one()
    assert stored == hashlib.sha256(signed_in.session_token.encode()).hexdigest()


def test_an_expired_link_is_refused(db: Database, settings: Settings) -> None:
    asked = utcnow() - timedelta(minutes=16)
    accounts.request_sign_in(db, settings, "ada@example.org", now=asked)
    [token] = mailed_tokens(settings)
    with pytest.raises(accounts.SignInLinkRefused, match="expired"):
        accounts.complete_sign_in(db, token)


def test_an_unknown_link_is_refused(db: Database) -> None:
    with pytest.raises(accounts.SignInLinkRefused, match="not valid"):
        accounts.complete_sign_in(db, "made-up-token")
    with pytest.raises(accounts.SignInLinkRefused, match="not valid"):
        accounts.complete_sign_in(db, "")


def test_links_for_one_address_however_it_is_written_reach_one_account(
    db: Database, settings: Settings
) -> None:
    accounts.request_sign_in(db, settings, "ada@example.org")
    first = accounts.complete_sign_in(db, mailed_tokens(settings)[-1])
    accounts.request_sign_in(db, settings, "ADA@example.org")
    assert accounts.complete_sign_in(db, mailed_tokens(settings)[-1]).user.id == first.user.id
    assert len(accounts.list_users(db)) == 1


def test_a_session_expires_after_30_days_and_sign_out_ends_it(db: Database, settings: Settings) -> None:
    accounts.request_sign_in(db, settings, "ada@example.org")
    signed_in = accounts.complete_sign_in(db, mailed_tokens(settings)[0])
    assert signed_in.expires_at - utcnow() > timedelta(days=29)
    later = utcnow() + timedelta(days=30, minutes=1)
    assert accounts.user_for_session(db, signed_in.session_token, now=later) is None
    accounts.sign_out(db, signed_in.session_token)
    assert accounts.user_for_session(db, signed_in.session_token) is None
    accounts.sign_out(db, signed_in.session_token)  # twice is harmless
    assert accounts.user_for_session(db, "not-a-session") is None


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "Enter your email"),
        ("ada", "not an email address"),
        ("ada@localhost", "not an email address"),
        ("ada@example.org\r\nBcc: eve@example.org", "not an email address"),
        ("a b@example.org", "not an email address"),
        ("a" * 250 + "@example.org", "at most 254"),
    ],
)
def test_a_bad_address_gets_a_clear_error(
    db: Database, settings: Settings, address: str, reason: str
) -> None:
    with pytest.raises(accounts.InvalidEmail, match=reason):
        accounts.request_sign_in(db, settings, address)
    assert not outbox_dir(settings).exists()


def test_display_names_are_trimmed_limited_and_free_of_control_characters(
    db: Database, settings: Settings
) -> None:
    user = accounts.promote(db, "ada@example.org")
    assert accounts.set_display_name(db, user.id, "  Ada Lovelace  ").display_name == "Ada Lovelace"
    assert accounts.set_display_name(db, user.id, "Ada 🧮 Λ").display_name == "Ada 🧮 Λ"
    for bad in ("Ada\x00", "Ada\nBob", "evil\u202etxt.exe"):
        with pytest.raises(accounts.InvalidDisplayName, match="control characters"):
            accounts.set_display_name(db, user.id, bad)
    with pytest.raises(accounts.InvalidDisplayName, match="at most 50"):
        accounts.set_display_name(db, user.id, "x" * 51)
    cleared = accounts.set_display_name(db, user.id, "   ")
    assert cleared.display_name is None and cleared.shown_name == "ada"


def test_promote_makes_an_admin_and_creates_the_account_if_needed(db: Database, settings: Settings) -> None:
    admin = accounts.promote(db, "Boss@Example.org")
    assert admin.is_admin and admin.email == "boss@example.org"
    accounts.request_sign_in(db, settings, "boss@example.org")
    assert accounts.complete_sign_in(db, mailed_tokens(settings)[0]).user.is_admin
    with pytest.raises(accounts.InvalidEmail):
        accounts.promote(db, "nobody")


def test_a_banned_account_gets_no_session(db: Database, settings: Settings) -> None:
    from sqlalchemy import update

    from paperboy.store.schema import user

    accounts.request_sign_in(db, settings, "eve@example.org")
    signed_in = accounts.complete_sign_in(db, mailed_tokens(settings)[0])
    with db.transaction() as conn:
        conn.execute(update(user).values(banned=True))
    assert accounts.user_for_session(db, signed_in.session_token) is None
    # Asking works as for anyone (the same work: see the test below), but the link is refused.
    accounts.request_sign_in(db, settings, "eve@example.org")
    with pytest.raises(accounts.AccountBanned, match="suspended"):
        accounts.complete_sign_in(db, mailed_tokens(settings)[-1])


def test_users_promote_and_list_on_the_command_line(
    cli_env: object, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from paperboy.cli.main import main

    assert main(["users", "list"]) == 0
    assert "no accounts yet" in capsys.readouterr().out
    assert main(["users", "promote", "Ada@Example.org"]) == 0
    assert "ada@example.org is now an admin" in capsys.readouterr().out
    assert main(["users", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["email"] == "ada@example.org" and row["role"] == "admin"
    assert main(["users", "promote", "not-an-address"]) == 1
    assert "not an email address" in capsys.readouterr().err


def test_the_secret_key_is_masked_by_paperboy_config(
    cli_env: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperboy.cli.main import main

    monkeypatch.setenv("PAPERBOY_SECRET_KEY", "very-secret-value-0123456789abcdef")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "very-secret-value" not in out and "secret_key" in out


def test_using_one_sign_in_link_ends_the_others_for_that_address(db: Database, settings: Settings) -> None:
    for _ in range(3):
        accounts.request_sign_in(db, settings, "ada@example.org")
    first, second, third = mailed_tokens(settings)
    accounts.request_sign_in(db, settings, "grace@example.org")
    graces = mailed_tokens(settings)[-1]
    accounts.complete_sign_in(db, second)
    for older_or_newer in (first, third):
        with pytest.raises(accounts.SignInLinkRefused, match="already been used"):
            accounts.complete_sign_in(db, older_or_newer)
    assert accounts.complete_sign_in(db, graces).user.email == "grace@example.org"


def test_a_sign_in_request_does_the_same_work_for_unknown_known_and_banned_accounts(
    db: Database, settings: Settings
) -> None:
    from sqlalchemy import event, update

    from paperboy.store.schema import user

    for address in ("known@example.org", "banned@example.org"):
        accounts.request_sign_in(db, settings, address)
        accounts.complete_sign_in(db, mailed_tokens(settings)[-1])
    with db.transaction() as conn:
        conn.execute(update(user).where(user.c.email == "banned@example.org").values(banned=True))

    statements: list[str] = []

    def remember(_conn, _cursor, statement, _parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    def work_for(address: str) -> tuple[list[str], int, int]:
        """The SQL run, the mails sent and the sign-in tokens stored for one request."""
        statements.clear()
        mails = len(list(outbox_dir(settings).glob("*.eml")))
        with db.connect() as conn:
            tokens = conn.execute(select(sign_in_token).where(sign_in_token.c.email == address)).all()
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            accounts.request_sign_in(db, settings, address)
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        with db.connect() as conn:
            now_stored = conn.execute(select(sign_in_token).where(sign_in_token.c.email == address)).all()
        return (
            list(statements),
            len(list(outbox_dir(settings).glob("*.eml"))) - mails,
            len(now_stored) - len(tokens),
        )

    unknown, known, banned = (
        work_for(a) for a in ("stranger@example.org", "known@example.org", "banned@example.org")
    )
    assert unknown == known == banned
    assert unknown[1:] == (1, 1)
    # The banned account's link still signs nobody in.
    with pytest.raises(accounts.AccountBanned):
        accounts.complete_sign_in(db, mailed_tokens(settings)[-1])


@pytest.mark.parametrize(
    ("disguised", "shown"),
    [
        ("Ad\u200ba", "Ada"),  # zero-width space
        ("\ufeffAda", "Ada"),  # byte-order mark
        ("Ada\U000e0041\U000e0064\U000e007f", "Ada"),  # tag characters
        ("Ada\u3164", "Ada"),  # Hangul filler
        ("A\u115fd\u1160a\uffa0", "Ada"),  # more Hangul fillers
        ("Ada\u00ad", "Ada"),  # soft hyphen
        ("Ada\ue000", "Ada"),  # private use
        ("Ada\u0378", "Ada"),  # unassigned
        ("\uff21\uff44\uff41", "Ada"),  # fullwidth letters (NFKC)
        ("Ada\u3000\u2003Lovelace", "Ada Lovelace"),  # wide spaces (NFKC), runs of spaces
    ],
)
def test_invisible_characters_cannot_disguise_a_display_name(
    db: Database, settings: Settings, disguised: str, shown: str
) -> None:
    user = accounts.promote(db, "ada@example.org")
    assert accounts.set_display_name(db, user.id, disguised).display_name == shown


@pytest.mark.parametrize("hidden", ["\u3164", "\u200b\u200b", "\U000e0041", "\u115f \ufeff"])
def test_a_display_name_of_invisible_characters_only_is_refused_with_a_clear_message(
    db: Database, settings: Settings, hidden: str
) -> None:
    user = accounts.promote(db, "ada@example.org")
    with pytest.raises(accounts.InvalidDisplayName, match="nothing visible"):
        accounts.set_display_name(db, user.id, hidden)


@pytest.mark.parametrize("bad", ["Ada\u061cBob", "Ada\u2028Bob", "Ada\u2029Bob"])
def test_bidi_marks_and_line_separators_in_a_display_name_are_refused(
    db: Database, settings: Settings, bad: str
) -> None:
    user = accounts.promote(db, "ada@example.org")
    with pytest.raises(accounts.InvalidDisplayName, match="control characters"):
        accounts.set_display_name(db, user.id, bad)
