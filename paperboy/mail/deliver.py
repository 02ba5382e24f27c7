"""Delivering a message: SMTP when smtp_url is set, else one .eml file per message in the outbox."""

from __future__ import annotations

import os
import smtplib
import ssl
import tempfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from paperboy.config import Settings

SMTP_TIMEOUT = 30.0


class MailDeliveryError(RuntimeError):
    """The message could not be delivered; the message says where and why."""


def outbox_dir(settings: Settings) -> Path:
    return settings.data_dir / "outbox"


def deliver(settings: Settings, message: EmailMessage) -> str:
    """Send message and return where it went (the SMTP host, or the outbox file)."""
    if not settings.smtp_url:
        return str(_write_to_outbox(outbox_dir(settings), message))
    return _send_smtp(settings.smtp_url, message)


def _write_to_outbox(folder: Path, message: EmailMessage) -> Path:
    """Write atomically: a reader of the folder never sees half a message."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    data = message.as_bytes()
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


def _send_smtp(url: str, message: EmailMessage) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailDeliveryError(
            "the smtp_url setting must look like smtp://user:password@host:587 (STARTTLS) "
            "or smtps://user:password@host:465 (TLS)"
        )
    host = parts.hostname
    port = parts.port or (465 if parts.scheme == "smtps" else 587)
    # Honours SSL_CERT_FILE / SSL_CERT_DIR, so a private CA can be trusted without code.
    context = ssl.create_default_context()
    where = f"{parts.scheme}://{host}:{port}"
    try:
        client: smtplib.SMTP
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with client:
            if parts.scheme == "smtp":
                # Never fall back to plain text: credentials and sign-in links would travel readable.
                try:
                    client.starttls(context=context)
                except smtplib.SMTPNotSupportedError:
                    raise MailDeliveryError(
                        f"the mail server at {where} does not offer STARTTLS; "
                        "use smtps:// if it speaks TLS directly"
                    ) from None
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailDeliveryError(f"cannot send mail through {where}: {exc}") from None
    return where
