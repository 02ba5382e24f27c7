"""arXiv identifiers in every form people paste them."""

from __future__ import annotations

import re

from paperboy.domain.errors import UserFacingError

# New style (0704.0001 to 2412.99999) and old style (hep-th/9901001, math.GT/0309136).
_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_ID = re.compile(rf"^(?:{_NEW}|{_OLD})(?:v(?P<version>\d+))?$")
_PREFIXES = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|^arxiv:",
    re.IGNORECASE,
)


class InvalidArxivId(UserFacingError, ValueError):
    """Raised with the offending text when it is not an arXiv identifier."""


def abs_page_url(arxiv_id: str) -> str:
    """The paper's abstract page on arXiv: the one place arXiv links are built."""
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    """The paper's PDF on arXiv (its newest version)."""
    return f"https://arxiv.org/pdf/{arxiv_id}"


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Return (id without version, version or None) from an id or an arXiv URL.

    Accepts "2402.01234", "2402.01234v2", "arXiv:2402.01234", "hep-th/9901001" and
    abs/pdf/html URLs with or without ".pdf" and version.
    """
    candidate = text.strip()
    candidate = _PREFIXES.sub("", candidate)
    candidate = candidate.split("?")[0].split("#")[0].rstrip("/")
    if candidate.lower().endswith(".pdf"):
        candidate = candidate[:-4]
    match = _ID.match(candidate)
    if not match:
        raise InvalidArxivId(
            f"{text[:80]!r} is not an arXiv id (expected e.g. 2402.01234, "
            "2402.01234v2, hep-th/9901001 or an arxiv.org/abs/ URL)"
        )
    base = match.group("new") or match.group("old")
    version = match.group("version")
    return base, int(version) if version else None


def paper_key(identifier: str) -> str:
    """The store key an identifier names: an arXiv id in any usual form (a URL, "arXiv:",
    a version) is its bare id; anything else (a source or title key) is the text trimmed.
    The one rule for every place a person names a paper: its page, the API, votes,
    comments, moderation, `paperboy similar`."""
    try:
        return parse_arxiv_id(identifier)[0]
    except InvalidArxivId:
        return identifier.strip()
