"""Composing mail, and the one place where header values are made.

Text never reaches a header through the email package's header parser: that parser decodes
RFC 2047 encoded words in the value it is given, so a query such as
`=?utf-8?q?=0D=0ABcc:_x@evil.example?=` became a CR/LF and a real `Bcc:` line once the header
was folded again. Instead every value becomes a `MailHeader`, whose wire form is made here:
text is first put on one line (`header_text`), then written as plain words where that cannot
be misread, and otherwise as encoded words (by `email.header`) that carry it as data, so a
reader's parser decodes them back to exactly the text and never to more headers.
"""

from __future__ import annotations

import re
import unicodedata
from email.header import Header
from email.message import EmailMessage
from email.policy import Policy
from email.utils import formatdate, make_msgid

from paperboy.domain.errors import UserFacingError

# Line length a header line should keep to (RFC 5322 2.1.1); 998 is the hard limit.
MAX_LINE = 78
HARD_LIMIT = 998
# C0 and C1 controls (CR, LF, VT, FF, FS, GS, RS, NEL...), lone surrogates, U+2028 and U+2029:
# every character str.splitlines() splits at is among them.
_UNSAFE = frozenset({"Cc", "Cs", "Zl", "Zp"})
# The addresses Paperboy sends to (ASCII, as accounts.normalise_email checks).
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,253}")
_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# A name in angle brackets at the end of the setting: 'Paperboy <papers@example.org>'.
_MAILBOX = re.compile(r"\s*(.*?)\s*<([^<>]*)>\s*", re.DOTALL)


class MailHeaderError(UserFacingError, ValueError):
    """A header value would break the message (a line break, an unusable address)."""


def header_text(text: str) -> str:
    """text on one line, fit for a header: every control character and line separator
    becomes a space, runs of white space one space, and the ends are trimmed."""
    return " ".join("".join(" " if unicodedata.category(c) in _UNSAFE else c for c in text).split())


def _first_unsafe(text: str) -> str | None:
    return next((c for c in text if unicodedata.category(c) in _UNSAFE), None)


class MailHeader(str):
    """A header value set as data. str() is what a reader sees; fold() is its wire form.

    The email package stores any value with a `name` as it is and asks it to fold itself
    (EmailPolicy.header_store_parse and fold), so this value is never parsed again.
    """

    name: str
    wire: str

    def __new__(cls, name: str, shown: str, wire: str) -> MailHeader:
        value = super().__new__(cls, shown)
        value.name, value.wire = name, wire
        return value

    def __getnewargs__(self) -> tuple[str, str, str]:  # type: ignore[override]
        return self.name, str(self), self.wire

    def fold(self, *, policy: Policy) -> str:
        return self.line().replace("\n", policy.linesep)

    def line(self) -> str:
        """'Name: value' and its folded continuations, each line ending in LF."""
        return f"{self.name}: {self.wire}\n"

    @classmethod
    def text(cls, name: str, text: str) -> MailHeader:
        """Free text (a subject): put on one line, then encoded as data where needed."""
        shown = header_text(text)
        return cls(name, shown, _fold_text(name, shown))

    @classmethod
    def verbatim(cls, name: str, value: str) -> MailHeader:
        """A value Paperboy made (a link, a token): printable ASCII, written as it is."""
        if not all(" " <= c <= "~" for c in value) or "=?" in value:
            raise MailHeaderError(f"mail header {name} must be printable ASCII on one line: {value[:80]!r}")
        if len(name) + 2 + len(value) > HARD_LIMIT:
            raise MailHeaderError(f"mail header {name} is too long ({len(value)} characters)")
        return cls(name, value, value)


def _fold_at_spaces(start: str, text: str) -> str | None:
    """text folded at its single spaces so that, after start, no line passes MAX_LINE; None if
    a word is too long for that. Unfolding (dropping the line breaks) gives text back."""
    lines, line = [], start
    for word in text.split(" "):
        if len(line) + 1 + len(word) > MAX_LINE and line != start:
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    if any(len(x) > MAX_LINE for x in lines):
        return None
    return "\n".join(lines)[len(start) + 1 :]


def _fold_text(name: str, text: str) -> str:
    # Plain words when the text is ASCII, holds nothing like an encoded word and folds at
    # its spaces; anything else as UTF-8 encoded words, which can be split anywhere.
    if text.isascii() and "=?" not in text:
        folded = _fold_at_spaces(f"{name}:", text)
        if folded is not None:
            return folded
    return Header(text, "utf-8", header_name=name).encode(linesep="\n")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _phrase(display: str) -> str:
    """A display name as it goes on the wire (display is one line, from header_text)."""
    if not display.isascii():
        # Encoded words are allowed in a display name (RFC 2047 section 5) and carry any text.
        return Header(display, "utf-8", header_name="From").encode(linesep="\n")
    if _ATOMS.fullmatch(display) and "=?" not in display:
        return display
    # A quoted string, with "=?" written "=\?" so that no reader takes it for an encoded word.
    quoted = _quote(display).replace("=?", "=\\?")
    return _fold_at_spaces("From:", quoted) or quoted


def recipient(to: str) -> MailHeader:
    """The To header for one address (ASCII, no display name)."""
    if not isinstance(to, str) or not _ADDRESS.fullmatch(to) or "=?" in to:
        raise MailHeaderError(f"{str(to)[:80]!r} is not an email address")
    return MailHeader("To", to, to)


def sender(mail_from: str) -> MailHeader:
    """The From header from the mail_from setting ('Name <address>', or an address)."""
    bad = _first_unsafe(mail_from)
    if bad is not None:
        raise MailHeaderError(
            f"the mail_from setting {mail_from[:80]!r} contains a control character or line break "
            f"({bad!r}); write it on one line, e.g. 'Paperboy <papers@example.org>'"
        )
    if len(mail_from) > 300:
        raise MailHeaderError(f"the mail_from setting is {len(mail_from)} characters long; keep it under 300")
    match = _MAILBOX.fullmatch(mail_from)
    display, address = (match.group(1), match.group(2).strip()) if match else ("", mail_from.strip())
    if len(display) >= 2 and display[0] == display[-1] == '"':
        display = re.sub(r"\\(.)", r"\1", display[1:-1])
    display = header_text(display)
    if not _ADDRESS.fullmatch(address) or "=?" in address:
        raise MailHeaderError(
            f"the mail_from setting {mail_from[:80]!r} has no usable address; "
            "use e.g. 'Paperboy <papers@example.org>'"
        )
    if not display:
        return MailHeader("From", address, address)
    shown = f"{display if _ATOMS.fullmatch(display) else _quote(display)} <{address}>"
    phrase = _phrase(display)
    last = f"From: {phrase}".rsplit("\n", 1)[-1]
    gap = " " if len(last) + len(address) + 3 <= MAX_LINE else "\n "
    return MailHeader("From", shown, f"{phrase}{gap}<{address}>")


def sender_address(from_header: MailHeader) -> str:
    """The address of a From header made by `sender` (the SMTP envelope sender)."""
    return from_header.wire.rsplit("<", 1)[-1].rstrip(">")


def compose_message(mail_from: str, to: str, subject: str, body: str) -> EmailMessage:
    """A UTF-8 text message with From, To, Subject, Date (UTC) and a Message-ID at From's domain.

    The subject is text, put on one line (a stored query with a line break still gets its
    mail); From and To are refused with MailHeaderError if they are not one address each.
    """
    from_header = sender(mail_from)
    message = EmailMessage()
    message["From"] = from_header
    message["To"] = recipient(to)
    message["Subject"] = MailHeader.text("Subject", subject)
    # Made here, from no outside text but the checked domain.
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender_address(from_header).rsplit("@", 1)[1])
    message.set_content(body)
    return message


def add_header(message: EmailMessage, name: str, value: str) -> None:
    """Add a header Paperboy made (List-Unsubscribe and the like), refused unless it is one
    line of printable ASCII with nothing like an encoded word in it."""
    message[name] = MailHeader.verbatim(name, value)
