"""Building a plain-text message with the headers every mail needs."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr


class MailHeaderError(ValueError):
    """A header value would break the message (a line break, an unusable address)."""


def _header_value(name: str, value: str) -> str:
    # A CR or LF in a header would let the value start headers of its own (header injection).
    if "\r" in value or "\n" in value:
        raise MailHeaderError(f"mail header {name} must not contain a line break: {value[:80]!r}")
    return value


def compose_message(mail_from: str, to: str, subject: str, body: str) -> EmailMessage:
    """A UTF-8 text message with From, To, Subject, Date (UTC) and a Message-ID at From's domain."""
    _header_value("From", mail_from)
    _header_value("To", to)
    _header_value("Subject", subject)
    _, from_address = parseaddr(mail_from)
    if "@" not in from_address:
        raise MailHeaderError(
            f"the mail_from setting {mail_from!r} has no address; use e.g. 'Paperboy <papers@example.org>'"
        )
    if "@" not in to:
        raise MailHeaderError(f"{to!r} is not an email address")
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=from_address.rsplit("@", 1)[1])
    message.set_content(body)
    return message
