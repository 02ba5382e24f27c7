"""Store keys of papers known only by their title (a saved page, before arXiv's record).

Such a paper's key is a slug of its normalised title plus a short digest of it, e.g.
"attention-is-all-you-need-5f2a9c1e": readable in a URL and a BibTeX entry, the same
for the same title on every machine, and never mistaken for an arXiv id (which has a
"." or a "/") or a source's key (which has a ":").
"""

from __future__ import annotations

import hashlib
import re

SLUG_LENGTH = 60
# Keys of the first releases: "title:" and 16 hex digits of the same digest.
LEGACY_TITLE_PREFIX = "title:"
_TITLE_KEY = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*-[0-9a-f]{8}")


def title_slug(title_norm: str, length: int = SLUG_LENGTH) -> str:
    """The words of a normalised title joined by "-", cut at a word to at most length."""
    words = title_norm.split()
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > length:
            break
        slug = longer
    return slug or (words[0][:length] if words else "paper")


def title_digest(title_norm: str) -> str:
    return hashlib.sha1(title_norm.encode("utf-8")).hexdigest()


def title_key(title_norm: str) -> str:
    """The key of a paper known by this normalised title alone."""
    return f"{title_slug(title_norm)}-{title_digest(title_norm)[:8]}"


def legacy_title_key(title_norm: str) -> str:
    """The key the same paper had before (still resolved, through an alias)."""
    return LEGACY_TITLE_PREFIX + title_digest(title_norm)[:16]


def is_title_key(key: str) -> bool:
    """Whether a store key is a title key (new or legacy), not an arXiv id or source key."""
    return key.startswith(LEGACY_TITLE_PREFIX) or _TITLE_KEY.fullmatch(key) is not None
