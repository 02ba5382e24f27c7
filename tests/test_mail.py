"""Mail: composing, the outbox folder, and SMTP against a real aiosmtpd server on loopback."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from digest_fixtures import EDITION_DAY, SEND_AT, add_subscribers, fill_feed

from paperboy.config import Settings
from paperboy.mail import MailDeliveryError, MailHeaderError, compose_message, deliver, outbox_dir
from paperboy.mail.deliver import readable_copy
from paperboy.services.accounts import complete_sign_in, request_sign_in
from paperboy.services.digests import schedule as digests
from paperboy.services.digests.subscriptions import subscribe
from paperboy.store import Database

USER, PASSWORD = "paperboy", "p@ss word"


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.senders: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        self.recipients.append(list(envelope.rcpt_tos))
        self.senders.append(envelope.mail_from)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextmanager
def smtp_server(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, mode: str = "starttls"
) -> Iterator[tuple[Inbox, str]]:
    """A real SMTP server on loopback: (its inbox, the smtp_url to reach it).

    mode: "starttls" (STARTTLS and AUTH required), "tls" (implicit TLS), "plain" (no TLS offered).
    The client trusts the self-signed certificate through SSL_CERT_FILE, as an operator would.
    """
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    inbox = Inbox()
    port = _free_port()
    kwargs: dict[str, object] = {"hostname": "127.0.0.1", "port": port}
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True, authenticator=_authenticate,
                      auth_require_tls=True)  # fmt: skip
    elif mode == "tls":
        kwargs.update(ssl_context=context, authenticator=_authenticate, auth_require_tls=False)
    controller = Controller(inbox, **kwargs)  # type: ignore[arg-type]
    controller.start()
    scheme = "smtps" if mode == "tls" else "smtp"
    try:
        yield inbox, f"{scheme}://{USER}:p%40ss%20word@127.0.0.1:{port}"
    finally:
        controller.stop()


def test_a_message_has_the_headers_every_mail_needs() -> None:
    message = compose_message("Paperboy <papers@example.org>", "ada@example.org", "Hello", "Body ✓\n")
    assert message["From"] == "Paperboy <papers@example.org>"
    assert message["To"] == "ada@example.org"
    assert message["Message-ID"].endswith("@example.org>") and message["Message-ID"].startswith("<")
    assert message["Date"].datetime.utcoffset().total_seconds() == 0
    assert message.get_content() == "Body ✓\n"


@pytest.mark.parametrize("field", ["to", "mail_from"])
@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r"])
def test_a_line_break_in_an_address_is_refused(field: str, breaker: str) -> None:
    values = {"mail_from": "Paperboy <papers@example.org>", "to": "ada@example.org"}
    values[field] += f"{breaker}Bcc: victim@example.org"
    with pytest.raises(MailHeaderError, match="line break|not an email address"):
        compose_message(values["mail_from"], values["to"], "Hi", "body")


@pytest.mark.parametrize("breaker", ["\r\n", "\n", "\r"])
def test_a_line_break_in_a_subject_becomes_a_space(breaker: str) -> None:
    # Subjects carry stored text (a saved search): the mail still goes, on one line.
    message = compose_message("Paperboy <papers@example.org>", "ada@example.org", f"Hi{breaker}Bcc: x", "b")
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Hi Bcc: x" and "Bcc" not in parsed


def test_a_from_setting_without_an_address_is_refused() -> None:
    with pytest.raises(MailHeaderError, match="mail_from"):
        compose_message("Paperboy", "ada@example.org", "Hi", "body")


def test_without_smtp_each_message_is_one_eml_file_in_the_outbox(settings: Settings) -> None:
    for n in range(3):
        message = compose_message(settings.mail_from, "ada@example.org", f"Number {n}", "text\n")
        written = Path(deliver(settings, message))
        assert written.parent == outbox_dir(settings) and written.suffix == ".eml"
    files = sorted(outbox_dir(settings).iterdir())
    assert len(files) == 3, "no temporary files are left behind"
    subjects = {
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"] for f in files
    }
    assert subjects == {"Number 0", "Number 1", "Number 2"}


def test_smtp_sends_with_starttls_and_logs_in(
    settings: Settings, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(certificate, monkeypatch) as (inbox, url):
        config = replace(settings, smtp_url=url)
        deliver(config, compose_message(config.mail_from, "ada@example.org", "Over SMTP", "Hello\n"))
    assert inbox.recipients == [["ada@example.org"]]
    assert inbox.messages[0]["Subject"] == "Over SMTP"
    assert not outbox_dir(settings).exists()


def test_a_from_name_that_looks_like_addresses_leaves_the_envelope_alone(
    settings: Settings, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = '"Lab" <evil@x.example>, =?utf-8?q?evil=40x.example?='
    with smtp_server(certificate, monkeypatch) as (inbox, url):
        config = replace(settings, smtp_url=url, mail_from=f"{name} <papers@example.org>")
        deliver(config, compose_message(config.mail_from, "ada@example.org", "Hi", "Hello\n"))
    assert inbox.senders == ["papers@example.org"] and inbox.recipients == [["ada@example.org"]]
    [sender] = inbox.messages[0]["From"].addresses
    assert sender.addr_spec == "papers@example.org" and sender.display_name == name


def test_smtps_sends_over_tls(
    settings: Settings, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(certificate, monkeypatch, mode="tls") as (inbox, url):
        config = replace(settings, smtp_url=url)
        deliver(config, compose_message(config.mail_from, "ada@example.org", "Over TLS", "Hello\n"))
    assert inbox.messages[0]["Subject"] == "Over TLS"


def test_a_server_without_starttls_is_refused_rather_than_sent_in_plain_text(
    settings: Settings, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(certificate, monkeypatch, mode="plain") as (inbox, url):
        config = replace(settings, smtp_url=url)
        with pytest.raises(MailDeliveryError, match="STARTTLS"):
            deliver(config, compose_message(config.mail_from, "ada@example.org", "Secret", "Hello\n"))
    assert inbox.messages == []


def test_a_wrong_password_is_a_clear_error(
    settings: Settings, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(certificate, monkeypatch) as (inbox, url):
        config = replace(settings, smtp_url=url.replace("p%40ss%20word", "wrong"))
        with pytest.raises(MailDeliveryError, match=r"cannot send mail through smtp://127\.0\.0\.1"):
            deliver(config, compose_message(config.mail_from, "ada@example.org", "Hi", "Hello\n"))
    assert inbox.messages == []


def test_an_unusable_smtp_url_says_what_it_should_look_like(settings: Settings) -> None:
    config = replace(settings, smtp_url="http://mail.example.org")
    with pytest.raises(MailDeliveryError, match="smtp://user:password@host:587"):
        deliver(config, compose_message(config.mail_from, "ada@example.org", "Hi", "Hello\n"))


# -- outbox files a person can read -----------------------------------------------------

LINK_LINE = re.compile(r"^(https?://\S+/sign-in/complete\?token=([A-Za-z0-9_-]{43}))$", re.MULTILINE)


def test_a_sign_in_link_can_be_copied_from_the_outbox_file(db: Database, settings: Settings) -> None:
    config = replace(settings, base_url="http://papers.reading-group.example.org:8123")
    request_sign_in(db, config, "ada@example.org")
    [eml] = outbox_dir(config).glob("*.eml")
    raw = eml.read_bytes()
    assert max(len(line) for line in raw.split(b"\n")) <= 998
    text = raw.decode("utf-8")
    assert "quoted-printable" not in text and "=3D" not in text
    [(link, token)] = LINK_LINE.findall(text)
    assert link.startswith("http://papers.reading-group.example.org:8123/sign-in/complete?token=")
    # The link as copied from the file works.
    assert complete_sign_in(db, token).user.email == "ada@example.org"


def test_outbox_files_keep_text_unencoded_and_headers_as_written(db: Database, settings: Settings) -> None:
    subscribe(db, settings, "ada@example.org", "search", "daily", query="réseaux de graphes " + "x" * 70)
    [eml] = outbox_dir(settings).glob("*.eml")
    raw = eml.read_bytes()
    head, body = raw.split(b"\n\n", 1)
    assert b"Content-Transfer-Encoding: 8bit" in head and "réseaux".encode() in body
    assert re.search(rb"^http://\S+/subscriptions/confirm\?token=\S+$", body, re.MULTILINE)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert (
        parsed["Subject"]
        == f'Confirm your Paperboy subscription: Daily alert: "réseaux de graphes {"x" * 70}"'
    )
    assert parsed.get_content_type() == "text/plain" and "réseaux" in parsed.get_content()


def test_a_digest_in_the_outbox_has_its_links_on_one_line_in_both_parts(
    db: Database, settings: Settings
) -> None:
    fill_feed(db)
    [reader] = add_subscribers(db, 1)
    digests.create_editions(db, settings, EDITION_DAY, kinds=["trending"], frequencies=["daily"], now=SEND_AT)
    assert digests.send_due(db, settings, now=SEND_AT).total("sent") == 1
    [eml] = outbox_dir(settings).glob("*.eml")
    raw = eml.read_bytes()
    assert b"quoted-printable" not in raw and raw.count(b"Content-Transfer-Encoding: 8bit") == 2
    assert max(len(line) for line in raw.split(b"\n")) <= 998
    text = raw.decode("utf-8")
    assert re.search(r"^Unsubscribe in one click: http://\S+/unsubscribe\?token=\S+$", text, re.MULTILINE)
    assert re.search(r'href="http://\S+/subscriptions/manage\?token=[^"\s]+"', text)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == reader and parsed["List-Unsubscribe"].startswith("<http://")
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_a_line_too_long_for_8bit_keeps_quoted_printable_in_the_outbox(settings: Settings) -> None:
    long_line = "é" * 600  # 1,200 octets: over the 998 a line may hold
    deliver(
        settings, compose_message(settings.mail_from, "ada@example.org", "Long", f"{long_line}\nhttp://x/y\n")
    )
    [eml] = outbox_dir(settings).glob("*.eml")
    raw = eml.read_bytes()
    assert max(len(line) for line in raw.split(b"\n")) <= 998
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content() == f"{long_line}\nhttp://x/y\n"


def test_the_outbox_reads_digest_bytes_as_the_email_package_would(settings: Settings) -> None:
    from paperboy.digest.compose import DigestContent, digest_bytes, prepare_digest, render_digest

    content = DigestContent("Paperboy: é", "Heading é", "Intro", "you asked", papers=())
    data, _ = digest_bytes(
        prepare_digest(settings, render_digest(content)),
        "ada@example.org",
        "http://x/u?token=1",
        "http://x/m?token=1",
    )
    quick = readable_copy(data)  # the byte-level path
    slow = readable_copy(email.message_from_bytes(data, policy=email.policy.default))  # type: ignore[arg-type]
    assert b"quoted-printable" not in quick and quick.count(b"Content-Transfer-Encoding: 8bit") == 2
    parsed = [email.message_from_bytes(raw, policy=email.policy.default) for raw in (quick, slow, data)]
    assert len({tuple((k, str(v)) for k, v in m.items()) for m in parsed}) == 1
    assert len({tuple(p.get_content() for p in m.iter_parts()) for m in parsed}) == 1  # type: ignore[attr-defined]
