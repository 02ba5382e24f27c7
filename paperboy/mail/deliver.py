"""Delivering messages: SMTP when smtp_url is set, else one .eml file per message in the outbox.

`deliver` sends one message. `SmtpSession` keeps one connection open for many (an edition
of thousands costs one TLS handshake, not thousands) and sorts failures into the ones
worth retrying and the ones that will never succeed, so the digest ledger can decide.
"""

from __future__ import annotations

import binascii
import email
import email.policy
import logging
import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from urllib.parse import SplitResult, unquote, urlsplit

from paperboy.config import Settings
from paperboy.domain.errors import UserFacingError
from paperboy.mail.compose import MailHeader, sender_address

log = logging.getLogger("paperboy.mail")

SMTP_TIMEOUT = 30.0
# Room for the line end within the 998 octets a line may hold (RFC 5322 2.1.1).
_MAX_OCTETS = 990
_LINE_END = re.compile(rb"\r\n|\n|\r(?!\n)")


class MailDeliveryError(UserFacingError, RuntimeError):
    """The message could not be delivered; the message says where and why."""


class MailSetupError(MailDeliveryError):
    """The mail server cannot be used at all (unreachable, no STARTTLS, wrong password, From refused):
    no message will get through until it is fixed."""


class TransientMailError(MailDeliveryError):
    """This message failed for now (4xx, connection dropped, timeout); trying later may work."""


class PermanentMailError(MailDeliveryError):
    """The server refused this message for good (5xx for the recipient); retrying will not help."""


def outbox_dir(settings: Settings) -> Path:
    return settings.data_dir / "outbox"


def deliver(settings: Settings, message: EmailMessage) -> str:
    """Send message and return where it went (the SMTP host, or the outbox file)."""
    with SmtpSession(settings) as session:
        return session.send(message)


# Headers are written as they were made (paperboy.mail.MailHeader, or the bytes of a digest):
# refolding a long one would send it back through the header parser.
_OUTBOX_POLICY = email.policy.default.clone(refold_source="none")


def readable_copy(message: EmailMessage | bytes) -> bytes:
    """The message for a file a person reads: text parts as 8-bit UTF-8, so a link stays on
    one line and unencoded (quoted-printable wraps it and writes = as =3D). A part with a line
    over 998 octets, the most any line may hold, keeps its encoding."""
    if isinstance(message, bytes):
        fast = _readable_multipart(message)
        if fast is not None:
            return fast
        parsed = email.message_from_bytes(message, policy=_OUTBOX_POLICY)
        assert isinstance(parsed, EmailMessage)
        copy = parsed
    else:
        copy = deepcopy(message)
    for part in copy.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if part.get("Content-Transfer-Encoding", "7bit").lower() in ("7bit", "8bit"):
            continue
        text = part.get_content()
        if max((len(line.encode()) for line in text.splitlines()), default=0) > _MAX_OCTETS:
            continue
        part.set_content(text, subtype=part.get_content_subtype(), cte="8bit")
    return copy.as_bytes(policy=_OUTBOX_POLICY)


_BOUNDARY = re.compile(rb'^Content-Type: multipart/[a-z]+; boundary="([^"]+)"$', re.MULTILINE | re.IGNORECASE)
_QP = b"Content-Transfer-Encoding: quoted-printable"


def _readable_multipart(data: bytes) -> bytes | None:
    """readable_copy for a digest's bytes (LF line ends, quoted-printable UTF-8 text parts), in
    a few byte operations: parsing with the email package costs ~20 ms a message. None when
    data is not of that shape, for the email package to do it."""
    head_end = data.find(b"\n\n")
    found = _BOUNDARY.search(data, 0, max(head_end, 0))
    if found is None:
        return None
    delimiter = b"\n--" + found.group(1)
    pieces = data.split(delimiter)
    if len(pieces) < 3 or not pieces[-1].startswith(b"--"):
        return None
    parts = []
    for piece in pieces[1:-1]:
        head, blank, body = piece.partition(b"\n\n")
        lines = head.split(b"\n")
        if not blank or lines[0] != b"":
            return None
        text = any(
            line.lower().startswith(b"content-type: text/") and b'charset="utf-8"' in line.lower()
            for line in lines
        )
        if text and _QP in lines:
            decoded = binascii.a2b_qp(body)
            try:
                decoded.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if max(len(line) for line in decoded.split(b"\n")) <= _MAX_OCTETS:
                head, body = head.replace(_QP, b"Content-Transfer-Encoding: 8bit"), decoded
        parts.append(head + b"\n\n" + body)
    return delimiter.join([pieces[0], *parts, pieces[-1]])


def _write_to_outbox(folder: Path, message: EmailMessage | bytes) -> Path:
    """Write atomically: a reader of the folder never sees half a message."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    data = readable_copy(message)
    # Temporary files start with a dot so readers that skip dot files never see them.
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        final = folder / f"{stamp}-{Path(temporary).stem.lstrip('.')}.eml"
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return final


def _parse_url(url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailSetupError(
            "the smtp_url setting must look like smtp://user:password@host:587 (STARTTLS) "
            "or smtps://user:password@host:465 (TLS)"
        )
    return parts


class SmtpSession:
    """One SMTP connection (opened on first use, reopened after a failure) for many messages.

    Without smtp_url, messages go to the outbox folder instead. send() raises
    TransientMailError, PermanentMailError or MailSetupError (all MailDeliveryError).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None
        self._parts = _parse_url(settings.smtp_url) if settings.smtp_url else None
        self.connections = 0

    @property
    def where(self) -> str:
        if self._parts is None:
            return str(outbox_dir(self.settings))
        port = self._parts.port or (465 if self._parts.scheme == "smtps" else 587)
        return f"{self._parts.scheme}://{self._parts.hostname}:{port}"

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def connect(self) -> None:
        """Open the connection now if it is not open (MailSetupError if the server cannot be used)."""
        if self._parts is None or self._client is not None:
            return
        parts = self._parts
        host = parts.hostname
        assert host is not None
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
        # Honours SSL_CERT_FILE / SSL_CERT_DIR, so a private CA can be trusted without code.
        context = ssl.create_default_context()
        client: smtplib.SMTP | None = None
        try:
            if parts.scheme == "smtps":
                client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
            else:
                client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
                # Never fall back to plain text: credentials and links would travel readable.
                try:
                    client.starttls(context=context)
                except smtplib.SMTPNotSupportedError:
                    raise MailSetupError(
                        f"the mail server at {self.where} does not offer STARTTLS; "
                        "use smtps:// if it speaks TLS directly"
                    ) from None
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
        except MailSetupError:
            _abandon(client)
            raise
        except (smtplib.SMTPException, OSError) as exc:
            _abandon(client)
            raise MailSetupError(f"cannot send mail through {self.where}: {exc}") from None
        # Small commands and replies go back and forth per message; without TCP_NODELAY, Nagle's
        # algorithm meets the server's delayed ACK and every message waits ~40 ms.
        if client.sock is not None:
            try:
                client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
        self._client = client
        self.connections += 1

    def send(self, message: EmailMessage) -> str:
        """Send one message; return where it went. The connection stays open for the next."""
        if self._parts is None:
            written = _write_to_outbox(outbox_dir(self.settings), message)
            log.info(
                "no SMTP server is set (PAPERBOY_SMTP_URL): mail to %s written to %s", message["To"], written
            )
            return str(written)
        # The envelope addresses from the checked headers, not from smtplib parsing them again.
        sender, to = message["From"], message["To"]
        from_addr = sender_address(sender) if isinstance(sender, MailHeader) else None
        to_addrs = [str(to)] if isinstance(to, MailHeader) else None
        return self._transmit(lambda client: client.send_message(message, from_addr, to_addrs))

    def send_bytes(self, sender: str, recipient: str, data: bytes) -> str:
        """Send an already-built message (headers and body, as bytes) to one recipient."""
        if self._parts is None:
            return str(_write_to_outbox(outbox_dir(self.settings), data))
        # SMTP wants CRLF line ends; smtplib converts text messages but sends bytes as they are.
        wire = _LINE_END.sub(b"\r\n", data)
        return self._transmit(lambda client: client.sendmail(sender, [recipient], wire))

    def _transmit(self, sending: Callable[[smtplib.SMTP], dict[str, tuple[int, bytes]]]) -> str:
        self.connect()
        assert self._client is not None
        try:
            refused = sending(self._client)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            self._reset()
            raise _by_code(code, f"{self.where} refused the recipient: {code} {_text(reply)}") from None
        except smtplib.SMTPSenderRefused as exc:
            self._reset()
            if 400 <= exc.smtp_code < 500:
                raise TransientMailError(
                    f"{self.where} refused the sender for now: {exc.smtp_code}"
                ) from None
            raise MailSetupError(
                f"{self.where} refuses the From address ({exc.smtp_code} {_text(exc.smtp_error)}); "
                "check the mail_from setting"
            ) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _by_code(
                exc.smtp_code, f"{self.where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Dropped connection, timeout, TLS failure mid-way: reconnect and retry later.
            self._drop()
            raise TransientMailError(f"the connection to {self.where} failed: {exc}") from None
        if refused:
            code, reply = next(iter(refused.values()))
            raise _by_code(code, f"{self.where} refused the recipient: {code} {_text(reply)}")
        return self.where

    def _reset(self) -> None:
        # After a refusal the connection is usually fine; RSET clears the half-done transaction.
        if self._client is None:
            return
        try:
            self._client.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        client, self._client = self._client, None
        _abandon(client)


def _abandon(client: smtplib.SMTP | None) -> None:
    if client is not None:
        try:
            client.close()
        except OSError:
            pass


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _by_code(code: int, message: str) -> MailDeliveryError:
    if 500 <= code < 600:
        return PermanentMailError(message)
    return TransientMailError(message)
