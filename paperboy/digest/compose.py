"""Turning a digest's content into mail: Jinja2 text and HTML parts, RFC 8058 unsubscribe headers.

A digest is rendered once per distinct content (`render_digest`); each recipient's message
only swaps in their own unsubscribe and manage links (`digest_message`), so an edition of
thousands of readers costs one template render per distinct digest, not one per reader.
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import escape

from paperboy.config import Settings
from paperboy.domain import Paper
from paperboy.domain.arxiv_ids import abs_page_url, pdf_url
from paperboy.domain.authors import shown_authors
from paperboy.domain.tex import plain_math
from paperboy.domain.text import clip
from paperboy.mail import (
    MailHeader,
    MailHeaderError,
    add_header,
    compose_message,
    recipient,
    sender,
    sender_address,
)

ABSTRACT_CHARS = 300
AUTHORS_SHOWN = 3
# Stand-ins for the per-recipient links: plain URL-safe words that survive HTML escaping.
_UNSUBSCRIBE = "PAPERBOY-UNSUBSCRIBE-LINK-9f4c2e"
_MANAGE = "PAPERBOY-MANAGE-LINK-9f4c2e"

_templates = Environment(
    loader=PackageLoader("paperboy.digest", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
# The text part shows formulas as plain text (\alpha as α); the HTML part keeps the TeX as
# written, since most mail clients cannot show MathML (docs/digests.md).
_templates.filters["plain_math"] = plain_math


@dataclass(frozen=True)
class DigestPaper:
    """One paper as a digest shows it: short authors and abstract, absolute links."""

    title: str
    authors: str
    category: str | None
    abstract: str
    page_url: str
    abs_url: str | None
    pdf_url: str | None
    # Why it is in this reader's digest (for-you digests: "like “X” in your library"); often empty.
    why: str = ""


@dataclass(frozen=True)
class DigestContent:
    """What one digest says; everyone getting the same content gets the same text."""

    subject: str
    heading: str
    intro: str
    # Ends "You get this because ...", e.g. "you subscribed to the daily trending papers".
    reason: str
    papers: tuple[DigestPaper, ...]


@dataclass(frozen=True)
class RenderedDigest:
    """A digest's subject and both parts, with stand-ins where each reader's links go."""

    subject: str
    text: str
    html: str


def shorten_authors(names: list[str] | tuple[str, ...]) -> str:
    """'A, B and C', or 'A, B, C et al.' past three names."""
    shown, left = shown_authors(names, AUTHORS_SHOWN)
    if not shown:
        return "Unknown authors"
    if left:
        return ", ".join(shown) + " et al."
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def shorten_abstract(text: str, limit: int = ABSTRACT_CHARS) -> str:
    """The abstract on one line, cut at a word boundary near limit characters."""
    return clip(re.sub(r"\s+", " ", text).strip(), limit, at_word=True)


def digest_paper(settings: Settings, key: str, paper: Paper) -> DigestPaper:
    """A paper with links to its page on this site and, for arXiv papers, its abstract and PDF."""
    base = settings.effective_base_url
    return DigestPaper(
        title=re.sub(r"\s+", " ", paper.title).strip(),
        authors=shorten_authors([a.name for a in paper.authors]),
        category=paper.primary_category,
        abstract=shorten_abstract(paper.abstract),
        page_url=f"{base}/papers/{key}",
        abs_url=abs_page_url(paper.arxiv_id) if paper.arxiv_id else None,
        pdf_url=pdf_url(paper.arxiv_id) if paper.arxiv_id else None,
    )


def render_digest(content: DigestContent) -> RenderedDigest:
    """Render both parts once; `digest_message` fills in each reader's links."""
    context = {"digest": content, "unsubscribe_url": _UNSUBSCRIBE, "manage_url": _MANAGE}
    text = _templates.get_template("digest.txt").render(context)
    html = _templates.get_template("digest.html").render(context)
    return RenderedDigest(subject=content.subject, text=text, html=html)


def personalise(rendered: RenderedDigest, unsubscribe_url: str, manage_url: str) -> tuple[str, str]:
    """(text, html) with this reader's links in place of the stand-ins."""
    text = rendered.text.replace(_UNSUBSCRIBE, unsubscribe_url).replace(_MANAGE, manage_url)
    html = rendered.html.replace(_UNSUBSCRIBE, str(escape(unsubscribe_url))).replace(
        _MANAGE, str(escape(manage_url))
    )
    return text, html


def digest_message(
    settings: Settings, rendered: RenderedDigest, to: str, unsubscribe_url: str, manage_url: str
) -> EmailMessage:
    """One reader's digest: text and HTML alternatives, From/To/Date/Message-ID, and the
    RFC 8058 one-click headers so mail clients can offer an unsubscribe button."""
    _check_links(unsubscribe_url, manage_url)
    text, html = personalise(rendered, unsubscribe_url, manage_url)
    message = compose_message(settings.mail_from, to, rendered.subject, text)
    message.add_alternative(html, subtype="html")
    for name, value in _list_headers(unsubscribe_url):
        add_header(message, name, value)
    return message


def _list_headers(unsubscribe_url: str) -> tuple[tuple[str, str], ...]:
    return (
        ("List-Unsubscribe", f"<{unsubscribe_url}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        # Bulk mail: auto-responders should stay quiet (RFC 3834).
        ("Auto-Submitted", "auto-generated"),
    )


@dataclass(frozen=True)
class PreparedDigest:
    """A rendered digest with the headers every reader shares already encoded, so a reader's
    mail is a few string swaps and a quoted-printable pass (`digest_bytes`), not a fresh
    walk through the email package. Checked against it in tests/test_digest_compose.py."""

    rendered: RenderedDigest
    sender: str
    domain: str
    shared_headers: bytes


def prepare_digest(settings: Settings, rendered: RenderedDigest) -> PreparedDigest:
    """Encode From and Subject once, as every mail's headers are (paperboy.mail.MailHeader)."""
    from_header = sender(settings.mail_from)
    subject = MailHeader.text("Subject", rendered.subject)
    shared = (from_header.line() + subject.line()).encode("ascii")
    address = sender_address(from_header)
    return PreparedDigest(rendered, address, address.rsplit("@", 1)[1], shared)


def digest_bytes(
    prepared: PreparedDigest, to: str, unsubscribe_url: str, manage_url: str
) -> tuple[bytes, str]:
    """One reader's digest as bytes ready for SMTP, and its Message-ID.

    The same message as `digest_message` builds: multipart/alternative with quoted-printable
    UTF-8 text and HTML parts, From/To/Subject/Date/Message-ID, and the RFC 8058 headers.
    """
    _check_links(unsubscribe_url, manage_url)
    to_header = recipient(to)
    text, html = personalise(prepared.rendered, unsubscribe_url, manage_url)
    message_id = make_msgid(domain=prepared.domain)
    boundary = f"=_paperboy_{secrets.token_hex(12)}"
    headers = [
        to_header,
        MailHeader.verbatim("Date", formatdate(usegmt=True)),
        MailHeader.verbatim("Message-ID", message_id),
        *(MailHeader.verbatim(name, value) for name, value in _list_headers(unsubscribe_url)),
        MailHeader.verbatim("MIME-Version", "1.0"),
        MailHeader.verbatim("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    head = ("".join(h.line() for h in headers) + "\n").encode("ascii")
    part = (
        '\n--{b}\nContent-Type: text/{kind}; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
    )
    data = b"".join(
        (
            prepared.shared_headers,
            head,
            part.format(b=boundary, kind="plain").encode("ascii")[1:],
            _quoted_printable(text),
            part.format(b=boundary, kind="html").encode("ascii"),
            _quoted_printable(html),
            f"\n--{boundary}--\n".encode("ascii"),
        )
    )
    return data, message_id


def _quoted_printable(text: str) -> bytes:
    # Lines end in LF like the email package's output; SMTP sending turns them into CRLF.
    return binascii.b2a_qp(text.encode("utf-8"), quotetabs=False, istext=True, header=False)


_LINK = re.compile(r"https?://[!-~]+")


def _check_links(unsubscribe_url: str, manage_url: str) -> None:
    for name, url in (("List-Unsubscribe", unsubscribe_url), ("manage link", manage_url)):
        if not _LINK.fullmatch(url) or "<" in url or ">" in url or "=?" in url:
            raise MailHeaderError(f"{name} {url[:80]!r} must be one http(s) URL of printable ASCII")
